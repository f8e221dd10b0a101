//! Real servers for tests: the demo ward on a fresh SQLite file or
//! PostgreSQL database, served by the real router on 127.0.0.1:0, with a
//! clock fixed on 2026-11-22 (JST) that tests can move. No mocks.

pub mod browser;
mod client;
pub mod load;
mod tls;

pub use client::{Client, Reply};
pub use tls::TlsMaterial;

use chrono::{TimeZone, Utc};
use itaku_core::FixedClock;
use itaku_crypto::{MasterKey, TotpSecret};
use itaku_service::testing::{
    fresh_postgres_url, postgres_admin_url, postgres_required, sqlite_url, POSTGRES_ENV,
};
use itaku_service::{Service, Settings, DEMO_PASSWORD};
use std::collections::HashMap;
use std::sync::Arc;

pub use itaku_service::DEMO_PASSWORD as PASSWORD;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub base: String,
    pub svc: Service,
    pub clock: FixedClock,
    pub database_url: String,
    pub contract_id: i64,
    secrets: HashMap<String, String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// The demo ward with `people` residents. `None` when PostgreSQL is asked
    /// for but not configured (an error under CI).
    pub async fn start(backend: Backend, people: u64) -> Option<TestServer> {
        let mut s = Self::seeded(backend, people, tempfile::tempdir().ok()?).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.ok()?;
        s.base = format!("http://{}", listener.local_addr().ok()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = s.svc.clone();
        tokio::spawn(async move {
            let _ = itaku_web::serve(served, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        s.shutdown = Some(tx);
        Some(s)
    }

    /// The demo ward on a fresh database in `dir`, not yet served.
    pub(crate) async fn seeded(
        backend: Backend,
        people: u64,
        dir: tempfile::TempDir,
    ) -> Option<TestServer> {
        let database_url = match backend {
            Backend::Sqlite => sqlite_url(dir.path()),
            Backend::Postgres => {
                let Some(admin) = postgres_admin_url() else {
                    assert!(!postgres_required(), "CI must set {POSTGRES_ENV}");
                    eprintln!("{POSTGRES_ENV} not set: PostgreSQL case skipped");
                    return None;
                };
                fresh_postgres_url(&admin).await.ok()?
            }
        };
        let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).single()?);
        let svc = Service::open_url(
            &database_url,
            MasterKey::generate(),
            Arc::new(clock.clone()),
            Settings::default(),
        )
        .await
        .ok()?;
        let demo = svc.seed_demo(people, 11).await.ok()?;
        let secrets = demo
            .logins
            .iter()
            .map(|l| (l.login.clone(), l.totp_secret.clone()))
            .collect();
        Some(TestServer {
            base: String::new(),
            svc,
            clock,
            database_url,
            contract_id: demo.contract_id,
            secrets,
            shutdown: None,
            _dir: dir,
        })
    }

    /// The current code of a demo user, by the server's clock. Moves the
    /// clock on by one step first, so two sign-ins never share a code.
    pub fn totp(&self, login: &str) -> String {
        self.clock.advance(chrono::Duration::seconds(30));
        let secret = self
            .secrets
            .get(login)
            .and_then(|s| TotpSecret::from_base32(s).ok());
        secret
            .map(|s| s.code_at(self.svc.now().timestamp().max(0) as u64))
            .unwrap_or_default()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A client signed in as `login`.
    pub async fn signed_in(&self, login: &str) -> Client {
        let mut c = self.client();
        c.sign_in(login, DEMO_PASSWORD, &self.totp(login)).await;
        c
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
