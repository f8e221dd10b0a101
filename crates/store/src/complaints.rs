//! The ward's complaints record (苦情処理簿), shared by every job: the
//! desk files into it, contractors record what residents told them about
//! the handling of their data (contract clause 19), and the ward records
//! its own. Sealed columns are opaque bytes here.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ComplaintRow {
    pub id: i64,
    pub job_id: i64,
    pub contract_id: Option<i64>,
    pub source: String,
    pub source_id: Option<i64>,
    pub received_on: String,
    pub channel: String,
    pub seal_ref: String,
    pub summary: Vec<u8>,
    pub answered_on: Option<String>,
    pub answer: Option<Vec<u8>>,
    pub reported_on: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

const COMPLAINT_COLS: &str = "id, job_id, contract_id, source, source_id, received_on, channel, \
    seal_ref, summary, answered_on, answer, reported_on, created_at, created_by, updated_at, \
    updated_by";

pub struct NewComplaint<'a> {
    pub job_id: i64,
    pub contract_id: Option<i64>,
    pub source: &'a str,
    pub source_id: Option<i64>,
    pub received_on: &'a str,
    pub channel: &'a str,
    pub seal_ref: &'a str,
    pub summary: &'a [u8],
    pub reported_on: Option<&'a str>,
    pub created_at: &'a str,
    pub created_by: &'a str,
}

/// What the ward writes back on a complaint.
pub struct ComplaintUpdate<'a> {
    pub answered_on: Option<&'a str>,
    pub answer: Option<&'a [u8]>,
    pub reported_on: Option<&'a str>,
    pub at: &'a str,
    pub by: &'a str,
}

impl Tx {
    pub async fn insert_complaint(&mut self, c: &NewComplaint<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO complaints (job_id, contract_id, source, source_id, received_on, channel, \
             seal_ref, summary, reported_on, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(c.job_id)
            .bind(c.contract_id)
            .bind(c.source)
            .bind(c.source_id)
            .bind(c.received_on)
            .bind(c.channel)
            .bind(c.seal_ref)
            .bind(c.summary)
            .bind(c.reported_on)
            .bind(c.created_at)
            .bind(c.created_by)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// The complaints record, unanswered first, then newest.
    pub async fn complaints(&mut self, limit: i64) -> Result<Vec<ComplaintRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {COMPLAINT_COLS} FROM complaints \
                 ORDER BY CASE WHEN answered_on IS NULL THEN 0 ELSE 1 END, id DESC LIMIT $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn complaint(&mut self, id: i64) -> Result<Option<ComplaintRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {COMPLAINT_COLS} FROM complaints WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn update_complaint(&mut self, id: i64, u: &ComplaintUpdate<'_>) -> Result<bool> {
        let sql = self.sql(
            "UPDATE complaints SET answered_on = $1, answer = $2, reported_on = $3, \
             updated_at = $4, updated_by = $5 WHERE id = $6",
        );
        let n = sqlx::query(&sql)
            .bind(u.answered_on)
            .bind(u.answer)
            .bind(u.reported_on)
            .bind(u.at)
            .bind(u.by)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// One contract's complaints (what its contractor filed or the ward
    /// recorded against it), unanswered first, then newest.
    pub async fn complaints_of_contract(
        &mut self,
        contract_id: i64,
        limit: i64,
    ) -> Result<Vec<ComplaintRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {COMPLAINT_COLS} FROM complaints WHERE contract_id = $1 \
                 ORDER BY CASE WHEN answered_on IS NULL THEN 0 ELSE 1 END, id DESC LIMIT $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }
}
