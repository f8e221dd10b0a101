//! Seminars in a real Chromium, on both backends (issue 9's "done when"
//! for events): a resident registers on the public page in a phone-sized
//! window (the page fits 375px without sideways scrolling, the 利用目的
//! notice is shown, the bot check's work is done by the page's script);
//! reception staff on a phone open the registrant's QR code — decoded
//! from the page's SVG, not trusted — check them in, undo it, find them by
//! name and check them in again while the live counts follow; the 責任者
//! closes reception, the scheduled job (the runner's call, with the clock
//! moved) returns the participants to the ward and erases the
//! contractor's copy, and the page shows the signed certificate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::{ContractId, UserId};
use itaku_service::seminars::{demo, CheckinMethod, PURPOSE_UKETSUKE};
use itaku_service::Actor;
use itaku_testkit::browser::*;
use itaku_testkit::browser_tests as both;

both!(resident_registers_and_staff_check_in_then_data_is_returned);

const NAME: &str = "ブラウザ 花子";

async fn seminar_contract(b: &Browser) -> i64 {
    let svc = &b.server.svc;
    let admin = Actor::user(
        UserId(svc.user_id_by_login("ward-admin").await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    );
    svc.contracts(&admin)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == demo::DEMO_CONTRACT_NAME)
        .unwrap()
        .id
}

/// Read the QR code from the page: the SVG's module rects drawn into a
/// greyscale bitmap, then decoded by rqrr.
async fn decode_qr(b: &Browser) -> String {
    let svg = b
        .js(
            "return document.getElementById('checkin-qr').outerHTML;",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let view = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
    let size: usize = view.split(' ').next().unwrap().parse().unwrap();
    let scale = 6;
    let px = size * scale;
    let mut dark = vec![false; size * size];
    for rect in svg.split("<rect ").skip(1) {
        if !rect.contains("fill=\"#000\"") {
            continue;
        }
        let attr = |n: &str| -> usize {
            let v = rect.split(&format!("{n}=\"")).nth(1).unwrap();
            v.split('"').next().unwrap().parse().unwrap()
        };
        dark[attr("y") * size + attr("x")] = true;
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
        if dark[(y / scale) * size + x / scale] {
            0
        } else {
            255
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().unwrap().1
}

async fn count_in(b: &Browser) -> String {
    b.text("#count-in").await
}

async fn resident_registers_and_staff_check_in_then_data_is_returned(b: Browser) {
    let c = seminar_contract(&b).await;
    let public = format!("/e/{}", demo::DEMO_SEMINAR_SLUG);

    // The resident, on a phone.
    b.phone().await;
    b.open(&public).await;
    b.wait_for_path(&public).await;
    let widths = b
        .js(
            "return [window.innerWidth, document.documentElement.scrollWidth];",
            vec![],
        )
        .await;
    let (inner, scroll) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(inner <= 400, "a phone-sized viewport, got {inner}px");
    assert!(
        scroll <= inner,
        "no sideways scrolling at {inner}px ({scroll}px)"
    );
    let notice = b.text("#purpose-notice").await;
    assert!(notice.contains("利用目的"));
    assert!(notice.contains("氏名"));
    let font: f64 = b
        .js(
            "return parseFloat(getComputedStyle(document.getElementById('name')).fontSize);",
            vec![],
        )
        .await
        .as_f64()
        .unwrap();
    assert!(font >= 20.0, "large type for elderly readers ({font}px)");
    b.fill("#name", NAME).await;
    b.click("#notice-read").await;
    b.click("#register-submit").await;
    b.wait_until("the private page", || async {
        b.path().await.starts_with(&format!("{public}/r/"))
    })
    .await;
    assert_eq!(b.text("#my-name").await, NAME);
    assert!(b.text("#my-status").await.contains("申込済み"));
    let qr_url = decode_qr(&b).await;
    assert!(
        qr_url.starts_with(&format!("{}/c/{c}/seminars/qr/", b.base)),
        "{qr_url}"
    );
    let mut errors = b.console_errors().await;
    // Chromium asks for /favicon.ico on its own; itaku has none.
    errors.retain(|e| !e.contains("favicon.ico"));
    assert!(errors.is_empty(), "{errors:?}");

    // Reception on a phone: scan (open the decoded address), check in.
    b.sign_in("wh-uketsuke").await;
    b.wd.goto(&qr_url).await.unwrap();
    b.wait_until("the scanned registration", || async {
        b.count("#scanned-name").await == 1
    })
    .await;
    assert_eq!(b.text("#scanned-name").await, NAME);
    b.click("#qr-checkin").await;
    b.wait_until("the reception page", || async {
        b.count("#live-counts").await == 1
    })
    .await;
    assert_eq!(count_in(&b).await, "1");
    // A mistake: undo it.
    let undo = b
        .js(
            "return document.querySelector('button.sem-undo').id;",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    b.click(&format!("#{undo}")).await;
    b.wait_until("the undone check-in", || async {
        b.count("#notice").await == 1 && b.text("#notice").await.contains("取り消しました")
    })
    .await;
    assert_eq!(count_in(&b).await, "0");
    // By name, then check in again.
    b.fill("#q", "ブラウザ").await;
    b.click("#name-search button").await;
    b.wait_until("the name search", || async {
        b.path().await.contains("q=")
    })
    .await;
    assert_eq!(b.count("#attendees li").await, 1);
    assert!(b.text("#attendees li").await.contains(NAME));
    b.click("#attendees li button.sem-go").await;
    b.wait_until("the check-in by name", || async {
        b.count("#notice").await == 1 && b.text("#notice").await.contains("受付しました")
    })
    .await;
    assert_eq!(count_in(&b).await, "1");
    // Someone else checks in at another phone: the counts follow.
    let svc = &b.server.svc;
    let uke = Actor::user(
        UserId(svc.user_id_by_login("wh-uketsuke").await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    )
    .in_contract(ContractId(c), Some(PURPOSE_UKETSUKE.into()));
    let ev = svc.public_event(demo::DEMO_SEMINAR_SLUG).await.unwrap();
    let session = ev.sessions[0].id;
    let other = svc
        .search_attendees(&uke, ev.id, session, "山田")
        .await
        .unwrap();
    svc.check_in(&uke, other[0].registration_id, CheckinMethod::Name)
        .await
        .unwrap();
    b.wait_until("the live count to reach 2", || async {
        count_in(&b).await == "2"
    })
    .await;
    b.sign_out().await;

    // The 責任者 closes reception; the scheduled job returns and erases.
    b.desktop().await;
    b.sign_in("wh-sekinin").await;
    b.open(&format!("/c/{c}/seminars/{}", ev.id)).await;
    b.click("#close-reception").await;
    b.wait_until("the closed reception", || async {
        b.count("#notice").await == 1
    })
    .await;
    assert!(b.text("#closed-note").await.contains("定期処理"));
    b.server.clock.advance(chrono::Duration::minutes(10));
    let report = svc.run_due_jobs("browser-test").await.unwrap();
    assert!(!report.done.is_empty(), "{:?}", report.errors);
    b.open(&format!("/c/{c}/seminars/{}", ev.id)).await;
    b.wait_until("the certificate", || async {
        b.count("#returned").await == 1
    })
    .await;
    assert!(
        b.text("#cert-deleted").await.starts_with("4 件"),
        "the demo's three and the resident"
    );
    assert!(b.text("#cert-signature").await.contains("検証済み"));
    assert!(b.text("#cert-method").await.contains("暗号学的消去"));
    // The ward has the list; the contractor's side no longer opens it.
    let ward = Actor::user(
        UserId(svc.user_id_by_login("yotsuya").await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    );
    let back = svc.returned_participants(&ward, ev.id).await.unwrap();
    assert!(back.iter().any(|p| p.name == NAME && p.checked_in));
    assert!(svc.checkin_list(&uke, ev.id, session).await.is_err());
}
