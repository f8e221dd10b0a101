//! Home visits in Chromium, on SQLite and PostgreSQL: the visitor opens the
//! demo's visit list, prints both halves (the PDFs fetched as the page's
//! links would), signs them out to two visitors in the 授受簿 and one back
//! in, records an outcome by visit code, and after the end of the day the
//! 責任者's home page raises the half still out (and only that one).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_testkit::browser::*;
use itaku_testkit::Backend;
use serde_json::json;

const PEOPLE: u64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_print_sign_out_and_record_sqlite() {
    browse_with(
        "visitors_print_sign_out_and_record-sqlite",
        Backend::Sqlite,
        PEOPLE,
        visitors_print_sign_out_and_record,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visitors_print_sign_out_and_record_postgres() {
    browse_with(
        "visitors_print_sign_out_and_record-postgres",
        Backend::Postgres,
        PEOPLE,
        visitors_print_sign_out_and_record,
    )
    .await;
}

/// The first 5 bytes and the length of a PDF link's target.
async fn fetch_head(b: &Browser, href: &str) -> String {
    b.wd.execute_async(
        "const done = arguments[arguments.length - 1];\
         fetch(arguments[0]).then(r => r.arrayBuffer())\
           .then(x => done(String.fromCharCode(...new Uint8Array(x).slice(0, 5)) + ' ' + x.byteLength));",
        vec![json!(href)],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap()
    .to_owned()
}

async fn visitors_print_sign_out_and_record(b: Browser) {
    b.server
        .svc
        .seed_demo_calls(b.server.contract_id)
        .await
        .unwrap();
    b.sign_in("fureai-homon").await;
    b.click_link("訪問名簿").await;
    b.wait_until("the visit lists", || async {
        b.count("#visit-lists").await == 1
    })
    .await;
    let href = b
        .js(
            "return document.querySelector('#visit-lists tbody a').getAttribute('href')",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    b.open(&href).await;
    b.wait_for_path(&href).await;
    let members: usize = b.text("#members").await.parse().unwrap();
    assert!(members > 0);
    // The list page itself shows codes and 町丁目 only.
    let codes = b.texts("#targets td.code").await;
    assert_eq!(codes.len(), members);

    // Print both halves.
    for half in ["name", "address"] {
        b.click(&format!("form[action$='/print/{half}'] button"))
            .await;
        b.wait_until("the print", || async {
            b.count(&format!("#prints tr[data-half='{half}']")).await == 1
        })
        .await;
    }
    for link in b
        .js(
            "return [...document.querySelectorAll('#prints a.pdf-link')].map(a => a.getAttribute('href'))",
            vec![],
        )
        .await
        .as_array()
        .unwrap()
    {
        let head = fetch_head(&b, link.as_str().unwrap()).await;
        assert!(head.starts_with("%PDF-"), "{head}");
    }
    let runs = b.texts("#prints td.run-ref").await;
    assert_eq!(runs.len(), 2);
    assert_ne!(runs[0], runs[1], "each half is its own run");

    // Sign both halves out to two visitors, then the name half back in.
    for (half, visitor) in [("name", "訪問 一郎"), ("address", "訪問 二郎")] {
        let row = format!("#prints tr[data-half='{half}']");
        b.fill(&format!("{row} input.visitor"), visitor).await;
        b.click(&format!("{row} form.sign-out button")).await;
        b.wait_until("the sign-out", || async {
            b.text("#handouts").await.contains(visitor)
        })
        .await;
    }
    let name_handout = b
        .js(
            "return [...document.querySelectorAll('#handouts tbody tr')].find(r => r.innerText.includes('訪問 一郎')).id",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    b.click(&format!("#{name_handout} form.sign-in button"))
        .await;
    b.wait_until("the sign-in", || async {
        b.count(&format!("#{name_handout} .returned")).await == 1
    })
    .await;

    // Record a visit by its code, typed in lower case.
    let code = codes[0].to_lowercase();
    b.click_link("訪問結果の入力").await;
    b.fill("#code", &code).await;
    b.click("#find-code").await;
    b.wait_until("the visit target", || async {
        b.count("#target").await == 1
    })
    .await;
    assert_eq!(b.text("#target-code").await, codes[0]);
    b.click("#outcome-intends").await;
    b.click("#save-outcome").await;
    b.wait_until("the saved outcome", || async {
        b.count("#notice").await == 1
    })
    .await;
    b.open(&href).await;
    assert_eq!(b.text("#contacted").await, "1");
    b.assert_stays_on_server().await;
    b.sign_out().await;

    // 17:20 JST the same day: the address half is still out.
    b.server
        .clock
        .set(Utc.with_ymd_and_hms(2026, 11, 22, 8, 20, 0).unwrap());
    b.sign_in("mirai-sekinin").await;
    let alarms = b.text("#visit-alarms").await;
    assert!(alarms.contains("訪問 二郎"), "{alarms}");
    assert!(!alarms.contains("訪問 一郎"), "{alarms}");
}
