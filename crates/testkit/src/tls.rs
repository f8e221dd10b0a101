//! The demo ward served over real HTTPS with terminal certificates (mutual
//! TLS), and HTTP clients that present a certificate or none. The tests make
//! their own CA and certificates; this takes them as PEM.

use crate::{Backend, Client, TestServer};
use chrono::{TimeZone, Utc};
use itaku_core::FixedClock;
use itaku_crypto::MasterKey;
use itaku_service::testing::{
    fresh_postgres_url, postgres_admin_url, postgres_required, sqlite_url, POSTGRES_ENV,
};
use itaku_service::{ClientAuth, Service, Settings, TlsConfig};
use std::path::PathBuf;
use std::sync::Arc;

/// What the server is configured with, as PEM text.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// Issuer of the server certificate and of the terminal certificates.
    pub ca_cert_pem: String,
    /// For 127.0.0.1.
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub crls_pem: Vec<String>,
    pub client_auth: ClientAuth,
}

impl TlsMaterial {
    /// A client that trusts the test CA and presents `identity` (a PEM with
    /// the certificate and its private key), or no certificate.
    pub fn client(&self, base: &str, identity: Option<&str>) -> Client {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .use_rustls_tls()
            .tls_built_in_root_certs(false);
        if let Ok(ca) = reqwest::Certificate::from_pem(self.ca_cert_pem.as_bytes()) {
            b = b.add_root_certificate(ca);
        }
        if let Some(id) = identity.and_then(|p| reqwest::Identity::from_pem(p.as_bytes()).ok()) {
            b = b.identity(id);
        }
        Client::with_http(base, b.build().unwrap_or_default())
    }

    fn write(&self, dir: &std::path::Path) -> Option<TlsConfig> {
        let file = |name: &str, text: &str| -> Option<PathBuf> {
            let p = dir.join(name);
            std::fs::write(&p, text).ok()?;
            Some(p)
        };
        let mut crls = Vec::new();
        for (i, c) in self.crls_pem.iter().enumerate() {
            crls.push(file(&format!("crl-{i}.pem"), c)?);
        }
        Some(TlsConfig {
            cert_file: file("server.pem", &self.server_cert_pem)?,
            key_file: file("server.key", &self.server_key_pem)?,
            client_ca_file: match self.client_auth {
                ClientAuth::Off => None,
                _ => Some(file("terminal-ca.pem", &self.ca_cert_pem)?),
            },
            client_crl_files: crls,
            client_auth: self.client_auth,
        })
    }
}

impl TestServer {
    /// Like [`TestServer::start`], over HTTPS on 127.0.0.1:0 with the given
    /// certificates; `base` is `https://127.0.0.1:PORT`.
    pub async fn start_tls(
        backend: Backend,
        people: u64,
        material: &TlsMaterial,
    ) -> Option<TestServer> {
        let dir = tempfile::tempdir().ok()?;
        let tls = material.write(dir.path())?;
        let server_config = match itaku_web::tls::server_config(&tls) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("TLS: {e}");
                return None;
            }
        };
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
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.ok()?;
        let base = format!("https://{}", listener.local_addr().ok()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = svc.clone();
        tokio::spawn(async move {
            let _ = itaku_web::serve_tls(served, listener, server_config, async {
                let _ = rx.await;
            })
            .await;
        });
        Some(TestServer {
            base,
            svc,
            clock,
            database_url,
            contract_id: demo.contract_id,
            secrets,
            shutdown: Some(tx),
            _dir: dir,
        })
    }
}
