//! Logical backups: a SQLite backup restores into PostgreSQL and back with
//! every table's digest intact, the audit chain valid, the vaults readable
//! and new rows numbered after the old; a damaged file, a wrong key, a
//! non-empty target and a foreign key escrow are refused; passphrases work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, Item, UserId};
use itaku_crypto::MasterKey;
use itaku_service::backup::{restore_backup, verify_backup_file};
use itaku_service::testing::*;
use itaku_service::*;
use std::path::Path;
use std::sync::Arc;

fn clock() -> FixedClock {
    FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap())
}

async fn url(postgres: bool, dir: &Path) -> Option<String> {
    fresh_database_url(postgres, dir).await.unwrap()
}

async fn open(url: &str, master: &str) -> Service {
    Service::open_url(
        url,
        MasterKey::from_encoded(master).unwrap(),
        Arc::new(clock()),
        Settings::default(),
    )
    .await
    .unwrap()
}

async fn actor(svc: &Service, login: &str) -> Actor {
    Actor::user(
        UserId(svc.user_id_by_login(login).await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    )
}

/// What a user sees: the ward's register and the contractor's copy.
async fn seen(svc: &Service, contract: i64) -> (Vec<PersonView>, Vec<PersonView>) {
    let ward = svc
        .list_persons(&actor(svc, "hokenshi").await, 0, 500)
        .await
        .unwrap()
        .0;
    let denwa = actor(svc, "mirai-denwa")
        .await
        .in_contract(ContractId(contract), Some("denwa_kansho".into()));
    let copy = svc.list_persons(&denwa, 0, 500).await.unwrap().0;
    (ward, copy)
}

/// Back up a demo ward on one backend, restore it on the other.
async fn round_trip(from_pg: bool, to_pg: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (Some(src), Some(dst)) = (url(from_pg, dir.path()).await, url(to_pg, dir.path()).await)
    else {
        return;
    };
    let master = MasterKey::generate().to_encoded();
    let svc = open(&src, &master).await;
    let demo = svc.seed_demo(50, 3).await.unwrap();
    let key_file = dir.path().join("k");
    BackupKey::generate_identity_file(&key_file).unwrap();
    let key = BackupKey::from_identity_file(&key_file).unwrap();
    let sys = Actor::system("試験");
    let (backup, keys) = (dir.path().join("b"), dir.path().join("k.age"));
    let report = svc.backup_to(&sys, &backup, &key).await.unwrap();
    svc.backup_keys_to(&sys, &keys, &key).await.unwrap();
    let (header, digests) = verify_backup_file(&backup, &key).unwrap();
    assert_eq!(digests, report.tables);
    assert_eq!(header.backend, svc.backend_name());
    let before = seen(&svc, demo.contract_id).await;
    assert!(!before.0.is_empty() && !before.1.is_empty());

    let r = restore_backup(
        &dst,
        MasterKey::from_encoded(&master).unwrap(),
        Arc::new(clock()),
        &backup,
        &keys,
        &key,
    )
    .await
    .unwrap();
    assert_eq!(r.tables, report.tables, "every table's digest read back");
    assert_eq!(r.readable_vaults.len(), 5);
    let restored = open(&dst, &master).await;
    assert!(restored.audit_verify(None).await.unwrap().ok());
    assert_eq!(seen(&restored, demo.contract_id).await, before);
    // New rows continue after the restored ids (PostgreSQL's sequences).
    let staff = actor(&restored, "hokenshi").await;
    let (new, _) = restored
        .register_persons(
            &staff,
            &[NewPerson {
                values: [
                    (Item::AtenaNo, "999000999".to_string()),
                    (Item::Shimei, "復元　後子".to_string()),
                ]
                .into_iter()
                .collect(),
            }],
        )
        .await
        .unwrap();
    assert_eq!(new, 1);
    let max_before = before.0.iter().map(|p| p.id).max().unwrap();
    let after = seen(&restored, demo.contract_id).await.0;
    assert!(after
        .iter()
        .any(|p| p.id > max_before && p.get(Item::Shimei) == "復元　後子"));

    // The restored installation backs up again, identically in content.
    let again = dir.path().join("b2");
    let second = restored.backup_to(&sys, &again, &key).await.unwrap();
    // Tables the restore and the new person changed differ; the rest not.
    let changed = [
        "audit_log",
        "audit_head",
        "audit_checkpoints",
        "persons",
        "person_search",
    ];
    let stable = |v: &[itaku_service::backup::TableDigest]| {
        v.iter()
            .filter(|d| !changed.contains(&d.table.as_str()))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(stable(&second.tables), stable(&report.tables));
    svc.close().await;
    restored.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_into_sqlite() {
    round_trip(false, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_into_postgres() {
    round_trip(false, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_restores_into_sqlite() {
    round_trip(true, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_restores_into_postgres() {
    round_trip(true, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_files_wrong_keys_and_occupied_targets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = sqlite_url(dir.path());
    let master = MasterKey::generate().to_encoded();
    let svc = open(&src, &master).await;
    svc.seed_demo(10, 3).await.unwrap();
    let sys = Actor::system("試験");
    let key = BackupKey::from_passphrase("correct horse battery staple").unwrap();
    assert!(BackupKey::from_passphrase("short").is_err());
    let (backup, keys) = (dir.path().join("b"), dir.path().join("k.age"));
    svc.backup_to(&sys, &backup, &key).await.unwrap();
    svc.backup_keys_to(&sys, &keys, &key).await.unwrap();
    // Never overwrites, never leaves a partial file.
    assert!(svc.backup_to(&sys, &backup, &key).await.is_err());
    assert!(!dir.path().join("b.partial").exists());
    // Ward staff may not take backups; the refusal is audited.
    let staff = actor(&svc, "hokenshi").await;
    assert!(matches!(
        svc.backup_to(&staff, &dir.path().join("x"), &key).await,
        Err(ServiceError::Denied(Denial::RoleNotPermitted))
    ));
    assert!(!dir.path().join("x").exists());

    let restore = |target: String,
                   backup: std::path::PathBuf,
                   keys: std::path::PathBuf,
                   k: BackupKey| {
        let master = MasterKey::from_encoded(&master).unwrap();
        async move { restore_backup(&target, master, Arc::new(clock()), &backup, &keys, &k).await }
    };
    // One flipped byte in the middle of the file.
    let mut bytes = std::fs::read(&backup).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    let damaged = dir.path().join("damaged");
    std::fs::write(&damaged, &bytes).unwrap();
    assert!(verify_backup_file(&damaged, &key).is_err());
    let err = restore(
        sqlite_url(dir.path()),
        damaged,
        keys.clone(),
        BackupKey::from_passphrase("correct horse battery staple").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("壊れて") || err.to_string().contains("読み"),
        "{err}"
    );
    // Cut short.
    let cut = dir.path().join("cut");
    let whole = std::fs::read(&backup).unwrap();
    std::fs::write(&cut, &whole[..whole.len() - 100]).unwrap();
    assert!(verify_backup_file(&cut, &key).is_err());
    // The wrong passphrase.
    let wrong = BackupKey::from_passphrase("wrong horse battery staple").unwrap();
    let err = verify_backup_file(&backup, &wrong).unwrap_err();
    assert!(err.to_string().contains("パスフレーズ"), "{err}");
    // A target that is not empty.
    let err = restore(
        src.clone(),
        backup.clone(),
        keys.clone(),
        BackupKey::from_passphrase("correct horse battery staple").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("空ではありません"), "{err}");
    // Another installation's key escrow.
    let other = open(&sqlite_url(dir.path()), &MasterKey::generate().to_encoded()).await;
    let other_keys = dir.path().join("other.age");
    other.backup_keys_to(&sys, &other_keys, &key).await.unwrap();
    let err = restore(
        sqlite_url(dir.path()),
        backup.clone(),
        other_keys,
        BackupKey::from_passphrase("correct horse battery staple").unwrap(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("別のシステム"), "{err}");
    // The wrong master key: refused before anything is committed.
    let target = sqlite_url(dir.path());
    let err = restore_backup(
        &target,
        MasterKey::generate(),
        Arc::new(clock()),
        &backup,
        &keys,
        &key,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServiceError::MasterKey(_)), "{err}");
    // The right one, with the passphrase: it works.
    let ok = sqlite_url(dir.path());
    restore(ok.clone(), backup, keys, key).await.unwrap();
    assert!(open(&ok, &master)
        .await
        .audit_verify(None)
        .await
        .unwrap()
        .ok());
}

/// A questionnaire returned and erased after a backup was taken: restoring
/// that older backup with the key escrow written after the return gives
/// back everything but that questionnaire's answers (its key is in neither
/// file); with the escrow from before, its answers come back.
async fn narrower_keys_live_only_in_the_escrow(postgres: bool) {
    use itaku_service::questionnaires::demo::DEMO_TITLE;
    let dir = tempfile::tempdir().unwrap();
    let (Some(src), Some(old_dst), Some(new_dst)) = (
        url(postgres, dir.path()).await,
        url(postgres, dir.path()).await,
        url(postgres, dir.path()).await,
    ) else {
        return;
    };
    let master = MasterKey::generate().to_encoded();
    let c = clock();
    let svc = Service::open_url(
        &src,
        MasterKey::from_encoded(&master).unwrap(),
        Arc::new(c.clone()),
        Settings::default(),
    )
    .await
    .unwrap();
    svc.seed_demo(10, 3).await.unwrap();
    let shukei_of = async |s: &Service| {
        let id = s.user_id_by_login("wh-shukei").await.unwrap().unwrap();
        let w = s.work_contexts(id).await.unwrap().remove(0);
        actor(s, "wh-shukei")
            .await
            .in_contract(ContractId(w.contract_id), Some(w.purpose_code))
    };
    let shukei = shukei_of(&svc).await;
    let q = svc
        .questionnaires(&shukei)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.title == DEMO_TITLE)
        .unwrap()
        .id;
    let key = BackupKey::from_passphrase("correct horse battery staple").unwrap();
    let sys = Actor::system("試験");
    let (backup, old_keys, new_keys) = (
        dir.path().join("b"),
        dir.path().join("old.age"),
        dir.path().join("new.age"),
    );
    svc.backup_to(&sys, &backup, &key).await.unwrap();
    svc.backup_keys_to(&sys, &old_keys, &key).await.unwrap();
    // Returned to the ward a week after 集計完了: the key is destroyed.
    svc.close_questionnaire(&shukei, q).await.unwrap();
    svc.mark_aggregation_done(&shukei, q).await.unwrap();
    c.advance(chrono::Duration::days(8));
    assert_eq!(svc.run_due_jobs("t").await.unwrap().done.len(), 1);
    svc.backup_keys_to(&sys, &new_keys, &key).await.unwrap();
    svc.close().await;

    for (dst, keys, readable) in [(&old_dst, &old_keys, true), (&new_dst, &new_keys, false)] {
        restore_backup(
            dst,
            MasterKey::from_encoded(&master).unwrap(),
            Arc::new(clock()),
            &backup,
            keys,
            &key,
        )
        .await
        .unwrap();
        let restored = open(dst, &master).await;
        let shukei = shukei_of(&restored).await;
        let r = restored.questionnaire_results(&shukei, q, &[], 5).await;
        assert_eq!(
            r.is_ok(),
            readable,
            "{:?}",
            r.map(|r| r.aggregate.respondents)
        );
        if let Ok(r) = r {
            assert_eq!(r.aggregate.respondents, 40);
        }
        // The rest of the installation came back either way.
        assert!(!seen(&restored, 1).await.0.is_empty());
        restored.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn narrower_keys_live_only_in_the_escrow_sqlite() {
    narrower_keys_live_only_in_the_escrow(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn narrower_keys_live_only_in_the_escrow_postgres() {
    narrower_keys_live_only_in_the_escrow(true).await;
}
