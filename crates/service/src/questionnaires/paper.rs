//! Paper questionnaires keyed twice (double entry), as the 滞納整理
//! ledger pages are: pass 1 and pass 2 by different operators, compared
//! question by question; an agreed sheet becomes a response at once, a
//! mismatched one waits for a third person who picks, for each differing
//! question, which pass is right with both side by side.

use super::answer::{check, problems_message, RawAnswers};
use super::build::contract_of;
use super::{answers_aad, load, open_json, seal_json, Answer, Answers, QuestionnaireView};
use crate::error::{Result, ServiceError};
use crate::op::Op;
use crate::{Actor, Service};
use itaku_store::{QuestionnaireRow, SheetRow};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct KeyingOutcome {
    pub sheet_no: i64,
    pub pass: i64,
    /// waiting (pass 1 saved), agreed (entered), mismatch.
    pub state: &'static str,
    pub differences: usize,
}

/// One question on which the two passes differ, as keyed.
#[derive(Debug, Clone, Serialize)]
pub struct SheetDiff {
    pub question_id: i64,
    pub number: usize,
    pub text: String,
    pub first: String,
    pub second: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SheetView {
    pub sheet_no: i64,
    pub state: String,
    pub state_label: &'static str,
    /// Who keyed pass 1 and 2 (names as the audit log has them).
    pub operators: Vec<String>,
}

fn state_label(s: &str) -> &'static str {
    match s {
        "keyed_once" => "1回目入力済み",
        "mismatch" => "不一致（照合待ち）",
        "agreed" => "一致・登録済み",
        "settled" => "照合・登録済み",
        _ => "不明",
    }
}

/// An answer as a keyer would type it, for comparing and showing.
pub(crate) fn shown_value(def: &QuestionnaireView, qid: i64, a: Option<&Answer>) -> String {
    let label = |n: i64| {
        def.question(qid)
            .and_then(|q| q.choices.get((n - 1) as usize))
            .map(|l| format!("{n} {l}"))
            .unwrap_or_else(|| n.to_string())
    };
    match a {
        None => "（空欄）".into(),
        Some(Answer::Choice(n)) | Some(Answer::Scale(n)) => label(*n),
        Some(Answer::Choices(v)) => v.iter().map(|n| label(*n)).collect::<Vec<_>>().join("、"),
        Some(Answer::Text(t)) => t.clone(),
    }
}

fn diffs(def: &QuestionnaireView, a: &Answers, b: &Answers) -> Vec<SheetDiff> {
    def.questions
        .iter()
        .filter(|q| a.get(&q.id) != b.get(&q.id))
        .map(|q| SheetDiff {
            question_id: q.id,
            number: q.number,
            text: q.text.clone(),
            first: shown_value(def, q.id, a.get(&q.id)),
            second: shown_value(def, q.id, b.get(&q.id)),
        })
        .collect()
}

impl Service {
    async fn paper_sheet(
        &self,
        op: &mut Op<'_>,
        actor: &Actor,
        questionnaire_id: i64,
    ) -> Result<(QuestionnaireRow, QuestionnaireView)> {
        let cid = contract_of(actor)?.0;
        let (q, def) = load(op, questionnaire_id, Some(cid)).await?;
        if !matches!(def.status.as_str(), "published" | "closed") {
            return Err(ServiceError::Conflict(format!(
                "「{}」のアンケートには紙の回答を入力できません",
                def.status_label()
            )));
        }
        Ok((q, def))
    }

    /// Key one paper sheet (pass 1, or pass 2 by someone else).
    pub async fn key_sheet(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        sheet_no: i64,
        raw: &RawAnswers,
    ) -> Result<KeyingOutcome> {
        if !(1..=1_000_000).contains(&sheet_no) {
            return Err(ServiceError::Invalid(
                "用紙番号は 1 以上の数字で入力してください".into(),
            ));
        }
        let user = actor
            .user_id()
            .ok_or_else(|| ServiceError::Invalid("入力はログインした担当者が行います".into()))?
            .0;
        let mut op = self.anketo_op(actor, "questionnaire_keying").await?;
        let (q, def) = self.paper_sheet(&mut op, actor, questionnaire_id).await?;
        let answers =
            check(&def, raw, false).map_err(|p| ServiceError::Invalid(problems_message(&p)))?;
        let key = self.questionnaire_key(&q)?;
        let aad = answers_aad(q.id, &format!("sheet/{sheet_no}"));
        let sealed = seal_json(&key, &aad, &answers)?;
        let now = op.now_ts();
        let who = op.actor_label().to_owned();
        let sheet = op.tx.sheet(q.id, sheet_no).await?;
        let (pass, state, differences) = match sheet {
            None => {
                let sid = op.tx.insert_sheet(q.id, q.contract_id, sheet_no).await?;
                op.tx
                    .insert_sheet_keying(sid, q.contract_id, 1, user, &who, &sealed, &now)
                    .await?;
                (1, "waiting", 0)
            }
            Some(s) if s.state == "keyed_once" => {
                let first = op.tx.sheet_keyings(s.id).await?;
                let Some(k1) = first.iter().find(|k| k.pass == 1) else {
                    return Err(ServiceError::Internal(format!(
                        "用紙 {sheet_no} の1回目の入力がありません"
                    )));
                };
                if k1.user_id == user {
                    return Err(ServiceError::Conflict(format!(
                        "用紙 {sheet_no} の1回目はあなたが入力しました。2回目は別の担当者が入力してください"
                    )));
                }
                op.tx
                    .insert_sheet_keying(s.id, q.contract_id, 2, user, &who, &sealed, &now)
                    .await?;
                let a: Answers = open_json(&key, &aad, &k1.answers)?;
                let d = diffs(&def, &a, &answers);
                if d.is_empty() {
                    let rid = self.enter_sheet(&mut op, &q, &s, &answers, &now).await?;
                    op.tx
                        .set_sheet_state(s.id, "agreed", None, Some(rid), &now)
                        .await?;
                    (2, "agreed", 0)
                } else {
                    op.tx
                        .set_sheet_state(s.id, "mismatch", None, None, &now)
                        .await?;
                    (2, "mismatch", d.len())
                }
            }
            Some(s) => {
                return Err(ServiceError::Conflict(format!(
                    "用紙 {sheet_no} は「{}」です",
                    state_label(&s.state)
                )))
            }
        };
        op.finish(
            &[],
            &format!(
                "questionnaire {} sheet {sheet_no} pass {pass}: {state}",
                q.id
            ),
        )
        .await?;
        Ok(KeyingOutcome {
            sheet_no,
            pass,
            state,
            differences,
        })
    }

    async fn enter_sheet(
        &self,
        op: &mut Op<'_>,
        q: &QuestionnaireRow,
        s: &SheetRow,
        answers: &Answers,
        now: &str,
    ) -> Result<i64> {
        let key = self.questionnaire_key(q)?;
        let sealed = seal_json(&key, &answers_aad(q.id, "response"), answers)?;
        Ok(op
            .tx
            .insert_response(
                q.id,
                q.contract_id,
                q.version,
                "paper",
                None,
                Some(s.sheet_no),
                &sealed,
                now,
            )
            .await?)
    }

    /// A mismatched sheet's two passes, question by question, for the
    /// third person (an audited read of both keyings).
    pub async fn sheet_differences(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        sheet_no: i64,
    ) -> Result<Vec<SheetDiff>> {
        let mut op = self.anketo_op(actor, "questionnaire_keying").await?;
        let (q, def) = self.paper_sheet(&mut op, actor, questionnaire_id).await?;
        let (_, a, b) = self.both_passes(&mut op, &q, sheet_no).await?;
        let d = diffs(&def, &a, &b);
        op.finish(
            &[],
            &format!("questionnaire {} sheet {sheet_no}: compared", q.id),
        )
        .await?;
        Ok(d)
    }

    async fn both_passes(
        &self,
        op: &mut Op<'_>,
        q: &QuestionnaireRow,
        sheet_no: i64,
    ) -> Result<(SheetRow, Answers, Answers)> {
        let s = op
            .tx
            .sheet(q.id, sheet_no)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        if s.state != "mismatch" {
            return Err(ServiceError::Conflict(format!(
                "用紙 {sheet_no} は「{}」のため照合の対象ではありません",
                state_label(&s.state)
            )));
        }
        let key = self.questionnaire_key(q)?;
        let aad = answers_aad(q.id, &format!("sheet/{sheet_no}"));
        let ks = op.tx.sheet_keyings(s.id).await?;
        let get = |pass: i64| -> Result<Answers> {
            let k = ks.iter().find(|k| k.pass == pass).ok_or_else(|| {
                ServiceError::Internal(format!("用紙 {sheet_no} の入力が欠けています"))
            })?;
            open_json(&key, &aad, &k.answers)
        };
        let (a, b) = (get(1)?, get(2)?);
        Ok((s, a, b))
    }

    /// A third person settles a mismatched sheet: for each differing
    /// question, pass 1 or 2. The result enters as the sheet's response.
    pub async fn settle_sheet(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        sheet_no: i64,
        picks: &BTreeMap<i64, u8>,
    ) -> Result<i64> {
        let user = actor
            .user_id()
            .ok_or_else(|| ServiceError::Invalid("照合はログインした担当者が行います".into()))?
            .0;
        let mut op = self.anketo_op(actor, "questionnaire_keying").await?;
        let (q, def) = self.paper_sheet(&mut op, actor, questionnaire_id).await?;
        let (s, a, b) = self.both_passes(&mut op, &q, sheet_no).await?;
        let keyers: Vec<i64> = op
            .tx
            .sheet_keyings(s.id)
            .await?
            .iter()
            .map(|k| k.user_id)
            .collect();
        if keyers.contains(&user) {
            return Err(ServiceError::Conflict(
                "この用紙を入力した人は照合できません。入力していない第三者が照合してください"
                    .into(),
            ));
        }
        let mut settled = a.clone();
        for d in diffs(&def, &a, &b) {
            match picks.get(&d.question_id) {
                Some(1) => {}
                Some(2) => match b.get(&d.question_id) {
                    Some(v) => {
                        settled.insert(d.question_id, v.clone());
                    }
                    None => {
                        settled.remove(&d.question_id);
                    }
                },
                _ => {
                    return Err(ServiceError::Invalid(format!(
                        "問{}をどちらにするか選んでください",
                        d.number
                    )))
                }
            }
        }
        let now = op.now_ts();
        let rid = self.enter_sheet(&mut op, &q, &s, &settled, &now).await?;
        op.tx
            .set_sheet_state(s.id, "settled", Some(user), Some(rid), &now)
            .await?;
        op.finish(
            &[],
            &format!("questionnaire {} sheet {sheet_no}: settled", q.id),
        )
        .await?;
        Ok(rid)
    }

    /// The paper sheets of a questionnaire and their state.
    pub async fn questionnaire_sheets(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
    ) -> Result<Vec<SheetView>> {
        let mut op = self.anketo_op(actor, "questionnaire_keying").await?;
        let cid = contract_of(actor)?.0;
        let (q, _) = load(&mut op, questionnaire_id, Some(cid)).await?;
        let mut out = Vec::new();
        for s in op.tx.sheets(q.id).await? {
            let operators = op
                .tx
                .sheet_keyings(s.id)
                .await?
                .into_iter()
                .map(|k| k.operator)
                .collect();
            out.push(SheetView {
                sheet_no: s.sheet_no,
                state_label: state_label(&s.state),
                state: s.state,
                operators,
            });
        }
        op.finish(&[], &format!("questionnaire {} sheets", q.id))
            .await?;
        Ok(out)
    }
}
