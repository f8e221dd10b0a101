//! What a visit found, recorded by visit code (the visitor with the name
//! half knows it). Outcomes carry what happens next, like call outcomes;
//! reasons and requests come from the ward's coded lists; a free note is
//! screened for what the contracts forbid collecting and held for the
//! 責任者 when flagged. A contacted outcome writes a short 勧奨結果 on the
//! person, which the return carries back to the ward.

use super::codes::parse_visit_code;
use super::{age_band_label, items, sex_label};
use crate::contact::codes::CodeList;
use crate::error::{Result, ServiceError};
use crate::results::put_result;
use crate::time::{jst_date, jst_display};
use crate::{Actor, Service};
use itaku_core::{ContractId, Item};
use itaku_policy::Action;
use itaku_store::{NewVisitRecord, VisitRecordRow};
use serde::Serialize;

/// Longest note kept, in characters.
const MAX_NOTE_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    /// 面会（勧奨した）
    Met,
    /// 受診意向あり
    Intends,
    /// 受診済み
    Attended,
    /// 拒否
    Refused,
    /// 不在
    NotHome,
    /// 転居
    Moved,
    /// 住所・建物が見つからない
    AddressNotFound,
    /// その他
    Other,
}

impl VisitOutcome {
    pub const ALL: [VisitOutcome; 8] = [
        VisitOutcome::Met,
        VisitOutcome::Intends,
        VisitOutcome::Attended,
        VisitOutcome::Refused,
        VisitOutcome::NotHome,
        VisitOutcome::Moved,
        VisitOutcome::AddressNotFound,
        VisitOutcome::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            VisitOutcome::Met => "met",
            VisitOutcome::Intends => "intends",
            VisitOutcome::Attended => "attended",
            VisitOutcome::Refused => "refused",
            VisitOutcome::NotHome => "not_home",
            VisitOutcome::Moved => "moved",
            VisitOutcome::AddressNotFound => "address_not_found",
            VisitOutcome::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            VisitOutcome::Met => "面会（勧奨した）",
            VisitOutcome::Intends => "受診意向あり",
            VisitOutcome::Attended => "受診済み",
            VisitOutcome::Refused => "拒否",
            VisitOutcome::NotHome => "不在",
            VisitOutcome::Moved => "転居",
            VisitOutcome::AddressNotFound => "住所が見つからない",
            VisitOutcome::Other => "その他",
        }
    }
    /// Stays on the list for another visit.
    pub fn revisit(self) -> bool {
        matches!(self, VisitOutcome::NotHome | VisitOutcome::Other)
    }
    /// The person was spoken to (the effect analysis counts these).
    pub fn contacted(self) -> bool {
        matches!(
            self,
            VisitOutcome::Met
                | VisitOutcome::Intends
                | VisitOutcome::Attended
                | VisitOutcome::Refused
        )
    }
    pub fn note_required(self) -> bool {
        matches!(self, VisitOutcome::AddressNotFound | VisitOutcome::Other)
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|o| o.code() == s)
            .ok_or_else(|| ServiceError::Invalid("訪問の結果を選んでください".into()))
    }
}

/// A visit as the visitor reports it.
#[derive(Debug, Clone, Default)]
pub struct VisitEntry {
    pub code: String,
    pub outcome: String,
    pub reasons: Vec<String>,
    pub requests: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct VisitRecordView {
    pub id: i64,
    pub at: String,
    pub outcome: String,
    pub reasons: String,
    pub requests: String,
    /// Shown only when kept or released.
    pub note: Option<String>,
    pub note_state: String,
}

/// The target behind a code, with the name half's items only.
#[derive(Debug, Clone, Serialize)]
pub struct VisitTargetView {
    pub code: String,
    pub list_id: i64,
    pub area: String,
    pub shimei: String,
    pub seibetsu: String,
    pub age_band: String,
    pub done: bool,
    pub visits: i64,
    pub records: Vec<VisitRecordView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeldNote {
    pub id: i64,
    pub list_id: i64,
    pub code: String,
    pub at: String,
    pub outcome: String,
    pub note: String,
    pub flags: String,
}

fn note_aad(contract: i64, list: i64, person: i64, at: &str) -> Vec<u8> {
    format!("visit_note/c{contract}/l{list}/p{person}/{at}").into_bytes()
}

fn labels(codes: &str, known: &[crate::ContactCode]) -> String {
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            known
                .iter()
                .find(|k| k.code == c)
                .map(|k| k.label.clone())
                .unwrap_or_else(|| c.to_owned())
        })
        .collect::<Vec<_>>()
        .join("・")
}

impl Service {
    /// Record one visit by visit code. Returns whether the note was held
    /// for review.
    pub async fn record_visit(&self, actor: &Actor, e: &VisitEntry) -> Result<bool> {
        let code = parse_visit_code(&e.code)?;
        let outcome = VisitOutcome::parse(&e.outcome)?;
        let reasons = self
            .check_contact_codes(CodeList::Reason, &e.reasons)
            .await?;
        let requests = self
            .check_contact_codes(CodeList::Request, &e.requests)
            .await?;
        let note = e.note.trim();
        if outcome.note_required() && note.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "「{}」のときはメモを入力してください",
                outcome.label()
            )));
        }
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(ServiceError::Invalid(format!(
                "メモは {MAX_NOTE_CHARS} 文字以内にしてください"
            )));
        }
        let flags = crate::held_note::screen(note);
        // Read before the operation: its transaction holds the write lock.
        let reason_list = self.contact_codes(CodeList::Reason).await?;
        let request_list = self.contact_codes(CodeList::Request).await?;
        let (mut op, contract) = self
            .visit_op(actor, Action::Write, items(&[Item::KanshoKekka]), "visit")
            .await?;
        let Some(t) = op.tx.visit_target_by_code(contract.0, &code).await? else {
            op.finish(&[], &format!("visit code {code}: not found"))
                .await?;
            return Err(ServiceError::Invalid(format!(
                "訪問コード {code} はこの契約の訪問名簿にありません"
            )));
        };
        let now = op.now_ts();
        let (vault, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let sealed = if note.is_empty() {
            None
        } else {
            Some(key.seal(
                &note_aad(contract.0, t.list_id, t.person_id, &now),
                note.as_bytes(),
            )?)
        };
        let held = flags.held();
        let note_state = flags.state(note);
        let flag_codes = flags.codes();
        op.tx
            .insert_visit_record(&NewVisitRecord {
                list_id: t.list_id,
                contract_id: contract.0,
                person_id: t.person_id,
                user_id: op.actor_user(),
                at: &now,
                outcome: outcome.code(),
                reasons: &reasons,
                requests: &requests,
                note: sealed,
                note_flags: &flag_codes,
                note_state,
            })
            .await?;
        let state = if outcome.revisit() { "open" } else { "done" };
        op.tx
            .update_visit_target(
                t.list_id,
                t.person_id,
                state,
                outcome.code(),
                outcome.contacted(),
            )
            .await?;
        if outcome.contacted() {
            // 勧奨結果 on the person, sealed as results.rs records it.
            let reason_labels = labels(&reasons, &reason_list);
            let request_labels = labels(&requests, &request_list);
            let mut text = format!(
                "訪問勧奨 {}: {}",
                jst_date(self.now()).format("%Y-%m-%d"),
                outcome.label()
            );
            if !reason_labels.is_empty() {
                text.push_str(&format!("／未受診の理由: {reason_labels}"));
            }
            if !request_labels.is_empty() {
                text.push_str(&format!("／要望: {request_labels}"));
            }
            if !put_result(
                &mut op.tx,
                vault.id,
                &key,
                t.person_id,
                Item::KanshoKekka,
                &text,
            )
            .await?
            {
                return Err(ServiceError::not_found());
            }
        }
        op.finish(
            &[t.person_id],
            &format!(
                "visit {code}: {}{}{}",
                outcome.code(),
                if outcome.contacted() {
                    ", kansho_kekka recorded"
                } else {
                    ""
                },
                if held {
                    format!(", note held for review ({flag_codes})")
                } else {
                    String::new()
                }
            ),
        )
        .await?;
        Ok(held)
    }

    /// The target behind a visit code, with the name half and the visits
    /// so far (held notes not shown).
    pub async fn visit_target(&self, actor: &Actor, code: &str) -> Result<VisitTargetView> {
        let code = parse_visit_code(code)?;
        let reasons = self.contact_codes(CodeList::Reason).await?;
        let requests = self.contact_codes(CodeList::Request).await?;
        let (mut op, contract) = self
            .visit_op(
                actor,
                Action::Read,
                items(&[
                    Item::Shimei,
                    Item::Seibetsu,
                    Item::Seinengappi,
                    Item::KanshoKekka,
                ]),
                "visit",
            )
            .await?;
        let Some(t) = op.tx.visit_target_by_code(contract.0, &code).await? else {
            op.finish(&[], &format!("visit code {code}: not found"))
                .await?;
            return Err(ServiceError::Invalid(format!(
                "訪問コード {code} はこの契約の訪問名簿にありません"
            )));
        };
        let fy = op
            .tx
            .campaign(t.campaign_id)
            .await?
            .map(|c| c.fiscal_year)
            .unwrap_or_default();
        let (vault, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let p = self
            .open_persons(&mut op, vault.id, &key, &[t.person_id])
            .await?
            .pop()
            .ok_or_else(ServiceError::not_found)?;
        let rows = op.tx.visit_records_of(t.list_id, t.person_id).await?;
        let mut records = Vec::new();
        for r in rows {
            let note = match r.note_state.as_str() {
                "kept" | "released" => Some(self.open_note(&key, contract, &r)?),
                _ => None,
            };
            records.push(VisitRecordView {
                id: r.id,
                at: jst_display(&r.at),
                outcome: VisitOutcome::parse(&r.outcome)
                    .map(|o| o.label())
                    .unwrap_or("")
                    .into(),
                reasons: labels(&r.reasons, &reasons),
                requests: labels(&r.requests, &requests),
                note,
                note_state: note_state_label(&r.note_state).into(),
            });
        }
        op.finish(&[t.person_id], &format!("visit code {code}"))
            .await?;
        Ok(VisitTargetView {
            code: t.code,
            list_id: t.list_id,
            area: t.area,
            shimei: p.get(Item::Shimei).to_owned(),
            seibetsu: sex_label(p.get(Item::Seibetsu)),
            age_band: age_band_label(Some(p.get(Item::Seinengappi)), fy),
            done: t.state == "done",
            visits: t.visits,
            records,
        })
    }

    fn open_note(
        &self,
        key: &itaku_crypto::DataKey,
        contract: ContractId,
        r: &VisitRecordRow,
    ) -> Result<String> {
        let Some(sealed) = &r.note else {
            return Ok(String::new());
        };
        let plain = key.open(&note_aad(contract.0, r.list_id, r.person_id, &r.at), sealed)?;
        String::from_utf8(plain).map_err(|_| ServiceError::Internal("文字コード不正".into()))
    }

    /// Notes held by the screen, for the 責任者 alone to review.
    pub async fn held_visit_notes(&self, actor: &Actor) -> Result<Vec<HeldNote>> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Read, items(&[Item::KanshoKekka]), "visit")
            .await?;
        if !Self::is_responsible(&op) {
            op.finish(&[], "held visit notes: not the responsible person")
                .await?;
            return Err(ServiceError::Denied(itaku_policy::Denial::RoleNotPermitted));
        }
        let (_, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let rows = op.tx.held_visit_records(contract.0).await?;
        let mut out = Vec::new();
        let mut ids = Vec::new();
        for r in &rows {
            let code = op
                .tx
                .visit_targets(r.list_id)
                .await?
                .into_iter()
                .find(|t| t.person_id == r.person_id)
                .map(|t| t.code)
                .unwrap_or_default();
            ids.push(r.person_id);
            out.push(HeldNote {
                id: r.id,
                list_id: r.list_id,
                code,
                at: jst_display(&r.at),
                outcome: VisitOutcome::parse(&r.outcome)
                    .map(|o| o.label())
                    .unwrap_or("")
                    .into(),
                note: self.open_note(&key, contract, r)?,
                flags: crate::held_note::flag_labels(&r.note_flags).join("・"),
            });
        }
        op.finish(&ids, &format!("held visit notes: {}", rows.len()))
            .await?;
        Ok(out)
    }

    /// The 責任者 releases a held note (it becomes visible) or deletes it
    /// (the sealed text is gone; the visit itself stays).
    pub async fn review_visit_note(
        &self,
        actor: &Actor,
        record_id: i64,
        release: bool,
    ) -> Result<()> {
        let (mut op, contract) = self
            .visit_op(actor, Action::Write, items(&[Item::KanshoKekka]), "visit")
            .await?;
        if !Self::is_responsible(&op) {
            op.finish(&[], "visit note review: not the responsible person")
                .await?;
            return Err(ServiceError::Denied(itaku_policy::Denial::RoleNotPermitted));
        }
        let r = match op.tx.visit_record(record_id).await? {
            Some(r) if r.contract_id == contract.0 => r,
            _ => {
                op.finish(&[], &format!("visit record {record_id}: not found"))
                    .await?;
                return Err(ServiceError::not_found());
            }
        };
        let now = op.now_ts();
        if !op
            .tx
            .review_visit_note(record_id, release, op.actor_user(), &now)
            .await?
        {
            return Err(ServiceError::Conflict(
                "このメモはすでに確認済みです".into(),
            ));
        }
        op.finish(
            &[r.person_id],
            &format!(
                "visit record {record_id}: held note {}",
                if release { "released" } else { "deleted" }
            ),
        )
        .await
    }
}

fn note_state_label(s: &str) -> &'static str {
    match s {
        "kept" => "記録",
        "held" => "確認待ち（責任者が確認するまで表示しません）",
        "released" => "確認済み",
        "deleted" => "削除済み（責任者の確認により）",
        _ => "",
    }
}
