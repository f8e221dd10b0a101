//! The ward reading what came back: the returned questionnaires of every
//! seminar contract (title, count, digest, the certificate and whether its
//! signature holds), and one returned questionnaire opened with the ward's
//! key — every answer is the ward's own data now — aggregated the same way
//! the contractor did, with each free-text answer listed.

use super::aggregate::{aggregate, Aggregate};
use super::give_back::AnketoReturnView;
use super::{Answer, Answers, QuestionnaireView, SignedQuestionnaireCertificate};
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_core::{Item, ItemSet};
use itaku_policy::{Action, Scope};
use itaku_store::AnketoReturnRow;
use serde::Deserialize;

/// A returned questionnaire, opened for the ward.
#[derive(Debug, Clone)]
pub struct ReturnedQuestionnaire {
    pub ret: AnketoReturnView,
    pub definition: QuestionnaireView,
    pub aggregate: Aggregate,
    /// Free-text answers: (問 number, question, every answer).
    pub texts: Vec<(usize, String, Vec<String>)>,
    /// The content's SHA-256 is the one recorded at the return.
    pub digest_ok: bool,
    /// The certificate's signature holds against this system's key.
    pub certificate_ok: bool,
}

#[derive(Deserialize)]
struct Content {
    questionnaire: QuestionnaireView,
    responses: Vec<(String, Answers)>,
}

pub(super) fn view_of(r: &AnketoReturnRow) -> Result<AnketoReturnView> {
    Ok(AnketoReturnView {
        id: r.id,
        questionnaire_id: r.questionnaire_id,
        title: r.title.clone(),
        responses: r.responses,
        digest: r.digest.clone(),
        returned_at: r.returned_at.clone(),
        certificate: r
            .certificate
            .as_deref()
            .map(SignedQuestionnaireCertificate::from_json)
            .transpose()?,
    })
}

impl Service {
    /// Every questionnaire returned to the ward, newest first (no answers).
    pub async fn returned_questionnaires(&self, actor: &Actor) -> Result<Vec<AnketoReturnView>> {
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "questionnaire_return"),
            )
            .await?;
        let out = op
            .tx
            .all_anketo_returns()
            .await?
            .iter()
            .map(view_of)
            .collect::<Result<Vec<_>>>()?;
        op.finish(&[], &format!("{} questionnaire returns", out.len()))
            .await?;
        Ok(out)
    }

    /// One returned questionnaire opened with the ward's key, aggregated
    /// with cells under `threshold` suppressed (for what the ward will
    /// publish); the free text is listed in full. An audited read.
    pub async fn returned_questionnaire(
        &self,
        actor: &Actor,
        return_id: i64,
        threshold: u64,
    ) -> Result<ReturnedQuestionnaire> {
        if !(2..=100).contains(&threshold) {
            return Err(ServiceError::Invalid(
                "秘匿の基準は 2〜100 人で指定してください".into(),
            ));
        }
        let items: ItemSet = [Item::Anketo].into_iter().collect();
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(Action::Read, Scope::Ward, "questionnaire_return").items(items),
            )
            .await?;
        let Some(row) = op.tx.anketo_return(return_id).await? else {
            op.finish(&[return_id], "questionnaire return not found")
                .await?;
            return Err(ServiceError::not_found());
        };
        let (ward, key) = self.vault(&mut op.tx, None).await?;
        let plain = key.open(
            format!("v{}/anketo-return/{}", ward.id, row.questionnaire_id).as_bytes(),
            &row.content,
        )?;
        let digest_ok = itaku_crypto::sha256_hex(&plain) == row.digest;
        let content: Content =
            serde_json::from_slice(&plain).map_err(crate::error::corrupt_record("返却データ"))?;
        let ret = view_of(&row)?;
        let certificate_ok = ret
            .certificate
            .as_ref()
            .is_some_and(|c| c.verify(&self.audit_verifying_key()).is_ok());
        let def = content.questionnaire;
        let texts = def
            .questions
            .iter()
            .filter(|q| q.kind.code() == "text")
            .map(|q| {
                let all = content
                    .responses
                    .iter()
                    .filter_map(|(_, a)| match a.get(&q.id) {
                        Some(Answer::Text(t)) if !t.trim().is_empty() => Some(t.clone()),
                        _ => None,
                    })
                    .collect();
                (q.number, q.text.clone(), all)
            })
            .collect();
        let aggregate = aggregate(&def, &content.responses, threshold);
        op.finish(
            &[return_id],
            &format!(
                "questionnaire return {return_id} opened ({} responses)",
                content.responses.len()
            ),
        )
        .await?;
        Ok(ReturnedQuestionnaire {
            ret,
            definition: def,
            aggregate,
            texts,
            digest_ok,
            certificate_ok,
        })
    }
}
