//! The desk's lists and the 責任者's queue: recent inquiries, notes held
//! by the screen (release or delete), and the voucher re-issue queue,
//! printed as one batch through the campaign's print register.

use super::{
    contract_of, inquiry_aad, open_text, require_responsible, HeldNoteView, InquiryKind,
    InquiryView, NoteState, Payload, ReissueView,
};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::printing::{PrintKind, PrintRequest, PrintRunView};
use crate::time::jst_display;
use crate::{Actor, Service};
use itaku_core::{Item, ItemSet};
use itaku_policy::{Action, Scope};
use itaku_store::InquiryRow;
use std::collections::BTreeMap;

/// The inquiries a list shows at most.
const LIST_LIMIT: i64 = 200;

impl Service {
    /// The desk's recent inquiries, newest first. A held or deleted note
    /// is not shown, only its state.
    pub async fn desk_inquiries(&self, actor: &Actor, limit: i64) -> Result<Vec<InquiryView>> {
        let contract = contract_of(actor)?;
        let items: ItemSet = [Item::Shimei, Item::KanaShimei].into_iter().collect();
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "desk_inquiry")
                    .items(items),
            )
            .await?;
        let (_, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let rows = op
            .tx
            .inquiries(contract.0, None, limit.clamp(1, LIST_LIMIT))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let state = NoteState::parse(&r.note_state)?;
            let payload: Payload = serde_json::from_str(&open_text(
                &key,
                &inquiry_aad(contract.0, &r.seal_ref, "payload"),
                &r.payload,
            )?)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let note = match (&r.note, state.visible()) {
                (Some(n), true) => Some(open_text(
                    &key,
                    &inquiry_aad(contract.0, &r.seal_ref, "note"),
                    n,
                )?),
                _ => None,
            };
            let caller_name = [Item::Shimei, Item::KanaShimei]
                .iter()
                .filter_map(|i| payload.caller.get(i.code()))
                .cloned()
                .collect::<Vec<_>>()
                .join("／");
            out.push(InquiryView {
                id: r.id,
                kind: InquiryKind::parse(&r.kind)?,
                received_at: jst_display(&r.received_at),
                person_id: r.person_id,
                caller_name,
                caller_items: item_labels(&r.caller_items),
                screenings: payload.screenings,
                purpose_read: r.purpose_read != 0,
                note,
                note_state: state,
                operator: r.operator.clone(),
            });
        }
        let (ids, detail) = read_inquiries(&rows, "desk inquiries");
        op.finish(&ids, &detail).await?;
        Ok(out)
    }

    /// Notes the screen held, for the contract's 責任者 to review.
    pub async fn held_notes(&self, actor: &Actor) -> Result<Vec<HeldNoteView>> {
        let contract = contract_of(actor)?;
        let op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "desk_note"),
            )
            .await?;
        let mut op = require_responsible(op).await?;
        let (_, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let rows = op
            .tx
            .inquiries(contract.0, Some(NoteState::Held.code()), LIST_LIMIT)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let Some(sealed) = &r.note else { continue };
            out.push(HeldNoteView {
                inquiry_id: r.id,
                kind: InquiryKind::parse(&r.kind)?,
                received_at: jst_display(&r.received_at),
                person_id: r.person_id,
                note: open_text(&key, &inquiry_aad(contract.0, &r.seal_ref, "note"), sealed)?,
                flags: crate::held_note::flag_labels(&r.note_flags),
                operator: r.operator.clone(),
            });
        }
        let (ids, detail) = read_inquiries(&rows, "held notes");
        op.finish(&ids, &detail).await?;
        Ok(out)
    }

    /// The 責任者 releases a held note (it is kept and shown) or deletes it
    /// (the sealed text is removed). A held complaint summary reaches the
    /// ward's complaints record only now; a deleted one is filed without it.
    pub async fn review_note(&self, actor: &Actor, inquiry_id: i64, release: bool) -> Result<()> {
        let contract = contract_of(actor)?;
        let op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Contract(contract), "desk_note"),
            )
            .await?;
        let mut op = require_responsible(op).await?;
        let Some(row) = op.tx.inquiry(contract.0, inquiry_id).await? else {
            op.finish(&[], &format!("desk inquiry {inquiry_id}: not found"))
                .await?;
            return Err(ServiceError::not_found());
        };
        let records: Vec<i64> = row.person_id.into_iter().collect();
        let summary = if row.kind == InquiryKind::Complaint.code() {
            Some(
                self.held_summary(&mut op, contract.0, &row, release)
                    .await?,
            )
        } else {
            None
        };
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        if !op
            .tx
            .review_inquiry_note(contract.0, inquiry_id, release, &now, &by)
            .await?
        {
            return Err(ServiceError::Conflict(
                "このメモは確認待ちではありません（既に確認済みです）".into(),
            ));
        }
        if let Some(text) = summary {
            let received = crate::time::parse_ts(&row.received_at)
                .map(crate::time::jst_date)
                .ok_or_else(|| ServiceError::Internal("受付日時が不正です".into()))?;
            self.file_complaint(&mut op, contract.0, inquiry_id, received, &text)
                .await?;
        }
        op.finish(
            &records,
            &format!(
                "desk inquiry {inquiry_id}: note {}",
                if release { "released" } else { "deleted" }
            ),
        )
        .await
    }

    async fn held_summary(
        &self,
        op: &mut crate::op::Op<'_>,
        contract: i64,
        row: &InquiryRow,
        release: bool,
    ) -> Result<String> {
        if !release {
            return Ok("（要旨は取扱責任者の確認により削除されました）".into());
        }
        let (_, key) = self
            .vault(&mut op.tx, Some(itaku_core::ContractId(contract)))
            .await?;
        match &row.note {
            Some(n) => open_text(&key, &inquiry_aad(contract, &row.seal_ref, "note"), n),
            None => Err(ServiceError::Conflict(
                "このメモは確認待ちではありません（既に確認済みです）".into(),
            )),
        }
    }

    /// Re-issues waiting for the batch print (or, with `printed`, the
    /// latest printed ones), with the names to check them by.
    pub async fn reissue_queue(&self, actor: &Actor, printed: bool) -> Result<Vec<ReissueView>> {
        let contract = contract_of(actor)?;
        let items: ItemSet = [Item::Shimei, Item::KanaShimei].into_iter().collect();
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "desk_reissue")
                    .items(items),
            )
            .await?;
        let (vault, key) = self.vault(&mut op.tx, Some(contract)).await?;
        let rows = op.tx.reissues(contract.0, printed, 1000).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
        let mut names: BTreeMap<i64, (String, String)> = BTreeMap::new();
        for part in ids.chunks(500) {
            for p in self.open_persons(&mut op, vault.id, &key, part).await? {
                names.insert(
                    p.id,
                    (
                        p.get(Item::Shimei).to_owned(),
                        p.get(Item::KanaShimei).to_owned(),
                    ),
                );
            }
        }
        let out = rows
            .iter()
            .map(|r| {
                let (name, kana) = names.get(&r.person_id).cloned().unwrap_or_default();
                ReissueView {
                    id: r.id,
                    inquiry_id: r.inquiry_id,
                    campaign_id: r.campaign_id,
                    person_id: r.person_id,
                    name,
                    kana,
                    queued_at: jst_display(&r.queued_at),
                    print_run_id: r.print_run_id,
                    print_run: r.print_run_id.map(|id| format!("R{id:05}")),
                    printed_at: r.printed_at.as_deref().map(jst_display),
                }
            })
            .collect();
        op.finish(
            &ids,
            &format!(
                "reissue queue: {} {}",
                rows.len(),
                if printed { "printed" } else { "queued" }
            ),
        )
        .await?;
        Ok(out)
    }

    /// Print every queued re-issue as one batch: a print run of just those
    /// vouchers per campaign, in the same audited print register as the
    /// bulk mailing. Each re-issue is marked printed with its run, in the
    /// run's own transaction.
    pub async fn print_reissues(&self, actor: &Actor) -> Result<Vec<PrintRunView>> {
        let contract = contract_of(actor)?;
        let op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(contract), "desk_reissue"),
            )
            .await?;
        let mut op = require_responsible(op).await?;
        let queued = op.tx.reissues(contract.0, false, 1000).await?;
        let persons: Vec<i64> = queued.iter().map(|r| r.person_id).collect();
        op.finish(&persons, &format!("reissue batch: {} queued", queued.len()))
            .await?;
        if queued.is_empty() {
            return Err(ServiceError::Invalid(
                "印刷を待っている再発行はありません".into(),
            ));
        }
        let mut by_campaign: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
        for r in &queued {
            by_campaign
                .entry(r.campaign_id)
                .or_default()
                .push((r.id, r.person_id));
        }
        let mut runs = Vec::new();
        for (campaign, part) in by_campaign {
            let only: Vec<i64> = part.iter().map(|p| p.1).collect();
            let run = self
                .create_print_run(
                    actor,
                    campaign,
                    PrintKind::Vouchers,
                    &PrintRequest {
                        segment: None,
                        only: Some(only.clone()),
                        note: format!("受診券再発行 {}件（問合せ窓口）", only.len()),
                        reissues: part.iter().map(|p| p.0).collect(),
                    },
                )
                .await?;
            runs.push(run);
        }
        Ok(runs)
    }
}

fn item_labels(codes: &str) -> String {
    codes
        .split(',')
        .filter_map(|c| Item::parse(c).ok())
        .map(|i| i.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// What a read of inquiries names: the persons they concern, as every
/// desk entry does, and the inquiries themselves — a caller not in the list
/// exists only there, so "who read this inquiry" must find the read too.
fn read_inquiries(rows: &[itaku_store::InquiryRow], what: &str) -> (Vec<i64>, String) {
    let mut persons: Vec<i64> = rows.iter().filter_map(|r| r.person_id).collect();
    persons.sort_unstable();
    persons.dedup();
    let inquiries: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    let detail = format!(
        "{what}: {} listed (inquiries {})",
        rows.len(),
        inquiries.join(",")
    );
    (persons, detail)
}
