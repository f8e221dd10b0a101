//! Step (e): the certificate, built from the erasure record and signed.

use super::{crash_point, missing, ErasureStep};
use crate::certificate::{
    signing_message, CertifiedCheckpoint, CertifiedContract, DestroyedKey, ErasureCertificate,
    RecordCounts, SignedCertificate, CERTIFICATE_FORMAT, ERASURE_METHOD,
};
use crate::error::{Result, ServiceError};
use crate::op::Op;
use crate::{Actor, Checkpoint, Service};
use itaku_core::ContractId;
use itaku_store::ErasureRow;

impl Service {
    /// (e) A signed checkpoint of the audit chain, then the certificate.
    pub(super) async fn certify_step(&self, sys: &Actor, row: &ErasureRow) -> Result<()> {
        let cp = self.audit_checkpoint(sys).await?;
        let items: Vec<String> = self
            .contract_items(ContractId(row.contract_id))
            .await?
            .iter()
            .map(|i| i.label().to_owned())
            .collect();
        let mut op = self.step_op(sys, row, "certificate").await?;
        let now = op.now_ts();
        let Some(row) = op.tx.erasure(row.id).await? else {
            return Err(ServiceError::not_found());
        };
        if row.state != ErasureStep::Purged.code() {
            return Ok(());
        }
        let certificate = self
            .build_certificate(&mut op, &row, cp, items, &now)
            .await?;
        let signature = hex::encode(self.inner.signer.sign(&signing_message(&certificate)?));
        let signed = SignedCertificate {
            certificate,
            signature,
        };
        if !op
            .tx
            .erasure_certified(row.id, &signed.to_json()?, &now)
            .await?
        {
            return Ok(());
        }
        op.finish(
            &[],
            &format!(
                "erasure {}: certificate issued (audit checkpoint {})",
                row.id, signed.certificate.audit_checkpoint.seq
            ),
        )
        .await?;
        crash_point(ErasureStep::Certified);
        Ok(())
    }

    async fn build_certificate(
        &self,
        op: &mut Op<'_>,
        row: &ErasureRow,
        cp: Checkpoint,
        items: Vec<String>,
        now: &str,
    ) -> Result<ErasureCertificate> {
        let contract = op
            .tx
            .contract(row.contract_id)
            .await?
            .ok_or_else(|| missing("契約"))?;
        let contractor = op
            .tx
            .org(contract.contractor_org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let job = op
            .tx
            .jobs()
            .await?
            .into_iter()
            .find(|j| j.id == contract.job_id)
            .map(|j| j.name)
            .unwrap_or_default();
        let vault = op
            .tx
            .vault_for(Some(row.contract_id))
            .await?
            .ok_or_else(|| missing("金庫"))?;
        if vault.wrapped_key.is_some() {
            // Never a certificate while the key could still be read.
            return Err(ServiceError::Internal(
                "金庫の鍵が残っているため証明書を発行できません".into(),
            ));
        }
        let deleted = RecordCounts {
            persons: row.deleted_persons.unwrap_or_default(),
            search_tokens: row.deleted_search_tokens.unwrap_or_default(),
            campaign_members: row.deleted_campaign_members.unwrap_or_default(),
            print_items: row.deleted_print_items.unwrap_or_default(),
            list_members: row.deleted_list_members.unwrap_or_default(),
        };
        let at = |v: &Option<String>, what: &str| v.clone().ok_or_else(|| missing(what));
        Ok(ErasureCertificate {
            format: CERTIFICATE_FORMAT.into(),
            erasure_id: row.id,
            dataset: format!(
                "委託契約「{}」の契約金庫（受託者 {} に提供した個人情報の暗号化された記録）と、それを参照する検索索引・勧奨対象者・印刷の記録",
                contract.name, contractor
            ),
            contract: CertifiedContract {
                id: contract.id,
                name: contract.name,
                contractor,
                job,
                starts_on: contract.starts_on,
                ends_on: contract.ends_on,
            },
            items,
            recorded: RecordCounts {
                persons: row.persons,
                search_tokens: row.search_tokens,
                campaign_members: row.campaign_members,
                print_items: row.print_items,
                list_members: row.list_members,
            },
            deleted,
            keys_destroyed: vec![DestroyedKey {
                vault_id: row.vault_id,
                key_id: row.key_id.clone(),
                destroyed_at: vault
                    .destroyed_at
                    .clone()
                    .or_else(|| row.keys_destroyed_at.clone())
                    .ok_or_else(|| missing("鍵の破棄日時"))?,
            }],
            method: ERASURE_METHOD.into(),
            purge: row.purge_method.clone().unwrap_or_default(),
            backend: self.backend_name().into(),
            requested_at: row.requested_at.clone(),
            keys_destroyed_at: at(&row.keys_destroyed_at, "鍵の破棄日時")?,
            rows_deleted_at: at(&row.rows_deleted_at, "削除日時")?,
            purged_at: at(&row.purged_at, "空き領域の消去日時")?,
            issued_at: now.to_owned(),
            operator: row.operator.clone(),
            operator_user_id: row.requested_by,
            waiver: row.waiver.clone(),
            open_campaigns: row.open_campaigns,
            audit_checkpoint: CertifiedCheckpoint {
                seq: cp.seq,
                hash: cp.hash,
                signature: cp.signature,
                signed_at: cp.signed_at,
            },
            public_key: cp.public_key,
        })
    }
}
