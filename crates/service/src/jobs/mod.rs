//! The job runner: work the server does on its own at a set time — a
//! retention rule's return and erasure, the end-of-day check of visit
//! lists. Jobs live in the database (`scheduled_jobs`), so they survive a
//! restart; a runner claims a due job with a conditional update and a
//! lease, so two servers never run one job at once, and a runner killed
//! mid-job leaves a lease that runs out, after which the job runs again.
//! What a job does is made safe to repeat by the work itself (erasure
//! resumes from its last step; an alarm is raised once).

mod lease;
mod run;
mod view;

pub use lease::{LeaseHold, RENEW_EVERY};
pub use run::JobRunReport;
pub use view::ScheduledJobView;

use crate::error::{Result, ServiceError};
use chrono::Duration;
use serde::Serialize;

/// How long a claim holds before another runner may take the job over.
/// Longer than any step of a job takes; a runner that dies is replaced
/// after at most this.
pub const LEASE: Duration = Duration::minutes(10);
/// Runs of one job before it stays failed for the ward to look at.
pub const MAX_ATTEMPTS: i64 = 5;

/// The wait before the `attempt`-th retry: 5, 10, 20, 40 … minutes, at
/// most a day (a return that has not arrived will not arrive in seconds).
pub fn backoff(attempt: i64) -> Duration {
    let minutes = 5_i64.saturating_mul(1_i64 << attempt.clamp(1, 10).saturating_sub(1));
    Duration::minutes(minutes.min(24 * 60))
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A retention rule came due: returns first, then erasure.
    Retention,
    /// The end-of-day check of visit lists still out (未返却の警告).
    VisitReturnCheck,
}

impl JobKind {
    pub const ALL: [JobKind; 2] = [JobKind::Retention, JobKind::VisitReturnCheck];
    pub fn code(self) -> &'static str {
        match self {
            JobKind::Retention => "retention",
            JobKind::VisitReturnCheck => "visit_return_check",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            JobKind::Retention => "保存期間の満了（返還と消去）",
            JobKind::VisitReturnCheck => "訪問名簿の返却確認（終業時刻）",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Internal(format!("unknown job kind {s}")))
    }
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        JobState::Pending,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];
    pub fn code(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            JobState::Pending => "予定",
            JobState::Running => "実行中",
            JobState::Done => "完了",
            JobState::Failed => "失敗",
            JobState::Cancelled => "取消し",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Internal(format!("unknown job state {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_minutes_up_to_a_day() {
        assert_eq!(backoff(1), Duration::minutes(5));
        assert_eq!(backoff(2), Duration::minutes(10));
        assert_eq!(backoff(4), Duration::minutes(40));
        assert_eq!(backoff(60), Duration::minutes(24 * 60));
    }

    #[test]
    fn codes_read_back() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.code()).unwrap(), k);
        }
        for s in JobState::ALL {
            assert_eq!(JobState::parse(s.code()).unwrap(), s);
        }
        assert!(JobKind::parse("x").is_err());
    }
}
