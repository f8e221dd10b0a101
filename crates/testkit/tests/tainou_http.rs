//! 国保料滞納整理 (seed 004) over a real server on both backends: ward
//! staff find a household by 記号番号 and read its ledger; two operators
//! key the same page (agreed: it enters the ledger), then a page they key
//! differently, which a third person settles side by side; an operator is
//! refused the ledger and a second pass of its own page; bad dates come
//! back in Japanese with what was typed kept; the ward assigns a batch.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::{Backend, Client, TestServer};

const PEOPLE: u64 = 120;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(
    double_entry_over_http_reaches_the_household_history,
    ward_staff_write_the_ledger_from_its_page
);

fn after<'a>(body: &'a str, needle: &str) -> Option<&'a str> {
    let i = body.find(needle)? + needle.len();
    body[i..].split('"').next()
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Open the operator's key screen; returns (form action, 記号番号).
async fn key_screen(c: &mut Client, base: &str, batch: &str) -> (String, String) {
    let page = c.get(&format!("{base}/batches/{batch}/key")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("style="), "no inline style (CSP)");
    assert!(page.body.contains("/assets/tainou.js"));
    let before = page.body.split("\" id=\"tainou-key\"").next().unwrap();
    let action = before.rsplit("action=\"").next().unwrap().to_owned();
    let kigo = page
        .body
        .split("id=\"page-kigo\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    (action, kigo)
}

async fn double_entry_over_http_reaches_the_household_history(s: TestServer) {
    let contract = s.svc.tainou_entry_contracts().await.unwrap()[0].0;
    let base = format!("/c/{contract}/tainou_nyuryoku/tainou");
    let mut op1 = s.signed_in("kdn-nyuryoku1").await;
    let mut op2 = s.signed_in("kdn-nyuryoku2").await;
    let mut third = s.signed_in("kdn-shogo").await;
    let mut ward = s.signed_in("kokuho-seiri").await;

    // /tainou leads an operator to its one contract's batches.
    let r = op1.get("/tainou").await;
    assert_eq!(r.location(), Some(base.as_str()));
    let batches = op1.get(&base).await;
    assert_eq!(batches.status, 200);
    let batch = after(&batches.body, "id=\"batch-").unwrap().to_owned();

    // Pass 1, then an impossible date kept on screen with a Japanese reason.
    let (action, kigo) = key_screen(&mut op1, &base, &batch).await;
    let bad = op1
        .post_form(
            &action,
            &[("l0_date", "R5.2.30"), ("l0_kind", "01"), ("l0_k0", "来庁")],
        )
        .await;
    assert_eq!(bad.status, 200);
    assert!(
        bad.body
            .contains("1行目: 年月日「R5.2.30」は存在しない日付です"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("value=\"R5.2.30\""));
    let fields = [
        ("l0_date", "R6.5.10"),
        ("l0_kind", "で"),
        ("l0_k0", "来月から納付すると約束"),
        ("l0_k1", "パート勤務"),
        ("l1_date", "6.6.3"),
        ("l1_kind", "08"),
        ("l1_amount", "１５，０００"),
        ("page_total", "15000"),
    ];
    let r = op1.post_form(&action, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(decode(r.location().unwrap()).contains("1回目の入力を保存しました"));
    // The same operator is handed the next page, not this one again.
    let (next_action, next_kigo) = key_screen(&mut op1, &base, &batch).await;
    assert_ne!(next_action, action);
    let again = op1.post_form(&action, &fields).await;
    assert!(again.status == 200 || again.status == 303);
    assert!(decode(&format!(
        "{}{}",
        again.body,
        again.location().unwrap_or_default()
    ))
    .contains("別の入力者"));

    // Pass 2 by the other operator agrees: the ledger has it.
    let (action2, kigo2) = key_screen(&mut op2, &base, &batch).await;
    assert_eq!(
        (action2.as_str(), kigo2.as_str()),
        (action.as_str(), kigo.as_str())
    );
    let r = op2.post_form(&action2, &fields).await;
    assert!(decode(r.location().unwrap()).contains("台帳に登録しました"));

    // The next page: the passes differ in the amount; the third settles.
    op1.post_form(
        &next_action,
        &[
            ("l0_date", "R5.4.1"),
            ("l0_kind", "08"),
            ("l0_amount", "3000"),
            ("page_total", "3000"),
        ],
    )
    .await;
    let (a2, _) = key_screen(&mut op2, &base, &batch).await;
    assert_eq!(a2, next_action);
    let r = op2
        .post_form(
            &a2,
            &[
                ("l0_date", "R5.4.1"),
                ("l0_kind", "08"),
                ("l0_amount", "8000"),
                ("page_total", "8000"),
            ],
        )
        .await;
    assert!(decode(r.location().unwrap()).contains("照合に回しました"));
    let queue = op1.get(&format!("{base}/settle")).await;
    assert!(queue.body.contains("別の人が照合します"));
    let queue = third.get(&format!("{base}/settle")).await;
    let settle_path = after(&queue.body, "<a class=\"button\" href=\"")
        .unwrap()
        .to_owned();
    let view = third.get(&settle_path).await;
    assert_eq!(view.status, 200);
    assert!(view.body.contains("3,000円") && view.body.contains("8,000円"));
    assert!(!view.body.contains("style="));
    let r = third.post_form(&settle_path, &[("c_0_2", "2")]).await;
    assert!(
        decode(r.location().unwrap()).contains("照合した 1 行を台帳に登録しました"),
        "{:?}",
        r.location()
    );

    // The operators never read the ledger.
    let r = op1.get("/ward/tainou").await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);

    // Ward staff: search by 記号番号, then the history shows both pages.
    let hits = ward.get(&format!("/ward/tainou?q={kigo}")).await;
    assert_eq!(hits.status, 200);
    let link = after(&hits.body, "<td><a href=\"").unwrap().to_owned();
    let ledger = ward.get(&link).await;
    assert_eq!(ledger.status, 200);
    assert!(ledger.body.contains("来月から納付すると約束"));
    assert!(ledger.body.contains("パート勤務"));
    assert!(ledger.body.contains("15,000円"));
    assert!(ledger.body.contains("催告書送付"), "migrated history");
    assert!(ledger.body.contains("未納額"));
    assert!(!ledger.body.contains("style="));
    let hits = ward.get(&format!("/ward/tainou?q={next_kigo}")).await;
    let link = after(&hits.body, "<td><a href=\"").unwrap().to_owned();
    let ledger = ward.get(&link).await;
    assert!(ledger.body.contains("8,000円"), "the settled amount");
    assert!(!ledger.body.contains("3,000円"));

    // The ward's batch page: progress, and a new batch assigned.
    let page = ward
        .get(&format!("/ward/tainou/contracts/{contract}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"progress-done\">2<"),
        "{}",
        page.body
    );
    let r = ward
        .post_form(
            &format!("/ward/tainou/contracts/{contract}"),
            &[("name", "第2束"), ("era", "heisei"), ("pages", "５")],
        )
        .await;
    assert!(decode(r.location().unwrap()).contains("委託先に割り当てました"));
    let batches = op1.get(&base).await;
    assert!(batches.body.contains("第2束（平成）"));
    let js = op1.get("/assets/tainou.js").await;
    assert_eq!(js.status, 200);
    assert!(js.body.contains("requestSubmit"));
}

/// The ledger page's own forms: an entry (refused with the reason for an
/// impossible date), its correction (the old one kept and marked), a
/// payment (refused above the year's assessment), a plan (refused when the
/// schedule does not add up). Operators cannot post to them.
async fn ward_staff_write_the_ledger_from_its_page(s: TestServer) {
    let mut ward = s.signed_in("kokuho-seiri").await;
    // The demo's first household (記号番号 11-100037).
    let hits = ward.get("/ward/tainou?q=11-100037").await;
    let link = after(&hits.body, "<td><a href=\"").unwrap().to_owned();
    let page = ward.get(&link).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("交渉経過を記録する"));
    assert!(!page.body.contains("style="));
    let entries = format!("{link}/entries");

    let bad = ward
        .post_form(
            &entries,
            &[
                ("date", "R8.2.30"),
                ("kind", "02"),
                ("item0", "電話で納付を依頼"),
            ],
        )
        .await;
    assert_eq!(bad.status, 303);
    let shown = ward.get(bad.location().unwrap()).await;
    assert!(shown.body.contains("id=\"form-error\""), "{}", shown.body);
    assert!(!shown.body.contains("電話で納付を依頼"));

    let ok = ward
        .post_form(
            &entries,
            &[
                ("date", "R8.11.20"),
                ("kind", "02"),
                ("item0", "電話で納付を依頼した"),
            ],
        )
        .await;
    let shown = ward.get(ok.location().unwrap()).await;
    assert!(
        shown.body.contains("交渉経過を記録しました"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("電話で納付を依頼した"));
    let marker = "/entries/";
    let tail = shown
        .body
        .rsplit("電話で納付を依頼した")
        .nth(1)
        .unwrap_or("");
    let _ = tail;
    // The new entry's correction form: the last one on the page whose
    // prefilled item is the text just written.
    let form_at = shown
        .body
        .find("value=\"電話で納付を依頼した\"")
        .expect("the correction form, prefilled");
    let action_start = shown.body[..form_at].rfind(marker).unwrap() + marker.len();
    let entry: String = shown.body[action_start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let fixed = ward
        .post_form(
            &format!("{entries}/{entry}/correct"),
            &[
                ("date", "R8.11.21"),
                ("kind", "02"),
                ("item0", "電話で分割納付を案内した"),
            ],
        )
        .await;
    let shown = ward.get(fixed.location().unwrap()).await;
    assert!(shown.body.contains("を訂正しました"), "{}", shown.body);
    assert!(shown.body.contains("電話で分割納付を案内した"));
    assert!(
        shown.body.contains("電話で納付を依頼した"),
        "the old entry stays"
    );
    assert!(shown.body.contains("訂正済み"));

    // Payments: above the assessment is refused; a small one is recorded.
    let year = after(&shown.body, "id=\"payment-year\"><option value=\"")
        .unwrap()
        .to_owned();
    let payments = format!("{link}/payments");
    let too_much = ward
        .post_form(
            &payments,
            &[
                ("fiscal_year", &year),
                ("paid_on", "R8.11.20"),
                ("amount", "99999999"),
            ],
        )
        .await;
    assert!(decode(too_much.location().unwrap()).contains("賦課額"));
    let paid = ward
        .post_form(
            &payments,
            &[
                ("fiscal_year", &year),
                ("paid_on", "R8.11.20"),
                ("amount", "１"),
            ],
        )
        .await;
    assert!(decode(paid.location().unwrap()).contains("納付を記録しました"));

    // Plans: the schedule must add up to the agreed total.
    let plans = format!("{link}/plans");
    let wrong = ward
        .post_form(
            &plans,
            &[
                ("agreed_on", "R8.11.20"),
                ("total", "30000"),
                ("due_on_0", "R8.12.25"),
                ("due_amount_0", "10000"),
                ("due_on_1", "R9.1.25"),
                ("due_amount_1", "10000"),
            ],
        )
        .await;
    assert!(decode(wrong.location().unwrap()).contains("一致しません"));
    let right = ward
        .post_form(
            &plans,
            &[
                ("agreed_on", "R8.11.20"),
                ("total", "20000"),
                ("due_on_0", "R8.12.25"),
                ("due_amount_0", "10000"),
                ("due_on_1", "R9.1.25"),
                ("due_amount_1", "10000"),
            ],
        )
        .await;
    let shown = ward.get(right.location().unwrap()).await;
    assert!(shown.body.contains("分割納付の誓約を登録しました"));
    assert!(shown.body.contains("誓約額 20,000円"), "{}", shown.body);

    // An entry operator cannot write the ledger.
    let mut op = s.signed_in("kdn-nyuryoku1").await;
    let r = op
        .post_form(&entries, &[("date", "R8.11.20"), ("kind", "02")])
        .await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);
}
