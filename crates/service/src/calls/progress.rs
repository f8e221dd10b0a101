//! Live progress of a call list: per arm and per operator, calls, contacts
//! and outcomes. Counts only: no personal data.

use super::{CallOutcome, CallRules};
use crate::error::Result;
use crate::op::OpRequest;
use crate::time::ts;
use crate::{Actor, Service};
use itaku_core::ItemSet;
use itaku_policy::{Action, Scope};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeCount {
    pub code: String,
    pub label: String,
    pub aapor: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperatorProgress {
    pub name: String,
    pub calls: i64,
    pub contacts: i64,
    pub outcomes: Vec<OutcomeCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallProgress {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub arm: String,
    pub arm_label: String,
    pub targets: i64,
    pub open: i64,
    pub done: i64,
    pub due_now: i64,
    /// Targets reached at least once.
    pub contacted: i64,
    pub calls: i64,
    pub outcomes: Vec<OutcomeCount>,
    pub operators: Vec<OperatorProgress>,
    pub rules: CallRules,
    pub open_now: bool,
    pub next_open: Option<String>,
    /// 勤労感謝の日, 年末年始, … when today is closed.
    pub closed_today: Option<&'static str>,
}

/// A call list as listed for its contract.
#[derive(Debug, Clone, Serialize)]
pub struct CallListView {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub arm_label: String,
    pub targets: i64,
    pub done: i64,
    pub contacted: i64,
}

fn outcome_counts(counts: &BTreeMap<String, i64>) -> Vec<OutcomeCount> {
    CallOutcome::ALL
        .iter()
        .filter_map(|o| {
            counts.get(o.code()).map(|n| OutcomeCount {
                code: o.code().into(),
                label: o.label().into(),
                aapor: o.aapor().into(),
                count: *n,
            })
        })
        .collect()
}

impl Service {
    pub async fn call_progress(&self, actor: &Actor, campaign_id: i64) -> Result<CallProgress> {
        let (mut op, row) = self
            .campaign_op(actor, campaign_id, Action::Read, ItemSet::new())
            .await?;
        let plan = op
            .tx
            .call_plan(campaign_id)
            .await?
            .ok_or_else(crate::ServiceError::not_found)?;
        let rules = Self::call_plan_rules(&plan)?;
        let now = self.now();
        let mut p = CallProgress {
            campaign_id,
            campaign_name: row.name.clone(),
            arm_label: serde_json::from_str::<crate::ArmDesign>(&row.design)
                .ok()
                .and_then(|d| d.arms.into_iter().find(|a| a.code == plan.arm))
                .map(|a| a.label)
                .unwrap_or_else(|| plan.arm.clone()),
            arm: plan.arm.clone(),
            targets: 0,
            open: 0,
            done: 0,
            due_now: 0,
            contacted: 0,
            calls: 0,
            outcomes: Vec::new(),
            operators: Vec::new(),
            open_now: rules.is_open(now),
            next_open: rules.next_open(now).map(ts),
            closed_today: super::rules::closed_day(crate::time::jst_date(now)),
            rules,
        };
        for (state, contacted, due, n) in op.tx.call_target_counts(campaign_id, &ts(now)).await? {
            p.targets += n;
            if state == "open" {
                p.open += n;
                if due == 1 {
                    p.due_now += n;
                }
            } else {
                p.done += n;
            }
            if contacted == 1 {
                p.contacted += n;
            }
        }
        let mut all: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_user: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
        for (user, outcome, n) in op.tx.call_outcome_counts(campaign_id).await? {
            *all.entry(outcome.clone()).or_default() += n;
            *by_user.entry(user).or_default().entry(outcome).or_default() += n;
            p.calls += n;
        }
        p.outcomes = outcome_counts(&all);
        for (user, counts) in by_user {
            let name = op
                .tx
                .user(user)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_else(|| format!("利用者 {user}"));
            let contacts = counts
                .iter()
                .filter(|(code, _)| CallOutcome::parse(code).is_ok_and(|o| o.rule().contacted))
                .map(|(_, n)| n)
                .sum();
            p.operators.push(OperatorProgress {
                name,
                calls: counts.values().sum(),
                contacts,
                outcomes: outcome_counts(&counts),
            });
        }
        op.finish(&[], "call progress").await?;
        Ok(p)
    }

    /// The call lists of the actor's contract.
    pub async fn call_lists(&self, actor: &Actor) -> Result<Vec<CallListView>> {
        let Some(contract) = actor.contract else {
            return Ok(Vec::new());
        };
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "call_list"),
            )
            .await?;
        let now = ts(self.now());
        let mut out = Vec::new();
        for plan in op.tx.call_plans(contract.0).await? {
            let Some(c) = op.tx.campaign(plan.campaign_id).await? else {
                continue;
            };
            let mut v = CallListView {
                campaign_id: plan.campaign_id,
                campaign_name: c.name,
                arm_label: serde_json::from_str::<crate::ArmDesign>(&c.design)
                    .ok()
                    .and_then(|d| d.arms.into_iter().find(|a| a.code == plan.arm))
                    .map(|a| a.label)
                    .unwrap_or_else(|| plan.arm.clone()),
                targets: 0,
                done: 0,
                contacted: 0,
            };
            for (state, contacted, _, n) in op.tx.call_target_counts(plan.campaign_id, &now).await?
            {
                v.targets += n;
                if state == "done" {
                    v.done += n;
                }
                if contacted == 1 {
                    v.contacted += n;
                }
            }
            out.push(v);
        }
        op.finish(&[], "call lists").await?;
        Ok(out)
    }
}
