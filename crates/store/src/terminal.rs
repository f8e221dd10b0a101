//! The terminal registry beyond registration and lookup (in `org.rs`):
//! listing, revocation, and ending the sessions bound to a certificate.

use crate::{Result, TerminalRow, Tx};

impl Tx {
    pub async fn terminals(&mut self) -> Result<Vec<TerminalRow>> {
        let sql =
            "SELECT id, org_id, name, cert_fingerprint, revoked_at FROM terminals ORDER BY id";
        Ok(sqlx::query_as(sql).fetch_all(&mut *self.inner).await?)
    }

    pub async fn terminal(&mut self, id: i64) -> Result<Option<TerminalRow>> {
        let sql = self.sql(
            "SELECT id, org_id, name, cert_fingerprint, revoked_at FROM terminals WHERE id = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Marks a terminal revoked; 0 when it does not exist or already is.
    pub async fn revoke_terminal(&mut self, id: i64, now: &str) -> Result<u64> {
        let sql =
            self.sql("UPDATE terminals SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL");
        Ok(sqlx::query(&sql)
            .bind(now)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    /// Ends every live session bound to a client certificate.
    pub async fn end_sessions_of_cert(
        &mut self,
        fingerprint: &str,
        now: &str,
        reason: &str,
    ) -> Result<u64> {
        let sql = self.sql(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 \
             WHERE client_cert = $3 AND ended_at IS NULL",
        );
        Ok(sqlx::query(&sql)
            .bind(now)
            .bind(reason)
            .bind(fingerprint)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }
}
