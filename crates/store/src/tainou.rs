//! 国保料滞納整理 (seed 004): the ward's household ledger (households,
//! assessments, payments, plans, history entries). Everything personal
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

const HH_COLS: &str = "id, vault_id, row_key, kigo, head_person_id, created_at";
const ENTRY_COLS: &str = "id, household_id, row_key, entry_on, fields, note, note_flags, \
    note_state, source, page_id, created_at, created_by, actor, supersedes, superseded_by";

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
        let list: Vec<String> = (0..person_ids.len())
            .map(|i| format!("${}", i + 1))
            .collect();
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
}
