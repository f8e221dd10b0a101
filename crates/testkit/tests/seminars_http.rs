//! The seminar pages over a real server on both backends: the public page
//! with its 利用目的 notice and bot check (no work, a filled honeypot and a
//! replayed challenge are refused), registration and the private page with
//! its QR code, the per-address rate limit (429), and the staff pages'
//! CSRF check, QR landing and role limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::UserId;
use itaku_service::seminars::{demo, qr_token_of, solve, POW_BITS, RATE_LIMIT};
use itaku_service::Actor;
use itaku_testkit::{Backend, TestServer};

const PEOPLE: u64 = 10;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(public_registration_and_staff_pages);

async fn seminar_contract(s: &TestServer) -> i64 {
    let admin = Actor::user(
        UserId(s.svc.user_id_by_login("ward-admin").await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    );
    s.svc
        .contracts(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == demo::DEMO_CONTRACT_NAME)
        .unwrap()
        .id
}

async fn public_registration_and_staff_pages(s: TestServer) {
    let c = seminar_contract(&s).await;
    let page_path = format!("/e/{}", demo::DEMO_SEMINAR_SLUG);
    let mut resident = s.client();
    let mut posts = 0;
    let page = resident.get(&page_path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("個人情報の利用目的について"));
    assert!(page.body.contains("お預かりするのは「氏名」だけです"));
    assert!(!page.body.contains("style="), "no inline style (CSP)");
    let session = hidden_session(&page.body);
    let fields = |body: &str, counter: &str, name: &str, hp: &str| {
        vec![
            ("session_id".to_owned(), session.clone()),
            ("name".to_owned(), name.to_owned()),
            (
                "notice_digest".to_owned(),
                hidden_field(body, "notice_digest").unwrap(),
            ),
            (
                "challenge".to_owned(),
                hidden_field(body, "challenge").unwrap(),
            ),
            ("counter".to_owned(), counter.to_owned()),
            ("website".to_owned(), hp.to_owned()),
        ]
    };
    let post = |f: &Vec<(String, String)>| {
        f.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };

    // No work done (what a client without JavaScript sends): refused.
    let f = fields(&page.body, "", "仕事 しない", "");
    let r = resident.post_form(&page_path, &as_refs(&post(&f))).await;
    posts += 1;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("送信を確認できませんでした"));

    // The work done but the honeypot filled: refused.
    let page = resident.get(&page_path).await;
    let ch = hidden_field(&page.body, "challenge").unwrap();
    let f = fields(
        &page.body,
        &solve(&ch, POW_BITS),
        "蜜壺 ひっかか",
        "https://spam.example",
    );
    let r = resident.post_form(&page_path, &as_refs(&post(&f))).await;
    posts += 1;
    assert_eq!(r.status, 400);

    // A real registration.
    let page = resident.get(&page_path).await;
    let ch = hidden_field(&page.body, "challenge").unwrap();
    let good = fields(&page.body, &solve(&ch, POW_BITS), "登録 確認太郎", "");
    let r = resident.post_form(&page_path, &as_refs(&post(&good))).await;
    posts += 1;
    assert_eq!(r.status, 303, "{}", r.body);
    let mine = r.location().unwrap().to_owned();
    assert!(mine.starts_with(&format!("{page_path}/r/")));
    let token = mine
        .trim_start_matches(&format!("{page_path}/r/"))
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let me = resident.get(&mine).await;
    assert_eq!(me.status, 200);
    assert!(me.body.contains("登録 確認太郎"));
    assert!(me.body.contains("id=\"checkin-qr\""));
    // The same challenge again: refused (single use).
    let r = resident.post_form(&page_path, &as_refs(&post(&good))).await;
    posts += 1;
    assert_eq!(r.status, 400);

    // Staff: the QR landing page, CSRF on check-in, role limits.
    let qr = qr_token_of(&token);
    let mut uke = s.signed_in("wh-uketsuke").await;
    let landing = uke.get(&format!("/c/{c}/seminars/qr/{qr}")).await;
    assert_eq!(landing.status, 200);
    assert!(landing.body.contains("登録 確認太郎"));
    let action = landing
        .body
        .split("action=\"")
        .find(|p| p.contains("/checkin\""))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let ev = hidden_field(&landing.body, "event").unwrap();
    let sess = hidden_field(&landing.body, "session").unwrap();
    let forged = uke
        .post_form(
            &action,
            &[
                ("_csrf", "forged"),
                ("method", "qr"),
                ("event", &ev),
                ("session", &sess),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let again = uke.get(&format!("/c/{c}/seminars/qr/{qr}")).await;
    assert!(
        !again.body.contains("受付済みです"),
        "the forged post did nothing"
    );
    let ok = uke
        .post_form(
            &action,
            &[("method", "qr"), ("event", &ev), ("session", &sess)],
        )
        .await;
    assert_eq!(ok.status, 303);
    let again = uke.get(&format!("/c/{c}/seminars/qr/{qr}")).await;
    assert!(again.body.contains("受付済みです"));
    let counts = uke
        .get(&format!("/c/{c}/seminars/{ev}/s/{sess}/counts"))
        .await;
    assert!(counts.body.contains("<strong id=\"count-in\">1</strong>"));
    // The questionnaire handler does not see reception.
    let mut shukei = s.signed_in("wh-shukei").await;
    let denied = shukei.get(&format!("/c/{c}/seminars/{ev}/s/{sess}")).await;
    assert!(
        denied.status == 403 || denied.status == 404,
        "{}",
        denied.status
    );
    assert!(!denied.body.contains("登録 確認太郎"));

    // The 責任者 changes the session's capacity; the public page follows.
    let mut sekinin = s.signed_in("wh-sekinin").await;
    let detail = sekinin.get(&format!("/c/{c}/seminars/{ev}")).await;
    assert_eq!(detail.status, 200);
    let start = value_of(&detail.body, &format!("es-start-{sess}"));
    let end = value_of(&detail.body, &format!("es-end-{sess}"));
    let edited = sekinin
        .post_form(
            &format!("/c/{c}/seminars/{ev}/sessions/{sess}"),
            &[
                ("label", "会場（四谷保健センター）"),
                ("mode", "in_person"),
                ("starts_at", &start),
                ("ends_at", &end),
                ("capacity", "45"),
                ("meeting_link", ""),
            ],
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    let public = resident.get(&page_path).await;
    assert!(public.body.contains("残り 41 席"), "45 seats, 4 taken");
    let forged = sekinin
        .post_form(
            &format!("/c/{c}/seminars/{ev}/sessions/{sess}"),
            &[
                ("_csrf", "x"),
                ("label", "x"),
                ("mode", "in_person"),
                ("starts_at", &start),
                ("ends_at", &end),
                ("capacity", "1"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    // Rate limit: past RATE_LIMIT submissions from one address, 429.
    let mut status = 0;
    while posts <= RATE_LIMIT {
        let page = resident.get(&page_path).await;
        let f = fields(&page.body, "", "連投", "");
        status = resident
            .post_form(&page_path, &as_refs(&post(&f)))
            .await
            .status;
        posts += 1;
    }
    assert_eq!(status, 429, "submission {posts} from one address");
    let r = resident.post_form(&page_path, &as_refs(&post(&good))).await;
    assert_eq!(r.status, 429);
    // Ten minutes later the address may send again.
    s.clock.advance(chrono::Duration::minutes(11));
    let page = resident.get(&page_path).await;
    let f = fields(&page.body, "", "また 送る", "");
    assert_eq!(
        resident
            .post_form(&page_path, &as_refs(&post(&f)))
            .await
            .status,
        400
    );
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The first session's radio button value.
fn hidden_session(body: &str) -> String {
    let needle = "name=\"session_id\" value=\"";
    let start = body.find(needle).unwrap() + needle.len();
    body[start..start + body[start..].find('"').unwrap()].to_owned()
}

/// The value of `name="…" value="…"` in a page.
fn hidden_field(body: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = body.find(&needle)? + needle.len();
    let end = body[start..].find('"')?;
    Some(body[start..start + end].to_owned())
}

/// The value attribute of the input with `id`.
fn value_of(body: &str, id: &str) -> String {
    let at = body.find(&format!("id=\"{id}\"")).unwrap();
    let rest = &body[at..];
    let v = rest.split("value=\"").nth(1).unwrap();
    v.split('"').next().unwrap().to_owned()
}
