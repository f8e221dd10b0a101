//! The inquiry desk (問合せ窓口, seed 000): a contractor's operator finds
//! the caller in the contract's vault (`Service::search_persons`) and
//! records what they asked for — a voucher re-issue (queued for a batch
//! print), an added screening (checked by age and sex), guidance, a change
//! of address (for the ward to apply) or a complaint (into the ward's
//! complaints record). Callers not in the list are recorded with only the
//! items the contract lets the desk collect, after the purpose of use was
//! read out to them.
//!
//! Free notes are screened for what the contract forbids collecting; a
//! flagged note is held, unseen in any list, until the contract's 責任者
//! releases or deletes it.

mod caller;
mod record;
mod review;
mod screening;
mod ward;

pub use caller::COLLECTIBLE;
pub use screening::{merge_kinds, parse_kinds, Screening};

use crate::error::{Result, ServiceError};
use crate::op::Op;
use crate::Actor;
use itaku_core::{ContractId, Item, UserId};
use itaku_crypto::DataKey;
use itaku_policy::Denial;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest note or complaint summary kept, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryKind {
    /// 受診券再発行
    Reissue,
    /// がん検診の追加
    AddScreening,
    /// 制度の案内のみ
    Guidance,
    /// 住所変更の申出（区へ回付）
    AddressChange,
    /// 苦情
    Complaint,
}

impl InquiryKind {
    pub const ALL: [InquiryKind; 5] = [
        InquiryKind::Reissue,
        InquiryKind::AddScreening,
        InquiryKind::Guidance,
        InquiryKind::AddressChange,
        InquiryKind::Complaint,
    ];
    pub fn code(self) -> &'static str {
        match self {
            InquiryKind::Reissue => "reissue",
            InquiryKind::AddScreening => "add_screening",
            InquiryKind::Guidance => "guidance",
            InquiryKind::AddressChange => "address_change",
            InquiryKind::Complaint => "complaint",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            InquiryKind::Reissue => "受診券再発行",
            InquiryKind::AddScreening => "検診の追加",
            InquiryKind::Guidance => "案内のみ",
            InquiryKind::AddressChange => "住所変更（区へ回付）",
            InquiryKind::Complaint => "苦情",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Invalid(format!("問合せの種類「{s}」はありません")))
    }
}

/// Where a note stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteState {
    None,
    Stored,
    /// Flagged by the screen: waiting for the 責任者.
    Held,
    Released,
    Deleted,
}

impl NoteState {
    pub fn code(self) -> &'static str {
        match self {
            NoteState::None => "none",
            NoteState::Stored => "stored",
            NoteState::Held => "held",
            NoteState::Released => "released",
            NoteState::Deleted => "deleted",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NoteState::None => "",
            NoteState::Stored => "記録済み",
            NoteState::Held => "責任者の確認待ち",
            NoteState::Released => "確認済み",
            NoteState::Deleted => "責任者が削除",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        [
            NoteState::None,
            NoteState::Stored,
            NoteState::Held,
            NoteState::Released,
            NoteState::Deleted,
        ]
        .into_iter()
        .find(|k| k.code() == s)
        .ok_or_else(|| ServiceError::Internal(format!("unknown note state {s}")))
    }
    /// May the note be shown in lists?
    pub fn visible(self) -> bool {
        matches!(self, NoteState::Stored | NoteState::Released)
    }
}

/// A new address the caller gave, for the ward.
#[derive(Debug, Clone, Default)]
pub struct NewAddress {
    pub postal_code: String,
    pub address: String,
    pub katagaki: String,
}

/// One inquiry as the operator records it.
#[derive(Debug, Clone)]
pub struct InquiryRequest {
    pub kind: InquiryKind,
    /// The caller's record in the contract's vault, when found.
    pub person_id: Option<i64>,
    /// A caller not in the list: what they gave (only `COLLECTIBLE` items).
    pub caller: BTreeMap<Item, String>,
    /// The operator read the purpose of use (利用目的) to the caller.
    pub purpose_read: bool,
    pub screenings: Vec<Screening>,
    pub new_address: Option<NewAddress>,
    /// Free note; for a complaint, its summary.
    pub note: String,
}

impl InquiryRequest {
    pub fn new(kind: InquiryKind) -> Self {
        Self {
            kind,
            person_id: None,
            caller: BTreeMap::new(),
            purpose_read: false,
            screenings: Vec::new(),
            new_address: None,
            note: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InquiryOutcome {
    pub id: i64,
    pub kind: InquiryKind,
    pub note_state: NoteState,
    /// What was done, for the operator (Japanese).
    pub message: String,
}

/// An inquiry in the desk's list. A held or deleted note is not shown.
#[derive(Debug, Clone, Serialize)]
pub struct InquiryView {
    pub id: i64,
    pub kind: InquiryKind,
    pub received_at: String,
    pub person_id: Option<i64>,
    /// A caller not in the list: the name they gave.
    pub caller_name: String,
    pub caller_items: String,
    pub screenings: Vec<String>,
    pub purpose_read: bool,
    pub note: Option<String>,
    pub note_state: NoteState,
    pub operator: String,
}

/// A note held for the 責任者's review.
#[derive(Debug, Clone, Serialize)]
pub struct HeldNoteView {
    pub inquiry_id: i64,
    pub kind: InquiryKind,
    pub received_at: String,
    pub person_id: Option<i64>,
    pub note: String,
    /// What the screen found: 思想・信条・宗教「宗教」.
    pub flags: Vec<String>,
    pub operator: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReissueView {
    pub id: i64,
    pub inquiry_id: i64,
    pub campaign_id: i64,
    pub person_id: i64,
    pub name: String,
    pub kana: String,
    pub queued_at: String,
    pub print_run_id: Option<i64>,
    pub print_run: Option<String>,
    pub printed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComplaintView {
    pub id: i64,
    pub job_id: i64,
    pub job_name: String,
    pub contract_id: Option<i64>,
    pub contract_name: String,
    pub source: String,
    pub received_on: String,
    pub channel: String,
    pub summary: String,
    pub answered_on: Option<String>,
    pub answer: String,
    pub reported_on: Option<String>,
}

/// What the ward writes on a complaint.
#[derive(Debug, Clone, Default)]
pub struct ComplaintAnswer {
    pub answered_on: Option<chrono::NaiveDate>,
    pub answer: String,
    pub reported_on: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AddressChangeView {
    #[serde(skip_deserializing)]
    pub id: i64,
    #[serde(skip_deserializing)]
    pub contract_id: i64,
    #[serde(skip_deserializing)]
    pub ward_person_id: Option<i64>,
    #[serde(skip_deserializing)]
    pub received_at: String,
    #[serde(skip_deserializing)]
    pub handled_at: Option<String>,
    #[serde(skip_deserializing)]
    pub handled_by: Option<String>,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub phone: String,
    pub old_address: String,
    pub new_postal_code: String,
    pub new_address: String,
    pub new_katagaki: String,
}

/// What an inquiry's sealed payload holds.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct Payload {
    /// A caller not in the list: item code → value.
    #[serde(default)]
    caller: BTreeMap<String, String>,
    /// Screenings added (short labels).
    #[serde(default)]
    screenings: Vec<String>,
}

fn inquiry_aad(contract: i64, seal_ref: &str, part: &str) -> Vec<u8> {
    format!("desk/{contract}/{seal_ref}/{part}").into_bytes()
}

/// What makes a purpose a desk: the items the desk works on (the voucher
/// number to re-issue, the screening kinds to add).
pub(crate) fn desk_items() -> itaku_core::ItemSet {
    let mut s = itaku_core::ItemSet::new();
    s.insert(Item::JushinkenNo);
    s.insert(Item::GanKenshinShurui);
    s
}

pub(crate) fn ward_aad(table: &str, seal_ref: &str, part: &str) -> Vec<u8> {
    format!("{table}/{seal_ref}/{part}").into_bytes()
}

pub(crate) fn open_text(key: &DataKey, aad: &[u8], sealed: &[u8]) -> Result<String> {
    String::from_utf8(key.open(aad, sealed)?)
        .map_err(|_| ServiceError::Internal("文字コード不正".into()))
}

fn contract_of(actor: &Actor) -> Result<ContractId> {
    actor
        .contract
        .ok_or_else(|| ServiceError::Invalid("問合せ窓口は委託契約の業務の中で使います".into()))
}

/// Screen a note; its state and the kinds found.
fn screen_note(note: &str) -> (NoteState, String) {
    if note.trim().is_empty() {
        return (NoteState::None, String::new());
    }
    let found = crate::held_note::screen(note);
    let state = if found.held() {
        NoteState::Held
    } else {
        NoteState::Stored
    };
    (state, found.codes())
}

/// Only the contract's 責任者 reviews notes and prints re-issues. Anyone
/// else's attempt is audited as refused.
async fn require_responsible(op: Op<'_>) -> Result<Op<'_>> {
    let ok = match (op.actor_user(), op.contract.as_ref()) {
        (Some(u), Some(c)) => c.responsible.contains(&UserId(u)),
        _ => false,
    };
    if ok {
        Ok(op)
    } else {
        op.finish(&[], "refused: only the contract's responsible person")
            .await?;
        Err(ServiceError::Denied(Denial::RoleNotPermitted))
    }
}

fn check_note_length(note: &str) -> Result<()> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(ServiceError::Invalid(format!(
            "メモは {MAX_NOTE_CHARS} 文字以内にしてください"
        )));
    }
    Ok(())
}
