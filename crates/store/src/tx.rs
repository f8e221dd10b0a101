use crate::pool::Backend;
use crate::Result;
use sqlx::any::Any;
use std::borrow::Cow;

/// One database transaction. Every operation of the service runs in one, so
/// the change and its audit entry commit together or not at all.
pub struct Tx {
    pub(crate) inner: sqlx::Transaction<'static, Any>,
    backend: Backend,
}

impl Tx {
    pub(crate) fn new(inner: sqlx::Transaction<'static, Any>, backend: Backend) -> Self {
        Self { inner, backend }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Queries are written with PostgreSQL's `$1`. SQLite gets plain `?`
    /// when the placeholders run 1, 2, 3… in order (its named and numbered
    /// forms make binding quadratic in the number of parameters, which
    /// matters for multi-row inserts), and `?N` otherwise.
    pub(crate) fn sql<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        match self.backend {
            Backend::Postgres => Cow::Borrowed(sql),
            Backend::Sqlite => Cow::Owned(sqlite_placeholders(sql)),
        }
    }

    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        self.inner.rollback().await?;
        Ok(())
    }

    /// Run raw statements (several may be given; PostgreSQL runs them with
    /// the simple protocol). For tests and administration only.
    pub async fn execute_raw(&mut self, sql: &str) -> Result<u64> {
        use sqlx::Executor;
        Ok((&mut *self.inner).execute(sql).await?.rows_affected())
    }

    /// Names of a table's indexes, sorted: a check that a bulk write put
    /// back what it took away (see `defer_token_index`).
    pub async fn indexes_of(&mut self, table: &str) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT indexname::text FROM pg_indexes WHERE tablename = $1 ORDER BY indexname"
            }
        };
        let rows: Vec<(String,)> = sqlx::query_as(sql)
            .bind(table)
            .fetch_all(&mut *self.inner)
            .await?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// Every row of every table as text (PostgreSQL), for tests that look
    /// for plaintext where only ciphertext may be. SQLite's tests read the
    /// database files themselves.
    pub async fn dump_tables_text(&mut self) -> Result<String> {
        if self.backend != Backend::Postgres {
            return Ok(String::new());
        }
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(&mut *self.inner)
                .await?;
        let mut out = String::new();
        for (t,) in tables {
            let sql = format!("SELECT row_to_json(t)::text FROM \"{t}\" t");
            let rows: Vec<(String,)> = sqlx::query_as(&sql).fetch_all(&mut *self.inner).await?;
            for (r,) in rows {
                out.push_str(&r);
                out.push('\n');
            }
        }
        Ok(out)
    }

    pub async fn meta_get(&mut self, key: &str) -> Result<Option<String>> {
        let sql = self.sql("SELECT value FROM meta WHERE key = $1");
        let row: Option<(String,)> = sqlx::query_as(&sql)
            .bind(key)
            .fetch_optional(&mut *self.inner)
            .await?;
        Ok(row.map(|r| r.0))
    }

    pub async fn meta_set(&mut self, key: &str, value: &str) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        );
        sqlx::query(&sql)
            .bind(key)
            .bind(value)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }

    pub async fn system_key(&mut self, name: &str) -> Result<Option<(Vec<u8>, Option<Vec<u8>>)>> {
        let sql = self.sql("SELECT wrapped, public FROM system_keys WHERE name = $1");
        let row: Option<(Vec<u8>, Option<Vec<u8>>)> = sqlx::query_as(&sql)
            .bind(name)
            .fetch_optional(&mut *self.inner)
            .await?;
        Ok(row)
    }

    pub async fn insert_system_key(
        &mut self,
        name: &str,
        wrapped: &[u8],
        public: Option<&[u8]>,
        now: &str,
    ) -> Result<()> {
        let sql = self.sql(
            "INSERT INTO system_keys (name, wrapped, public, created_at) VALUES ($1, $2, $3, $4)",
        );
        sqlx::query(&sql)
            .bind(name)
            .bind(wrapped)
            .bind(public)
            .bind(now)
            .execute(&mut *self.inner)
            .await?;
        Ok(())
    }
}

fn sqlite_placeholders(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end > start {
                numbers.push(sql[start..end].parse::<usize>().unwrap_or(0));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    let sequential = numbers.iter().enumerate().all(|(k, n)| *n == k + 1);
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('?');
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                if !sequential {
                    out.push(d);
                }
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sqlite_placeholders;

    #[test]
    fn placeholders_become_positional_when_in_order() {
        assert_eq!(
            sqlite_placeholders("SELECT $1, $2 WHERE a = $3"),
            "SELECT ?, ? WHERE a = ?"
        );
        assert_eq!(
            sqlite_placeholders("UPDATE t SET a = $2 WHERE id = $1"),
            "UPDATE t SET a = ?2 WHERE id = ?1"
        );
        assert_eq!(
            sqlite_placeholders("SELECT $1 WHERE b = $1"),
            "SELECT ?1 WHERE b = ?1"
        );
        assert_eq!(sqlite_placeholders("SELECT 1"), "SELECT 1");
        assert_eq!(
            sqlite_placeholders("VALUES ($9, $10, $11)"),
            "VALUES (?9, ?10, ?11)"
        );
    }
}
