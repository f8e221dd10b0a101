//! Setting, listing and withdrawing a contract's retention rules, and the
//! job each rule becomes.

use super::{morning_of, RetentionAction, RetentionEvent, RetentionTrigger};
use crate::error::{Result, ServiceError};
use crate::jobs::{JobKind, ScheduledJobView, MAX_ATTEMPTS};
use crate::op::OpRequest;
use crate::time::{parse_date, ts};
use crate::{Actor, Service};
use chrono::{DateTime, Duration, Utc};
use itaku_core::ContractId;
use itaku_policy::{Action, Scope};
use itaku_store::{NewRetentionRule, NewScheduledJob, RetentionRuleRow, Tx};
use serde::Serialize;

/// A waiver longer than this is cut (it goes into the certificate).
const MAX_WAIVER_CHARS: usize = 500;

/// What the ward sets.
#[derive(Debug, Clone)]
pub struct RetentionRuleSpec {
    /// The purpose whose data the rule is about (for the record and for
    /// per-purpose events); `None` for the whole contract.
    pub purpose_code: Option<String>,
    pub trigger: RetentionTrigger,
    pub action: RetentionAction,
    /// Erase without waiting for the return, and why (recorded now, put
    /// on the certificate when the rule runs).
    pub waiver: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetentionRuleView {
    pub id: i64,
    pub contract_id: i64,
    pub purpose_code: Option<String>,
    pub trigger: RetentionTrigger,
    pub trigger_label: String,
    pub action: RetentionAction,
    pub waiver: Option<String>,
    pub active: bool,
    pub set_at: String,
    pub set_by: String,
    pub withdrawn_at: Option<String>,
    /// The jobs the rule has become, oldest first.
    pub jobs: Vec<ScheduledJobView>,
}

pub(crate) fn trigger_of(r: &RetentionRuleRow) -> Result<RetentionTrigger> {
    let days = u32::try_from(r.offset_days).unwrap_or(0);
    let bad = || ServiceError::Internal(format!("保存期間の規則 {} が不正です", r.id));
    Ok(match r.trigger_kind.as_str() {
        "contract_end" => RetentionTrigger::AfterContractEnd { days },
        "date" => RetentionTrigger::OnDate {
            date: r.on_date.as_deref().and_then(parse_date).ok_or_else(bad)?,
        },
        "event" => RetentionTrigger::AfterEvent {
            event: RetentionEvent::parse(r.event.as_deref().unwrap_or_default())?,
            days,
        },
        _ => return Err(bad()),
    })
}

/// Schedule the job of a rule that comes due at `run_at`, in `tx`.
pub(crate) async fn schedule_rule_job(
    tx: &mut Tx,
    rule: &RetentionRuleRow,
    key_suffix: &str,
    contract_name: &str,
    run_at: DateTime<Utc>,
    now: &str,
) -> Result<Option<i64>> {
    let trigger = trigger_of(rule)?;
    let key = format!("{}:{}{key_suffix}", JobKind::Retention.code(), rule.id);
    let label = format!(
        "契約「{contract_name}」の保存期間（{}）: {}",
        trigger.label(),
        RetentionAction::parse(&rule.action)?.label()
    );
    Ok(tx
        .insert_scheduled_job(&NewScheduledJob {
            kind: JobKind::Retention.code(),
            dedupe_key: &key,
            contract_id: Some(rule.contract_id),
            purpose_code: rule.purpose_code.as_deref(),
            rule_id: Some(rule.id),
            label: &label,
            run_at: &ts(run_at),
            max_attempts: MAX_ATTEMPTS,
            created_at: now,
            created_by: &rule.set_by,
        })
        .await?)
}

impl Service {
    /// The ward administrator sets a retention rule on a contract. A rule
    /// whose time is known now (contract end, a date) is scheduled at
    /// once; an event's rule when the event is reported.
    pub async fn set_retention_rule(
        &self,
        actor: &Actor,
        contract_id: i64,
        spec: &RetentionRuleSpec,
    ) -> Result<RetentionRuleView> {
        spec.trigger.check()?;
        let waiver: Option<String> = spec
            .waiver
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().take(MAX_WAIVER_CHARS).collect());
        let mut op = self
            .administer_contract(actor, contract_id, "retention_rule")
            .await?;
        if let Some(code) = &spec.purpose_code {
            let known = op
                .contract
                .as_ref()
                .is_some_and(|c| c.purposes.iter().any(|p| &p.code == code));
            if !known {
                return Err(ServiceError::Invalid(format!(
                    "利用目的「{code}」はこの契約の業務にありません"
                )));
            }
        }
        let contract = op
            .tx
            .contract(contract_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        if let Some(e) = op.tx.erasure_of_contract(contract_id).await? {
            return Err(ServiceError::Conflict(format!(
                "この契約は消去済み（消去番号 {}）のため、保存期間の規則は設定できません",
                e.id
            )));
        }
        let now = op.now_ts();
        let set_by = op.actor_label().to_owned();
        let (event, on_date, days) = match &spec.trigger {
            RetentionTrigger::AfterContractEnd { days } => (None, None, *days),
            RetentionTrigger::OnDate { date } => (None, Some(date.to_string()), 0),
            RetentionTrigger::AfterEvent { event, days } => {
                (Some(event.code().to_owned()), None, *days)
            }
        };
        let id = op
            .tx
            .insert_retention_rule(&NewRetentionRule {
                contract_id,
                purpose_code: spec.purpose_code.as_deref(),
                trigger_kind: spec.trigger.code(),
                event: event.as_deref(),
                offset_days: i64::from(days),
                on_date: on_date.as_deref(),
                action: spec.action.code(),
                items: "",
                waiver: waiver.as_deref(),
                set_at: &now,
                set_by: &set_by,
            })
            .await?;
        let rule = op
            .tx
            .retention_rule(id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let run_at = match &spec.trigger {
            RetentionTrigger::AfterContractEnd { days } => {
                let ends = parse_date(&contract.ends_on).ok_or_else(|| {
                    ServiceError::Internal(format!("契約 {contract_id} の終了日が不正です"))
                })?;
                Some(morning_of(ends + Duration::days(i64::from(*days))))
            }
            RetentionTrigger::OnDate { date } => Some(morning_of(*date)),
            RetentionTrigger::AfterEvent { .. } => None,
        };
        let job = match run_at {
            Some(at) => schedule_rule_job(&mut op.tx, &rule, "", &contract.name, at, &now).await?,
            None => None,
        };
        op.finish(
            &[],
            &format!(
                "retention rule {id}: {} {} -> {}{}{}",
                spec.trigger.code(),
                spec.trigger.label(),
                spec.action.code(),
                job.map(|j| format!(", job {j}")).unwrap_or_default(),
                waiver
                    .as_deref()
                    .map(|w| format!(", return waived: {w}"))
                    .unwrap_or_default()
            ),
        )
        .await?;
        self.retention_rules(actor, contract_id)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(ServiceError::not_found)
    }

    /// A contract's rules with their jobs (ward staff and administrators,
    /// inspectors, the contract's own staff: no personal data).
    pub async fn retention_rules(
        &self,
        actor: &Actor,
        contract_id: i64,
    ) -> Result<Vec<RetentionRuleView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(
                    Action::Read,
                    Scope::Contract(ContractId(contract_id)),
                    "retention_rule",
                ),
            )
            .await?;
        let rows = op.tx.retention_rules(contract_id).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let jobs = op
                .tx
                .rule_jobs(r.id)
                .await?
                .into_iter()
                .map(ScheduledJobView::from_row)
                .collect::<Result<Vec<_>>>()?;
            let trigger = trigger_of(&r)?;
            out.push(RetentionRuleView {
                id: r.id,
                contract_id: r.contract_id,
                purpose_code: r.purpose_code,
                trigger_label: trigger.label(),
                trigger,
                action: RetentionAction::parse(&r.action)?,
                waiver: r.waiver,
                active: r.state == "active",
                set_at: r.set_at,
                set_by: r.set_by,
                withdrawn_at: r.withdrawn_at,
                jobs,
            });
        }
        op.finish(&[], &format!("contract {contract_id}")).await?;
        Ok(out)
    }

    /// Withdraw a rule; its jobs that have not started are cancelled.
    pub async fn withdraw_retention_rule(
        &self,
        actor: &Actor,
        contract_id: i64,
        rule_id: i64,
    ) -> Result<()> {
        let mut op = self
            .administer_contract(actor, contract_id, "retention_rule")
            .await?;
        let rule = op
            .tx
            .retention_rule(rule_id)
            .await?
            .filter(|r| r.contract_id == contract_id)
            .ok_or_else(ServiceError::not_found)?;
        let now = op.now_ts();
        if !op.tx.withdraw_retention_rule(rule.id, &now).await? {
            return Err(ServiceError::Conflict(
                "この規則はすでに取り下げられています".into(),
            ));
        }
        let cancelled = op.tx.cancel_rule_jobs(rule.id, &now).await?;
        op.finish(
            &[],
            &format!("retention rule {rule_id} withdrawn, {cancelled} jobs cancelled"),
        )
        .await
    }
}
