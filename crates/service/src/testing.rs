//! For tests of the layers above (web, cli, testkit), which may not depend
//! on the store: fresh databases on either backend.

pub use itaku_store::testing::{postgres_admin_url, postgres_required, sqlite_url, POSTGRES_ENV};

/// Create an empty PostgreSQL database on the test server; its URL.
pub async fn fresh_postgres_url(admin_url: &str) -> crate::Result<String> {
    Ok(itaku_store::testing::fresh_postgres_url(admin_url).await?)
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
