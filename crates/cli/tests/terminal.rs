//! `itaku admin terminal register | list | revoke` and the TLS settings of
//! `itaku serve`, as a ward administrator runs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn itaku(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_itaku"));
    c.args(args).current_dir(cwd);
    for k in [
        "ITAKU_DATA",
        "ITAKU_CONFIG",
        "ITAKU_DATABASE_URL",
        "ITAKU_LISTEN",
        "ITAKU_TLS_CERT_FILE",
        "ITAKU_TLS_KEY_FILE",
        "ITAKU_TLS_CLIENT_CA_FILE",
        "ITAKU_TLS_CLIENT_CRL_FILES",
        "ITAKU_TLS_CLIENT_AUTH",
    ] {
        c.env_remove(k);
    }
    c.envs(env.iter().copied());
    c.output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const DER: &[u8] = b"itaku terminal certificate stand-in (DER bytes)";
const PEM: &str = "-----BEGIN CERTIFICATE-----\n\
                   aXRha3UgdGVybWluYWwgY2VydGlmaWNhdGUgc3RhbmQtaW4gKERFUiBieXRlcyk=\n\
                   -----END CERTIFICATE-----\n";

#[test]
fn terminals_are_registered_listed_and_revoked_from_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let demo = itaku(
        &["--data", "d", "demo", "--people", "5", "--no-serve"],
        p,
        &[],
    );
    assert!(demo.status.success(), "{}", err(&demo));
    std::fs::write(p.join("denwa1.pem"), PEM).unwrap();
    let fp = itaku_web::tls::fingerprint_der(DER);

    let reg = |org: &str| {
        itaku(
            &[
                "--data",
                "d",
                "admin",
                "terminal",
                "register",
                "--org",
                org,
                "--name",
                "電話勧奨1",
                "--cert",
                "denwa1.pem",
            ],
            p,
            &[],
        )
    };
    // An unknown organisation: the command names the ones there are.
    let o = reg("存在しない組織");
    assert!(!o.status.success());
    assert!(
        err(&o).contains("株式会社みらい健康サポート"),
        "{}",
        err(&o)
    );
    let o = reg("株式会社みらい健康サポート");
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).contains(&fp), "{}", out(&o));
    let o = reg("株式会社みらい健康サポート");
    assert!(!o.status.success());
    assert!(err(&o).contains("すでに登録"), "{}", err(&o));

    let list = || itaku(&["--data", "d", "admin", "terminal", "list"], p, &[]);
    let o = list();
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains(&fp) && out(&o).contains("電話勧奨1") && !out(&o).contains("失効"),
        "{}",
        out(&o)
    );
    let revoke = || itaku(&["--data", "d", "admin", "terminal", "revoke", "1"], p, &[]);
    let o = revoke();
    assert!(o.status.success(), "{}", err(&o));
    assert!(list()
        .stdout
        .windows("失効".len())
        .any(|w| w == "失効".as_bytes()));
    let o = revoke();
    assert!(!o.status.success());
    assert!(err(&o).contains("すでに失効"), "{}", err(&o));
    // The registry changes are in the audit chain, which still verifies.
    let o = itaku(&["--data", "d", "audit", "verify"], p, &[]);
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
}

#[test]
fn tls_mistakes_stop_serve_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("empty.pem"), "").unwrap();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("ITAKU_TLS_CERT_FILE", "server.pem")], "秘密鍵が必要"),
        (&[("ITAKU_TLS_CLIENT_CA_FILE", "ca.pem")], "HTTPS が必要"),
        (
            &[
                ("ITAKU_TLS_CERT_FILE", "missing.pem"),
                ("ITAKU_TLS_KEY_FILE", "missing.key"),
            ],
            "missing.pem を読めません",
        ),
        (
            &[
                ("ITAKU_TLS_CERT_FILE", "empty.pem"),
                ("ITAKU_TLS_KEY_FILE", "empty.pem"),
            ],
            "サーバー証明書が見つかりません",
        ),
    ];
    for (env, expected) in cases {
        let o = itaku(&["--data", "d", "serve", "--listen", "127.0.0.1:0"], p, env);
        assert!(!o.status.success(), "{env:?} started");
        assert!(err(&o).contains(expected), "{env:?}: {}", err(&o));
        assert_eq!(err(&o).trim().lines().count(), 1, "{}", err(&o));
    }
}
