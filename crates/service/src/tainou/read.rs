//! Reading one household's ledger: members, fiscal years with arrears,
//! installment plans (schedule against actual payments) and the
//! chronological history, corrections next to what they replaced.

use super::ledger::{names, SealedFields};
use super::line::EntryLine;
use super::seal::{entry_aad, hh_aad, open_amount, open_json, open_text};
use super::{set, LEDGER_ITEMS};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::jst_date;
use crate::{Actor, Service};
use chrono::NaiveDate;
use itaku_crypto::DataKey;
use itaku_policy::{Action, Scope};
use itaku_store::{HouseholdRow, Tx};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct HouseholdSummary {
    pub id: i64,
    pub kigo: String,
    pub head_name: String,
    pub head_kana: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub person_id: i64,
    pub relation: String,
    pub name: String,
    pub kana: String,
    pub birth: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct YearView {
    pub fiscal_year: i32,
    pub label: String,
    pub assessed: i64,
    pub paid: i64,
    pub arrears: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DueView {
    pub due_on: NaiveDate,
    pub amount: i64,
    /// 済 (covered by payments), 未納 (due and not covered), 予定.
    pub state: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub id: i64,
    pub agreed_on: NaiveDate,
    pub total: i64,
    pub dues: Vec<DueView>,
    pub paid: i64,
    /// Due by today and not paid.
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: i64,
    pub entry_on: NaiveDate,
    pub line: EntryLine,
    /// None while held for review or after deletion.
    pub note: Option<String>,
    pub note_state: String,
    pub source: String,
    pub actor: String,
    pub created_at: String,
    pub supersedes: Option<i64>,
    pub superseded_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LedgerView {
    pub household: HouseholdSummary,
    pub members: Vec<MemberView>,
    pub years: Vec<YearView>,
    pub total_arrears: i64,
    pub plans: Vec<PlanView>,
    /// Chronological, corrections next to what they replaced.
    pub history: Vec<EntryView>,
}

impl Service {
    /// One household's ledger: members, years with arrears, plans with
    /// their schedule against actual payments, and the history.
    pub async fn read_ledger(&self, actor: &Actor, household_id: i64) -> Result<LedgerView> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "tainou_household")
                    .items(set(&LEDGER_ITEMS)),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let Some(h) = op.tx.tainou_household(household_id).await? else {
            op.finish(&[household_id], "not found").await?;
            return Err(ServiceError::not_found());
        };
        if h.vault_id != vault.id {
            op.finish(&[household_id], "not found").await?;
            return Err(ServiceError::not_found());
        }
        let today = jst_date(self.now());
        let view = load_ledger(&mut op.tx, vault.id, &key, &h, today).await?;
        // The members' names were opened too: name them, so "who read this
        // person" finds the ledger read.
        let persons: Vec<String> = view
            .members
            .iter()
            .map(|m| m.person_id.to_string())
            .collect();
        op.finish(
            &[household_id],
            &format!("ledger (persons {})", persons.join(",")),
        )
        .await?;
        Ok(view)
    }
}

async fn load_ledger(
    tx: &mut Tx,
    vault_id: i64,
    key: &DataKey,
    h: &HouseholdRow,
    today: NaiveDate,
) -> Result<LedgerView> {
    let members = tx.tainou_members(h.id).await?;
    let mut ids = vec![h.head_person_id];
    ids.extend(members.iter().map(|m| m.person_id));
    let named = names(tx, vault_id, key, &ids).await?;
    let member_view = |id: i64, relation: &str| {
        let n = named.get(&id).cloned().unwrap_or_default();
        MemberView {
            person_id: id,
            relation: relation.to_owned(),
            name: n[0].clone(),
            kana: n[1].clone(),
            birth: n[2].clone(),
        }
    };
    let mut mv = vec![member_view(h.head_person_id, "世帯主")];
    mv.extend(
        members
            .iter()
            .map(|m| member_view(m.person_id, &m.relation)),
    );

    let mut years: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for a in tx.tainou_assessments(h.id).await? {
        let v = open_amount(
            key,
            &hh_aad(vault_id, &h.row_key, &format!("fuka/{}", a.fiscal_year)),
            &a.amount,
        )?;
        years.entry(a.fiscal_year).or_default().0 += v;
    }
    let mut plan_paid: BTreeMap<i64, i64> = BTreeMap::new();
    for p in tx.tainou_payments(h.id).await? {
        let v = open_amount(key, &hh_aad(vault_id, &h.row_key, "nofu"), &p.amount)?;
        years.entry(p.fiscal_year).or_default().1 += v;
        if let Some(plan) = p.plan_id {
            *plan_paid.entry(plan).or_default() += v;
        }
    }
    let years: Vec<YearView> = years
        .into_iter()
        .map(|(fy, (assessed, paid))| YearView {
            fiscal_year: fy as i32,
            label: fiscal_label(fy as i32),
            assessed,
            paid,
            arrears: (assessed - paid).max(0),
        })
        .collect();
    let total_arrears = years.iter().map(|y| y.arrears).sum();

    let mut plans = Vec::new();
    for p in tx.tainou_plans(h.id).await? {
        let total = open_amount(
            key,
            &hh_aad(vault_id, &h.row_key, &format!("plan/{}/total", p.agreed_on)),
            &p.total,
        )?;
        let schedule: Vec<(NaiveDate, i64)> = open_json(
            key,
            &hh_aad(
                vault_id,
                &h.row_key,
                &format!("plan/{}/schedule", p.agreed_on),
            ),
            &p.schedule,
        )?;
        let paid = plan_paid.get(&p.id).copied().unwrap_or(0);
        let mut due_sum = 0;
        let mut overdue = 0;
        let dues = schedule
            .iter()
            .map(|(on, amount)| {
                due_sum += amount;
                let state = if due_sum <= paid {
                    "済"
                } else if *on <= today {
                    overdue += (due_sum - paid).min(*amount);
                    "未納"
                } else {
                    "予定"
                };
                DueView {
                    due_on: *on,
                    amount: *amount,
                    state,
                }
            })
            .collect();
        plans.push(PlanView {
            id: p.id,
            agreed_on: crate::time::parse_date(&p.agreed_on).unwrap_or_default(),
            total,
            dues,
            paid,
            overdue,
        });
    }

    let mut history = Vec::new();
    for e in tx.tainou_entries(h.id).await? {
        history.push(open_entry(vault_id, key, &e)?);
    }
    Ok(LedgerView {
        household: HouseholdSummary {
            id: h.id,
            kigo: open_text(key, &hh_aad(vault_id, &h.row_key, "kigo"), &h.kigo)?,
            head_name: mv[0].name.clone(),
            head_kana: mv[0].kana.clone(),
        },
        members: mv,
        years,
        total_arrears,
        plans,
        history,
    })
}

pub(crate) fn open_entry(
    vault_id: i64,
    key: &DataKey,
    e: &itaku_store::LedgerEntryRow,
) -> Result<EntryView> {
    let f: SealedFields = open_json(
        key,
        &entry_aad(vault_id, e.household_id, &e.row_key, "fields"),
        &e.fields,
    )?;
    // A held note stays sealed until a person releases it.
    let shown = matches!(e.note_state.as_str(), "kept" | "released");
    let note_text = match (&e.note, shown) {
        (Some(n), true) => open_text(
            key,
            &entry_aad(vault_id, e.household_id, &e.row_key, "note"),
            n,
        )?,
        _ => String::new(),
    };
    let entry_on = crate::time::parse_date(&e.entry_on).unwrap_or_default();
    Ok(EntryView {
        id: e.id,
        entry_on,
        line: EntryLine {
            date: entry_on,
            kind: f.kind,
            amount: f.amount,
            items: f.items,
            note: if shown {
                note_text.clone()
            } else {
                String::new()
            },
        },
        note: shown.then_some(note_text),
        note_state: e.note_state.clone(),
        source: e.source.clone(),
        actor: e.actor.clone(),
        created_at: crate::time::jst_display(&e.created_at),
        supersedes: e.supersedes,
        superseded_by: e.superseded_by,
    })
}

/// 令和5年度 for 2023.
pub fn fiscal_label(fy: i32) -> String {
    NaiveDate::from_ymd_opt(fy, 4, 1)
        .and_then(itaku_jp::Wareki::from_date)
        .map(|w| format!("{}{}年度", w.era.kanji(), w.year_text()))
        .unwrap_or_else(|| format!("{fy}年度"))
}
