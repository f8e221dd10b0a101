//! HTTPS with optional terminal certificates (mutual TLS, rustls).
//!
//! The handshake proves only that a client certificate was issued by the
//! ward's terminal CA and is not on its revocation lists. Its SHA-256
//! fingerprint is put into every request's extensions ([`ClientCert`]); the
//! service decides whether it belongs to a registered, unrevoked terminal.

use crate::app;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use itaku_service::{ClientAuth, Service, TlsConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The verified client certificate of the connection: SHA-256 of its DER,
/// lowercase hex. Absent when none was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert(pub String);

/// Why HTTPS cannot be set up, in one Japanese sentence.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsSetupError(String);

/// SHA-256 of a certificate's DER, lowercase hex: what terminals are
/// registered by.
pub fn fingerprint_der(der: &[u8]) -> String {
    itaku_crypto::sha256_hex(der)
}

/// The fingerprint of the first certificate in a PEM file (or of a DER file).
pub fn fingerprint_file(path: &Path) -> Result<String, TlsSetupError> {
    let certs = read_certs(path, "証明書")?;
    certs
        .first()
        .map(|c| fingerprint_der(c.as_ref()))
        .ok_or_else(|| no_pem(path, "証明書"))
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, TlsSetupError> {
    std::fs::read(path).map_err(|e| {
        TlsSetupError(format!(
            "{what} {} を読めません（{e}）。パスと権限を確認してください",
            path.display()
        ))
    })
}

fn no_pem(path: &Path, what: &str) -> TlsSetupError {
    TlsSetupError(format!(
        "{} に PEM 形式の{what}が見つかりません",
        path.display()
    ))
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes
        .windows(b"-----BEGIN".len())
        .any(|w| w == b"-----BEGIN")
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let bytes = read(path, what)?;
    if !is_pem(&bytes) {
        return Ok(if bytes.is_empty() {
            Vec::new()
        } else {
            vec![CertificateDer::from(bytes)]
        });
    }
    CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsSetupError(format!("{what} {} を解釈できません（{e}）", path.display())))
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let bytes = read(path, "秘密鍵")?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| {
        TlsSetupError(format!(
            "{} に PEM 形式の秘密鍵（PKCS#8・RSA・EC）が見つかりません",
            path.display()
        ))
    })
}

fn read_crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsSetupError> {
    let bytes = read(path, "失効リスト")?;
    if !is_pem(&bytes) {
        if bytes.is_empty() {
            return Err(no_pem(path, "失効リスト"));
        }
        return Ok(vec![CertificateRevocationListDer::from(bytes)]);
    }
    let crls = CertificateRevocationListDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            TlsSetupError(format!(
                "失効リスト {} を解釈できません（{e}）",
                path.display()
            ))
        })?;
    if crls.is_empty() {
        return Err(no_pem(path, "失効リスト"));
    }
    Ok(crls)
}

/// The rustls configuration the settings describe, with every file read
/// and checked now, so a mistake stops the server before it listens.
pub fn server_config(tls: &TlsConfig) -> Result<Arc<ServerConfig>, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = read_certs(&tls.cert_file, "サーバー証明書")?;
    if certs.is_empty() {
        return Err(no_pem(&tls.cert_file, "サーバー証明書"));
    }
    let key = read_key(&tls.key_file)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError(format!("TLS を準備できません（{e}）")))?;
    let builder = match (tls.client_auth, &tls.client_ca_file) {
        (ClientAuth::Off, _) | (_, None) => builder.with_no_client_auth(),
        (mode, Some(ca_file)) => {
            let mut roots = RootCertStore::empty();
            let cas = read_certs(ca_file, "端末証明書の発行元（CA）")?;
            if cas.is_empty() {
                return Err(no_pem(ca_file, "CA 証明書"));
            }
            for ca in cas {
                roots.add(ca).map_err(|e| {
                    TlsSetupError(format!(
                        "{} を端末証明書の発行元（CA）として使えません（{e}）",
                        ca_file.display()
                    ))
                })?;
            }
            let mut crls = Vec::new();
            for f in &tls.client_crl_files {
                crls.extend(read_crls(f)?);
            }
            let mut verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            if !crls.is_empty() {
                verifier = verifier.with_crls(crls);
            }
            if mode == ClientAuth::Optional {
                verifier = verifier.allow_unauthenticated();
            }
            let verifier = verifier.build().map_err(|e| {
                TlsSetupError(format!(
                    "端末証明書の確認を準備できません（{e}）。CA 証明書と失効リストを確認してください"
                ))
            })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        TlsSetupError(format!(
            "サーバー証明書 {} と秘密鍵 {} を使えません（{e}）。対応する組か確認してください",
            tls.cert_file.display(),
            tls.key_file.display()
        ))
    })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serve the application over TLS until `shutdown` resolves. Each request
/// carries the client address (`ConnectInfo<SocketAddr>`) and, when the
/// terminal presented a certificate, its [`ClientCert`].
pub async fn serve_tls(
    svc: Service,
    listener: tokio::net::TcpListener,
    config: Arc<ServerConfig>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let router = app(svc);
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!("接続を受け付けられません: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::info!(peer = %addr, "TLS 接続を拒否しました: {e}");
                    return;
                }
                Err(_) => {
                    tracing::info!(peer = %addr, "TLS ハンドシェイクが時間内に終わりませんでした");
                    return;
                }
            };
            let cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| ClientCert(fingerprint_der(c.as_ref())));
            let svc = router.map_request(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(addr));
                if let Some(c) = &cert {
                    req.extensions_mut().insert(c.clone());
                }
                req
            });
            let conn = builder.serve_connection(TokioIo::new(tls), TowerToHyperService::new(svc));
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(peer = %addr, "接続が終了しました: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("処理中の要求が残ったまま停止します");
    }
    Ok(())
}
