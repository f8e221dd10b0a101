//! The web layer over a real server on both backends: cookies, fixation,
//! CSRF, headers, the IDOR matrix and purpose filters on every personal-data
//! endpoint, step-up, OpenAPI drift.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_testkit::{Backend, TestServer, PASSWORD};
use std::collections::BTreeSet;

const PEOPLE: u64 = 40;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(
    session_cookie_flags,
    sign_in_replaces_any_presented_session,
    csrf_is_required_for_every_state_change,
    security_headers_everywhere,
    idor_matrix_foreign_equals_missing,
    purpose_item_filter_on_every_response,
    unauthenticated_requests,
    sign_in_returns_to_the_page_asked_for,
    exports_need_step_up,
    cancelling_a_contract_signs_its_people_out,
    openapi_document_has_not_drifted,
    per_user_access_report_counts_what_each_user_touched,
);

async fn per_user_access_report_counts_what_each_user_touched(s: TestServer) {
    let mut h = s.signed_in("mirai-denwa").await;
    let base = format!("/c/{}/denwa_kansho/persons", s.contract_id);
    h.get(&base).await;
    h.get(&format!("{base}/{}", 41 + 3)).await;
    let denied = h
        .get(&format!("/c/{}/koka_bunseki/persons", s.contract_id))
        .await;
    assert_eq!(denied.status, 403);
    let mut k = s.signed_in("kansa").await;
    let page = k
        .get("/audit/report?from=2026-11-01&until=2026-11-30")
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let row = page
        .body
        .lines()
        .find(|l| l.contains("電話 桜子"))
        .expect("the handler has a row");
    // list (1) + one detail read: 2 reads, 40 distinct records, 1 denial, 1 sign-in.
    let nums: Vec<&str> = row
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(nums[0], "2", "{row}");
    assert_eq!(nums[7], "40", "{row}");
    assert!(row.contains("<span class=\"bad\">1</span>"), "{row}");
    let outside = k.get("/audit/report?from=2026-12-01").await;
    assert!(!outside.body.contains("電話 桜子"));
}

async fn session_cookie_flags(s: TestServer) {
    let mut c = s.client();
    let r = c.sign_in("hokenshi", PASSWORD, &s.totp("hokenshi")).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = c
        .set_cookies
        .iter()
        .find(|h| h.starts_with("__Host-itaku_session="))
        .unwrap();
    for flag in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    let pre = c
        .set_cookies
        .iter()
        .find(|h| h.starts_with("__Host-itaku_pre="))
        .unwrap();
    assert!(pre.contains("Secure") && pre.contains("HttpOnly") && pre.contains("SameSite=Strict"));
}

async fn sign_in_replaces_any_presented_session(s: TestServer) {
    // An attacker plants a session id before the victim signs in.
    let mut c = s.client();
    c.cookies
        .insert("__Host-itaku_session".into(), "attacker-chosen".into());
    c.sign_in("kansa", PASSWORD, &s.totp("kansa")).await;
    let first = c.cookies["__Host-itaku_session"].clone();
    assert_ne!(first, "attacker-chosen");
    assert_eq!(c.get("/dashboard").await.status, 200);
    // Signing in again while holding a live session gives a new id and ends the old one.
    c.sign_in("kansa", PASSWORD, &s.totp("kansa")).await;
    let second = c.cookies["__Host-itaku_session"].clone();
    assert_ne!(first, second);
    let mut old = s.client();
    old.cookies.insert("__Host-itaku_session".into(), first);
    assert_eq!(
        old.get("/dashboard").await.location(),
        Some("/signin"),
        "the replaced session is dead"
    );
}

async fn csrf_is_required_for_every_state_change(s: TestServer) {
    // Sign-in without the pre-session token.
    let mut c = s.client();
    let r = c
        .post_form(
            "/signin",
            &[
                ("login", "ward-admin"),
                ("password", PASSWORD),
                ("totp", &s.totp("ward-admin")),
                ("_csrf", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(!c.cookies.contains_key("__Host-itaku_session"));

    let mut admin = s.signed_in("ward-admin").await;
    for path in [
        "/signout",
        &*format!("/admin/contracts/{}/cancel", s.contract_id),
    ] {
        let none = admin.post_form(path, &[("_csrf", "")]).await;
        assert_eq!(none.status, 403, "{path} without token");
        let wrong = admin.post_form(path, &[("_csrf", "forged-token")]).await;
        assert_eq!(wrong.status, 403, "{path} with a forged token");
    }
    // Nothing happened: still signed in, contract still active.
    let page = admin.get("/admin").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("契約中"));
    // The htmx/API header works in place of the form field, and is checked.
    let mut req = admin.post_form("/signout", &[("_csrf", "")]).await;
    assert_eq!(req.status, 403);
    let token = admin.csrf.clone().unwrap();
    req = admin.post_form("/signout", &[("_csrf", &token)]).await;
    assert_eq!(req.status, 303);
    assert_eq!(admin.get("/dashboard").await.location(), Some("/signin"));
}

async fn security_headers_everywhere(s: TestServer) {
    let mut c = s.signed_in("hokenshi").await;
    for path in [
        "/signin",
        "/dashboard",
        "/ward/persons",
        "/assets/itaku.css",
        "/api/health",
        "/api/me",
        "/no-such-page",
    ] {
        let r = c.get(path).await;
        let csp = r
            .header("content-security-policy")
            .unwrap_or_default()
            .to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert!(
            r.header("x-request-id").is_some_and(|v| v.len() == 16),
            "{path}"
        );
    }
    let page = c.get("/ward/persons").await;
    assert_eq!(
        page.header("cache-control"),
        Some("no-store"),
        "personal data is never cached"
    );
    assert!(
        !page.body.contains("<script>") && !page.body.contains(" onclick="),
        "no inline script"
    );
    let nf = c.get("/no-such-page").await;
    assert_eq!(nf.status, 404);
    assert!(nf.body.contains("見つかりません"));
}

/// Every personal-data endpoint, every contractor role, a foreign contract
/// and a missing one: the answers are identical. Ward roles are not foreign
/// to any contract: staff and administrators are refused a contractor's
/// records outright, inspectors may look (監査).
async fn idor_matrix_foreign_equals_missing(s: TestServer) {
    for (login, status) in [("ward-admin", 403), ("hokenshi", 403), ("kansa", 200)] {
        let mut c = s.signed_in(login).await;
        let r = c
            .get(&format!(
                "/api/persons?contract={}&purpose=denwa_kansho",
                s.contract_id
            ))
            .await;
        assert_eq!(r.status, status, "{login}: {}", r.body);
        if status != 200 {
            assert!(r.json()["persons"].is_null(), "no data in a refusal");
        }
    }
    let logins = [
        "mirai-sekinin",
        "mirai-denwa",
        "mirai-bunseki",
        "fureai-homon",
        "tdi-sekinin",
    ];
    let other_contract = s.contract_id + 1; // the call-centre contract of the other contractor
    for login in logins {
        let mut c = s.signed_in(login).await;
        let me = c.get("/api/me").await.json();
        let mine: BTreeSet<i64> = me["contexts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["contract_id"].as_i64().unwrap())
            .collect();
        for (contract, purpose) in [
            (s.contract_id, "denwa_kansho"),
            (other_contract, "toiawase"),
        ] {
            if mine.contains(&contract) {
                continue;
            }
            for id in [1i64, 45, 60] {
                let foreign = c
                    .get(&format!(
                        "/api/persons/{id}?contract={contract}&purpose={purpose}"
                    ))
                    .await;
                let missing = c
                    .get(&format!(
                        "/api/persons/{id}?contract=9999&purpose={purpose}"
                    ))
                    .await;
                assert_eq!(
                    foreign.status, 404,
                    "{login} contract {contract} person {id}: {}",
                    foreign.body
                );
                assert_eq!(
                    (foreign.status, foreign.body.clone()),
                    (missing.status, missing.body.clone()),
                    "{login}"
                );
                let page = c
                    .get(&format!("/c/{contract}/{purpose}/persons/{id}"))
                    .await;
                let page_missing = c.get(&format!("/c/9999/{purpose}/persons/{id}")).await;
                assert_eq!(page.status, 404);
                assert_eq!(
                    strip_request_id(&page.body),
                    strip_request_id(&page_missing.body),
                    "{login}"
                );
            }
            let list = c
                .get(&format!(
                    "/api/persons?contract={contract}&purpose={purpose}"
                ))
                .await;
            let list_missing = c
                .get(&format!("/api/persons?contract=9999&purpose={purpose}"))
                .await;
            assert_eq!(list.status, 404, "{login}");
            assert_eq!(list.body, list_missing.body);
        }
    }
    // Within the contract, a ward-vault id answers like a missing one too.
    let mut h = s.signed_in("mirai-denwa").await;
    let mine = h
        .get(&format!(
            "/api/persons?contract={}&purpose=denwa_kansho&limit=500",
            s.contract_id
        ))
        .await
        .json();
    let ids: BTreeSet<i64> = mine["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let ward_id = (1..).find(|i| !ids.contains(i)).unwrap();
    let a = h
        .get(&format!(
            "/api/persons/{ward_id}?contract={}&purpose=denwa_kansho",
            s.contract_id
        ))
        .await;
    let b = h
        .get(&format!(
            "/api/persons/99999999?contract={}&purpose=denwa_kansho",
            s.contract_id
        ))
        .await;
    assert_eq!((a.status, a.body), (b.status, b.body));
}

fn strip_request_id(body: &str) -> String {
    match body.find("要求ID") {
        Some(i) => body[..i].to_owned(),
        None => body.to_owned(),
    }
}

async fn purpose_item_filter_on_every_response(s: TestServer) {
    let cases = [
        (
            "mirai-denwa",
            "denwa_kansho",
            vec![
                "shimei",
                "kana_shimei",
                "denwa_bango",
                "seinengappi",
                "seibetsu",
            ],
        ),
        (
            "mirai-bunseki",
            "koka_bunseki",
            vec!["kenshin_kekka", "jushinken_no", "seinengappi", "seibetsu"],
        ),
        (
            "fureai-homon",
            "homon_kansho",
            vec![
                "shimei",
                "seinengappi",
                "seibetsu",
                "jusho",
                "katagaki",
                "kansho_kekka",
            ],
        ),
        (
            "mirai-sekinin",
            "tsuchi_kansho",
            vec![
                "shimei",
                "kana_shimei",
                "yubin_bango",
                "jusho",
                "katagaki",
                "jushinken_no",
                "seinengappi",
                "seibetsu",
                "jushin_rireki",
            ],
        ),
    ];
    for (login, purpose, allowed) in cases {
        let allowed: BTreeSet<&str> = allowed.into_iter().collect();
        let mut c = s.signed_in(login).await;
        let base = format!("/api/persons?contract={}&purpose={purpose}", s.contract_id);
        let list = c.get(&format!("{base}&limit=500")).await.json();
        let persons = list["persons"].as_array().unwrap().clone();
        assert_eq!(persons.len(), PEOPLE as usize, "{login}");
        let keys = |p: &serde_json::Value| {
            p["values"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        for p in &persons {
            assert!(
                keys(p).iter().all(|k| allowed.contains(k.as_str())),
                "{login}: {:?}",
                keys(p)
            );
        }
        let one = c
            .get(&format!(
                "/api/persons/{}?contract={}&purpose={purpose}",
                persons[0]["id"], s.contract_id
            ))
            .await
            .json();
        assert!(keys(&one).iter().all(|k| allowed.contains(k.as_str())));
        if let Some(name) = persons[0]["values"]["shimei"].as_str() {
            let q: String = name.chars().take(2).collect();
            let hits = c.get(&format!("{base}&q={}", url_encode(&q))).await.json();
            let hits = hits["persons"].as_array().unwrap();
            assert!(!hits.is_empty(), "{login} search {q}");
            assert!(hits
                .iter()
                .all(|h| keys(h).iter().all(|k| allowed.contains(k.as_str()))));
        }
        // The HTML table shows the same columns only.
        let page = c
            .get(&format!("/c/{}/{purpose}/persons", s.contract_id))
            .await;
        assert_eq!(page.status, 200);
        for hidden in ["受診券整理番号", "電話番号", "住所", "健診結果"] {
            let item_code = match hidden {
                "受診券整理番号" => "jushinken_no",
                "電話番号" => "denwa_bango",
                "住所" => "jusho",
                _ => "kenshin_kekka",
            };
            if !allowed.contains(item_code) {
                assert!(
                    !page.body.contains(&format!("<th>{hidden}</th>")),
                    "{login} sees column {hidden}"
                );
            }
        }
    }
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A page opened without a session (a scanned QR code, a bookmark) is
/// where the sign-in goes back to; never somewhere off the server.
async fn sign_in_returns_to_the_page_asked_for(s: TestServer) {
    let mut c = s.client();
    let r = c.get("/complaints?c=1").await;
    let to = r.location().unwrap().to_owned();
    assert_eq!(to, "/signin?next=%2Fcomplaints%3Fc%3D1");
    let page = c.get(&to).await;
    assert!(page
        .body
        .contains("name=\"next\" value=\"/complaints?c=1\""));
    let r = c
        .post_form(
            "/signin",
            &[
                ("login", "wh-uketsuke"),
                ("password", PASSWORD),
                ("totp", &s.totp("wh-uketsuke")),
                ("next", "/complaints?c=1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/complaints?c=1"));
    // Another address is never followed.
    for evil in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let mut c = s.client();
        c.get("/signin").await;
        let r = c
            .post_form(
                "/signin",
                &[
                    ("login", "hokenshi"),
                    ("password", PASSWORD),
                    ("totp", &s.totp("hokenshi")),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(r.location(), Some("/dashboard"), "{evil}");
    }
}

async fn unauthenticated_requests(s: TestServer) {
    let mut c = s.client();
    assert_eq!(c.get("/dashboard").await.location(), Some("/signin"));
    // Any other page: back to it after signing in.
    assert_eq!(
        c.get("/ward/persons/1?x=1").await.location(),
        Some("/signin?next=%2Fward%2Fpersons%2F1%3Fx%3D1")
    );
    let api = c.get("/api/persons").await;
    assert_eq!(api.status, 401);
    assert_eq!(api.json()["error"], "unauthenticated");
    let health = c.get("/api/health").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    // A bad sign-in answers in Japanese and sets no session.
    let r = c.sign_in("hokenshi", "wrong-password!", "123456").await;
    assert_eq!(r.status, 401);
    assert!(r
        .body
        .contains("ログインID、パスワードまたは確認コードが違います。"));
    assert!(!c.cookies.contains_key("__Host-itaku_session"));
}

async fn exports_need_step_up(s: TestServer) {
    let mut c = s.signed_in("kansa").await;
    let r = c.get("/audit/export.csv?outcome=allow").await;
    assert_eq!(r.status, 303);
    let to = r.location().unwrap().to_owned();
    assert!(to.starts_with("/stepup?next="), "{to}");
    c.get(&to).await;
    let bad = c
        .post_form(
            "/stepup",
            &[
                ("next", "/audit/export.csv?outcome=allow"),
                ("password", "nope-nope-nope"),
                ("totp", "000000"),
            ],
        )
        .await;
    assert_eq!(bad.status, 401);
    let ok = c
        .post_form(
            "/stepup",
            &[
                ("next", "/audit/export.csv?outcome=allow"),
                ("password", PASSWORD),
                ("totp", &s.totp("kansa")),
            ],
        )
        .await;
    assert_eq!(ok.location(), Some("/audit/export.csv?outcome=allow"));
    let csv = c.get("/audit/export.csv?outcome=allow").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(csv.body.starts_with("\u{feff}連番,日時,利用者ID"));
    assert!(csv.body.lines().count() > 10);
    assert!(!csv.body.contains(",deny,"), "filter applied");
    // An open redirect is not possible through next=.
    let mut c2 = s.signed_in("kansa").await;
    c2.get("/stepup?next=https://evil.example/").await;
    let r = c2
        .post_form(
            "/stepup",
            &[
                ("next", "//evil.example/"),
                ("password", PASSWORD),
                ("totp", &s.totp("kansa")),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/dashboard"));
}

async fn cancelling_a_contract_signs_its_people_out(s: TestServer) {
    let mut handler = s.signed_in("mirai-denwa").await;
    let list = format!("/c/{}/denwa_kansho/persons", s.contract_id);
    assert_eq!(handler.get(&list).await.status, 200);
    let mut admin = s.signed_in("ward-admin").await;
    admin.get("/admin").await;
    let r = admin
        .post_form(&format!("/admin/contracts/{}/cancel", s.contract_id), &[])
        .await;
    assert_eq!(r.location(), Some("/admin?done=cancelled"));
    assert!(admin
        .get("/admin?done=cancelled")
        .await
        .body
        .contains("契約解除"));
    assert!(
        handler
            .get(&list)
            .await
            .location()
            .is_some_and(|l| l.starts_with("/signin?next=")),
        "session ended at once"
    );
    let mut again = s.signed_in("mirai-denwa").await;
    let page = again.get(&list).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("契約期間外または契約解除"));
}

async fn openapi_document_has_not_drifted(s: TestServer) {
    let mut c = s.client();
    let served = c.get("/api/openapi.json").await;
    assert_eq!(served.status, 200);
    let served: serde_json::Value = served.json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/openapi.json");
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var("ITAKU_UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &pretty).unwrap();
    }
    let committed = std::fs::read_to_string(path)
        .expect("crates/web/openapi.json (ITAKU_UPDATE_OPENAPI=1 writes it)");
    assert_eq!(
        committed, pretty,
        "the API changed: review and run with ITAKU_UPDATE_OPENAPI=1"
    );
    for p in [
        "/api/persons",
        "/api/persons/{id}",
        "/api/audit",
        "/api/me",
        "/api/health",
    ] {
        assert!(served["paths"].get(p).is_some(), "{p} documented");
    }
}
