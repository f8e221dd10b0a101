//! 国保料滞納整理 (seed 004): the ward's household ledger and the entry
//! contract's batches, pages, keyings and settlements. Everything personal
//! arrives sealed; corrections insert a new row and mark the old one
//! superseded, so no content is ever updated in place.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct HouseholdRow {
    pub id: i64,
    pub vault_id: i64,
    pub row_key: Vec<u8>,
    pub kigo: Vec<u8>,
    pub head_person_id: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct HouseholdMemberRow {
    pub household_id: i64,
    pub person_id: i64,
    pub relation: String,
}

/// An assessment, a payment or a plan: a sealed amount (or amounts) on a
/// household, superseded by a correction.
#[derive(Debug, Clone, FromRow)]
pub struct AssessmentRow {
    pub id: i64,
    pub household_id: i64,
    pub fiscal_year: i64,
    pub amount: Vec<u8>,
    pub created_at: String,
    pub actor: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub household_id: i64,
    pub fiscal_year: i64,
    pub paid_on: String,
    pub plan_id: Option<i64>,
    pub amount: Vec<u8>,
    pub created_at: String,
    pub actor: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub household_id: i64,
    pub agreed_on: String,
    pub total: Vec<u8>,
    pub schedule: Vec<u8>,
    pub created_at: String,
    pub actor: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct LedgerEntryRow {
    pub id: i64,
    pub household_id: i64,
    pub row_key: Vec<u8>,
    pub entry_on: String,
    pub fields: Vec<u8>,
    pub note: Option<Vec<u8>>,
    pub note_flags: String,
    pub note_state: String,
    pub source: String,
    pub page_id: Option<i64>,
    pub created_at: String,
    pub created_by: Option<i64>,
    pub actor: String,
    pub supersedes: Option<i64>,
    pub superseded_by: Option<i64>,
}

pub struct NewLedgerEntry<'a> {
    pub household_id: i64,
    pub row_key: &'a [u8],
    pub entry_on: &'a str,
    pub fields: Vec<u8>,
    pub note: Option<Vec<u8>>,
    pub note_flags: &'a str,
    pub note_state: &'a str,
    pub source: &'a str,
    pub page_id: Option<i64>,
    pub created_at: &'a str,
    pub created_by: Option<i64>,
    pub actor: &'a str,
    pub supersedes: Option<i64>,
}

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

const HH_COLS: &str = "id, vault_id, row_key, kigo, head_person_id, created_at";
const ENTRY_COLS: &str = "id, household_id, row_key, entry_on, fields, note, note_flags, \
    note_state, source, page_id, created_at, created_by, actor, supersedes, superseded_by";
const BATCH_COLS: &str =
    "id, contract_id, name, default_era, pages, created_at, actor, closed_at, closed_by";
const PAGE_COLS: &str = "id, batch_id, contract_id, household_id, page_no, state, done_at";
const KEYING_COLS: &str = "id, page_id, contract_id, pass, user_id, keyed_at, content";

impl Tx {
    pub async fn insert_tainou_household(
        &mut self,
        vault_id: i64,
        row_key: &[u8],
        kigo_token: &[u8],
        kigo: &[u8],
        head_person_id: i64,
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_households (vault_id, row_key, kigo_token, kigo, head_person_id, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(row_key)
            .bind(kigo_token)
            .bind(kigo)
            .bind(head_person_id)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn insert_tainou_member(
        &mut self,
        household_id: i64,
        person_id: i64,
        relation: &str,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO tainou_members (household_id, person_id, relation) VALUES ($1, $2, $3)",
        );
        sqlx::query(&sql)
            .bind(household_id)
            .bind(person_id)
            .bind(relation)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn tainou_household(&mut self, id: i64) -> Result<Option<HouseholdRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {HH_COLS} FROM tainou_households WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    pub async fn tainou_household_by_kigo(
        &mut self,
        vault_id: i64,
        kigo_token: &[u8],
    ) -> Result<Option<HouseholdRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {HH_COLS} FROM tainou_households WHERE vault_id = $1 AND kigo_token = $2"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(kigo_token)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Households a person heads or belongs to.
    pub async fn tainou_households_of(&mut self, person_ids: &[i64]) -> Result<Vec<HouseholdRow>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..person_ids.len()).map(|i| format!("${}", i + 1)).collect();
        let list = list.join(",");
        let sql = self
            .sql(&format!(
                "SELECT {HH_COLS} FROM tainou_households WHERE head_person_id IN ({list}) \
                 OR id IN (SELECT household_id FROM tainou_members WHERE person_id IN ({list})) \
                 ORDER BY id"
            ))
            .into_owned();
        let mut q = sqlx::query_as(&sql);
        for id in person_ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(&mut *self.inner).await?)
    }

    pub async fn tainou_members(&mut self, household_id: i64) -> Result<Vec<HouseholdMemberRow>> {
        let sql = self.sql(
            "SELECT household_id, person_id, relation FROM tainou_members \
             WHERE household_id = $1 ORDER BY person_id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(household_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_tainou_assessment(
        &mut self,
        household_id: i64,
        fiscal_year: i64,
        amount: &[u8],
        now: &str,
        actor: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_assessments (household_id, fiscal_year, amount, created_at, actor) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(household_id)
            .bind(fiscal_year)
            .bind(amount)
            .bind(now)
            .bind(actor)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// Current (not superseded) assessments, by fiscal year.
    pub async fn tainou_assessments(&mut self, household_id: i64) -> Result<Vec<AssessmentRow>> {
        let sql = self.sql(
            "SELECT id, household_id, fiscal_year, amount, created_at, actor \
             FROM tainou_assessments WHERE household_id = $1 AND superseded_by IS NULL \
             ORDER BY fiscal_year, id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(household_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Mark an assessment superseded by a newer one of the same year.
    pub async fn supersede_tainou_assessment(&mut self, old: i64, new: i64) -> Result<bool> {
        let sql = self.sql(
            "UPDATE tainou_assessments SET superseded_by = $1 WHERE id = $2 AND superseded_by IS NULL",
        );
        let n = sqlx::query(&sql)
            .bind(new)
            .bind(old)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn insert_tainou_payment(
        &mut self,
        household_id: i64,
        fiscal_year: i64,
        paid_on: &str,
        plan_id: Option<i64>,
        amount: &[u8],
        now: &str,
        actor: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_payments (household_id, fiscal_year, paid_on, plan_id, amount, \
             created_at, actor) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(household_id)
            .bind(fiscal_year)
            .bind(paid_on)
            .bind(plan_id)
            .bind(amount)
            .bind(now)
            .bind(actor)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn tainou_payments(&mut self, household_id: i64) -> Result<Vec<PaymentRow>> {
        let sql = self.sql(
            "SELECT id, household_id, fiscal_year, paid_on, plan_id, amount, created_at, actor \
             FROM tainou_payments WHERE household_id = $1 AND superseded_by IS NULL \
             ORDER BY paid_on, id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(household_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_tainou_plan(
        &mut self,
        household_id: i64,
        agreed_on: &str,
        total: &[u8],
        schedule: &[u8],
        now: &str,
        actor: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_plans (household_id, agreed_on, total, schedule, created_at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(household_id)
            .bind(agreed_on)
            .bind(total)
            .bind(schedule)
            .bind(now)
            .bind(actor)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    pub async fn tainou_plans(&mut self, household_id: i64) -> Result<Vec<PlanRow>> {
        let sql = self.sql(
            "SELECT id, household_id, agreed_on, total, schedule, created_at, actor \
             FROM tainou_plans WHERE household_id = $1 AND superseded_by IS NULL \
             ORDER BY agreed_on, id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(household_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn insert_tainou_entry(&mut self, e: &NewLedgerEntry<'_>) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO tainou_entries (household_id, row_key, entry_on, fields, note, \
             note_flags, note_state, source, page_id, created_at, created_by, actor, supersedes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(e.household_id)
            .bind(e.row_key)
            .bind(e.entry_on)
            .bind(e.fields.as_slice())
            .bind(e.note.as_deref())
            .bind(e.note_flags)
            .bind(e.note_state)
            .bind(e.source)
            .bind(e.page_id)
            .bind(e.created_at)
            .bind(e.created_by)
            .bind(e.actor)
            .bind(e.supersedes)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// False when `old` is already superseded (a concurrent correction won).
    pub async fn supersede_tainou_entry(&mut self, old: i64, new: i64) -> Result<bool> {
        let sql = self.sql(
            "UPDATE tainou_entries SET superseded_by = $1 WHERE id = $2 AND superseded_by IS NULL",
        );
        let n = sqlx::query(&sql)
            .bind(new)
            .bind(old)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// A household's history, oldest first, superseded rows included.
    pub async fn tainou_entries(&mut self, household_id: i64) -> Result<Vec<LedgerEntryRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {ENTRY_COLS} FROM tainou_entries WHERE household_id = $1 \
                 ORDER BY entry_on, id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(household_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn tainou_entry(&mut self, id: i64) -> Result<Option<LedgerEntryRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {ENTRY_COLS} FROM tainou_entries WHERE id = $1"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Current entries keyed from one page.
    pub async fn tainou_entries_of_page(&mut self, page_id: i64) -> Result<Vec<LedgerEntryRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {ENTRY_COLS} FROM tainou_entries WHERE page_id = $1 \
                 AND superseded_by IS NULL ORDER BY entry_on, id"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(page_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Release a held note or delete it (the note goes, the entry stays).
    pub async fn review_tainou_note(&mut self, id: i64, release: bool) -> Result<bool> {
        let sql = if release {
            "UPDATE tainou_entries SET note_state = 'released' WHERE id = $1 AND note_state = 'held'"
        } else {
            "UPDATE tainou_entries SET note_state = 'deleted', note = NULL \
             WHERE id = $1 AND note_state = 'held'"
        };
        let sql = self.sql(sql);
        let n = sqlx::query(&sql)
            .bind(id)
            .execute(&mut *self.inner)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

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

    pub async fn tainou_pages(&mut self, batch_id: i64) -> Result<Vec<EntryPageRow>> {
        let sql = self
            .sql(&format!(
                "SELECT {PAGE_COLS} FROM tainou_pages WHERE batch_id = $1 ORDER BY page_no"
            ))
            .into_owned();
        Ok(sqlx::query_as(&sql)
            .bind(batch_id)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    pub async fn tainou_page(&mut self, id: i64) -> Result<Option<EntryPageRow>> {
        let sql = self
            .sql(&format!("SELECT {PAGE_COLS} FROM tainou_pages WHERE id = $1"))
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
        let sql = self.sql(
            "UPDATE tainou_pages SET state = $1, done_at = $2 WHERE id = $3 AND state = $4",
        );
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

    pub async fn tainou_settlement(&mut self, page_id: i64) -> Result<Option<SettlementRow>> {
        let sql = self.sql(
            "SELECT id, page_id, contract_id, user_id, settled_at, content \
             FROM tainou_settlements WHERE page_id = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(page_id)
            .fetch_optional(&mut *self.inner)
            .await?)
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
