//! Encrypted packages through the web pages between two servers with two
//! data directories, on both backends: the ward's staff download a
//! provision package, the contractor's 責任者 uploads it (a modified byte,
//! a truncated file and a wrong recipient are refused first, with nothing
//! imported), downloads the receipt, and the ward uploads that receipt;
//! both ledgers show the package lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_service::Actor;
use itaku_testkit::{Backend, Client, TestServer, PASSWORD};

const REF: &str = "R8-健-WEB";

fn cookie(c: &Client) -> String {
    c.cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// POST a file the way a browser's form does; status, location, body.
async fn upload(
    s: &TestServer,
    c: &Client,
    path: &str,
    contract: i64,
    bytes: &[u8],
) -> (u16, String, Vec<u8>) {
    let boundary = "----itakuPackageBoundary7MA4YWxkTrZu0gW";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in [
        ("_csrf", c.csrf.clone().unwrap()),
        ("contract", contract.to_string()),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"package.age\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}", s.base))
        .header("cookie", cookie(c))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let loc = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, loc, res.bytes().await.unwrap().to_vec())
}

async fn get_bytes(s: &TestServer, c: &Client, path: &str) -> (u16, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", s.base))
        .header("cookie", cookie(c))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

async fn stepped_up(s: &TestServer, login: &str, next: &str) -> Client {
    let mut c = s.signed_in(login).await;
    let q: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    assert_eq!(c.get(&format!("/stepup?next={q}")).await.status, 200);
    let r = c
        .post_form(
            "/stepup",
            &[
                ("next", next),
                ("password", PASSWORD),
                ("totp", &s.totp(login)),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    c.get(next).await;
    c
}

async fn round_trip(backend: Backend) {
    let Some(ward) = TestServer::start(backend, 15).await else {
        return;
    };
    let Some(contractor) = TestServer::start(backend, 15).await else {
        return;
    };
    let Some(stranger) = TestServer::start(backend, 5).await else {
        return;
    };
    let sys = Actor::system("試験の準備");
    let a = ward
        .svc
        .exchange_keygen(&sys, "新宿区 健康部")
        .await
        .unwrap();
    let b = contractor
        .svc
        .exchange_keygen(&sys, "株式会社みらい健康サポート")
        .await
        .unwrap();
    stranger
        .svc
        .exchange_keygen(&sys, "別の受託者")
        .await
        .unwrap();
    ward.svc
        .register_partner(&sys, &b.to_toml(), "電話で読み合わせ")
        .await
        .unwrap();
    contractor
        .svc
        .register_partner(&sys, &a.to_toml(), "電話で読み合わせ")
        .await
        .unwrap();
    stranger
        .svc
        .register_partner(&sys, &a.to_toml(), "電話で読み合わせ")
        .await
        .unwrap();
    ward.svc
        .bind_contract_exchange(&sys, ward.contract_id, REF, &b.fingerprint().to_string())
        .await
        .unwrap();
    contractor
        .svc
        .bind_contract_exchange(
            &sys,
            contractor.contract_id,
            REF,
            &a.fingerprint().to_string(),
        )
        .await
        .unwrap();
    stranger
        .svc
        .bind_contract_exchange(
            &sys,
            stranger.contract_id,
            REF,
            &a.fingerprint().to_string(),
        )
        .await
        .unwrap();

    // The ward's export page offers packages; sending needs a step-up.
    let mut staff = ward.signed_in("hokenshi").await;
    assert!(staff
        .get("/ward/export")
        .await
        .body
        .contains("package-link"));
    let page = staff
        .get(&format!("/exchange?contract={}", ward.contract_id))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let list_id = page
        .body
        .split("<select name=\"list\" id=\"send-list\"><option value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_owned();
    let r = staff
        .post_form(
            "/exchange/send",
            &[
                ("contract", &ward.contract_id.to_string()),
                ("list", &list_id),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "step-up first: {}", r.body);
    let next = format!("/exchange?contract={}", ward.contract_id);
    let staff = stepped_up(&ward, "hokenshi", &next).await;
    let form = [
        ("_csrf", staff.csrf.clone().unwrap()),
        ("contract", ward.contract_id.to_string()),
        ("list", list_id.clone()),
    ];
    let res = reqwest::Client::new()
        .post(format!("{}/exchange/send", ward.base))
        .header("cookie", cookie(&staff))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .contains(".age"));
    let package = res.bytes().await.unwrap().to_vec();
    assert!(package.len() > 100);
    let ledger = ward.svc.ledger(&sys, ward.contract_id).await.unwrap();
    let sent = ledger.lines.last().unwrap().clone();
    assert!(sent.awaiting_receipt());

    // The contractor's 責任者 uploads it. Broken copies first.
    let mut sekinin = contractor.signed_in("mirai-sekinin").await;
    let held = contractor
        .svc
        .ledger(&sys, contractor.contract_id)
        .await
        .unwrap()
        .held;
    let page = sekinin
        .get(&format!("/exchange?contract={}", contractor.contract_id))
        .await;
    if page.status != 200 {
        let denies: Vec<String> = contractor
            .svc
            .audit_search(
                &sys,
                &itaku_service::AuditQuery {
                    limit: 5000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.outcome == "deny")
            .map(|e| format!("{} {} {} {}", e.actor, e.action, e.target, e.reason))
            .collect();
        panic!("{} {denies:?}", page.status);
    }
    let mut flipped = package.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    let truncated = &package[..package.len() - 40];
    for (what, bytes) in [("modified", &flipped[..]), ("truncated", truncated)] {
        let (status, _, body) = upload(
            &contractor,
            &sekinin,
            "/exchange/receive",
            contractor.contract_id,
            bytes,
        )
        .await;
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{what}: {body}");
        assert!(body.contains("何も取り込んでいません"), "{what}: {body}");
    }
    // Encrypted to the contractor, so another installation cannot open it.
    let mut other = stranger.signed_in("mirai-sekinin").await;
    other
        .get(&format!("/exchange?contract={}", stranger.contract_id))
        .await;
    let (status, _, body) = upload(
        &stranger,
        &other,
        "/exchange/receive",
        stranger.contract_id,
        &package,
    )
    .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    assert!(stranger
        .svc
        .ledger(&sys, stranger.contract_id)
        .await
        .unwrap()
        .lines
        .iter()
        .all(|l| l.package_id.is_none()));
    let after_refusals = contractor
        .svc
        .ledger(&sys, contractor.contract_id)
        .await
        .unwrap();
    assert_eq!(after_refusals.held, held, "nothing imported");
    assert!(after_refusals.lines.iter().all(|l| l.package_id.is_none()));

    let (status, to, _) = upload(
        &contractor,
        &sekinin,
        "/exchange/receive",
        contractor.contract_id,
        &package,
    )
    .await;
    assert_eq!(status, 303);
    assert!(to.contains("received="), "{to}");
    let page = sekinin.get(&to).await;
    assert!(page.body.contains("receipt-download"), "{}", page.body);
    let line: i64 = to.rsplit('=').next().unwrap().parse().unwrap();
    let (status, receipt) = get_bytes(
        &contractor,
        &sekinin,
        &format!("/exchange/{}/receipts/{line}", contractor.contract_id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&receipt).contains(&sent.package_id.clone().unwrap()));
    let b_ledger = contractor
        .svc
        .ledger(&sys, contractor.contract_id)
        .await
        .unwrap();
    assert!(b_ledger.held > held);
    assert!(b_ledger
        .lines
        .iter()
        .any(|l| l.package_id == sent.package_id));

    // The ward uploads the receipt: its ledger line closes, and shows so.
    let mut staff = staff;
    staff
        .get(&format!("/exchange?contract={}", ward.contract_id))
        .await;
    let (status, to, body) = upload(
        &ward,
        &staff,
        "/exchange/receipt",
        ward.contract_id,
        &receipt,
    )
    .await;
    if status != 303 {
        let denies: Vec<String> = ward
            .svc
            .audit_search(
                &sys,
                &itaku_service::AuditQuery {
                    limit: 5000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.outcome == "deny")
            .map(|e| format!("{} {} {} {}", e.actor, e.action, e.target, e.reason))
            .collect();
        panic!("{status} {denies:?} {}", String::from_utf8_lossy(&body));
    }
    let page = staff.get(&to).await;
    assert!(page.body.contains("受領済み"), "{}", page.body);
    let closed = ward.svc.ledger(&sys, ward.contract_id).await.unwrap();
    let line = closed.lines.iter().find(|l| l.id == sent.id).unwrap();
    assert!(!line.awaiting_receipt() && line.receipt_at.is_some());
    let page = staff
        .get(&format!("/ward/ledger/{}", ward.contract_id))
        .await;
    assert!(page.body.contains("受領書あり"), "{}", page.body);
    // The same receipt again is refused.
    let (status, _, _) = upload(
        &ward,
        &staff,
        "/exchange/receipt",
        ward.contract_id,
        &receipt,
    )
    .await;
    assert!(status == 422 || status == 409 || status == 400, "{status}");
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn round_trip() {
        super::round_trip(itaku_testkit::Backend::Sqlite).await;
    }
}
mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn round_trip() {
        super::round_trip(itaku_testkit::Backend::Postgres).await;
    }
}
