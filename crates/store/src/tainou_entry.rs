//! 国保料滞納整理 (seed 004): the entry contract's work rows: batches of
//! pages, keyings (pass 1 and 2) and settlements. Each carries the
//! contract id and is erased with the contract (WORK_ROWS_OF_CONTRACT).

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct EntryBatchRow {
    pub id: i64,
    pub contract_id: i64,
    pub name: String,
    pub default_era: String,
    pub pages: i64,
    pub created_at: String,
    pub actor: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct EntryPageRow {
    pub id: i64,
    pub batch_id: i64,
    pub contract_id: i64,
    pub household_id: i64,
    pub page_no: i64,
    pub state: String,
    pub done_at: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
pub struct KeyingRow {
    pub id: i64,
    pub page_id: i64,
    pub contract_id: i64,
    pub pass: i64,
    pub user_id: i64,
    pub keyed_at: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, FromRow)]
pub struct SettlementRow {
    pub id: i64,
    pub page_id: i64,
    pub contract_id: i64,
    pub user_id: i64,
    pub settled_at: String,
    pub content: Vec<u8>,
}

/// Keyings of one operator on one day (the UTC date of `keyed_at`).
#[derive(Debug, Clone, FromRow)]
pub struct KeyingCountRow {
    pub user_id: i64,
    pub batch_id: i64,
    pub day: String,
    pub keyings: i64,
}

const BATCH_COLS: &str =
    "id, contract_id, name, default_era, pages, created_at, actor, closed_at, closed_by";
const PAGE_COLS: &str = "id, batch_id, contract_id, household_id, page_no, state, done_at";
const KEYING_COLS: &str = "id, page_id, contract_id, pass, user_id, keyed_at, content";

impl Tx {
    /// A batch and its pages, one per household in the order given.
    pub async fn insert_tainou_batch(
        &mut self,
        contract_id: i64,
        name: &str,
        default_era: &str,
        households: &[i64],
        now: &str,
        actor: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_batches (contract_id, name, default_era, pages, created_at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(name)
            .bind(default_era)
            .bind(households.len() as i64)
            .bind(now)
            .bind(actor)
            .fetch_one(&mut *self.inner)
            .await?;
        let sql = self.sql(
            "INSERT INTO tainou_pages (batch_id, contract_id, household_id, page_no, state) \
             VALUES ($1, $2, $3, $4, 'open')",
        );
        for (n, h) in households.iter().enumerate() {
            sqlx::query(&sql)
                .bind(id)
                .bind(contract_id)
                .bind(*h)
                .bind(n as i64 + 1)
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(id)
    }

    pub async fn tainou_batches(&mut self, contract_id: i64) -> Result<Vec<EntryBatchRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {BATCH_COLS} FROM tainou_batches WHERE contract_id = $1 ORDER BY id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn tainou_batch(&mut self, id: i64) -> Result<Option<EntryBatchRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {BATCH_COLS} FROM tainou_batches WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn close_tainou_batch(&mut self, id: i64, now: &str, actor: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE tainou_batches SET closed_at = $1, closed_by = $2 \
             WHERE id = $3 AND closed_at IS NULL",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(actor)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn tainou_page(&mut self, id: i64) -> Result<Option<EntryPageRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {PAGE_COLS} FROM tainou_pages WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// The next open page of a batch this operator has not keyed and that
    /// still lacks a pass.
    pub async fn next_tainou_page(
        &mut self,
        batch_id: i64,
        user_id: i64,
    ) -> Result<Option<EntryPageRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {PAGE_COLS} FROM tainou_pages p WHERE p.batch_id = $1 AND p.state = 'open' \
                 AND NOT EXISTS (SELECT 1 FROM tainou_keyings k WHERE k.page_id = p.id \
                     AND k.user_id = $2) \
                 AND (SELECT COUNT(*) FROM tainou_keyings k WHERE k.page_id = p.id) < 2 \
                 ORDER BY p.page_no LIMIT 1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(batch_id)
            .bind(user_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Move a page on from `from`; false when another request moved it first.
    pub async fn set_tainou_page_state(
        &mut self,
        id: i64,
        from: &str,
        to: &str,
        done_at: Option<&str>,
    ) -> Result<bool> {
        let sql = self
            .sql("UPDATE tainou_pages SET state = $1, done_at = $2 WHERE id = $3 AND state = $4");
        let n = sqlx::query(&sql)
            .bind(to)
            .bind(done_at)
            .bind(id)
            .bind(from)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn insert_tainou_keying(
        &mut self,
        page_id: i64,
        contract_id: i64,
        pass: i64,
        user_id: i64,
        at: &str,
        content: &[u8],
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_keyings (page_id, contract_id, pass, user_id, keyed_at, content) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(page_id)
            .bind(contract_id)
            .bind(pass)
            .bind(user_id)
            .bind(at)
            .bind(content)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn tainou_keyings(&mut self, page_id: i64) -> Result<Vec<KeyingRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {KEYING_COLS} FROM tainou_keyings WHERE page_id = $1 ORDER BY pass"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(page_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Keyings per operator, batch and day, for the progress page.
    pub async fn tainou_keying_counts(&mut self, contract_id: i64) -> Result<Vec<KeyingCountRow>> {
        let sql = self.sql(
            "SELECT k.user_id, p.batch_id, SUBSTR(k.keyed_at, 1, 10) AS day, COUNT(*) AS keyings \
             FROM tainou_keyings k JOIN tainou_pages p ON p.id = k.page_id \
             WHERE k.contract_id = $1 GROUP BY k.user_id, p.batch_id, SUBSTR(k.keyed_at, 1, 10) \
             ORDER BY day, k.user_id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_tainou_settlement(
        &mut self,
        page_id: i64,
        contract_id: i64,
        user_id: i64,
        at: &str,
        content: &[u8],
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_settlements (page_id, contract_id, user_id, settled_at, content) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(page_id)
            .bind(contract_id)
            .bind(user_id)
            .bind(at)
            .bind(content)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// Households of a vault not yet on any entry page, in id order.
    pub async fn tainou_unbatched(&mut self, vault_id: i64, limit: i64) -> Result<Vec<i64>> {
        let sql = self.sql(
            "SELECT h.id FROM tainou_households h WHERE h.vault_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM tainou_pages p WHERE p.household_id = h.id) ORDER BY h.id LIMIT $2",
        );
        let rows: Vec<(i64,)> = sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Each page of a batch: its state and how many passes it has.
    pub async fn tainou_page_states(&mut self, batch_id: i64) -> Result<Vec<(String, i64)>> {
        let sql = self.sql(
            "SELECT p.state, (SELECT COUNT(*) FROM tainou_keyings k WHERE k.page_id = p.id) \
             FROM tainou_pages p WHERE p.batch_id = $1 ORDER BY p.page_no",
        );
        Ok(sqlx::query_as(&sql)
            .bind(batch_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Mismatched pages of a contract's open batches.
    pub async fn tainou_mismatched(&mut self, contract_id: i64) -> Result<Vec<EntryPageRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {PAGE_COLS} FROM tainou_pages WHERE contract_id = $1 AND state = 'mismatch' \
                 AND batch_id IN (SELECT id FROM tainou_batches WHERE closed_at IS NULL) \
                 ORDER BY batch_id, page_no"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }
}
