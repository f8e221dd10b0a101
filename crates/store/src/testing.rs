//! Fresh databases for tests on either backend. PostgreSQL tests run when
//! `ITAKU_TEST_POSTGRES_URL` names a server (`.ci/run` always sets it); under
//! CI a missing URL is an error, so the PostgreSQL half cannot be skipped
//! silently.

use crate::{Result, StoreError};
use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};

pub const POSTGRES_ENV: &str = "ITAKU_TEST_POSTGRES_URL";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The PostgreSQL admin URL for tests, or None when PostgreSQL tests are off.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(POSTGRES_ENV) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => None,
    }
}

/// Whether a missing PostgreSQL must fail the run instead of skipping.
pub fn postgres_required() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Create an empty database on the test server and return its URL.
pub async fn fresh_postgres_url(admin_url: &str) -> Result<String> {
    let name = format!(
        "itaku_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        chrono::Utc::now().timestamp_micros() % 1_000_000_000
    );
    let mut conn =
        sqlx::PgConnection::connect(admin_url)
            .await
            .map_err(|e| StoreError::Unreachable {
                target: crate::pool::redact(admin_url),
                detail: e.to_string(),
            })?;
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let mut url =
        url::Url::parse(admin_url).map_err(|_| StoreError::BadUrl(admin_url.to_owned()))?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// A fresh SQLite file URL inside `dir`.
pub fn sqlite_url(dir: &std::path::Path) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("sqlite://{}/itaku-test-{n}.db", dir.display())
}
