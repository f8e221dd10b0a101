//! The demo ward served over real HTTPS with terminal certificates (mutual
//! TLS), and HTTP clients that present a certificate or none. The tests make
//! their own CA and certificates; this takes them as PEM.

use crate::{Backend, Client, TestServer};
use itaku_service::{ClientAuth, TlsConfig};
use std::path::PathBuf;

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
        let mut s = Self::seeded(backend, people, dir).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.ok()?;
        s.base = format!("https://{}", listener.local_addr().ok()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = s.svc.clone();
        tokio::spawn(async move {
            let _ = itaku_web::serve_tls(served, listener, server_config, async {
                let _ = rx.await;
            })
            .await;
        });
        s.shutdown = Some(tx);
        Some(s)
    }
}
