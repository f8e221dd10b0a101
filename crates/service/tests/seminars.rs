//! Seminars and events (seed 003) on both backends: concurrent
//! registrations never overbook and the waitlist moves up on cancellation;
//! only 氏名 is collected and the 利用目的 notice is recorded; reception
//! checks in by QR and by name, undoes, and every look at a name is
//! audited; closing reception schedules the return, and the job returns
//! the participants to the ward and erases the contractor's copy with a
//! certificate, after which the name cannot be read on the contractor's side.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, UserId};
use itaku_crypto::MasterKey;
use itaku_service::seminars::*;
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

struct Bed {
    svc: Service,
    url: String,
    clock: FixedClock,
    contract: i64,
    _dir: tempfile::TempDir,
}

async fn bed(postgres: bool) -> Option<Bed> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    let svc = Service::open_url(
        &url,
        MasterKey::generate(),
        Arc::new(clock.clone()),
        Settings::default(),
    )
    .await
    .unwrap();
    svc.seed_demo(10, 5).await.unwrap();
    let admin = user(&svc, "ward-admin").await;
    let contract = svc
        .contracts(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == demo::DEMO_CONTRACT_NAME)
        .unwrap()
        .id;
    Some(Bed {
        svc,
        url,
        clock,
        contract,
        _dir: dir,
    })
}

async fn user(svc: &Service, login: &str) -> Actor {
    Actor::user(
        UserId(svc.user_id_by_login(login).await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    )
}

impl Bed {
    async fn staff(&self, login: &str, purpose: &str) -> Actor {
        user(&self.svc, login)
            .await
            .in_contract(ContractId(self.contract), Some(purpose.into()))
    }
    fn resident(&self) -> Actor {
        Actor::anonymous(Some("203.0.113.9".parse().unwrap()), "r")
    }
    /// A small event with one session of `capacity`.
    async fn event(&self, slug: &str, capacity: i64) -> (i64, i64) {
        let sekinin = self.staff("wh-sekinin", PURPOSE_UKETSUKE).await;
        let now = self.svc.now();
        let ev = self
            .svc
            .create_event(
                &sekinin,
                self.contract,
                &EventSpec {
                    slug: slug.into(),
                    title: "テストセミナー".into(),
                    kind: EventKind::InPerson,
                    venue: "四谷保健センター".into(),
                    description: "説明".into(),
                    opens_at: now - Duration::hours(1),
                    closes_at: now + Duration::days(5),
                },
            )
            .await
            .unwrap();
        let s = self
            .svc
            .add_session(
                &sekinin,
                self.contract,
                ev,
                &SessionSpec {
                    label: "午後の回".into(),
                    online: false,
                    starts_at: now + Duration::days(6),
                    ends_at: now + Duration::days(6) + Duration::hours(2),
                    capacity,
                    meeting_link: None,
                },
            )
            .await
            .unwrap();
        (ev, s)
    }
    async fn form(&self, slug: &str, session: i64, name: &str) -> RegistrationForm {
        let ev = self.svc.public_event(slug).await.unwrap();
        let notice = self.svc.registration_notice(&ev).await.unwrap();
        let challenge = self.svc.bot_challenge();
        let counter = solve(&challenge, POW_BITS);
        RegistrationForm {
            session_id: session,
            name: name.into(),
            notice_digest: itaku_crypto::sha256_hex(notice.as_bytes()),
            proof: BotProof {
                challenge,
                counter,
                honeypot: String::new(),
            },
        }
    }
    async fn audit(&self) -> Vec<AuditEntryView> {
        let admin = user(&self.svc, "kansa").await;
        self.svc
            .audit_search(
                &admin,
                &AuditQuery {
                    contract_id: Some(self.contract),
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }
}

use itaku_service::seminars::demo;

async fn capacity_and_waitlist(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let (ev, s) = b.event("cap-test", 3).await;
    let mut forms = Vec::new();
    for i in 0..8 {
        forms.push(b.form("cap-test", s, &format!("並行 {i}号")).await);
    }
    let mut tasks = Vec::new();
    for f in forms {
        let svc = b.svc.clone();
        let who = b.resident();
        tasks.push(tokio::spawn(async move {
            svc.register(&who, "cap-test", &f).await.unwrap()
        }));
    }
    let mut regs = Vec::new();
    for t in tasks {
        regs.push(t.await.unwrap());
    }
    let seated = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Registered)
        .count();
    assert_eq!(seated, 3, "no overbooking under concurrent registrations");
    let view = b.svc.public_event("cap-test").await.unwrap();
    assert_eq!(view.sessions[0].registered, 3);
    assert_eq!(view.sessions[0].waitlisted, 5);

    // The first on the waitlist, by the order the session's lock gave.
    let waiting: Vec<_> = {
        let mut w = Vec::new();
        for r in regs
            .iter()
            .filter(|r| r.status == RegistrationStatus::Waitlisted)
        {
            let me = b
                .svc
                .my_registration(&b.resident(), &r.token)
                .await
                .unwrap();
            w.push((me.waitlist_place.unwrap(), r.registration_id));
        }
        w.sort();
        w
    };
    assert_eq!(
        waiting.iter().map(|w| w.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    let seat = regs
        .iter()
        .find(|r| r.status == RegistrationStatus::Registered)
        .unwrap();
    let promoted = b
        .svc
        .cancel_registration(&b.resident(), &seat.token)
        .await
        .unwrap();
    assert_eq!(promoted, Some(waiting[0].1), "the first waiting moves up");
    let view = b.svc.public_event("cap-test").await.unwrap();
    assert_eq!(
        (view.sessions[0].registered, view.sessions[0].waitlisted),
        (3, 4)
    );
    let me = b
        .svc
        .my_registration(&b.resident(), &seat.token)
        .await
        .unwrap();
    assert_eq!(me.status, RegistrationStatus::Cancelled);
    // Cancelling twice, or with a made-up token, does nothing.
    assert!(b
        .svc
        .cancel_registration(&b.resident(), &seat.token)
        .await
        .is_err());
    assert!(b
        .svc
        .cancel_registration(&b.resident(), "not-a-token")
        .await
        .is_err());
    let _ = ev;
}

async fn notice_items_and_bot_check(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let (_, s) = b.event("notice-test", 10).await;
    let f = b.form("notice-test", s, "通知 確認子").await;
    let r = b
        .svc
        .register(&b.resident(), "notice-test", &f)
        .await
        .unwrap();
    // The notice's digest and time are on the registration.
    let n = raw_sql(
        &b.url,
        &format!(
            "UPDATE seminar_registrations SET notice_shown_at = notice_shown_at \
             WHERE id = {} AND notice_digest = '{}' AND notice_shown_at <> ''",
            r.registration_id, f.notice_digest
        ),
    )
    .await
    .unwrap();
    assert_eq!(n, 1, "notice digest recorded");
    // The same proof is single use.
    let again = b.svc.register(&b.resident(), "notice-test", &f).await;
    assert!(matches!(again, Err(ServiceError::Invalid(_))));
    // No work, a filled honeypot, or a stale notice: refused.
    let mut lazy = b.form("notice-test", s, "怠け者").await;
    lazy.proof.counter = "0".into();
    if work_done(&lazy.proof.challenge, "0", POW_BITS) {
        lazy.proof.counter = "1".into();
    }
    assert!(b
        .svc
        .register(&b.resident(), "notice-test", &lazy)
        .await
        .is_err());
    let mut pot = b.form("notice-test", s, "蜜壺").await;
    pot.proof.honeypot = "http://spam".into();
    assert!(b
        .svc
        .register(&b.resident(), "notice-test", &pot)
        .await
        .is_err());
    let mut stale = b.form("notice-test", s, "古い通知").await;
    stale.notice_digest = "0".repeat(64);
    assert!(b
        .svc
        .register(&b.resident(), "notice-test", &stale)
        .await
        .is_err());
    // The registration's audit entry asked for 氏名 only, under the
    // reception purpose, as an anonymous actor.
    let entries = b.audit().await;
    let e = entries
        .iter()
        .find(|e| {
            e.target == "seminar_registration"
                && e.record_ids == vec![r.registration_id]
                && e.action == "write"
        })
        .unwrap();
    assert_eq!(e.items, "shimei");
    assert_eq!(e.role, "anonymous");
    assert_eq!(e.purpose, PURPOSE_UKETSUKE);
    // An anonymous actor gets nothing else: not the check-in list.
    let anon = b
        .resident()
        .in_contract(ContractId(b.contract), Some(PURPOSE_UKETSUKE.into()));
    assert!(b.svc.checkin_list(&anon, 1, s).await.is_err());
}

async fn reception(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let (ev, s) = b.event("reception-test", 10).await;
    let f = b.form("reception-test", s, "受付 確認花子").await;
    let r = b
        .svc
        .register(&b.resident(), "reception-test", &f)
        .await
        .unwrap();
    let g = b.form("reception-test", s, "髙橋 名前探").await;
    let r2 = b
        .svc
        .register(&b.resident(), "reception-test", &g)
        .await
        .unwrap();
    let uke = b.staff("wh-uketsuke", PURPOSE_UKETSUKE).await;
    // By QR: the code the registrant's page shows.
    let me = b
        .svc
        .my_registration(&b.resident(), &r.token)
        .await
        .unwrap();
    let a = b.svc.attendee_by_qr(&uke, &me.qr_token).await.unwrap();
    assert_eq!(a.name, "受付 確認花子");
    b.svc
        .check_in(&uke, a.registration_id, CheckinMethod::Qr)
        .await
        .unwrap();
    assert!(b
        .svc
        .check_in(&uke, a.registration_id, CheckinMethod::Qr)
        .await
        .is_err());
    let counts = b.svc.event(&uke, b.contract, ev).await.unwrap();
    assert_eq!(counts.sessions[0].checked_in, 1);
    // Undo the mistake; the row stays, marked.
    b.svc.undo_check_in(&uke, a.registration_id).await.unwrap();
    let counts = b.svc.event(&uke, b.contract, ev).await.unwrap();
    assert_eq!(counts.sessions[0].checked_in, 0);
    // By name: 高橋 finds 髙橋 (folded search key, blind index).
    let hits = b.svc.search_attendees(&uke, ev, s, "高橋").await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].registration_id, r2.registration_id);
    b.svc
        .check_in(&uke, r2.registration_id, CheckinMethod::Name)
        .await
        .unwrap();
    let list = b.svc.checkin_list(&uke, ev, s).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .any(|x| x.registration_id == r2.registration_id && x.checked_in_at.is_some()));
    // The questionnaire handler is not for reception.
    let shukei = b.staff("wh-shukei", PURPOSE_ANKETO).await;
    assert!(matches!(
        b.svc.checkin_list(&shukei, ev, s).await,
        Err(ServiceError::Denied(_))
    ));
    // Every look at a name is audited with the records it showed.
    let entries = b.audit().await;
    let reads: Vec<_> = entries
        .iter()
        .filter(|e| e.target == "seminar_registration" && e.actor.contains("wh-uketsuke"))
        .collect();
    assert!(reads
        .iter()
        .any(|e| e.action == "read" && e.record_ids == vec![r.registration_id]));
    assert!(reads
        .iter()
        .any(|e| e.action == "search" && e.record_ids == vec![r2.registration_id]));
    assert!(reads
        .iter()
        .any(|e| e.action == "read" && e.record_ids.len() == 2));
    assert!(reads
        .iter()
        .all(|e| e.items.is_empty() || e.items == "shimei"));
    assert!(entries
        .iter()
        .any(|e| e.outcome == "deny" && e.actor.contains("wh-shukei")));
}

async fn close_return_and_erase(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    // The ward's staff plan from the ward's side; a reception handler may not.
    let ward = user(&b.svc, "yotsuya").await;
    let now = b.svc.now();
    let spec = EventSpec {
        slug: "ward-made".into(),
        title: "区が作った催し".into(),
        kind: EventKind::Online,
        venue: String::new(),
        description: String::new(),
        opens_at: now,
        closes_at: now + Duration::days(1),
    };
    b.svc.create_event(&ward, b.contract, &spec).await.unwrap();
    let handler = b.staff("wh-uketsuke", PURPOSE_UKETSUKE).await;
    let mut other = spec.clone();
    other.slug = "handler-made".into();
    assert!(matches!(
        b.svc.create_event(&handler, b.contract, &other).await,
        Err(ServiceError::Denied(_))
    ));
    assert!(b
        .audit()
        .await
        .iter()
        .any(|e| e.actor.contains("wh-uketsuke")
            && e.reason == "refused: planning is for the responsible person"));
    let (ev, s) = b.event("close-test", 10).await;
    let canary = "カナリア 確認用子";
    let f = b.form("close-test", s, canary).await;
    let r = b
        .svc
        .register(&b.resident(), "close-test", &f)
        .await
        .unwrap();
    let uke = b.staff("wh-uketsuke", PURPOSE_UKETSUKE).await;
    b.svc
        .check_in(&uke, r.registration_id, CheckinMethod::Name)
        .await
        .unwrap();
    let sekinin = b.staff("wh-sekinin", PURPOSE_UKETSUKE).await;
    let jobs = b
        .svc
        .close_reception(&sekinin, b.contract, ev)
        .await
        .unwrap();
    assert_eq!(
        jobs.len(),
        1,
        "the demo's rule for reception_closed scheduled a job"
    );
    assert!(b
        .svc
        .check_in(&uke, r.registration_id, CheckinMethod::Name)
        .await
        .is_err());
    b.clock.advance(Duration::minutes(5));
    let report = b.svc.run_due_jobs("test").await.unwrap();
    assert!(report.done.contains(&jobs[0]), "{:?}", report.errors);
    // Returned to the ward, with the certificate.
    let ward = user(&b.svc, "yotsuya").await;
    let ret = b
        .svc
        .seminar_return(&ward, b.contract, ev)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ret.records, 1);
    assert!(b.svc.verify_seminar_certificate(&ret));
    assert_eq!(ret.certificate.registrations_deleted, 1);
    assert_eq!(ret.certificate.method, ERASE_METHOD);
    let mut forged = ret.clone();
    forged.certificate.returned_records = 2;
    assert!(!b.svc.verify_seminar_certificate(&forged));
    let list = b.svc.returned_participants(&ward, ev).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name, canary);
    assert!(list[0].checked_in);
    // The contractor's copy is gone: no rows, no key, no name.
    assert!(b
        .svc
        .my_registration(&b.resident(), &r.token)
        .await
        .is_err());
    assert!(b.svc.checkin_list(&uke, ev, s).await.is_err());
    let left = raw_sql(
        &b.url,
        &format!("DELETE FROM seminar_registrations WHERE event_id = {ev}"),
    )
    .await
    .unwrap();
    assert_eq!(left, 0);
    let keyless = raw_sql(
        &b.url,
        &format!("UPDATE seminar_events SET title = title WHERE id = {ev} AND wrapped_key IS NULL"),
    )
    .await
    .unwrap();
    assert_eq!(keyless, 1);
    if postgres {
        let dump = dump_tables_text(&b.url).await.unwrap();
        assert!(
            !dump.contains(canary),
            "the canary name is nowhere in the clear"
        );
    }
    // The other events of the contract are untouched.
    let demo_ev = b.svc.public_event(demo::DEMO_SEMINAR_SLUG).await.unwrap();
    assert_eq!(demo_ev.sessions[0].registered, 3);
}

macro_rules! both {
    ($($f:ident),*) => {$(
        mod $f {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() { super::$f(false).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() { super::$f(true).await }
        }
    )*};
}

both!(
    capacity_and_waitlist,
    notice_items_and_bot_check,
    reception,
    close_return_and_erase,
    a_registrant_answers_the_linked_questionnaire_once
);

/// A questionnaire linked to an event is answered from the registrant's
/// private link, once, and only by a registration with a seat; the public
/// link does not take it; the answer is audited as the anonymous resident
/// under the questionnaire purpose, and counted by the contractor.
async fn a_registrant_answers_the_linked_questionnaire_once(postgres: bool) {
    use itaku_service::questionnaires::{Mode, NewQuestionSpec, PublishOutcome, RawAnswers};
    let Some(b) = bed(postgres).await else { return };
    let (ev, session) = b.event("linked-q", 1).await;
    let seated = b
        .svc
        .register(
            &b.resident(),
            "linked-q",
            &b.form("linked-q", session, "四谷 花子").await,
        )
        .await
        .unwrap();
    let waiting = b
        .svc
        .register(
            &b.resident(),
            "linked-q",
            &b.form("linked-q", session, "新宿 次郎").await,
        )
        .await
        .unwrap();
    assert_eq!(waiting.status, RegistrationStatus::Waitlisted);
    // No questionnaire yet: nothing offered.
    assert!(b
        .svc
        .registrant_questionnaire(&b.resident(), &seated.token)
        .await
        .unwrap()
        .is_none());

    let shukei = b.staff("wh-shukei", PURPOSE_ANKETO).await;
    let q = b
        .svc
        .create_questionnaire(&shukei, "参加後アンケート", "", Mode::Linked, Some(ev))
        .await
        .unwrap();
    let question = b
        .svc
        .add_question(
            &shukei,
            q,
            &NewQuestionSpec {
                kind: "scale".into(),
                text: "満足度".into(),
                required: true,
                choices: vec![],
                scale: (1, 5),
                min_label: "不満".into(),
                max_label: "満足".into(),
                show_if: None,
            },
        )
        .await
        .unwrap();
    let published = b.svc.publish_questionnaire(&shukei, q).await.unwrap();
    assert!(matches!(published, PublishOutcome::Published { .. }));
    let mut raw = RawAnswers::new();
    raw.insert(question, vec!["5".into()]);

    let offered = b
        .svc
        .registrant_questionnaire(&b.resident(), &seated.token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(offered.id, q);
    assert!(b
        .svc
        .registrant_questionnaire(&b.resident(), &waiting.token)
        .await
        .unwrap()
        .is_none());
    b.svc
        .registrant_answer(&b.resident(), &seated.token, &raw)
        .await
        .unwrap();
    let again = b
        .svc
        .registrant_answer(&b.resident(), &seated.token, &raw)
        .await
        .unwrap_err();
    assert!(matches!(again, ServiceError::Conflict(_)), "{again:?}");
    assert!(b
        .svc
        .registrant_answer(&b.resident(), &waiting.token, &raw)
        .await
        .is_err());
    // The public link does not take a linked questionnaire.
    assert!(b
        .svc
        .public_answer(&b.resident(), &offered.token, &raw)
        .await
        .is_err());
    // A signed-in user is not a resident on the public path.
    assert!(b
        .svc
        .registrant_answer(&shukei, &seated.token, &raw)
        .await
        .is_err());

    let results = b
        .svc
        .questionnaire_results(&shukei, q, &[], 5)
        .await
        .unwrap();
    assert_eq!(results.aggregate.respondents, 1);
    let audit = b.audit().await;
    let entry = audit
        .iter()
        .find(|e| e.target == "questionnaire_response" && e.reason.contains("registration"))
        .expect("the registrant's answer is audited");
    assert_eq!(entry.role, "anonymous");
    assert_eq!(entry.purpose, PURPOSE_ANKETO);
    assert_eq!(entry.outcome, "allow");
}
