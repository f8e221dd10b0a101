//! The audit chain's storage. Hashing and signing happen in the service; here
//! the head row serialises appends: every operation locks it first, so the
//! chain has no forks on either backend.

use crate::{Result, StoreError, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry {
    pub at: String,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub role: String,
    pub terminal: String,
    pub contract_id: Option<i64>,
    pub purpose: String,
    pub action: String,
    pub target: String,
    /// Comma-wrapped ids (",3,17,") so a record filter is one LIKE.
    pub record_ids: String,
    pub items: String,
    pub outcome: String,
    pub reason: String,
    pub request_id: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct AuditRow {
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
    pub record_ids: String,
    pub items: String,
    pub outcome: String,
    pub reason: String,
    pub request_id: String,
    pub hash: Vec<u8>,
}

impl AuditRow {
    pub fn entry(&self) -> NewAuditEntry {
        NewAuditEntry {
            at: self.at.clone(),
            actor_user_id: self.actor_user_id,
            actor: self.actor.clone(),
            role: self.role.clone(),
            terminal: self.terminal.clone(),
            contract_id: self.contract_id,
            purpose: self.purpose.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            record_ids: self.record_ids.clone(),
            items: self.items.clone(),
            outcome: self.outcome.clone(),
            reason: self.reason.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct AuditCheckpointRow {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub signature: Vec<u8>,
    pub signed_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<i64>,
    pub contract_id: Option<i64>,
    pub record_id: Option<i64>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
}

const COLS: &str = "seq, at, actor_user_id, actor, role, terminal, contract_id, purpose, action, \
                    target, record_ids, items, outcome, reason, request_id, hash";

impl Tx {
    /// Lock the head for the rest of this transaction and read it.
    pub async fn audit_lock_head(&mut self) -> Result<Option<(i64, Vec<u8>)>> {
        let row: Option<(i64, Vec<u8>)> =
            sqlx::query_as("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
                .fetch_optional(&mut *self.inner)
                .await?;
        Ok(row)
    }

    pub async fn audit_head(&mut self) -> Result<Option<(i64, Vec<u8>)>> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&mut *self.inner)
                .await?,
        )
    }

    pub async fn audit_init_head(&mut self, genesis: &[u8]) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING",
        );
        sqlx::query(&sql)
            .bind(genesis)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Append entry `seq` (head + 1) with its chained hash and move the head.
    pub async fn audit_append(&mut self, seq: i64, e: &NewAuditEntry, hash: &[u8]) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO audit_log (seq, at, actor_user_id, actor, role, terminal, contract_id, purpose, \
             action, target, record_ids, items, outcome, reason, request_id, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        );
        sqlx::query(&sql)
            .bind(seq)
            .bind(&e.at)
            .bind(e.actor_user_id)
            .bind(&e.actor)
            .bind(&e.role)
            .bind(&e.terminal)
            .bind(e.contract_id)
            .bind(&e.purpose)
            .bind(&e.action)
            .bind(&e.target)
            .bind(&e.record_ids)
            .bind(&e.items)
            .bind(&e.outcome)
            .bind(&e.reason)
            .bind(&e.request_id)
            .bind(hash)
            .execute(&mut *self.inner)
            .await?;
        let sql = self.sql("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3");
        let moved = sqlx::query(&sql)
            .bind(seq)
            .bind(hash)
            .bind(seq - 1)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        if moved != 1 {
            return Err(StoreError::Corrupt(
                "監査ログの先頭が想定と異なります".into(),
            ));
        }
        Ok(())
    }

    /// Entries in chain order, one page at a time.
    pub async fn audit_entries(&mut self, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(after_seq)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Newest first, filtered, for the review pages.
    pub async fn audit_search(
        &mut self,
        f: &AuditFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditRow>> {
        let mut sql = format!("SELECT {COLS} FROM audit_log WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if f.user_id.is_some() {
            sql.push_str(&format!(" AND actor_user_id = {}", next()));
        }
        if f.contract_id.is_some() {
            sql.push_str(&format!(" AND contract_id = {}", next()));
        }
        if f.record_id.is_some() {
            sql.push_str(&format!(" AND record_ids LIKE {}", next()));
        }
        if f.action.is_some() {
            sql.push_str(&format!(" AND action = {}", next()));
        }
        if f.outcome.is_some() {
            sql.push_str(&format!(" AND outcome = {}", next()));
        }
        if f.from.is_some() {
            sql.push_str(&format!(" AND at >= {}", next()));
        }
        if f.until.is_some() {
            sql.push_str(&format!(" AND at < {}", next()));
        }
        sql.push_str(&format!(
            " ORDER BY seq DESC LIMIT {} OFFSET {}",
            next(),
            next()
        ));
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query_as::<_, AuditRow>(&sql);
        if let Some(u) = f.user_id {
            q = q.bind(u);
        }
        if let Some(c) = f.contract_id {
            q = q.bind(c);
        }
        if let Some(r) = f.record_id {
            q = q.bind(format!("%,{r},%"));
        }
        if let Some(a) = &f.action {
            q = q.bind(a.clone());
        }
        if let Some(o) = &f.outcome {
            q = q.bind(o.clone());
        }
        if let Some(t) = &f.from {
            q = q.bind(t.clone());
        }
        if let Some(t) = &f.until {
            q = q.bind(t.clone());
        }
        Ok(q.bind(limit)
            .bind(offset)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_checkpoint(&mut self, c: &AuditCheckpointRow) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO audit_checkpoints (seq, hash, signature, signed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (seq) DO NOTHING",
        );
        sqlx::query(&sql)
            .bind(c.seq)
            .bind(&c.hash)
            .bind(&c.signature)
            .bind(&c.signed_at)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn checkpoints(&mut self) -> Result<Vec<AuditCheckpointRow>> {
        Ok(sqlx::query_as(
            "SELECT seq, hash, signature, signed_at FROM audit_checkpoints ORDER BY seq",
        )
        .fetch_all(&mut *self.inner)
        .await?)
    }
}
