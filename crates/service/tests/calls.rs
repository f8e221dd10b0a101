//! Phone outreach on both backends: many operators working one call list
//! at once never hold the same person and lose no result; retries follow
//! the outcome, the minimum gap, callbacks and calling hours (holidays
//! included); the do-not-call register outlives a re-import; notes naming
//! forbidden data are held for the 責任者; the operator sees only the call
//! purpose's items; a reached person's result goes onto 勧奨結果.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, Item, Role, UserId};
use itaku_crypto::MasterKey;
use itaku_service::testing::*;
use itaku_service::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

const PEOPLE: u64 = 400;

struct Bench {
    svc: Service,
    clock: Arc<FixedClock>,
    demo: DemoSummary,
}

/// Tuesday 2026-11-24, 10:00 JST: inside the default calling hours.
fn tuesday_10() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap()
}

async fn bench(postgres: bool, dir: &tempfile::TempDir) -> Option<Bench> {
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap(),
    ));
    let svc = Service::open_url(
        &url,
        MasterKey::generate(),
        clock.clone(),
        Settings::default(),
    )
    .await
    .unwrap();
    let demo = svc.seed_demo(PEOPLE, 7).await.unwrap();
    Some(Bench { svc, clock, demo })
}

impl Bench {
    async fn user(&self, login: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
    }
    async fn handler(&self, login: &str, purpose: &str) -> Actor {
        self.user(login)
            .await
            .in_contract(ContractId(self.demo.contract_id), Some(purpose.into()))
    }
    async fn denwa(&self) -> Actor {
        self.handler("mirai-denwa", "denwa_kansho").await
    }

    /// Segments and arms on the demo campaign, then the call list on the
    /// call arm; the clock at Tuesday 10:00.
    async fn call_list(&self, rules: &CallRules) -> usize {
        let tsuchi = self.handler("mirai-tsuchi", "tsuchi_kansho").await;
        let id = self.demo.campaign_id;
        let (_, _, seg) = segmentation_presets(2026).remove(0);
        self.svc
            .apply_segmentation(&tsuchi, id, &seg)
            .await
            .unwrap();
        self.svc
            .assign_arms(&tsuchi, id, &ArmRequest::notice_and_call())
            .await
            .unwrap();
        self.clock.set(tuesday_10());
        self.svc
            .open_call_list(&self.denwa().await, id, "notice_call", rules)
            .await
            .unwrap()
    }

    /// More call operators for the contract, trained and designated.
    async fn operators(&self, n: usize) -> Vec<Actor> {
        let sys = Actor::system("test");
        let org = self
            .svc
            .orgs(&sys)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.name == "株式会社みらい健康サポート")
            .unwrap()
            .id;
        let mut out = Vec::new();
        for i in 0..n {
            let login = format!("denwa-{i}");
            let (id, _) = self
                .svc
                .create_user(
                    &sys,
                    &NewUserSpec {
                        org_id: org,
                        login: &login,
                        display_name: &format!("電話 {i}号"),
                        role: Role::Handler,
                        password: DEMO_PASSWORD,
                    },
                )
                .await
                .unwrap();
            self.svc
                .assign_staff(&sys, self.demo.contract_id, id, Some("denwa_kansho"))
                .await
                .unwrap();
            let d = |m| chrono::NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
            self.svc
                .record_training(&sys, id, "研修", d(4), d(12))
                .await
                .unwrap();
            out.push(self.handler(&login, "denwa_kansho").await);
        }
        out
    }

    async fn audit(&self) -> Vec<AuditEntryView> {
        self.svc
            .audit_search(
                &Actor::system("test"),
                &AuditQuery {
                    limit: 20000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }
}

fn report(outcome: CallOutcome) -> CallReport {
    CallReport {
        outcome,
        reasons: vec![],
        requests: vec![],
        note: String::new(),
        callback_at: None,
        callback_to_me: false,
    }
}

fn card(next: NextCall) -> CallCard {
    match next {
        NextCall::Card(c) => *c,
        other => panic!("expected a card, got {other:?}"),
    }
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { let d = tempfile::tempdir().unwrap(); let b = super::bench(false, &d).await.unwrap(); super::$name(b).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { let d = tempfile::tempdir().unwrap(); if let Some(b) = super::bench(true, &d).await { super::$name(b).await; } })* }
    };
}

both!(
    many_operators_never_share_a_target_and_lose_nothing,
    retries_gaps_callbacks_and_calling_hours,
    do_not_call_survives_a_reimport,
    notes_naming_forbidden_data_are_held_for_review,
    the_operator_sees_only_the_call_items_and_results_go_back,
    erasure_takes_the_call_list_with_the_vault,
);

async fn erasure_takes_the_call_list_with_the_vault(b: Bench) {
    b.call_list(&CallRules::default()).await;
    let id = b.demo.campaign_id;
    let me = b.denwa().await;
    let c = card(b.svc.next_call(&me, id).await.unwrap());
    let mut r = report(CallOutcome::Busy);
    r.note = "夕方なら在宅".into();
    b.svc.record_call(&me, id, c.person_id, &r).await.unwrap();
    assert_eq!(b.svc.call_lists(&me).await.unwrap().len(), 1);

    let mut admin = b.user("ward-admin").await;
    admin.stepped_up = true;
    b.svc
        .erase_contract(&admin, b.demo.contract_id, Some("試験のため返還不要"))
        .await
        .unwrap();
    // The call list, its targets and attempts went with the vault: the
    // plan lists nothing and the campaign's progress is gone.
    let sekinin = b.handler("mirai-sekinin", "denwa_kansho").await;
    let after = b.svc.call_lists(&sekinin).await;
    assert!(
        after.as_ref().map(|l| l.is_empty()).unwrap_or(true),
        "{after:?}"
    );
    let sys = Actor::system("test");
    assert!(b.svc.call_progress(&sys, id).await.is_err());
}

async fn many_operators_never_share_a_target_and_lose_nothing(b: Bench) {
    let targets = b.call_list(&CallRules::default()).await;
    assert!(
        targets > 20,
        "the call arm has people with phones: {targets}"
    );
    let ops = b.operators(8).await;
    let held: Arc<Mutex<HashSet<i64>>> = Arc::default();
    let called: Arc<Mutex<Vec<i64>>> = Arc::default();
    let svc = Arc::new(b.svc);
    let campaign = b.demo.campaign_id;
    let mut tasks = Vec::new();
    for (n, op) in ops.into_iter().enumerate() {
        let (svc, held, called) = (svc.clone(), held.clone(), called.clone());
        tasks.push(tokio::spawn(async move {
            let outcomes = [
                CallOutcome::Busy,
                CallOutcome::NoAnswer,
                CallOutcome::Intends,
                CallOutcome::Refused,
            ];
            let mut i = n;
            loop {
                let c = match svc.next_call(&op, campaign).await.unwrap() {
                    NextCall::Card(c) => c,
                    NextCall::NoneDue => break,
                    other => panic!("{other:?}"),
                };
                assert!(
                    held.lock().unwrap().insert(c.person_id),
                    "two operators hold person {} at once",
                    c.person_id
                );
                tokio::task::yield_now().await;
                assert!(held.lock().unwrap().remove(&c.person_id));
                svc.record_call(&op, campaign, c.person_id, &report(outcomes[i % 4]))
                    .await
                    .unwrap();
                called.lock().unwrap().push(c.person_id);
                i += 1;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    // The clock stood still: retries lie ahead, so everyone was called once.
    let called = called.lock().unwrap().clone();
    let distinct: HashSet<i64> = called.iter().copied().collect();
    assert_eq!(called.len(), targets, "each target called once");
    assert_eq!(distinct.len(), targets);
    let p = svc
        .call_progress(&b_denwa(&svc, &b.demo).await, campaign)
        .await
        .unwrap();
    assert_eq!(p.calls as usize, targets, "no result lost");
    assert_eq!(p.targets as usize, targets);
    assert_eq!(p.due_now, 0);
    // Per operator (not everyone need get a call on a fast machine).
    assert!(
        p.operators.len() >= 2 && p.operators.len() <= 8,
        "{:?}",
        p.operators
    );
    assert_eq!(
        p.operators.iter().map(|o| o.calls).sum::<i64>() as usize,
        targets
    );
    let contacted: i64 = p
        .outcomes
        .iter()
        .filter(|o| o.code == "intends" || o.code == "refused")
        .map(|o| o.count)
        .sum();
    assert_eq!(p.contacted, contacted);
    assert_eq!(
        p.done, contacted,
        "reached people are finished, the rest wait for a retry"
    );
}

async fn b_denwa(svc: &Service, demo: &DemoSummary) -> Actor {
    Actor::user(
        UserId(svc.user_id_by_login("mirai-denwa").await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    )
    .in_contract(ContractId(demo.contract_id), Some("denwa_kansho".into()))
}

async fn retries_gaps_callbacks_and_calling_hours(b: Bench) {
    let rules = CallRules {
        max_attempts: 3,
        ..CallRules::default()
    };
    b.call_list(&rules).await;
    let id = b.demo.campaign_id;
    let me = b.denwa().await;
    let other = b.operators(1).await.remove(0);

    // Busy: due again after the plan's minimum gap (60 min), not its 15 min.
    let first = card(b.svc.next_call(&me, id).await.unwrap());
    assert_eq!(first.attempt_no, 1);
    let r = b
        .svc
        .record_call(&me, id, first.person_id, &report(CallOutcome::Busy))
        .await
        .unwrap();
    assert!(!r.done);
    // A result on a target no longer held is refused and changes nothing.
    let again = b
        .svc
        .record_call(&me, id, first.person_id, &report(CallOutcome::Intends))
        .await
        .unwrap_err();
    assert!(matches!(again, ServiceError::Conflict(_)), "{again}");

    // Callback asked for Tuesday 15:00, to me.
    let second = card(b.svc.next_call(&me, id).await.unwrap());
    assert_ne!(second.person_id, first.person_id);
    let mut cb = report(CallOutcome::Callback);
    // A time outside calling hours is refused with the next possible time.
    cb.callback_at = Some("2026-11-24T21:00".into());
    let e = b
        .svc
        .record_call(&me, id, second.person_id, &cb)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("発信時間外"), "{e}");
    cb.callback_at = Some("2026-11-24T15:00".into());
    cb.callback_to_me = true;
    b.svc
        .record_call(&me, id, second.person_id, &cb)
        .await
        .unwrap();

    // 10:59: the busy one is not due yet.
    b.clock.set(tuesday_10() + Duration::minutes(59));
    for _ in 0..3 {
        let c = card(b.svc.next_call(&other, id).await.unwrap());
        assert_ne!(c.person_id, first.person_id);
        assert_ne!(c.person_id, second.person_id);
        b.svc.release_call(&other, id, c.person_id).await.unwrap();
        // A released target goes back to the queue; keep it out of the way.
        let c2 = card(b.svc.next_call(&other, id).await.unwrap());
        b.svc
            .record_call(&other, id, c2.person_id, &report(CallOutcome::Intends))
            .await
            .unwrap();
    }
    // 11:00: due again, second attempt.
    b.clock.set(tuesday_10() + Duration::minutes(60));
    let mut seen_first = false;
    for _ in 0..200 {
        let c = card(b.svc.next_call(&other, id).await.unwrap());
        assert_ne!(c.person_id, second.person_id, "a callback promised to me");
        if c.person_id == first.person_id {
            assert_eq!(c.attempt_no, 2);
            assert_eq!(c.attempts.len(), 1);
            assert_eq!(c.attempts[0].outcome, "話し中");
            seen_first = true;
            b.svc
                .record_call(&other, id, c.person_id, &report(CallOutcome::NoAnswer))
                .await
                .unwrap();
            break;
        }
        b.svc
            .record_call(&other, id, c.person_id, &report(CallOutcome::Intends))
            .await
            .unwrap();
    }
    assert!(seen_first, "the busy target came back after the gap");

    // 15:00: my callback comes to me first.
    b.clock.set(tuesday_10() + Duration::hours(5));
    let c = card(b.svc.next_call(&me, id).await.unwrap());
    assert_eq!(c.person_id, second.person_id);
    assert!(c.callback_for_me);
    b.svc
        .record_call(&me, id, c.person_id, &report(CallOutcome::AnsweringMachine))
        .await
        .unwrap();

    // The third attempt on the first target is its last (max 3).
    b.clock.set(tuesday_10() + Duration::hours(8));
    let mut last = None;
    for _ in 0..400 {
        match b.svc.next_call(&me, id).await.unwrap() {
            NextCall::Card(c) if c.person_id == first.person_id => {
                last = Some(*c);
                break;
            }
            NextCall::Card(c) => {
                b.svc
                    .record_call(&me, id, c.person_id, &report(CallOutcome::Intends))
                    .await
                    .unwrap();
            }
            other => panic!("{other:?}"),
        }
    }
    let last = last.expect("the first target is due a third time");
    assert_eq!(last.attempt_no, 3);
    let r = b
        .svc
        .record_call(&me, id, last.person_id, &report(CallOutcome::NoAnswer))
        .await
        .unwrap();
    assert!(r.done, "no fourth attempt");

    // Sunday 22nd and Monday 23rd (勤労感謝の日) are closed.
    b.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).unwrap() - Duration::days(7));
    match b.svc.next_call(&me, id).await.unwrap() {
        NextCall::Closed { next_open } => {
            assert_eq!(next_open.as_deref(), Some("2026-11-24T00:00:00.000000Z"))
        }
        other => panic!("a holiday is closed: {other:?}"),
    }
    let p = b.svc.call_progress(&me, id).await.unwrap();
    assert_eq!(p.closed_today, Some("勤労感謝の日"));
    assert!(!p.open_now);
}

async fn do_not_call_survives_a_reimport(b: Bench) {
    b.call_list(&CallRules::default()).await;
    let id = b.demo.campaign_id;
    let me = b.denwa().await;
    let c = card(b.svc.next_call(&me, id).await.unwrap());
    let name = c.values[&Item::Shimei].clone();
    b.svc
        .record_call(&me, id, c.person_id, &report(CallOutcome::DoNotCall))
        .await
        .unwrap();

    // The ward imports the same residents again (same 宛名番号).
    let sys = Actor::system("再取込");
    let residents = itaku_synth::Generator::new(7, 100_000_000).take(PEOPLE as usize);
    let mut csv = Vec::new();
    itaku_synth::write_csv(&mut csv, residents, itaku_synth::CsvFormat::Cp932, |_| {}).unwrap();
    let profile = ImportProfile::from_toml(SHIPPED_PROFILES[0].1).unwrap();
    let r = b
        .svc
        .import_targets(&sys, &profile, std::io::Cursor::new(csv), false, |_| {})
        .await
        .unwrap();
    assert_eq!(r.inserted, 0, "nobody new: {r:?}");

    // A second campaign on the same list, everyone in one called arm: the
    // person is closed from the start.
    let tsuchi = b.handler("mirai-tsuchi", "tsuchi_kansho").await;
    let first = b.svc.campaign(&tsuchi, id).await.unwrap();
    let second = b
        .svc
        .create_campaign(
            &sys,
            &NewCampaign {
                name: "再勧奨".into(),
                kind: CampaignKind::Postcard,
                contract_id: b.demo.contract_id,
                purpose: "tsuchi_kansho".into(),
                list_id: first.list_id,
                deadline: chrono::NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(),
                desk_phone: "03-5273-3047".into(),
                clinics: "区ホームページ".into(),
            },
        )
        .await
        .unwrap();
    let (_, _, seg) = segmentation_presets(2026).remove(0);
    b.svc
        .apply_segmentation(&tsuchi, second, &seg)
        .await
        .unwrap();
    let mut one_arm = ArmRequest::notice_and_call();
    one_arm.arms.remove(0);
    b.svc.assign_arms(&tsuchi, second, &one_arm).await.unwrap();
    let n = b
        .svc
        .open_call_list(&me, second, "notice_call", &CallRules::default())
        .await
        .unwrap();
    let p = b.svc.call_progress(&me, second).await.unwrap();
    assert_eq!(p.targets as usize, n);
    assert_eq!(p.done, 1, "the do-not-call person is closed from the start");
    loop {
        match b.svc.next_call(&me, second).await.unwrap() {
            NextCall::Card(c) => {
                assert_ne!(c.values[&Item::Shimei], name, "never offered again");
                b.svc
                    .record_call(&me, second, c.person_id, &report(CallOutcome::Intends))
                    .await
                    .unwrap();
            }
            NextCall::NoneDue => break,
            other => panic!("{other:?}"),
        }
    }
}

async fn notes_naming_forbidden_data_are_held_for_review(b: Bench) {
    b.call_list(&CallRules::default()).await;
    let id = b.demo.campaign_id;
    let me = b.denwa().await;
    let sekinin = b.handler("mirai-sekinin", "denwa_kansho").await;

    let c = card(b.svc.next_call(&me, id).await.unwrap());
    let mut r = report(CallOutcome::Busy);
    r.note = "宗教上の理由で健診は受けないと話していた".into();
    let rec = b.svc.record_call(&me, id, c.person_id, &r).await.unwrap();
    assert!(rec.note_held);
    let c2 = card(b.svc.next_call(&me, id).await.unwrap());
    let mut r2 = report(CallOutcome::Busy);
    r2.note = "夕方なら在宅とのこと".into();
    assert!(
        !b.svc
            .record_call(&me, id, c2.person_id, &r2)
            .await
            .unwrap()
            .note_held
    );

    // The operator may not open the review; the 責任者 sees the one held note.
    assert!(matches!(
        b.svc.held_call_notes(&me).await,
        Err(ServiceError::Denied(_))
    ));
    let held = b.svc.held_call_notes(&sekinin).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].person_id, c.person_id);
    assert_eq!(held[0].flags, vec!["思想・信条・宗教".to_owned()]);
    assert!(held[0].note.contains("宗教上"));

    // Until reviewed, the card shows the kept note and not the held one.
    b.clock.set(tuesday_10() + Duration::hours(2));
    let mut cards = BTreeMap::new();
    while let NextCall::Card(next) = b.svc.next_call(&me, id).await.unwrap() {
        let pid = next.person_id;
        cards.insert(pid, *next);
        if cards.contains_key(&c2.person_id) && cards.contains_key(&c.person_id) {
            break;
        }
        b.svc
            .record_call(&me, id, pid, &report(CallOutcome::Intends))
            .await
            .unwrap();
    }
    assert_eq!(
        cards[&c2.person_id].attempts[0].note.as_deref(),
        Some("夕方なら在宅とのこと")
    );
    assert_eq!(cards[&c.person_id].attempts[0].note, None);

    // Deleted: gone for good, and no longer listed.
    b.svc
        .review_call_note(&sekinin, held[0].id, false)
        .await
        .unwrap();
    assert!(b.svc.held_call_notes(&sekinin).await.unwrap().is_empty());
    assert!(matches!(
        b.svc.review_call_note(&sekinin, held[0].id, true).await,
        Err(ServiceError::Conflict(_))
    ));
    let log = b.audit().await;
    assert!(log.iter().any(|e| e.action == "write"
        && e.reason.contains("deleted")
        && e.record_ids == vec![c.person_id]));
}

async fn the_operator_sees_only_the_call_items_and_results_go_back(b: Bench) {
    b.call_list(&CallRules::default()).await;
    let id = b.demo.campaign_id;
    let me = b.denwa().await;
    let c = card(b.svc.next_call(&me, id).await.unwrap());
    let allowed: HashSet<Item> = itaku_service::calls::CALL_ITEMS.into_iter().collect();
    assert!(
        c.values.keys().all(|i| allowed.contains(i)),
        "{:?}",
        c.values.keys()
    );
    assert!(c.values.contains_key(&Item::DenwaBango));
    assert!(c.age.is_some());

    // Under the postcard purpose (no phone number) there is no call card.
    let tsuchi = b.handler("mirai-tsuchi", "tsuchi_kansho").await;
    assert!(matches!(
        b.svc.next_call(&tsuchi, id).await,
        Err(ServiceError::Denied(Denial::ItemsOutsidePurpose(_)))
    ));

    // Reached: the result goes onto 勧奨結果 with the reasons' labels.
    let mut r = report(CallOutcome::Refused);
    r.reasons = vec!["isogashii".into(), "hiyo".into()];
    r.requests = vec!["saihakko".into()];
    let e = b
        .svc
        .record_call(
            &me,
            id,
            c.person_id,
            &CallReport {
                reasons: vec!["no_such_code".into()],
                ..r.clone()
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("コードが正しくありません"), "{e}");
    b.svc.record_call(&me, id, c.person_id, &r).await.unwrap();
    let p = b.svc.read_person(&me, c.person_id).await.unwrap();
    assert_eq!(
        p.get(Item::KanshoKekka),
        "電話勧奨 2026-11-24: 受診しない（未受診の理由: 忙しい・費用／要望: 受診券の再発行）"
    );

    // Every card read is audited with the person's id and the call items.
    let log = b.audit().await;
    let taken: Vec<&AuditEntryView> = log
        .iter()
        .filter(|e| e.reason == "call taken" && e.outcome == "allow")
        .collect();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].record_ids, vec![c.person_id]);
    assert_eq!(
        taken[0].items,
        "shimei,kana_shimei,seinengappi,seibetsu,denwa_bango"
    );
    assert!(log.iter().any(|e| e.action == "write"
        && e.reason.starts_with("call outcome=refused")
        && e.record_ids == vec![c.person_id]));
}
