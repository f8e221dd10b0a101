use crate::{Result, StoreError, Tx};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;
use std::sync::Once;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static DRIVERS: Once = Once::new();

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Connect to `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl(redact(url)));
        };
        if url::Url::parse(url).is_err() {
            return Err(StoreError::BadUrl(redact(url)));
        }
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            Backend::Sqlite => {
                options
                    .max_connections(8)
                    // WAL lets readers work beside the writer; the busy timeout
                    // makes writers queue instead of failing.
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&sqlite_create_url(url))
                    .await
            }
            Backend::Postgres => options.max_connections(16).connect(url).await,
        }
        .map_err(|e| StoreError::Unreachable {
            target: redact(url),
            detail: e.to_string(),
        })?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For statements that may not run inside a transaction (VACUUM).
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Apply every migration not yet applied. Both backends carry the same
    /// version numbers.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Versions applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub fn known_migrations(&self) -> Vec<i64> {
        let m = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        m.iter().map(|m| m.version).collect()
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx::new(self.pool.begin().await?, self.backend))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn sqlite_create_url(url: &str) -> String {
    if url.contains('?') {
        url.to_owned()
    } else {
        format!("{url}?mode=rwc")
    }
}
