//! The done-when, in Chromium on SQLite and PostgreSQL: two
//! operators double-key a batch's pages with the keyboard only (Enter from
//! field to field, the 区分 chosen by its first kana, full-width amounts,
//! Ctrl+Enter to save and move to the next page); where they differ a
//! third person settles with the keyboard; ward staff then find the
//! household and see the entries in its history.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::browser::*;
use itaku_testkit::browser_tests;
use serde_json::json;

browser_tests!(two_operators_double_key_a_third_settles_ward_staff_see_it);

const ENTER: &str = "\u{E007}";
const CTRL_ENTER: &str = "\u{E009}\u{E007}\u{E000}";
const ARROW_RIGHT: &str = "\u{E014}";

/// Type into whatever has the focus (no clicking, no element lookup).
async fn keys(b: &Browser, text: &str) {
    let e = b.wd.active_element().await.expect("a focused element");
    e.send_keys(text).await.expect("keys");
}

async fn focused_id(b: &Browser) -> String {
    b.js(
        "return document.activeElement && document.activeElement.id",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// One paper line: the 11 fields in order, each followed by Enter.
async fn key_line(b: &Browser, n: usize, fields: [&str; 11]) {
    assert_eq!(
        focused_id(b).await,
        format!("l{n}-date"),
        "line {n} starts at its date"
    );
    for f in fields {
        if !f.is_empty() {
            keys(b, f).await;
        }
        keys(b, ENTER).await;
    }
}

/// Key a page: its lines, Enter on the next (empty) date jumps to the
/// 頁計, then Ctrl+Enter saves. Returns the 記号番号 the page showed.
async fn key_page(b: &Browser, lines: &[[&str; 11]], total: &str, expect: &str) -> String {
    b.wait_until("the key screen", || async {
        focused_id(b).await == "l0-date"
    })
    .await;
    let kigo = b.text("#page-kigo").await;
    for (n, l) in lines.iter().enumerate() {
        key_line(b, n, *l).await;
    }
    keys(b, ENTER).await;
    assert_eq!(focused_id(b).await, "page-total");
    keys(b, total).await;
    keys(b, CTRL_ENTER).await;
    b.wait_until(expect, || async {
        b.text("#notice").await.contains(expect)
    })
    .await;
    kigo
}

const AGREED_1: [&str; 11] = [
    "R6.5.10",
    "で",
    "",
    "来月から納付すると約束",
    "パート勤務",
    "",
    "",
    "",
    "",
    "",
    "",
];
const AGREED_2: [&str; 11] = [
    "６．６．３",
    "のう",
    "１５，０００",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "窓口で納付",
];

async fn two_operators_double_key_a_third_settles_ward_staff_see_it(b: Browser) {
    let contract = b.server.svc.tainou_entry_contracts().await.unwrap()[0].0;
    let base = format!("/c/{contract}/tainou_nyuryoku/tainou");

    b.sign_in("kdn-nyuryoku1").await;
    b.find_by(fantoccini::Locator::XPath(
        "//nav[@class='main']/a[normalize-space()='滞納整理票の入力']",
    ))
    .await
    .click()
    .await
    .unwrap();
    b.wait_for_path(&base).await;
    let batch = b
        .js(
            "return document.querySelector('a[id^=key-]').id.slice(4)",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let key_path = format!("{base}/batches/{batch}/key");
    b.open(&key_path).await;
    b.wait_for_path(&key_path).await;
    // The 区分 names itself as it is typed.
    b.wait_until("autofocus", || async { focused_id(&b).await == "l0-date" })
        .await;
    keys(&b, &format!("R6.5.10{ENTER}")).await;
    keys(&b, "で").await;
    let label = b
        .js("return document.querySelector('#l0-kind').parentNode.querySelector('output').textContent", vec![])
        .await;
    assert_eq!(label, json!("電話"));
    b.open(&key_path).await;
    let first = key_page(
        &b,
        &[AGREED_1, AGREED_2],
        "15000",
        "1回目の入力を保存しました",
    )
    .await;
    let second = key_page(
        &b,
        &[["R5.4.1", "08", "3000", "", "", "", "", "", "", "", ""]],
        "3000",
        "1回目の入力を保存しました",
    )
    .await;
    assert_ne!(first, second, "the next page follows by itself");
    b.sign_out().await;

    b.sign_in("kdn-nyuryoku2").await;
    b.open(&key_path).await;
    let again = key_page(
        &b,
        &[AGREED_1, AGREED_2],
        "１５，０００",
        "台帳に登録しました",
    )
    .await;
    assert_eq!(again, first);
    let again = key_page(
        &b,
        &[["R5.4.1", "08", "8000", "", "", "", "", "", "", "", ""]],
        "8000",
        "照合に回しました",
    )
    .await;
    assert_eq!(again, second);
    b.sign_out().await;

    b.sign_in("kdn-shogo").await;
    b.open(&format!("{base}/settle")).await;
    b.click("a[id^=settle-]").await;
    b.wait_until("the settle screen", || async {
        focused_id(&b).await == "c-0-2-1"
    })
    .await;
    assert!(b.text(".tainou-diff").await.contains("3,000円"));
    assert!(b.text(".tainou-diff").await.contains("8,000円"));
    // The paper says 8,000: pass 2, by the arrow key; Ctrl+Enter settles.
    keys(&b, ARROW_RIGHT).await;
    keys(&b, CTRL_ENTER).await;
    b.wait_until("settled", || async {
        b.text("#notice")
            .await
            .contains("照合した 1 行を台帳に登録しました")
    })
    .await;
    b.sign_out().await;

    b.sign_in("kokuho-seiri").await;
    b.menu("世帯台帳", "/ward/tainou").await;
    for (kigo, want, not) in [
        (&first, "来月から納付すると約束", ""),
        (&second, "8,000円", "3,000円"),
    ] {
        b.open("/ward/tainou").await;
        b.fill("#q", kigo).await;
        keys(&b, ENTER).await;
        b.wait_until("hits", || async {
            b.count("#household-hits tbody tr").await == 1
        })
        .await;
        b.click("#household-hits a").await;
        b.wait_until("the ledger", || async { b.count("#history").await == 1 })
            .await;
        let history = b.text("#history").await;
        assert!(history.contains(want), "{history}");
        assert!(history.contains("入力委託"), "{history}");
        if !not.is_empty() {
            assert!(!history.contains(not), "{history}");
        }
    }
    assert!(b.text("#history").await.contains("催告書送付"));
    // Chromium asks for a favicon the server does not have; nothing else
    // may be logged (a CSP refusal or a script error would be).
    let errors = b.console_errors().await;
    assert!(
        errors.iter().all(|e| e.contains("/favicon.ico")),
        "no script or CSP errors: {errors:?}"
    );
}
