//! Vaults and the sealed person records in them. The store sees only
//! ciphertext and blind-index tokens; which items are loaded is decided by
//! the caller's item list, so items outside a purpose never leave the disk.

use crate::pool::Backend;
use crate::{Result, StoreError, Tx};
use sqlx::{FromRow, Row};

#[derive(Debug, Clone, FromRow)]
pub struct VaultRow {
    pub id: i64,
    pub contract_id: Option<i64>,
    pub wrapped_key: Option<Vec<u8>>,
    pub destroyed_at: Option<String>,
}

/// One person to insert or replace: its key in the vault and a sealed value
/// (or None) for each item named in the same call.
#[derive(Debug, Clone)]
pub struct PersonRow {
    pub person_key: Vec<u8>,
    pub source_person_id: Option<i64>,
    pub values: Vec<Option<Vec<u8>>>,
}

#[derive(Debug, Clone)]
pub struct PersonItemsRow {
    pub person_id: i64,
    /// The person's key in the vault: part of each field's identity.
    pub person_key: Vec<u8>,
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

    /// Store sealed values of one person, item by item (others untouched).
    pub async fn put_items(&mut self, person_id: i64, items: &[(&str, Vec<u8>)]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut sql = String::from("UPDATE persons SET ");
        for (i, (item, _)) in items.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("{} = ${}", column(item)?, i + 1));
        }
        sql.push_str(&format!(" WHERE id = ${}", items.len() + 1));
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query(&sql);
        for (_, v) in items {
            q = q.bind(v.as_slice());
        }
        q.bind(person_id).execute(&mut *self.inner).await?;
        Ok(())
    }

    /// Insert or replace many persons of one vault in one statement per
    /// chunk; every row sets the same items (absent values as NULL).
    /// Returns, in input order, each row's id and whether it was new.
    pub async fn upsert_persons(
        &mut self,
        vault_id: i64,
        items: &[&str],
        rows: &[PersonRow],
        now: &str,
    ) -> Result<Vec<(i64, bool)>> {
        let cols: Vec<String> = items.iter().map(|i| column(i)).collect::<Result<_>>()?;
        let mut out = Vec::with_capacity(rows.len());
        // Stay well inside SQLite's 32766 bound parameters.
        let per_row = cols.len() + 4;
        let chunk = (30_000 / per_row).clamp(1, 500);
        for part in rows.chunks(chunk) {
            // PostgreSQL says itself which rows were inserted (xmax = 0); a
            // large IN list of keys is slow there. SQLite has no such column
            // but answers the IN list quickly from its index.
            let existing = match self.backend() {
                Backend::Sqlite => Some(
                    self.existing_keys(vault_id, part)
                        .await?
                        .into_iter()
                        .collect::<std::collections::HashSet<Vec<u8>>>(),
                ),
                Backend::Postgres => None,
            };
            let mut sql = String::from(
                "INSERT INTO persons (vault_id, person_key, source_person_id, created_at",
            );
            for c in &cols {
                sql.push_str(", ");
                sql.push_str(c);
            }
            sql.push_str(") VALUES ");
            let mut n = 1;
            for (r, _) in part.iter().enumerate() {
                if r > 0 {
                    sql.push(',');
                }
                sql.push('(');
                for k in 0..per_row {
                    if k > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("${n}"));
                    n += 1;
                }
                sql.push(')');
            }
            sql.push_str(" ON CONFLICT (vault_id, person_key) DO UPDATE SET source_person_id = excluded.source_person_id");
            for c in &cols {
                sql.push_str(&format!(", {c} = excluded.{c}"));
            }
            sql.push_str(match self.backend() {
                Backend::Sqlite => " RETURNING id, person_key, 0",
                Backend::Postgres => {
                    " RETURNING id, person_key, CASE WHEN xmax = 0 THEN 1 ELSE 0 END"
                }
            });
            let sql = self.sql(&sql).into_owned();
            // Multi-row statements differ in size: caching each prepared
            // statement on every connection would hold hundreds of MB.
            let mut q = sqlx::query_as::<_, (i64, Vec<u8>, i32)>(&sql).persistent(false);
            for row in part {
                q = q
                    .bind(vault_id)
                    .bind(row.person_key.as_slice())
                    .bind(row.source_person_id)
                    .bind(now);
                for v in &row.values {
                    q = q.bind(v.as_deref());
                }
            }
            let returned = q.fetch_all(&mut *self.inner).await?;
            let by_key: std::collections::HashMap<&[u8], (i64, bool)> = returned
                .iter()
                .map(|(id, k, ins)| (k.as_slice(), (*id, *ins == 1)))
                .collect();
            for row in part {
                let (id, inserted) =
                    by_key
                        .get(row.person_key.as_slice())
                        .copied()
                        .ok_or_else(|| {
                            StoreError::Corrupt("登録した記録の番号を取得できません".into())
                        })?;
                let new = match &existing {
                    Some(keys) => !keys.contains(&row.person_key),
                    None => inserted,
                };
                out.push((id, new));
            }
        }
        Ok(out)
    }

    async fn existing_keys(&mut self, vault_id: i64, rows: &[PersonRow]) -> Result<Vec<Vec<u8>>> {
        let mut sql =
            String::from("SELECT person_key FROM persons WHERE vault_id = $1 AND person_key IN (");
        for i in 0..rows.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", i + 2));
        }
        sql.push(')');
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query_as::<_, (Vec<u8>,)>(&sql)
            .persistent(false)
            .bind(vault_id);
        for r in rows {
            q = q.bind(r.person_key.as_slice());
        }
        Ok(q.fetch_all(&mut *self.inner)
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect())
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

    /// Replace the search tokens of many persons at once.
    /// `batch` holds (person, tokens, is the person new): a new person has
    /// no tokens yet, so only the others' are deleted first.
    pub async fn replace_search_tokens_batch(
        &mut self,
        batch: &[(i64, Vec<Vec<u8>>, bool)],
    ) -> Result<()> {
        for part in batch.chunks(500) {
            let old: Vec<i64> = part
                .iter()
                .filter(|(_, _, new)| !new)
                .map(|(id, _, _)| *id)
                .collect();
            if !old.is_empty() {
                let mut sql = String::from("DELETE FROM person_search WHERE person_id IN (");
                for i in 0..old.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("${}", i + 1));
                }
                sql.push(')');
                let sql = self.sql(&sql).into_owned();
                let mut q = sqlx::query(&sql).persistent(false);
                for id in &old {
                    q = q.bind(*id);
                }
                q.execute(&mut *self.inner).await?;
            }
            let pairs: Vec<(i64, &[u8])> = part
                .iter()
                .flat_map(|(id, tokens, _)| tokens.iter().map(move |t| (*id, t.as_slice())))
                .collect();
            for chunk in pairs.chunks(10_000) {
                let mut sql = String::from("INSERT INTO person_search (person_id, token) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                }
                let sql = self.sql(&sql).into_owned();
                let mut q = sqlx::query(&sql).persistent(false);
                for (id, t) in chunk {
                    q = q.bind(*id).bind(*t);
                }
                q.execute(&mut *self.inner).await?;
            }
        }
        Ok(())
    }

    /// Search-token entries held for every vault, to judge whether an
    /// import is large beside what is there (see [`Tx::defer_token_index`]).
    pub async fn count_search_tokens(&mut self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM person_search")
            .fetch_one(&mut *self.inner)
            .await?;
        Ok(n)
    }

    /// For a large import into SQLite: drop the token index inside this
    /// transaction, to be built again by [`Tx::restore_token_index`] before
    /// commit. Tokens are random, so each one inserted into a large index
    /// lands on a page of its own; sorting them all once when the index is
    /// built is several times faster (BENCHMARKS.md). Other connections
    /// keep reading their snapshot, index included, and a rollback (an
    /// error, a kill) brings the index back with everything else. On
    /// PostgreSQL dropping the index would lock searches out for the whole
    /// import, so nothing is done there. Returns whether it was dropped.
    pub async fn defer_token_index(&mut self) -> Result<bool> {
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query("DROP INDEX person_search_token")
                    .execute(&mut *self.inner)
                    .await?;
                Ok(true)
            }
            Backend::Postgres => Ok(false),
        }
    }

    /// Build the token index dropped by [`Tx::defer_token_index`].
    pub async fn restore_token_index(&mut self) -> Result<()> {
        sqlx::query("CREATE INDEX IF NOT EXISTS person_search_token ON person_search (token)")
            .execute(&mut *self.inner)
            .await?;
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

    /// Load only the named items of the given persons of one vault: the
    /// other items' columns are not even selected. A person of another
    /// vault is simply absent from the answer.
    pub async fn load_items(
        &mut self,
        vault_id: i64,
        person_ids: &[i64],
        items: &[&str],
    ) -> Result<Vec<PersonItemsRow>> {
        if person_ids.is_empty() {
            return Ok(Vec::new());
        }
        let cols: Vec<String> = items.iter().map(|i| column(i)).collect::<Result<_>>()?;
        let mut sql = String::from("SELECT id, person_key");
        for c in &cols {
            sql.push_str(", ");
            sql.push_str(c);
        }
        // `+vault_id`: a term no index may serve. Otherwise SQLite, with
        // no statistics, prefers the (vault_id, person_key) index to the
        // primary key for a long id list and walks the whole vault (20 ms
        // at 200,000 people, for a search with 80 hits).
        sql.push_str(" FROM persons WHERE +vault_id = $1 AND id IN (");
        for i in 0..person_ids.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", i + 2));
        }
        sql.push_str(") ORDER BY id");
        let sql = self.sql(&sql).into_owned();
        let mut q = sqlx::query(&sql).bind(vault_id);
        for id in person_ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&mut *self.inner).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let person_id: i64 = row.try_get(0)?;
            let person_key: Vec<u8> = row.try_get(1)?;
            let mut values = Vec::new();
            for (k, item) in items.iter().enumerate() {
                let v: Option<Vec<u8>> = row.try_get(k + 2)?;
                if let Some(v) = v {
                    values.push(((*item).to_owned(), v));
                }
            }
            out.push(PersonItemsRow {
                person_id,
                person_key,
                items: values,
            });
        }
        Ok(out)
    }
}

/// The column of an item. Item codes come from the catalogue; anything that
/// is not a plain identifier is refused rather than put into SQL.
fn column(item: &str) -> Result<String> {
    if !item.is_empty() && item.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        Ok(format!("i_{item}"))
    } else {
        Err(StoreError::Corrupt(format!("不正な項目名です: {item}")))
    }
}
