//! The phone-outreach screens in Chromium, on SQLite and PostgreSQL: an
//! operator calls through the demo's call list with the keyboard only (N,
//! an outcome key, Enter, Esc), a callback and a retry are scheduled,
//! a second operator works the same list at the same time over HTTP and
//! never gets the person on the first one's screen, a note naming
//! forbidden data is held and the 責任者 deletes it, and the ward edits
//! its list of reasons.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::browser::*;
use itaku_testkit::Backend;
use serde_json::json;

const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

/// Enough residents that the demo's call arm has a dozen people to call.
const PEOPLE: u64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_call_through_a_list_with_the_keyboard_sqlite() {
    browse_with(
        "operators_call_through_a_list_with_the_keyboard-sqlite",
        Backend::Sqlite,
        PEOPLE,
        operators_call_through_a_list_with_the_keyboard,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_call_through_a_list_with_the_keyboard_postgres() {
    browse_with(
        "operators_call_through_a_list_with_the_keyboard-postgres",
        Backend::Postgres,
        PEOPLE,
        operators_call_through_a_list_with_the_keyboard,
    )
    .await;
}

async fn press(b: &Browser, keys: &str) {
    b.find("body").await.send_keys(keys).await.expect("keys");
}

/// The person id on the card now shown.
async fn card_person(b: &Browser) -> String {
    b.js(
        "const c = document.querySelector('#call-card'); return c ? c.dataset.person : '';",
        vec![],
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

async fn operators_call_through_a_list_with_the_keyboard(b: Browser) {
    let campaign = b
        .server
        .svc
        .seed_demo_calls(b.server.contract_id)
        .await
        .unwrap();
    let cid = b.server.contract_id;
    let base = format!("/c/{cid}/denwa_kansho/calls");

    b.sign_in("mirai-denwa").await;
    b.click_link("電話勧奨（架電）").await;
    b.wait_for_path(&base).await;
    assert!(b.text("#call-lists").await.contains("通知＋電話"));
    b.click_link("架電する").await;
    let work = format!("{base}/{campaign}");
    b.wait_for_path(&work).await;
    let targets: i64 = b.text("#p-targets").await.parse().unwrap();
    assert!(targets > 3, "{targets}");

    // N takes the next person: the card shows the call items only.
    press(&b, "n").await;
    b.wait_until("a call card", || async {
        !card_person(&b).await.is_empty()
    })
    .await;
    let first = card_person(&b).await;
    let tel = b
        .js(
            "return document.querySelector('#c-tel').getAttribute('href')",
            vec![],
        )
        .await;
    assert!(tel.as_str().unwrap().starts_with("tel:0"), "{tel}");
    let card = b.text("#call-card").await;
    assert!(card.contains("歳") && card.contains("回目"), "{card}");
    for hidden in ["住所", "方書", "丁目", "〒"] {
        assert!(!card.contains(hidden), "{hidden} on the call card");
    }

    // A second operator works the same list over HTTP meanwhile and never
    // gets the person on this screen.
    let mut other = b.server.signed_in("mirai-sekinin").await;
    let r = other.post_form(&format!("{work}/next"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let theirs = r.location().unwrap().to_owned();
    assert!(theirs.starts_with(&format!("{work}/p/")), "{theirs}");
    assert!(!theirs.ends_with(&format!("/p/{first}")));
    let r = other
        .post_form(&theirs, &[("outcome", "intends"), ("then", "stop")])
        .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // 8 = 応答なし, Enter records it and brings the next person.
    press(&b, "8").await;
    assert_eq!(
        b.js(
            "return document.querySelector('#outcomes input:checked').value",
            vec![]
        )
        .await,
        json!("no_answer")
    );
    press(&b, ENTER).await;
    b.wait_until("the next card", || async {
        let p = card_person(&b).await;
        !p.is_empty() && p != first
    })
    .await;
    assert!(b
        .text("#notice")
        .await
        .contains("「応答なし」を記録しました"));
    let second = card_person(&b).await;

    // A callback needs its time; asked for and given, it is recorded.
    press(&b, "6").await;
    press(&b, ENTER).await;
    b.wait_until("the refusal", || async { b.count("#error").await == 1 })
        .await;
    assert!(b
        .text("#error")
        .await
        .contains("かけ直しの日時を入力してください"));
    assert_eq!(
        card_person(&b).await,
        second,
        "the person stays on the screen"
    );
    // The refusal came back as 400 on purpose; the console noted it.
    let logged = b.console_errors().await;
    assert!(
        logged
            .iter()
            .all(|e| e.contains("(Bad Request)") || e.contains("/favicon.ico")),
        "{logged:?}"
    );
    b.js(
        "document.querySelector('#callback_at').value = '2026-11-25T15:00'; \
         document.querySelector('input[name=callback_to_me]').checked = true;",
        vec![],
    )
    .await;
    press(&b, "6").await;
    press(&b, ENTER).await;
    b.wait_until("the card after the callback", || async {
        let p = card_person(&b).await;
        !p.is_empty() && p != second
    })
    .await;
    assert!(b.text("#notice").await.contains("かけ直し希望"));

    // A note naming someone's religion is held, not stored silently.
    press(&b, "4").await; // 受診しない
    b.fill("#note", "宗教上の理由で受けないとのこと").await;
    b.click("#record-stop").await;
    b.wait_for_path(&work).await;
    assert!(b.text("#notice").await.contains("保留しました"));

    // Esc gives a taken person back.
    press(&b, "n").await;
    b.wait_until("a call card", || async {
        !card_person(&b).await.is_empty()
    })
    .await;
    press(&b, ESCAPE).await;
    b.wait_for_path(&work).await;
    assert!(b.text("#notice").await.contains("戻しました"));

    // Progress counts everyone's calls, per operator.
    b.open(&work).await;
    assert_eq!(b.text("#p-calls").await, "4");
    let ops = b.text("#progress-operators").await;
    assert!(
        ops.contains("電話 桜子") && ops.contains("責任 三郎"),
        "{ops}"
    );
    b.assert_stays_on_server().await;

    // The 責任者 sees the held note and deletes it.
    let notes = other.get(&format!("{base}/notes")).await;
    assert_eq!(notes.status, 200);
    assert!(notes.body.contains("宗教上の理由"), "{}", notes.body);
    assert!(notes.body.contains("思想・信条・宗教"));
    let id = notes
        .body
        .split(&format!("action=\"{base}/notes/"))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = other
        .post_form(&format!("{base}/notes/{id}"), &[("decision", "delete")])
        .await;
    assert_eq!(r.status, 303);
    let notes = other.get(&format!("{base}/notes")).await;
    assert!(!notes.body.contains("宗教上の理由"));
    // The operator may not open the review.
    b.open(&format!("{base}/notes")).await;
    assert!(b.text("main").await.contains("権限がありません"));

    // The ward adds a reason; operators see it on the next card.
    b.open("/dashboard").await;
    b.sign_out().await;
    b.sign_in("hokenshi").await;
    b.menu("理由・要望", "/ward/codes").await;
    b.fill("#add-reason input[name=code]", "kaigo").await;
    b.fill("#add-reason input[name=label]", "家族の介護で時間がない")
        .await;
    b.click("#add-reason button").await;
    b.wait_until("the saved code", || async { b.count("#notice").await == 1 })
        .await;
    assert!(b.text("#codes-reason").await.contains("kaigo"));
    let r = other.post_form(&format!("{work}/next"), &[]).await;
    let page = other.get(r.location().unwrap()).await;
    assert!(page.body.contains("家族の介護で時間がない"));
}
