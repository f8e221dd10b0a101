//! Answers: checking them against the questionnaire (conditional
//! questions, required ones, ranges) and recording them, online from the
//! public page, by the contractor for a registration (linked mode), or from
//! a settled paper sheet (paper.rs).

use super::build::contract_of;
use super::{answers_aad, assemble, seal_json, Answer, Answers, Mode, QuestionKind};
use super::{QuestionView, QuestionnaireView, MAX_TEXT_CHARS};
use crate::actor::ActorKind;
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_core::ContractId;
use itaku_policy::{Action, PublicWindow, Scope};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a form sends: question id → the values given (choice numbers,
/// a scale point, or the text). Empty values count as blank.
pub type RawAnswers = BTreeMap<i64, Vec<String>>;

/// One question's problem, for the form to show beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerProblem {
    pub question_id: i64,
    pub number: usize,
    pub message: String,
}

/// Whether `q` is shown given the answers so far (its condition's
/// question comes earlier, so it is already decided).
pub fn shown(q: &QuestionView, answers: &Answers) -> bool {
    let Some(c) = q.show_if else {
        return true;
    };
    match answers.get(&c.question_id) {
        Some(Answer::Choice(v)) => *v == c.choice,
        Some(Answer::Choices(v)) => v.contains(&c.choice),
        _ => false,
    }
}

fn numbers(values: &[String]) -> std::result::Result<Vec<i64>, ()> {
    let mut out = Vec::new();
    for v in values {
        let v = itaku_jp::fold_width(v);
        for part in v.split([',', ' ', '、', '.']).filter(|p| !p.is_empty()) {
            out.push(part.parse::<i64>().map_err(|_| ())?);
        }
    }
    Ok(out)
}

fn one(q: &QuestionView, values: &[String]) -> std::result::Result<Option<Answer>, String> {
    let given: Vec<String> = values
        .iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if given.is_empty() {
        return Ok(None);
    }
    let n = q.choices.len() as i64;
    match q.kind {
        QuestionKind::Text => {
            let t = given.join("\n");
            if t.chars().count() > MAX_TEXT_CHARS {
                return Err(format!("{MAX_TEXT_CHARS} 文字以内でお書きください"));
            }
            Ok(Some(Answer::Text(t)))
        }
        QuestionKind::Single => match numbers(&given).as_deref() {
            Ok([v]) if (1..=n).contains(v) => Ok(Some(Answer::Choice(*v))),
            Ok([_, _, ..]) => Err("ひとつだけ選んでください".into()),
            _ => Err(format!("1〜{n} の番号で選んでください")),
        },
        QuestionKind::Multiple => match numbers(&given) {
            Ok(mut v) if v.iter().all(|c| (1..=n).contains(c)) => {
                v.sort_unstable();
                v.dedup();
                Ok(Some(Answer::Choices(v)))
            }
            _ => Err(format!("1〜{n} の番号で選んでください")),
        },
        QuestionKind::Scale => {
            let (lo, hi) = q.scale;
            match numbers(&given).as_deref() {
                Ok([v]) if (lo..=hi).contains(v) => Ok(Some(Answer::Scale(*v))),
                _ => Err(format!("{lo}〜{hi} のうちひとつを選んでください")),
            }
        }
    }
}

/// Check a form against the questionnaire: answers to hidden questions
/// are dropped, required shown questions must be answered, values must
/// fit. Every problem at once, in question order.
pub fn check_answers(
    def: &QuestionnaireView,
    raw: &RawAnswers,
) -> std::result::Result<Answers, Vec<AnswerProblem>> {
    check(def, raw, true)
}

/// As [`check_answers`]; `required` false for paper, where a resident may
/// leave any question blank and the keyer records what is on the sheet.
pub(crate) fn check(
    def: &QuestionnaireView,
    raw: &RawAnswers,
    required: bool,
) -> std::result::Result<Answers, Vec<AnswerProblem>> {
    let mut answers = Answers::new();
    let mut problems = Vec::new();
    let empty = Vec::new();
    for q in &def.questions {
        if !shown(q, &answers) {
            continue;
        }
        let problem = |message: String| AnswerProblem {
            question_id: q.id,
            number: q.number,
            message,
        };
        match one(q, raw.get(&q.id).unwrap_or(&empty)) {
            Ok(Some(a)) => {
                answers.insert(q.id, a);
            }
            Ok(None) if q.required && required => problems.push(problem(match q.kind {
                QuestionKind::Text => "ご記入ください（必須）".into(),
                _ => "お答えください（必須）".into(),
            })),
            Ok(None) => {}
            Err(m) => problems.push(problem(m)),
        }
    }
    if problems.is_empty() {
        Ok(answers)
    } else {
        Err(problems)
    }
}

pub(crate) fn problems_message(p: &[AnswerProblem]) -> String {
    p.iter()
        .map(|p| format!("問{}: {}", p.number, p.message))
        .collect::<Vec<_>>()
        .join(" / ")
}

impl Service {
    /// Record one online answer in the contract (the contractor keying a
    /// response given to it, or the events module for a registrant: it
    /// hands over the registration id it verified from the registrant's
    /// private link; a linked questionnaire takes one answer per
    /// registration and needs it, an anonymous one refuses it).
    pub async fn questionnaire_answer(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        registration_id: Option<i64>,
        raw: &RawAnswers,
    ) -> Result<i64> {
        let cid = contract_of(actor)?;
        self.record_answer(actor, cid, questionnaire_id, registration_id, raw, None)
            .await
    }

    /// The public page's questionnaire (published only; nothing personal).
    pub async fn public_questionnaire(
        &self,
        actor: &Actor,
        token: &str,
    ) -> Result<QuestionnaireView> {
        let q = self.published_by_token(token).await?;
        let cid = ContractId(q.contract_id);
        let mut op = self
            .begin_read(
                &resident(actor, cid)?,
                OpRequest::new(Action::Read, Scope::Contract(cid), "questionnaire")
                    .public(window(cid)),
            )
            .await?;
        let view = assemble(&mut op, &q).await?;
        op.finish(&[], &format!("public page of questionnaire {}", q.id))
            .await?;
        Ok(view)
    }

    async fn published_by_token(&self, token: &str) -> Result<itaku_store::QuestionnaireRow> {
        let mut tx = self.inner.store.begin().await?;
        let q = tx.questionnaire_by_token(token).await?;
        tx.rollback().await?;
        q.filter(|q| q.status == "published")
            .ok_or_else(ServiceError::not_found)
    }

    /// A resident answers on the public page (anonymous questionnaires;
    /// a linked one is answered through the registrant's private link).
    pub async fn public_answer(&self, actor: &Actor, token: &str, raw: &RawAnswers) -> Result<i64> {
        let q = self.published_by_token(token).await?;
        if q.mode != Mode::Anonymous.code() {
            return Err(ServiceError::Invalid(
                "このアンケートは、お申込みの際にお知らせしたリンクからお答えください".into(),
            ));
        }
        let cid = ContractId(q.contract_id);
        self.record_answer(
            &resident(actor, cid)?,
            cid,
            q.id,
            None,
            raw,
            Some(window(cid)),
        )
        .await
    }

    /// A registrant answers the questionnaire linked to their event; the
    /// caller (the seminars module) has verified the registration from
    /// the registrant's private link.
    pub(crate) async fn registrant_answer_for(
        &self,
        actor: &Actor,
        cid: ContractId,
        questionnaire_id: i64,
        registration_id: i64,
        raw: &RawAnswers,
    ) -> Result<i64> {
        self.record_answer(
            &resident(actor, cid)?,
            cid,
            questionnaire_id,
            Some(registration_id),
            raw,
            Some(window(cid)),
        )
        .await
    }

    async fn record_answer(
        &self,
        actor: &Actor,
        cid: ContractId,
        questionnaire_id: i64,
        registration_id: Option<i64>,
        raw: &RawAnswers,
        public: Option<PublicWindow>,
    ) -> Result<i64> {
        let mut req = OpRequest::new(
            Action::Write,
            Scope::Contract(cid),
            "questionnaire_response",
        )
        .items(super::build::anketo_items());
        if let Some(w) = public {
            req = req.public(w);
        }
        let mut op = self.begin(actor, req).await?;
        let (q, def) = super::load(&mut op, questionnaire_id, Some(cid.0)).await?;
        if def.status != "published" {
            return Err(ServiceError::Conflict(
                "このアンケートは現在回答を受け付けていません".into(),
            ));
        }
        match (def.mode, registration_id) {
            (Mode::Anonymous, Some(_)) => {
                return Err(ServiceError::Invalid(
                    "無記名のアンケートは申込みと結び付けられません".into(),
                ))
            }
            (Mode::Linked, None) => {
                return Err(ServiceError::Invalid(
                    "このアンケートは申込みと結び付けて回答します".into(),
                ))
            }
            (Mode::Linked, Some(r)) if op.tx.response_of_registration(q.id, r).await? => {
                return Err(ServiceError::Conflict(
                    "このお申込みのアンケートは回答済みです".into(),
                ))
            }
            _ => {}
        }
        let answers =
            check_answers(&def, raw).map_err(|p| ServiceError::Invalid(problems_message(&p)))?;
        let key = self.questionnaire_key(&q)?;
        let sealed = seal_json(&key, &answers_aad(q.id, "response"), &answers)?;
        let now = op.now_ts();
        let id = op
            .tx
            .insert_response(
                q.id,
                cid.0,
                q.version,
                "online",
                registration_id,
                None,
                &sealed,
                &now,
            )
            .await?;
        op.finish(
            &[],
            &format!(
                "questionnaire {} response {id} (online{})",
                q.id,
                registration_id
                    .map(|r| format!(", registration {r}"))
                    .unwrap_or_default()
            ),
        )
        .await?;
        Ok(id)
    }
}

/// A resident on a public page acts as the anonymous actor they are,
/// within the questionnaire purpose of the contract: the policy admits
/// them only through the public window (crates/policy/src/public.rs), to
/// read a published questionnaire and add their own answer.
fn resident(actor: &Actor, cid: ContractId) -> Result<Actor> {
    if actor.kind != ActorKind::Anonymous {
        return Err(ServiceError::Invalid(
            "公開ページの操作は未ログインの利用者として行います".into(),
        ));
    }
    Ok(actor
        .clone()
        .in_contract(cid, Some(crate::seminars::PURPOSE_ANKETO.to_owned())))
}

fn window(cid: ContractId) -> PublicWindow {
    PublicWindow {
        contract: cid,
        purpose: crate::seminars::PURPOSE_ANKETO.to_owned(),
    }
}
