//! Seminars and events (seed 003): events, sessions, registrations,
//! check-ins and the ward's returned lists. Sealed columns are opaque bytes
//! here; the service seals and opens them with the event's key.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub contract_id: i64,
    pub slug: String,
    pub title: String,
    pub kind: String,
    pub venue: String,
    pub description: String,
    pub opens_at: String,
    pub closes_at: String,
    pub wrapped_key: Option<Vec<u8>>,
    pub key_fingerprint: String,
    pub reception_closed_at: Option<String>,
    pub reception_closed_by: Option<String>,
    pub erased_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

const EVENT_COLS: &str = "id, contract_id, slug, title, kind, venue, description, opens_at, \
    closes_at, wrapped_key, key_fingerprint, reception_closed_at, reception_closed_by, \
    erased_at, created_at, created_by";

pub struct NewEvent<'a> {
    pub contract_id: i64,
    pub slug: &'a str,
    pub title: &'a str,
    pub kind: &'a str,
    pub venue: &'a str,
    pub description: &'a str,
    pub opens_at: &'a str,
    pub closes_at: &'a str,
    pub key_fingerprint: &'a str,
    pub created_at: &'a str,
    pub created_by: &'a str,
}

#[derive(Debug, Clone, FromRow)]
pub struct SeminarSessionRow {
    pub id: i64,
    pub contract_id: i64,
    pub event_id: i64,
    pub label: String,
    pub mode: String,
    pub starts_at: String,
    pub ends_at: String,
    pub capacity: i64,
    pub meeting_link: Option<Vec<u8>>,
    pub seq: i64,
}

const SESSION_COLS: &str =
    "id, contract_id, event_id, label, mode, starts_at, ends_at, capacity, meeting_link, seq";

pub struct NewSeminarSession<'a> {
    pub contract_id: i64,
    pub event_id: i64,
    pub label: &'a str,
    pub mode: &'a str,
    pub starts_at: &'a str,
    pub ends_at: &'a str,
    pub capacity: i64,
}

impl Tx {
    pub async fn insert_event(&mut self, n: &NewEvent<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO seminar_events (contract_id, slug, title, kind, venue, description, \
             opens_at, closes_at, key_fingerprint, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(n.contract_id)
            .bind(n.slug)
            .bind(n.title)
            .bind(n.kind)
            .bind(n.venue)
            .bind(n.description)
            .bind(n.opens_at)
            .bind(n.closes_at)
            .bind(n.key_fingerprint)
            .bind(n.created_at)
            .bind(n.created_by)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// Store the event's wrapped key (wrapped under an aad naming the id,
    /// which exists only after the insert).
    pub async fn set_event_key(&mut self, id: i64, wrapped: Option<&[u8]>) -> Result<()> {
        let sql = self.sql("UPDATE seminar_events SET wrapped_key = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(wrapped)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn update_event(&mut self, id: i64, n: &NewEvent<'_>) -> Result<()> {
        let sql = self.sql(
            "UPDATE seminar_events SET slug = $1, title = $2, kind = $3, venue = $4, \
             description = $5, opens_at = $6, closes_at = $7 WHERE id = $8",
        );
        sqlx::query(&sql)
            .bind(n.slug)
            .bind(n.title)
            .bind(n.kind)
            .bind(n.venue)
            .bind(n.description)
            .bind(n.opens_at)
            .bind(n.closes_at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn event(&mut self, id: i64) -> Result<Option<EventRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {EVENT_COLS} FROM seminar_events WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn event_by_slug(&mut self, slug: &str) -> Result<Option<EventRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {EVENT_COLS} FROM seminar_events WHERE slug = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(slug)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn events_of_contract(&mut self, contract_id: i64) -> Result<Vec<EventRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {EVENT_COLS} FROM seminar_events WHERE contract_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Reception closed: who and when. False if it already was.
    pub async fn close_reception(&mut self, id: i64, at: &str, by: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE seminar_events SET reception_closed_at = $1, reception_closed_by = $2 \
             WHERE id = $3 AND reception_closed_at IS NULL",
        );
        let r = sqlx::query(&sql)
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Cryptographic erase of one event: the key goes, the sealed names
    /// and search keys go, the rows stay as counts only.
    pub async fn erase_event_data(&mut self, id: i64, at: &str) -> Result<i64> {
        let sql =
            self.sql("UPDATE seminar_events SET wrapped_key = NULL, erased_at = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(at)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        let sql = self.sql("UPDATE seminar_sessions SET meeting_link = NULL WHERE event_id = $1");
        sqlx::query(&sql).bind(id).execute(&mut *self.inner).await?;
        let sql = self.sql(
            "DELETE FROM seminar_checkins WHERE registration_id IN \
             (SELECT id FROM seminar_registrations WHERE event_id = $1)",
        );
        sqlx::query(&sql).bind(id).execute(&mut *self.inner).await?;
        let sql = self.sql("DELETE FROM seminar_registrations WHERE event_id = $1");
        let r = sqlx::query(&sql).bind(id).execute(&mut *self.inner).await?;
        Ok(r.rows_affected() as i64)
    }

    pub async fn insert_seminar_session(&mut self, n: &NewSeminarSession<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO seminar_sessions (contract_id, event_id, label, mode, starts_at, \
             ends_at, capacity) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(n.contract_id)
            .bind(n.event_id)
            .bind(n.label)
            .bind(n.mode)
            .bind(n.starts_at)
            .bind(n.ends_at)
            .bind(n.capacity)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn update_seminar_session(
        &mut self,
        id: i64,
        n: &NewSeminarSession<'_>,
    ) -> Result<()> {
        let sql = self.sql(
            "UPDATE seminar_sessions SET label = $1, mode = $2, starts_at = $3, ends_at = $4, \
             capacity = $5 WHERE id = $6",
        );
        sqlx::query(&sql)
            .bind(n.label)
            .bind(n.mode)
            .bind(n.starts_at)
            .bind(n.ends_at)
            .bind(n.capacity)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn set_meeting_link(&mut self, id: i64, sealed: Option<&[u8]>) -> Result<()> {
        let sql = self.sql("UPDATE seminar_sessions SET meeting_link = $1 WHERE id = $2");
        sqlx::query(&sql)
            .bind(sealed)
            .bind(id)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn seminar_sessions(&mut self, event_id: i64) -> Result<Vec<SeminarSessionRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {SESSION_COLS} FROM seminar_sessions WHERE event_id = $1 \
                 ORDER BY starts_at, id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(event_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Take the session's row lock (both backends) and the next sequence
    /// number: registrations and cancellations of one session queue here,
    /// so the count they read cannot change under them.
    pub async fn lock_seminar_session(&mut self, id: i64) -> Result<Option<SeminarSessionRow>> {
        let sql = self
            .sql(&format!(
                "UPDATE seminar_sessions SET seq = seq + 1 WHERE id = $1 RETURNING {SESSION_COLS}"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }
}
