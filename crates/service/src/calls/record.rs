//! Recording a call: the outcome, reasons and requests from the ward's
//! lists, a screened note, and what it means for the next call.

use super::{CallOutcome, CallRules};
use crate::contact::codes::{load_codes, CodeList};
use crate::error::{Result, ServiceError};
use crate::results::put_result;
use crate::time::{jst_display, ts};
use crate::{Actor, Service};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use itaku_core::{Item, ItemSet};
use itaku_crypto::DataKey;
use itaku_policy::Action;
use itaku_store::{NewCallAttempt, TargetUpdate};
use serde::Serialize;

/// Longest note kept, in characters.
const MAX_NOTE_CHARS: usize = 500;

/// What the operator enters at the end of a call.
#[derive(Debug, Clone)]
pub struct CallReport {
    pub outcome: CallOutcome,
    pub reasons: Vec<String>,
    pub requests: Vec<String>,
    pub note: String,
    /// JST, as a `datetime-local` field gives it: `2026-11-24T14:30`.
    pub callback_at: Option<String>,
    /// The callback goes to this operator rather than anyone.
    pub callback_to_me: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallRecorded {
    pub outcome: CallOutcome,
    /// The target is finished (no more calls).
    pub done: bool,
    /// When the person is due again, if not done.
    pub next_at: Option<String>,
    /// The note names what the contracts forbid: held for review.
    pub note_held: bool,
}

pub(crate) fn note_aad(vault_id: i64, campaign: i64, person: i64, user: i64, at: &str) -> Vec<u8> {
    format!("v{vault_id}/call/{campaign}/{person}/{user}/{at}/note").into_bytes()
}

/// A callback time typed in JST; it must lie ahead and within calling hours.
fn callback_time(s: &str, rules: &CallRules, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let s = itaku_jp::fold_width(s.trim());
    let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())
        .ok_or_else(|| {
            ServiceError::Invalid(format!(
                "かけ直しの日時は「2026-11-24 14:30」の形で入力してください: {s}"
            ))
        })?;
    let at = super::rules::tokyo()
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ServiceError::Invalid("かけ直しの日時が正しくありません".into()))?;
    if at <= now {
        return Err(ServiceError::Invalid(
            "かけ直しの日時は今より後にしてください".into(),
        ));
    }
    if !rules.is_open(at) {
        let hint = rules
            .next_open(at)
            .map(|t| format!("（次に発信できるのは {}）", jst_display(&ts(t))))
            .unwrap_or_default();
        return Err(ServiceError::Invalid(format!(
            "かけ直しの日時が発信時間外または休日です{hint}"
        )));
    }
    Ok(at)
}

impl Service {
    /// Record the call on the target the operator holds.
    pub async fn record_call(
        &self,
        actor: &Actor,
        campaign_id: i64,
        person_id: i64,
        report: &CallReport,
    ) -> Result<CallRecorded> {
        let me = actor
            .user_id()
            .ok_or_else(|| ServiceError::Invalid("架電は利用者として行います".into()))?
            .0;
        let rule = report.outcome.rule();
        let note = report.note.trim();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(ServiceError::Invalid(format!(
                "メモは {MAX_NOTE_CHARS} 文字以内にしてください"
            )));
        }
        if rule.note_required && note.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "「{}」のときはメモを入力してください",
                report.outcome.label()
            )));
        }
        let reasons = self
            .check_contact_codes(CodeList::Reason, &report.reasons)
            .await?;
        let requests = self
            .check_contact_codes(CodeList::Request, &report.requests)
            .await?;
        let result_item: ItemSet = [Item::KanshoKekka].into_iter().collect();
        let (mut op, _) = self
            .campaign_op(actor, campaign_id, Action::Write, result_item)
            .await?;
        let plan = op
            .tx
            .call_plan(campaign_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let rules = Self::call_plan_rules(&plan)?;
        let now = self.now();
        let at = ts(now);
        let target = op.tx.call_target(campaign_id, person_id).await?;
        let Some(target) = target.filter(|t| {
            t.held_by == Some(me) && t.held_until.as_deref().is_some_and(|u| u > at.as_str())
        }) else {
            op.finish(&[person_id], "call result: not held").await?;
            return Err(ServiceError::Conflict(
                "この方の担当は時間切れなどで解除されています。結果は保存されていません。「次の方」から取り直してください".into(),
            ));
        };
        let attempts = target.attempts + 1;
        let mut callback_user = None;
        let mut callback_at = None;
        let next: Option<DateTime<Utc>> = if report.outcome == CallOutcome::Callback {
            let s = report.callback_at.as_deref().unwrap_or_default();
            if s.trim().is_empty() {
                return Err(ServiceError::Invalid(
                    "かけ直しの日時を入力してください".into(),
                ));
            }
            let t = callback_time(s, &rules, now)?;
            callback_user = report.callback_to_me.then_some(me);
            callback_at = Some(ts(t));
            Some(t)
        } else if rule.retry && attempts < i64::from(rules.max_attempts) {
            let wait = rule.retry_minutes.max(rules.min_gap_minutes);
            rules.next_open(now + Duration::minutes(wait))
        } else {
            None
        };
        let done = next.is_none();
        let next_at = next.map(ts).unwrap_or_else(|| target.next_at.clone());

        let contract = op.contract.as_ref().map(|c| c.id);
        let (vault, key) = self.vault(&mut op.tx, contract).await?;
        let flags = crate::held_note::screen(note);
        let note_state = flags.state(note);
        let sealed = (!note.is_empty())
            .then(|| {
                key.seal(
                    &note_aad(vault.id, campaign_id, person_id, me, &at),
                    note.as_bytes(),
                )
            })
            .transpose()?;
        op.tx
            .insert_call_attempt(&NewCallAttempt {
                campaign_id,
                person_id,
                contract_id: plan.contract_id,
                user_id: me,
                at: &at,
                outcome: report.outcome.code(),
                reasons: &reasons,
                requests: &requests,
                callback_at: callback_at.as_deref(),
                note: sealed,
                note_flags: &flags.codes(),
                note_state,
            })
            .await?;
        let finished = op
            .tx
            .finish_call_target(
                campaign_id,
                person_id,
                me,
                &at,
                &TargetUpdate {
                    attempts,
                    state: if done { "done" } else { "open" },
                    next_at: &next_at,
                    callback_user,
                    last_outcome: report.outcome.code(),
                    contacted: rule.contacted,
                },
            )
            .await?;
        if !finished {
            return Err(ServiceError::Conflict(
                "この方の担当は解除されています。結果は保存されていません".into(),
            ));
        }
        if report.outcome == CallOutcome::DoNotCall {
            op.tx
                .set_do_not_call(
                    target.ward_person_id,
                    &at,
                    Some(me),
                    Some(plan.contract_id),
                    "call",
                )
                .await?;
        }
        if rule.contacted && done {
            let labels = code_labels(&mut op.tx, &reasons, &requests).await?;
            let text = format!(
                "電話勧奨 {}: {}{}",
                crate::time::jst_date(now).format("%Y-%m-%d"),
                report.outcome.label(),
                labels
            );
            if !put_result(
                &mut op.tx,
                vault.id,
                &key,
                person_id,
                Item::KanshoKekka,
                &text,
            )
            .await?
            {
                return Err(ServiceError::not_found());
            }
        }
        op.finish(
            &[person_id],
            &format!(
                "call outcome={} attempt={attempts} note={note_state}",
                report.outcome.code()
            ),
        )
        .await?;
        Ok(CallRecorded {
            outcome: report.outcome,
            done,
            next_at: (!done).then_some(next_at),
            note_held: note_state == "held",
        })
    }

    /// Earlier calls on a target, with notes that are kept or released.
    pub(crate) async fn attempt_views(
        &self,
        op: &mut crate::op::Op<'_>,
        vault_id: i64,
        key: &DataKey,
        campaign_id: i64,
        person_id: i64,
    ) -> Result<Vec<super::AttemptView>> {
        let rows = op.tx.call_attempts_of(campaign_id, person_id).await?;
        let reasons = load_codes(&mut op.tx, CodeList::Reason).await?;
        let requests = load_codes(&mut op.tx, CodeList::Request).await?;
        let labels = |codes: &str, known: &[crate::ContactCode]| -> String {
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
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let note = match (&r.note, r.note_state.as_str()) {
                (Some(sealed), "kept" | "released") => Some(
                    String::from_utf8(key.open(
                        &note_aad(vault_id, campaign_id, person_id, r.user_id, &r.at),
                        sealed,
                    )?)
                    .map_err(|_| ServiceError::Internal("文字コード不正".into()))?,
                ),
                _ => None,
            };
            out.push(super::AttemptView {
                at: jst_display(&r.at),
                outcome: CallOutcome::parse(&r.outcome)
                    .map(|o| o.label().to_owned())
                    .unwrap_or(r.outcome.clone()),
                reasons: labels(&r.reasons, &reasons),
                requests: labels(&r.requests, &requests),
                callback_at: r.callback_at.as_deref().map(jst_display),
                note,
            });
        }
        Ok(out)
    }
}

/// 「（理由: 忙しい・費用／要望: 受診券の再発行）」 for a result line.
async fn code_labels(tx: &mut itaku_store::Tx, reasons: &str, requests: &str) -> Result<String> {
    let mut parts = Vec::new();
    for (list, codes) in [(CodeList::Reason, reasons), (CodeList::Request, requests)] {
        if codes.is_empty() {
            continue;
        }
        let known = load_codes(tx, list).await?;
        let labels: Vec<&str> = codes
            .split(',')
            .filter_map(|c| known.iter().find(|k| k.code == c).map(|k| k.label.as_str()))
            .collect();
        parts.push(format!("{}: {}", list.label(), labels.join("・")));
    }
    Ok(if parts.is_empty() {
        String::new()
    } else {
        format!("（{}）", parts.join("／"))
    })
}
