//! Erasure records: the list, a stored certificate, and the check of a
//! certificate against this installation.

use super::{total, ErasureStep};
use crate::certificate::SignedCertificate;
use crate::error::{Result, ServiceError};
use crate::op::OpRequest;
use crate::{Actor, Checkpoint, Service};
use itaku_policy::Action;
use serde::Serialize;

/// One erasure as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ErasureView {
    pub id: i64,
    pub contract_id: i64,
    pub contract_name: String,
    pub step: ErasureStep,
    pub requested_at: String,
    pub operator: String,
    pub waiver: Option<String>,
    pub key_id: String,
    pub persons: i64,
    pub certified_at: Option<String>,
}

/// What `verify_certificate` found; empty `problems` means it holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CertificateCheck {
    pub signature_ok: bool,
    pub key_gone: bool,
    pub rows_remaining: i64,
    pub problems: Vec<String>,
}

impl CertificateCheck {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Service {
    /// Every erasure, oldest first (administrators and inspectors).
    pub async fn erasures(&self, actor: &Actor) -> Result<Vec<ErasureView>> {
        let mut op = self
            .begin(actor, OpRequest::system(Action::ViewAudit, "erasures"))
            .await?;
        let rows = op.tx.erasures().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let contract_name = op
                .tx
                .contract(r.contract_id)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            out.push(ErasureView {
                id: r.id,
                contract_id: r.contract_id,
                contract_name,
                step: ErasureStep::parse(&r.state)?,
                requested_at: r.requested_at,
                operator: r.operator,
                waiver: r.waiver,
                key_id: r.key_id,
                persons: r.persons,
                certified_at: r.certified_at,
            });
        }
        op.finish(&[], "").await?;
        Ok(out)
    }

    /// The stored certificate of a contract's erasure.
    pub async fn erasure_certificate(
        &self,
        actor: &Actor,
        contract_id: i64,
    ) -> Result<SignedCertificate> {
        let mut op = self
            .begin(
                actor,
                OpRequest::system(Action::ViewAudit, "erasure_certificate"),
            )
            .await?;
        let row = op.tx.erasure_of_contract(contract_id).await?;
        op.finish(&[], &format!("contract {contract_id}")).await?;
        let text = row
            .and_then(|r| r.certificate)
            .ok_or_else(ServiceError::not_found)?;
        SignedCertificate::from_json(&text)
    }

    /// Check a certificate against this installation: the signature (audit
    /// key), the audit chain up to its checkpoint, the vault's key gone,
    /// and no rows of the vault left.
    pub async fn verify_certificate(&self, signed: &SignedCertificate) -> Result<CertificateCheck> {
        let mut check = CertificateCheck::default();
        let c = &signed.certificate;
        match signed.verify_signature(&self.inner.signer.verifying_key()) {
            Ok(()) => check.signature_ok = true,
            Err(e) => check.problems.push(e.to_string()),
        }
        let mut tx = self.inner.store.begin().await?;
        let vault = tx.vault_for(Some(c.contract.id)).await?;
        let erasure = tx.erasure_of_contract(c.contract.id).await?;
        match &vault {
            Some(v) => {
                check.key_gone = v.wrapped_key.is_none() && v.destroyed_at.is_some();
                if !check.key_gone {
                    check
                        .problems
                        .push(format!("契約 {} の金庫の鍵が残っています", c.contract.id));
                }
                if !c.keys_destroyed.iter().any(|k| k.vault_id == v.id) {
                    check
                        .problems
                        .push("証明書の金庫がこの契約の金庫と一致しません".into());
                }
                let left = tx.vault_counts(v.id, c.contract.id).await?;
                check.rows_remaining = total(&left);
                if check.rows_remaining > 0 {
                    check.problems.push(format!(
                        "消去したはずの記録が {} 件残っています",
                        check.rows_remaining
                    ));
                }
            }
            None => check
                .problems
                .push(format!("契約 {} の金庫がありません", c.contract.id)),
        }
        match &erasure {
            Some(e) if e.id == c.erasure_id && e.state == ErasureStep::Certified.code() => {
                if !c.keys_destroyed.iter().any(|k| k.key_id == e.key_id) {
                    check
                        .problems
                        .push("証明書の鍵IDが消去の記録と一致しません".into());
                }
            }
            _ => check
                .problems
                .push("この証明書に当たる完了した消去の記録がありません".into()),
        }
        tx.rollback().await?;
        let cp = Checkpoint {
            seq: c.audit_checkpoint.seq,
            hash: c.audit_checkpoint.hash.clone(),
            signature: c.audit_checkpoint.signature.clone(),
            public_key: c.public_key.clone(),
            signed_at: c.audit_checkpoint.signed_at.clone(),
        };
        let report = self.audit_verify(Some(&cp)).await?;
        check.problems.extend(report.problems);
        Ok(check)
    }
}
