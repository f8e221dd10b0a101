//! A backend-neutral view of every table, for logical backups: the tables
//! in foreign-key order, their columns as one of three kinds, rows read as
//! a stream inside a snapshot, and rows written back in batches. Both
//! schemas carry the same tables and columns (same migration numbers), so a
//! dump from one backend restores into the other.

use crate::pool::Backend;
use crate::{Result, Store, StoreError, Tx};
use futures_util::TryStreamExt;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// The three kinds of column the schema uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Int,
    Text,
    Blob,
}

impl ColumnKind {
    pub fn code(self) -> &'static str {
        match self {
            ColumnKind::Int => "int",
            ColumnKind::Text => "text",
            ColumnKind::Blob => "blob",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "int" => Some(ColumnKind::Int),
            "text" => Some(ColumnKind::Text),
            "blob" => Some(ColumnKind::Blob),
            _ => None,
        }
    }

    /// From the declared type (SQLite) or `data_type` (PostgreSQL).
    fn from_declared(t: &str) -> Option<Self> {
        match t.to_ascii_lowercase().as_str() {
            "integer" | "bigint" | "smallint" => Some(ColumnKind::Int),
            "text" => Some(ColumnKind::Text),
            "blob" | "bytea" => Some(ColumnKind::Blob),
            _ => None,
        }
    }
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    pub name: String,
    pub columns: Vec<(String, ColumnKind)>,
    /// Primary-key columns: rows are read in this order, so a table that
    /// refers to itself (organisations) is written back parents first.
    pub primary_key: Vec<String>,
}

/// A name that is safe to put into SQL between double quotes.
fn ident(name: &str) -> Result<String> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(format!("\"{name}\""))
    } else {
        Err(StoreError::Corrupt(format!("不正な表名・列名です: {name}")))
    }
}

impl Store {
    /// A transaction that sees one consistent state of every table, for a
    /// backup taken while the system is in use. SQLite's deferred
    /// transaction holds its snapshot from the first read; PostgreSQL needs
    /// REPEATABLE READ for one snapshot across statements.
    pub async fn begin_snapshot(&self) -> Result<Tx> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            tx.execute_raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
        }
        Ok(tx)
    }
}

impl Tx {
    /// Every application table (not the migrations' bookkeeping, nor the
    /// policy version counter, which the triggers derive), parents before
    /// the tables that refer to them.
    pub async fn schema_tables(&mut self) -> Result<Vec<TableSchema>> {
        let names: Vec<String> = match self.backend() {
            Backend::Sqlite => sqlx::query_as::<_, (String,)>(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' \
                 AND name NOT IN ('_sqlx_migrations', 'policy_version')",
            ),
            Backend::Postgres => sqlx::query_as::<_, (String,)>(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
                 AND tablename NOT IN ('_sqlx_migrations', 'policy_version')",
            ),
        }
        .fetch_all(&mut *self.inner)
        .await?
        .into_iter()
        .map(|r| r.0)
        .collect();
        let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for name in &names {
            ident(name)?;
            let (schema, refs) = self.table_schema(name).await?;
            parents.insert(
                name.clone(),
                refs.into_iter().filter(|p| p != name).collect(),
            );
            tables.insert(name.clone(), schema);
        }
        // Kahn's algorithm; among the ready tables, alphabetical order.
        let mut out = Vec::with_capacity(tables.len());
        while !parents.is_empty() {
            let ready: Vec<String> = parents
                .iter()
                .filter(|(_, ps)| ps.iter().all(|p| !parents.contains_key(p)))
                .map(|(n, _)| n.clone())
                .collect();
            if ready.is_empty() {
                return Err(StoreError::Corrupt(
                    "表の参照関係が循環しているため、順序を決められません".into(),
                ));
            }
            for n in ready {
                parents.remove(&n);
                if let Some(t) = tables.remove(&n) {
                    out.push(t);
                }
            }
        }
        Ok(out)
    }

    /// Columns, primary key and referenced tables of one table.
    async fn table_schema(&mut self, name: &str) -> Result<(TableSchema, Vec<String>)> {
        let (cols, refs): (Vec<(String, String, i64)>, Vec<String>) = match self.backend() {
            Backend::Sqlite => {
                let cols = sqlx::query_as::<_, (String, String, i64)>(
                    "SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid",
                )
                .bind(name)
                .fetch_all(&mut *self.inner)
                .await?;
                let refs = sqlx::query_as::<_, (String,)>(
                    "SELECT \"table\" FROM pragma_foreign_key_list($1)",
                )
                .bind(name)
                .fetch_all(&mut *self.inner)
                .await?;
                (cols, refs.into_iter().map(|r| r.0).collect())
            }
            Backend::Postgres => {
                let cols = sqlx::query_as::<_, (String, String, i64)>(
                    "SELECT c.column_name::text, c.data_type::text, \
                     COALESCE((SELECT k.ordinal_position FROM information_schema.key_column_usage k \
                       JOIN information_schema.table_constraints t \
                         ON t.constraint_name = k.constraint_name AND t.table_schema = k.table_schema \
                       WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = 'public' \
                         AND k.table_name = c.table_name AND k.column_name = c.column_name), 0)::bigint \
                     FROM information_schema.columns c \
                     WHERE c.table_schema = 'public' AND c.table_name = $1 \
                     ORDER BY c.ordinal_position",
                )
                .bind(name)
                .fetch_all(&mut *self.inner)
                .await?;
                let refs = sqlx::query_as::<_, (String,)>(
                    "SELECT DISTINCT p.relname::text FROM pg_constraint c \
                     JOIN pg_class t ON t.oid = c.conrelid \
                     JOIN pg_class p ON p.oid = c.confrelid \
                     JOIN pg_namespace n ON n.oid = t.relnamespace \
                     WHERE c.contype = 'f' AND n.nspname = 'public' AND t.relname = $1",
                )
                .bind(name)
                .fetch_all(&mut *self.inner)
                .await?;
                (cols, refs.into_iter().map(|r| r.0).collect())
            }
        };
        let mut columns = Vec::with_capacity(cols.len());
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (col, declared, pk_pos) in cols {
            ident(&col)?;
            let kind = ColumnKind::from_declared(&declared).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "{name}.{col} の型 {declared} はバックアップできません"
                ))
            })?;
            if pk_pos > 0 {
                pk.push((pk_pos, col.clone()));
            }
            columns.push((col, kind));
        }
        pk.sort();
        Ok((
            TableSchema {
                name: name.to_owned(),
                columns,
                primary_key: pk.into_iter().map(|p| p.1).collect(),
            },
            refs,
        ))
    }

    /// Hand every row of `table` to `f`, in primary-key order, as the
    /// database streams them (the table is never held in memory).
    pub async fn each_row<E: From<StoreError>>(
        &mut self,
        table: &TableSchema,
        mut f: impl FnMut(Vec<Cell>) -> std::result::Result<(), E>,
    ) -> std::result::Result<u64, E> {
        let sql = select_sql(table)?;
        let mut rows = sqlx::query(&sql).fetch(&mut *self.inner);
        let mut n = 0u64;
        while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
            let mut cells = Vec::with_capacity(table.columns.len());
            for (i, (_, kind)) in table.columns.iter().enumerate() {
                let cell = match kind {
                    ColumnKind::Int => row
                        .try_get::<Option<i64>, _>(i)
                        .map_err(StoreError::from)?
                        .map_or(Cell::Null, Cell::Int),
                    ColumnKind::Text => row
                        .try_get::<Option<String>, _>(i)
                        .map_err(StoreError::from)?
                        .map_or(Cell::Null, Cell::Text),
                    ColumnKind::Blob => row
                        .try_get::<Option<Vec<u8>>, _>(i)
                        .map_err(StoreError::from)?
                        .map_or(Cell::Null, Cell::Blob),
                };
                cells.push(cell);
            }
            f(cells)?;
            n += 1;
        }
        Ok(n)
    }

    /// Insert rows given in `table`'s column order, in multi-row statements.
    pub async fn insert_rows(&mut self, table: &TableSchema, rows: &[Vec<Cell>]) -> Result<()> {
        let cols = table
            .columns
            .iter()
            .map(|(c, _)| ident(c))
            .collect::<Result<Vec<_>>>()?;
        // Inside SQLite's 32766 and PostgreSQL's 65535 bound parameters.
        let per = (30_000 / cols.len().max(1)).clamp(1, 500);
        for part in rows.chunks(per) {
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                ident(&table.name)?,
                cols.join(", ")
            );
            let mut n = 1;
            for (r, row) in part.iter().enumerate() {
                if row.len() != cols.len() {
                    return Err(StoreError::Corrupt(format!(
                        "{} の行の列数が合いません",
                        table.name
                    )));
                }
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for k in 0..cols.len() {
                    if k > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${n}"));
                    n += 1;
                }
                sql.push(')');
            }
            let sql = self.sql(&sql).into_owned();
            let mut q = sqlx::query(&sql).persistent(false);
            for row in part {
                for (cell, (_, kind)) in row.iter().zip(&table.columns) {
                    // A NULL is bound with its column's type: PostgreSQL
                    // refuses a bigint NULL in a text column.
                    q = match (cell, kind) {
                        (Cell::Int(v), ColumnKind::Int) => q.bind(*v),
                        (Cell::Text(v), ColumnKind::Text) => q.bind(v.as_str()),
                        (Cell::Blob(v), ColumnKind::Blob) => q.bind(v.as_slice()),
                        (Cell::Null, ColumnKind::Int) => q.bind(None::<i64>),
                        (Cell::Null, ColumnKind::Text) => q.bind(None::<String>),
                        (Cell::Null, ColumnKind::Blob) => q.bind(None::<Vec<u8>>),
                        _ => {
                            return Err(StoreError::Corrupt(format!(
                                "{} の値の型が列の型と合いません",
                                table.name
                            )))
                        }
                    };
                }
            }
            q.execute(&mut *self.inner).await?;
        }
        Ok(())
    }

    /// Empty the tables whose only rows a fresh database has are the
    /// defaults its migrations put there (the ward's default reason and
    /// request codes): a restore brings the backed-up rows instead.
    pub async fn clear_migration_defaults(&mut self) -> Result<()> {
        for table in MIGRATION_DEFAULTS {
            let sql = format!("DELETE FROM {}", ident(table)?);
            sqlx::query(&sql).execute(&mut *self.inner).await?;
        }
        Ok(())
    }

    /// Rows in a table (to check that a restore target is empty).
    pub async fn count_rows(&mut self, table: &str) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {}", ident(table)?);
        let (n,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *self.inner).await?;
        Ok(n)
    }

    /// After rows were inserted with their ids, PostgreSQL's identity
    /// sequences must continue after the largest id. SQLite needs nothing.
    pub async fn reset_identities(&mut self) -> Result<()> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        let cols: Vec<(String, String)> = sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND is_identity = 'YES'",
        )
        .fetch_all(&mut *self.inner)
        .await?;
        for (table, col) in cols {
            let (t, c) = (ident(&table)?, ident(&col)?);
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{t}', '{col}'), \
                 COALESCE((SELECT MAX({c}) FROM {t}), 0) + 1, false)"
            );
            sqlx::query(&sql).execute(&mut *self.inner).await?;
        }
        Ok(())
    }
}

fn select_sql(table: &TableSchema) -> Result<String> {
    let cols = table
        .columns
        .iter()
        .map(|(c, _)| ident(c))
        .collect::<Result<Vec<_>>>()?;
    let mut sql = format!("SELECT {} FROM {}", cols.join(", "), ident(&table.name)?);
    if !table.primary_key.is_empty() {
        let pk = table
            .primary_key
            .iter()
            .map(|c| ident(c))
            .collect::<Result<Vec<_>>>()?;
        sql.push_str(" ORDER BY ");
        sql.push_str(&pk.join(", "));
    }
    Ok(sql)
}

/// Tables a migration fills with defaults.
const MIGRATION_DEFAULTS: [&str; 1] = ["contact_codes"];
