//! Mutual TLS end to end: a real HTTPS server on 127.0.0.1:0 with a terminal
//! CA made here (rcgen), and clients presenting registered, unregistered,
//! revoked or no certificates. On both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_service::{Actor, AuditQuery, ClientAuth};
use itaku_testkit::{Backend, Client, TestServer, TlsMaterial, PASSWORD};
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, CertificateRevocationListParams,
    CertifiedIssuer, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod,
    KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};

const PEOPLE: u64 = 20;
const CERT_REQUIRED: &str = "この契約では登録された端末の電子証明書が必要です。";

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await; })* }
    };
}

both!(
    required_mode_refuses_a_handshake_without_a_ward_certificate,
    only_registered_unrevoked_terminals_count,
    a_session_stays_bound_to_its_certificate,
    a_certificate_on_the_crl_fails_the_handshake,
);

/// A terminal certificate: what the client presents, and what it is known by.
struct Terminal {
    identity: String,
    fingerprint: String,
}

struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    server_pem: String,
    server_key: String,
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::CommonName, cn);
    d
}

fn ca(cn: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap()
}

impl Pki {
    fn new() -> Pki {
        let ca = ca("新宿区 端末CA（テスト）");
        let mut p = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        p.distinguished_name = dn("itaku test server");
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &ca).unwrap();
        Pki {
            server_pem: cert.pem(),
            server_key: key.serialize_pem(),
            ca,
        }
    }

    fn terminal(&self, name: &str, serial: u64) -> Terminal {
        issue(&self.ca, name, serial)
    }

    fn material(&self, client_auth: ClientAuth, revoked: &[u64]) -> TlsMaterial {
        let crls_pem = if revoked.is_empty() {
            Vec::new()
        } else {
            let crl = CertificateRevocationListParams {
                this_update: date_time_ymd(2025, 1, 1),
                next_update: date_time_ymd(2099, 1, 1),
                crl_number: SerialNumber::from(1u64),
                issuing_distribution_point: None,
                revoked_certs: revoked
                    .iter()
                    .map(|s| RevokedCertParams {
                        serial_number: SerialNumber::from(*s),
                        revocation_time: date_time_ymd(2025, 6, 1),
                        reason_code: Some(RevocationReason::KeyCompromise),
                        invalidity_date: None,
                    })
                    .collect(),
                key_identifier_method: KeyIdMethod::Sha256,
            };
            vec![crl.signed_by(&self.ca).unwrap().pem().unwrap()]
        };
        TlsMaterial {
            ca_cert_pem: self.ca.pem(),
            server_cert_pem: self.server_pem.clone(),
            server_key_pem: self.server_key.clone(),
            crls_pem,
            client_auth,
        }
    }
}

fn issue(ca: &CertifiedIssuer<'static, KeyPair>, name: &str, serial: u64) -> Terminal {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = dn(name);
    p.serial_number = Some(SerialNumber::from(serial));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().unwrap();
    let cert = p.signed_by(&key, ca).unwrap();
    // The fingerprint as `itaku admin terminal register --cert` computes it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("terminal.pem");
    std::fs::write(&file, cert.pem()).unwrap();
    let fingerprint = itaku_web::tls::fingerprint_file(&file).unwrap();
    assert_eq!(fingerprint, itaku_crypto::sha256_hex(cert.der()));
    Terminal {
        identity: format!("{}{}", cert.pem(), key.serialize_pem()),
        fingerprint,
    }
}

async fn start(backend: Backend, material: &TlsMaterial) -> Option<TestServer> {
    let s = TestServer::start_tls(backend, PEOPLE, material).await;
    if s.is_none() {
        // Only a missing PostgreSQL may skip; SQLite must always start.
        assert_eq!(backend, Backend::Postgres, "the TLS server did not start");
    }
    s
}

fn client(s: &TestServer, m: &TlsMaterial, t: Option<&Terminal>) -> Client {
    m.client(&s.base, t.map(|t| t.identity.as_str()))
}

async fn signed_in(s: &TestServer, m: &TlsMaterial, t: Option<&Terminal>, login: &str) -> Client {
    let mut c = client(s, m, t);
    let r = c.sign_in(login, PASSWORD, &s.totp(login)).await;
    assert_eq!(r.status, 303, "sign-in as {login}: {}", r.body);
    c
}

async fn org_of(s: &TestServer, login: &str) -> i64 {
    let users = s.svc.users(&Actor::system("test")).await.unwrap();
    users.iter().find(|u| u.login == login).unwrap().org_id
}

async fn require_certificates(s: &TestServer) {
    itaku_service::testing::raw_sql(
        &s.database_url,
        &format!(
            "UPDATE contracts SET requires_client_cert = 1 WHERE id = {}",
            s.contract_id
        ),
    )
    .await
    .unwrap();
}

/// Denials with reason `certificate_required` whose terminal names `fp`.
async fn cert_denials(s: &TestServer, fp: Option<&str>) -> usize {
    let q = AuditQuery {
        outcome: Some("deny".into()),
        contract_id: Some(s.contract_id),
        limit: 10_000,
        ..Default::default()
    };
    let entries = s
        .svc
        .audit_search(&Actor::system("test"), &q)
        .await
        .unwrap();
    entries
        .iter()
        .filter(|e| e.reason == "certificate_required")
        // The client address reaches the audit over TLS too.
        .filter(|e| e.terminal.starts_with("127.0.0.1"))
        .filter(|e| match fp {
            Some(fp) => e.terminal.contains(&format!("cert:{fp}")),
            None => !e.terminal.contains("cert:"),
        })
        .count()
}

fn list_path(s: &TestServer) -> String {
    format!("/c/{}/denwa_kansho/persons", s.contract_id)
}

async fn required_mode_refuses_a_handshake_without_a_ward_certificate(backend: Backend) {
    let pki = Pki::new();
    let m = pki.material(ClientAuth::Required, &[]);
    let Some(s) = start(backend, &m).await else {
        return;
    };
    let a = pki.terminal("端末A", 1001);
    // The handshake checks the issuer only: an unregistered terminal of the
    // ward's CA gets the sign-in page.
    let r = client(&s, &m, Some(&a)).get("/signin").await;
    assert_eq!(r.status, 200, "{}", r.body);
    // No certificate: no HTTP at all.
    let r = client(&s, &m, None).get("/signin").await;
    assert_eq!(r.status, 0, "a connection without a certificate was served");
    // A certificate from another CA: refused as well.
    let rogue = issue(&ca("よその CA"), "偽の端末", 1001);
    let r = client(&s, &m, Some(&rogue)).get("/signin").await;
    assert_eq!(r.status, 0, "a foreign CA's certificate was accepted");
}

async fn only_registered_unrevoked_terminals_count(backend: Backend) {
    let pki = Pki::new();
    let m = pki.material(ClientAuth::Optional, &[]);
    let Some(s) = start(backend, &m).await else {
        return;
    };
    let (a, b, c) = (
        pki.terminal("端末A", 2001),
        pki.terminal("端末B", 2002),
        pki.terminal("端末C", 2003),
    );
    let list = list_path(&s);
    // Before the contract demands certificates, any connection will do.
    let mut plain = signed_in(&s, &m, None, "mirai-denwa").await;
    assert_eq!(plain.get(&list).await.status, 200);
    require_certificates(&s).await;
    let r = plain.get(&list).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains(CERT_REQUIRED), "{}", r.body);
    assert_eq!(cert_denials(&s, None).await, 1);

    let sys = Actor::system("test: 端末登録");
    let org = org_of(&s, "mirai-denwa").await;
    let other_org = org_of(&s, "tdi-sekinin").await;
    let id_a = s
        .svc
        .register_terminal(&sys, org, "電話勧奨 端末A", &a.fingerprint)
        .await
        .unwrap();
    // Registered, but to another contractor.
    s.svc
        .register_terminal(&sys, other_org, "他社の端末C", &c.fingerprint)
        .await
        .unwrap();
    // The same certificate cannot be registered twice.
    let e = s
        .svc
        .register_terminal(&sys, org, "二重登録", &a.fingerprint.to_uppercase())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("すでに登録"), "{e}");

    // A registered terminal reaches the contract, pages and API alike.
    let mut on_a = signed_in(&s, &m, Some(&a), "mirai-denwa").await;
    let r = on_a.get(&list).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.contains(CERT_REQUIRED));
    let api_path = format!(
        "/api/persons?contract={}&purpose=denwa_kansho",
        s.contract_id
    );
    let api = on_a.get(&api_path).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert!(!api.json()["persons"].as_array().unwrap().is_empty());

    // An unregistered certificate of the ward's CA is no certificate.
    let mut on_b = signed_in(&s, &m, Some(&b), "mirai-denwa").await;
    let r = on_b.get(&list).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains(CERT_REQUIRED), "{}", r.body);
    assert_eq!(cert_denials(&s, Some(&b.fingerprint)).await, 1);
    let api = on_b.get(&api_path).await;
    assert_eq!(api.status, 403, "{}", api.body);
    assert_eq!(api.json()["error"], "certificate_required");
    assert_eq!(api.json()["message"], CERT_REQUIRED);
    assert_eq!(cert_denials(&s, Some(&b.fingerprint)).await, 2);

    // Another organisation's terminal does not count either.
    let mut on_c = signed_in(&s, &m, Some(&c), "mirai-denwa").await;
    assert_eq!(on_c.get(&list).await.status, 403);
    assert_eq!(cert_denials(&s, Some(&c.fingerprint)).await, 1);

    // Revocation ends the sessions opened with the certificate at once ...
    let ended = s.svc.revoke_terminal(&sys, id_a).await.unwrap();
    assert_eq!(ended, 1);
    assert!(on_a
        .get(&list)
        .await
        .location()
        .is_some_and(|l| l.starts_with("/signin?next=")));
    // ... and a new session from the revoked terminal is refused and audited.
    let mut again = signed_in(&s, &m, Some(&a), "mirai-denwa").await;
    let r = again.get(&list).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains(CERT_REQUIRED), "{}", r.body);
    assert_eq!(cert_denials(&s, Some(&a.fingerprint)).await, 1);
    // Revoking twice says so.
    let e = s.svc.revoke_terminal(&sys, id_a).await.unwrap_err();
    assert!(e.to_string().contains("すでに失効"), "{e}");

    // The registry itself: listed, and every change audited.
    let ts = s.svc.terminals(&sys).await.unwrap();
    assert_eq!(ts.len(), 2);
    let listed_a = ts.iter().find(|t| t.id == id_a).unwrap();
    assert_eq!(listed_a.fingerprint, a.fingerprint);
    assert!(listed_a.revoked_at.is_some());
    let admin_entries = s
        .svc
        .audit_search(
            &sys,
            &AuditQuery {
                limit: 10_000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.target == "terminal" && e.outcome == "allow")
        .map(|e| e.reason)
        .collect::<Vec<_>>();
    assert!(
        admin_entries
            .iter()
            .any(|r| r.starts_with("register terminal"))
            && admin_entries
                .iter()
                .any(|r| r.starts_with("revoke terminal")),
        "{admin_entries:?}"
    );
    // Only the ward's administrators manage terminals (refused and audited).
    let handler = Actor::user(
        itaku_core::UserId(
            s.svc
                .user_id_by_login("mirai-sekinin")
                .await
                .unwrap()
                .unwrap(),
        ),
        None,
        "test",
    );
    let e = s
        .svc
        .register_terminal(&handler, org, "自分で登録", &b.fingerprint)
        .await
        .unwrap_err();
    assert!(matches!(e, itaku_service::ServiceError::Denied(_)), "{e:?}");
}

async fn a_session_stays_bound_to_its_certificate(backend: Backend) {
    let pki = Pki::new();
    let m = pki.material(ClientAuth::Optional, &[]);
    let Some(s) = start(backend, &m).await else {
        return;
    };
    let (a, b) = (pki.terminal("端末A", 3001), pki.terminal("端末B", 3002));
    require_certificates(&s).await;
    let sys = Actor::system("test: 端末登録");
    let org = org_of(&s, "mirai-denwa").await;
    for (t, name) in [(&a, "端末A"), (&b, "端末B")] {
        s.svc
            .register_terminal(&sys, org, name, &t.fingerprint)
            .await
            .unwrap();
    }
    let list = list_path(&s);
    let mut on_a = signed_in(&s, &m, Some(&a), "mirai-denwa").await;
    assert_eq!(on_a.get(&list).await.status, 200);
    let cookie = on_a.cookies["__Host-itaku_session"].clone();
    // The same session id from another registered terminal, or from none.
    for other in [Some(&b), None] {
        let mut thief = client(&s, &m, other);
        thief
            .cookies
            .insert("__Host-itaku_session".into(), cookie.clone());
        let r = thief.get(&list).await;
        assert!(
            r.location().is_some_and(|l| l.starts_with("/signin?next=")),
            "{}",
            r.body
        );
        let r = thief.get("/api/me").await;
        assert_eq!(r.status, 401, "{}", r.body);
    }
    // The owner's terminal still works.
    assert_eq!(on_a.get(&list).await.status, 200);
}

async fn a_certificate_on_the_crl_fails_the_handshake(backend: Backend) {
    let pki = Pki::new();
    let (a, b) = (pki.terminal("端末A", 4001), pki.terminal("端末B", 4002));
    let m = pki.material(ClientAuth::Optional, &[4002]);
    let Some(s) = start(backend, &m).await else {
        return;
    };
    let r = client(&s, &m, Some(&a)).get("/signin").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = client(&s, &m, Some(&b)).get("/signin").await;
    assert_eq!(r.status, 0, "a revoked certificate was accepted");
    // Even registered, a certificate on the CRL never gets through.
    let sys = Actor::system("test");
    let org = org_of(&s, "mirai-denwa").await;
    s.svc
        .register_terminal(&sys, org, "失効済み", &b.fingerprint)
        .await
        .unwrap();
    let r = client(&s, &m, Some(&b)).get("/signin").await;
    assert_eq!(r.status, 0);
}
