//! `itaku exchange` between two data directories, as two organisations run
//! it: keys made and exchanged, the contract bound on both sides, a frozen
//! list sent by the ward's staff and received by the contractor's 責任者,
//! receipts returned and checked, results returned and received, both
//! ledgers closed. A modified package is refused and leaves no receipt.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::{ContractId, Item, SystemClock, UserId};
use itaku_service::{read_master_key_file, Actor, Service, Settings};
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

fn itaku(args: &[&str], cwd: &Path) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_itaku"));
    c.args(args).current_dir(cwd);
    for k in [
        "ITAKU_DATA",
        "ITAKU_CONFIG",
        "ITAKU_DATABASE_URL",
        "ITAKU_LISTEN",
        "ITAKU_MASTER_KEY",
        "ITAKU_MASTER_KEY_FILE",
    ] {
        c.env_remove(k);
    }
    c.output().unwrap()
}

fn ok(args: &[&str], cwd: &Path) -> String {
    let o = itaku(args, cwd);
    let t = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "itaku {args:?}: {t}");
    t
}

async fn open(p: &Path, data: &str) -> Service {
    let master = read_master_key_file(&p.join(format!("{data}.master-key"))).unwrap();
    let url = format!("sqlite://{}", p.join(data).join("itaku.db").display());
    Service::open_url(&url, master, Arc::new(SystemClock), Settings::default())
        .await
        .unwrap()
}

fn fingerprint(printed: &str) -> String {
    printed
        .lines()
        .find_map(|l| l.strip_prefix("指紋: "))
        .unwrap()
        .split('（')
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

/// A code for `login` that this test has not used yet: a code signs in
/// once (replay protection), so a second command waits for the next one.
fn fresh_code(p: &Path, data: &str, login: &str, used: &mut HashMap<String, String>) -> String {
    loop {
        let code = ok(&["--data", data, "admin", "totp-code", login], p)
            .trim()
            .to_owned();
        let k = format!("{data}/{login}");
        if used.get(&k) != Some(&code) {
            used.insert(k, code.clone());
            return code;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_goes_out_and_results_come_back_between_two_data_directories() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for d in ["ward", "otsu"] {
        ok(&["--data", d, "demo", "--people", "40", "--no-serve"], p);
    }
    std::fs::write(p.join("pw"), "itaku-demo-2026\n").unwrap();
    let (contract, list) = {
        let svc = open(p, "ward").await;
        let sys = Actor::system("t");
        let c = svc
            .contracts(&sys)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name.contains("受診勧奨"))
            .unwrap()
            .id;
        let staff = Actor::user(
            UserId(svc.user_id_by_login("hokenshi").await.unwrap().unwrap()),
            None,
            "t",
        );
        let l = svc.target_lists(&staff).await.unwrap()[0].clone();
        svc.close().await;
        (c, l)
    };
    assert!(list.members > 0);
    let c = contract.to_string();

    // Keys, exchanged and confirmed; the same reference on both sides.
    ok(
        &[
            "--data",
            "ward",
            "exchange",
            "keygen",
            "--org",
            "新宿区 健康部",
        ],
        p,
    );
    ok(
        &[
            "--data",
            "otsu",
            "exchange",
            "keygen",
            "--org",
            "株式会社みらい健康サポート",
        ],
        p,
    );
    let ward_fp = fingerprint(&ok(
        &["--data", "ward", "exchange", "key", "--out", "ward.pub"],
        p,
    ));
    let otsu_fp = fingerprint(&ok(
        &["--data", "otsu", "exchange", "key", "--out", "otsu.pub"],
        p,
    ));
    assert_ne!(ward_fp, otsu_fp);
    ok(
        &[
            "--data",
            "ward",
            "exchange",
            "partner",
            "add",
            "otsu.pub",
            "--confirmed-by",
            "電話 責任三郎",
        ],
        p,
    );
    ok(
        &[
            "--data",
            "otsu",
            "exchange",
            "partner",
            "add",
            "ward.pub",
            "--confirmed-by",
            "電話 保健花子",
        ],
        p,
    );
    assert!(ok(&["--data", "ward", "exchange", "partner", "list"], p).contains(&otsu_fp));
    for (d, fp) in [("ward", &otsu_fp), ("otsu", &ward_fp)] {
        ok(
            &[
                "--data",
                d,
                "exchange",
                "bind",
                "--contract",
                &c,
                "--ref",
                "R8-健-001",
                "--partner",
                fp,
            ],
            p,
        );
    }

    let mut used = HashMap::new();
    let code = fresh_code(p, "ward", "hokenshi", &mut used);
    let sent = ok(
        &[
            "--data",
            "ward",
            "exchange",
            "send",
            "--contract",
            &c,
            "--list",
            &list.id.to_string(),
            "--out",
            "provision.itaku",
            "--as",
            "hokenshi",
            "--password-file",
            "pw",
            "--totp",
            &code,
        ],
        p,
    );
    assert!(sent.contains(&format!("{} 件", list.members)), "{sent}");

    // One modified byte: refused, no receipt left behind.
    let mut bad = std::fs::read(p.join("provision.itaku")).unwrap();
    let i = bad.len() / 2;
    bad[i] ^= 0x20;
    std::fs::write(p.join("bad.itaku"), &bad).unwrap();
    let code = fresh_code(p, "otsu", "mirai-sekinin", &mut used);
    let refused = itaku(
        &[
            "--data",
            "otsu",
            "exchange",
            "receive",
            "--contract",
            &c,
            "bad.itaku",
            "--receipt-out",
            "bad-receipt.json",
            "--as",
            "mirai-sekinin",
            "--password-file",
            "pw",
            "--totp",
            &code,
        ],
        p,
    );
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !why.contains("端末"),
        "refused for the package, not the terminal: {why}"
    );
    eprintln!("modified package: {why}");
    assert!(!p.join("bad-receipt.json").exists());

    let code = fresh_code(p, "otsu", "mirai-sekinin", &mut used);
    let got = ok(
        &[
            "--data",
            "otsu",
            "exchange",
            "receive",
            "--contract",
            &c,
            "provision.itaku",
            "--receipt-out",
            "receipt1.json",
            "--as",
            "mirai-sekinin",
            "--password-file",
            "pw",
            "--totp",
            &code,
        ],
        p,
    );
    assert!(
        got.contains("新宿区 健康部") && got.contains("提供"),
        "{got}"
    );
    let closed = ok(
        &["--data", "ward", "exchange", "receipt", "receipt1.json"],
        p,
    );
    assert!(closed.contains("受領済み"), "{closed}");

    // The contractor's caller records a result on a person the ward sent.
    {
        let svc = open(p, "otsu").await;
        let caller = Actor::user(
            UserId(svc.user_id_by_login("mirai-denwa").await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
        .in_contract(ContractId(contract), Some("denwa_kansho".into()));
        let (people, _) = svc.list_persons(&caller, 0, 500).await.unwrap();
        let last = people.iter().map(|p| p.id).max().unwrap();
        svc.record_result(&caller, last, Item::KanshoKekka, "受診予定（電話で確認）")
            .await
            .unwrap();
        svc.close().await;
    }
    let code = fresh_code(p, "otsu", "mirai-sekinin", &mut used);
    let back = ok(
        &[
            "--data",
            "otsu",
            "exchange",
            "send",
            "--contract",
            &c,
            "--out",
            "return.itaku",
            "--as",
            "mirai-sekinin",
            "--password-file",
            "pw",
            "--totp",
            &code,
        ],
        p,
    );
    assert!(back.contains("1 件"), "{back}");
    let code = fresh_code(p, "ward", "ward-admin", &mut used);
    let taken = ok(
        &[
            "--data",
            "ward",
            "exchange",
            "receive",
            "--contract",
            &c,
            "return.itaku",
            "--receipt-out",
            "receipt2.json",
            "--as",
            "ward-admin",
            "--password-file",
            "pw",
            "--totp",
            &code,
        ],
        p,
    );
    assert!(taken.contains("返還"), "{taken}");
    ok(
        &["--data", "otsu", "exchange", "receipt", "receipt2.json"],
        p,
    );

    let ward_ledger = ok(
        &["--data", "ward", "exchange", "ledger", "--contract", &c],
        p,
    );
    assert!(ward_ledger.contains("暗号化パッケージ（送付）") && ward_ledger.contains("受領書あり"));
    assert!(!ward_ledger.contains("受領書待ち"), "{ward_ledger}");
    let otsu_ledger = ok(
        &["--data", "otsu", "exchange", "ledger", "--contract", &c],
        p,
    );
    assert!(
        otsu_ledger.contains("返還") && !otsu_ledger.contains("受領書待ち"),
        "{otsu_ledger}"
    );

    let svc = open(p, "ward").await;
    let staff = Actor::user(
        UserId(svc.user_id_by_login("hokenshi").await.unwrap().unwrap()),
        None,
        "t",
    );
    let (people, _) = svc.list_persons(&staff, 0, 500).await.unwrap();
    assert!(people
        .iter()
        .any(|p| p.get(Item::KanshoKekka) == "受診予定（電話で確認）"));
    svc.close().await;
}
