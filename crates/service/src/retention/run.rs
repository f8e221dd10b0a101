//! A retention rule's job, and the report of an event that starts rules.

use super::rules::{schedule_rule_job, trigger_of};
use super::{RetentionAction, RetentionEvent, RetentionTrigger};
use crate::error::{Result, ServiceError};
use crate::ledger::{result_items, returns_complete};
use crate::op::OpRequest;
use crate::{Actor, Service};
use chrono::{DateTime, Duration, Utc};
use itaku_core::ContractId;
use itaku_policy::{Action, Scope};
use itaku_store::ScheduledJobRow;

impl Service {
    /// Carry out a rule: the return first (within this installation the
    /// runner receives it itself; a contract that moves by package must
    /// have had its return package taken in), unless the ward waived it
    /// with a reason; then the erasure, which resumes if a crash
    /// interrupted an earlier run, and its one certificate.
    pub(crate) async fn run_retention_job(
        &self,
        sys: &Actor,
        job: &ScheduledJobRow,
    ) -> Result<serde_json::Value> {
        let rule_id = job
            .rule_id
            .ok_or_else(|| ServiceError::Internal(format!("処理 {} に規則がありません", job.id)))?;
        let (rule, transfers, erasure) = {
            let mut tx = self.inner.store.begin().await?;
            let rule = tx
                .retention_rule(rule_id)
                .await?
                .ok_or_else(ServiceError::not_found)?;
            let transfers = tx.transfers(rule.contract_id).await?;
            let erasure = tx.erasure_of_contract(rule.contract_id).await?;
            tx.rollback().await?;
            (rule, transfers, erasure)
        };
        if rule.state != "active" {
            return Ok(serde_json::json!({ "skipped": "rule withdrawn" }));
        }
        match RetentionAction::parse(&rule.action)? {
            RetentionAction::ReturnThenErase => {}
            RetentionAction::ReturnQuestionnaires => {
                let r = self.return_questionnaires(sys, rule.contract_id).await?;
                return Ok(serde_json::json!({
                    "rule_id": rule.id,
                    "contract_id": rule.contract_id,
                    "questionnaires_returned": r.returned,
                }));
            }
            RetentionAction::ReturnRegistrations => {
                let done = self.return_closed_events(sys, rule.contract_id).await?;
                return Ok(serde_json::json!({
                    "rule_id": rule.id,
                    "contract_id": rule.contract_id,
                    "events_returned": done.iter().map(|r| serde_json::json!({
                        "event_id": r.event_id,
                        "returned": r.records,
                        "digest": r.digest,
                        "certificate_issued_at": r.certificate.issued_at,
                    })).collect::<Vec<_>>(),
                }));
            }
        }
        let cid = rule.contract_id;
        let mut returned = None;
        // An erasure already under way has passed the return check.
        let owes = erasure.is_none()
            && rule.waiver.is_none()
            && !result_items(&self.contract_items(ContractId(cid)).await?).is_empty()
            && !returns_complete(&transfers);
        if owes {
            if self.exchange_binding(cid).await?.is_some() {
                return Err(ServiceError::Conflict(
                    "受託者からの返還パッケージがまだ取り込まれていません。届いたパッケージを「パッケージの受取」で取り込むと、次の再実行で消去します".into(),
                ));
            }
            let r = self.receive_return(sys, cid).await?;
            returned = Some(r.persons);
        }
        let cert = self
            .erase_contract(sys, cid, rule.waiver.as_deref())
            .await?;
        let c = &cert.certificate;
        Ok(serde_json::json!({
            "rule_id": rule.id,
            "contract_id": cid,
            "returned_persons": returned,
            "waiver": rule.waiver,
            "erasure_id": c.erasure_id,
            "certificate_issued_at": c.issued_at,
            "persons_erased": c.deleted.persons,
        }))
    }

    /// Report that `event` happened to a contract at `at` (for issue 9's
    /// events: 受付終了, 集計完了): every active rule of the contract waiting
    /// for that event is scheduled. The ids of the jobs scheduled now.
    pub async fn retention_event(
        &self,
        actor: &Actor,
        contract_id: i64,
        event: &RetentionEvent,
        at: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(
                    Action::Administer,
                    Scope::Contract(ContractId(contract_id)),
                    "retention_rule",
                ),
            )
            .await?;
        let contract = op
            .tx
            .contract(contract_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let now = op.now_ts();
        let mut jobs = Vec::new();
        for rule in op.tx.retention_rules(contract_id).await? {
            if rule.state != "active" {
                continue;
            }
            let RetentionTrigger::AfterEvent { event: e, days } = trigger_of(&rule)? else {
                continue;
            };
            if &e != event {
                continue;
            }
            let run_at = at + Duration::days(i64::from(days));
            // One job per rule and event time: reporting twice is harmless.
            let suffix = format!(":{}:{}", event.code(), at.timestamp());
            if let Some(id) =
                schedule_rule_job(&mut op.tx, &rule, &suffix, &contract.name, run_at, &now).await?
            {
                jobs.push(id);
            }
        }
        op.finish(
            &[],
            &format!(
                "event {} at {}: {} retention jobs scheduled {:?}",
                event.code(),
                crate::time::ts(at),
                jobs.len(),
                jobs
            ),
        )
        .await?;
        Ok(jobs)
    }
}
