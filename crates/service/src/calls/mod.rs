//! Phone outreach (seed 002): a call list on one arm of a campaign, taken
//! one target at a time by operators under the call purpose. A target is
//! held by exactly one operator until a result is recorded, it is released,
//! or the hold runs out; results decide when (and whether) the person is
//! called again within the plan's rules.

mod demo;
mod outcome;
mod progress;
mod record;
mod review;
pub mod rules;

pub use outcome::{CallOutcome, OutcomeRule};
pub use progress::{CallListView, CallProgress, OperatorProgress, OutcomeCount};
pub use record::{CallRecorded, CallReport};
pub use review::HeldCallNote;
pub use rules::{CallRules, Hours};

use crate::campaigns::CampaignState;
use crate::error::{Result, ServiceError};
use crate::op::Op;
use crate::time::{jst_date, parse_ts, ts};
use crate::{Actor, Service};
use chrono::{Duration, NaiveDate};
use itaku_core::{Item, ItemSet};
use itaku_policy::Action;
use itaku_store::{CallPlanRow, CallTargetRow};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the operator sees of the person: seed 002's call items.
pub const CALL_ITEMS: [Item; 5] = [
    Item::Shimei,
    Item::KanaShimei,
    Item::DenwaBango,
    Item::Seinengappi,
    Item::Seibetsu,
];

pub(crate) fn call_items() -> ItemSet {
    CALL_ITEMS.into_iter().collect()
}

/// One earlier call on the card.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptView {
    pub at: String,
    pub outcome: String,
    pub reasons: String,
    pub requests: String,
    pub callback_at: Option<String>,
    /// A note kept or released after review (held and deleted notes are not shown).
    pub note: Option<String>,
}

/// The one screen of a call.
#[derive(Debug, Clone, Serialize)]
pub struct CallCard {
    pub campaign_id: i64,
    pub person_id: i64,
    pub values: BTreeMap<Item, String>,
    pub age: Option<u32>,
    pub segment: Option<String>,
    pub attempts: Vec<AttemptView>,
    pub attempt_no: i64,
    pub max_attempts: u32,
    pub callback_for_me: bool,
    pub held_until: String,
}

/// What "next" finds.
#[derive(Debug, Clone, Serialize)]
pub enum NextCall {
    Card(Box<CallCard>),
    /// Outside calling hours (or a holiday): when calling opens again.
    Closed {
        next_open: Option<String>,
    },
    /// Nobody is due now; the earliest open target becomes due then.
    NoneDue,
}

impl Service {
    pub(crate) fn call_plan_rules(plan: &CallPlanRow) -> Result<CallRules> {
        serde_json::from_str(&plan.rules)
            .map_err(|e| ServiceError::Internal(format!("架電ルールを読めません: {e}")))
    }

    /// Open the call list of `arm` in a campaign whose arms are assigned:
    /// every member of the arm with a phone number becomes a target, due at
    /// once; anyone on the do-not-call register is closed from the start.
    pub async fn open_call_list(
        &self,
        actor: &Actor,
        campaign_id: i64,
        arm: &str,
        rules: &CallRules,
    ) -> Result<usize> {
        rules.check()?;
        let (mut op, row) = self
            .campaign_op(actor, campaign_id, Action::Write, ItemSet::new())
            .await?;
        let state = CampaignState::parse(&row.state)?;
        if matches!(state, CampaignState::Draft | CampaignState::Segmented) {
            return Err(ServiceError::Conflict(
                "架電リストは群の割付のあとで作成します".into(),
            ));
        }
        let design: crate::ArmDesign = serde_json::from_str(&row.design)
            .map_err(|_| ServiceError::Conflict("この勧奨には群の割付がありません".into()))?;
        if !design.arms.iter().any(|a| a.code == arm) {
            return Err(ServiceError::Invalid(format!("群「{arm}」はありません")));
        }
        if op.tx.call_plan(campaign_id).await?.is_some() {
            return Err(ServiceError::Conflict(
                "この勧奨の架電リストは作成済みです".into(),
            ));
        }
        let now = ts(self.now());
        let members = op.tx.campaign_members(campaign_id).await?;
        let mut targets = Vec::new();
        for m in members
            .iter()
            .filter(|m| m.arm.as_deref() == Some(arm) && m.callable != 0)
        {
            let state = if op.tx.is_do_not_call(m.ward_person_id).await? {
                "done"
            } else {
                "open"
            };
            targets.push((m.person_id, m.ward_person_id, state));
        }
        let rules_json =
            serde_json::to_string(rules).map_err(|e| ServiceError::Internal(e.to_string()))?;
        op.tx
            .insert_call_plan(&CallPlanRow {
                campaign_id,
                contract_id: row.contract_id,
                arm: arm.to_owned(),
                rules: rules_json,
                opened_at: now.clone(),
                opened_by: actor.user_id().map(|u| u.0),
            })
            .await?;
        op.tx
            .insert_call_targets(campaign_id, row.contract_id, &now, &targets)
            .await?;
        op.finish(
            &[],
            &format!("call list: arm={arm} targets={}", targets.len()),
        )
        .await?;
        Ok(targets.len())
    }

    /// Change a call list's rules; targets already scheduled keep their time.
    pub async fn set_call_rules(
        &self,
        actor: &Actor,
        campaign_id: i64,
        rules: &CallRules,
    ) -> Result<()> {
        rules.check()?;
        let (mut op, _) = self
            .campaign_op(actor, campaign_id, Action::Write, ItemSet::new())
            .await?;
        if op.tx.call_plan(campaign_id).await?.is_none() {
            return Err(ServiceError::not_found());
        }
        let json =
            serde_json::to_string(rules).map_err(|e| ServiceError::Internal(e.to_string()))?;
        op.tx.set_call_rules(campaign_id, &json).await?;
        op.finish(&[], "call rules changed").await
    }

    /// The operator's next call: the target they already hold, or the first
    /// due one they win. Reading the card is audited with the person's id.
    pub async fn next_call(&self, actor: &Actor, campaign_id: i64) -> Result<NextCall> {
        let me = actor
            .user_id()
            .ok_or_else(|| ServiceError::Invalid("架電は利用者として行います".into()))?
            .0;
        let (mut op, _) = self
            .campaign_op(actor, campaign_id, Action::Read, call_items())
            .await?;
        let plan =
            op.tx.call_plan(campaign_id).await?.ok_or_else(|| {
                ServiceError::Conflict("この勧奨には架電リストがありません".into())
            })?;
        let rules = Self::call_plan_rules(&plan)?;
        let now = self.now();
        let now_ts = ts(now);
        let mut target = op.tx.held_call_target(campaign_id, me, &now_ts).await?;
        if target.is_none() {
            if !rules.is_open(now) {
                op.finish(&[], "next call: outside calling hours").await?;
                return Ok(NextCall::Closed {
                    next_open: rules.next_open(now).map(ts),
                });
            }
            let until = ts(now + Duration::minutes(rules.hold_minutes));
            'search: for _ in 0..5 {
                let due = op.tx.due_call_targets(campaign_id, me, &now_ts, 20).await?;
                if due.is_empty() {
                    break;
                }
                for t in due {
                    if op
                        .tx
                        .try_hold_call_target(campaign_id, t.person_id, me, &now_ts, &until)
                        .await?
                    {
                        target = op.tx.call_target(campaign_id, t.person_id).await?;
                        break 'search;
                    }
                }
            }
        }
        let Some(target) = target else {
            op.finish(&[], "next call: none due").await?;
            return Ok(NextCall::NoneDue);
        };
        let card = self.call_card_in(&mut op, &target, &rules, me).await?;
        op.finish(&[target.person_id], "call taken").await?;
        Ok(NextCall::Card(Box::new(card)))
    }

    /// The card of the target the operator holds (after a reload).
    pub async fn held_call(
        &self,
        actor: &Actor,
        campaign_id: i64,
        person_id: i64,
    ) -> Result<CallCard> {
        let me = actor.user_id().map(|u| u.0).unwrap_or_default();
        let (mut op, _) = self
            .campaign_op(actor, campaign_id, Action::Read, call_items())
            .await?;
        let now = ts(self.now());
        let target = op.tx.call_target(campaign_id, person_id).await?;
        let Some(target) = target.filter(|t| {
            t.held_by == Some(me) && t.held_until.as_deref().is_some_and(|u| u > now.as_str())
        }) else {
            op.finish(&[person_id], "held call: not held").await?;
            return Err(ServiceError::Conflict(
                "この方の担当は解除されています。「次の方」から取り直してください".into(),
            ));
        };
        let plan = op
            .tx
            .call_plan(campaign_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let rules = Self::call_plan_rules(&plan)?;
        let card = self.call_card_in(&mut op, &target, &rules, me).await?;
        op.finish(&[person_id], "held call").await?;
        Ok(card)
    }

    /// Give a held target back without a result (someone else may take it).
    pub async fn release_call(
        &self,
        actor: &Actor,
        campaign_id: i64,
        person_id: i64,
    ) -> Result<()> {
        let me = actor.user_id().map(|u| u.0).unwrap_or_default();
        let (mut op, _) = self
            .campaign_op(actor, campaign_id, Action::Write, ItemSet::new())
            .await?;
        let released = op
            .tx
            .release_call_target(campaign_id, person_id, me)
            .await?;
        op.finish(&[person_id], if released { "released" } else { "not held" })
            .await
    }

    async fn call_card_in(
        &self,
        op: &mut Op<'_>,
        target: &CallTargetRow,
        rules: &CallRules,
        me: i64,
    ) -> Result<CallCard> {
        let contract = op.contract.as_ref().map(|c| c.id);
        let (vault, key) = self.vault(&mut op.tx, contract).await?;
        let person = self
            .open_persons(op, vault.id, &key, &[target.person_id])
            .await?
            .pop()
            .ok_or_else(ServiceError::not_found)?;
        let today = jst_date(self.now());
        let age = person
            .values
            .get(&Item::Seinengappi)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(|b| itaku_jp::age_on(b, today));
        let member = op
            .tx
            .campaign_member(target.campaign_id, target.person_id)
            .await?;
        let attempts = self
            .attempt_views(op, vault.id, &key, target.campaign_id, target.person_id)
            .await?;
        Ok(CallCard {
            campaign_id: target.campaign_id,
            person_id: target.person_id,
            values: person.values,
            age,
            segment: member.and_then(|m| m.segment),
            attempt_no: target.attempts + 1,
            max_attempts: rules.max_attempts,
            callback_for_me: target.callback_user == Some(me),
            held_until: target.held_until.clone().unwrap_or_default(),
            attempts,
        })
    }

    /// When the hold of a card runs out, as the operator's screen shows it.
    pub fn hold_deadline(card: &CallCard) -> Option<chrono::DateTime<chrono::Utc>> {
        parse_ts(&card.held_until)
    }
}
