//! For tests of the layers above (web, cli, testkit), which may not depend
//! on the store: fresh databases on either backend.

pub use itaku_store::testing::{postgres_admin_url, postgres_required, sqlite_url, POSTGRES_ENV};

/// Create an empty PostgreSQL database on the test server; its URL.
pub async fn fresh_postgres_url(admin_url: &str) -> crate::Result<String> {
    Ok(itaku_store::testing::fresh_postgres_url(admin_url).await?)
}

/// A fresh database for one test: SQLite in `dir`, or a new PostgreSQL
/// database when `postgres` and a server is configured. `None` when
/// PostgreSQL is asked for but not configured; under CI that is an error,
/// so the PostgreSQL half is never skipped there.
pub async fn fresh_database_url(
    postgres: bool,
    dir: &std::path::Path,
) -> crate::Result<Option<String>> {
    if !postgres {
        return Ok(Some(sqlite_url(dir)));
    }
    match postgres_admin_url() {
        Some(admin) => fresh_postgres_url(&admin).await.map(Some),
        None if postgres_required() => Err(crate::ServiceError::Internal(format!(
            "CI must set {POSTGRES_ENV}"
        ))),
        None => Ok(None),
    }
}

/// Run raw SQL against a database, as an attacker with file access would:
/// for tamper and fail-closed tests only.
pub async fn raw_sql(database_url: &str, sql: &str) -> crate::Result<u64> {
    let store = itaku_store::Store::connect(database_url).await?;
    let mut tx = store.begin().await?;
    let n = tx.execute_raw(sql).await?;
    tx.commit().await?;
    store.close().await;
    Ok(n)
}

/// Every row of every table as text (PostgreSQL only; empty for SQLite).
pub async fn dump_tables_text(database_url: &str) -> crate::Result<String> {
    let store = itaku_store::Store::connect(database_url).await?;
    let mut tx = store.begin().await?;
    let text = tx.dump_tables_text().await?;
    tx.rollback().await?;
    store.close().await;
    Ok(text)
}
