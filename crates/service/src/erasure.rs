//! Erasure of a contract's vault at the end of the contract: (a) record it
//! with its counts, (b) destroy the vault's key, (c) delete the vault's rows
//! and what refers to them, (d) purge freed database space, (e) issue the
//! signed certificate. Each step commits together with the `erasures` row's
//! new state and an audit entry, so after a crash `resume_erasures` carries
//! on from the last completed step; a certificate exists only once (b)–(d)
//! are done, and never twice.

use crate::actor::ActorKind;
use crate::certificate::{
    signing_message, CertifiedCheckpoint, CertifiedContract, DestroyedKey, ErasureCertificate,
    RecordCounts, SignedCertificate, CERTIFICATE_FORMAT, ERASURE_METHOD,
};
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::time::ts;
use crate::{Actor, Checkpoint, Service};
use itaku_core::{ContractId, Role};
use itaku_crypto::sha256_hex;
use itaku_policy::{Action, Scope};
use itaku_store::{ErasureRow, NewAuditEntry, NewErasure, VaultCounts};
use serde::Serialize;

/// Debug builds only: abort the process right after the named step has
/// committed, so tests can prove that a crash at any point resumes.
pub const CRASH_AFTER_ENV: &str = "ITAKU_TEST_CRASH_AFTER";

/// A waiver reason longer than this is cut (it goes into the audit entry).
const MAX_WAIVER_CHARS: usize = 500;

/// The last step an erasure has completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureStep {
    Recorded,
    KeysDestroyed,
    RowsDeleted,
    Purged,
    Certified,
}

impl ErasureStep {
    pub const ALL: [ErasureStep; 5] = [
        ErasureStep::Recorded,
        ErasureStep::KeysDestroyed,
        ErasureStep::RowsDeleted,
        ErasureStep::Purged,
        ErasureStep::Certified,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ErasureStep::Recorded => "recorded",
            ErasureStep::KeysDestroyed => "keys_destroyed",
            ErasureStep::RowsDeleted => "rows_deleted",
            ErasureStep::Purged => "purged",
            ErasureStep::Certified => "certified",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ErasureStep::Recorded => "受付済み（鍵の破棄待ち）",
            ErasureStep::KeysDestroyed => "鍵を破棄済み（記録の削除待ち）",
            ErasureStep::RowsDeleted => "記録を削除済み（空き領域の消去待ち）",
            ErasureStep::Purged => "空き領域を消去済み（証明書の発行待ち）",
            ErasureStep::Certified => "完了（証明書発行済み）",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| ServiceError::Internal(format!("unknown erasure state {s}")))
    }
}

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

fn crash_point(step: ErasureStep) {
    if cfg!(debug_assertions)
        && std::env::var(CRASH_AFTER_ENV).is_ok_and(|v| v.trim() == step.code())
    {
        eprintln!(
            "{CRASH_AFTER_ENV}={}: 試験のため異常終了します",
            step.code()
        );
        std::process::abort();
    }
}

fn total(c: &VaultCounts) -> i64 {
    c.persons + c.search_tokens + c.campaign_members + c.print_items + c.list_members
}

fn missing(what: &str) -> ServiceError {
    ServiceError::Internal(format!("消去の記録に{what}がありません"))
}

impl Service {
    /// Erase a contract's vault: a ward administrator after a fresh step-up.
    /// The contract's campaigns must all be closed (the data has come back
    /// to the ward) unless `waiver` gives the reason to go ahead anyway.
    /// Asking again for a contract already being erased finishes that
    /// erasure and returns its one certificate.
    pub async fn erase_contract(
        &self,
        actor: &Actor,
        contract_id: i64,
        waiver: Option<&str>,
    ) -> Result<SignedCertificate> {
        let waiver: Option<String> = waiver
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().take(MAX_WAIVER_CHARS).collect());
        let cid = ContractId(contract_id);
        let mut op = self
            .begin(
                actor,
                OpRequest::new(Action::Erase, Scope::Contract(cid), "contract"),
            )
            .await?;
        if !actor.stepped_up {
            self.refuse(op, actor, contract_id, "step_up_required")
                .await?;
            return Err(ServiceError::StepUpRequired);
        }
        if let Some(e) = op.tx.erasure_of_contract(contract_id).await? {
            op.finish(
                &[],
                &format!("erasure {} already {}: resumed", e.id, e.state),
            )
            .await?;
            return self.drive_erasure(e.id).await;
        }
        let vault = op
            .tx
            .vault_for(Some(contract_id))
            .await?
            .ok_or_else(|| ServiceError::Invalid("この契約には金庫がありません".into()))?;
        let Some(wrapped) = vault.wrapped_key.as_deref() else {
            return Err(ServiceError::Conflict(
                "この契約の金庫の鍵はすでに破棄されていますが、消去の記録がありません。システム管理者に連絡してください".into(),
            ));
        };
        let open = op
            .tx
            .campaigns()
            .await?
            .into_iter()
            .filter(|c| c.contract_id == contract_id && c.state != "closed")
            .count() as i64;
        if open > 0 && waiver.is_none() {
            self.refuse(op, actor, contract_id, "campaigns_open")
                .await?;
            return Err(ServiceError::Conflict(format!(
                "この契約には終了していない勧奨が {open} 件あります。返還を終えて勧奨を終了させるか、返還を待たずに消去する理由を添えてください"
            )));
        }
        let counts = op.tx.vault_counts(vault.id, contract_id).await?;
        let key_id = format!("sha256:{}", sha256_hex(wrapped));
        let operator = match actor.user_id() {
            Some(u) => self.user_label(&mut op.tx, u.0).await?,
            None => match &actor.kind {
                ActorKind::System { reason } => format!("system: {reason}"),
                _ => String::new(),
            },
        };
        let now = op.now_ts();
        let id = op
            .tx
            .insert_erasure(&NewErasure {
                contract_id,
                vault_id: vault.id,
                requested_at: &now,
                requested_by: actor.user_id().map(|u| u.0),
                operator: &operator,
                waiver: waiver.as_deref(),
                open_campaigns: open,
                key_id: &key_id,
                counts,
            })
            .await?;
        // From here on nobody works with the contract's data any more.
        op.tx
            .set_contract_status(contract_id, "closed", &now)
            .await?;
        let mut detail = format!(
            "erasure {id} recorded: vault {} key {key_id}, persons={} tokens={} members={} print_items={} list_members={}",
            vault.id,
            counts.persons,
            counts.search_tokens,
            counts.campaign_members,
            counts.print_items,
            counts.list_members
        );
        if let Some(w) = &waiver {
            detail.push_str(&format!("; {open} campaigns open, waiver: {w}"));
        }
        op.finish(&[], &detail).await?;
        crash_point(ErasureStep::Recorded);
        self.drive_erasure(id).await
    }

    /// A refusal after the policy allowed the action (no step-up, open
    /// campaigns): audited as a denial, nothing else written.
    async fn refuse(
        &self,
        op: Op<'_>,
        actor: &Actor,
        contract_id: i64,
        reason: &str,
    ) -> Result<()> {
        let mut tx = op.tx;
        let (label, role) = match actor.user_id() {
            Some(u) => match tx.user(u.0).await? {
                Some(row) => (format!("{} ({})", row.display_name, row.login), row.role),
                None => (String::new(), String::new()),
            },
            None => match &actor.kind {
                ActorKind::System { reason } => {
                    (format!("system: {reason}"), Role::System.code().into())
                }
                _ => ("anonymous".into(), String::new()),
            },
        };
        let entry = NewAuditEntry {
            at: ts(self.now()),
            actor_user_id: actor.user_id().map(|u| u.0),
            actor: label,
            role,
            terminal: actor.terminal_label(),
            contract_id: Some(contract_id),
            purpose: actor.purpose.clone().unwrap_or_default(),
            action: Action::Erase.code().into(),
            target: "contract".into(),
            outcome: "deny".into(),
            reason: reason.into(),
            request_id: actor.request_id.clone(),
            ..Default::default()
        };
        self.append_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(|_| ServiceError::AuditFailed)?;
        Ok(())
    }

    /// Carry every unfinished erasure to its certificate. Called at start
    /// (`itaku serve`) and by the erasure commands; does nothing when
    /// nothing is pending. Returns the certificates issued now.
    pub async fn resume_erasures(&self) -> Result<Vec<SignedCertificate>> {
        let mut tx = self.inner.store.begin().await?;
        let pending: Vec<i64> = tx
            .erasures()
            .await?
            .into_iter()
            .filter(|e| e.state != ErasureStep::Certified.code())
            .map(|e| e.id)
            .collect();
        tx.rollback().await?;
        let mut done = Vec::with_capacity(pending.len());
        for id in pending {
            tracing::info!(erasure = id, "中断していた消去を再開します");
            done.push(self.drive_erasure(id).await?);
        }
        Ok(done)
    }

    async fn erasure_row(&self, id: i64) -> Result<ErasureRow> {
        let mut tx = self.inner.store.begin().await?;
        let row = tx.erasure(id).await?;
        tx.rollback().await?;
        row.ok_or_else(ServiceError::not_found)
    }

    /// The remaining steps of one erasure, each in its own transaction.
    async fn drive_erasure(&self, id: i64) -> Result<SignedCertificate> {
        loop {
            let row = self.erasure_row(id).await?;
            let sys = Actor::system(format!("契約 {} の消去（消去番号 {id}）", row.contract_id));
            match ErasureStep::parse(&row.state)? {
                ErasureStep::Recorded => self.destroy_key_step(&sys, &row).await?,
                ErasureStep::KeysDestroyed => self.delete_rows_step(&sys, &row).await?,
                ErasureStep::RowsDeleted => self.purge_step(&sys, &row).await?,
                ErasureStep::Purged => self.certify_step(&sys, &row).await?,
                ErasureStep::Certified => {
                    let text = row
                        .certificate
                        .as_deref()
                        .ok_or_else(|| missing("証明書"))?;
                    return SignedCertificate::from_json(text);
                }
            }
        }
    }

    async fn step_op(&self, sys: &Actor, row: &ErasureRow, target: &'static str) -> Result<Op<'_>> {
        self.begin(
            sys,
            OpRequest::new(
                Action::Erase,
                Scope::Contract(ContractId(row.contract_id)),
                target,
            ),
        )
        .await
    }

    fn forget_vault_key(&self, vault_id: i64) {
        if let Ok(mut cache) = self.inner.vault_keys.lock() {
            cache.remove(&vault_id);
        }
    }

    /// (b) The wrapped key becomes NULL; this process forgets its copy.
    async fn destroy_key_step(&self, sys: &Actor, row: &ErasureRow) -> Result<()> {
        let mut op = self.step_op(sys, row, "vault").await?;
        let now = op.now_ts();
        self.forget_vault_key(row.vault_id);
        op.tx.destroy_vault_key(row.vault_id, &now).await?;
        if !op.tx.erasure_keys_destroyed(row.id, &now).await? {
            // Another process did this step first; read the state again.
            return Ok(());
        }
        op.finish(
            &[],
            &format!(
                "erasure {}: vault {} key {} destroyed",
                row.id, row.vault_id, row.key_id
            ),
        )
        .await?;
        self.forget_vault_key(row.vault_id);
        crash_point(ErasureStep::KeysDestroyed);
        Ok(())
    }

    /// (c) The vault's persons, their search tokens and what refers to them.
    async fn delete_rows_step(&self, sys: &Actor, row: &ErasureRow) -> Result<()> {
        let mut op = self.step_op(sys, row, "person").await?;
        let now = op.now_ts();
        let deleted = op
            .tx
            .delete_vault_rows(row.vault_id, row.contract_id)
            .await?;
        if !op.tx.erasure_rows_deleted(row.id, &deleted, &now).await? {
            return Ok(());
        }
        op.finish(
            &[],
            &format!(
                "erasure {}: deleted persons={} tokens={} members={} print_items={} list_members={}",
                row.id,
                deleted.persons,
                deleted.search_tokens,
                deleted.campaign_members,
                deleted.print_items,
                deleted.list_members
            ),
        )
        .await?;
        crash_point(ErasureStep::RowsDeleted);
        Ok(())
    }

    /// (d) Outside any transaction; repeating it after a crash is harmless.
    async fn purge_step(&self, sys: &Actor, row: &ErasureRow) -> Result<()> {
        let method = self.inner.store.purge_freed_space().await?;
        let mut op = self.step_op(sys, row, "database").await?;
        let now = op.now_ts();
        if !op.tx.erasure_purged(row.id, &method, &now).await? {
            return Ok(());
        }
        op.finish(&[], &format!("erasure {}: purged ({method})", row.id))
            .await?;
        crash_point(ErasureStep::Purged);
        Ok(())
    }

    /// (e) A signed checkpoint of the audit chain, then the certificate.
    async fn certify_step(&self, sys: &Actor, row: &ErasureRow) -> Result<()> {
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
