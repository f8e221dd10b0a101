//! One storage conformance suite, run unchanged against SQLite and
//! PostgreSQL: the service may rely on nothing that differs between them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_store::testing::{fresh_postgres_url, postgres_admin_url, postgres_required, sqlite_url};
use itaku_store::*;

const NOW: &str = "2026-11-22T09:00:00.000000Z";

async fn open_sqlite(dir: &tempfile::TempDir) -> Store {
    let s = Store::connect(&sqlite_url(dir.path())).await.unwrap();
    s.migrate().await.unwrap();
    s
}

async fn open_postgres() -> Option<Store> {
    let Some(admin) = postgres_admin_url() else {
        assert!(!postgres_required(), "CI must set ITAKU_TEST_POSTGRES_URL");
        eprintln!("ITAKU_TEST_POSTGRES_URL not set: PostgreSQL half skipped");
        return None;
    };
    let url = fresh_postgres_url(&admin).await.unwrap();
    let s = Store::connect(&url).await.unwrap();
    s.migrate().await.unwrap();
    Some(s)
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let dir = tempfile::tempdir().unwrap();
                super::$name(super::open_sqlite(&dir).await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(s) = super::open_postgres().await {
                    super::$name(s).await;
                }
            })*
        }
    };
}

conformance!(
    migrations_are_idempotent_and_numbered_alike,
    a_deferred_token_index_comes_back_on_rollback_and_on_restore,
    organisations_users_and_unique_logins,
    contracts_staff_and_subcontracting,
    items_load_only_what_is_asked_and_only_from_the_vault,
    batch_upsert_reports_new_and_replaced_rows_in_order,
    profiles_and_frozen_lists,
    search_tokens_intersect,
    batch_tokens_replace_only_for_known_persons,
    sessions_end_by_user_and_by_organisation,
    audit_appends_in_order_and_filters,
    concurrent_audit_appends_never_fork_the_chain,
    failed_transaction_leaves_nothing,
);

async fn migrations_are_idempotent_and_numbered_alike(s: Store) {
    s.migrate().await.unwrap();
    let applied = s.applied_migrations().await.unwrap();
    assert_eq!(applied, s.known_migrations());
    assert!(!applied.is_empty());
    // Both dialects carry the same version numbers.
    let names = |d: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{d}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| {
                    e.unwrap()
                        .file_name()
                        .to_string_lossy()
                        .split('_')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}

async fn seed_org_user(tx: &mut Tx, kind: &str, name: &str, login: &str) -> (i64, i64) {
    let org = tx.insert_org(kind, name, None, NOW).await.unwrap();
    let user = tx
        .insert_user(
            &NewUser {
                org_id: org,
                login,
                display_name: "担当 太郎",
                role: "handler",
                password_hash: "x",
                totp_secret: Some(b"s"),
            },
            NOW,
        )
        .await
        .unwrap();
    (org, user)
}

async fn organisations_users_and_unique_logins(s: Store) {
    let mut tx = s.begin().await.unwrap();
    let (org, user) = seed_org_user(&mut tx, "contractor", "株式会社サンプル", "kato").await;
    let dup = tx
        .insert_user(
            &NewUser {
                org_id: org,
                login: "kato",
                display_name: "別人",
                role: "handler",
                password_hash: "y",
                totp_secret: None,
            },
            NOW,
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    tx.rollback().await.unwrap();

    let mut tx = s.begin().await.unwrap();
    let (org, user2) = seed_org_user(&mut tx, "contractor", "株式会社サンプル", "kato").await;
    assert!(user2 >= user);
    let u = tx.user_by_login("kato").await.unwrap().unwrap();
    assert_eq!(u.display_name, "担当 太郎");
    assert_eq!(u.org_id, org);
    assert_eq!(u.active, 1);
    assert_eq!(u.totp_secret.as_deref(), Some(&b"s"[..]));
    tx.insert_training(
        u.id,
        "個人情報保護研修",
        "2026-04-01",
        "2027-03-31",
        None,
        NOW,
    )
    .await
    .unwrap();
    tx.insert_training(
        u.id,
        "個人情報保護研修",
        "2025-04-01",
        "2026-03-31",
        None,
        NOW,
    )
    .await
    .unwrap();
    let u = tx.user(u.id).await.unwrap().unwrap();
    assert_eq!(u.training_valid_until.as_deref(), Some("2027-03-31"));
    assert_eq!(tx.set_user_active(u.id, false).await.unwrap(), 1);
    assert_eq!(tx.user(u.id).await.unwrap().unwrap().active, 0);
    let (f, l) = tx.throttle("nobody").await.unwrap();
    assert_eq!((f, l), (0, None));
    tx.set_throttle("nobody", 3, Some(NOW)).await.unwrap();
    tx.set_throttle("nobody", 4, None).await.unwrap();
    assert_eq!(tx.throttle("nobody").await.unwrap(), (4, None));
    tx.commit().await.unwrap();
}

async fn contracts_staff_and_subcontracting(s: Store) {
    let mut tx = s.begin().await.unwrap();
    let (org, user) = seed_org_user(&mut tx, "contractor", "乙社", "otsu1").await;
    let sub = tx
        .insert_org("subcontractor", "丙社", Some(org), NOW)
        .await
        .unwrap();
    let job = tx
        .insert_job("tokutei", "特定健診受診勧奨", "健康づくり課")
        .await
        .unwrap();
    tx.insert_purpose(job, "denwa_kansho", "電話勧奨", "shimei,denwa_bango")
        .await
        .unwrap();
    let c = tx
        .insert_contract(
            &NewContract {
                job_id: job,
                contractor_org_id: org,
                name: "令和8年度 受診勧奨業務",
                starts_on: "2026-04-01",
                ends_on: "2027-03-31",
                allowed_networks: "10.0.0.0/8",
                requires_client_cert: true,
            },
            NOW,
        )
        .await
        .unwrap();
    tx.insert_staff(c, user, "handler", "denwa_kansho")
        .await
        .unwrap();
    let row = tx.contract(c).await.unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.requires_client_cert),
        ("active", 1)
    );
    assert_eq!(
        tx.purposes(job).await.unwrap()[0].items,
        "shimei,denwa_bango"
    );
    tx.insert_subcontract(c, sub, user, NOW).await.unwrap();
    assert_eq!(tx.revoke_subcontract(c, sub, NOW).await.unwrap(), 1);
    assert_eq!(tx.revoke_subcontract(c, sub, NOW).await.unwrap(), 0);
    assert!(tx.subcontracts(c).await.unwrap()[0].revoked_at.is_some());
    assert_eq!(tx.staff(c).await.unwrap().len(), 1);
    assert_eq!(tx.delete_staff(c, user).await.unwrap(), 1);
    assert_eq!(
        tx.set_contract_status(c, "cancelled", NOW).await.unwrap(),
        1
    );
    tx.commit().await.unwrap();
    // A failed statement ends the transaction's usefulness on both backends
    // (PostgreSQL aborts it), so each refusal is checked in its own.
    let mut tx = s.begin().await.unwrap();
    tx.insert_staff(c, user, "handler", "denwa_kansho")
        .await
        .unwrap();
    assert!(tx
        .insert_staff(c, user, "handler", "denwa_kansho")
        .await
        .is_err());
    tx.rollback().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    assert!(
        tx.set_contract_status(c, "paused", NOW).await.is_err(),
        "status is checked by the schema"
    );
    tx.rollback().await.unwrap();
}

async fn items_load_only_what_is_asked_and_only_from_the_vault(s: Store) {
    let mut tx = s.begin().await.unwrap();
    let ward = tx.insert_vault(None, b"wrapped-ward", NOW).await.unwrap();
    let (org, _) = seed_org_user(&mut tx, "contractor", "乙社", "otsu2").await;
    let job = tx.insert_job("j", "業務", "課").await.unwrap();
    let c = tx
        .insert_contract(
            &NewContract {
                job_id: job,
                contractor_org_id: org,
                name: "c",
                starts_on: "2026-04-01",
                ends_on: "2027-03-31",
                allowed_networks: "",
                requires_client_cert: false,
            },
            NOW,
        )
        .await
        .unwrap();
    let cv = tx.insert_vault(Some(c), b"wrapped-c", NOW).await.unwrap();
    assert_eq!(tx.vault_for(None).await.unwrap().unwrap().id, ward);
    assert_eq!(tx.vault_for(Some(c)).await.unwrap().unwrap().id, cv);
    let (p, new) = tx.upsert_person(ward, b"key-1", None, NOW).await.unwrap();
    assert!(new);
    assert_eq!(
        tx.upsert_person(ward, b"key-1", None, NOW).await.unwrap(),
        (p, false)
    );
    tx.put_items(
        p,
        &[
            ("shimei", b"sealed-name".to_vec()),
            ("denwa_bango", b"sealed-phone".to_vec()),
        ],
    )
    .await
    .unwrap();
    tx.put_items(p, &[("shimei", b"sealed-name-2".to_vec())])
        .await
        .unwrap();
    assert!(
        tx.put_items(p, &[("shimei; DROP TABLE persons", b"x".to_vec())])
            .await
            .is_err(),
        "item names are identifiers"
    );
    let got = tx.load_items(ward, &[p], &["shimei"]).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].items,
        vec![("shimei".to_owned(), b"sealed-name-2".to_vec())]
    );
    // From another vault the person does not exist.
    assert!(tx
        .load_items(cv, &[p], &["shimei", "denwa_bango"])
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        tx.load_items(ward, &[p], &[]).await.unwrap()[0].items.len(),
        0
    );
    let got = tx
        .load_items(ward, &[p], &["shimei", "denwa_bango", "jusho"])
        .await
        .unwrap();
    assert_eq!(got[0].items.len(), 2, "absent items are absent, not empty");
    assert_eq!(tx.count_persons(ward).await.unwrap(), 1);
    assert_eq!(tx.person_ids(ward, 0, 10).await.unwrap(), vec![p]);
    tx.commit().await.unwrap();
}

async fn batch_upsert_reports_new_and_replaced_rows_in_order(s: Store) {
    let mut tx = s.begin().await.unwrap();
    let v = tx.insert_vault(None, b"k", NOW).await.unwrap();
    let row = |k: &str, name: Option<&str>| PersonRow {
        person_key: k.as_bytes().to_vec(),
        source_person_id: None,
        values: vec![name.map(|n| n.as_bytes().to_vec()), Some(b"phone".to_vec())],
    };
    let first: Vec<PersonRow> = (0..1200)
        .map(|i| row(&format!("k{i}"), Some("a")))
        .collect();
    let got = tx
        .upsert_persons(v, &["shimei", "denwa_bango"], &first, NOW)
        .await
        .unwrap();
    assert_eq!(got.len(), 1200);
    assert!(got.iter().all(|(_, new)| *new));
    let ids: std::collections::BTreeSet<i64> = got.iter().map(|g| g.0).collect();
    assert_eq!(ids.len(), 1200);
    // Re-import: same ids, nothing new, values replaced (a blank becomes NULL).
    let again = vec![
        row("k5", None),
        row("k1199", Some("b")),
        row("new", Some("c")),
    ];
    let got2 = tx
        .upsert_persons(v, &["shimei", "denwa_bango"], &again, NOW)
        .await
        .unwrap();
    assert_eq!(got2[0], (got[5].0, false));
    assert_eq!(got2[1], (got[1199].0, false));
    assert!(got2[2].1);
    assert_eq!(tx.count_persons(v).await.unwrap(), 1201);
    let loaded = tx
        .load_items(v, &[got[5].0, got[1199].0], &["shimei"])
        .await
        .unwrap();
    assert!(loaded[0].items.is_empty());
    assert_eq!(loaded[1].items, vec![("shimei".to_owned(), b"b".to_vec())]);
    tx.commit().await.unwrap();
}

async fn search_tokens_intersect(s: Store) {
    let mut tx = s.begin().await.unwrap();
    let v = tx.insert_vault(None, b"k", NOW).await.unwrap();
    let (a, _) = tx.upsert_person(v, b"a", None, NOW).await.unwrap();
    let (b, _) = tx.upsert_person(v, b"b", None, NOW).await.unwrap();
    tx.replace_search_tokens(a, &[b"t1".to_vec(), b"t2".to_vec()])
        .await
        .unwrap();
    tx.replace_search_tokens(b, &[b"t1".to_vec()])
        .await
        .unwrap();
    assert_eq!(
        tx.persons_with_tokens(v, &[b"t1".to_vec()], 10)
            .await
            .unwrap(),
        vec![a, b]
    );
    assert_eq!(
        tx.persons_with_tokens(v, &[b"t1".to_vec(), b"t2".to_vec()], 10)
            .await
            .unwrap(),
        vec![a]
    );
    assert_eq!(
        tx.persons_with_tokens(v, &[b"t1".to_vec()], 1)
            .await
            .unwrap(),
        vec![a]
    );
    tx.replace_search_tokens(a, &[b"t3".to_vec()])
        .await
        .unwrap();
    assert_eq!(
        tx.persons_with_tokens(v, &[b"t2".to_vec()], 10)
            .await
            .unwrap(),
        Vec::<i64>::new()
    );
    tx.commit().await.unwrap();
}

fn session(id: &str, user: i64) -> SessionRow {
    SessionRow {
        id_digest: id.into(),
        user_id: user,
        csrf_token: "c".into(),
        ip: Some("127.0.0.1".into()),
        client_cert: None,
        created_at: NOW.into(),
        last_seen_at: NOW.into(),
        expires_at: "2026-11-22T17:00:00.000000Z".into(),
        stepped_up_at: None,
        ended_at: None,
    }
}

async fn sessions_end_by_user_and_by_organisation(s: Store) {
    let mut tx = s.begin().await.unwrap();
    let (org, u1) = seed_org_user(&mut tx, "contractor", "乙社", "s1").await;
    let (_, u2) = seed_org_user(&mut tx, "ward", "新宿区", "s2").await;
    tx.insert_session(&session("a", u1)).await.unwrap();
    tx.insert_session(&session("b", u1)).await.unwrap();
    tx.insert_session(&session("c", u2)).await.unwrap();
    assert_eq!(tx.live_sessions(NOW).await.unwrap().len(), 3);
    assert_eq!(tx.end_session("a", NOW, "sign_out").await.unwrap(), 1);
    assert_eq!(tx.end_session("a", NOW, "sign_out").await.unwrap(), 0);
    assert_eq!(
        tx.end_sessions_of_org(org, NOW, "contract_cancelled")
            .await
            .unwrap(),
        1
    );
    let live = tx.live_sessions(NOW).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].user_id, u2);
    assert_eq!(tx.end_sessions_of_user(u2, NOW, "admin").await.unwrap(), 1);
    assert!(tx.session("b").await.unwrap().unwrap().ended_at.is_some());
    tx.commit().await.unwrap();
}

fn entry(actor: &str, record: i64, action: &str) -> NewAuditEntry {
    NewAuditEntry {
        at: NOW.into(),
        actor_user_id: Some(record % 3),
        actor: actor.into(),
        role: "handler".into(),
        terminal: "127.0.0.1".into(),
        contract_id: Some(record % 2),
        purpose: "denwa_kansho".into(),
        action: action.into(),
        target: "person".into(),
        record_ids: format!(",{record},"),
        items: "shimei".into(),
        outcome: "allow".into(),
        reason: String::new(),
        request_id: format!("r{record}"),
    }
}

async fn append(s: &Store, e: &NewAuditEntry) -> i64 {
    let mut tx = s.begin().await.unwrap();
    if tx.audit_lock_head().await.unwrap().is_none() {
        tx.audit_init_head(&[0; 32]).await.unwrap();
    }
    let (seq, prev) = tx.audit_lock_head().await.unwrap().unwrap();
    let mut hash = prev.clone();
    hash[0] = hash[0].wrapping_add(1);
    tx.audit_append(seq + 1, e, &hash).await.unwrap();
    tx.commit().await.unwrap();
    seq + 1
}

async fn audit_appends_in_order_and_filters(s: Store) {
    for i in 1..=6 {
        assert_eq!(
            append(
                &s,
                &entry("佐藤", i, if i % 2 == 0 { "read" } else { "search" })
            )
            .await,
            i
        );
    }
    let mut tx = s.begin().await.unwrap();
    let all = tx.audit_entries(0, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert_eq!(all[0].actor, "佐藤");
    assert_eq!(tx.audit_entries(4, 100).await.unwrap().len(), 2);
    let f = AuditFilter {
        action: Some("read".into()),
        ..Default::default()
    };
    assert_eq!(
        tx.audit_search(&f, 10, 0)
            .await
            .unwrap()
            .iter()
            .map(|r| r.seq)
            .collect::<Vec<_>>(),
        vec![6, 4, 2]
    );
    let f = AuditFilter {
        record_id: Some(5),
        ..Default::default()
    };
    assert_eq!(tx.audit_search(&f, 10, 0).await.unwrap()[0].seq, 5);
    let f = AuditFilter {
        user_id: Some(0),
        contract_id: Some(1),
        ..Default::default()
    };
    assert_eq!(
        tx.audit_search(&f, 10, 0)
            .await
            .unwrap()
            .iter()
            .map(|r| r.seq)
            .collect::<Vec<_>>(),
        vec![3]
    );
    let f = AuditFilter {
        from: Some("2026-11-23".into()),
        ..Default::default()
    };
    assert!(tx.audit_search(&f, 10, 0).await.unwrap().is_empty());
    assert_eq!(
        tx.audit_search(&AuditFilter::default(), 2, 1)
            .await
            .unwrap()
            .iter()
            .map(|r| r.seq)
            .collect::<Vec<_>>(),
        vec![5, 4]
    );
    // Appending anywhere but after the head is refused.
    assert!(tx
        .audit_append(3, &entry("x", 9, "read"), &[1; 32])
        .await
        .is_err());
    tx.rollback().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.insert_checkpoint(&AuditCheckpointRow {
        seq: 6,
        hash: vec![1; 32],
        signature: vec![2; 64],
        signed_at: NOW.into(),
    })
    .await
    .unwrap();
    assert_eq!(tx.checkpoints().await.unwrap().len(), 1);
    tx.commit().await.unwrap();
}

async fn concurrent_audit_appends_never_fork_the_chain(s: Store) {
    append(&s, &entry("初期", 0, "read")).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                append(&s, &entry(&format!("w{t}"), i, "read")).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut tx = s.begin().await.unwrap();
    let all = tx.audit_entries(0, 1000).await.unwrap();
    assert_eq!(all.len(), 81);
    assert!(
        all.iter().enumerate().all(|(i, r)| r.seq == i as i64 + 1),
        "no gaps, no duplicates"
    );
    assert_eq!(tx.audit_head().await.unwrap().unwrap().0, 81);
    tx.commit().await.unwrap();
}

async fn failed_transaction_leaves_nothing(s: Store) {
    let mut tx = s.begin().await.unwrap();
    seed_org_user(&mut tx, "contractor", "消える社", "gone").await;
    drop(tx);
    let mut tx = s.begin().await.unwrap();
    assert!(tx.user_by_login("gone").await.unwrap().is_none());
    assert!(tx.orgs().await.unwrap().is_empty());
    tx.commit().await.unwrap();
}

async fn profiles_and_frozen_lists(s: Store) {
    let mut tx = s.begin().await.unwrap();
    tx.save_profile("他区形式", "name = 'a'", Some(1), NOW)
        .await
        .unwrap();
    tx.save_profile("他区形式", "name = 'b'", Some(2), NOW)
        .await
        .unwrap();
    let p = tx.profiles().await.unwrap();
    assert_eq!(
        (p.len(), p[0].toml.as_str(), p[0].updated_by),
        (1, "name = 'b'", Some(2))
    );
    let v = tx.insert_vault(None, b"k", NOW).await.unwrap();
    let rows: Vec<PersonRow> = (0..12)
        .map(|i| PersonRow {
            person_key: vec![i],
            source_person_id: None,
            values: vec![],
        })
        .collect();
    let ids: Vec<i64> = tx
        .upsert_persons(v, &[], &rows, NOW)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect();
    let list = tx
        .insert_target_list(
            "令和8年度 特定健診 未受診者",
            "{}",
            2026,
            Some(1),
            NOW,
            &ids[2..9],
        )
        .await
        .unwrap();
    let row = tx.target_list(list).await.unwrap().unwrap();
    assert_eq!((row.members, row.fiscal_year), (7, 2026));
    assert_eq!(
        tx.target_list_members(list, 0, 3).await.unwrap(),
        ids[2..5].to_vec()
    );
    assert_eq!(
        tx.target_list_members(list, ids[4], 100).await.unwrap(),
        ids[5..9].to_vec()
    );
    assert_eq!(tx.target_lists().await.unwrap().len(), 1);
    tx.commit().await.unwrap();
}

async fn batch_tokens_replace_only_for_known_persons(s: Store) {
    let mut tx = s.begin().await.unwrap();
    let v = tx.insert_vault(None, b"k", NOW).await.unwrap();
    let (a, _) = tx.upsert_person(v, b"a", None, NOW).await.unwrap();
    let (b, _) = tx.upsert_person(v, b"b", None, NOW).await.unwrap();
    tx.replace_search_tokens(a, &[b"old".to_vec()])
        .await
        .unwrap();
    tx.replace_search_tokens_batch(&[
        (a, vec![b"new-a".to_vec()], false),
        (b, vec![b"new-b".to_vec(), b"both".to_vec()], true),
    ])
    .await
    .unwrap();
    assert!(
        tx.persons_with_tokens(v, &[b"old".to_vec()], 10)
            .await
            .unwrap()
            .is_empty(),
        "a known person's tokens are replaced"
    );
    assert_eq!(
        tx.persons_with_tokens(v, &[b"new-a".to_vec()], 10)
            .await
            .unwrap(),
        vec![a]
    );
    assert_eq!(
        tx.persons_with_tokens(v, &[b"new-b".to_vec(), b"both".to_vec()], 10)
            .await
            .unwrap(),
        vec![b]
    );
    tx.commit().await.unwrap();
}

async fn a_deferred_token_index_comes_back_on_rollback_and_on_restore(s: Store) {
    let full = vec![
        "person_search_person".to_owned(),
        "person_search_token".to_owned(),
    ];
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.indexes_of("person_search").await.unwrap(), full);
    let dropped = tx.defer_token_index().await.unwrap();
    // Only SQLite drops it: on PostgreSQL it would lock searches out.
    assert_eq!(dropped, s.backend() == Backend::Sqlite);
    let during = tx.indexes_of("person_search").await.unwrap();
    assert_eq!(during.len(), if dropped { 1 } else { 2 });
    // An import that fails (or is killed) rolls the drop back with it.
    tx.rollback().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.indexes_of("person_search").await.unwrap(), full);
    tx.defer_token_index().await.unwrap();
    tx.restore_token_index().await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.indexes_of("person_search").await.unwrap(), full);
    tx.rollback().await.unwrap();
}
