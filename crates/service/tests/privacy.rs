//! The privacy core's promises, each tested on SQLite and PostgreSQL with the
//! demo ward: purpose item filters, refusals (audited), IDOR answers,
//! fail-closed audit, the tamper-evident chain, lockout, TOTP replay,
//! cancellation, and no plaintext on disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{FixedClock, Item, UserId};
use itaku_crypto::{MasterKey, TotpSecret};
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

struct Bed {
    svc: Service,
    url: String,
    clock: FixedClock,
    secrets: std::collections::HashMap<String, String>,
    contract: i64,
    _dir: tempfile::TempDir,
}

const PEOPLE: u64 = 120;

async fn bed(postgres: bool) -> Option<Bed> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    // 2026-11-22 10:00 JST.
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    let svc = Service::open_url(
        &url,
        MasterKey::generate(),
        Arc::new(clock.clone()),
        Settings::default(),
    )
    .await
    .unwrap();
    let demo = svc.seed_demo(PEOPLE, 7).await.unwrap();
    let secrets = demo
        .logins
        .iter()
        .map(|l| (l.login.clone(), l.totp_secret.clone()))
        .collect();
    Some(Bed {
        svc,
        url,
        clock,
        secrets,
        contract: demo.contract_id,
        _dir: dir,
    })
}

impl Bed {
    async fn uid(&self, login: &str) -> UserId {
        UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap())
    }
    async fn actor(&self, login: &str) -> Actor {
        Actor::user(
            self.uid(login).await,
            Some("127.0.0.1".parse().unwrap()),
            "test",
        )
    }
    async fn handler(&self, login: &str, purpose: &str) -> Actor {
        self.actor(login)
            .await
            .in_contract(itaku_core::ContractId(self.contract), Some(purpose.into()))
    }
    fn code(&self, login: &str) -> String {
        let s = TotpSecret::from_base32(&self.secrets[login]).unwrap();
        s.code_at(self.svc.now().timestamp() as u64)
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
    async fn sign_in(&self, login: &str, password: &str, code: &str) -> Result<SignedIn> {
        self.svc
            .sign_in(SignIn {
                login: login.into(),
                password: password.into(),
                totp: code.into(),
                ip: Some("127.0.0.1".parse().unwrap()),
                client_cert: None,
                request_id: "t".into(),
                previous_session: None,
            })
            .await
    }
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::bed(false).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(b) = super::bed(true).await { super::$name(b).await; } })* }
    };
}

both!(
    each_purpose_sees_exactly_its_items,
    foreign_and_missing_records_answer_alike,
    refusals_are_specific_and_audited,
    every_read_and_search_is_audited,
    concurrent_reads_are_each_audited_once,
    audit_chain_detects_every_kind_of_tampering,
    tail_rewrite_is_caught_by_an_external_checkpoint,
    audit_failure_fails_closed,
    lockout_escalates_and_answers_alike,
    totp_codes_are_single_use,
    cancellation_and_revocation_cut_access_at_once,
    policy_changes_reach_the_next_read_at_once,
    no_plaintext_reaches_the_database,
    search_finds_variants_within_purpose_only,
);

async fn each_purpose_sees_exactly_its_items(b: Bed) {
    let expect = |list: &[Item]| -> Vec<Item> {
        let mut v = list.to_vec();
        v.sort();
        v
    };
    let cases = [
        (
            "mirai-denwa",
            "denwa_kansho",
            expect(&[
                Item::Shimei,
                Item::KanaShimei,
                Item::DenwaBango,
                Item::Seinengappi,
                Item::Seibetsu,
            ]),
        ),
        (
            "mirai-bunseki",
            "koka_bunseki",
            expect(&[
                Item::KenshinKekka,
                Item::JushinkenNo,
                Item::Seinengappi,
                Item::Seibetsu,
            ]),
        ),
        (
            "fureai-homon",
            "homon_kansho",
            expect(&[
                Item::Shimei,
                Item::Seibetsu,
                Item::Seinengappi,
                Item::Jusho,
                Item::Katagaki,
            ]),
        ),
    ];
    for (login, purpose, allowed) in cases {
        let a = b.handler(login, purpose).await;
        let (page, total) = b.svc.list_persons(&a, 0, 500).await.unwrap();
        assert_eq!(total, PEOPLE as i64, "everyone was provided");
        assert_eq!(page.len(), PEOPLE as usize);
        for p in &page {
            assert!(
                p.values.keys().all(|i| allowed.contains(i)),
                "{login}: {:?}",
                p.values.keys()
            );
        }
        // Every allowed item shows up for someone (phones and results are optional).
        for item in &allowed {
            assert!(
                page.iter().any(|p| p.values.contains_key(item)),
                "{login} never sees {item:?}"
            );
        }
    }
    // The ward's staff see the ward vault whole.
    let staff = b.actor("hokenshi").await;
    let (page, _) = b.svc.list_persons(&staff, 0, 5).await.unwrap();
    assert!(
        page[0].values.contains_key(&Item::AtenaNo)
            && page[0].values.contains_key(&Item::KokuhoKigoBango)
    );
}

async fn foreign_and_missing_records_answer_alike(b: Bed) {
    let denwa = b.handler("mirai-denwa", "denwa_kansho").await;
    let (mine, _) = b.svc.list_persons(&denwa, 0, 1).await.unwrap();
    assert!(b.svc.read_person(&denwa, mine[0].id).await.is_ok());
    // Ward vault ids and contract vault ids are distinct rows; a ward id read
    // from the contract is "not found", exactly like an id that never existed.
    let staff = b.actor("hokenshi").await;
    let (ward, _) = b.svc.list_persons(&staff, 0, 500).await.unwrap();
    let ward_only = ward
        .iter()
        .map(|p| p.id)
        .find(|id| *id < mine[0].id)
        .unwrap();
    let foreign = b.svc.read_person(&denwa, ward_only).await.unwrap_err();
    let missing = b.svc.read_person(&denwa, 987_654_321).await.unwrap_err();
    assert!(foreign.is_not_found() && missing.is_not_found());
    assert_eq!(foreign.to_string(), missing.to_string());
    // Another contractor asking for this contract: the contract does not exist for them.
    let other = b
        .actor("tdi-sekinin")
        .await
        .in_contract(itaku_core::ContractId(b.contract), Some("toiawase".into()));
    let e1 = b.svc.read_person(&other, mine[0].id).await.unwrap_err();
    let nowhere = b
        .actor("tdi-sekinin")
        .await
        .in_contract(itaku_core::ContractId(999), Some("toiawase".into()));
    let e2 = b.svc.read_person(&nowhere, mine[0].id).await.unwrap_err();
    assert!(e1.is_not_found() && e2.is_not_found(), "{e1} / {e2}");
    // Contractors never reach the ward's vault.
    let mut no_contract = b.actor("mirai-denwa").await;
    no_contract.contract = None;
    assert!(b
        .svc
        .read_person(&no_contract, ward_only)
        .await
        .unwrap_err()
        .is_not_found());
}

async fn refusals_are_specific_and_audited(b: Bed) {
    let sys = Actor::system("test");
    let denwa = b.handler("mirai-denwa", "denwa_kansho").await;
    // Wrong terminal.
    let mut far = denwa.clone();
    far.terminal.ip = Some("192.0.2.10".parse().unwrap());
    assert!(matches!(
        b.svc.list_persons(&far, 0, 5).await,
        Err(ServiceError::Denied(Denial::TerminalNotAllowed))
    ));
    // A purpose not assigned to this handler.
    let wrong = b.handler("mirai-denwa", "koka_bunseki").await;
    assert!(matches!(
        b.svc.list_persons(&wrong, 0, 5).await,
        Err(ServiceError::Denied(Denial::PurposeNotAssigned))
    ));
    // Lapsed training.
    b.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 30, 1, 0, 0).unwrap());
    assert!(b.svc.list_persons(&denwa, 0, 5).await.is_ok());
    let bunseki = b.handler("mirai-bunseki", "koka_bunseki").await;
    // Expired contract.
    b.clock
        .set(Utc.with_ymd_and_hms(2027, 4, 1, 1, 0, 0).unwrap());
    assert!(matches!(
        b.svc.list_persons(&bunseki, 0, 5).await,
        Err(ServiceError::Denied(Denial::ContractNotActive))
    ));
    b.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    // Removed handler.
    b.svc
        .remove_staff(&sys, b.contract, b.uid("mirai-bunseki").await.0)
        .await
        .unwrap();
    assert!(matches!(
        b.svc.list_persons(&bunseki, 0, 5).await,
        Err(ServiceError::Denied(Denial::NotDesignated))
    ));
    // A new handler whose training has lapsed.
    let org = b
        .svc
        .orgs(&sys)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "株式会社みらい健康サポート")
        .unwrap()
        .id;
    let (nid, _) = b
        .svc
        .create_user(
            &sys,
            &NewUserSpec {
                org_id: org,
                login: "mirai-new",
                display_name: "新人",
                role: itaku_core::Role::Handler,
                password: "a-long-password-1",
            },
        )
        .await
        .unwrap();
    b.svc
        .assign_staff(&sys, b.contract, nid, Some("denwa_kansho"))
        .await
        .unwrap();
    let newbie = b.handler("mirai-new", "denwa_kansho").await;
    assert!(matches!(
        b.svc.list_persons(&newbie, 0, 5).await,
        Err(ServiceError::Denied(Denial::TrainingLapsed))
    ));
    b.svc
        .record_training(
            &sys,
            nid,
            "研修",
            chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        )
        .await
        .unwrap();
    assert!(matches!(
        b.svc.list_persons(&newbie, 0, 5).await,
        Err(ServiceError::Denied(Denial::TrainingLapsed))
    ));
    b.svc
        .record_training(
            &sys,
            nid,
            "研修",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2027, 10, 31).unwrap(),
        )
        .await
        .unwrap();
    assert!(b.svc.list_persons(&newbie, 0, 5).await.is_ok());
    // Unapproved sub-contractor.
    b.svc
        .revoke_subcontract(
            &sys,
            b.contract,
            b.svc
                .orgs(&sys)
                .await
                .unwrap()
                .iter()
                .find(|o| o.kind == itaku_core::OrgKind::Subcontractor)
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    let homon = b.handler("fureai-homon", "homon_kansho").await;
    assert!(matches!(
        b.svc.list_persons(&homon, 0, 5).await,
        Err(ServiceError::Denied(Denial::SubcontractNotApproved))
    ));

    let log = b.audit().await;
    for reason in [
        "terminal_not_allowed",
        "purpose_not_assigned",
        "contract_not_active",
        "not_designated",
        "training_lapsed",
        "subcontract_not_approved",
    ] {
        assert!(
            log.iter()
                .any(|e| e.outcome == "deny" && e.reason == reason),
            "no audited denial {reason}"
        );
    }
}

async fn every_read_and_search_is_audited(b: Bed) {
    let denwa = b.handler("mirai-denwa", "denwa_kansho").await;
    let before = b.audit().await.len();
    let (page, _) = b.svc.list_persons(&denwa, 0, 3).await.unwrap();
    let p = b.svc.read_person(&denwa, page[1].id).await.unwrap();
    let hits = b
        .svc
        .search_persons(
            &denwa,
            &PersonQuery {
                text: p.get(Item::KanaShimei).to_owned(),
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert!(hits.iter().any(|h| h.id == p.id));
    let log = b.audit().await;
    // Two audited reads of the log itself, plus the three operations.
    assert_eq!(log.len(), before + 1 + 3);
    let uid = b.uid("mirai-denwa").await.0;
    let mine: Vec<_> = log
        .iter()
        .filter(|e| e.actor_user_id == Some(uid))
        .collect();
    assert_eq!(mine[0].action, "search");
    assert!(mine[0].record_ids.contains(&p.id));
    assert_eq!(mine[1].action, "read");
    assert_eq!(mine[1].record_ids, vec![p.id]);
    assert_eq!(mine[1].purpose, "denwa_kansho");
    assert_eq!(mine[1].contract_id, Some(b.contract));
    assert_eq!(
        mine[1].items,
        "shimei,kana_shimei,seinengappi,seibetsu,denwa_bango,kansho_kekka"
    );
    assert_eq!(
        mine[2].record_ids,
        page.iter().map(|p| p.id).collect::<Vec<_>>()
    );
    // The audit review is itself audited.
    let filtered = b
        .svc
        .audit_search(
            &Actor::system("t"),
            &AuditQuery {
                record_id: Some(p.id),
                user_id: Some(uid),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(filtered.len(), 3);
    assert!(b.svc.audit_verify(None).await.unwrap().ok());
}

/// Reads share group commits of their audit entries: many at once must
/// still give one entry each, in one unbroken chain, and each read's entry
/// must be committed by the time its data is handed out.
async fn concurrent_reads_are_each_audited_once(b: Bed) {
    let denwa = b.handler("mirai-denwa", "denwa_kansho").await;
    let (page, _) = b.svc.list_persons(&denwa, 0, 8).await.unwrap();
    let uid = b.uid("mirai-denwa").await.0;
    let reads_by = |log: &[AuditEntryView]| {
        log.iter()
            .filter(|e| e.actor_user_id == Some(uid) && e.action == "read")
            .count()
    };
    let before = reads_by(&b.audit().await);
    let mut tasks = Vec::new();
    for i in 0..48 {
        let (svc, actor, id) = (b.svc.clone(), denwa.clone(), page[i % page.len()].id);
        tasks.push(tokio::spawn(async move {
            let p = svc.read_person(&actor, id).await.unwrap();
            // Committed before the data came back: the entry is already
            // in the log this read can see.
            let log = svc
                .audit_search(
                    &Actor::system("t"),
                    &AuditQuery {
                        record_id: Some(id),
                        limit: 1000,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            assert!(log
                .iter()
                .any(|e| e.action == "read" && e.record_ids == vec![p.id]));
            p.id
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let log = b.audit().await;
    assert_eq!(reads_by(&log), before + 48);
    let mut seqs: Vec<i64> = log.iter().map(|e| e.seq).collect();
    let n = seqs.len();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "every entry has its own seq");
    assert!(b.svc.audit_verify(None).await.unwrap().ok());
}

async fn audit_chain_detects_every_kind_of_tampering(b: Bed) {
    let ok = b.svc.audit_verify(None).await.unwrap();
    assert!(ok.ok(), "{:?}", ok.problems);
    assert!(ok.entries > 20);
    let n = ok.entries;
    // Each kind of damage on a fresh, verified chain.
    let cases = [
        ("flip", "UPDATE audit_log SET actor = '改ざん' WHERE seq = 5".to_owned()),
        ("delete", "DELETE FROM audit_log WHERE seq = 7".to_owned()),
        ("reorder", "UPDATE audit_log SET seq = -1 WHERE seq = 9; UPDATE audit_log SET seq = 9 WHERE seq = 10; UPDATE audit_log SET seq = 10 WHERE seq = -1".to_owned()),
        ("truncate", format!("DELETE FROM audit_log WHERE seq > {}", n - 3)),
    ];
    let postgres = b.url.starts_with("postgres");
    let mut b = Some(b);
    for (what, sql) in cases {
        let bed = match b.take() {
            Some(b) => b,
            None => bed(postgres).await.unwrap(),
        };
        assert!(bed.svc.audit_verify(None).await.unwrap().ok());
        raw_sql(&bed.url, &sql).await.unwrap();
        let r = bed.svc.audit_verify(None).await.unwrap();
        assert!(!r.ok(), "{what} went unnoticed");
    }
}

async fn tail_rewrite_is_caught_by_an_external_checkpoint(b: Bed) {
    let sys = Actor::system("test");
    let cp = b.svc.audit_checkpoint(&sys).await.unwrap();
    assert!(b.svc.audit_verify(Some(&cp)).await.unwrap().ok());
    // An attacker with the database drops the tail and the stored checkpoints,
    // rolls the head back to a consistent earlier point, and lets the system
    // append fresh entries: the chain is whole again...
    let keep = cp.seq - 4;
    raw_sql(&b.url, &format!("UPDATE audit_head SET seq = {keep}, hash = (SELECT hash FROM audit_log WHERE seq = {keep}) WHERE id = 1; DELETE FROM audit_log WHERE seq > {keep}; DELETE FROM audit_checkpoints WHERE seq > {keep}")).await.unwrap();
    for _ in 0..10 {
        b.svc
            .list_persons(&b.actor("hokenshi").await, 0, 1)
            .await
            .unwrap();
    }
    let r = b.svc.audit_verify(None).await.unwrap();
    assert!(
        r.ok(),
        "without the checkpoint the rewrite is invisible: {:?}",
        r.problems
    );
    // ...but not against the checkpoint kept outside.
    let r = b.svc.audit_verify(Some(&cp)).await.unwrap();
    assert!(!r.ok());
    assert!(
        r.problems.iter().any(|p| p.contains("書き換え")),
        "{:?}",
        r.problems
    );
    // A forged checkpoint (other key) is refused.
    let mut forged = cp.clone();
    forged.signature = "00".repeat(64);
    assert!(!b.svc.audit_verify(Some(&forged)).await.unwrap().ok());
}

async fn audit_failure_fails_closed(b: Bed) {
    let staff = b.actor("hokenshi").await;
    assert!(b.svc.list_persons(&staff, 0, 2).await.is_ok());
    let block = if b.url.starts_with("sqlite") {
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END;"
    } else {
        "CREATE FUNCTION no_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'blocked'; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER no_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION no_audit();"
    };
    raw_sql(&b.url, block).await.unwrap();
    let before = b.svc.list_persons(&Actor::system("t"), 0, 1).await;
    assert!(
        matches!(before, Err(ServiceError::AuditFailed)),
        "{before:?}"
    );
    let r = b.svc.read_person(&staff, 1).await;
    assert!(
        matches!(r, Err(ServiceError::AuditFailed)),
        "no data without an audit entry: {r:?}"
    );
    let w = b
        .svc
        .register_persons(
            &staff,
            &[NewPerson {
                values: [(Item::AtenaNo, "999999999".to_string())]
                    .into_iter()
                    .collect(),
            }],
        )
        .await;
    assert!(matches!(w, Err(ServiceError::AuditFailed)));
    let unblock = if b.url.starts_with("sqlite") {
        "DROP TRIGGER no_audit"
    } else {
        "DROP TRIGGER no_audit ON audit_log"
    };
    raw_sql(&b.url, unblock).await.unwrap();
    // The refused write left nothing behind.
    let hits = b
        .svc
        .search_persons(
            &staff,
            &PersonQuery {
                text: "999999999".into(),
                limit: 5,
            },
        )
        .await
        .unwrap();
    assert!(hits.is_empty());
}

async fn lockout_escalates_and_answers_alike(b: Bed) {
    let known = b
        .sign_in("hokenshi", "wrong-password-x", "000000")
        .await
        .unwrap_err()
        .to_string();
    let unknown = b
        .sign_in("nobody-here", "wrong-password-x", "000000")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(known, unknown);
    let bad_code = b
        .sign_in("hokenshi", DEMO_PASSWORD, "000000")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(known, bad_code, "which factor failed is not revealed");
    for _ in 0..4 {
        let _ = b.sign_in("hokenshi", "wrong-password-x", "000000").await;
    }
    // Locked now: even the right password and code are refused...
    let locked = b
        .sign_in("hokenshi", DEMO_PASSWORD, &b.code("hokenshi"))
        .await
        .unwrap_err();
    assert!(locked.to_string().contains("ロック"), "{locked}");
    // ...exactly as for an unknown login locked the same way.
    for _ in 0..6 {
        let _ = b.sign_in("nobody-here", "x-wrong-password", "000000").await;
    }
    assert_eq!(
        b.sign_in("nobody-here", "x", "1")
            .await
            .unwrap_err()
            .to_string(),
        locked.to_string()
    );
    b.clock.advance(chrono::Duration::minutes(3));
    assert!(b
        .sign_in("hokenshi", DEMO_PASSWORD, &b.code("hokenshi"))
        .await
        .is_ok());
    let log = b.audit().await;
    assert!(
        log.iter()
            .filter(|e| e.action == "sign_in" && e.outcome == "deny")
            .count()
            >= 12
    );
}

async fn totp_codes_are_single_use(b: Bed) {
    let code = b.code("kansa");
    let s = b.sign_in("kansa", DEMO_PASSWORD, &code).await.unwrap();
    assert!(b.svc.session(&s.token, None).await.is_ok());
    b.svc.sign_out(&s.token, "t").await.unwrap();
    assert!(
        b.svc.session(&s.token, None).await.is_err(),
        "signed-out sessions are dead"
    );
    assert!(
        matches!(
            b.sign_in("kansa", DEMO_PASSWORD, &code).await,
            Err(ServiceError::SignInFailed)
        ),
        "replay refused"
    );
    b.clock.advance(chrono::Duration::seconds(31));
    let s2 = b
        .sign_in("kansa", DEMO_PASSWORD, &b.code("kansa"))
        .await
        .unwrap();
    assert_ne!(s.token, s2.token);
    // Idle timeout.
    b.clock.advance(chrono::Duration::minutes(31));
    assert!(b.svc.session(&s2.token, None).await.is_err());
}

async fn cancellation_and_revocation_cut_access_at_once(b: Bed) {
    let sys = Actor::system("test");
    let s = b
        .sign_in("mirai-denwa", DEMO_PASSWORD, &b.code("mirai-denwa"))
        .await
        .unwrap();
    let sub = b
        .sign_in("fureai-homon", DEMO_PASSWORD, &b.code("fureai-homon"))
        .await
        .unwrap();
    let other = b
        .sign_in("tdi-sekinin", DEMO_PASSWORD, &b.code("tdi-sekinin"))
        .await
        .unwrap();
    // A read before, so the facts it decided on are cached (policy_cache.rs).
    let warm = b.handler("mirai-denwa", "denwa_kansho").await;
    assert!(b.svc.list_persons(&warm, 0, 1).await.is_ok());
    let ended = b.svc.cancel_contract(&sys, b.contract).await.unwrap();
    assert_eq!(ended, 2);
    assert!(b.svc.session(&s.token, None).await.is_err());
    assert!(
        b.svc.session(&sub.token, None).await.is_err(),
        "sub-contractor cut too"
    );
    assert!(
        b.svc.session(&other.token, None).await.is_ok(),
        "other contractors untouched"
    );
    let denwa = b.handler("mirai-denwa", "denwa_kansho").await;
    assert!(matches!(
        b.svc.list_persons(&denwa, 0, 1).await,
        Err(ServiceError::Denied(Denial::ContractNotActive))
    ));
}

/// Reads reuse the policy facts of earlier reads (policy_cache.rs); every
/// change the ward makes must still decide the very next read.
async fn policy_changes_reach_the_next_read_at_once(b: Bed) {
    let sys = Actor::system("test");
    let denwa = b.handler("mirai-denwa", "denwa_kansho").await;
    let uid = b.uid("mirai-denwa").await.0;
    let read = || async { b.svc.list_persons(&denwa, 0, 1).await };
    assert!(read().await.is_ok());
    assert!(read().await.is_ok(), "a second read, from the cache");

    b.svc.remove_staff(&sys, b.contract, uid).await.unwrap();
    assert!(
        matches!(
            read().await,
            Err(ServiceError::Denied(Denial::NotDesignated))
        ),
        "removed from the contract: refused at once"
    );
    b.svc
        .assign_staff(&sys, b.contract, uid, Some("denwa_kansho"))
        .await
        .unwrap();
    assert!(read().await.is_ok(), "assigned again: allowed at once");

    b.svc.set_user_active(&sys, uid, false).await.unwrap();
    assert!(read().await.is_err(), "deactivated: refused at once");
    b.svc.set_user_active(&sys, uid, true).await.unwrap();
    assert!(read().await.is_ok());

    // A raw change of a training date, as another process or a console
    // would make it, moves the counter too (a trigger, not the code path).
    let lapse = "UPDATE users SET training_valid_until = '2000-01-01' WHERE login = 'mirai-denwa'";
    raw_sql(&b.url, lapse).await.unwrap();
    assert!(
        matches!(
            read().await,
            Err(ServiceError::Denied(Denial::TrainingLapsed))
        ),
        "lapsed training: refused at once"
    );
}

async fn no_plaintext_reaches_the_database(b: Bed) {
    let staff = b.actor("hokenshi").await;
    let canary_name = "金糸雀　試験太郎";
    let canary_kana = "カナリア　シケンタロウ";
    let canary_phone = "090-8765-4321";
    let values = [
        (Item::AtenaNo, "777000777".to_string()),
        (Item::Shimei, canary_name.to_string()),
        (Item::KanaShimei, canary_kana.to_string()),
        (Item::DenwaBango, canary_phone.to_string()),
        (
            Item::Jusho,
            "東京都新宿区カナリア町一丁目2番3号".to_string(),
        ),
    ];
    b.svc
        .register_persons(
            &staff,
            &[NewPerson {
                values: values.iter().cloned().collect(),
            }],
        )
        .await
        .unwrap();
    let hits = b
        .svc
        .search_persons(
            &staff,
            &PersonQuery {
                text: "かなりあ".into(),
                limit: 5,
            },
        )
        .await
        .unwrap();
    assert_eq!(hits.len(), 1, "searchable without plaintext");
    let needles: Vec<&str> = vec![
        canary_name,
        canary_kana,
        "金糸雀",
        "カナリア",
        "87654321",
        "8765-4321",
        "777000777",
        "カナリア町",
    ];
    let haystack: Vec<u8> = if b.url.starts_with("sqlite") {
        let path = b.url.trim_start_matches("sqlite://").to_owned();
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                all.extend(bytes);
            }
        }
        assert!(all.len() > 10_000);
        all
    } else {
        dump_tables_text(&b.url).await.unwrap().into_bytes()
    };
    for n in needles {
        let found = haystack.windows(n.len()).any(|w| w == n.as_bytes());
        assert!(!found, "plaintext {n} found in the database");
    }
}

async fn search_finds_variants_within_purpose_only(b: Bed) {
    let staff = b.actor("hokenshi").await;
    b.svc
        .register_persons(
            &staff,
            &[NewPerson {
                values: [
                    (Item::AtenaNo, "555000555".to_string()),
                    (Item::Shimei, "髙橋　﨑子".to_string()),
                    (Item::KanaShimei, "タカハシ　サキコ".to_string()),
                    (Item::DenwaBango, "03-1111-2222".to_string()),
                ]
                .into_iter()
                .collect(),
            }],
        )
        .await
        .unwrap();
    for q in [
        "高橋",
        "たかはし",
        "ﾀｶﾊｼ ｻｷｺ",
        "崎子",
        "2222",
        "03-1111-2222",
    ] {
        let hits = b
            .svc
            .search_persons(
                &staff,
                &PersonQuery {
                    text: q.into(),
                    limit: 20,
                },
            )
            .await
            .unwrap();
        assert!(
            hits.iter().any(|h| h.get(Item::Shimei) == "髙橋　﨑子"),
            "{q}"
        );
    }
    // The stored form keeps the registered characters.
    let hits = b
        .svc
        .search_persons(
            &staff,
            &PersonQuery {
                text: "555000555".into(),
                limit: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(hits[0].get(Item::Shimei), "髙橋　﨑子");
    // A visitor cannot search by phone: the purpose has no phone, so the
    // phone index is never consulted (no oracle).
    b.svc
        .provision(&Actor::system("t"), b.contract, Some(&[hits[0].id]))
        .await
        .unwrap();
    let homon = b.handler("fureai-homon", "homon_kansho").await;
    assert!(b
        .svc
        .search_persons(
            &homon,
            &PersonQuery {
                text: "03-1111-2222".into(),
                limit: 5
            }
        )
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        b.svc
            .search_persons(
                &homon,
                &PersonQuery {
                    text: "高橋".into(),
                    limit: 50
                }
            )
            .await
            .unwrap()
            .iter()
            .filter(|h| h.get(Item::Shimei) == "髙橋　﨑子")
            .count(),
        1
    );
}
