//! The questionnaire part of issue 9's done-when, in Chromium on SQLite and
//! PostgreSQL: a resident answers the demo questionnaire on the public page
//! in a phone-sized window (the follow-up question appears only for
//! がん検診 and a missing required answer is explained in Japanese); two
//! handlers key a paper sheet with the keyboard only (Enter from field to
//! field, Enter on the last saves); the aggregation shows the chart with
//! both answers counted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::browser::*;
use itaku_testkit::browser_tests;

browser_tests!(answered_on_a_phone_keyed_twice_and_aggregated_with_a_chart);

const ENTER: &str = "\u{E007}";

async fn keys(b: &Browser, text: &str) {
    let e = b.wd.active_element().await.expect("a focused element");
    e.send_keys(text).await.expect("keys");
}

async fn attr(b: &Browser, css: &str, name: &str) -> String {
    b.js(
        "var e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
        vec![css.into(), name.into()],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

async fn hidden(b: &Browser, css: &str) -> bool {
    b.js(
        "var e = document.querySelector(arguments[0]); return !e || e.hidden || e.offsetParent === null;",
        vec![css.into()],
    )
    .await
    .as_bool()
    .unwrap_or(true)
}

/// Console errors other than the browser's own favicon request.
async fn script_errors(b: &Browser) -> Vec<String> {
    b.console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("favicon.ico"))
        .collect()
}

async fn respondents(b: &Browser) -> String {
    b.text("#respondents").await
}

async fn answered_on_a_phone_keyed_twice_and_aggregated_with_a_chart(b: Browser) {
    // The handler finds the demo questionnaire and its public link.
    b.sign_in("wh-shukei").await;
    b.open("/questionnaires").await;
    b.click_link("女性のための健康セミナー 参加者アンケート")
        .await;
    let public = attr(&b, "#public-link", "href").await;
    assert!(public.starts_with("/q/"), "{public}");
    let detail = b.path().await;
    b.open(&format!("{detail}/results")).await;
    let before = respondents(&b).await;
    assert!(before.contains("回答者 40人"), "{before}");
    b.sign_out().await;

    // A resident on a phone-sized window.
    b.wd.set_window_size(390, 844).await.expect("phone size");
    b.open(&public).await;
    let width: i64 = b
        .js("return window.innerWidth", vec![])
        .await
        .as_i64()
        .unwrap_or_default();
    assert!(width <= 500, "phone-sized window, got {width}");
    let follow = "fieldset[data-show-if-q]";
    let theme = attr(&b, follow, "data-show-if-q").await;
    let choice = attr(&b, follow, "data-show-if-c").await;
    assert!(hidden(&b, follow).await, "the follow-up starts hidden");
    b.click(&format!("input[name='q{theme}'][value='{choice}']"))
        .await;
    b.wait_until("the follow-up shows", || async {
        !hidden(&b, follow).await
    })
    .await;
    b.click(&format!("input[name='q{theme}'][value='1']")).await;
    b.wait_until("the follow-up hides again", || async {
        hidden(&b, follow).await
    })
    .await;
    // Send with nothing else: the required questions are explained.
    b.click("#send").await;
    b.wait_until("the form explains", || async {
        b.count("#form-error").await == 1
    })
    .await;
    assert!(b.text(".anketo-problem").await.contains("必須"));
    let first = attr(&b, "fieldset.anketo-q", "id").await;
    let sat = first.trim_start_matches("fq").to_owned();
    let ways: i64 = sat.parse::<i64>().unwrap() + 1;
    b.click(&format!("input[name='q{sat}'][value='5']")).await;
    b.click(&format!("input[name='q{ways}'][value='2']")).await;
    b.click("#send").await;
    b.wait_until("thanks", || async { b.count("#thanks").await == 1 })
        .await;
    let errors = script_errors(&b).await;
    assert!(errors.is_empty(), "{errors:?}");
    b.wd.set_window_size(1280, 900).await.expect("desk size");

    // Paper sheet 77, keyed twice with the keyboard only.
    let entry = format!("{detail}/entry");
    for login in ["wh-shukei", "wh-sekinin"] {
        b.sign_in(login).await;
        b.open(&entry).await;
        b.wait_until("the sheet field has the focus", || async {
            b.js("return document.activeElement.id", vec![])
                .await
                .as_str()
                == Some("sheet")
        })
        .await;
        keys(&b, "\u{E009}a\u{E000}77").await;
        for v in ["4", "1 3", "2", "1", "資料がわかりやすかった"] {
            keys(&b, ENTER).await;
            keys(&b, v).await;
        }
        keys(&b, ENTER).await;
        b.wait_until("the keying is saved", || async {
            b.count("#notice").await == 1
        })
        .await;
        let notice = b.text("#notice").await;
        if login == "wh-shukei" {
            assert!(notice.contains("1回目を保存しました"), "{notice}");
        } else {
            assert!(notice.contains("一致し、登録しました"), "{notice}");
        }
        b.sign_out().await;
    }

    // The aggregation counts both, with the chart drawn.
    b.sign_in("wh-shukei").await;
    b.open(&format!("{detail}/results")).await;
    let after = respondents(&b).await;
    assert!(after.contains("回答者 42人"), "{after}");
    assert!(after.contains("紙 7人"), "{after}");
    // SVG elements have no innerText: counted directly.
    let bars = b
        .js(
            "return document.querySelectorAll('svg.anketo-chart rect.bar').length",
            vec![],
        )
        .await
        .as_i64()
        .unwrap_or_default();
    assert!(bars > 0, "bars drawn");
    assert!(!hidden(&b, "#anketo-chart-1").await, "the chart is visible");
    let errors = script_errors(&b).await;
    assert!(errors.is_empty(), "{errors:?}");

    // Reception of answers closes, the aggregation is marked done; a week
    // later the job returns the questionnaire and erases the contractor's
    // copy; the ward opens it from its menu with the certificate checked.
    b.open(&detail).await;
    b.click("#close").await;
    b.wait_for_path(&detail).await;
    b.click("#done").await;
    b.wait_for_path(&detail).await;
    b.sign_out().await;
    b.server.clock.advance(chrono::Duration::days(8));
    let r = b.server.svc.run_due_jobs("browser").await.unwrap();
    assert_eq!(r.done.len(), 1, "{r:?}");
    b.desktop().await;
    b.sign_in("yotsuya").await;
    b.menu("アンケートの承認", "/ward/questionnaires").await;
    b.click("#returns-link").await;
    b.wait_for_path("/ward/questionnaires/returns").await;
    b.click_link("女性のための健康セミナー 参加者アンケート")
        .await;
    assert!(b
        .text("#certificate-ok")
        .await
        .contains("署名を確認しました"));
    assert!(b.text("#respondents").await.contains("回答 42人"));
    let bars = b
        .js(
            "return document.querySelectorAll('svg.anketo-chart rect.bar').length",
            vec![],
        )
        .await
        .as_i64()
        .unwrap_or_default();
    assert!(bars > 0, "the ward's charts are drawn");
}
