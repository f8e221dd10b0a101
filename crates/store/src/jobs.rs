//! Scheduled jobs and retention rules. A job is run by one runner at a
//! time: `try_claim_job` is a conditional update that succeeds for one
//! caller only, and a lease that has expired (its runner died) may be
//! claimed again. Nothing here is personal data.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ScheduledJobRow {
    pub id: i64,
    pub kind: String,
    pub dedupe_key: String,
    pub contract_id: Option<i64>,
    pub purpose_code: Option<String>,
    pub rule_id: Option<i64>,
    pub label: String,
    pub run_at: String,
    pub state: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub result: Option<String>,
    pub leased_by: Option<String>,
    pub lease_until: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

pub struct NewScheduledJob<'a> {
    pub kind: &'a str,
    pub dedupe_key: &'a str,
    pub contract_id: Option<i64>,
    pub purpose_code: Option<&'a str>,
    pub rule_id: Option<i64>,
    pub label: &'a str,
    pub run_at: &'a str,
    pub max_attempts: i64,
    pub created_at: &'a str,
    pub created_by: &'a str,
}

/// How a claimed run ended.
pub enum JobEnd<'a> {
    Done {
        result: &'a str,
    },
    /// Failed; tried again at `retry_at`, or never again when `None`.
    Failed {
        error: &'a str,
        retry_at: Option<&'a str>,
    },
}

#[derive(Debug, Clone, FromRow)]
pub struct RetentionRuleRow {
    pub id: i64,
    pub contract_id: i64,
    pub purpose_code: Option<String>,
    pub trigger_kind: String,
    pub event: Option<String>,
    pub offset_days: i64,
    pub on_date: Option<String>,
    pub action: String,
    pub items: String,
    pub waiver: Option<String>,
    pub state: String,
    pub set_at: String,
    pub set_by: String,
    pub withdrawn_at: Option<String>,
}

pub struct NewRetentionRule<'a> {
    pub contract_id: i64,
    pub purpose_code: Option<&'a str>,
    pub trigger_kind: &'a str,
    pub event: Option<&'a str>,
    pub offset_days: i64,
    pub on_date: Option<&'a str>,
    pub action: &'a str,
    pub items: &'a str,
    pub waiver: Option<&'a str>,
    pub set_at: &'a str,
    pub set_by: &'a str,
}

const JOB_COLS: &str = "id, kind, dedupe_key, contract_id, purpose_code, rule_id, label, \
    run_at, state, attempts, max_attempts, last_error, result, leased_by, lease_until, \
    created_at, created_by, started_at, finished_at";
const RULE_COLS: &str = "id, contract_id, purpose_code, trigger_kind, event, offset_days, \
    on_date, action, items, waiver, state, set_at, set_by, withdrawn_at";

impl Tx {
    /// Schedule a job unless one with the same key exists; its id if new.
    pub async fn insert_scheduled_job(&mut self, j: &NewScheduledJob<'_>) -> Result<Option<i64>> {
        let sql = self.sql(
            "INSERT INTO scheduled_jobs (kind, dedupe_key, contract_id, purpose_code, rule_id, \
             label, run_at, state, max_attempts, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10) \
             ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        );
        let row: Option<(i64,)> = sqlx::query_as(&sql)
            .bind(j.kind)
            .bind(j.dedupe_key)
            .bind(j.contract_id)
            .bind(j.purpose_code)
            .bind(j.rule_id)
            .bind(j.label)
            .bind(j.run_at)
            .bind(j.max_attempts)
            .bind(j.created_at)
            .bind(j.created_by)
            .fetch_optional(&mut *self.inner)
            .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn scheduled_job(&mut self, id: i64) -> Result<Option<ScheduledJobRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {JOB_COLS} FROM scheduled_jobs WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// The newest jobs first.
    pub async fn recent_scheduled_jobs(&mut self, limit: i64) -> Result<Vec<ScheduledJobRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {JOB_COLS} FROM scheduled_jobs ORDER BY run_at DESC, id DESC LIMIT $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Jobs a runner may claim at `now`: pending and due, or running under
    /// a lease that has run out.
    pub async fn due_jobs(&mut self, now: &str, limit: i64) -> Result<Vec<ScheduledJobRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {JOB_COLS} FROM scheduled_jobs \
                 WHERE (state = 'pending' AND run_at <= $1) \
                 OR (state = 'running' AND lease_until <= $1) \
                 ORDER BY run_at, id LIMIT $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Take a due job for `runner` until `until`. True for exactly one of
    /// any number of runners asking at once.
    pub async fn try_claim_job(
        &mut self,
        id: i64,
        runner: &str,
        now: &str,
        until: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE scheduled_jobs SET state = 'running', leased_by = $1, lease_until = $2, \
             attempts = attempts + 1, started_at = $3 \
             WHERE id = $4 AND ((state = 'pending' AND run_at <= $3) \
             OR (state = 'running' AND lease_until <= $3))",
        );
        let n = sqlx::query(&sql)
            .bind(runner)
            .bind(until)
            .bind(now)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Extend `runner`'s lease on a running job to `until`. False when
    /// the runner no longer holds it (it ended, or another runner took it
    /// over after the lease ran out).
    pub async fn renew_job_lease(&mut self, id: i64, runner: &str, until: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE scheduled_jobs SET lease_until = $1 \
             WHERE id = $2 AND state = 'running' AND leased_by = $3",
        );
        let n = sqlx::query(&sql)
            .bind(until)
            .bind(id)
            .bind(runner)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Record how a run ended, if `runner` still holds the job.
    pub async fn end_job(
        &mut self,
        id: i64,
        runner: &str,
        end: &JobEnd<'_>,
        now: &str,
    ) -> Result<bool> {
        let (state, result, error, run_at) = match end {
            JobEnd::Done { result } => ("done", Some(*result), None, None),
            JobEnd::Failed {
                error,
                retry_at: Some(at),
            } => ("pending", None, Some(*error), Some(*at)),
            JobEnd::Failed {
                error,
                retry_at: None,
            } => ("failed", None, Some(*error), None),
        };
        let sql = self.sql(
            "UPDATE scheduled_jobs SET state = $1, result = COALESCE($2, result), \
             last_error = COALESCE($3, last_error), run_at = COALESCE($4, run_at), \
             leased_by = NULL, lease_until = NULL, \
             finished_at = CASE WHEN $1 = 'pending' THEN finished_at ELSE $5 END \
             WHERE id = $6 AND state = 'running' AND leased_by = $7",
        );
        let n = sqlx::query(&sql)
            .bind(state)
            .bind(result)
            .bind(error)
            .bind(run_at)
            .bind(now)
            .bind(id)
            .bind(runner)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// A failed job is scheduled again at `now` (the ward asked).
    pub async fn retry_job(&mut self, id: i64, now: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE scheduled_jobs SET state = 'pending', run_at = $1, attempts = 0, \
             finished_at = NULL WHERE id = $2 AND state = 'failed'",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Jobs of a withdrawn rule that have not started are cancelled.
    pub async fn cancel_rule_jobs(&mut self, rule_id: i64, now: &str) -> Result<u64> {
        let sql = self.sql(
            "UPDATE scheduled_jobs SET state = 'cancelled', finished_at = $1 \
             WHERE rule_id = $2 AND state IN ('pending', 'failed')",
        );
        Ok(sqlx::query(&sql)
            .bind(now)
            .bind(rule_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    pub async fn rule_jobs(&mut self, rule_id: i64) -> Result<Vec<ScheduledJobRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {JOB_COLS} FROM scheduled_jobs WHERE rule_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(rule_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_retention_rule(&mut self, r: &NewRetentionRule<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO retention_rules (contract_id, purpose_code, trigger_kind, event, \
             offset_days, on_date, action, items, waiver, state, set_at, set_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(r.contract_id)
            .bind(r.purpose_code)
            .bind(r.trigger_kind)
            .bind(r.event)
            .bind(r.offset_days)
            .bind(r.on_date)
            .bind(r.action)
            .bind(r.items)
            .bind(r.waiver)
            .bind(r.set_at)
            .bind(r.set_by)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn retention_rule(&mut self, id: i64) -> Result<Option<RetentionRuleRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {RULE_COLS} FROM retention_rules WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// A contract's rules, oldest first (withdrawn ones too).
    pub async fn retention_rules(&mut self, contract_id: i64) -> Result<Vec<RetentionRuleRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {RULE_COLS} FROM retention_rules WHERE contract_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn withdraw_retention_rule(&mut self, id: i64, now: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE retention_rules SET state = 'withdrawn', withdrawn_at = $1 \
             WHERE id = $2 AND state = 'active'",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }
}
