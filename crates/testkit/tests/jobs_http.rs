//! The jobs page and the retention rules over real HTTP on both backends:
//! the ward administrator sets a rule on the contract's page, it shows as
//! a scheduled job, the runner (by the server's injected clock) runs it,
//! the page shows it done with its certificate, a failure shows the
//! Japanese message and can be run again; other roles are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use itaku_testkit::{Backend, TestServer};

fn row<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("<tr id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row #{id}: {body}"));
    let end = body[start..].find("</tr>").unwrap() + start;
    &body[start..end]
}

async fn rule_to_job_to_certificate(backend: Backend) {
    let Some(s) = TestServer::start(backend, 20).await else {
        return;
    };
    let c = s.contract_id;
    // Ward staff do not see the administrator's pages.
    let mut staff = s.signed_in("hokenshi").await;
    assert_eq!(staff.get("/admin/schedule").await.status, 403);
    assert_eq!(
        staff
            .get(&format!("/admin/contracts/{c}/retention"))
            .await
            .status,
        403
    );

    let mut admin = s.signed_in("ward-admin").await;
    let page = admin.get(&format!("/admin/contracts/{c}")).await;
    assert!(page.body.contains("retention-link"));
    let page = admin.get(&format!("/admin/contracts/{c}/retention")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // A waiver ticked without a reason is refused on the page.
    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/retention"),
            &[("trigger", "date"), ("date", "2026-11-22"), ("waive", "1")],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("理由を入力してください"), "{}", r.body);
    // Today, without a waiver: the open campaign makes it fail first.
    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/retention"),
            &[("trigger", "date"), ("date", "2026-11-22"), ("days", "0")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let back = r.location().unwrap().to_owned();
    let page = admin.get(&back).await;
    assert!(page.body.contains("設定しました"), "{}", page.body);
    assert!(page.body.contains("2026-11-22"), "{}", page.body);

    let list = admin.get("/admin/schedule").await;
    assert_eq!(list.status, 200, "{} {:?}", list.body, list.headers);
    let job_id = s
        .svc
        .scheduled_jobs(&itaku_service::Actor::system("t"))
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == itaku_service::JobKind::Retention)
        .unwrap()
        .id;
    assert!(row(&list.body, &format!("job-{job_id}")).contains("予定"));

    // It is past 09:00 JST already: the runner (as `itaku jobs run-due` or
    // the serve loop) runs it and it fails with the clerk's message.
    let r = s.svc.run_due_jobs("http-test").await.unwrap();
    assert_eq!(r.failed, vec![job_id]);
    let list = admin.get("/admin/schedule").await;
    let line = row(&list.body, &format!("job-{job_id}"));
    assert!(line.contains("終了していない勧奨"), "{line}");
    assert!(line.contains("1/5"), "{line}");

    // Retried until it fails for good, then the administrator retries it.
    for _ in 0..4 {
        s.clock.advance(Duration::days(1));
        s.svc.run_due_jobs("http-test").await.unwrap();
    }
    // The session has long timed out meanwhile.
    let mut admin = s.signed_in("ward-admin").await;
    let list = admin.get("/admin/schedule").await;
    let line = row(&list.body, &format!("job-{job_id}")).to_owned();
    assert!(line.contains("失敗") && line.contains("再実行"), "{line}");
    // The rule is withdrawn and a new one with a waiver set instead.
    let rules = s
        .svc
        .retention_rules(&itaku_service::Actor::system("t"), c)
        .await
        .unwrap();
    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/retention/{}/withdraw", rules[0].id),
            &[],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let r = admin
        .post_form(&format!("/admin/schedule/{job_id}/retry"), &[])
        .await;
    assert_eq!(r.status, 409, "a cancelled job is not retried: {}", r.body);
    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/retention"),
            &[
                ("trigger", "contract_end"),
                ("days", "0"),
                ("waive", "1"),
                ("waiver", "委託先の廃業により返還を受けられないため"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    s.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 31, 0, 0, 1).unwrap());
    let r = s.svc.run_due_jobs("http-test").await.unwrap();
    assert_eq!(r.done.len(), 1, "{:?}", r.errors);
    let mut admin = s.signed_in("ward-admin").await;
    let list = admin.get("/admin/schedule").await;
    let line = row(&list.body, &format!("job-{}", r.done[0])).to_owned();
    assert!(line.contains("完了"), "{line}");
    assert!(line.contains("消去証明書 第"), "{line}");
    assert!(line.contains(&format!("/admin/erasures/{c}")), "{line}");
    let cert = admin
        .get(&format!("/admin/erasures/{c}/certificate.json"))
        .await;
    assert_eq!(cert.status, 200);
    assert!(cert.body.contains("委託先の廃業"), "{}", cert.body);
}

/// The seminar actions are chosen on the same form: a rule that returns
/// the aggregated questionnaires a week after 集計完了 shows with its
/// action; a made-up action is refused.
async fn seminar_actions_are_offered(backend: Backend) {
    let Some(s) = TestServer::start(backend, 20).await else {
        return;
    };
    let c = s
        .svc
        .contracts(&itaku_service::Actor::system("t"))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == itaku_service::seminars::demo::DEMO_CONTRACT_NAME)
        .unwrap()
        .id;
    let mut admin = s.signed_in("ward-admin").await;
    let page = admin.get(&format!("/admin/contracts/{c}/retention")).await;
    assert!(page.body.contains("value=\"return_questionnaires\""));
    assert!(page.body.contains("value=\"return_registrations\""));
    let bad = admin
        .post_form(
            &format!("/admin/contracts/{c}/retention"),
            &[("trigger", "contract_end"), ("action", "shred_everything")],
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("何を行うか"), "{}", bad.body);
    let r = admin
        .post_form(
            &format!("/admin/contracts/{c}/retention"),
            &[
                ("trigger", "event"),
                ("event", "aggregation_done"),
                ("days", "3"),
                ("action", "return_questionnaires"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let rules = s
        .svc
        .retention_rules(&itaku_service::Actor::system("t"), c)
        .await
        .unwrap();
    assert!(rules.iter().any(|r| r.active
        && r.action == itaku_service::RetentionAction::ReturnQuestionnaires
        && r.trigger_label.contains("3 日後")));
    let page = admin.get(r.location().unwrap()).await;
    assert!(
        page.body.contains("集計済みアンケートを区へ返却"),
        "{}",
        page.body
    );
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rule_to_job_to_certificate() {
        super::rule_to_job_to_certificate(itaku_testkit::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn seminar_actions_are_offered() {
        super::seminar_actions_are_offered(itaku_testkit::Backend::Sqlite).await;
    }
}
mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rule_to_job_to_certificate() {
        super::rule_to_job_to_certificate(itaku_testkit::Backend::Postgres).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn seminar_actions_are_offered() {
        super::seminar_actions_are_offered(itaku_testkit::Backend::Postgres).await;
    }
}
