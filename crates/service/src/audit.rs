//! The hash-chained audit log: appending (inside the operation's own
//! transaction), verifying, signed checkpoints, and the review queries.

use crate::error::{Result, ServiceError};
use crate::time::ts;
use crate::{Actor, Service};
use itaku_crypto::{chain_hash, VerifyingKey, GENESIS};
use itaku_store::{AuditCheckpointRow, AuditFilter, AuditRow, NewAuditEntry, Tx};
use serde::{Deserialize, Serialize};

/// Sign a checkpoint every this many entries, in the appending transaction.
const CHECKPOINT_EVERY: i64 = 500;

/// The bytes that are hashed: every field, in a fixed order, as JSON.
fn canonical(seq: i64, e: &NewAuditEntry) -> Vec<u8> {
    serde_json::json!([
        seq,
        e.at,
        e.actor_user_id,
        e.actor,
        e.role,
        e.terminal,
        e.contract_id,
        e.purpose,
        e.action,
        e.target,
        e.record_ids,
        e.items,
        e.outcome,
        e.reason,
        e.request_id
    ])
    .to_string()
    .into_bytes()
}

fn checkpoint_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = b"itaku/audit-checkpoint/v1\0".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m
}

fn to32(v: &[u8]) -> Result<[u8; 32]> {
    v.try_into()
        .map_err(|_| ServiceError::Internal("監査ログのハッシュ長が不正です".into()))
}

/// `,1,2,3,` so the record filter is a plain LIKE on both backends.
pub(crate) fn record_ids_text(ids: &[i64]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let mut s = String::from(",");
    for id in ids {
        s.push_str(&id.to_string());
        s.push(',');
    }
    s
}

impl Service {
    /// Append one entry after the locked head, in `tx`. Any failure here
    /// fails the whole operation: no entry, no data.
    pub(crate) async fn append_audit(&self, tx: &mut Tx, entry: &NewAuditEntry) -> Result<i64> {
        let (seq, prev) = tx
            .audit_lock_head()
            .await
            .map_err(|_| ServiceError::AuditFailed)?
            .ok_or(ServiceError::AuditFailed)?;
        let prev = to32(&prev)?;
        let seq = seq + 1;
        let hash = chain_hash(&prev, &canonical(seq, entry));
        tx.audit_append(seq, entry, &hash)
            .await
            .map_err(|_| ServiceError::AuditFailed)?;
        if seq % CHECKPOINT_EVERY == 0 {
            self.sign_checkpoint_in(tx, seq, &hash).await?;
        }
        Ok(seq)
    }

    async fn sign_checkpoint_in(
        &self,
        tx: &mut Tx,
        seq: i64,
        hash: &[u8; 32],
    ) -> Result<Checkpoint> {
        let signature = self.inner.signer.sign(&checkpoint_message(seq, hash));
        let row = AuditCheckpointRow {
            seq,
            hash: hash.to_vec(),
            signature: signature.to_vec(),
            signed_at: ts(self.now()),
        };
        tx.insert_checkpoint(&row)
            .await
            .map_err(|_| ServiceError::AuditFailed)?;
        Ok(Checkpoint::from_row(
            &row,
            &self.inner.signer.verifying_key(),
        ))
    }

    /// Sign the current head now, as a system action, and return the
    /// checkpoint to keep outside the system.
    pub async fn audit_checkpoint(&self, actor: &Actor) -> Result<Checkpoint> {
        let mut op = self
            .begin(
                actor,
                crate::op::OpRequest::system(itaku_policy::Action::ViewAudit, "audit_checkpoint"),
            )
            .await?;
        let (seq, hash) = op.tx.audit_head().await?.ok_or(ServiceError::AuditFailed)?;
        let hash = to32(&hash)?;
        let cp = if seq == 0 {
            Checkpoint {
                seq: 0,
                hash: hex::encode(GENESIS),
                signature: String::new(),
                public_key: hex::encode(self.inner.signer.verifying_key().to_bytes()),
                signed_at: ts(self.now()),
            }
        } else {
            self.sign_checkpoint_in(&mut op.tx, seq, &hash).await?
        };
        op.finish(&[], "").await?;
        Ok(cp)
    }

    /// Recompute the whole chain. Detects a changed, deleted, reordered or
    /// truncated entry; with an external checkpoint, also a rewritten tail.
    pub async fn audit_verify(&self, external: Option<&Checkpoint>) -> Result<VerifyReport> {
        let mut tx = self.inner.store.begin().await?;
        let key = self.inner.signer.verifying_key();
        let mut report = VerifyReport::default();
        let mut prev = GENESIS;
        let mut expect = 1i64;
        let mut hashes_at: Vec<(i64, [u8; 32])> = Vec::new();
        let wanted: Vec<i64> = {
            let mut w: Vec<i64> = tx.checkpoints().await?.iter().map(|c| c.seq).collect();
            if let Some(c) = external {
                w.push(c.seq);
            }
            w
        };
        loop {
            let page = tx.audit_entries(expect - 1, 2000).await?;
            if page.is_empty() {
                break;
            }
            for row in &page {
                if row.seq != expect {
                    report.problems.push(format!(
                        "連番 {expect} の記録がありません（次にあるのは {}）: 削除または並べ替えの疑い",
                        row.seq
                    ));
                    tx.rollback().await?;
                    return Ok(report);
                }
                let h = chain_hash(&prev, &canonical(row.seq, &row.entry()));
                if h.as_slice() != row.hash.as_slice() {
                    report.problems.push(format!(
                        "連番 {} の記録が改変されています（ハッシュ不一致）",
                        row.seq
                    ));
                    tx.rollback().await?;
                    return Ok(report);
                }
                if wanted.contains(&row.seq) {
                    hashes_at.push((row.seq, h));
                }
                prev = h;
                expect += 1;
                report.entries += 1;
            }
        }
        let last = expect - 1;
        match tx.audit_head().await? {
            Some((seq, hash)) if seq == last && hash.as_slice() == prev.as_slice() => {}
            Some((seq, _)) => report.problems.push(format!(
                "記録の末尾（連番 {last}）と先頭情報（連番 {seq}）が一致しません: 末尾の削除の疑い"
            )),
            None => report
                .problems
                .push("監査ログの先頭情報がありません".into()),
        }
        for cp in tx.checkpoints().await? {
            report.checkpoints_checked += 1;
            if key
                .verify(&checkpoint_message(cp.seq, &cp.hash), &cp.signature)
                .is_err()
            {
                report.problems.push(format!(
                    "連番 {} のチェックポイントの署名が不正です",
                    cp.seq
                ));
            }
            match hashes_at.iter().find(|(s, _)| *s == cp.seq) {
                Some((_, h)) if h.as_slice() == cp.hash.as_slice() => {}
                Some(_) => report.problems.push(format!(
                    "連番 {} の記録が署名済みチェックポイントと一致しません: 書き換えの疑い",
                    cp.seq
                )),
                None => report.problems.push(format!(
                    "署名済みチェックポイントの連番 {} の記録がありません: 末尾の削除の疑い",
                    cp.seq
                )),
            }
        }
        if let Some(c) = external {
            report.checkpoints_checked += 1;
            self.check_external(c, &key, &hashes_at, &mut report);
        }
        tx.rollback().await?;
        Ok(report)
    }

    fn check_external(
        &self,
        c: &Checkpoint,
        key: &VerifyingKey,
        hashes_at: &[(i64, [u8; 32])],
        report: &mut VerifyReport,
    ) {
        if c.public_key != hex::encode(key.to_bytes()) {
            report
                .problems
                .push("チェックポイントの公開鍵がこのシステムの署名鍵と一致しません".into());
            return;
        }
        let (Ok(hash), Ok(sig)) = (hex::decode(&c.hash), hex::decode(&c.signature)) else {
            report
                .problems
                .push("チェックポイントファイルの書式が正しくありません".into());
            return;
        };
        if c.seq > 0 && key.verify(&checkpoint_message(c.seq, &hash), &sig).is_err() {
            report
                .problems
                .push("チェックポイントファイルの署名が不正です".into());
            return;
        }
        if c.seq == 0 {
            return;
        }
        match hashes_at.iter().find(|(s, _)| *s == c.seq) {
            Some((_, h)) if h.as_slice() == hash.as_slice() => {}
            Some(_) => report.problems.push(format!(
                "連番 {} 以前の記録がチェックポイント作成後に書き換えられています",
                c.seq
            )),
            None => report.problems.push(format!(
                "チェックポイントの連番 {} まで記録がありません: 末尾が削除されています",
                c.seq
            )),
        }
    }

    /// Entries for the review pages, newest first.
    pub async fn audit_search(&self, actor: &Actor, q: &AuditQuery) -> Result<Vec<AuditEntryView>> {
        let scope = match q.contract_id {
            Some(c) => itaku_policy::Scope::Contract(itaku_core::ContractId(c)),
            None => itaku_policy::Scope::System,
        };
        let mut op = self
            .begin(
                actor,
                crate::op::OpRequest::new(itaku_policy::Action::ViewAudit, scope, "audit_log"),
            )
            .await?;
        let filter = AuditFilter {
            user_id: q.user_id,
            contract_id: q.contract_id,
            record_id: q.record_id,
            action: q.action.clone().filter(|s| !s.is_empty()),
            outcome: q.outcome.clone().filter(|s| !s.is_empty()),
            from: q.from.clone().filter(|s| !s.is_empty()),
            until: q.until.clone().filter(|s| !s.is_empty()),
        };
        let rows = op
            .tx
            .audit_search(&filter, q.limit.clamp(1, 5000), q.offset.max(0))
            .await?;
        op.finish(&[], &format!("{filter:?}")).await?;
        Ok(rows.iter().map(AuditEntryView::from_row).collect())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AuditQuery {
    pub user_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub record_id: Option<i64>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub role: String,
    pub terminal: String,
    pub contract_id: Option<i64>,
    pub purpose: String,
    pub action: String,
    pub target: String,
    pub record_ids: Vec<i64>,
    pub items: String,
    pub outcome: String,
    pub reason: String,
    pub request_id: String,
}

impl AuditEntryView {
    fn from_row(r: &AuditRow) -> Self {
        Self {
            seq: r.seq,
            at: r.at.clone(),
            actor_user_id: r.actor_user_id,
            actor: r.actor.clone(),
            role: r.role.clone(),
            terminal: r.terminal.clone(),
            contract_id: r.contract_id,
            purpose: r.purpose.clone(),
            action: r.action.clone(),
            target: r.target.clone(),
            record_ids: r
                .record_ids
                .split(',')
                .filter_map(|s| s.parse().ok())
                .collect(),
            items: r.items.clone(),
            outcome: r.outcome.clone(),
            reason: r.reason.clone(),
            request_id: r.request_id.clone(),
        }
    }
}

/// A signed statement "the chain had this hash at this entry", to be kept
/// outside the system (printed, mailed to the inspector, on another host).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub signature: String,
    pub public_key: String,
    pub signed_at: String,
}

impl Checkpoint {
    fn from_row(r: &AuditCheckpointRow, key: &VerifyingKey) -> Self {
        Self {
            seq: r.seq,
            hash: hex::encode(&r.hash),
            signature: hex::encode(&r.signature),
            public_key: hex::encode(key.to_bytes()),
            signed_at: r.signed_at.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub entries: i64,
    pub checkpoints_checked: i64,
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One user's accesses in a period: the per-user access report (報告).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UserAccessReport {
    pub user_id: Option<i64>,
    pub actor: String,
    pub reads: i64,
    pub searches: i64,
    pub writes: i64,
    pub exports_and_prints: i64,
    pub provisions: i64,
    pub denials: i64,
    pub sign_ins: i64,
    pub distinct_records: i64,
    pub last_at: String,
}

impl Service {
    /// Per-user access counts over a period, from the audit log itself.
    pub async fn access_report(
        &self,
        actor: &Actor,
        from: Option<String>,
        until: Option<String>,
    ) -> Result<Vec<UserAccessReport>> {
        let mut op = self
            .begin(
                actor,
                crate::op::OpRequest::system(itaku_policy::Action::ViewAudit, "access_report"),
            )
            .await?;
        let filter = AuditFilter {
            from: from.clone(),
            until: until.clone(),
            ..Default::default()
        };
        let mut by_user: std::collections::BTreeMap<
            (Option<i64>, String),
            (UserAccessReport, std::collections::BTreeSet<i64>),
        > = Default::default();
        let mut offset = 0;
        loop {
            let page = op.tx.audit_search(&filter, 5000, offset).await?;
            if page.is_empty() {
                break;
            }
            offset += page.len() as i64;
            for e in &page {
                let label = if e.actor_user_id.is_some() {
                    String::new()
                } else {
                    e.actor.clone()
                };
                let (r, records) = by_user.entry((e.actor_user_id, label)).or_default();
                if r.actor.is_empty() || e.at > r.last_at {
                    r.actor = e.actor.clone();
                }
                r.user_id = e.actor_user_id;
                if e.at > r.last_at {
                    r.last_at = e.at.clone();
                }
                if e.outcome == "deny" {
                    r.denials += 1;
                    continue;
                }
                match e.action.as_str() {
                    "read" => r.reads += 1,
                    "search" => r.searches += 1,
                    "write" => r.writes += 1,
                    "export" | "print" => r.exports_and_prints += 1,
                    "provision" => r.provisions += 1,
                    "sign_in" => r.sign_ins += 1,
                    _ => {}
                }
                if e.target == "person" {
                    records.extend(
                        e.record_ids
                            .split(',')
                            .filter_map(|s| s.parse::<i64>().ok()),
                    );
                }
            }
        }
        op.finish(&[], &format!("access report {from:?}..{until:?}"))
            .await?;
        let mut out: Vec<UserAccessReport> = by_user
            .into_values()
            .map(|(mut r, records)| {
                r.distinct_records = records.len() as i64;
                r
            })
            .collect();
        out.sort_by(|a, b| {
            b.distinct_records
                .cmp(&a.distinct_records)
                .then(b.reads.cmp(&a.reads))
        });
        Ok(out)
    }
}
