//! Questionnaires over a real server on both backends: the handler reaches
//! the demo questionnaire from /questionnaires; a resident answers on the
//! public page without signing in (a missing required answer comes back in
//! Japanese beside its question); a flagged question waits for the ward's
//! approval on the ward page; a paper sheet keyed twice; the aggregation
//! page has its charts, and the CSV and PDF download; the reception handler
//! is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_service::seminars::demo::DEMO_CONTRACT_NAME;
use itaku_service::Actor;
use itaku_testkit::{Backend, Client, TestServer};

const PEOPLE: u64 = 40;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(questionnaires_over_http, the_ward_opens_what_came_back);

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {body}"))
        + start.len();
    body[i..].split(end).next().unwrap()
}

async fn seminar(s: &TestServer) -> i64 {
    s.svc
        .contracts(&Actor::system("test"))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == DEMO_CONTRACT_NAME)
        .unwrap()
        .id
}

async fn questionnaires_over_http(s: TestServer) {
    let cid = seminar(&s).await;
    let base = format!("/c/{cid}/seminar_anketo/questionnaires");
    let mut shukei = s.signed_in("wh-shukei").await;
    let r = shukei.get("/questionnaires").await;
    assert_eq!(r.location(), Some(base.as_str()));
    let list = shukei.get(&base).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("参加者アンケート"));
    let demo = between(&list.body, &format!("href=\"{base}/"), "\"").to_owned();
    let detail = shukei.get(&format!("{base}/{demo}")).await;
    assert!(!detail.body.contains("style="), "no inline style (CSP)");
    let public = between(&detail.body, "id=\"public-link\" href=\"", "\"").to_owned();

    // A resident, not signed in.
    let mut resident = Client::new(&s.base);
    let page = resident.get(&public).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("/assets/anketo.js"));
    assert!(page.body.contains("data-show-if-q"));
    assert!(!page.body.contains("style="));
    let first = between(&page.body, "name=\"q", "\"").to_owned();
    let bad = resident.post_form(&public, &[]).await;
    assert_eq!(bad.status, 200);
    assert!(bad.body.contains("お答えください（必須）"), "{}", bad.body);
    let sat = format!("q{first}");
    let ways_id: i64 = first.parse::<i64>().unwrap() + 1;
    let ways = format!("q{ways_id}");
    let ok = resident
        .post_form(
            &public,
            &[
                (sat.as_str(), "5"),
                (ways.as_str(), "1"),
                (ways.as_str(), "3"),
            ],
        )
        .await;
    assert!(
        ok.body.contains("ご回答ありがとうございました"),
        "{}",
        ok.body
    );

    // A new questionnaire with a flagged question: the ward approves it.
    let created = shukei
        .post_form(
            &base,
            &[("title", "宗教に関する調査"), ("mode", "anonymous")],
        )
        .await;
    let at = created
        .location()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    shukei.get(&at).await;
    shukei
        .post_form(
            &format!("{at}/questions"),
            &[
                ("kind", "single"),
                ("text", "信仰している宗教はありますか"),
                ("choices", "ある\nない"),
            ],
        )
        .await;
    shukei.get(&at).await;
    let r = shukei.post_form(&format!("{at}/do/publish"), &[]).await;
    let page = shukei.get(r.location().unwrap()).await;
    assert!(page.body.contains("区の承認が必要です"), "{}", page.body);
    let mut ward = s.signed_in("yotsuya").await;
    let w = ward.get("/ward/questionnaires").await;
    assert_eq!(w.status, 200);
    assert!(w.body.contains("信仰している宗教はありますか"));
    let action = between(&w.body, "action=\"/ward/questionnaires/", "\"").to_owned();
    let r = ward
        .post_form(
            &format!("/ward/questionnaires/{action}"),
            &[("reason", "事業の評価に必要と区が判断")],
        )
        .await;
    let after = ward.get(r.location().unwrap()).await;
    assert!(after.body.contains("承認を記録しました"));
    shukei.get(&at).await;
    let r = shukei.post_form(&format!("{at}/do/publish"), &[]).await;
    let page = shukei.get(r.location().unwrap()).await;
    assert!(page.body.contains("公開しました"), "{}", page.body);

    // Paper: sheet 90 keyed by two people, differently.
    let entry = format!("{base}/{demo}/entry");
    shukei.get(&entry).await;
    let r = shukei
        .post_form(
            &entry,
            &[("sheet", "90"), (sat.as_str(), "4"), (ways.as_str(), "2")],
        )
        .await;
    let page = shukei.get(r.location().unwrap()).await;
    assert!(page.body.contains("1回目を保存しました"), "{}", page.body);
    let r = shukei
        .post_form(
            &entry,
            &[("sheet", "90"), (sat.as_str(), "4"), (ways.as_str(), "2")],
        )
        .await;
    let page = shukei.get(r.location().unwrap()).await;
    assert!(page.body.contains("別の担当者"), "{}", page.body);
    let mut sekinin = s.signed_in("wh-sekinin").await;
    sekinin.get(&entry).await;
    let r = sekinin
        .post_form(
            &entry,
            &[("sheet", "90"), (sat.as_str(), "3"), (ways.as_str(), "2")],
        )
        .await;
    let page = sekinin.get(r.location().unwrap()).await;
    assert!(page.body.contains("1 問違います"), "{}", page.body);
    let settle = sekinin.get(&format!("{base}/{demo}/settle/90")).await;
    assert!(settle.body.contains("1回目") && settle.body.contains("2回目"));

    // Aggregation with charts, and the exports.
    let res = shukei
        .get(&format!("{base}/{demo}/results?row={first}&col={ways_id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body.contains("<svg"));
    assert!(res.body.contains("anketo-chart-1"));
    assert!(res.body.contains("id=\"cross-tab\""));
    assert!(!res.body.contains("style="));
    let csv = shukei.get(&format!("{base}/{demo}/results.csv?k=5")).await;
    assert_eq!(
        csv.header("content-type"),
        Some("text/csv; charset=Shift_JIS")
    );
    let pdf = shukei.get(&format!("{base}/{demo}/results.pdf?k=5")).await;
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));

    // Reception (氏名 only) is refused the questionnaires.
    let mut uketsuke = s.signed_in("wh-uketsuke").await;
    let r = uketsuke.get(&base).await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);
}

/// The demo questionnaire closed and marked aggregated by the contractor;
/// a week later the job returns it; the ward lists it, opens it (charts,
/// every free-text answer, the digest and the certificate checked) and
/// saves the certificate; the contractor cannot reach those pages.
async fn the_ward_opens_what_came_back(s: TestServer) {
    let cid = seminar(&s).await;
    let base = format!("/c/{cid}/seminar_anketo/questionnaires");
    let mut shukei = s.signed_in("wh-shukei").await;
    let list = shukei.get(&base).await;
    let demo = between(&list.body, &format!("href=\"{base}/"), "\"").to_owned();
    for act in ["close", "done"] {
        let r = shukei
            .post_form(&format!("{base}/{demo}/do/{act}"), &[])
            .await;
        assert_eq!(r.status, 303, "{act}: {}", r.body);
    }
    s.clock.advance(chrono::Duration::days(8));
    let r = s.svc.run_due_jobs("test").await.unwrap();
    assert_eq!(r.done.len(), 1, "{r:?}");

    let mut ward = s.signed_in("yotsuya").await;
    let w = ward.get("/ward/questionnaires").await;
    assert!(w.body.contains("href=\"/ward/questionnaires/returns\""));
    let l = ward.get("/ward/questionnaires/returns").await;
    assert_eq!(l.status, 200);
    assert!(l.body.contains("参加者アンケート"), "{}", l.body);
    let id = between(&l.body, "href=\"/ward/questionnaires/returns/", "\"").to_owned();
    let page = ward
        .get(&format!("/ward/questionnaires/returns/{id}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"certificate-ok\""), "{}", page.body);
    assert!(page.body.contains("id=\"digest-ok\""));
    assert!(page.body.contains("<svg"), "charts");
    assert!(page.body.contains("自由記述"));
    assert!(!page.body.contains("style="), "no inline style (CSP)");
    let json = ward
        .get(&format!(
            "/ward/questionnaires/returns/{id}/certificate.json"
        ))
        .await;
    assert_eq!(json.status, 200);
    assert!(json.json()["signature"].is_string());

    let mut shukei = s.signed_in("wh-shukei").await;
    assert_eq!(shukei.get("/ward/questionnaires/returns").await.status, 404);
    assert_eq!(
        shukei
            .get(&format!("/ward/questionnaires/returns/{id}"))
            .await
            .status,
        404
    );
}
