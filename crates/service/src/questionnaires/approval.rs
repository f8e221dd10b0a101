//! The ward's side of a questionnaire: the questions waiting for its
//! approval, and the recorded approval (who, when, why) of one flagged
//! question's wording.

use super::build::limited;
use super::{assemble, load, question_digest, QuestionnaireView};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_policy::{Action, Scope};

impl Service {
    /// Questionnaires of every contract waiting for the ward's approval
    /// (ward staff).
    pub async fn questionnaires_awaiting_approval(
        &self,
        actor: &Actor,
    ) -> Result<Vec<QuestionnaireView>> {
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "questionnaire"),
            )
            .await?;
        let mut out = Vec::new();
        for q in op.tx.questionnaires_in("awaiting_approval").await? {
            out.push(assemble(&mut op, &q).await?);
        }
        op.finish(&[], &format!("{} awaiting approval", out.len()))
            .await?;
        Ok(out)
    }

    /// The ward records its approval of a flagged question, with a reason
    /// (ward staff, the ward's own decision). Bound to the wording it saw.
    pub async fn approve_question(
        &self,
        actor: &Actor,
        questionnaire_id: i64,
        question_id: i64,
        reason: &str,
    ) -> Result<()> {
        let reason = limited("承認の理由", reason, 500)?;
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Write, Scope::Ward, "questionnaire_approval"),
            )
            .await?;
        let (q, view) = load(&mut op, questionnaire_id, None).await?;
        if !view.editable() {
            return Err(ServiceError::Conflict(
                "公開前のアンケートの質問だけを承認できます".into(),
            ));
        }
        let question = view
            .question(question_id)
            .ok_or_else(ServiceError::not_found)?;
        if question.flags.is_empty() {
            return Err(ServiceError::Invalid(
                "この質問は承認の必要な内容を含んでいません".into(),
            ));
        }
        let row = op
            .tx
            .question(question_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let digest = question_digest(&question.text, &question.choices);
        let now = op.now_ts();
        let who = op.actor_label().to_owned();
        let uid = op.actor_user();
        op.tx
            .insert_approval(
                question_id,
                q.contract_id,
                &digest,
                &row.flags,
                &reason,
                &who,
                uid,
                &now,
            )
            .await?;
        op.finish(
            &[],
            &format!(
                "contract {} questionnaire {} question {question_id} approved: {reason}",
                q.contract_id, q.id
            ),
        )
        .await
    }
}
