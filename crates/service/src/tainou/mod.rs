//! 国保料滞納整理 (seed 004): the ward's household ledger (世帯台帳) and
//! the double-keyed entry of the paper 滞納整理票 by an entry contract.
//!
//! The ledger lives in the ward's vault: ward staff search and read it.
//! The entry contractor works on the ward's system (seed 004 keys straight
//! into the ward's server) but only through pages of the batch assigned
//! to it: it sees a page's 記号番号 and its own keying, never the ledger.
//! A page enters the ledger only when two different operators keyed the
//! same thing, or a third person settled where they differ.

mod compare;
mod contexts;
mod demo;
mod entry;
mod kind;
mod ledger;
mod line;
mod progress;
mod read;
mod seal;
mod settle;
mod ward;

pub use compare::{compare, settle as settle_lines, FieldDiff};
pub use entry::{BatchView, KeyResult, PageToKey};
pub use ledger::NewHousehold;
pub use line::{
    parse_amount, parse_page, parse_paper_date, yen, EntryKind, EntryLine, LineInput, PageInput,
    FIELDS, SEVEN,
};
pub use progress::{BatchProgress, OperatorProgress, Progress};
pub use read::{
    fiscal_label, DueView, EntryView, HouseholdSummary, LedgerView, MemberView, PlanView, YearView,
};
pub use settle::{SettleLine, SettleRow, SettleView};
pub use ward::HeldLedgerNote;

use itaku_core::{Item, ItemSet};

/// What the entry purpose must allow: the seven items, the amount and the
/// 記号番号 printed on the page (to match screen and paper).
/// The entry purpose's items, as a set (what makes a purpose 滞納整理票 entry).
pub(crate) fn entry_items() -> ItemSet {
    set(&ENTRY_ITEMS)
}

pub const ENTRY_ITEMS: [Item; 9] = [
    Item::NofuKosho,
    Item::SeikatsuJokyo,
    Item::ShokugyoKinmusaki,
    Item::ShisanFusai,
    Item::BunkatsuNofu,
    Item::TainoShobun,
    Item::SaikokuJokyo,
    Item::NofuGaku,
    Item::KokuhoKigoBango,
];

/// What reading a household's ledger loads.
pub const LEDGER_ITEMS: [Item; 14] = [
    Item::Shimei,
    Item::KanaShimei,
    Item::Seinengappi,
    Item::KokuhoKigoBango,
    Item::HokenryoFukagaku,
    Item::NofuGaku,
    Item::NofuKosho,
    Item::SeikatsuJokyo,
    Item::ShokugyoKinmusaki,
    Item::ShisanFusai,
    Item::BunkatsuNofu,
    Item::TainoShobun,
    Item::SaikokuJokyo,
    Item::Katagaki,
];

pub(crate) fn set(items: &[Item]) -> ItemSet {
    items.iter().copied().collect()
}
