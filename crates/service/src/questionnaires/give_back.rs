//! 「アンケート集計後、アンケートを返却させ、集計結果は削除させる」:
//! every aggregated questionnaire of a contract comes back to the ward (the
//! responses and the aggregate, sealed with the ward vault's key, with a
//! return line on the 情報管理台帳), then the contractor's responses,
//! keyings and aggregate copy are deleted and the questionnaire's own key
//! destroyed, and a signed certificate says what was done. Run by the job
//! runner as the retention action `return_questionnaires`.

use super::certificate::{
    signing_message, QuestionnaireErasureCertificate, SignedQuestionnaireCertificate,
    QUESTIONNAIRE_CERTIFICATE_FORMAT, QUESTIONNAIRE_ERASURE_METHOD,
};
use super::{answers_aad, assemble, open_json};
use crate::certificate::CertifiedCheckpoint;
use crate::error::{Result, ServiceError};
use crate::ledger::{Channel, Direction, Movement};
use crate::op::OpRequest;
use crate::{Actor, Service};
use itaku_core::{ContractId, Item, ItemSet};
use itaku_policy::{Action, Scope};
use serde::Serialize;

/// What one run returned and erased.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionnairesReturned {
    pub contract_id: i64,
    /// (questionnaire id, return id, responses).
    pub returned: Vec<(i64, i64, i64)>,
}

/// The ward's record of a returned questionnaire.
#[derive(Debug, Clone, Serialize)]
pub struct AnketoReturnView {
    pub id: i64,
    pub questionnaire_id: i64,
    pub title: String,
    pub responses: i64,
    pub digest: String,
    pub returned_at: String,
    pub certificate: Option<SignedQuestionnaireCertificate>,
}

struct Erased {
    return_id: i64,
    questionnaire_id: i64,
    title: String,
    responses: i64,
    digest: String,
    deleted: (i64, i64, i64),
    aggregate: bool,
    key_id: String,
    at: String,
}

impl Service {
    /// Return and erase every aggregated questionnaire of a contract (the
    /// retention action; a system actor). A questionnaire is returned and
    /// erased in one operation, so a crash leaves it either untouched or
    /// done; its certificate follows.
    pub async fn return_questionnaires(
        &self,
        sys: &Actor,
        contract_id: i64,
    ) -> Result<QuestionnairesReturned> {
        let ids: Vec<i64> = {
            let mut tx = self.inner.store.begin().await?;
            let rows = tx.questionnaires(contract_id).await?;
            tx.rollback().await?;
            rows.into_iter()
                .filter(|q| q.status == "aggregated")
                .map(|q| q.id)
                .collect()
        };
        let mut returned = Vec::new();
        for id in ids {
            let e = self.return_one(sys, contract_id, id).await?;
            self.certify_questionnaire(sys, contract_id, &e).await?;
            returned.push((e.questionnaire_id, e.return_id, e.responses));
        }
        Ok(QuestionnairesReturned {
            contract_id,
            returned,
        })
    }

    async fn return_one(&self, sys: &Actor, contract_id: i64, id: i64) -> Result<Erased> {
        let items: ItemSet = [Item::Anketo].into_iter().collect();
        let mut op = self
            .begin(
                sys,
                OpRequest::new(
                    Action::Provision,
                    Scope::Contract(ContractId(contract_id)),
                    "questionnaire_return",
                )
                .items(items.clone()),
            )
            .await?;
        let q = op
            .tx
            .questionnaire(id)
            .await?
            .filter(|q| q.contract_id == contract_id && q.status == "aggregated")
            .ok_or_else(ServiceError::not_found)?;
        let def = assemble(&mut op, &q).await?;
        let responses = self.open_responses(&mut op, &q).await?;
        let key = self.questionnaire_key(&q)?;
        let aggregate: Option<serde_json::Value> = match &q.aggregate {
            Some(a) => Some(open_json(&key, &answers_aad(q.id, "aggregate"), a)?),
            None => None,
        };
        let content = serde_json::to_vec(&serde_json::json!({
            "questionnaire": def,
            "responses": responses,
            "aggregate": aggregate,
        }))
        .map_err(|e| ServiceError::Internal(format!("返却データの変換: {e}")))?;
        let digest = itaku_crypto::sha256_hex(&content);
        let (ward, ward_key) = self.vault(&mut op.tx, None).await?;
        let sealed = ward_key.seal(
            format!("v{}/anketo-return/{}", ward.id, q.id).as_bytes(),
            &content,
        )?;
        let now = op.now_ts();
        let n = responses.len() as i64;
        let return_id = op
            .tx
            .insert_anketo_return(q.id, contract_id, &q.title, n, &digest, &sealed, &now)
            .await?;
        op.record_movement(Movement {
            contract_id,
            direction: Direction::Return,
            channel: Channel::Vault,
            campaign_id: None,
            list_id: None,
            records: n,
            items: &items,
            digest: &digest,
            package: None,
            counterpart: None,
        })
        .await?;
        let deleted = op.tx.delete_questionnaire_answers(q.id).await?;
        op.tx.set_questionnaire_aggregate(q.id, None).await?;
        op.tx.destroy_questionnaire_key(q.id).await?;
        op.tx
            .set_questionnaire_status(q.id, "aggregated", "returned", Some("returned_at"), &now)
            .await?;
        op.finish(
            &[],
            &format!(
                "questionnaire {} returned ({n} responses, sha256={digest}) and erased: {} responses, {} sheets, {} keyings deleted, key {} destroyed",
                q.id, deleted.0, deleted.1, deleted.2, q.key_id
            ),
        )
        .await?;
        Ok(Erased {
            return_id,
            questionnaire_id: q.id,
            title: q.title,
            responses: n,
            digest,
            deleted,
            aggregate: q.aggregate.is_some(),
            key_id: q.key_id,
            at: now,
        })
    }

    async fn certify_questionnaire(&self, sys: &Actor, contract_id: i64, e: &Erased) -> Result<()> {
        let cp = self.audit_checkpoint(sys).await?;
        let mut op = self
            .begin(
                sys,
                OpRequest::new(
                    Action::Erase,
                    Scope::Contract(ContractId(contract_id)),
                    "questionnaire_certificate",
                ),
            )
            .await?;
        let contract = op
            .tx
            .contract(contract_id)
            .await?
            .ok_or_else(ServiceError::not_found)?;
        let contractor = op
            .tx
            .org(contract.contractor_org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let now = op.now_ts();
        let certificate = QuestionnaireErasureCertificate {
            format: QUESTIONNAIRE_CERTIFICATE_FORMAT.into(),
            return_id: e.return_id,
            questionnaire_id: e.questionnaire_id,
            title: e.title.clone(),
            contract_id,
            contract: contract.name,
            contractor,
            returned_responses: e.responses,
            returned_digest: e.digest.clone(),
            deleted_responses: e.deleted.0,
            deleted_sheets: e.deleted.1,
            deleted_keyings: e.deleted.2,
            deleted_aggregate: e.aggregate,
            key_id: e.key_id.clone(),
            key_destroyed_at: e.at.clone(),
            method: QUESTIONNAIRE_ERASURE_METHOD.into(),
            purge: "データベースの空き領域は上書きしていません（残るのは破棄した鍵でしか開けない暗号文です）".into(),
            backend: self.backend_name().into(),
            issued_at: now.clone(),
            operator: op.actor_label().to_owned(),
            audit_checkpoint: CertifiedCheckpoint {
                seq: cp.seq,
                hash: cp.hash,
                signature: cp.signature,
                signed_at: cp.signed_at,
            },
            public_key: cp.public_key,
        };
        let signature = hex::encode(self.inner.signer.sign(&signing_message(&certificate)?));
        let signed = SignedQuestionnaireCertificate {
            certificate,
            signature,
        };
        op.tx
            .set_anketo_return_certificate(e.return_id, &signed.to_json()?)
            .await?;
        op.finish(
            &[],
            &format!(
                "questionnaire {}: certificate of erasure issued (return {})",
                e.questionnaire_id, e.return_id
            ),
        )
        .await
    }

    /// The ward's returned questionnaires of a contract, with their
    /// certificates (ward staff: the ledger's read, no answers).
    pub async fn questionnaire_returns(
        &self,
        actor: &Actor,
        contract_id: i64,
    ) -> Result<Vec<AnketoReturnView>> {
        let mut op = self
            .begin_read(
                actor,
                OpRequest::new(
                    Action::Read,
                    Scope::Contract(ContractId(contract_id)),
                    "questionnaire_return",
                ),
            )
            .await?;
        let rows = op.tx.anketo_returns(contract_id).await?;
        let out = rows
            .iter()
            .map(super::returned::view_of)
            .collect::<Result<Vec<_>>>()?;
        op.finish(&[], &format!("{} questionnaire returns", out.len()))
            .await?;
        Ok(out)
    }

    /// The audit public key certificates are checked against.
    pub fn audit_verifying_key(&self) -> itaku_crypto::VerifyingKey {
        self.inner.signer.verifying_key()
    }
}
