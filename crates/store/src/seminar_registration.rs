//! Seminar registrations (氏名 sealed with the event's key, token
//! digests), append-only check-ins, the bot check's used nonces, the public
//! form's rate-limit counts, and the ward's returned lists.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct RegistrationRow {
    pub id: i64,
    pub contract_id: i64,
    pub event_id: i64,
    pub session_id: i64,
    pub status: String,
    pub waitlist_seq: Option<i64>,
    pub seal_ref: String,
    pub name: Option<Vec<u8>>,
    pub search_keys: String,
    pub notice_digest: String,
    pub notice_shown_at: String,
    pub token_digest: String,
    pub qr_digest: String,
    pub registered_at: String,
    pub promoted_at: Option<String>,
    pub cancelled_at: Option<String>,
}

const REG_COLS: &str = "id, contract_id, event_id, session_id, status, waitlist_seq, seal_ref, \
    name, search_keys, notice_digest, notice_shown_at, token_digest, qr_digest, registered_at, \
    promoted_at, cancelled_at";

pub struct NewRegistration<'a> {
    pub contract_id: i64,
    pub event_id: i64,
    pub session_id: i64,
    pub status: &'a str,
    pub waitlist_seq: Option<i64>,
    pub seal_ref: &'a str,
    pub name: &'a [u8],
    pub search_keys: &'a str,
    pub notice_digest: &'a str,
    pub notice_shown_at: &'a str,
    pub token_digest: &'a str,
    pub qr_digest: &'a str,
    pub registered_at: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct CheckinRow {
    pub id: i64,
    pub contract_id: i64,
    pub registration_id: i64,
    pub checked_in_at: String,
    pub checked_in_by: String,
    pub method: String,
    pub undone_at: Option<String>,
    pub undone_by: Option<String>,
}

const CHECKIN_COLS: &str = "id, contract_id, registration_id, checked_in_at, checked_in_by, \
    method, undone_at, undone_by";

#[derive(Debug, Clone, FromRow)]
pub struct SeminarReturnRow {
    pub id: i64,
    pub contract_id: i64,
    pub event_id: i64,
    pub event_title: String,
    pub records: i64,
    pub digest: String,
    pub seal_ref: String,
    pub sealed: Vec<u8>,
    pub returned_at: String,
    pub certificate: String,
    pub signature: String,
}

const RETURN_COLS: &str = "id, contract_id, event_id, event_title, records, digest, seal_ref, \
    sealed, returned_at, certificate, signature";

pub struct NewSeminarReturn<'a> {
    pub contract_id: i64,
    pub event_id: i64,
    pub event_title: &'a str,
    pub records: i64,
    pub digest: &'a str,
    pub seal_ref: &'a str,
    pub sealed: &'a [u8],
    pub returned_at: &'a str,
    pub certificate: &'a str,
    pub signature: &'a str,
}

impl Tx {
    pub async fn insert_registration(&mut self, n: &NewRegistration<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO seminar_registrations (contract_id, event_id, session_id, status, \
             waitlist_seq, seal_ref, name, search_keys, notice_digest, notice_shown_at, \
             token_digest, qr_digest, registered_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(n.contract_id)
            .bind(n.event_id)
            .bind(n.session_id)
            .bind(n.status)
            .bind(n.waitlist_seq)
            .bind(n.seal_ref)
            .bind(n.name)
            .bind(n.search_keys)
            .bind(n.notice_digest)
            .bind(n.notice_shown_at)
            .bind(n.token_digest)
            .bind(n.qr_digest)
            .bind(n.registered_at)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// Registrations per status of one session: (registered, waitlisted).
    pub async fn session_counts(&mut self, session_id: i64) -> Result<(i64, i64)> {
        let sql = self.sql(
            "SELECT \
             COALESCE(SUM(CASE WHEN status = 'registered' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'waitlisted' THEN 1 ELSE 0 END), 0) \
             FROM seminar_registrations WHERE session_id = $1",
        );
        let row: (i64, i64) = sqlx::query_as(&sql)
            .bind(session_id)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(row)
    }

    pub async fn registration(&mut self, id: i64) -> Result<Option<RegistrationRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {REG_COLS} FROM seminar_registrations WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn registration_by_token(&mut self, digest: &str) -> Result<Option<RegistrationRow>> {
        self.registration_by("token_digest", digest).await
    }

    pub async fn registration_by_qr(&mut self, digest: &str) -> Result<Option<RegistrationRow>> {
        self.registration_by("qr_digest", digest).await
    }

    /// By one of the two token digest columns (a fixed name, never input).
    async fn registration_by(
        &mut self,
        column: &'static str,
        digest: &str,
    ) -> Result<Option<RegistrationRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {REG_COLS} FROM seminar_registrations WHERE {column} = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(digest)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn registrations_of_session(
        &mut self,
        session_id: i64,
    ) -> Result<Vec<RegistrationRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {REG_COLS} FROM seminar_registrations WHERE session_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(session_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn registrations_of_event(&mut self, event_id: i64) -> Result<Vec<RegistrationRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {REG_COLS} FROM seminar_registrations WHERE event_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(event_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Registrations of a session whose search keys contain every one of
    /// `keys` (hex blind indexes).
    pub async fn registrations_matching(
        &mut self,
        session_id: i64,
        keys: &[String],
    ) -> Result<Vec<RegistrationRow>> {
        let mut cond = String::from("session_id = $1");
        for i in 0..keys.len() {
            cond.push_str(&format!(" AND search_keys LIKE ${}", i + 2));
        }
        let sql = self
            .sql(&format!(
                "SELECT {REG_COLS} FROM seminar_registrations WHERE {cond} ORDER BY id"
            ))
            .into_owned();
        let mut q = sqlx::query_as(&sql).bind(session_id);
        for k in keys {
            q = q.bind(format!("%{k}%"));
        }
        Ok(q.fetch_all(&mut *self.inner).await?)
    }

    pub async fn cancel_registration(&mut self, id: i64, at: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE seminar_registrations SET status = 'cancelled', cancelled_at = $1, \
             waitlist_seq = NULL WHERE id = $2 AND status <> 'cancelled'",
        );
        let r = sqlx::query(&sql)
            .bind(at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Move the first of the session's waitlist up; its id, if any.
    pub async fn promote_first_waitlisted(
        &mut self,
        session_id: i64,
        at: &str,
    ) -> Result<Option<i64>> {
        let sql = self.sql(
            "SELECT id FROM seminar_registrations WHERE session_id = $1 \
             AND status = 'waitlisted' ORDER BY waitlist_seq, id LIMIT 1",
        );
        let first: Option<(i64,)> = sqlx::query_as(&sql)
            .bind(session_id)
            .fetch_optional(&mut *self.inner)
            .await?;
        let Some((id,)) = first else {
            return Ok(None);
        };
        let sql = self.sql(
            "UPDATE seminar_registrations SET status = 'registered', promoted_at = $1, \
             waitlist_seq = NULL WHERE id = $2",
        );
        sqlx::query(&sql)
            .bind(at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(Some(id))
    }

    pub async fn insert_checkin(
        &mut self,
        contract_id: i64,
        registration_id: i64,
        at: &str,
        by: &str,
        method: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO seminar_checkins (contract_id, registration_id, checked_in_at, \
             checked_in_by, method) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(registration_id)
            .bind(at)
            .bind(by)
            .bind(method)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// Mark the registration's standing check-in as undone. False if there
    /// was none.
    pub async fn undo_checkin(&mut self, registration_id: i64, at: &str, by: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE seminar_checkins SET undone_at = $1, undone_by = $2 \
             WHERE registration_id = $3 AND undone_at IS NULL",
        );
        let r = sqlx::query(&sql)
            .bind(at)
            .bind(by)
            .bind(registration_id)
            .execute(&mut *self.inner)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn checkins_of_event(&mut self, event_id: i64) -> Result<Vec<CheckinRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {CHECKIN_COLS} FROM seminar_checkins WHERE registration_id IN \
                 (SELECT id FROM seminar_registrations WHERE event_id = $1) ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(event_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Accept a bot-check nonce once. False if it was used before.
    pub async fn use_nonce(&mut self, nonce: &str, at: &str) -> Result<bool> {
        let sql = self.sql(
            "INSERT INTO seminar_used_nonces (nonce, used_at) VALUES ($1, $2) \
             ON CONFLICT (nonce) DO NOTHING",
        );
        let r = sqlx::query(&sql)
            .bind(nonce)
            .bind(at)
            .execute(&mut *self.inner)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn insert_seminar_return(&mut self, n: &NewSeminarReturn<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO seminar_returns (contract_id, event_id, event_title, records, digest, \
             seal_ref, sealed, returned_at, certificate, signature) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(n.contract_id)
            .bind(n.event_id)
            .bind(n.event_title)
            .bind(n.records)
            .bind(n.digest)
            .bind(n.seal_ref)
            .bind(n.sealed)
            .bind(n.returned_at)
            .bind(n.certificate)
            .bind(n.signature)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn seminar_return(&mut self, event_id: i64) -> Result<Option<SeminarReturnRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {RETURN_COLS} FROM seminar_returns WHERE event_id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(event_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn seminar_returns(&mut self) -> Result<Vec<SeminarReturnRow>> {
        let sql = format!("SELECT {RETURN_COLS} FROM seminar_returns ORDER BY id");
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }
}

impl Tx {
    /// Note one public submission from `client` at `at`, forget those
    /// before `since`, and count the client's since then (this one included).
    pub async fn note_attempt(&mut self, client: &str, at: &str, since: &str) -> Result<i64> {
        let sql = self.sql("DELETE FROM seminar_attempts WHERE at < $1");
        sqlx::query(&sql)
            .bind(since)
            .execute(&mut *self.inner)
            .await?;
        let sql = self.sql("INSERT INTO seminar_attempts (client, at) VALUES ($1, $2)");
        sqlx::query(&sql)
            .bind(client)
            .bind(at)
            .execute(&mut *self.inner)
            .await?;
        let sql = self.sql("SELECT COUNT(*) FROM seminar_attempts WHERE client = $1 AND at >= $2");
        let (n,): (i64,) = sqlx::query_as(&sql)
            .bind(client)
            .bind(since)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(n)
    }
}
