//! The effect-analysis report in Chromium, on SQLite and PostgreSQL: the
//! analysis handler opens the demo's analysed campaign from the campaign
//! list, follows the campaign page's link to the report, and sees the three
//! charts drawn (SVG with bars, curves), the recommendations and the
//! methods — with no CSP violation or script error in the console.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::browser::*;
use itaku_testkit::Backend;

const PEOPLE: u64 = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysis_report_in_the_browser_sqlite() {
    browse_with(
        "analysis_report-sqlite",
        Backend::Sqlite,
        PEOPLE,
        analysis_report,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysis_report_in_the_browser_postgres() {
    browse_with(
        "analysis_report-postgres",
        Backend::Postgres,
        PEOPLE,
        analysis_report,
    )
    .await;
}

/// SVG elements have no innerText (which `Browser::count` reads): count
/// them in a script.
async fn svg_count(b: &Browser, css: &str) -> u64 {
    b.js(
        "return document.querySelectorAll(arguments[0]).length",
        vec![serde_json::json!(css)],
    )
    .await
    .as_u64()
    .unwrap()
}

async fn analysis_report(b: Browser) {
    b.server
        .svc
        .seed_demo_analysis(b.server.contract_id)
        .await
        .unwrap();
    b.sign_in("mirai-bunseki").await;
    let list = format!("/c/{}/koka_bunseki/campaigns", b.server.contract_id);
    b.open(&list).await;
    b.wait_for_path(&list).await;
    let href = b
        .js(
            "return [...document.querySelectorAll('a')].find(a => a.textContent.includes('効果分析の例')).getAttribute('href')",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    b.open(&href).await;
    b.wait_until("the campaign page", || async {
        b.count("#analysis-link").await == 1
    })
    .await;
    b.click("#analysis-link").await;
    b.wait_until("the report", || async {
        b.count("#analysis-title").await == 1
    })
    .await;
    assert!(b.path().await.contains("/koka_bunseki/analysis/"));
    for id in ["#chart-rates", "#chart-qini", "#chart-cumulative"] {
        assert_eq!(svg_count(&b, id).await, 1, "{id}");
        let width = b
            .js(
                "return document.querySelector(arguments[0]).getBoundingClientRect().width",
                vec![serde_json::json!(id)],
            )
            .await
            .as_f64()
            .unwrap();
        assert!(width > 100.0, "{id} is drawn ({width}px)");
    }
    assert!(
        svg_count(&b, "#chart-rates rect.bar").await >= 2,
        "a bar per arm"
    );
    assert_eq!(
        svg_count(&b, "#chart-rates line.ci").await,
        svg_count(&b, "#chart-rates rect.bar").await
    );
    assert_eq!(svg_count(&b, "#chart-qini polyline.qini").await, 1);
    assert_eq!(svg_count(&b, "#chart-cumulative polyline.treated").await, 1);
    let recs = b.texts("#recommendations li").await;
    assert!(!recs.is_empty());
    assert!(recs.iter().any(|r| r.contains("区分")), "{recs:?}");
    assert!(b.text("#section-reached").await.contains("偏りあり"));
    assert!(b.text("#section-methods").await.contains("Newcombe"));
    assert_eq!(
        b.count("#srm-alarm").await,
        0,
        "the demo's allocation is balanced"
    );
    // The browser's own favicon request is not the page's doing.
    let errors: Vec<String> = b
        .console_errors()
        .await
        .into_iter()
        .filter(|e| !e.contains("favicon.ico"))
        .collect();
    assert!(errors.is_empty(), "console: {errors:?}");
}
