//! The complaints record over a real server on both backends: a seminar
//! contractor records a complaint on /complaints, answers and reports it;
//! the ward finds it in the 苦情処理簿 (/ward/complaints), filters by job,
//! records its own; bad dates are refused in Japanese; forms need the CSRF
//! token; each side is kept out of the other's pages and contracts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::{Backend, TestServer};

const PEOPLE: u64 = 30;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(
    a_complaint_goes_from_the_contractor_to_the_ward,
    the_menu_offers_only_designated_work
);

/// The number after the last `marker` in `body`.
fn last_id_after(body: &str, marker: &str) -> String {
    let start = body.rfind(marker).unwrap_or_else(|| panic!("{marker}")) + marker.len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// The number after `marker` in `body`.
fn id_after(body: &str, marker: &str) -> String {
    let start = body.find(marker).unwrap_or_else(|| panic!("{marker}")) + marker.len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

async fn a_complaint_goes_from_the_contractor_to_the_ward(s: TestServer) {
    let mut c = s.signed_in("wh-uketsuke").await;
    let page = c.get("/complaints").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("href=\"/complaints\""), "menu entry");
    assert!(page.body.contains("女性の健康支援事業業務委託"));
    let contract = id_after(&page.body, "action=\"/complaints/");

    // Without the CSRF token nothing is recorded.
    let forged = c
        .post_form(
            &format!("/complaints/{contract}"),
            &[
                ("_csrf", "forged"),
                ("received_on", "R8.11.20"),
                ("channel", "venue"),
                ("summary", "偽の苦情"),
            ],
        )
        .await;
    assert_ne!(forged.status, 303);
    // An impossible date is refused with the field named.
    let bad = c
        .post_form(
            &format!("/complaints/{contract}"),
            &[
                ("received_on", "令和8年2月30日"),
                ("channel", "venue"),
                ("summary", "受付で名前を読み上げられた"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("受付日"), "{}", bad.body);
    let ok = c
        .post_form(
            &format!("/complaints/{contract}"),
            &[
                ("received_on", "R8.11.20"),
                ("channel", "venue"),
                ("summary", "受付で名前を読み上げられた"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let page = c.get(ok.location().unwrap()).await;
    assert!(page.body.contains("苦情を記録しました"));
    assert!(page.body.contains("受付で名前を読み上げられた"));
    assert!(!page.body.contains("偽の苦情"));
    assert!(page.body.contains("未報告"));
    let id = id_after(&page.body, "id=\"handle-");
    let done = c
        .post_form(
            &format!("/complaints/{contract}/{id}"),
            &[
                ("answered_on", "2026-11-21"),
                ("answer", "お詫びし番号での呼出しに改めると説明"),
                ("report", "1"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = c.get(done.location().unwrap()).await;
    assert!(page.body.contains("区へ報告しました"));
    assert!(page.body.contains("報告済み"));

    // Another contractor: its own contract only, and never the ward's page.
    let mut other = s.signed_in("mirai-denwa").await;
    let theirs = other.get("/complaints").await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("受付で名前を読み上げられた"));
    let into = other
        .post_form(
            &format!("/complaints/{contract}"),
            &[
                ("received_on", "R8.11.20"),
                ("channel", "phone"),
                ("summary", "他社の契約へ"),
            ],
        )
        .await;
    assert_eq!(into.status, 404);
    assert_eq!(other.get("/ward/complaints").await.status, 404);

    // The ward: every job's complaints, the filter, its own record.
    let mut ward = s.signed_in("hokenshi").await;
    let w = ward.get("/ward/complaints").await;
    assert_eq!(w.status, 200);
    assert!(w.body.contains("受付で名前を読み上げられた"));
    assert!(w.body.contains("お詫びし番号での呼出し"));
    let label = w.body.find(">特定健診・がん検診受診勧奨</option>").unwrap();
    let job = last_id_after(&w.body[..label], "<option value=\"");
    let filtered = ward.get(&format!("/ward/complaints?job={job}")).await;
    assert_eq!(filtered.status, 200);
    assert!(!filtered.body.contains("受付で名前を読み上げられた"));
    let own = ward
        .post_form(
            "/ward/complaints",
            &[
                ("concerns", &job),
                ("received_on", "2026-11-22"),
                ("channel", "counter"),
                ("summary", "区の窓口で受けた苦情"),
            ],
        )
        .await;
    assert_eq!(own.status, 303, "{}", own.body);
    let w = ward.get("/ward/complaints?open=1").await;
    assert!(w.body.contains("区の窓口で受けた苦情"));
    // Answered by the contractor: not open any more.
    assert!(!w.body.contains("受付で名前を読み上げられた"));
    // The contractor has no way into the ward's record.
    assert_eq!(c.get("/ward/complaints").await.status, 404);
}

/// The menu is built from the user's designations: the desk for the desk's
/// operator, the ledger entry for its operators, neither for a caller.
async fn the_menu_offers_only_designated_work(s: TestServer) {
    let menu = |body: &str, href: &str| body.contains(&format!("<a href=\"{href}\""));
    for (login, desk, tainou) in [
        ("tdi-uketsuke", true, false),
        ("tdi-sekinin", true, false),
        ("kdn-nyuryoku1", false, true),
        ("mirai-denwa", false, false),
        ("mirai-sekinin", false, false),
        ("wh-shukei", false, false),
        ("wh-uketsuke", false, false),
    ] {
        let mut c = s.signed_in(login).await;
        let home = c.get("/dashboard").await;
        assert_eq!(home.status, 200);
        assert_eq!(menu(&home.body, "/desk"), desk, "{login}: 問合せ窓口");
        assert_eq!(
            menu(&home.body, "/tainou"),
            tainou,
            "{login}: 滞納整理票の入力"
        );
        assert!(menu(&home.body, "/complaints"), "{login}: 苦情の記録");
        assert_eq!(
            menu(&home.body, "/questionnaires"),
            login == "wh-shukei",
            "{login}: アンケート"
        );
        assert_eq!(
            menu(&home.body, "/seminars"),
            login == "wh-uketsuke",
            "{login}: セミナー・イベント"
        );
    }
    let mut ward = s.signed_in("hokenshi").await;
    let home = ward.get("/dashboard").await;
    assert!(!menu(&home.body, "/complaints") && menu(&home.body, "/ward/complaints"));
}
