//! Erasing a contract's vault through the administrator's pages, over a real
//! server on both backends: the contract's name typed to confirm, a fresh
//! step-up (through /stepup and back to the filled-in form), the refusal
//! while a campaign is open unless a reason is given, then the certificate
//! page with its check, and the signed JSON (verified) and the PDF (read
//! back) downloaded. Nobody but the ward administrator reaches any of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_service::{Actor, AuditQuery, SignedCertificate};
use itaku_testkit::{Backend, Client, Reply, TestServer, PASSWORD};

const PEOPLE: u64 = 40;
const DENIED: &str = "この操作を行う権限がありません。";

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(
    erasing_through_the_form_gives_a_certificate_that_verifies,
    erasing_needs_a_fresh_step_up,
    only_the_ward_administrator_may_erase,
);

fn sys() -> Actor {
    Actor::system("erasure pages test")
}

async fn contract_name(s: &TestServer, id: i64) -> String {
    s.svc
        .contracts(&sys())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == id)
        .unwrap()
        .name
}

/// The other demo contract (the call desk's), which also has a campaign open.
async fn other_contract(s: &TestServer) -> i64 {
    s.svc
        .contracts(&sys())
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id != s.contract_id)
        .unwrap()
        .id
}

fn erase_path(contract: i64) -> String {
    format!("/admin/contracts/{contract}/erase")
}

fn expect_redirect(r: &Reply, to: &str) {
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), Some(to), "{}", r.body);
}

/// The `next` a redirect to /stepup carries.
fn stepup_next(r: &Reply) -> String {
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.location().unwrap();
    assert!(to.starts_with("/stepup?next="), "{to}");
    url::form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// Password and code again, through the real step-up form.
async fn step_up(s: &TestServer, c: &mut Client, next: &str) {
    let q: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    assert_eq!(c.get(&format!("/stepup?next={q}")).await.status, 200);
    let r = c
        .post_form(
            "/stepup",
            &[
                ("next", next),
                ("password", PASSWORD),
                ("totp", &s.totp("ward-admin")),
            ],
        )
        .await;
    expect_redirect(&r, next);
}

/// The `<tr id="…">` row of a page, up to its end.
fn row<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("<tr id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row #{id}: {body}"));
    let end = body[start..].find("</tr>").unwrap() + start;
    &body[start..end]
}

/// A download as the browser gets it: status, headers and the raw bytes.
async fn download(
    s: &TestServer,
    c: &Client,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let cookie = c
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", s.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

async fn denials(s: &TestServer, reason: &str) -> usize {
    s.svc
        .audit_search(
            &sys(),
            &AuditQuery {
                outcome: Some("deny".into()),
                action: Some("erase".into()),
                limit: 5000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .iter()
        .filter(|e| e.reason == reason)
        .count()
}

async fn erasure_count(s: &TestServer) -> usize {
    s.svc.erasures(&sys()).await.unwrap().len()
}

async fn erasing_through_the_form_gives_a_certificate_that_verifies(s: TestServer) {
    let cid = s.contract_id;
    let name = contract_name(&s, cid).await;
    let form_path = erase_path(cid);
    let mut admin = s.signed_in("ward-admin").await;

    let contract = admin.get(&format!("/admin/contracts/{cid}")).await;
    assert_eq!(contract.status, 200);
    assert!(contract.body.contains(&format!(
        "href=\"{form_path}\" id=\"erase-link\">契約の金庫を消去</a>"
    )));
    assert!(
        contract.body.contains("href=\"/admin/erasures\""),
        "menu entry"
    );
    let form = admin.get(&form_path).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("id=\"erase-form\""), "{}", form.body);
    assert!(form
        .body
        .contains(&format!("契約名「{name}」を入力してください")));
    step_up(&s, &mut admin, &form_path).await;

    // Not the contract's name: said on the same page, the input kept.
    let r = admin
        .post_form(&form_path, &[("confirm", "別の契約"), ("waiver", "")])
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains(&format!(
        "確認のため、契約名「{name}」をそのまま入力してください"
    )));
    assert!(r.body.contains("value=\"別の契約\""));

    // A campaign is still open and no reason is given: the service refuses.
    let r = admin
        .post_form(&form_path, &[("confirm", &name), ("waiver", "  ")])
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.body.contains("id=\"form-error\">この契約には終了していない勧奨が 1 件あります。返還を終えて勧奨を終了させるか、返還を待たずに消去する理由を添えてください"),
        "{}",
        r.body
    );
    assert!(r.body.contains(&format!("value=\"{name}\"")), "name kept");
    assert_eq!(erasure_count(&s).await, 0);
    assert_eq!(denials(&s, "campaigns_open").await, 1, "refusal audited");
    let status = |s: &TestServer| {
        let svc = s.svc.clone();
        async move {
            svc.contracts(&sys())
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.id == cid)
                .unwrap()
                .status
        }
    };
    assert_eq!(status(&s).await, "active");

    // With the reason, typed in full width: erased, and on to the certificate.
    let waiver = "返還物は書面で確認済み。勧奨の終了処理を待たずに消去する";
    let typed = name.replace('8', "８").replace(' ', "　");
    let r = admin
        .post_form(&form_path, &[("confirm", &typed), ("waiver", waiver)])
        .await;
    let here = format!("/admin/erasures/{cid}");
    expect_redirect(&r, &format!("{here}?done=erased"));
    assert_eq!(status(&s).await, "closed");
    let stored = s.svc.erasure_certificate(&sys(), cid).await.unwrap();
    let c = &stored.certificate;
    assert_eq!(c.waiver.as_deref(), Some(waiver));
    assert_eq!(c.open_campaigns, 1);
    assert!(c.deleted.persons > 0);

    let page = admin.get(&format!("{here}?done=erased")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .body
        .contains(&format!("消去証明書 第 {} 号", c.erasure_id)));
    assert!(page
        .body
        .contains("契約の金庫を消去し、消去証明書を発行しました。"));
    assert!(page.body.contains(&format!(
        "id=\"check-result\">この消去証明書は正しく、契約 {cid} の金庫の鍵は破棄され、記録は残っていません。"
    )));
    for id in ["signature", "key", "rows", "audit"] {
        let tr = row(&page.body, &format!("check-{id}"));
        assert!(tr.contains("確認できました"), "{tr}");
    }
    assert!(!page.body.contains("問題があります"));
    assert!(!page.body.contains("id=\"problems\""));
    assert!(row(&page.body, "check-audit")
        .contains(&format!("連番 {} までの監査ログ", c.audit_checkpoint.seq)));
    // The certificate's own lines, in Japanese.
    for want in [
        &format!("委託契約: {name}（契約番号 {cid}）"),
        &format!("理由: {waiver}"),
        &format!("個人の記録: {} 件", c.deleted.persons),
        &c.keys_destroyed[0].key_id,
    ] {
        assert!(page.body.contains(want.as_str()), "{want}");
    }
    assert!(page
        .body
        .contains(&format!("href=\"{here}/certificate.json\" download")));

    // The list.
    let list = admin.get("/admin/erasures").await;
    assert_eq!(list.status, 200);
    let tr = row(&list.body, &format!("erasure-{cid}"));
    for want in [
        name.as_str(),
        "完了（証明書発行済み）",
        waiver,
        "管理 一郎",
        &format!("{}件", c.recorded.persons),
        &format!("href=\"{here}/certificate.pdf\""),
    ] {
        assert!(tr.contains(want), "{want} in {tr}");
    }
    assert!(list
        .body
        .contains("href=\"/admin/erasures\" aria-current=\"page\""));

    // The signed JSON: the stored certificate, and it verifies.
    let (code, headers, bytes) = download(&s, &admin, &format!("{here}/certificate.json")).await;
    assert_eq!(code, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"erasure-certificate-{cid}.json\"").as_str()
    );
    let downloaded = SignedCertificate::from_json(std::str::from_utf8(&bytes).unwrap()).unwrap();
    assert_eq!(downloaded, stored);
    let check = s.svc.verify_certificate(&downloaded).await.unwrap();
    assert!(check.ok(), "{:?}", check.problems);
    assert!(check.signature_ok && check.key_gone && check.rows_remaining == 0);
    let mut forged = downloaded.clone();
    forged.certificate.deleted.persons += 1;
    assert!(
        !s.svc
            .verify_certificate(&forged)
            .await
            .unwrap()
            .signature_ok
    );

    // The PDF: a real one, that reads back with the contract's name.
    let (code, headers, pdf) = download(&s, &admin, &format!("{here}/certificate.pdf")).await;
    assert_eq!(code, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"erasure-certificate-{cid}.pdf\"").as_str()
    );
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);
    for want in [
        "消去証明書",
        name.as_str(),
        "NIST SP 800-88",
        "返還物は書面で確認済み",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }

    // Asking again returns the one certificate; the form is gone.
    let r = admin
        .post_form(&form_path, &[("confirm", &name), ("waiver", "")])
        .await;
    expect_redirect(&r, &format!("{here}?done=erased"));
    assert_eq!(erasure_count(&s).await, 1);
    assert_eq!(
        s.svc.erasure_certificate(&sys(), cid).await.unwrap(),
        stored
    );
    let form = admin.get(&form_path).await;
    assert!(form.body.contains("id=\"erased\""), "{}", form.body);
    assert!(form.body.contains(&format!("href=\"{here}\"")));
    assert!(!form.body.contains("id=\"erase-form\""));
}

async fn erasing_needs_a_fresh_step_up(s: TestServer) {
    let cid = s.contract_id;
    let name = contract_name(&s, cid).await;
    let form_path = erase_path(cid);
    let waiver = "勧奨の終了処理は後日";
    let mut admin = s.signed_in("ward-admin").await;
    assert_eq!(admin.get(&form_path).await.status, 200);

    // Signed in a moment ago is not enough: to /stepup, the form's fields kept.
    let r = admin
        .post_form(&form_path, &[("confirm", &name), ("waiver", waiver)])
        .await;
    let next = stepup_next(&r);
    let (path, query) = next.split_once('?').unwrap();
    assert_eq!(path, form_path);
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(
        kept,
        [
            ("confirm".to_owned(), name.clone()),
            ("waiver".to_owned(), waiver.to_owned())
        ]
    );
    assert_eq!(erasure_count(&s).await, 0);
    assert_eq!(denials(&s, "step_up_required").await, 1, "refusal audited");

    // A wrong code keeps the administrator on the step-up page.
    let stepup = admin.get(r.location().unwrap()).await;
    assert_eq!(stepup.status, 200);
    let bad = admin
        .post_form(
            "/stepup",
            &[("next", &next), ("password", PASSWORD), ("totp", "000000")],
        )
        .await;
    assert_eq!(bad.status, 401);
    assert_eq!(erasure_count(&s).await, 0);

    step_up(&s, &mut admin, &next).await;
    let back = admin.get(&next).await;
    assert_eq!(back.status, 200);
    assert!(
        back.body.contains("id=\"notice\">本人確認が済みました"),
        "{}",
        back.body
    );
    assert!(back
        .body
        .contains(&format!("name=\"confirm\" value=\"{name}\"")));
    assert!(back
        .body
        .contains(&format!("name=\"waiver\" value=\"{waiver}\"")));
    let r = admin
        .post_form(&form_path, &[("confirm", &name), ("waiver", waiver)])
        .await;
    expect_redirect(&r, &format!("/admin/erasures/{cid}?done=erased"));
    assert_eq!(erasure_count(&s).await, 1);

    // The step-up is good for five minutes only.
    s.clock.advance(chrono::Duration::minutes(6));
    let other = other_contract(&s).await;
    let other_name = contract_name(&s, other).await;
    let r = admin
        .post_form(
            &erase_path(other),
            &[("confirm", &other_name), ("waiver", waiver)],
        )
        .await;
    assert!(stepup_next(&r).starts_with(&erase_path(other)));
    assert_eq!(erasure_count(&s).await, 1);
}

async fn only_the_ward_administrator_may_erase(s: TestServer) {
    let cid = s.contract_id;
    let name = contract_name(&s, cid).await;
    let form_path = erase_path(cid);
    let here = format!("/admin/erasures/{cid}");
    let others = ["hokenshi", "kansa", "mirai-sekinin", "mirai-denwa"];
    for login in others {
        let mut c = s.signed_in(login).await;
        for page in ["/admin/erasures", form_path.as_str()] {
            let r = c.get(page).await;
            assert_eq!(r.status, 403, "{login} GET {page}");
            assert!(r.body.contains(DENIED), "{login} {page}: {}", r.body);
            assert!(!r.body.contains("id=\"erase-form\""));
        }
        let r = c
            .post_form(&form_path, &[("confirm", &name), ("waiver", "理由")])
            .await;
        assert_eq!(r.status, 403, "{login} POST: {}", r.body);
        assert!(r.body.contains(DENIED), "{login} POST: {}", r.body);
    }
    assert_eq!(erasure_count(&s).await, 0);
    assert_eq!(
        denials(&s, "role_not_permitted").await,
        1,
        "the inspector reached the erasure itself, and was refused there"
    );

    // Once there is a certificate, none of them can see or download it.
    let mut admin = Actor::user(
        itaku_core::UserId(s.svc.user_id_by_login("ward-admin").await.unwrap().unwrap()),
        None,
        "t",
    );
    admin.stepped_up = true;
    let cert = s
        .svc
        .erase_contract(&admin, cid, Some("試験のため"))
        .await
        .unwrap();
    let key_id = &cert.certificate.keys_destroyed[0].key_id;
    for login in others {
        let mut c = s.signed_in(login).await;
        for page in [
            here.clone(),
            format!("{here}/certificate.json"),
            format!("{here}/certificate.pdf"),
            "/admin/erasures".to_owned(),
        ] {
            let r = c.get(&page).await;
            assert_eq!(r.status, 403, "{login} GET {page}");
            assert!(r.body.contains(DENIED), "{login} {page}: {}", r.body);
            assert!(!r.body.contains(key_id.as_str()));
        }
    }
    // Without signing in: to the sign-in page.
    let mut anon = s.client();
    for page in [here.clone(), format!("{here}/certificate.json")] {
        let next: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
        expect_redirect(&anon.get(&page).await, &format!("/signin?next={next}"));
    }
}
