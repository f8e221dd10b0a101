//! Server-side sessions, stored by the digest of their id so a copy of the
//! database does not hand out live sessions.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id_digest: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub ip: Option<String>,
    pub client_cert: Option<String>,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub stepped_up_at: Option<String>,
    pub ended_at: Option<String>,
}

const COLS: &str = "id_digest, user_id, csrf_token, ip, client_cert, created_at, last_seen_at, \
                    expires_at, stepped_up_at, ended_at";

impl Tx {
    pub async fn insert_session(&mut self, s: &SessionRow) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO sessions (id_digest, user_id, csrf_token, ip, client_cert, created_at, \
             last_seen_at, expires_at, stepped_up_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        );
        sqlx::query(&sql)
            .bind(&s.id_digest)
            .bind(s.user_id)
            .bind(&s.csrf_token)
            .bind(&s.ip)
            .bind(&s.client_cert)
            .bind(&s.created_at)
            .bind(&s.last_seen_at)
            .bind(&s.expires_at)
            .bind(&s.stepped_up_at)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn session(&mut self, id_digest: &str) -> Result<Option<SessionRow>> {
        let sql = self
            .sql(&format!("SELECT {COLS} FROM sessions WHERE id_digest = $1"))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id_digest)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn touch_session(&mut self, id_digest: &str, now: &str) -> Result<()> {
        let sql = self.sql("UPDATE sessions SET last_seen_at = $1 WHERE id_digest = $2");
        sqlx::query(&sql)
            .bind(now)
            .bind(id_digest)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn step_up_session(&mut self, id_digest: &str, now: &str) -> Result<()> {
        let sql = self.sql("UPDATE sessions SET stepped_up_at = $1 WHERE id_digest = $2");
        sqlx::query(&sql)
            .bind(now)
            .bind(id_digest)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn end_session(&mut self, id_digest: &str, now: &str, reason: &str) -> Result<u64> {
        let sql = self.sql(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id_digest = $3 AND ended_at IS NULL",
        );
        Ok(sqlx::query(&sql)
            .bind(now)
            .bind(reason)
            .bind(id_digest)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    pub async fn end_sessions_of_user(
        &mut self,
        user_id: i64,
        now: &str,
        reason: &str,
    ) -> Result<u64> {
        let sql = self.sql(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE user_id = $3 AND ended_at IS NULL",
        );
        Ok(sqlx::query(&sql)
            .bind(now)
            .bind(reason)
            .bind(user_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    /// Ends every live session of an organisation's users (契約解除, revoked
    /// sub-contracting approval).
    pub async fn end_sessions_of_org(
        &mut self,
        org_id: i64,
        now: &str,
        reason: &str,
    ) -> Result<u64> {
        let sql = self.sql(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE ended_at IS NULL \
             AND user_id IN (SELECT id FROM users WHERE org_id = $3)",
        );
        Ok(sqlx::query(&sql)
            .bind(now)
            .bind(reason)
            .bind(org_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    pub async fn live_sessions(&mut self, now: &str) -> Result<Vec<SessionRow>> {
        let sql = self.sql(&format!(
            "SELECT {COLS} FROM sessions WHERE ended_at IS NULL AND expires_at > $1 ORDER BY created_at DESC"
        ))
        .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(now)
            .fetch_all(&mut *self.inner)
            .await?)
    }
}
