//! The jobs as the ward sees them: what is scheduled, what ran, what
//! failed and why; and asking a failed job to run again.

use super::{JobKind, JobState};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::ts;
use crate::{Actor, Service};
use itaku_policy::Action;
use itaku_store::ScheduledJobRow;
use serde::Serialize;

/// Jobs the list shows, newest first.
const LISTED: i64 = 200;

#[derive(Debug, Clone, Serialize)]
pub struct ScheduledJobView {
    pub id: i64,
    pub kind: JobKind,
    pub label: String,
    pub contract_id: Option<i64>,
    pub purpose_code: Option<String>,
    pub rule_id: Option<i64>,
    pub run_at: String,
    pub state: JobState,
    pub attempts: i64,
    pub max_attempts: i64,
    /// The last failure's message, in Japanese, as the clerk reads it.
    pub last_error: Option<String>,
    /// What the last successful run did (JSON).
    pub result: Option<serde_json::Value>,
    pub leased_by: Option<String>,
    pub lease_until: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl ScheduledJobView {
    pub(crate) fn from_row(r: ScheduledJobRow) -> Result<Self> {
        Ok(Self {
            id: r.id,
            kind: JobKind::parse(&r.kind)?,
            label: r.label,
            contract_id: r.contract_id,
            purpose_code: r.purpose_code,
            rule_id: r.rule_id,
            run_at: r.run_at,
            state: JobState::parse(&r.state)?,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            last_error: r.last_error,
            result: r
                .result
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok()),
            leased_by: r.leased_by,
            lease_until: r.lease_until,
            created_at: r.created_at,
            created_by: r.created_by,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }

    /// The erasure certificate's contract, when the job issued one.
    pub fn certified_contract(&self) -> Option<i64> {
        self.result
            .as_ref()
            .and_then(|r| r.get("erasure_id"))
            .and(self.contract_id)
    }
}

impl Service {
    /// The newest jobs (administrators and inspectors; no personal data).
    pub async fn scheduled_jobs(&self, actor: &Actor) -> Result<Vec<ScheduledJobView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::system(Action::ViewAudit, "scheduled_jobs"),
            )
            .await?;
        let rows = op.tx.recent_scheduled_jobs(LISTED).await?;
        op.finish(&[], "").await?;
        rows.into_iter().map(ScheduledJobView::from_row).collect()
    }

    pub async fn scheduled_job(&self, actor: &Actor, id: i64) -> Result<ScheduledJobView> {
        let mut op = self
            .begin(
                actor,
                OpRequest::system(Action::ViewAudit, "scheduled_jobs"),
            )
            .await?;
        let row = op.tx.scheduled_job(id).await?;
        op.finish(&[], &format!("job {id}")).await?;
        ScheduledJobView::from_row(row.ok_or_else(ServiceError::not_found)?)
    }

    /// The ward administrator runs a failed job again at the next pass.
    pub async fn retry_scheduled_job(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut op = self
            .begin(
                actor,
                OpRequest::system(Action::Administer, "scheduled_job"),
            )
            .await?;
        let now = ts(self.now());
        if !op.tx.retry_job(id, &now).await? {
            return Err(ServiceError::Conflict(
                "この処理は失敗の状態にないため、再実行できません。画面を開き直してください。"
                    .into(),
            ));
        }
        op.finish(&[], &format!("job {id} scheduled again")).await
    }
}
