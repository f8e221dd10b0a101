//! Settling a mismatched page: a third person (neither of its two
//! operators) sees both passes side by side and chooses, field by field,
//! which is what the paper says. The choice enters the ledger.

use super::compare::{compare, settle};
use super::entry::{contract_of, page_kigo, page_of};
use super::line::{EntryLine, FIELDS};
use super::seal::{open_json, page_aad, seal_json};
use super::{set, ENTRY_ITEMS};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_policy::{Action, Scope};
use serde::Serialize;

/// One mismatched page waiting in the queue.
#[derive(Debug, Clone, Serialize)]
pub struct SettleRow {
    pub page_id: i64,
    pub batch_id: i64,
    pub page_no: i64,
    /// False when the user keyed this page (someone else must settle it).
    pub mine_to_settle: bool,
}

/// One line, both passes, every field, with the differing ones marked.
#[derive(Debug, Clone, Serialize)]
pub struct SettleLine {
    pub line: usize,
    /// (field index, label, pass 1 as shown, pass 2 as shown, differs).
    pub fields: Vec<(usize, &'static str, String, String, bool)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettleView {
    pub page_id: i64,
    pub page_no: i64,
    pub batch_name: String,
    pub kigo: String,
    pub lines: Vec<SettleLine>,
    pub differences: usize,
}

fn shown(field: usize, canonical: &str) -> String {
    EntryLine::display(field, canonical)
}

impl Service {
    /// Mismatched pages of the actor's contract.
    pub async fn settle_queue(&self, actor: &Actor) -> Result<Vec<SettleRow>> {
        let contract = contract_of(actor)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "tainou_page"),
            )
            .await?;
        let me = op.actor_user().unwrap_or_default();
        let mut out = Vec::new();
        for p in op.tx.tainou_mismatched(contract.0).await? {
            let keyed_by_me = op
                .tx
                .tainou_keyings(p.id)
                .await?
                .iter()
                .any(|k| k.user_id == me);
            out.push(SettleRow {
                page_id: p.id,
                batch_id: p.batch_id,
                page_no: p.page_no,
                mine_to_settle: !keyed_by_me,
            });
        }
        op.finish(&[], "settle queue").await?;
        Ok(out)
    }

    /// Both passes of a mismatched page, side by side.
    pub async fn settle_view(&self, actor: &Actor, page_id: i64) -> Result<SettleView> {
        let contract = contract_of(actor)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "tainou_page")
                    .items(set(&ENTRY_ITEMS)),
            )
            .await?;
        let me = op.actor_user().unwrap_or_default();
        let (page, batch) = page_of(&mut op, contract, page_id).await?;
        if page.state != "mismatch" {
            return Err(ServiceError::Conflict(
                "この頁は照合待ちではありません".into(),
            ));
        }
        let keyings = op.tx.tainou_keyings(page_id).await?;
        if keyings.iter().any(|k| k.user_id == me) {
            return Err(ServiceError::Invalid(
                "この頁を入力した人は照合できません。別の人が照合します".into(),
            ));
        }
        let (cvault, ckey) = self.vault(&mut op.tx, Some(contract)).await?;
        let mut passes: Vec<Vec<EntryLine>> = Vec::new();
        for k in &keyings {
            passes.push(open_json(
                &ckey,
                &page_aad(cvault.id, page_id, &format!("pass{}", k.pass)),
                &k.content,
            )?);
        }
        let (a, b) = match passes.as_slice() {
            [a, b] => (a, b),
            _ => {
                return Err(ServiceError::Internal(
                    "照合には2回分の入力が必要です".into(),
                ))
            }
        };
        let diffs = compare(a, b);
        let blank: [String; 11] = Default::default();
        let mut lines = Vec::new();
        for line in 0..a.len().max(b.len()) {
            let fa = a.get(line).map(|l| l.canonical()).unwrap_or(blank.clone());
            let fb = b.get(line).map(|l| l.canonical()).unwrap_or(blank.clone());
            lines.push(SettleLine {
                line,
                fields: (0..FIELDS.len())
                    .map(|f| {
                        (
                            f,
                            FIELDS[f],
                            shown(f, &fa[f]),
                            shown(f, &fb[f]),
                            fa[f] != fb[f],
                        )
                    })
                    .collect(),
            });
        }
        let kigo = page_kigo(self, &mut op, page.household_id).await?;
        op.finish(&[page_id], "settle view").await?;
        Ok(SettleView {
            page_id,
            page_no: page.page_no,
            batch_name: batch.name,
            kigo,
            lines,
            differences: diffs.len(),
        })
    }

    /// Settle a page: `choices` holds (line, field, 1 or 2) for every
    /// differing field. Returns the ledger entries made.
    pub async fn settle_page(
        &self,
        actor: &Actor,
        page_id: i64,
        choices: &[(usize, usize, u8)],
    ) -> Result<Vec<i64>> {
        let contract = contract_of(actor)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Contract(contract), "tainou_page")
                    .items(set(&ENTRY_ITEMS)),
            )
            .await?;
        let me = op.actor_user().ok_or(ServiceError::Unauthenticated)?;
        let (page, batch) = page_of(&mut op, contract, page_id).await?;
        if page.state != "mismatch" {
            return Err(ServiceError::Conflict(
                "この頁は照合待ちではありません".into(),
            ));
        }
        let keyings = op.tx.tainou_keyings(page_id).await?;
        if keyings.iter().any(|k| k.user_id == me) {
            return Err(ServiceError::Invalid(
                "この頁を入力した人は照合できません。別の人が照合します".into(),
            ));
        }
        let (cvault, ckey) = self.vault(&mut op.tx, Some(contract)).await?;
        let mut passes: Vec<Vec<EntryLine>> = Vec::new();
        for k in &keyings {
            passes.push(open_json(
                &ckey,
                &page_aad(cvault.id, page_id, &format!("pass{}", k.pass)),
                &k.content,
            )?);
        }
        let [a, b] = passes.as_slice() else {
            return Err(ServiceError::Internal(
                "照合には2回分の入力が必要です".into(),
            ));
        };
        let lines = settle(a, b, choices)?;
        let sealed = seal_json(&ckey, &page_aad(cvault.id, page_id, "settled"), &lines)?;
        let now = op.now_ts();
        op.tx
            .insert_tainou_settlement(page_id, contract.0, me, &now, &sealed)
            .await?;
        let ids = self
            .enter_page(&mut op, &page, &batch, &lines, "settled")
            .await?;
        op.finish(&[page_id], &format!("settled: {} entries", ids.len()))
            .await?;
        Ok(ids)
    }
}
