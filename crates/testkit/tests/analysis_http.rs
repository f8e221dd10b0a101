//! The effect-analysis report over a real server on both backends: the
//! analysis handler's page shows the tables, the three SVG charts, ITT /
//! reached-only (labelled biased) / CACE, the allocation check, methods and
//! recommendations; the PDF (read back with pdftotext) says the same; the CSV
//! of the suppressed tables decodes as CP932; another purpose gets no report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_service::Actor;
use itaku_testkit::{Backend, TestServer};

const PEOPLE: u64 = 600;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(report_page_pdf_and_csv);

/// The demo's analysed campaign (calls made, results in), as `itaku demo`
/// makes it.
async fn analysis_campaign(s: &TestServer) -> i64 {
    let id = s.svc.seed_demo_analysis(s.contract_id).await.unwrap();
    let name = s
        .svc
        .campaigns(&Actor::system("test"))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap()
        .name;
    assert!(name.contains("効果分析の例"), "{name}");
    id
}

async fn download(s: &TestServer, c: &itaku_testkit::Client, path: &str) -> (u16, String, Vec<u8>) {
    let cookie = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let res = reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, res.bytes().await.unwrap().to_vec())
}

async fn report_page_pdf_and_csv(s: TestServer) {
    let id = analysis_campaign(&s).await;
    let base = format!("/c/{}/koka_bunseki/analysis/{id}", s.contract_id);
    let mut c = s.signed_in("mirai-bunseki").await;
    let page = c.get(&base).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let b = &page.body;
    for needle in [
        "id=\"chart-rates\"",
        "id=\"chart-qini\"",
        "id=\"chart-cumulative\"",
        "<svg",
        "id=\"recommendations\"",
        "主解析: 割付どおりの比較（ITT）",
        "偏りあり",
        "CACE",
        "Newcombe",
        "Mantel–Haenszel",
        "Breslow–Day",
        "Holm",
        "割付比の検定",
        "来年度の必要人数",
        "方法と約束事",
        "id=\"published-0\"",
    ] {
        assert!(b.contains(needle), "{needle} missing from the report page");
    }
    assert!(!b.contains("style="), "no inline styles (CSP)");
    // The planted effect shows up as advice: some segment is to be called first
    // or has no effect, in plain Japanese.
    assert!(
        b.contains("電話") && b.contains("ポイント"),
        "recommendations"
    );

    let (status, ctype, pdf) = download(&s, &c, &format!("{base}/report.pdf")).await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "application/pdf");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", file.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "効果分析の報告書",
        "提言",
        "主解析",
        "偏りあり",
        "方法と約束事",
        "群別の受診状況",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from the PDF:\n{text}"
        );
    }

    let (status, ctype, csv) = download(&s, &c, &format!("{base}/tables.csv?k=10")).await;
    assert_eq!(status, 200);
    assert!(ctype.contains("Shift_JIS"), "{ctype}");
    assert!(
        std::str::from_utf8(&csv).is_err(),
        "the CSV is CP932, not UTF-8"
    );
    let decoded = itaku_jp::decode_field(&csv, itaku_jp::SourceEncoding::Cp932)
        .unwrap()
        .text;
    assert!(decoded.contains("群別の受診状況（割付どおり・主解析）"));
    assert!(decoded.contains("\r\n"));

    // Another purpose of the same contract gets no report.
    let mut other = s.signed_in("mirai-tsuchi").await;
    let denied = other
        .get(&format!("/c/{}/tsuchi_kansho/analysis/{id}", s.contract_id))
        .await;
    assert!(
        denied.status == 403 || denied.status == 404,
        "{}",
        denied.status
    );
    assert!(!denied.body.contains("chart-rates"));
}
