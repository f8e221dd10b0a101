//! What an operator may see and correct of its own pages, and where
//! entry work is to be found (for the navigation and the ward's pages).

use super::entry::{contract_of, era_of, page_of};
use super::line::LineInput;
use super::read::{open_entry, EntryView};
use super::{set, ENTRY_ITEMS};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::time::jst_date;
use crate::{Actor, Service};
use itaku_core::ItemSet;
use itaku_policy::{Action, Scope};

impl Service {
    /// What entered the ledger from one page of the contract's open
    /// batches: the operator's view for corrections, and no more.
    pub async fn entered_from_page(&self, actor: &Actor, page_id: i64) -> Result<Vec<EntryView>> {
        let contract = contract_of(actor)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "tainou_page")
                    .items(set(&ENTRY_ITEMS)),
            )
            .await?;
        page_of(&mut op, contract, page_id).await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let mut out = Vec::new();
        for e in op.tx.tainou_entries_of_page(page_id).await? {
            out.push(open_entry(vault.id, &key, &e)?);
        }
        let ids: Vec<i64> = out.iter().map(|e| e.id).collect();
        op.finish(&ids, &format!("page {page_id}")).await?;
        Ok(out)
    }

    /// Correct an entry keyed from a page of the contract's open batches.
    pub async fn correct_keyed_entry(
        &self,
        actor: &Actor,
        entry_id: i64,
        line: &LineInput,
    ) -> Result<i64> {
        let contract = contract_of(actor)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Contract(contract), "tainou_entry")
                    .items(set(&ENTRY_ITEMS)),
            )
            .await?;
        let page_id = op
            .tx
            .tainou_entry(entry_id)
            .await?
            .and_then(|e| e.page_id)
            .ok_or_else(ServiceError::not_found)?;
        let (_, batch) = page_of(&mut op, contract, page_id).await?;
        let (vault, key) = self.vault(&mut op.tx, None).await?;
        let id = super::ward::correct_in(
            &mut op,
            vault.id,
            &key,
            entry_id,
            line,
            era_of(&batch.default_era),
            "入力委託（訂正）",
            jst_date(self.now()),
        )
        .await?;
        op.finish(&[entry_id, id], "entry corrected").await?;
        Ok(id)
    }

    /// The (contract, purpose) pairs in which a user does ledger entry.
    pub async fn tainou_contexts(&self, user_id: i64) -> Result<Vec<crate::WorkContext>> {
        let mut out = Vec::new();
        let mut tx = self.inner.store.begin().await?;
        for w in self.work_contexts(user_id).await? {
            let Some(c) = tx.contract(w.contract_id).await? else {
                continue;
            };
            for p in tx.purposes(c.job_id).await? {
                if p.code == w.purpose_code
                    && set(&ENTRY_ITEMS).is_subset(&ItemSet::parse_codes(&p.items)?)
                {
                    out.push(w.clone());
                }
            }
        }
        tx.rollback().await?;
        Ok(out)
    }
}

impl Service {
    /// Contracts with an entry purpose, for the ward's batch pages (names
    /// only: no personal data, so no operation).
    pub async fn tainou_entry_contracts(&self) -> Result<Vec<(i64, String)>> {
        let mut tx = self.inner.store.begin().await?;
        let mut out = Vec::new();
        for c in tx.contracts().await? {
            for p in tx.purposes(c.job_id).await? {
                if set(&ENTRY_ITEMS).is_subset(&ItemSet::parse_codes(&p.items)?)
                    && !out.iter().any(|(id, _)| *id == c.id)
                {
                    out.push((c.id, c.name.clone()));
                }
            }
        }
        tx.rollback().await?;
        Ok(out)
    }
}
