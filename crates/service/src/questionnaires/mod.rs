//! Questionnaires (アンケート, seed 003): the contractor builds one under
//! the アンケート purpose, residents answer it online on a public page or on
//! paper (keyed twice), the contractor aggregates it with small cells
//! suppressed, and when aggregation is reported done the ward's retention
//! rule returns the questionnaires and erases the contractor's copy
//! (「アンケート集計後、アンケートを返却させ、集計結果は削除させる」).
//!
//! Answers are personal data (free text above all): each questionnaire
//! has its own data key, wrapped under the master key, and every answer,
//! keying and the aggregate copy is sealed with it. Returning a
//! questionnaire destroys that key, so its erasure is cryptographic even
//! though the contract (and its vault) goes on.

mod aggregate;
mod answer;
mod approval;
mod build;
mod certificate;
pub mod demo;
mod export;
mod give_back;
mod paper;
mod report;
mod returned;

pub use aggregate::{
    aggregate, cross_tab, Aggregate, CountCell, CountRow, CrossTab, QuestionAggregate,
};
pub use answer::{check_answers, shown, AnswerProblem, RawAnswers};
pub use build::{NewQuestionSpec, PublishOutcome};
pub use certificate::{QuestionnaireErasureCertificate, SignedQuestionnaireCertificate};
pub use export::{aggregate_csv, aggregate_svg};
pub use give_back::{AnketoReturnView, QuestionnairesReturned};
pub use paper::{KeyingOutcome, SheetDiff, SheetView};
pub use report::Results;
pub use returned::ReturnedQuestionnaire;

use crate::error::{Result, ServiceError};
use crate::op::Op;
use crate::Service;
use itaku_crypto::DataKey;
use itaku_store::{ChoiceRow, QuestionRow, QuestionnaireRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Cells under this many respondents are shown as 「<5」 by default.
pub const DEFAULT_THRESHOLD: u64 = 5;
/// Longest free-text answer kept, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Anonymous, or tied to an event registration (the events module hands
/// over a registration id it verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Anonymous,
    Linked,
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Anonymous => "anonymous",
            Mode::Linked => "linked",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Mode::Anonymous => "無記名",
            Mode::Linked => "申込みと結び付ける",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "anonymous" => Ok(Mode::Anonymous),
            "linked" => Ok(Mode::Linked),
            _ => Err(ServiceError::Invalid(
                "回答方式は「無記名」か「申込みと結び付ける」を選んでください".into(),
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    Scale,
    Text,
}

impl QuestionKind {
    pub fn code(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Scale => "scale",
            QuestionKind::Text => "text",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "ひとつ選ぶ",
            QuestionKind::Multiple => "いくつでも選ぶ",
            QuestionKind::Scale => "段階で答える",
            QuestionKind::Text => "自由に書く",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "single" => Ok(QuestionKind::Single),
            "multiple" => Ok(QuestionKind::Multiple),
            "scale" => Ok(QuestionKind::Scale),
            "text" => Ok(QuestionKind::Text),
            _ => Err(ServiceError::Invalid("質問の種類を選んでください".into())),
        }
    }
    pub fn has_choices(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }
}

/// One answer, as sealed. Choices are 1-based positions, as printed on
/// the paper form and keyed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Choice(i64),
    Choices(Vec<i64>),
    Scale(i64),
    Text(String),
}

/// A response: question id → answer (questions left blank or hidden are
/// absent).
pub type Answers = BTreeMap<i64, Answer>;

/// Shown only if an earlier question's answer is (single) or contains
/// (multiple) one choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub question_id: i64,
    /// 1-based position of the choice.
    pub choice: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: i64,
    /// 1-based number as printed (問1, 問2 …).
    pub number: usize,
    pub kind: QuestionKind,
    pub text: String,
    pub required: bool,
    pub choices: Vec<String>,
    pub scale: (i64, i64),
    pub min_label: String,
    pub max_label: String,
    pub show_if: Option<Condition>,
    /// What the screen found (labels), empty when clean.
    pub flags: Vec<String>,
    /// The ward's approval for the current wording, if flagged.
    pub approval: Option<ApprovalView>,
}

impl QuestionView {
    pub fn needs_approval(&self) -> bool {
        !self.flags.is_empty() && self.approval.is_none()
    }
    /// The scale's points, low to high.
    pub fn scale_points(&self) -> Vec<i64> {
        (self.scale.0..=self.scale.1).collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApprovalView {
    pub reason: String,
    pub approved_by: String,
    pub approved_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuestionnaireView {
    pub id: i64,
    pub contract_id: i64,
    pub event_id: Option<i64>,
    pub title: String,
    pub intro: String,
    pub mode: Mode,
    /// draft, awaiting_approval, published, closed, aggregated, returned.
    pub status: String,
    pub version: i64,
    /// The public page's token (/q/{token}).
    pub token: String,
    pub questions: Vec<QuestionView>,
    pub created_at: String,
    pub published_at: Option<String>,
    pub aggregated_at: Option<String>,
    pub returned_at: Option<String>,
}

impl QuestionnaireView {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
    pub fn editable(&self) -> bool {
        matches!(self.status.as_str(), "draft" | "awaiting_approval")
    }
    pub fn awaiting(&self) -> Vec<&QuestionView> {
        self.questions
            .iter()
            .filter(|q| q.needs_approval())
            .collect()
    }
    pub fn question(&self, id: i64) -> Option<&QuestionView> {
        self.questions.iter().find(|q| q.id == id)
    }
}

pub fn status_label(s: &str) -> &'static str {
    match s {
        "draft" => "作成中",
        "awaiting_approval" => "区の承認待ち",
        "published" => "回答受付中",
        "closed" => "受付終了",
        "aggregated" => "集計完了",
        "returned" => "返却・消去済み",
        _ => "不明",
    }
}

/// The digest a ward approval is bound to: the question's wording and
/// choices as the ward saw them.
pub(crate) fn question_digest(text: &str, choices: &[String]) -> String {
    let mut s = text.to_owned();
    for c in choices {
        s.push('\u{1f}');
        s.push_str(c);
    }
    itaku_crypto::sha256_hex(s.as_bytes())
}

/// The aad a questionnaire's key is wrapped under: bound to the contract
/// and the questionnaire's token, so a wrapped key copied elsewhere fails.
pub(crate) fn key_aad(contract_id: i64, token: &str) -> String {
    format!("anketo-q/{contract_id}/{token}")
}

pub(crate) fn answers_aad(questionnaire_id: i64, part: &str) -> Vec<u8> {
    format!("anketo/{questionnaire_id}/{part}").into_bytes()
}

pub(crate) fn seal_json<T: Serialize>(key: &DataKey, aad: &[u8], v: &T) -> Result<Vec<u8>> {
    let bytes =
        serde_json::to_vec(v).map_err(|e| ServiceError::Internal(format!("記録の変換: {e}")))?;
    Ok(key.seal(aad, &bytes)?)
}

pub(crate) fn open_json<T: serde::de::DeserializeOwned>(
    key: &DataKey,
    aad: &[u8],
    sealed: &[u8],
) -> Result<T> {
    serde_json::from_slice(&key.open(aad, sealed)?)
        .map_err(crate::error::corrupt_record("アンケートの記録"))
}

pub(crate) fn flag_labels(codes: &str) -> Vec<String> {
    codes
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| {
            itaku_jp::sensitive::Forbidden::ALL
                .iter()
                .find(|f| f.code() == c.split(':').next().unwrap_or_default())
                .map(|f| {
                    let word = c.split(':').nth(1).unwrap_or_default();
                    format!("{}（「{word}」）", f.label())
                })
                .unwrap_or_else(|| c.to_owned())
        })
        .collect()
}

impl Service {
    /// The questionnaire's data key (refused once destroyed).
    pub(crate) fn questionnaire_key(&self, q: &QuestionnaireRow) -> Result<DataKey> {
        let wrapped = q
            .wrapped_key
            .as_deref()
            .ok_or_else(|| ServiceError::Conflict("このアンケートは返却・消去済みです".into()))?;
        Ok(DataKey::unwrap(
            &self.inner.master,
            &key_aad(q.contract_id, &q.token),
            wrapped,
        )?)
    }
}

/// A questionnaire with its questions, choices and approvals, read in `op`.
/// `contract` limits it to one contract (anything else looks absent).
pub(crate) async fn load(
    op: &mut Op<'_>,
    id: i64,
    contract: Option<i64>,
) -> Result<(QuestionnaireRow, QuestionnaireView)> {
    let q = op
        .tx
        .questionnaire(id)
        .await?
        .filter(|q| contract.is_none_or(|c| c == q.contract_id))
        .ok_or_else(ServiceError::not_found)?;
    let view = assemble(op, &q).await?;
    Ok((q, view))
}

pub(crate) async fn assemble(op: &mut Op<'_>, q: &QuestionnaireRow) -> Result<QuestionnaireView> {
    let rows = op.tx.questions(q.id).await?;
    let choices = op.tx.questionnaire_choices(q.id).await?;
    let approvals = op.tx.questionnaire_approvals(q.id).await?;
    let mut questions = Vec::with_capacity(rows.len());
    for (n, r) in rows.iter().enumerate() {
        questions.push(question_view(n + 1, r, &choices, &approvals)?);
    }
    Ok(QuestionnaireView {
        id: q.id,
        contract_id: q.contract_id,
        event_id: q.event_id,
        title: q.title.clone(),
        intro: q.intro.clone(),
        mode: Mode::parse(&q.mode)?,
        status: q.status.clone(),
        version: q.version,
        token: q.token.clone(),
        questions,
        created_at: q.created_at.clone(),
        published_at: q.published_at.clone(),
        aggregated_at: q.aggregated_at.clone(),
        returned_at: q.returned_at.clone(),
    })
}

fn question_view(
    number: usize,
    r: &QuestionRow,
    choices: &[ChoiceRow],
    approvals: &[itaku_store::ApprovalRow],
) -> Result<QuestionView> {
    let labels: Vec<String> = choices
        .iter()
        .filter(|c| c.question_id == r.id)
        .map(|c| c.label.clone())
        .collect();
    let digest = question_digest(&r.text, &labels);
    let approval = approvals
        .iter()
        .rev()
        .find(|a| a.question_id == r.id && a.text_digest == digest)
        .map(|a| ApprovalView {
            reason: a.reason.clone(),
            approved_by: a.approved_by.clone(),
            approved_at: a.approved_at.clone(),
        });
    Ok(QuestionView {
        id: r.id,
        number,
        kind: QuestionKind::parse(&r.kind)?,
        text: r.text.clone(),
        required: r.required != 0,
        choices: labels,
        scale: (r.scale_min, r.scale_max),
        min_label: r.min_label.clone(),
        max_label: r.max_label.clone(),
        show_if: r
            .show_if_question
            .zip(r.show_if_choice)
            .map(|(question_id, choice)| Condition {
                question_id,
                choice,
            }),
        flags: flag_labels(&r.flags),
        approval: if r.flags.is_empty() { None } else { approval },
    })
}
