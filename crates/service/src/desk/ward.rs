//! The ward's side: the complaints record (every job's; the desk files
//! into it) and the changes of address the desk passed on, which ward
//! staff apply to the register themselves and mark as handled.

use super::{open_text, ward_aad, AddressChangeView, ComplaintAnswer, ComplaintView};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::time::jst_display;
use crate::{Actor, Service};
use itaku_policy::{Action, Scope};
use itaku_store::ComplaintUpdate;
use std::collections::BTreeMap;

const LIST_LIMIT: i64 = 500;

fn channel_label(code: &str) -> &str {
    match code {
        "phone" => "電話",
        "visit" => "訪問",
        "mail" => "郵便",
        "counter" => "窓口",
        other => other,
    }
}

fn source_label(code: &str) -> &str {
    match code {
        "desk" => "問合せ窓口",
        "call" => "電話勧奨",
        "visit" => "訪問勧奨",
        "ward" => "区",
        other => other,
    }
}

impl Service {
    async fn contract_names(&self, op: &mut Op<'_>, ids: &[i64]) -> Result<BTreeMap<i64, String>> {
        let mut out = BTreeMap::new();
        for id in ids {
            if out.contains_key(id) {
                continue;
            }
            if let Some(c) = op.tx.contract(*id).await? {
                out.insert(*id, c.name);
            }
        }
        Ok(out)
    }

    /// The complaints record for ward staff, unanswered first.
    pub async fn ward_complaints(&self, actor: &Actor) -> Result<Vec<ComplaintView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "complaint"),
            )
            .await?;
        let (_, key) = self.vault(&mut op.tx, None).await?;
        let rows = op.tx.complaints(LIST_LIMIT).await?;
        let contracts: Vec<i64> = rows.iter().filter_map(|r| r.contract_id).collect();
        let names = self.contract_names(&mut op, &contracts).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let answer = match &r.answer {
                Some(a) => open_text(&key, &ward_aad("complaints", &r.seal_ref, "answer"), a)?,
                None => String::new(),
            };
            out.push(ComplaintView {
                id: r.id,
                job_id: r.job_id,
                contract_id: r.contract_id,
                contract_name: r
                    .contract_id
                    .and_then(|c| names.get(&c).cloned())
                    .unwrap_or_else(|| "区の直営".into()),
                source: source_label(&r.source).to_owned(),
                received_on: r.received_on.clone(),
                channel: channel_label(&r.channel).to_owned(),
                summary: open_text(
                    &key,
                    &ward_aad("complaints", &r.seal_ref, "summary"),
                    &r.summary,
                )?,
                answered_on: r.answered_on.clone(),
                answer,
                reported_on: r.reported_on.clone(),
            });
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        op.finish(&ids, &format!("complaints: {} listed", ids.len()))
            .await?;
        Ok(out)
    }

    /// Ward staff write the answer (and when it was given) on a complaint.
    pub async fn answer_complaint(
        &self,
        actor: &Actor,
        id: i64,
        a: &ComplaintAnswer,
    ) -> Result<()> {
        let answer = a.answer.trim();
        if answer.chars().count() > super::MAX_NOTE_CHARS {
            return Err(ServiceError::Invalid(format!(
                "回答は {} 文字以内にしてください",
                super::MAX_NOTE_CHARS
            )));
        }
        if a.answered_on.is_some() && answer.is_empty() {
            return Err(ServiceError::Invalid(
                "回答日を入れるときは回答の内容も入力してください".into(),
            ));
        }
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "complaint"),
            )
            .await?;
        let Some(row) = op.tx.complaint(id).await? else {
            op.finish(&[id], "complaint not found").await?;
            return Err(ServiceError::not_found());
        };
        let (_, key) = self.vault(&mut op.tx, None).await?;
        let sealed = if answer.is_empty() {
            None
        } else {
            Some(key.seal(
                &ward_aad("complaints", &row.seal_ref, "answer"),
                answer.as_bytes(),
            )?)
        };
        let answered = a.answered_on.map(|d| d.to_string());
        let reported = a.reported_on.map(|d| d.to_string());
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        op.tx
            .update_complaint(
                id,
                &ComplaintUpdate {
                    answered_on: answered.as_deref(),
                    answer: sealed.as_deref(),
                    reported_on: reported.as_deref().or(row.reported_on.as_deref()),
                    at: &now,
                    by: &by,
                },
            )
            .await?;
        op.finish(&[id], &format!("complaint {id} answered")).await
    }

    /// Changes of address the desk passed on, open ones first.
    pub async fn ward_address_changes(&self, actor: &Actor) -> Result<Vec<AddressChangeView>> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "address_change"),
            )
            .await?;
        let (_, key) = self.vault(&mut op.tx, None).await?;
        let rows = op.tx.address_changes(LIST_LIMIT).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let json = open_text(
                &key,
                &ward_aad("desk_address_changes", &r.seal_ref, "change"),
                &r.sealed,
            )?;
            let mut v: AddressChangeView =
                serde_json::from_str(&json).map_err(|e| ServiceError::Internal(e.to_string()))?;
            v.id = r.id;
            v.contract_id = r.contract_id;
            v.ward_person_id = r.ward_person_id;
            v.received_at = jst_display(&r.received_at);
            v.handled_at = r.handled_at.as_deref().map(jst_display);
            v.handled_by = r.handled_by.clone();
            out.push(v);
        }
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.ward_person_id).collect();
        op.finish(&ids, &format!("address changes: {} listed", rows.len()))
            .await?;
        Ok(out)
    }

    /// Ward staff applied a change of address (or decided on it).
    pub async fn mark_address_change_handled(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "address_change"),
            )
            .await?;
        let now = op.now_ts();
        let by = op.actor_label().to_owned();
        if !op.tx.mark_address_change_handled(id, &now, &by).await? {
            op.finish(&[], &format!("address change {id}: not open"))
                .await?;
            return Err(ServiceError::Conflict(
                "この住所変更は見つからないか、既に対応済みです".into(),
            ));
        }
        op.finish(&[], &format!("address change {id} handled"))
            .await
    }
}
