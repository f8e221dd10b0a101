//! Building a questionnaire (the contractor, under the アンケート purpose),
//! the ward's approval of flagged questions, publishing and closing.

use super::{assemble, load, Mode, QuestionKind, QuestionnaireView};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_policy::{Action, Scope};
use itaku_store::NewQuestion;
use serde::Serialize;

const MAX_TITLE: usize = 100;
const MAX_QUESTION: usize = 300;
const MAX_CHOICE: usize = 100;
const MAX_CHOICES: usize = 20;
const MAX_QUESTIONS: usize = 60;

/// What the builder form sends for one question.
#[derive(Debug, Clone, Default)]
pub struct NewQuestionSpec {
    pub kind: String,
    pub text: String,
    pub required: bool,
    /// One choice per entry (single, multiple).
    pub choices: Vec<String>,
    /// Scale points and their end labels (scale).
    pub scale: (i64, i64),
    pub min_label: String,
    pub max_label: String,
    /// Show only if question `.0` (id) is or contains choice `.1` (1-based).
    pub show_if: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PublishOutcome {
    Published {
        version: i64,
    },
    /// Flagged questions without the ward's approval (their numbers).
    AwaitingApproval {
        questions: Vec<usize>,
    },
}

pub(crate) fn anketo_items() -> ItemSet {
    [Item::Anketo].into_iter().collect()
}

pub(crate) fn contract_of(actor: &Actor) -> Result<ContractId> {
    actor
        .contract
        .ok_or_else(|| ServiceError::Invalid("アンケートは委託契約の業務の中で扱います".into()))
}

pub(crate) fn limited(what: &str, s: &str, max: usize) -> Result<String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ServiceError::Invalid(format!("{what}を入力してください")));
    }
    if s.chars().count() > max {
        return Err(ServiceError::Invalid(format!(
            "{what}は {max} 文字以内にしてください"
        )));
    }
    Ok(s.to_owned())
}

impl Service {
    /// The contractor's work on questionnaires: write, アンケート only.
    pub(crate) async fn anketo_op(&self, actor: &Actor, target: &'static str) -> Result<Op<'_>> {
        let cid = contract_of(actor)?;
        self.begin(
            actor,
            OpRequest::new(Action::Write, Scope::Contract(cid), target).items(anketo_items()),
        )
        .await
    }

    /// Start a questionnaire (draft) with its own data key.
    pub async fn create_questionnaire(
        &self,
        actor: &Actor,
        title: &str,
        intro: &str,
        mode: Mode,
        event_id: Option<i64>,
    ) -> Result<i64> {
        let title = limited("表題", title, MAX_TITLE)?;
        let intro: String = intro.trim().chars().take(1000).collect();
        let mut op = self.anketo_op(actor, "questionnaire").await?;
        let cid = contract_of(actor)?.0;
        let token = itaku_crypto::random_token();
        let key = itaku_crypto::DataKey::generate();
        let wrapped = key.wrap(&self.inner.master, &super::key_aad(cid, &token))?;
        let key_id = format!("sha256:{}", itaku_crypto::sha256_hex(&wrapped));
        let now = op.now_ts();
        let who = op.actor_label().to_owned();
        let id = op
            .tx
            .insert_questionnaire(
                cid,
                event_id,
                &title,
                &intro,
                mode.code(),
                &token,
                &wrapped,
                &key_id,
                &now,
                &who,
            )
            .await?;
        op.finish(
            &[],
            &format!("questionnaire {id} created ({})", mode.code()),
        )
        .await?;
        Ok(id)
    }

    /// Add a question to a draft. The wording and choices go through the
    /// sensitive-content screen; a flagged question will need the ward's
    /// approval before publishing.
    pub async fn add_question(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        spec: &NewQuestionSpec,
    ) -> Result<i64> {
        let kind = QuestionKind::parse(&spec.kind)?;
        let text = limited("質問文", &spec.text, MAX_QUESTION)?;
        let choices: Vec<String> = spec
            .choices
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .map(|c| limited("選択肢", c, MAX_CHOICE))
            .collect::<Result<_>>()?;
        if kind.has_choices() && !(2..=MAX_CHOICES).contains(&choices.len()) {
            return Err(ServiceError::Invalid(format!(
                "選択肢は 2 個から {MAX_CHOICES} 個まで、1 行に 1 つずつ入力してください"
            )));
        }
        let scale = if kind == QuestionKind::Scale {
            let (lo, hi) = spec.scale;
            if !(0..=1).contains(&lo) || !(2..=10).contains(&hi) || hi <= lo {
                return Err(ServiceError::Invalid(
                    "段階は 0 または 1 から始まり、2〜10 までで指定してください".into(),
                ));
            }
            (lo, hi)
        } else {
            (0, 0)
        };
        let mut op = self.anketo_op(actor, "questionnaire").await?;
        let cid = contract_of(actor)?.0;
        let (q, view) = load(&mut op, questionnaire_id, Some(cid)).await?;
        if !view.editable() {
            return Err(ServiceError::Conflict(
                "公開したアンケートの質問は変えられません（版が固定されています）".into(),
            ));
        }
        if view.questions.len() >= MAX_QUESTIONS {
            return Err(ServiceError::Invalid(format!(
                "質問は {MAX_QUESTIONS} 問までです"
            )));
        }
        if let Some((on, choice)) = spec.show_if {
            let Some(target) = view.question(on) else {
                return Err(ServiceError::Invalid(
                    "表示の条件にする質問は、この質問より前の質問から選んでください".into(),
                ));
            };
            if !target.kind.has_choices() {
                return Err(ServiceError::Invalid(format!(
                    "表示の条件にできるのは選択式の質問です（問{}は{}）",
                    target.number,
                    target.kind.label()
                )));
            }
            if choice < 1 || choice as usize > target.choices.len() {
                return Err(ServiceError::Invalid(format!(
                    "問{}の選択肢は 1〜{} 番です",
                    target.number,
                    target.choices.len()
                )));
            }
        }
        let mut screened = itaku_jp::sensitive::screen(&text);
        for c in &choices {
            screened.extend(itaku_jp::sensitive::screen(c));
        }
        let mut flags: Vec<String> = screened
            .iter()
            .map(|f| format!("{}:{}", f.kind.code(), f.word))
            .collect();
        flags.dedup();
        let flags = flags.join(",");
        let position = view.questions.len() as i64 + 1;
        let id = op
            .tx
            .insert_question(&NewQuestion {
                questionnaire_id: q.id,
                contract_id: cid,
                position,
                kind: kind.code(),
                text: &text,
                required: spec.required,
                scale,
                labels: (spec.min_label.trim(), spec.max_label.trim()),
                show_if: spec.show_if,
                flags: &flags,
            })
            .await?;
        for (n, c) in choices.iter().enumerate() {
            op.tx.insert_choice(id, cid, n as i64 + 1, c).await?;
        }
        // An edit after the request for approval goes back to draft.
        let now = op.now_ts();
        op.tx
            .set_questionnaire_status(q.id, "awaiting_approval", "draft", None, &now)
            .await?;
        op.finish(
            &[],
            &format!(
                "questionnaire {}: question {id} added{}",
                q.id,
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(", flagged {flags}")
                }
            ),
        )
        .await?;
        Ok(id)
    }

    /// Remove a draft's question (and any question shown on its answer).
    pub async fn remove_question(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        question_id: i64,
    ) -> Result<()> {
        let mut op = self.anketo_op(actor, "questionnaire").await?;
        let cid = contract_of(actor)?.0;
        let (_, view) = load(&mut op, questionnaire_id, Some(cid)).await?;
        if !view.editable() {
            return Err(ServiceError::Conflict(
                "公開したアンケートの質問は変えられません（版が固定されています）".into(),
            ));
        }
        if view.question(question_id).is_none() {
            return Err(ServiceError::not_found());
        }
        if let Some(dep) = view
            .questions
            .iter()
            .find(|q| q.show_if.is_some_and(|c| c.question_id == question_id))
        {
            return Err(ServiceError::Conflict(format!(
                "問{}がこの質問の回答で表示されるため、先に問{}を削除してください",
                dep.number, dep.number
            )));
        }
        op.tx.delete_question(question_id).await?;
        op.finish(
            &[],
            &format!("questionnaire {questionnaire_id}: question {question_id} removed"),
        )
        .await
    }

    /// Publish: every flagged question needs the ward's approval of its
    /// current wording first. Publishing freezes the questions (the
    /// version answers are recorded against).
    pub async fn publish_questionnaire(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
    ) -> Result<PublishOutcome> {
        let mut op = self.anketo_op(actor, "questionnaire").await?;
        let cid = contract_of(actor)?.0;
        let (q, view) = load(&mut op, questionnaire_id, Some(cid)).await?;
        if !view.editable() {
            return Err(ServiceError::Conflict(format!(
                "このアンケートは「{}」のため公開できません",
                view.status_label()
            )));
        }
        if view.questions.is_empty() {
            return Err(ServiceError::Invalid(
                "質問を 1 問以上作ってください".into(),
            ));
        }
        let now = op.now_ts();
        let awaiting: Vec<usize> = view.awaiting().iter().map(|q| q.number).collect();
        if !awaiting.is_empty() {
            op.tx
                .set_questionnaire_status(q.id, &q.status, "awaiting_approval", None, &now)
                .await?;
            op.finish(
                &[],
                &format!(
                    "questionnaire {}: awaiting ward approval of {awaiting:?}",
                    q.id
                ),
            )
            .await?;
            return Ok(PublishOutcome::AwaitingApproval {
                questions: awaiting,
            });
        }
        op.tx
            .set_questionnaire_status(q.id, &q.status, "published", Some("published_at"), &now)
            .await?;
        let version = q.version + 1;
        op.finish(
            &[],
            &format!("questionnaire {}: published as version {version}", q.id),
        )
        .await?;
        Ok(PublishOutcome::Published { version })
    }

    /// Stop taking answers.
    pub async fn close_questionnaire(&self, actor: &Actor, questionnaire_id: i64) -> Result<()> {
        let mut op = self.anketo_op(actor, "questionnaire").await?;
        let cid = contract_of(actor)?.0;
        let (q, _) = load(&mut op, questionnaire_id, Some(cid)).await?;
        let now = op.now_ts();
        if !op
            .tx
            .set_questionnaire_status(q.id, "published", "closed", Some("closed_at"), &now)
            .await?
        {
            return Err(ServiceError::Conflict(
                "回答受付中のアンケートだけを締め切れます".into(),
            ));
        }
        op.finish(&[], &format!("questionnaire {}: closed", q.id))
            .await
    }

    /// The contract's questionnaires (definitions: no answers). The
    /// contractor under its purpose, and the ward's staff (ledger read).
    pub async fn questionnaires(&self, actor: &Actor) -> Result<Vec<QuestionnaireView>> {
        let cid = contract_of(actor)?;
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(cid), "questionnaire"),
            )
            .await?;
        let mut out = Vec::new();
        for q in op.tx.questionnaires(cid.0).await? {
            out.push(assemble(&mut op, &q).await?);
        }
        op.finish(&[], &format!("{} questionnaires", out.len()))
            .await?;
        Ok(out)
    }

    /// One questionnaire's definition.
    pub async fn questionnaire(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
    ) -> Result<QuestionnaireView> {
        let cid = contract_of(actor)?;
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Scope::Contract(cid), "questionnaire"),
            )
            .await?;
        let (_, view) = load(&mut op, questionnaire_id, Some(cid.0)).await?;
        op.finish(&[], &format!("questionnaire {questionnaire_id}"))
            .await?;
        Ok(view)
    }
}
