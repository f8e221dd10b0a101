//! A registrant answers their event's questionnaire from the private link
//! they were given at registration (the questionnaire's linked mode): the
//! link's token names the registration, so the answer is tied to it and
//! can be given once. Only a registration with a seat can answer, and only
//! until the participant data goes back to the ward (the registration and
//! its token are erased then; the paper form or an anonymous questionnaire
//! remain for later answers).

use crate::error::{Result, ServiceError};
use crate::questionnaires::{Mode, QuestionnaireView, RawAnswers};
use crate::{Actor, Service};
use itaku_core::ContractId;
use itaku_store::{QuestionnaireRow, RegistrationRow};

impl Service {
    /// The registration behind a private link and its event's published,
    /// linked questionnaire, if there is one.
    async fn linked_of_token(
        &self,
        token: &str,
    ) -> Result<Option<(RegistrationRow, QuestionnaireRow)>> {
        let mut tx = self.inner.store.begin().await?;
        let Some(reg) = tx
            .registration_by_token(&itaku_crypto::token_digest(token))
            .await?
        else {
            tx.rollback().await?;
            return Err(ServiceError::not_found());
        };
        let q = tx
            .questionnaires(reg.contract_id)
            .await?
            .into_iter()
            .find(|q| {
                q.event_id == Some(reg.event_id)
                    && q.mode == Mode::Linked.code()
                    && q.status == "published"
            });
        tx.rollback().await?;
        Ok(q.map(|q| (reg, q)))
    }

    /// The questionnaire a registrant can answer from their private page
    /// (none when the event has no linked questionnaire open).
    pub async fn registrant_questionnaire(
        &self,
        actor: &Actor,
        token: &str,
    ) -> Result<Option<QuestionnaireView>> {
        match self.linked_of_token(token).await? {
            Some((reg, q)) if reg.status == "registered" => {
                Ok(Some(self.public_questionnaire(actor, &q.token).await?))
            }
            _ => Ok(None),
        }
    }

    /// Record a registrant's answer to their event's questionnaire.
    pub async fn registrant_answer(
        &self,
        actor: &Actor,
        token: &str,
        raw: &RawAnswers,
    ) -> Result<i64> {
        let Some((reg, q)) = self.linked_of_token(token).await? else {
            return Err(ServiceError::Invalid(
                "このイベントには、お答えいただけるアンケートがありません".into(),
            ));
        };
        if reg.status != "registered" {
            return Err(ServiceError::Invalid(
                "キャンセルされたお申込みや、キャンセル待ちのお申込みからは回答できません".into(),
            ));
        }
        self.registrant_answer_for(actor, ContractId(reg.contract_id), q.id, reg.id, raw)
            .await
    }
}
