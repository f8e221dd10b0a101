//! `itaku erasure` killed after each step (debug builds honour
//! ITAKU_TEST_CRASH_AFTER) and run again — or `itaku serve` started — ends
//! with the erasure complete, one certificate that verifies, and the
//! canary's vault key gone from the database files. Also `itaku backup`,
//! `backup keys` and `restore` as an administrator runs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::{ContractId, Item, SystemClock, UserId};
use itaku_service::backup::read_key_escrow;
use itaku_service::{
    read_master_key_file, Actor, BackupKey, NewPerson, PersonQuery, Service, Settings,
};
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

const CANARY: &str = "金糸雀　強制終了";
const STEPS: [&str; 5] = [
    "recorded",
    "keys_destroyed",
    "rows_deleted",
    "purged",
    "certified",
];

fn itaku(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_itaku"));
    c.args(args).current_dir(cwd);
    for k in [
        "ITAKU_DATA",
        "ITAKU_CONFIG",
        "ITAKU_DATABASE_URL",
        "ITAKU_LISTEN",
        "ITAKU_MASTER_KEY",
        "ITAKU_MASTER_KEY_FILE",
        "ITAKU_TEST_CRASH_AFTER",
    ] {
        c.env_remove(k);
    }
    c.envs(env.iter().copied());
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn open(p: &Path, data: &str) -> Service {
    let master = read_master_key_file(&p.join(format!("{data}.master-key"))).unwrap();
    let url = format!("sqlite://{}", p.join(data).join("itaku.db").display());
    Service::open_url(&url, master, Arc::new(SystemClock), Settings::default())
        .await
        .unwrap()
}

/// A demo ward with a canary provided to its contract; returns the
/// contract and the contract vault's wrapped key (from a key escrow).
async fn prepare(p: &Path) -> (i64, Vec<u8>) {
    let demo = itaku(
        &["--data", "base", "demo", "--people", "12", "--no-serve"],
        p,
        &[],
    );
    assert!(demo.status.success(), "{}", text(&demo));
    let svc = open(p, "base").await;
    let staff = Actor::user(
        UserId(svc.user_id_by_login("hokenshi").await.unwrap().unwrap()),
        None,
        "t",
    );
    svc.register_persons(
        &staff,
        &[NewPerson {
            values: [
                (Item::AtenaNo, "777111777".to_string()),
                (Item::Shimei, CANARY.to_string()),
            ]
            .into_iter()
            .collect(),
        }],
    )
    .await
    .unwrap();
    let q = PersonQuery {
        text: "金糸雀".into(),
        limit: 5,
    };
    let found = svc.search_persons(&staff, &q).await.unwrap();
    let contract = svc
        .contracts(&Actor::system("t"))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name.contains("受診勧奨"))
        .unwrap()
        .id;
    svc.provision(&staff, contract, Some(&[found[0].id]))
        .await
        .unwrap();
    let key_file = p.join("bk.key");
    BackupKey::generate_identity_file(&key_file).unwrap();
    let key = BackupKey::from_identity_file(&key_file).unwrap();
    svc.backup_keys_to(&Actor::system("t"), &p.join("keys-before.age"), &key)
        .await
        .unwrap();
    svc.close().await;
    let escrow = read_key_escrow(&p.join("keys-before.age"), &key).unwrap();
    let wrapped = escrow
        .keys
        .iter()
        .find(|k| k.contract_id == Some(contract))
        .unwrap()
        .wrapped()
        .unwrap();
    std::fs::write(p.join("pw"), "itaku-demo-2026\n").unwrap();
    (contract, wrapped)
}

fn copy_ward(p: &Path, to: &str) {
    std::fs::create_dir(p.join(to)).unwrap();
    for e in std::fs::read_dir(p.join("base")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), p.join(to).join(e.file_name())).unwrap();
    }
    std::fs::copy(
        p.join("base.master-key"),
        p.join(format!("{to}.master-key")),
    )
    .unwrap();
}

fn run_erasure(p: &Path, data: &str, contract: i64, crash: Option<&str>) -> Output {
    let code = itaku(
        &["--data", data, "admin", "totp-code", "ward-admin"],
        p,
        &[],
    );
    assert!(code.status.success(), "{}", text(&code));
    let code = String::from_utf8_lossy(&code.stdout).trim().to_owned();
    let out = format!("{data}-cert.json");
    let env: Vec<(&str, &str)> = crash
        .map(|s| vec![("ITAKU_TEST_CRASH_AFTER", s)])
        .unwrap_or_default();
    itaku(
        &[
            "--data",
            data,
            "erasure",
            "run",
            "--contract",
            &contract.to_string(),
            "--as",
            "ward-admin",
            "--password-file",
            "pw",
            "--totp",
            &code,
            "--waiver",
            "強制終了の試験",
            "--out",
            &out,
        ],
        p,
        &env,
    )
}

/// `itaku serve` resumes pending erasures before it starts listening.
fn serve_until_started(p: &Path, data: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_itaku"))
        .args(["--data", data, "serve", "--listen", "127.0.0.1:0"])
        .current_dir(p)
        .env_remove("ITAKU_TEST_CRASH_AFTER")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("itaku を起動しました") {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    printed
}

fn db_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for f in ["itaku.db", "itaku.db-wal", "itaku.db-shm"] {
        if let Ok(b) = std::fs::read(dir.join(f)) {
            all.extend(b);
        }
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the crash hook exists in debug builds only"
)]
async fn a_killed_erasure_resumes_to_one_certificate_at_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let (contract, wrapped) = prepare(p).await;
    assert!(contains(&db_bytes(&p.join("base")), &wrapped));

    for (i, step) in STEPS.iter().enumerate() {
        let data = format!("w{i}");
        copy_ward(p, &data);
        let crashed = run_erasure(p, &data, contract, Some(step));
        assert!(!crashed.status.success(), "{step}: {}", text(&crashed));
        assert_eq!(crashed.status.signal(), Some(6), "{step}: SIGABRT expected");
        assert!(!p.join(format!("{data}-cert.json")).exists());
        {
            // The erasure stopped exactly after the step.
            let svc = open(p, &data).await;
            let list = svc.erasures(&Actor::system("t")).await.unwrap();
            assert_eq!(list.len(), 1);
            assert_eq!(list[0].step.code(), *step);
            svc.close().await;
        }
        // Resume: by `itaku serve` for one step, by the erasure commands
        // otherwise (`list`, or `run` again).
        match i {
            2 => {
                let printed = serve_until_started(p, &data);
                assert!(
                    printed.contains("中断していた消去を完了しました"),
                    "{printed}"
                );
            }
            4 => {
                let again = run_erasure(p, &data, contract, None);
                assert!(again.status.success(), "{}", text(&again));
                assert!(text(&again).contains("消去済み"), "{}", text(&again));
            }
            _ => {
                let list = itaku(&["--data", &data, "erasure", "list"], p, &[]);
                assert!(list.status.success(), "{}", text(&list));
                assert!(text(&list).contains("中断していた消去を完了しました"));
            }
        }
        let list = itaku(&["--data", &data, "erasure", "list"], p, &[]);
        assert!(
            text(&list).contains("完了（証明書発行済み）"),
            "{}",
            text(&list)
        );
        assert!(!text(&list).contains("中断していた"), "resumes once");

        let cert = format!("{data}-c.json");
        let out = itaku(
            &[
                "--data",
                &data,
                "erasure",
                "certificate",
                "--contract",
                &contract.to_string(),
                "--out",
                &cert,
            ],
            p,
            &[],
        );
        assert!(out.status.success(), "{}", text(&out));
        let ok = itaku(&["--data", &data, "erasure", "verify", &cert], p, &[]);
        assert!(ok.status.success(), "{step}: {}", text(&ok));

        let svc = open(p, &data).await;
        let audit = svc
            .audit_search(
                &Actor::system("t"),
                &itaku_service::AuditQuery {
                    action: Some("erase".into()),
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let issued = audit
            .iter()
            .filter(|e| e.reason.contains("certificate issued"))
            .count();
        assert_eq!(issued, 1, "{step}: exactly one certificate");
        let in_contract =
            Actor::system("t").in_contract(ContractId(contract), Some("denwa_kansho".into()));
        assert!(svc
            .search_persons(
                &in_contract,
                &PersonQuery {
                    text: "金糸雀".into(),
                    limit: 5
                }
            )
            .await
            .is_err());
        assert!(svc.audit_verify(None).await.unwrap().ok());
        svc.close().await;
        assert!(
            !contains(&db_bytes(&p.join(&data)), &wrapped),
            "{step}: the vault key is still in the files"
        );
    }

    // One changed byte and the certificate no longer verifies.
    let cert = std::fs::read_to_string(p.join("w0-c.json")).unwrap();
    let forged = cert.replacen("\"persons\": ", "\"persons\": 1", 1);
    assert_ne!(cert, forged);
    std::fs::write(p.join("forged.json"), forged).unwrap();
    let bad = itaku(
        &["--data", "w0", "erasure", "verify", "forged.json"],
        p,
        &[],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("署名が正しくありません"),
        "{}",
        text(&bad)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_keys_and_restore_from_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let (contract, _) = prepare(p).await;
    let ok = |o: Output| {
        assert!(o.status.success(), "{}", text(&o));
        text(&o)
    };
    let b = ok(itaku(
        &[
            "--data", "base", "backup", "--out", "b.age", "--key", "bk.key",
        ],
        p,
        &[],
    ));
    assert!(
        b.contains("検証しました") && b.contains("金庫の鍵は含まれていません"),
        "{b}"
    );
    ok(itaku(
        &[
            "--data", "base", "backup", "keys", "--out", "k.age", "--key", "bk.key",
        ],
        p,
        &[],
    ));
    ok(itaku(
        &["backup", "verify", "b.age", "--key", "bk.key"],
        p,
        &[],
    ));
    // Without the master key nothing is created.
    let no_key = itaku(
        &[
            "--data", "r0", "restore", "--from", "b.age", "--keys", "k.age", "--key", "bk.key",
        ],
        p,
        &[],
    );
    assert!(!no_key.status.success());
    assert!(text(&no_key).contains("--master-key"), "{}", text(&no_key));
    assert!(!p.join("r0").exists() && !p.join("r0.master-key").exists());
    // Keys from another backup key: refused, nothing left behind.
    std::fs::write(p.join("pp"), "a passphrase of some length\n").unwrap();
    let wrong = itaku(
        &[
            "--data",
            "r1",
            "restore",
            "--from",
            "b.age",
            "--keys",
            "k.age",
            "--passphrase-file",
            "pp",
            "--master-key",
            "base.master-key",
        ],
        p,
        &[],
    );
    assert!(!wrong.status.success());
    assert!(!p.join("r1").exists() && !p.join("r1.master-key").exists());
    let r = ok(itaku(
        &[
            "--data",
            "r2",
            "restore",
            "--from",
            "b.age",
            "--keys",
            "k.age",
            "--key",
            "bk.key",
            "--master-key",
            "base.master-key",
        ],
        p,
        &[],
    ));
    assert!(r.contains("復元しました"), "{r}");
    ok(itaku(&["--data", "r2", "audit", "verify"], p, &[]));
    // The restored ward works: the contract's copy of the canary reads.
    let svc = open(p, "r2").await;
    let in_contract =
        Actor::system("t").in_contract(ContractId(contract), Some("denwa_kansho".into()));
    let hits = svc
        .search_persons(
            &in_contract,
            &PersonQuery {
                text: "金糸雀".into(),
                limit: 5,
            },
        )
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    svc.close().await;
    // A second restore into the same place is refused.
    let again = itaku(
        &[
            "--data", "r2", "restore", "--from", "b.age", "--keys", "k.age", "--key", "bk.key",
        ],
        p,
        &[],
    );
    assert!(!again.status.success());
    assert!(
        text(&again).contains("既にデータベース"),
        "{}",
        text(&again)
    );
}
