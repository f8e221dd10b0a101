//! Claiming and running due jobs. Each claim and each end is an audited
//! system operation that commits together with the job's new state.

use super::{backoff, JobKind, LEASE};
use crate::error::Result;
use crate::op::OpRequest;
use crate::time::{jst_date, ts};
use crate::{Actor, Service};
use chrono::{DateTime, Duration, Utc};
use itaku_policy::Action;
use itaku_store::{JobEnd, NewScheduledJob, ScheduledJobRow};
use serde::Serialize;
use std::future::Future;

/// Jobs looked at per pass; the rest wait for the next pass.
const BATCH: i64 = 50;

/// What one pass of the runner did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct JobRunReport {
    /// Job ids run to completion.
    pub done: Vec<i64>,
    /// Job ids that failed this time (to be retried, or failed for good).
    pub failed: Vec<i64>,
    /// The errors of those, in the same order (Japanese).
    pub errors: Vec<String>,
}

fn actor_for(job: &ScheduledJobRow) -> Actor {
    Actor::system(format!("定期処理 第{}号: {}", job.id, job.label))
}

impl Service {
    /// Schedule a job unless one with its key exists, as an audited system
    /// operation. The new job's id, or `None` when it was there already.
    pub(crate) async fn schedule_job(
        &self,
        actor: &Actor,
        job: &NewScheduledJob<'_>,
    ) -> Result<Option<i64>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::system(Action::Administer, "scheduled_job"),
            )
            .await?;
        let id = op.tx.insert_scheduled_job(job).await?;
        match id {
            Some(id) => {
                op.finish(
                    &[],
                    &format!("job {id} scheduled: {} at {}", job.kind, job.run_at),
                )
                .await?
            }
            // Nothing written: no entry needed.
            None => drop(op),
        }
        Ok(id)
    }

    /// The recurring jobs: the visit-list check at the configured return
    /// time, today's (run at once if that time has passed: a server that
    /// was down catches up) and tomorrow's. Repeating this is harmless.
    pub async fn ensure_daily_jobs(&self) -> Result<()> {
        let now = self.now();
        let at = self.visit_return_time().await?;
        let today = jst_date(now);
        let sys = Actor::system("定期処理の予定（毎日）");
        for day in [today, today + Duration::days(1)] {
            let run_at = day.and_time(at).and_utc() - Duration::hours(9);
            let key = format!("{}:{day}", JobKind::VisitReturnCheck.code());
            let label = format!("{}（{day}）", JobKind::VisitReturnCheck.label());
            self.schedule_job(
                &sys,
                &NewScheduledJob {
                    kind: JobKind::VisitReturnCheck.code(),
                    dedupe_key: &key,
                    contract_id: None,
                    purpose_code: None,
                    rule_id: None,
                    label: &label,
                    run_at: &ts(run_at),
                    max_attempts: super::MAX_ATTEMPTS,
                    created_at: &ts(now),
                    created_by: "system",
                },
            )
            .await?;
        }
        Ok(())
    }

    /// One pass: claim every due job (or one whose runner's lease ran out)
    /// and run it, by the injected clock. `runner` names this process in
    /// the lease. For `itaku jobs run-due` and the loop of `itaku serve`.
    pub async fn run_due_jobs(&self, runner: &str) -> Result<JobRunReport> {
        let mut report = JobRunReport::default();
        let due = {
            let mut tx = self.inner.store.begin().await?;
            let d = tx.due_jobs(&ts(self.now()), BATCH).await?;
            tx.rollback().await?;
            d
        };
        for job in due {
            let Some(job) = self.claim(&job, runner).await? else {
                continue;
            };
            let hold = self.hold_job_lease(job.id, runner, super::lease::RENEW_EVERY);
            let outcome = self.execute(&job).await;
            drop(hold);
            match outcome {
                Ok(result) => {
                    self.end(&job, runner, Ok(result)).await?;
                    report.done.push(job.id);
                }
                Err(e) => {
                    let message = e.to_string();
                    tracing::warn!(job = job.id, error = %message, "定期処理が失敗しました");
                    self.end(&job, runner, Err(message.clone())).await?;
                    report.failed.push(job.id);
                    report.errors.push(message);
                }
            }
        }
        Ok(report)
    }

    /// Take one job; the row as claimed, or `None` when another runner
    /// was first.
    async fn claim(&self, job: &ScheduledJobRow, runner: &str) -> Result<Option<ScheduledJobRow>> {
        let sys = actor_for(job);
        let mut op = self
            .begin(&sys, OpRequest::system(Action::Administer, "scheduled_job"))
            .await?;
        let now = self.now();
        let until = ts(now + LEASE);
        if !op
            .tx
            .try_claim_job(job.id, runner, &ts(now), &until)
            .await?
        {
            drop(op);
            return Ok(None);
        }
        let claimed = op.tx.scheduled_job(job.id).await?;
        let taken_over = if job.state == "running" {
            format!(
                " (lease of {} ran out at {}: resumed)",
                job.leased_by.as_deref().unwrap_or("?"),
                job.lease_until.as_deref().unwrap_or("?")
            )
        } else {
            String::new()
        };
        op.finish(
            &[],
            &format!(
                "job {} ({}) claimed by {runner} until {until}, attempt {}{taken_over}",
                job.id,
                job.kind,
                job.attempts + 1
            ),
        )
        .await?;
        Ok(claimed)
    }

    async fn execute(&self, job: &ScheduledJobRow) -> Result<serde_json::Value> {
        match JobKind::parse(&job.kind)? {
            JobKind::VisitReturnCheck => {
                let raised = self.check_visit_returns().await?;
                // The next day's check, so the chain never ends.
                self.ensure_daily_jobs().await?;
                Ok(serde_json::json!({ "alarms_raised": raised }))
            }
            JobKind::Retention => self.run_retention_job(&actor_for(job), job).await,
        }
    }

    async fn end(
        &self,
        job: &ScheduledJobRow,
        runner: &str,
        outcome: std::result::Result<serde_json::Value, String>,
    ) -> Result<()> {
        let sys = actor_for(job);
        let mut op = self
            .begin(&sys, OpRequest::system(Action::Administer, "scheduled_job"))
            .await?;
        let now: DateTime<Utc> = self.now();
        let result_text;
        let retry_text;
        let (end, detail) = match &outcome {
            Ok(v) => {
                result_text = v.to_string();
                (
                    JobEnd::Done {
                        result: &result_text,
                    },
                    format!("job {} done: {result_text}", job.id),
                )
            }
            Err(message) => {
                // `attempts` counts this run already.
                retry_text =
                    (job.attempts < job.max_attempts).then(|| ts(now + backoff(job.attempts)));
                let detail = match &retry_text {
                    Some(at) => format!(
                        "job {} failed (attempt {}), retry at {at}: {message}",
                        job.id, job.attempts
                    ),
                    None => format!(
                        "job {} failed for good after {} attempts: {message}",
                        job.id, job.attempts
                    ),
                };
                (
                    JobEnd::Failed {
                        error: message,
                        retry_at: retry_text.as_deref(),
                    },
                    detail,
                )
            }
        };
        if !op.tx.end_job(job.id, runner, &end, &ts(now)).await? {
            // The lease ran out and another runner took the job over; its
            // run will record the end.
            drop(op);
            return Ok(());
        }
        op.finish(&[], &detail).await
    }

    /// Run passes until `stop` resolves: one at once, then one every
    /// `every`. Errors are logged, never end the loop. The daily jobs are
    /// scheduled at each pass.
    pub async fn run_jobs_until(
        &self,
        runner: &str,
        every: std::time::Duration,
        stop: impl Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.ensure_daily_jobs().await {
                tracing::warn!(error = %e, "毎日の定期処理を予定できません");
            }
            match self.run_due_jobs(runner).await {
                Ok(r) if !r.done.is_empty() || !r.failed.is_empty() => tracing::info!(
                    done = r.done.len(),
                    failed = r.failed.len(),
                    "定期処理を実行しました"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "定期処理を実行できません"),
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}
