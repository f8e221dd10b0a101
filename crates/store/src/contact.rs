//! The ward's coded lists for contact work (reasons for not attending,
//! requests) and the do-not-call register.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ContactCodeRow {
    pub id: i64,
    /// `reason` or `request`.
    pub list: String,
    pub code: String,
    pub label: String,
    pub position: i64,
    pub active: i64,
}

impl Tx {
    /// Every code of `list`, active or not, in the ward's order.
    pub async fn contact_codes(&mut self, list: &str) -> Result<Vec<ContactCodeRow>> {
        let sql = self.sql(
            "SELECT id, list, code, label, position, active FROM contact_codes \
             WHERE list = $1 ORDER BY position, id",
        );
        Ok(sqlx::query_as(&sql)
            .bind(list)
            .fetch_all(&mut *self.inner)
            .await?)
    }

    /// Add a code, or change the label, position and state of an existing one.
    pub async fn save_contact_code(
        &mut self,
        list: &str,
        code: &str,
        label: &str,
        position: i64,
        active: bool,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO contact_codes (list, code, label, position, active) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (list, code) DO UPDATE SET label = excluded.label, \
             position = excluded.position, active = excluded.active",
        );
        sqlx::query(&sql)
            .bind(list)
            .bind(code)
            .bind(label)
            .bind(position)
            .bind(i64::from(active))
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    /// Record that the person behind `ward_person_id` asked not to be
    /// called; the first record stays.
    pub async fn set_do_not_call(
        &mut self,
        ward_person_id: i64,
        at: &str,
        user_id: Option<i64>,
        contract_id: Option<i64>,
        source: &str,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO do_not_call (ward_person_id, set_at, set_by, contract_id, source) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ward_person_id) DO NOTHING",
        );
        sqlx::query(&sql)
            .bind(ward_person_id)
            .bind(at)
            .bind(user_id)
            .bind(contract_id)
            .bind(source)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn is_do_not_call(&mut self, ward_person_id: i64) -> Result<bool> {
        let sql = self.sql("SELECT COUNT(*) FROM do_not_call WHERE ward_person_id = $1");
        let (n,): (i64,) = sqlx::query_as(&sql)
            .bind(ward_person_id)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(n > 0)
    }
}
