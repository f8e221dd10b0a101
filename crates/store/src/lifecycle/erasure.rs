//! The erasure of a contract's vault, step by step. Each step is its own
//! transaction that also moves the `erasures` row to the next state, so the
//! state always says what has certainly been done. The transitions are
//! conditional on the previous state: two processes resuming the same
//! erasure cannot both perform (or certify) a step.

use crate::pool::Backend;
use crate::{Result, Store, StoreError, Tx};
use sqlx::FromRow;
use std::time::Duration;

/// Rows of one contract's vault and what refers to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VaultCounts {
    pub persons: i64,
    pub search_tokens: i64,
    pub campaign_members: i64,
    pub print_items: i64,
    pub list_members: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct ErasureRow {
    pub id: i64,
    pub contract_id: i64,
    pub vault_id: i64,
    pub state: String,
    pub requested_at: String,
    pub requested_by: Option<i64>,
    pub operator: String,
    pub waiver: Option<String>,
    pub open_campaigns: i64,
    pub key_id: String,
    pub persons: i64,
    pub search_tokens: i64,
    pub campaign_members: i64,
    pub print_items: i64,
    pub list_members: i64,
    pub keys_destroyed_at: Option<String>,
    pub rows_deleted_at: Option<String>,
    pub deleted_persons: Option<i64>,
    pub deleted_search_tokens: Option<i64>,
    pub deleted_campaign_members: Option<i64>,
    pub deleted_print_items: Option<i64>,
    pub deleted_list_members: Option<i64>,
    pub purged_at: Option<String>,
    pub purge_method: Option<String>,
    pub certified_at: Option<String>,
    pub certificate: Option<String>,
}

/// What step (a) records.
pub struct NewErasure<'a> {
    pub contract_id: i64,
    pub vault_id: i64,
    pub requested_at: &'a str,
    pub requested_by: Option<i64>,
    pub operator: &'a str,
    pub waiver: Option<&'a str>,
    pub open_campaigns: i64,
    pub key_id: &'a str,
    pub counts: VaultCounts,
}

const ERASURE_COLS: &str = "id, contract_id, vault_id, state, requested_at, requested_by, \
    operator, waiver, open_campaigns, key_id, persons, search_tokens, campaign_members, \
    print_items, list_members, keys_destroyed_at, rows_deleted_at, deleted_persons, \
    deleted_search_tokens, deleted_campaign_members, deleted_print_items, \
    deleted_list_members, purged_at, purge_method, certified_at, certificate";

/// The print items, members and list entries that refer to a vault's
/// persons, and the persons with their search tokens, children first. Each
/// statement takes one parameter: the vault id, or the contract id for the
/// contract's campaigns.
const ROWS_OF_VAULT: [(&str, Param); 5] = [
    (
        "FROM print_run_items WHERE run_id IN (SELECT id FROM print_runs WHERE campaign_id IN \
         (SELECT id FROM campaigns WHERE contract_id = $1))",
        Param::Contract,
    ),
    (
        "FROM campaign_members WHERE campaign_id IN \
         (SELECT id FROM campaigns WHERE contract_id = $1)",
        Param::Contract,
    ),
    (
        "FROM target_list_members WHERE person_id IN (SELECT id FROM persons WHERE vault_id = $1)",
        Param::Vault,
    ),
    (
        "FROM person_search WHERE person_id IN (SELECT id FROM persons WHERE vault_id = $1)",
        Param::Vault,
    ),
    ("FROM persons WHERE vault_id = $1", Param::Vault),
];

/// Work the contract's staff recorded about its persons (calls, visits,
/// inquiries and what hangs off them), children first; each statement takes
/// the contract id. Deleted before the members and persons they refer to.
/// Every table that holds a contract's work on persons belongs here.
const WORK_ROWS_OF_CONTRACT: &[&str] = &[
    "FROM call_attempts WHERE contract_id = $1",
    "FROM call_targets WHERE contract_id = $1",
    "FROM call_plans WHERE contract_id = $1",
    "FROM visit_records WHERE contract_id = $1",
    "FROM visit_handouts WHERE contract_id = $1",
    "FROM visit_prints WHERE contract_id = $1",
    "FROM visit_targets WHERE contract_id = $1",
    "FROM visit_lists WHERE contract_id = $1",
    // The inquiry desk (問合せ窓口): what hangs off an inquiry, then the
    // inquiries. The complaints the desk filed stay: they are the ward's own
    // record (sealed with the ward's key, answered and reported by the ward).
    // Changes of address go once handled; erasure waits until they are.
    "FROM desk_reissues WHERE contract_id = $1",
    "FROM desk_address_changes WHERE contract_id = $1",
    "FROM desk_inquiries WHERE contract_id = $1",
    // 国保料滞納整理の入力委託: the keyings and settlements (sealed with the
    // contract's key), then the pages and batches. The ledger entries that
    // came of them are the ward's and stay.
    "FROM tainou_settlements WHERE contract_id = $1",
    "FROM tainou_keyings WHERE contract_id = $1",
    "FROM tainou_pages WHERE contract_id = $1",
    "FROM tainou_batches WHERE contract_id = $1",
    // Questionnaires (seed 003): keyings, sheets, responses (sealed with the
    // questionnaire's key), then approvals, choices, questions and the
    // questionnaires. What came back to the ward (anketo_returns) stays.
    "FROM anketo_keyings WHERE contract_id = $1",
    "FROM anketo_sheets WHERE contract_id = $1",
    "FROM anketo_responses WHERE contract_id = $1",
    "FROM anketo_approvals WHERE contract_id = $1",
    "FROM anketo_choices WHERE contract_id = $1",
    "FROM anketo_questions WHERE contract_id = $1",
    "FROM anketo_questionnaires WHERE contract_id = $1",
    // Seminars (seed 003): check-ins, registrations (sealed with each
    // event's key), then the sessions and events themselves. The ward's
    // returned lists (seminar_returns) are the ward's and stay.
    "FROM seminar_checkins WHERE contract_id = $1",
    "FROM seminar_registrations WHERE contract_id = $1",
    "FROM seminar_sessions WHERE contract_id = $1",
    "FROM seminar_events WHERE contract_id = $1",
];

#[derive(Clone, Copy)]
enum Param {
    Vault,
    Contract,
}

fn counts(n: [i64; 5]) -> VaultCounts {
    VaultCounts {
        print_items: n[0],
        campaign_members: n[1],
        list_members: n[2],
        search_tokens: n[3],
        persons: n[4],
    }
}

impl Tx {
    /// Count what an erasure of `vault_id` (the vault of `contract_id`) removes.
    pub async fn vault_counts(&mut self, vault_id: i64, contract_id: i64) -> Result<VaultCounts> {
        let mut n = [0i64; 5];
        for (slot, (from, param)) in n.iter_mut().zip(ROWS_OF_VAULT) {
            let sql = self.sql(&format!("SELECT COUNT(*) {from}")).into_owned();
            let arg = match param {
                Param::Vault => vault_id,
                Param::Contract => contract_id,
            };
            let (c,): (i64,) = sqlx::query_as(&sql)
                .bind(arg)
                .fetch_one(&mut *self.inner)
                .await?;
            *slot = c;
        }
        Ok(counts(n))
    }

    /// Step (c): delete the vault's rows and everything referring to them,
    /// children first. Idempotent: a second run deletes nothing.
    pub async fn delete_vault_rows(
        &mut self,
        vault_id: i64,
        contract_id: i64,
    ) -> Result<VaultCounts> {
        for from in WORK_ROWS_OF_CONTRACT {
            let sql = self.sql(&format!("DELETE {from}")).into_owned();
            sqlx::query(&sql)
                .bind(contract_id)
                .execute(&mut *self.inner)
                .await?;
        }
        let mut n = [0i64; 5];
        for (slot, (from, param)) in n.iter_mut().zip(ROWS_OF_VAULT) {
            let sql = self.sql(&format!("DELETE {from}")).into_owned();
            let arg = match param {
                Param::Vault => vault_id,
                Param::Contract => contract_id,
            };
            *slot = sqlx::query(&sql)
                .bind(arg)
                .execute(&mut *self.inner)
                .await?
                .rows_affected() as i64;
        }
        Ok(counts(n))
    }

    /// Step (b): the vault's wrapped key is overwritten with NULL (again,
    /// harmlessly, on a resumed run).
    pub async fn destroy_vault_key(&mut self, vault_id: i64, now: &str) -> Result<()> {
        let sql = self.sql(
            "UPDATE vaults SET wrapped_key = NULL, \
             destroyed_at = COALESCE(destroyed_at, $1) WHERE id = $2",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(vault_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        if n != 1 {
            return Err(StoreError::Corrupt(format!(
                "金庫 {vault_id} が見つかりません"
            )));
        }
        Ok(())
    }

    /// Every vault, the ward's first.
    pub async fn vaults(&mut self) -> Result<Vec<crate::VaultRow>> {
        Ok(sqlx::query_as(
            "SELECT id, contract_id, wrapped_key, destroyed_at FROM vaults ORDER BY id",
        )
        .fetch_all(&mut *self.inner)
        .await?)
    }

    /// Put a vault's key back (restore from the key escrow), or mark it
    /// destroyed when the escrow says it was.
    pub async fn set_vault_key(
        &mut self,
        vault_id: i64,
        wrapped_key: Option<&[u8]>,
        destroyed_at: Option<&str>,
    ) -> Result<u64> {
        let sql = self.sql("UPDATE vaults SET wrapped_key = $1, destroyed_at = $2 WHERE id = $3");
        Ok(sqlx::query(&sql)
            .bind(wrapped_key)
            .bind(destroyed_at)
            .bind(vault_id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    /// The live keys of a table of narrower keys (one per seminar event, one
    /// per questionnaire): `(row id, wrapped key)`. `table` is one of
    /// [`SUB_KEY_TABLES`], never input.
    pub async fn sub_keys(&mut self, table: &str) -> Result<Vec<(i64, Vec<u8>)>> {
        if !SUB_KEY_TABLES.contains(&table) {
            return Err(crate::StoreError::Corrupt(format!("no key table {table}")));
        }
        let sql = format!(
            "SELECT id, wrapped_key FROM {table} WHERE wrapped_key IS NOT NULL ORDER BY id"
        );
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }

    /// Put a narrower key back (restore from the key escrow).
    pub async fn set_sub_key(&mut self, table: &str, id: i64, wrapped: &[u8]) -> Result<u64> {
        if !SUB_KEY_TABLES.contains(&table) {
            return Err(crate::StoreError::Corrupt(format!("no key table {table}")));
        }
        let sql = self
            .sql(&format!(
                "UPDATE {table} SET wrapped_key = $1 WHERE id = $2"
            ))
            .into_owned();
        Ok(sqlx::query(&sql)
            .bind(wrapped)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected())
    }

    /// Step (a).
    pub async fn insert_erasure(&mut self, e: &NewErasure<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO erasures (contract_id, vault_id, state, requested_at, requested_by, \
             operator, waiver, open_campaigns, key_id, persons, search_tokens, \
             campaign_members, print_items, list_members) \
             VALUES ($1, $2, 'recorded', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(e.contract_id)
            .bind(e.vault_id)
            .bind(e.requested_at)
            .bind(e.requested_by)
            .bind(e.operator)
            .bind(e.waiver)
            .bind(e.open_campaigns)
            .bind(e.key_id)
            .bind(e.counts.persons)
            .bind(e.counts.search_tokens)
            .bind(e.counts.campaign_members)
            .bind(e.counts.print_items)
            .bind(e.counts.list_members)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn erasure(&mut self, id: i64) -> Result<Option<ErasureRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {ERASURE_COLS} FROM erasures WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn erasure_of_contract(&mut self, contract_id: i64) -> Result<Option<ErasureRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {ERASURE_COLS} FROM erasures WHERE contract_id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(contract_id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn erasures(&mut self) -> Result<Vec<ErasureRow>> {
        let sql = format!("SELECT {ERASURE_COLS} FROM erasures ORDER BY id");
        Ok(sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?)
    }

    /// Step (b) done. False when another process got there first.
    pub async fn erasure_keys_destroyed(&mut self, id: i64, now: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE erasures SET state = 'keys_destroyed', keys_destroyed_at = $1 \
             WHERE id = $2 AND state = 'recorded'",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Step (c) done, with what was deleted.
    pub async fn erasure_rows_deleted(
        &mut self,
        id: i64,
        deleted: &VaultCounts,
        now: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE erasures SET state = 'rows_deleted', rows_deleted_at = $1, \
             deleted_persons = $2, deleted_search_tokens = $3, deleted_campaign_members = $4, \
             deleted_print_items = $5, deleted_list_members = $6 \
             WHERE id = $7 AND state = 'keys_destroyed'",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(deleted.persons)
            .bind(deleted.search_tokens)
            .bind(deleted.campaign_members)
            .bind(deleted.print_items)
            .bind(deleted.list_members)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Step (d) done.
    pub async fn erasure_purged(&mut self, id: i64, method: &str, now: &str) -> Result<bool> {
        let sql = self.sql(
            "UPDATE erasures SET state = 'purged', purged_at = $1, purge_method = $2 \
             WHERE id = $3 AND state = 'rows_deleted'",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(method)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Step (e): the one certificate. False when one exists already.
    pub async fn erasure_certified(
        &mut self,
        id: i64,
        certificate: &str,
        now: &str,
    ) -> Result<bool> {
        let sql = self.sql(
            "UPDATE erasures SET state = 'certified', certified_at = $1, certificate = $2 \
             WHERE id = $3 AND state = 'purged'",
        );
        let n = sqlx::query(&sql)
            .bind(now)
            .bind(certificate)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }
}

/// Tables whose freed space may hold a vault's ciphertext or key.
pub const PURGED_TABLES: [&str; 8] = [
    "call_attempts",
    "visit_records",
    "persons",
    "person_search",
    "campaign_members",
    "print_run_items",
    "target_list_members",
    "vaults",
];

impl Store {
    /// Step (d): make deleted rows unrecoverable from the database files.
    /// SQLite rebuilds the file (VACUUM) and empties the WAL, so no freed
    /// page keeps old ciphertext; PostgreSQL vacuums the affected tables,
    /// removing dead tuples. Neither may run inside a transaction. Returns a
    /// description of what was done, for the certificate.
    pub async fn purge_freed_space(&self) -> Result<String> {
        use sqlx::Executor;
        let mut conn = self.pool().acquire().await?;
        match self.backend() {
            Backend::Sqlite => {
                conn.execute("VACUUM").await?;
                // A reader elsewhere can hold the WAL open for a moment:
                // retry, then give up (the erasure resumes later).
                for _ in 0..100 {
                    let (busy, _, _): (i64, i64, i64) =
                        sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                            .fetch_one(&mut *conn)
                            .await?;
                    if busy == 0 {
                        return Ok(
                            "SQLite VACUUM（データベースファイルの再構築）と WAL のチェックポイント（TRUNCATE）"
                                .into(),
                        );
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(StoreError::Corrupt(
                    "他の処理がデータベースを使用中のため、WAL を空にできませんでした。しばらくしてから再実行してください"
                        .into(),
                ))
            }
            Backend::Postgres => {
                let sql = format!("VACUUM (ANALYZE) {}", PURGED_TABLES.join(", "));
                conn.execute(sql.as_str()).await?;
                Ok(format!("PostgreSQL VACUUM（{}）", PURGED_TABLES.join("、")))
            }
        }
    }
}

/// Tables whose rows carry their own data key in `wrapped_key`, destroyed
/// on their own (a seminar event's registrations, a questionnaire's
/// answers). Like the vaults' keys, these are kept out of database backups
/// and written only to the key escrow.
pub const SUB_KEY_TABLES: [&str; 2] = ["seminar_events", "anketo_questionnaires"];
