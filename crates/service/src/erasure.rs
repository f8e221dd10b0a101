//! Erasure of a contract's vault at the end of the contract: (a) record it
//! with its counts, (b) destroy the vault's key, (c) delete the vault's rows
//! and what refers to them, (d) purge freed database space, (e) issue the
//! signed certificate. Each step commits together with the `erasures` row's
//! new state and an audit entry, so after a crash `resume_erasures` carries
//! on from the last completed step; a certificate exists only once (b)–(d)
//! are done, and never twice.

use crate::actor::ActorKind;
use crate::certificate::SignedCertificate;
use crate::error::{Result, ServiceError};
use crate::op::{Op, OpRequest};
use crate::time::ts;
use crate::{Actor, Service};
use itaku_core::{ContractId, Role};
use itaku_crypto::sha256_hex;
use itaku_policy::{Action, Scope};
use itaku_store::{ErasureRow, NewAuditEntry, NewErasure, VaultCounts};
use serde::Serialize;

/// Debug builds only: abort the process right after the named step has
/// committed, so tests can prove that a crash at any point resumes.
mod certify;
mod records;

pub use records::{CertificateCheck, ErasureView};

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
        // A key already gone without an erasure record: a database restored
        // from a backup older than the erasure. The rows left are unreadable
        // ciphertext; erasing again deletes them and certifies that.
        let key_id = match (vault.wrapped_key.as_deref(), &vault.destroyed_at) {
            (Some(wrapped), _) => format!("sha256:{}", sha256_hex(wrapped)),
            (None, Some(at)) => format!("destroyed-before:{at}"),
            (None, None) => {
                return Err(ServiceError::Internal(
                    "契約の金庫に鍵も破棄の記録もありません".into(),
                ))
            }
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
        // Results come back before the copies go (seed 001 clauses 14–15):
        // a contract whose purposes collect results must have returned them
        // after its last provision.
        let contract_items = crate::ledger::purposes_items(op.contract.as_ref());
        let owes_return = !crate::ledger::result_items(&contract_items).is_empty()
            && !crate::ledger::returns_complete(&op.tx.transfers(contract_id).await?);
        if owes_return && waiver.is_none() {
            self.refuse(op, actor, contract_id, "returns_incomplete")
                .await?;
            return Err(ServiceError::Conflict(
                "この契約は最後の提供の後にまだ返還を受けていません。情報管理台帳で返還を受けてから消去するか、返還を待たずに消去する理由を添えてください".into(),
            ));
        }
        // A change of address the desk took down exists nowhere else: the
        // ward applies it before the contract's records go (no waiver).
        let unhandled = op.tx.unhandled_address_changes(contract_id).await?;
        if unhandled > 0 {
            self.refuse(op, actor, contract_id, "address_changes_unhandled")
                .await?;
            return Err(ServiceError::Conflict(format!(
                "問合せ窓口から届いた住所変更のうち {unhandled} 件がまだ処理されていません。区職員の「苦情・住所変更」で名簿に反映して処理済みにしてから消去してください"
            )));
        }
        let counts = op.tx.vault_counts(vault.id, contract_id).await?;
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
}
