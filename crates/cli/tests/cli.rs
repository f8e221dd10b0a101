//! The binary as a user runs it: the demo serves and signs in, bad input
//! ends with one clear Japanese sentence and a non-zero exit, nothing
//! half-created stays behind, and `audit verify` catches a manual edit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn itaku(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itaku"))
        .args(args)
        .current_dir(cwd)
        .env_remove("ITAKU_DATA")
        .env_remove("ITAKU_CONFIG")
        .env_remove("ITAKU_DATABASE_URL")
        .env_remove("ITAKU_LISTEN")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_is_japanese_and_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let o = itaku(&["--help"], dir.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    for word in [
        "serve",
        "demo",
        "migrate",
        "admin",
        "audit",
        "データディレクトリ",
        "Webサーバーを起動する",
    ] {
        assert!(out.contains(word), "{word} missing from help:\n{out}");
    }
}

#[test]
fn demo_serves_the_sign_in_page_and_audit_verify_catches_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ward");
    let mut child = Command::new(env!("CARGO_BIN_EXE_itaku"))
        .args([
            "--data",
            data.to_str().unwrap(),
            "demo",
            "--people",
            "150",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::from(
            std::fs::File::create(dir.path().join("server.log")).unwrap(),
        ))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    let mut printed = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix("itaku デモ区: ") {
            url = Some(rest.trim().to_owned());
        }
        if line.starts_with("停止: Ctrl+C") {
            break;
        }
    }
    let url = url.expect("the demo prints its URL");
    assert!(
        printed.contains("mirai-denwa")
            && printed.contains("itaku-demo-2026")
            && printed.contains("TOTP秘密鍵"),
        "{printed}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let body = rt.block_on(async {
        reqwest::get(format!("{url}signin"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    // A registrant's private link is their only key: the request log
    // names the route, never the token.
    let private = rt.block_on(async {
        reqwest::get(format!("{url}e/kenko-seminar/r/SECRETTOKEN4711"))
            .await
            .unwrap()
            .status()
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert!(
        body.contains("サインイン") && body.contains("確認コード"),
        "{body}"
    );
    assert!(private.is_client_error(), "{private}");
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(log.contains("/e/{slug}/r/{token}"), "{log}");
    assert!(!log.contains("SECRETTOKEN4711"), "{log}");
    // The master key lives beside the data directory, not in it.
    assert!(dir.path().join("ward.master-key").exists());
    assert!(!data.join("ward.master-key").exists());

    let d = data.to_str().unwrap();
    let code = itaku(&["--data", d, "admin", "totp-code", "hokenshi"], dir.path());
    assert!(code.status.success(), "{}", stderr(&code));
    assert_eq!(String::from_utf8_lossy(&code.stdout).trim().len(), 6);
    let ok = itaku(&["--data", d, "audit", "verify"], dir.path());
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("正常"));
    let cp = dir.path().join("cp.json");
    assert!(itaku(
        &[
            "--data",
            d,
            "audit",
            "checkpoint",
            "--out",
            cp.to_str().unwrap()
        ],
        dir.path()
    )
    .status
    .success());
    assert!(itaku(
        &[
            "--data",
            d,
            "audit",
            "verify",
            "--checkpoint",
            cp.to_str().unwrap()
        ],
        dir.path()
    )
    .status
    .success());

    // A manual edit of the audit table is found.
    let db = format!("sqlite://{}", data.join("itaku.db").display());
    rt.block_on(itaku_service::testing::raw_sql(
        &db,
        "UPDATE audit_log SET reason = 'edited' WHERE seq = 3",
    ))
    .unwrap();
    let bad = itaku(&["--data", d, "audit", "verify"], dir.path());
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("連番 3 の記録が改変されています"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn migrate_applies_and_reports_versions() {
    let dir = tempfile::tempdir().unwrap();
    let o = itaku(&["--data", "d", "migrate"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout)
        .contains("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]"));
    assert!(dir.path().join("d/itaku.db").exists());
}

#[test]
fn bad_input_ends_with_one_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("typo.toml"), "version = 1\nlisten_port = 80\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--config", "typo.toml", "serve"], "listen_port"),
        (
            vec!["--database-url", "mysql://u:secret@h/db", "migrate"],
            "postgres://",
        ),
        (
            vec![
                "--database-url",
                "postgres://itaku@127.0.0.1:1/nothing",
                "migrate",
            ],
            "データベースに接続できません",
        ),
        (
            vec!["--data", "/proc/itaku-cannot-be-here", "migrate"],
            "データディレクトリ",
        ),
        (
            vec!["--data", "fresh", "serve", "--listen", "nonsense"],
            "listen",
        ),
        (vec!["--data", "fresh", "serve"], "マスターキー"),
    ];
    for (args, expect) in cases {
        let o = itaku(&args, p);
        let err = stderr(&o);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(err.starts_with("エラー: "), "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("secret"), "passwords never printed: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_port_in_use_is_reported_and_nothing_is_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = itaku(
        &[
            "--data", "demo", "demo", "--people", "10", "--listen", &addr,
        ],
        dir.path(),
    );
    let err = stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("すでに使われています") && err.contains("--listen"),
        "{err}"
    );
    assert!(
        !dir.path().join("demo").exists(),
        "no data directory was created"
    );
    assert!(!dir.path().join("demo.master-key").exists());
}
