//! Home visits (seed 001 訪問勧奨): visitors of a sub-contractor knock on
//! doors carrying split lists. A visit list freezes a campaign's members
//! of some 町丁目 (the visit arm, or those the phone did not reach), gives
//! each a random visit code, and is printed as two halves that identify
//! nobody alone: names (name, sex, age band) and addresses (address,
//! 方書). Each printed copy is a run, signed out to a visitor and back in
//! the 授受簿; a copy still out at the end of the day raises an alarm.
//! What each visit found is recorded by visit code.
//!
//! Everything runs in the contract's vault under the actor's purpose, and
//! every operation is audited with exactly the items it touches.

mod codes;
mod lists;
mod outcomes;
mod print;
mod register;

pub use codes::{parse_visit_code, VISIT_CODE_ALPHABET, VISIT_CODE_LEN};
pub use lists::{AreaCount, NewVisitList, VisitListView, VisitSource, VisitTargetRowView};
pub use outcomes::{HeldNote, VisitEntry, VisitOutcome, VisitRecordView, VisitTargetView};
pub use print::{Half, VisitPrintView};
pub use register::{HandoutView, VisitAlarm, DEFAULT_RETURN_BY};

use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_policy::{Action, Scope};
use itaku_store::VisitListRow;

/// What a purpose must allow for visit work: both halves and the result.
pub const VISIT_ITEMS: [Item; 6] = [
    Item::Shimei,
    Item::Seibetsu,
    Item::Seinengappi,
    Item::Jusho,
    Item::Katagaki,
    Item::KanshoKekka,
];

fn items(list: &[Item]) -> ItemSet {
    list.iter().copied().collect()
}

/// 男 / 女 from the ward's code (1 / 2), or the value as it is.
pub(crate) fn sex_label(v: &str) -> String {
    match v.trim() {
        "1" => "男".into(),
        "2" => "女".into(),
        other => other.to_owned(),
    }
}

/// An age band for the name half: the birth date itself never goes on
/// paper. Age on March 31 of the campaign's fiscal year, as the arms use.
pub(crate) fn age_band_label(birth: Option<&str>, fiscal_year: i64) -> String {
    let Some(b) = birth.and_then(crate::time::parse_date) else {
        return "不明".into();
    };
    let fy = itaku_jp::FiscalYear::new(fiscal_year as i32);
    let age = itaku_jp::age_at_fiscal_year_end(b, fy);
    match itaku_analysis::age_band(age).as_str() {
        "<40" => "40歳未満".into(),
        "75+" => "75歳以上".into(),
        band => format!("{band}歳"),
    }
}

impl Service {
    /// Open an operation in the actor's contract vault. Visit work is
    /// always a contract's: the ward does not knock on doors.
    pub(crate) async fn visit_op(
        &self,
        actor: &Actor,
        action: Action,
        items: ItemSet,
        target: &'static str,
    ) -> Result<(Op<'_>, ContractId)> {
        let Some(contract) = actor.contract else {
            return Err(ServiceError::Invalid(
                "訪問勧奨は委託契約の業務の中で行います".into(),
            ));
        };
        let op = self
            .begin(
                actor,
                OpRequest::new(action, Scope::Contract(contract), target).items(items),
            )
            .await?;
        Ok((op, contract))
    }

    /// One visit list of the operation's contract; another contract's
    /// looks like one that does not exist.
    pub(crate) async fn visit_list_row(
        &self,
        op: &mut Op<'_>,
        contract: ContractId,
        list_id: i64,
    ) -> Result<VisitListRow> {
        match op.tx.visit_list(list_id).await? {
            Some(l) if l.contract_id == contract.0 => Ok(l),
            _ => Err(ServiceError::not_found()),
        }
    }

    /// Whether the actor is the contract's 取扱責任者 (held notes and the
    /// review are theirs).
    pub(crate) fn is_responsible(op: &Op<'_>) -> bool {
        match (op.actor_user(), op.contract.as_ref()) {
            (Some(u), Some(c)) => c.responsible.iter().any(|r| r.0 == u),
            _ => false,
        }
    }

    /// The contracts and purposes a user does visit work under: per
    /// contract, the narrowest purpose that covers [`VISIT_ITEMS`] (least
    /// privilege: a 責任者 who may use every purpose gets the visit one).
    pub async fn visit_contexts(&self, user_id: i64) -> Result<Vec<crate::WorkContext>> {
        let contexts = self.work_contexts(user_id).await?;
        let mut tx = self.inner.store.begin().await?;
        let mut best: Vec<(crate::WorkContext, usize)> = Vec::new();
        for w in contexts {
            let Some(c) = tx.contract(w.contract_id).await? else {
                continue;
            };
            let Some(p) = tx
                .purposes(c.job_id)
                .await?
                .into_iter()
                .find(|p| p.code == w.purpose_code)
            else {
                continue;
            };
            let set = ItemSet::parse_codes(&p.items)?;
            if !VISIT_ITEMS.iter().all(|i| set.contains(*i)) {
                continue;
            }
            let size = set.iter().count();
            match best
                .iter_mut()
                .find(|(b, _)| b.contract_id == w.contract_id)
            {
                Some(slot) if slot.1 > size => *slot = (w, size),
                Some(_) => {}
                None => best.push((w, size)),
            }
        }
        tx.rollback().await?;
        Ok(best.into_iter().map(|(w, _)| w).collect())
    }
}
