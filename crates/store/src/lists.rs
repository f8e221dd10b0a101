//! Saved import profiles and frozen target lists.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct ProfileRow {
    pub name: String,
    pub toml: String,
    pub updated_at: String,
    pub updated_by: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct TargetListRow {
    pub id: i64,
    pub name: String,
    pub rule: String,
    pub fiscal_year: i64,
    pub created_at: String,
    pub created_by: Option<i64>,
    pub members: i64,
}

impl Tx {
    pub async fn save_profile(
        &mut self,
        name: &str,
        toml: &str,
        by: Option<i64>,
        now: &str,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO import_profiles (name, toml, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO UPDATE SET toml = excluded.toml, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        );
        sqlx::query(&sql)
            .bind(name)
            .bind(toml)
            .bind(now)
            .bind(by)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn profiles(&mut self) -> Result<Vec<ProfileRow>> {
        Ok(sqlx::query_as(
            "SELECT name, toml, updated_at, updated_by FROM import_profiles ORDER BY name",
        )
        .fetch_all(&mut *self.inner)
        .await?)
    }

    pub async fn insert_target_list(
        &mut self,
        name: &str,
        rule: &str,
        fiscal_year: i64,
        by: Option<i64>,
        now: &str,
        members: &[i64],
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO target_lists (name, rule, fiscal_year, created_at, created_by, members) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(name)
            .bind(rule)
            .bind(fiscal_year)
            .bind(now)
            .bind(by)
            .bind(members.len() as i64)
            .fetch_one(&mut *self.inner)
            .await?;
        for chunk in members.chunks(5000) {
            let mut sql =
                String::from("INSERT INTO target_list_members (list_id, person_id) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("($1, ${})", i + 2));
            }
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query(&sql).bind(id);
            for m in chunk {
                q = q.bind(*m);
            }
            q.execute(&mut *self.inner).await?;
        }
        Ok(id)
    }

    pub async fn target_lists(&mut self) -> Result<Vec<TargetListRow>> {
        Ok(sqlx::query_as(
            "SELECT id, name, rule, fiscal_year, created_at, created_by, members FROM target_lists ORDER BY id DESC",
        )
        .fetch_all(&mut *self.inner)
        .await?)
    }

    pub async fn target_list(&mut self, id: i64) -> Result<Option<TargetListRow>> {
        let sql = self.sql(
            "SELECT id, name, rule, fiscal_year, created_at, created_by, members FROM target_lists WHERE id = $1",
        );
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *self.inner)
            .await?)
    }

    /// Members in id order, one page at a time.
    pub async fn target_list_members(
        &mut self,
        id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<i64>> {
        let sql = self.sql(
            "SELECT person_id FROM target_list_members WHERE list_id = $1 AND person_id > $2 \
             ORDER BY person_id LIMIT $3",
        );
        let rows: Vec<(i64,)> = sqlx::query_as(&sql)
            .bind(id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
