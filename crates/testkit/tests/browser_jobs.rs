//! Retention rules and the jobs page in Chromium, on SQLite and PostgreSQL:
//! the ward administrator sets a rule on the contract's 保存期間 page (a
//! dated erasure with a recorded waiver), sees it scheduled on 定期処理,
//! the runner runs it by the server's clock, and the page shows it done
//! with a link to the certificate of erasure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::browser::*;
use itaku_testkit::browser_tests;

browser_tests!(a_retention_rule_runs_and_certifies);

async fn a_retention_rule_runs_and_certifies(b: Browser) {
    let c = b.server.contract_id;
    b.sign_in("ward-admin").await;
    b.open(&format!("/admin/contracts/{c}/retention")).await;
    b.wait_for_path(&format!("/admin/contracts/{c}/retention"))
        .await;
    // Today (the test clock's date), with a waiver: the demo campaign is
    // still open, so without one the job would wait for the return.
    let today = b
        .server
        .svc
        .now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .date_naive();
    b.click("#retention-form input[name='trigger'][value='date']")
        .await;
    b.js(
        "document.querySelector(\"#retention-form input[name='date']\").value = arguments[0];",
        vec![serde_json::json!(today.format("%Y-%m-%d").to_string())],
    )
    .await;
    b.click("#retention-form input[name='waive']").await;
    b.fill(
        "#retention-form input[name='waiver']",
        "勧奨は終了扱い。結果は紙で返還済み",
    )
    .await;
    b.click("#retention-form button[type='submit']").await;
    b.wait_until("the rule is set", || async {
        b.count("#notice").await == 1
    })
    .await;
    assert_eq!(b.count("#rules tbody tr").await, 1);
    let rule = b.text("#rules tbody tr").await;
    assert!(rule.contains("勧奨は終了扱い"), "{rule}");

    b.open("/admin/schedule").await;
    b.wait_for_path("/admin/schedule").await;
    let scheduled = b.text("tr[id^='job-']").await;
    assert!(scheduled.contains("予定"), "{scheduled}");

    // It is past 09:00 JST on that date by the test clock: the runner (the
    // serve loop or `itaku jobs run-due`) takes it now.
    let ran = b.server.svc.run_due_jobs("browser-test").await.unwrap();
    assert_eq!(ran.done.len(), 1, "{:?}", ran.errors);
    b.open("/admin/schedule").await;
    b.wait_for_path("/admin/schedule").await;
    let done = b.text(&format!("#job-{}", ran.done[0])).await;
    assert!(done.contains("完了"), "{done}");
    assert!(done.contains("消去証明書"), "{done}");
    let href = b
        .js(
            &format!(
                "return document.querySelector('#job-{} a[href^=\"/admin/erasures/\"]').getAttribute('href')",
                ran.done[0]
            ),
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    b.open(&href).await;
    b.wait_for_path(&href).await;
    b.assert_stays_on_server().await;
}
