//! Home visits over a real server on both backends: a visitor creates a
//! list for an area of those the phone did not reach, prints both halves
//! (PDFs read back with pdftotext), signs them out and in, records an
//! outcome by visit code; the 責任者's home page shows an unreturned half
//! only after the end of the day; a phone handler cannot print a half.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_testkit::{Backend, TestServer};
use std::collections::BTreeSet;

const PEOPLE: u64 = 120;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(visitor_prints_split_halves_and_the_register_raises_the_alarm);

fn after<'a>(body: &'a str, needle: &str) -> Option<&'a str> {
    let i = body.find(needle)? + needle.len();
    body[i..].split('"').next()
}

fn query_value<'a>(location: &'a str, key: &str) -> Option<&'a str> {
    location
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
}

async fn pdf(s: &TestServer, c: &itaku_testkit::Client, path: &str) -> (String, String) {
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
    assert_eq!(res.status().as_u16(), 200);
    let ctype = res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = res.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.pdf");
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([file.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    (ctype, String::from_utf8(out.stdout).unwrap())
}

fn codes(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 6 && itaku_service::parse_visit_code(w).is_ok_and(|c| c == *w))
        .map(str::to_owned)
        .collect()
}

async fn visitor_prints_split_halves_and_the_register_raises_the_alarm(s: TestServer) {
    let base = format!("/c/{}/homon_kansho/visits", s.contract_id);
    let mut v = s.signed_in("fureai-homon").await;
    let home = v.get("/dashboard").await;
    assert!(
        home.body.contains(&format!("href=\"{base}\"")),
        "visit card"
    );
    let page = v.get(&base).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let campaign = after(&page.body, "<option value=\"").unwrap().to_owned();
    let page = v
        .get(&format!("{base}?campaign={campaign}&source=not_reached"))
        .await;
    assert_eq!(page.status, 200);
    let area = after(&page.body, "name=\"area\" value=\"")
        .expect("an area to visit")
        .to_owned();
    let created = v
        .post_form(
            &base,
            &[
                ("campaign", &campaign),
                ("source", "not_reached"),
                ("area", &area),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let list_path = created
        .location()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let list_page = v.get(&list_path).await;
    assert!(list_page.body.contains(&area));

    let mut runs = Vec::new();
    for half in ["name", "address"] {
        let r = v.post_form(&format!("{list_path}/print/{half}"), &[]).await;
        assert_eq!(r.status, 303);
        let loc = r.location().unwrap().to_owned();
        assert!(!loc.contains("error="), "{loc}");
        runs.push(query_value(&loc, "printed").unwrap().to_owned());
    }
    let (ctype, names) = pdf(&s, &v, &format!("{base}/prints/{}/pdf", runs[0])).await;
    assert_eq!(ctype, "application/pdf");
    let (_, addresses) = pdf(&s, &v, &format!("{base}/prints/{}/pdf", runs[1])).await;
    assert!(names.contains(&format!("V{:05}", runs[0].parse::<i64>().unwrap())));
    assert!(addresses.contains(&format!("V{:05}", runs[1].parse::<i64>().unwrap())));
    assert!(names.contains("名前の票") && addresses.contains("住所の票"));
    let code_set = codes(&names);
    assert!(!code_set.is_empty());
    assert_eq!(code_set, codes(&addresses), "the pair matches on codes");
    assert!(!names.contains("新宿区") && addresses.contains("新宿区"));

    // 授受簿: one visitor cannot hold both halves.
    let page = v.get(&list_path).await;
    let sheets = |id: &str| {
        let row = page
            .body
            .split(&format!("id=\"print-{id}\""))
            .nth(1)
            .unwrap();
        after(row, "name=\"sheets\" min=\"1\" max=\"")
            .unwrap()
            .to_owned()
    };
    let (n_sheets, a_sheets) = (sheets(&runs[0]), sheets(&runs[1]));
    let list_id = list_path.rsplit('/').next().unwrap().to_owned();
    let out = v
        .post_form(
            &format!("{base}/prints/{}/out", runs[0]),
            &[
                ("list", &list_id),
                ("visitor", "訪問 太郎"),
                ("sheets", &n_sheets),
            ],
        )
        .await;
    assert!(out.location().unwrap().contains("notice="));
    let refused = v
        .post_form(
            &format!("{base}/prints/{}/out", runs[1]),
            &[
                ("list", &list_id),
                ("visitor", "訪問 太郎"),
                ("sheets", &a_sheets),
            ],
        )
        .await;
    assert!(refused.location().unwrap().contains("error="));
    v.post_form(
        &format!("{base}/prints/{}/out", runs[1]),
        &[
            ("list", &list_id),
            ("visitor", "訪問 花子"),
            ("sheets", &a_sheets),
        ],
    )
    .await;
    let page = v.get(&list_path).await;
    assert_eq!(page.body.matches("持出し中").count(), 2);
    let handout = after(&page.body, "/handouts/").unwrap();
    let handout = handout.split('/').next().unwrap().to_owned();
    let back = v
        .post_form(
            &format!("{base}/handouts/{handout}/in"),
            &[("list", &list_id), ("sheets", &n_sheets), ("note", "")],
        )
        .await;
    assert!(back.location().unwrap().contains("notice="));

    // Outcome by code, as the visitor with the name half types it.
    let code = code_set.iter().next().unwrap().clone();
    let form = v
        .get(&format!("{base}/record?code={}", code.to_lowercase()))
        .await;
    assert!(form.body.contains(&format!("id=\"target-code\">{code}<")));
    let saved = v
        .post_form(
            &format!("{base}/record"),
            &[
                ("code", &code),
                ("outcome", "intends"),
                ("reason", "isogashii"),
            ],
        )
        .await;
    assert!(
        saved.location().unwrap().contains("notice="),
        "{:?}",
        saved.location()
    );
    let form = v.get(&format!("{base}/record?code={code}")).await;
    assert!(form.body.contains("受診意向あり") && form.body.contains("忙しい"));

    // The 責任者: nothing before 17:15 JST, the alarm after.
    let mut boss = s.signed_in("mirai-sekinin").await;
    let home = boss.get("/dashboard").await;
    assert!(!home.body.contains("id=\"visit-alarms\""));
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 22, 8, 16, 0).unwrap());
    // Seven hours later the session has gone idle: sign in again.
    let mut boss = s.signed_in("mirai-sekinin").await;
    let home = boss.get("/dashboard").await;
    assert!(home.body.contains("id=\"visit-alarms\""), "{}", home.body);
    assert!(home.body.contains("訪問 花子"));
    assert!(!home.body.contains("訪問 太郎"), "returned in time");

    // A phone handler's purpose has no addresses: printing is refused.
    let mut denwa = s.signed_in("mirai-denwa").await;
    let r = denwa
        .post_form(
            &format!(
                "/c/{}/denwa_kansho/visits/{list_id}/print/address",
                s.contract_id
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}
