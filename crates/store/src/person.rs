//! Vaults and the sealed person records in them. The store sees only
//! ciphertext and blind-index tokens; which items are loaded is decided by
//! the caller's item list, so items outside a purpose never leave the disk.

use crate::{Result, Tx};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow)]
pub struct VaultRow {
    pub id: i64,
    pub contract_id: Option<i64>,
    pub wrapped_key: Option<Vec<u8>>,
    pub destroyed_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PersonItemsRow {
    pub person_id: i64,
    pub items: Vec<(String, Vec<u8>)>,
}

impl Tx {
    pub async fn insert_vault(
        &mut self,
        contract_id: Option<i64>,
        wrapped_key: &[u8],
        now: &str,
    ) -> Result<i64> {
        let sql = self.sql(
            "INSERT INTO vaults (contract_id, wrapped_key, created_at) VALUES ($1, $2, $3) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(contract_id)
            .bind(wrapped_key)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(id)
    }

    /// The ward's vault is the one without a contract.
    pub async fn vault_for(&mut self, contract_id: Option<i64>) -> Result<Option<VaultRow>> {
        let row = match contract_id {
            Some(c) => {
                let sql = self.sql(
                    "SELECT id, contract_id, wrapped_key, destroyed_at FROM vaults WHERE contract_id = $1",
                );
                sqlx::query_as(&sql)
                    .bind(c)
                    .fetch_optional(&mut *self.inner)
                    .await?
            }
            None => {
                sqlx::query_as(
                    "SELECT id, contract_id, wrapped_key, destroyed_at FROM vaults \
                     WHERE contract_id IS NULL ORDER BY id LIMIT 1",
                )
                .fetch_optional(&mut *self.inner)
                .await?
            }
        };
        Ok(row)
    }

    /// Insert a person, or return the existing one with the same key.
    pub async fn upsert_person(
        &mut self,
        vault_id: i64,
        person_key: &[u8],
        source: Option<i64>,
        now: &str,
    ) -> Result<(i64, bool)> {
        let sql = self.sql("SELECT id FROM persons WHERE vault_id = $1 AND person_key = $2");
        let existing: Option<(i64,)> = sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(person_key)
            .fetch_optional(&mut *self.inner)
            .await?;
        if let Some((id,)) = existing {
            return Ok((id, false));
        }
        let sql = self.sql(
            "INSERT INTO persons (vault_id, person_key, source_person_id, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        );
        let (id,): (i64,) = sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(person_key)
            .bind(source)
            .bind(now)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok((id, true))
    }

    pub async fn put_item(&mut self, person_id: i64, item: &str, sealed: &[u8]) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO person_items (person_id, item, sealed) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id, item) DO UPDATE SET sealed = excluded.sealed",
        );
        sqlx::query(&sql)
            .bind(person_id)
            .bind(item)
            .bind(sealed)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn replace_search_tokens(
        &mut self,
        person_id: i64,
        tokens: &[Vec<u8>],
    ) -> Result<()> {
        let sql = self.sql("DELETE FROM person_search WHERE person_id = $1");
        sqlx::query(&sql)
            .bind(person_id)
            .execute(&mut *self.inner)
            .await?;
        let sql = self.sql("INSERT INTO person_search (person_id, token) VALUES ($1, $2)");
        for t in tokens {
            sqlx::query(&sql)
                .bind(person_id)
                .bind(t.as_slice())
                .execute(&mut *self.inner)
                .await?;
        }
        Ok(())
    }

    pub async fn count_persons(&mut self, vault_id: i64) -> Result<i64> {
        let sql = self.sql("SELECT COUNT(*) FROM persons WHERE vault_id = $1");
        let (n,): (i64,) = sqlx::query_as(&sql)
            .bind(vault_id)
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(n)
    }

    /// Person ids of a vault, in id order, one page at a time.
    pub async fn person_ids(&mut self, vault_id: i64, after: i64, limit: i64) -> Result<Vec<i64>> {
        let sql =
            self.sql("SELECT id FROM persons WHERE vault_id = $1 AND id > $2 ORDER BY id LIMIT $3");
        let rows: Vec<(i64,)> = sqlx::query_as(&sql)
            .bind(vault_id)
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Persons of a vault holding every one of the tokens.
    pub async fn persons_with_tokens(
        &mut self,
        vault_id: i64,
        tokens: &[Vec<u8>],
        limit: i64,
    ) -> Result<Vec<i64>> {
        let Some((first, rest)) = tokens.split_first() else {
            return Ok(Vec::new());
        };
        let mut sql = String::from(
            "SELECT p.id FROM persons p JOIN person_search s ON s.person_id = p.id \
             WHERE p.vault_id = $1 AND s.token = $2",
        );
        for i in 0..rest.len() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM person_search t WHERE t.person_id = p.id AND t.token = ${})",
                i + 3
            ));
        }
        sql.push_str(&format!(" ORDER BY p.id LIMIT ${}", rest.len() + 3));
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query_as::<_, (i64,)>(&sql)
            .bind(vault_id)
            .bind(first.as_slice());
        for t in rest {
            q = q.bind(t.as_slice());
        }
        let rows = q.bind(limit).fetch_all(&mut *self.inner).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Load only the named items of the given persons of one vault. A person
    /// of another vault is simply absent from the answer.
    pub async fn load_items(
        &mut self,
        vault_id: i64,
        person_ids: &[i64],
        items: &[&str],
    ) -> Result<Vec<PersonItemsRow>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out: Vec<PersonItemsRow> = Vec::with_capacity(person_ids.len());
        let mut sql =
            String::from("SELECT p.id FROM persons p WHERE p.vault_id = $1 AND p.id IN (");
        for i in 0..person_ids.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", i + 2));
        }
        sql.push_str(") ORDER BY p.id");
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query_as::<_, (i64,)>(&sql).bind(vault_id);
        for id in person_ids {
            q = q.bind(*id);
        }
        let present = q.fetch_all(&mut *self.inner).await?;
        if items.is_empty() {
            return Ok(present
                .into_iter()
                .map(|(id,)| PersonItemsRow {
                    person_id: id,
                    items: Vec::new(),
                })
                .collect());
        }
        let ids: Vec<i64> = present.into_iter().map(|r| r.0).collect();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut sql =
            String::from("SELECT person_id, item, sealed FROM person_items WHERE person_id IN (");
        for i in 0..ids.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", i + 1));
        }
        sql.push_str(") AND item IN (");
        for i in 0..items.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", ids.len() + i + 1));
        }
        sql.push_str(") ORDER BY person_id, item");
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query_as::<_, (i64, String, Vec<u8>)>(&sql);
        for id in &ids {
            q = q.bind(*id);
        }
        for item in items {
            q = q.bind(*item);
        }
        let rows = q.fetch_all(&mut *self.inner).await?;
        for id in ids {
            out.push(PersonItemsRow {
                person_id: id,
                items: Vec::new(),
            });
        }
        for (pid, item, sealed) in rows {
            if let Some(p) = out.iter_mut().find(|p| p.person_id == pid) {
                p.items.push((item, sealed));
            }
        }
        Ok(out)
    }
}
