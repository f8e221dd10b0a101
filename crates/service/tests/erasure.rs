//! Erasure of a contract's vault and its certificate, on both backends: a
//! canary resident provided to the contract, a backup taken, the erasure
//! refused (ward staff, no step-up, open campaigns) and then done; the
//! database files hold neither the canary's ciphertext nor the vault's
//! key; the old backup restored with the current key escrow cannot open the
//! vault while the ward's vault still reads; the certificate verifies and a
//! tampered one does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use chrono::{TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, Item, UserId};
use itaku_crypto::MasterKey;
use itaku_service::backup::{backup_table, read_key_escrow, restore_backup};
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

const CANARY: &str = "金糸雀　消去試験";
const CANARY_ATENA: &str = "888000888";

struct Bed {
    svc: Service,
    url: String,
    master: String,
    clock: FixedClock,
    demo: DemoSummary,
    postgres: bool,
    dir: tempfile::TempDir,
}

async fn fresh_url(postgres: bool, dir: &std::path::Path) -> Option<String> {
    fresh_database_url(postgres, dir).await.unwrap()
}

async fn bed(postgres: bool) -> Option<Bed> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_url(postgres, dir.path()).await?;
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    let master = MasterKey::generate();
    let encoded = master.to_encoded();
    let svc = Service::open_url(&url, master, Arc::new(clock.clone()), Settings::default())
        .await
        .unwrap();
    let demo = svc.seed_demo(60, 7).await.unwrap();
    Some(Bed {
        svc,
        url,
        master: encoded,
        clock,
        demo,
        postgres,
        dir,
    })
}

impl Bed {
    async fn actor(&self, login: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
    }
    async fn admin(&self, stepped_up: bool) -> Actor {
        let mut a = self.actor("ward-admin").await;
        a.stepped_up = stepped_up;
        a
    }
    fn contract(&self) -> i64 {
        self.demo.contract_id
    }
    async fn denwa(&self) -> Actor {
        self.actor("mirai-denwa")
            .await
            .in_contract(ContractId(self.contract()), Some("denwa_kansho".into()))
    }
    fn master(&self) -> MasterKey {
        MasterKey::from_encoded(&self.master).unwrap()
    }
    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }
    async fn audit(&self) -> Vec<AuditEntryView> {
        self.svc
            .audit_search(
                &Actor::system("test"),
                &AuditQuery {
                    limit: 5000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }
    /// Every byte the database holds, as an attacker with the files sees
    /// it (SQLite: the files; PostgreSQL: every row as text).
    async fn database_bytes(&self, url: &str) -> Vec<u8> {
        if url.starts_with("sqlite") {
            let path = url.trim_start_matches("sqlite://").to_owned();
            let mut all = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                    all.extend(bytes);
                }
            }
            assert!(all.len() > 10_000);
            all
        } else {
            dump_tables_text(url).await.unwrap().into_bytes()
        }
    }
    /// How the database shows a byte string: raw in SQLite's files, as
    /// bytea hex in PostgreSQL's text dump.
    fn as_stored(&self, url: &str, bytes: &[u8]) -> Vec<u8> {
        if url.starts_with("sqlite") {
            bytes.to_vec()
        } else {
            hex::encode(bytes).into_bytes()
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Register the canary in the ward's vault and provide it to the contract.
/// Returns its id in the ward's vault and in the contract's.
async fn canary(b: &Bed) -> (i64, i64) {
    let staff = b.actor("hokenshi").await;
    let values = [
        (Item::AtenaNo, CANARY_ATENA),
        (Item::Shimei, CANARY),
        (Item::KanaShimei, "カナリア　ショウキョ"),
        (Item::DenwaBango, "090-1111-2222"),
        (Item::Jusho, "東京都新宿区カナリア町三丁目4番5号"),
    ];
    b.svc
        .register_persons(
            &staff,
            &[NewPerson {
                values: values.iter().map(|(i, v)| (*i, v.to_string())).collect(),
            }],
        )
        .await
        .unwrap();
    let q = PersonQuery {
        text: "金糸雀".into(),
        limit: 5,
    };
    let ward = b.svc.search_persons(&staff, &q).await.unwrap();
    assert_eq!(ward.len(), 1);
    b.svc
        .provision(&staff, b.contract(), Some(&[ward[0].id]))
        .await
        .unwrap();
    let copy = b.svc.search_persons(&b.denwa().await, &q).await.unwrap();
    assert_eq!(copy.len(), 1, "the contractor reads its copy");
    assert_eq!(copy[0].get(Item::Shimei), CANARY);
    (ward[0].id, copy[0].id)
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::bed(false).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(b) = super::bed(true).await { super::$name(b).await; } })* }
    };
}

both!(
    erasure_destroys_the_key_deletes_the_rows_and_defeats_old_backups,
    refusals_are_audited_and_change_nothing,
    closed_campaigns_need_no_waiver_and_printed_pages_go_too,
);

async fn erasure_destroys_the_key_deletes_the_rows_and_defeats_old_backups(b: Bed) {
    let (ward_id, copy_id) = canary(&b).await;
    let sys = Actor::system("試験のバックアップ");
    let key_file = b.path("backup.key");
    let recipient = BackupKey::generate_identity_file(&key_file).unwrap();
    assert!(recipient.starts_with("age1"));
    let key = BackupKey::from_identity_file(&key_file).unwrap();
    let old_backup = b.path("before.itaku-backup");
    let old_keys = b.path("before-keys.age");
    let report = b.svc.backup_to(&sys, &old_backup, &key).await.unwrap();
    assert!(report.rows > 100 && report.tables.iter().any(|t| t.table == "erasures"));
    b.svc.backup_keys_to(&sys, &old_keys, &key).await.unwrap();

    // What an attacker would look for afterwards: the contract vault's key
    // (wrapped) and the canary's ciphertext in that vault.
    let escrow = read_key_escrow(&old_keys, &key).unwrap();
    let vault = escrow
        .keys
        .iter()
        .find(|k| k.contract_id == Some(b.contract()))
        .unwrap();
    let wrapped = vault.wrapped().unwrap();
    let persons = backup_table(&old_backup, &key, "persons").unwrap();
    let row = persons
        .iter()
        .find(|r| r["id"] == copy_id && r["vault_id"] == vault.vault_id)
        .expect("the canary's copy is in the backup");
    let ciphertexts: Vec<Vec<u8>> = ["i_shimei", "i_kana_shimei", "i_denwa_bango"]
        .iter()
        .filter_map(|c| row[*c].as_str())
        .map(|s| base64::engine::general_purpose::STANDARD.decode(s).unwrap())
        .collect();
    assert_eq!(ciphertexts.len(), 3);
    // The backup itself never holds a vault key.
    for v in backup_table(&old_backup, &key, "vaults").unwrap() {
        assert!(v["wrapped_key"].is_null(), "{v:?}");
    }
    let before = b.database_bytes(&b.url).await;
    assert!(contains(&before, &b.as_stored(&b.url, &wrapped)));
    assert!(contains(&before, &b.as_stored(&b.url, &ciphertexts[0])));

    let waiver = "返還物（紙の名簿）は受領済み。システム上の勧奨の終了は省略";
    let cert = b
        .svc
        .erase_contract(&b.admin(true).await, b.contract(), Some(waiver))
        .await
        .unwrap();
    let c = &cert.certificate;
    assert_eq!(c.contract.id, b.contract());
    assert_eq!(c.contract.contractor, "株式会社みらい健康サポート");
    assert!(c.deleted.persons >= 1 && c.deleted.persons == c.recorded.persons);
    assert!(c.deleted.search_tokens > 0 && c.deleted.campaign_members > 0);
    assert_eq!(c.keys_destroyed.len(), 1);
    assert_eq!(
        c.keys_destroyed[0].key_id,
        format!("sha256:{}", itaku_crypto::sha256_hex(&wrapped))
    );
    assert_eq!(c.waiver.as_deref(), Some(waiver));
    assert_eq!(c.open_campaigns, 1);
    assert!(c.method.contains("NIST SP 800-88"));
    assert!(c.operator.contains("ward-admin"));
    assert!(certificate_lines(c).join("\n").contains("消去証明書"));
    // The copy for the file: an A4 PDF with the same lines, read back.
    let pdf = b.svc.erasure_certificate_pdf(&cert).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "消去証明書",
        "NIST SP 800-88",
        "破棄した鍵",
        "itaku erasure verify",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    assert!(text.contains(&c.contract.name), "{text}");

    // The certificate holds; one changed field or byte does not.
    let check = b.svc.verify_certificate(&cert).await.unwrap();
    assert!(check.ok(), "{:?}", check.problems);
    assert!(check.key_gone && check.rows_remaining == 0);
    let mut forged = cert.clone();
    forged.certificate.deleted.persons += 1;
    let check = b.svc.verify_certificate(&forged).await.unwrap();
    assert!(!check.ok() && !check.signature_ok);
    let json = cert.to_json().unwrap();
    let one_byte = json.replacen("みらい", "みらぃ", 1);
    assert_ne!(json, one_byte);
    let tampered = SignedCertificate::from_json(&one_byte).unwrap();
    assert!(!b.svc.verify_certificate(&tampered).await.unwrap().ok());

    // Asking again changes nothing and returns the one certificate.
    let again = b
        .svc
        .erase_contract(&b.admin(true).await, b.contract(), None)
        .await
        .unwrap();
    assert_eq!(again, cert);
    assert!(b.svc.resume_erasures().await.unwrap().is_empty());
    let list = b.svc.erasures(&Actor::system("test")).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].step, ErasureStep::Certified);
    assert_eq!(
        b.svc
            .erasure_certificate(&Actor::system("test"), b.contract())
            .await
            .unwrap(),
        cert
    );

    // The contract's data is gone for everyone; the ward's stays.
    assert!(b.svc.read_person(&b.denwa().await, copy_id).await.is_err());
    let in_contract = Actor::system("test").in_contract(ContractId(b.contract()), None);
    assert!(b.svc.list_persons(&in_contract, 0, 10).await.is_err());
    let staff = b.actor("hokenshi").await;
    assert_eq!(
        b.svc
            .read_person(&staff, ward_id)
            .await
            .unwrap()
            .get(Item::Shimei),
        CANARY
    );
    let after = b.database_bytes(&b.url).await;
    assert!(
        !contains(&after, &b.as_stored(&b.url, &wrapped)),
        "vault key left"
    );
    for ct in &ciphertexts {
        assert!(
            !contains(&after, &b.as_stored(&b.url, ct)),
            "ciphertext left"
        );
    }
    assert!(!contains(&after, CANARY.as_bytes()));
    let audit = b.audit().await;
    let steps: Vec<&str> = audit
        .iter()
        .filter(|e| e.action == "erase" && e.outcome == "allow")
        .map(|e| e.reason.as_str())
        .collect();
    for want in [
        "recorded",
        "destroyed",
        "deleted persons=",
        "purged",
        "certificate issued",
    ] {
        assert!(steps.iter().any(|r| r.contains(want)), "{want}: {steps:?}");
    }
    assert!(b.svc.audit_verify(None).await.unwrap().ok());

    // The old backup with the current key escrow: the ward reads, the
    // contract's vault does not open.
    let new_keys = b.path("after-keys.age");
    b.svc.backup_keys_to(&sys, &new_keys, &key).await.unwrap();
    let escrow = read_key_escrow(&new_keys, &key).unwrap();
    assert!(escrow.keys.iter().all(|k| k.vault_id != vault.vault_id));
    assert!(escrow
        .destroyed
        .iter()
        .any(|d| d.vault_id == vault.vault_id));
    let restored_url = fresh_url(b.postgres, b.dir.path()).await.unwrap();
    let r = restore_backup(
        &restored_url,
        b.master(),
        Arc::new(b.clock.clone()),
        &old_backup,
        &new_keys,
        &key,
    )
    .await
    .unwrap();
    assert_eq!(r.destroyed_vaults, vec![vault.vault_id]);
    assert!(r.missing_keys.is_empty());
    let restored = Service::open_url(
        &restored_url,
        b.master(),
        Arc::new(b.clock.clone()),
        Settings::default(),
    )
    .await
    .unwrap();
    assert!(restored.audit_verify(None).await.unwrap().ok());
    assert_eq!(
        restored
            .read_person(&staff, ward_id)
            .await
            .unwrap()
            .get(Item::Shimei),
        CANARY
    );
    for actor in [b.denwa().await, in_contract.clone()] {
        assert!(restored.read_person(&actor, copy_id).await.is_err());
        assert!(restored
            .search_persons(
                &actor,
                &PersonQuery {
                    text: "金糸雀".into(),
                    limit: 5
                }
            )
            .await
            .is_err());
    }
    // Erasing again in the restored copy removes the unreadable rows.
    let again = restored
        .erase_contract(
            &b.admin(true).await,
            b.contract(),
            Some("復元した古い写しの整理"),
        )
        .await
        .unwrap();
    assert!(again.certificate.deleted.persons >= 1);
    assert!(again.certificate.keys_destroyed[0]
        .key_id
        .starts_with("destroyed-before:"));
    restored.close().await;

    // The trade-off, stated: an old key escrow file still opens the old
    // backup. That is why the escrow is rewritten and old copies destroyed.
    let with_old_keys = fresh_url(b.postgres, b.dir.path()).await.unwrap();
    let r = restore_backup(
        &with_old_keys,
        b.master(),
        Arc::new(b.clock.clone()),
        &old_backup,
        &old_keys,
        &key,
    )
    .await
    .unwrap();
    assert!(r.readable_vaults.contains(&vault.vault_id));
}

async fn refusals_are_audited_and_change_nothing(b: Bed) {
    let (_, copy_id) = canary(&b).await;
    let mut staff = b.actor("hokenshi").await;
    staff.stepped_up = true;
    let cases: [(Actor, &str); 3] = [
        (staff, "role_not_permitted"),
        (b.admin(false).await, "step_up_required"),
        (b.admin(true).await, "campaigns_open"),
    ];
    for (actor, reason) in cases {
        let err = b
            .svc
            .erase_contract(&actor, b.contract(), None)
            .await
            .unwrap_err();
        match reason {
            "role_not_permitted" => {
                assert!(matches!(
                    err,
                    ServiceError::Denied(Denial::RoleNotPermitted)
                ))
            }
            "step_up_required" => assert!(matches!(err, ServiceError::StepUpRequired)),
            _ => assert!(err.to_string().contains("終了していない勧奨"), "{err}"),
        }
        let audit = b.audit().await;
        let last = audit
            .iter()
            .find(|e| e.action == "erase")
            .expect("the refusal is audited");
        assert_eq!(
            (last.outcome.as_str(), last.reason.as_str()),
            ("deny", reason)
        );
        assert_eq!(last.contract_id, Some(b.contract()));
    }
    // A blank waiver is no waiver.
    assert!(b
        .svc
        .erase_contract(&b.admin(true).await, b.contract(), Some("  "))
        .await
        .is_err());
    assert!(b
        .svc
        .erasures(&Actor::system("t"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        b.svc
            .read_person(&b.denwa().await, copy_id)
            .await
            .unwrap()
            .get(Item::Shimei),
        CANARY
    );
    // A contractor cannot erase either.
    let mut resp = b
        .actor("mirai-sekinin")
        .await
        .in_contract(ContractId(b.contract()), None);
    resp.stepped_up = true;
    assert!(matches!(
        b.svc.erase_contract(&resp, b.contract(), Some("x")).await,
        Err(ServiceError::Denied(Denial::RoleNotPermitted))
    ));
}

async fn closed_campaigns_need_no_waiver_and_printed_pages_go_too(b: Bed) {
    let (_, copy_id) = canary(&b).await;
    let h = b
        .actor("mirai-tsuchi")
        .await
        .in_contract(ContractId(b.contract()), Some("tsuchi_kansho".into()));
    let id = b.demo.campaign_id;
    let (_, _, seg) = segmentation_presets(2026).remove(0);
    for s in b.svc.apply_segmentation(&h, id, &seg).await.unwrap() {
        let (title, body) = default_template(&s.name, s.code == "never");
        b.svc
            .save_template(&h, id, &s.code, &title, &body)
            .await
            .unwrap();
    }
    let run = b
        .svc
        .create_print_run(&h, id, PrintKind::Postcards, &PrintRequest::default())
        .await
        .unwrap();
    assert!(run.persons > 0);
    b.svc
        .advance_campaign(&h, id, CampaignState::Closed, "返還済み")
        .await
        .unwrap();
    // The campaigns are closed, but nothing has come back to the ward yet.
    let refused = b
        .svc
        .erase_contract(&b.admin(true).await, b.contract(), None)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("返還を受けていません"),
        "{refused}"
    );
    let hokenshi = b.actor("hokenshi").await;
    let returned = b.svc.receive_return(&hokenshi, b.contract()).await.unwrap();
    assert_eq!(returned.items, vec![Item::KanshoKekka]);
    let ledger = b.svc.ledger(&hokenshi, b.contract()).await.unwrap();
    assert!(ledger.returned_after_last_provision);
    let cert = b
        .svc
        .erase_contract(&b.admin(true).await, b.contract(), None)
        .await
        .unwrap();
    let c = &cert.certificate;
    assert_eq!((c.waiver.as_deref(), c.open_campaigns), (None, 0));
    assert_eq!(c.deleted.print_items, run.persons);
    assert!(c.deleted.campaign_members >= run.persons);
    assert!(b.svc.verify_certificate(&cert).await.unwrap().ok());
    assert!(b.svc.read_person(&b.denwa().await, copy_id).await.is_err());
    let contracts = b.svc.contracts(&Actor::system("t")).await.unwrap();
    let status = contracts
        .iter()
        .find(|x| x.id == b.contract())
        .map(|x| x.status.clone())
        .unwrap();
    assert_eq!(status, ContractStatus::Closed.code());
}
