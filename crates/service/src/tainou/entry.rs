//! The entry contract's side: batches of pages assigned by the ward, the
//! next page for an operator, and a keying (pass 1 or 2). The second pass
//! is compared field by field with the first; an agreed page enters the
//! ledger at once, a mismatched one waits for a third person.

use super::compare::compare;
use super::ledger::{put_entries, Source};
use super::line::{parse_page, EntryLine, PageInput};
use super::seal::{hh_aad, open_json, open_text, page_aad, seal_json};
use super::{set, ENTRY_ITEMS};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::time::jst_date;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item};
use itaku_jp::Era;
use itaku_policy::{Action, Scope};
use itaku_store::{EntryBatchRow, EntryPageRow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub id: i64,
    pub contract_id: i64,
    pub name: String,
    pub era: String,
    pub pages: i64,
    /// Pages without a keying, with one, mismatched, agreed, settled.
    pub unkeyed: i64,
    pub keyed_once: i64,
    pub mismatch: i64,
    pub agreed: i64,
    pub settled: i64,
    pub created_at: String,
    pub closed_at: Option<String>,
}

impl BatchView {
    pub fn done(&self) -> i64 {
        self.agreed + self.settled
    }
}

/// What an operator sees of a page: where it is and its 記号番号, to
/// match the paper in hand. Nothing else of the ledger.
#[derive(Debug, Clone, Serialize)]
pub struct PageToKey {
    pub page_id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    pub page_no: i64,
    pub pages: i64,
    pub kigo: String,
    pub pass: i64,
    pub era: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyResult {
    pub pass: i64,
    /// waiting (pass 1 saved), agreed (entered the ledger), mismatch.
    pub state: &'static str,
    pub differences: usize,
    /// Notes the screen held for review.
    pub held_notes: usize,
}

pub(crate) fn era_of(code: &str) -> Era {
    code.parse().unwrap_or(Era::Reiwa)
}

pub(crate) fn contract_of(actor: &Actor) -> Result<ContractId> {
    actor
        .contract
        .ok_or_else(|| ServiceError::Invalid("入力作業は委託契約の中で行います".into()))
}

pub(crate) async fn batch_view(op: &mut Op<'_>, b: &EntryBatchRow) -> Result<BatchView> {
    let mut v = BatchView {
        id: b.id,
        contract_id: b.contract_id,
        name: b.name.clone(),
        era: era_of(&b.default_era).kanji().to_owned(),
        pages: b.pages,
        unkeyed: 0,
        keyed_once: 0,
        mismatch: 0,
        agreed: 0,
        settled: 0,
        created_at: crate::time::jst_display(&b.created_at),
        closed_at: b.closed_at.as_deref().map(crate::time::jst_display),
    };
    for (state, n) in op.tx.tainou_page_states(b.id).await? {
        match (state.as_str(), n) {
            ("open", 0) => v.unkeyed += 1,
            ("open", _) => v.keyed_once += 1,
            ("mismatch", _) => v.mismatch += 1,
            ("agreed", _) => v.agreed += 1,
            _ => v.settled += 1,
        }
    }
    Ok(v)
}

/// A page of the actor's contract in an open batch, or "not found".
pub(crate) async fn page_of(
    op: &mut Op<'_>,
    contract: ContractId,
    page_id: i64,
) -> Result<(EntryPageRow, EntryBatchRow)> {
    let page = op.tx.tainou_page(page_id).await?;
    let Some(page) = page.filter(|p| p.contract_id == contract.0) else {
        return Err(ServiceError::not_found());
    };
    let batch = op
        .tx
        .tainou_batch(page.batch_id)
        .await?
        .ok_or_else(ServiceError::not_found)?;
    if batch.closed_at.is_some() {
        return Err(ServiceError::Conflict("この束は締め切られています".into()));
    }
    Ok((page, batch))
}

/// The page's 記号番号, from the ward's ledger.
pub(crate) async fn page_kigo(svc: &Service, op: &mut Op<'_>, household_id: i64) -> Result<String> {
    let (vault, key) = svc.vault(&mut op.tx, None).await?;
    let h = op
        .tx
        .tainou_household(household_id)
        .await?
        .ok_or_else(ServiceError::not_found)?;
    open_text(&key, &hh_aad(vault.id, &h.row_key, "kigo"), &h.kigo)
}

impl Service {
    /// The ward assigns the next `count` households not yet on a page to
    /// the entry contract, as one batch.
    pub async fn create_entry_batch(
        &self,
        actor: &Actor,
        contract_id: i64,
        name: &str,
        era: Era,
        count: usize,
    ) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() || count == 0 || count > 2000 {
            return Err(ServiceError::Invalid(
                "束の名前と頁数（1〜2000）を入力してください".into(),
            ));
        }
        let mut op = self
            .begin(
                actor,
                OpRequest::new(
                    Action::Provision,
                    Scope::Contract(ContractId(contract_id)),
                    "tainou_batch",
                )
                .items(set(&[Item::KokuhoKigoBango])),
            )
            .await?;
        let (vault, _) = self.vault(&mut op.tx, None).await?;
        let households = op.tx.tainou_unbatched(vault.id, count as i64).await?;
        if households.is_empty() {
            return Err(ServiceError::Conflict(
                "まだ束にしていない世帯がありません".into(),
            ));
        }
        let who = op.actor_label().to_owned();
        let now = op.now_ts();
        let id = op
            .tx
            .insert_tainou_batch(contract_id, name, era.romaji(), &households, &now, &who)
            .await?;
        op.finish(
            &households,
            &format!("batch {id}: {} pages", households.len()),
        )
        .await?;
        Ok(id)
    }

    /// The ward closes a batch once every page has entered the ledger.
    pub async fn close_entry_batch(
        &self,
        actor: &Actor,
        contract_id: i64,
        batch_id: i64,
    ) -> Result<()> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(
                    Action::Provision,
                    Scope::Contract(ContractId(contract_id)),
                    "tainou_batch",
                ),
            )
            .await?;
        let b = op.tx.tainou_batch(batch_id).await?;
        let Some(b) = b.filter(|b| b.contract_id == contract_id) else {
            return Err(ServiceError::not_found());
        };
        let v = batch_view(&mut op, &b).await?;
        if v.done() < v.pages {
            return Err(ServiceError::Conflict(format!(
                "未完了の頁が {} 頁あります（照合待ち {} 頁）",
                v.pages - v.done(),
                v.mismatch
            )));
        }
        let who = op.actor_label().to_owned();
        let now = op.now_ts();
        if !op.tx.close_tainou_batch(batch_id, &now, &who).await? {
            return Err(ServiceError::Conflict(
                "この束はすでに締め切られています".into(),
            ));
        }
        op.finish(&[batch_id], "batch closed").await?;
        Ok(())
    }

    /// The contract's batches with their progress (no personal data).
    pub async fn entry_batches(&self, actor: &Actor, contract_id: i64) -> Result<Vec<BatchView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(
                    Action::Read,
                    Scope::Contract(ContractId(contract_id)),
                    "tainou_batch",
                ),
            )
            .await?;
        let mut out = Vec::new();
        for b in op.tx.tainou_batches(contract_id).await? {
            out.push(batch_view(&mut op, &b).await?);
        }
        op.finish(&[], "batches").await?;
        Ok(out)
    }

    /// The next page of a batch for this operator: one it has not keyed,
    /// still missing a pass. None when the batch has nothing left for it.
    pub async fn next_entry_page(&self, actor: &Actor, batch_id: i64) -> Result<Option<PageToKey>> {
        let contract = contract_of(actor)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "tainou_page")
                    .items(set(&[Item::KokuhoKigoBango])),
            )
            .await?;
        let me = op.actor_user().unwrap_or_default();
        let b = op.tx.tainou_batch(batch_id).await?;
        let Some(b) = b.filter(|b| b.contract_id == contract.0 && b.closed_at.is_none()) else {
            return Err(ServiceError::not_found());
        };
        let Some(p) = op.tx.next_tainou_page(batch_id, me).await? else {
            op.finish(&[], "no page left").await?;
            return Ok(None);
        };
        let kigo = page_kigo(self, &mut op, p.household_id).await?;
        let pass = op.tx.tainou_keyings(p.id).await?.len() as i64 + 1;
        op.finish(&[p.id], &format!("page {} of batch {batch_id}", p.page_no))
            .await?;
        Ok(Some(PageToKey {
            page_id: p.id,
            batch_id,
            batch_name: b.name.clone(),
            page_no: p.page_no,
            pages: b.pages,
            kigo,
            pass,
            era: era_of(&b.default_era).kanji().to_owned(),
        }))
    }

    /// Key one page. The same operator never keys both passes of a page.
    pub async fn key_page(
        &self,
        actor: &Actor,
        page_id: i64,
        input: &PageInput,
    ) -> Result<KeyResult> {
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
        if page.state != "open" {
            return Err(ServiceError::Conflict(
                "この頁の入力は終わっています".into(),
            ));
        }
        let keyings = op.tx.tainou_keyings(page_id).await?;
        if keyings.iter().any(|k| k.user_id == me) {
            return Err(ServiceError::Invalid(
                "この頁はすでにあなたが入力しました。2回目の入力は別の入力者が行います".into(),
            ));
        }
        if keyings.len() >= 2 {
            return Err(ServiceError::Conflict("この頁は2回入力済みです".into()));
        }
        let lines = parse_page(input, era_of(&batch.default_era), jst_date(self.now()))?;
        let pass = keyings.len() as i64 + 1;
        let (cvault, ckey) = self.vault(&mut op.tx, Some(contract)).await?;
        let sealed = seal_json(
            &ckey,
            &page_aad(cvault.id, page_id, &format!("pass{pass}")),
            &lines,
        )?;
        let now = op.now_ts();
        op.tx
            .insert_tainou_keying(page_id, contract.0, pass, me, &now, &sealed)
            .await?;
        let held_notes = lines
            .iter()
            .filter(|l| !itaku_jp::sensitive::screen(&l.note).is_empty())
            .count();
        let (state, differences) = if pass == 1 {
            ("waiting", 0)
        } else {
            let first = &keyings[0];
            let a: Vec<EntryLine> = open_json(
                &ckey,
                &page_aad(cvault.id, page_id, "pass1"),
                &first.content,
            )?;
            let diffs = compare(&a, &lines);
            if diffs.is_empty() {
                self.enter_page(&mut op, &page, &batch, &lines, "agreed")
                    .await?;
                ("agreed", 0)
            } else {
                if !op
                    .tx
                    .set_tainou_page_state(page_id, "open", "mismatch", None)
                    .await?
                {
                    return Err(ServiceError::Conflict(
                        "この頁は同時に入力されました".into(),
                    ));
                }
                ("mismatch", diffs.len())
            }
        };
        op.finish(&[page_id], &format!("pass {pass}: {state}"))
            .await?;
        Ok(KeyResult {
            pass,
            state,
            differences,
            held_notes,
        })
    }

    /// Agreed (or settled) lines enter the ward's ledger.
    pub(crate) async fn enter_page(
        &self,
        op: &mut Op<'_>,
        page: &EntryPageRow,
        batch: &EntryBatchRow,
        lines: &[EntryLine],
        state: &str,
    ) -> Result<Vec<i64>> {
        let from = if state == "agreed" {
            "open"
        } else {
            "mismatch"
        };
        let now = op.now_ts();
        if !op
            .tx
            .set_tainou_page_state(page.id, from, state, Some(&now))
            .await?
        {
            return Err(ServiceError::Conflict(
                "この頁は同時に処理されました".into(),
            ));
        }
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let text = format!("入力委託 {} 第{}頁", batch.name, page.page_no);
        let src = Source {
            text: &text,
            page_id: Some(page.id),
            supersedes: None,
        };
        put_entries(op, vault.id, &key, page.household_id, lines, &src).await
    }
}
