//! The contractor's side of the complaints record: what a resident told
//! the contractor about the handling of their data, the contractor's
//! answer, and the report to the ward (contract clause 19). Any designated
//! person of the contract records, under the purpose they work in; they
//! see their contract's complaints and nothing of other contracts'.

use super::{check_dates, checked_text, NewComplaintSpec, LIST_LIMIT};
use crate::desk::{ComplaintAnswer, ComplaintView};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_core::ContractId;
use itaku_policy::{Action, Scope};

fn contract_of(actor: &Actor) -> Result<ContractId> {
    actor
        .contract
        .ok_or_else(|| ServiceError::Invalid("苦情の記録は委託契約の業務の中で行います".into()))
}

/// What a contractor writes on its complaint.
#[derive(Debug, Clone, Default)]
pub struct ComplaintHandling {
    pub answered_on: Option<chrono::NaiveDate>,
    pub answer: String,
    /// Report it to the ward today (if not reported yet).
    pub report: bool,
}

impl Service {
    /// A contractor records a complaint it received. Not yet reported: the
    /// contractor reports once it knows how it dealt with it (or at once).
    pub async fn record_contract_complaint(
        &self,
        actor: &Actor,
        spec: &NewComplaintSpec,
        report_now: bool,
    ) -> Result<i64> {
        let c = contract_of(actor)?;
        let today = crate::time::jst_date(self.now());
        let summary = spec.check(today)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Contract(c), "complaint"),
            )
            .await?;
        let job_id = op
            .tx
            .contract(c.0)
            .await?
            .map(|r| r.job_id)
            .ok_or_else(ServiceError::not_found)?;
        let reported = report_now.then(|| today.to_string());
        let id = self
            .insert_complaint(
                &mut op,
                job_id,
                Some(c.0),
                ("contractor", None),
                spec,
                &summary,
                reported.as_deref(),
            )
            .await?;
        op.finish(&[id], &format!("complaint {id} recorded by the contractor"))
            .await?;
        Ok(id)
    }

    /// The contract's complaints, for its designated people.
    pub async fn contract_complaints(&self, actor: &Actor) -> Result<Vec<ComplaintView>> {
        let c = contract_of(actor)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(c), "complaint"),
            )
            .await?;
        let rows = op.tx.complaints_of_contract(c.0, LIST_LIMIT).await?;
        let out = self.complaint_views(&mut op, &rows).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        op.finish(
            &ids,
            &format!("complaints of contract: {} listed", ids.len()),
        )
        .await?;
        Ok(out)
    }

    /// The contractor writes how it answered a complaint it recorded, and
    /// reports it to the ward. Complaints the desk filed or the ward
    /// recorded are the ward's to answer.
    pub async fn handle_contract_complaint(
        &self,
        actor: &Actor,
        id: i64,
        h: &ComplaintHandling,
    ) -> Result<()> {
        let c = contract_of(actor)?;
        let answer = checked_text("回答", &h.answer, false)?;
        let today = crate::time::jst_date(self.now());
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Contract(c), "complaint"),
            )
            .await?;
        let row = match op.tx.complaint(id).await? {
            Some(r) if r.contract_id == Some(c.0) => r,
            _ => {
                op.finish(&[id], "complaint not of this contract").await?;
                return Err(ServiceError::not_found());
            }
        };
        if row.source != "contractor" {
            op.finish(&[id], "complaint is the ward's to answer")
                .await?;
            return Err(ServiceError::Conflict(
                "この苦情は区が回答します（受託者が記録したものだけ書き込めます）".into(),
            ));
        }
        if h.answered_on.is_some_and(|d| d > today) {
            op.finish(&[id], "complaint answer refused").await?;
            return Err(ServiceError::Invalid(
                "回答日が今日より後になっています".into(),
            ));
        }
        let a = ComplaintAnswer {
            answered_on: h.answered_on,
            answer: answer.clone(),
            reported_on: if h.report && row.reported_on.is_none() {
                Some(today)
            } else {
                None
            },
        };
        if let Err(e) = check_dates(&row, &a) {
            op.finish(&[id], "complaint answer refused").await?;
            return Err(e);
        }
        self.write_answer(&mut op, &row, &answer, &a).await?;
        op.finish(&[id], &format!("complaint {id} handled by the contractor"))
            .await
    }
}
