//! The inquiry desk in a real Chromium, on both backends: the operator
//! finds a caller by kana, kanji, a 和暦 birth date, phone number and
//! voucher number as they type, Enter opens the first hit, and each inquiry
//! type is recorded through its form (and one for a caller not in the
//! list); the 責任者 releases a held note; ward staff see the complaint and
//! the change of address and mark it handled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use itaku_core::{ContractId, Item, UserId};
use itaku_service::{Actor, InquiryKind, InquiryRequest, NewAddress, PersonView};
use itaku_testkit::browser::*;
use itaku_testkit::browser_tests as both;

both!(
    operator_finds_by_every_key_and_records_each_inquiry,
    responsible_releases_a_held_note,
    ward_sees_the_complaint_and_the_change_of_address
);

async fn desk_actor(b: &Browser) -> (Actor, i64) {
    let svc = &b.server.svc;
    let id = svc.user_id_by_login("tdi-uketsuke").await.unwrap().unwrap();
    let c = svc.work_contexts(id).await.unwrap()[0].contract_id;
    (
        Actor::user(UserId(id), Some("127.0.0.1".parse().unwrap()), "t")
            .in_contract(ContractId(c), Some("toiawase".into())),
        c,
    )
}

/// A man aged 40–74 at the fiscal year's end, with every search key.
async fn a_caller(b: &Browser, a: &Actor) -> PersonView {
    let (people, _) = b.server.svc.list_persons(a, 0, 500).await.unwrap();
    people
        .into_iter()
        .find(|p| {
            let born = NaiveDate::parse_from_str(p.get(Item::Seinengappi), "%Y-%m-%d");
            let age = born
                .map(|d| itaku_jp::age_at_fiscal_year_end(d, itaku_jp::FiscalYear::new(2026)))
                .unwrap_or(0);
            p.get(Item::Seibetsu) == "1"
                && age >= 40
                && [
                    Item::Shimei,
                    Item::KanaShimei,
                    Item::DenwaBango,
                    Item::JushinkenNo,
                ]
                .iter()
                .all(|i| !p.get(*i).is_empty())
        })
        .expect("a man of 40 or more in the list")
}

async fn hits_include(b: &Browser, id: i64) {
    let want = format!("/persons/{id}\"");
    let me = b;
    b.wait_until(&format!("the hits to show No.{id}"), move || {
        let want = want.clone();
        async move {
            me.js("return document.querySelector('#hits').innerHTML", vec![])
                .await
                .as_str()
                .is_some_and(|h| h.contains(&want))
        }
    })
    .await;
}

async fn notice(b: &Browser) -> String {
    b.wait_until("a notice", || async { b.count("#notice").await == 1 })
        .await;
    b.text("#notice").await
}

async fn operator_finds_by_every_key_and_records_each_inquiry(b: Browser) {
    let (a, c) = desk_actor(&b).await;
    let p = a_caller(&b, &a).await;
    let base = format!("/c/{c}/toiawase/desk");
    b.sign_in("tdi-uketsuke").await;
    b.menu("問合せ窓口", &base).await;
    // The search box has the focus on load.
    assert_eq!(b.js("return document.activeElement.id", vec![]).await, "q");
    let born = NaiveDate::parse_from_str(p.get(Item::Seinengappi), "%Y-%m-%d").unwrap();
    let keys = [
        p.get(Item::KanaShimei)
            .split(['　', ' '])
            .next()
            .unwrap()
            .to_owned(),
        p.get(Item::Shimei)
            .split(['　', ' '])
            .next()
            .unwrap()
            .to_owned(),
        itaku_jp::format_wareki_short(born),
        p.get(Item::DenwaBango).to_owned(),
        p.get(Item::JushinkenNo).to_owned(),
    ];
    for k in &keys {
        b.fill("#q", k).await;
        hits_include(&b, p.id).await;
        // Only the desk purpose's items are shown.
        let heads = b.texts("#hits th").await;
        assert!(
            heads.iter().all(|h| h != "宛名番号" && h != "健診結果"),
            "{heads:?}"
        );
    }
    // Enter opens the first hit: the voucher number is unique.
    b.find("#q").await.send_keys("\u{E007}").await.unwrap();
    let caller = format!("{base}/persons/{}", p.id);
    b.wait_for_path(&caller).await;
    assert!(b.count("a[href^='tel:']").await == 1, "tel link");

    // Each inquiry type through its own form.
    b.fill("#note-reissue", "紛失したとのこと").await;
    b.click("#form-reissue button[type='submit']").await;
    assert!(notice(&b).await.contains("受診券再発行を記録しました"));

    b.open(&caller).await;
    b.click("#s-lung").await;
    b.click("#form-add_screening button[type='submit']").await;
    let n = notice(&b).await;
    assert!(
        n.contains("検診の追加を記録しました") && n.contains("肺"),
        "{n}"
    );

    b.open(&caller).await;
    b.click("#s-cervical").await;
    b.click("#form-add_screening button[type='submit']").await;
    b.wait_until("the refusal", || async {
        b.count("#form-error").await == 1
    })
    .await;
    assert!(b.text("#form-error").await.contains("女性が対象"));

    b.open(&caller).await;
    b.fill("#note-guidance", "実施医療機関を案内").await;
    b.click("#form-guidance button[type='submit']").await;
    assert!(notice(&b).await.contains("案内のみを記録しました"));

    b.open(&caller).await;
    b.fill("#new-postal", "160-0022").await;
    b.fill("#new-address", "東京都新宿区新宿5-1-1").await;
    b.click("#form-address_change button[type='submit']").await;
    assert!(notice(&b).await.contains("住所変更"));

    b.open(&caller).await;
    b.fill("#note-complaint", "説明が早口で分かりにくかった")
        .await;
    b.click("#form-complaint button[type='submit']").await;
    assert!(notice(&b).await.contains("苦情を記録しました"));
    assert!(b
        .text("#recent")
        .await
        .contains("説明が早口で分かりにくかった"));

    // A caller not in the list, with the purpose read out.
    b.click("#unlisted-link").await;
    b.wait_for_path(&format!("{base}/unlisted")).await;
    assert!(b.text("#purpose-statement").await.contains("目的"));
    b.fill("#i-shimei", "転入　次郎").await;
    b.fill("#i-seinengappi", "昭和50年4月1日").await;
    b.fill("#i-seibetsu", "男").await;
    b.click("#form-unlisted button[type='submit']").await;
    b.wait_until("the refusal", || async {
        b.count("#form-error").await == 1
    })
    .await;
    assert!(b.text("#form-error").await.contains("利用目的"));
    b.click("#purpose-read").await;
    b.click("#form-unlisted button[type='submit']").await;
    assert!(notice(&b).await.contains("利用目的を説明済み"));
    assert!(b.text("#recent").await.contains("名簿外: 転入　次郎"));
    // The refusals above answered 400 (which the console reports), and
    // the browser asked for a favicon; nothing else may be there: no
    // script error, no blocked load.
    let errors = b.console_errors().await;
    assert!(
        errors.iter().all(
            |e| (e.contains("/desk/inquiries") && e.contains("status of 400"))
                || e.contains("/favicon.ico")
        ),
        "{errors:?}"
    );
}

async fn responsible_releases_a_held_note(b: Browser) {
    let (a, c) = desk_actor(&b).await;
    let p = a_caller(&b, &a).await;
    let mut req = InquiryRequest::new(InquiryKind::Guidance);
    req.person_id = Some(p.id);
    req.note = "信仰上の理由で土曜は避けたい".into();
    let held = b.server.svc.record_inquiry(&a, &req).await.unwrap();
    b.sign_in("tdi-sekinin").await;
    b.menu("窓口の確認・再発行", &format!("/c/{c}/toiawase/desk/queue"))
        .await;
    assert!(b
        .text("#held")
        .await
        .contains("信仰上の理由で土曜は避けたい"));
    b.click(&format!("#release-{}", held.id)).await;
    assert!(notice(&b).await.contains("記録に残しました"));
    assert_eq!(b.count(&format!("#held-{}", held.id)).await, 0);
    // The desk's list shows it now.
    let list = b.server.svc.desk_inquiries(&a, 5).await.unwrap();
    assert_eq!(
        list[0].note.as_deref(),
        Some("信仰上の理由で土曜は避けたい")
    );
}

async fn ward_sees_the_complaint_and_the_change_of_address(b: Browser) {
    let (a, _) = desk_actor(&b).await;
    let p = a_caller(&b, &a).await;
    let mut req = InquiryRequest::new(InquiryKind::Complaint);
    req.person_id = Some(p.id);
    req.note = "受診票の字が小さくて読めない".into();
    b.server.svc.record_inquiry(&a, &req).await.unwrap();
    let mut req = InquiryRequest::new(InquiryKind::AddressChange);
    req.person_id = Some(p.id);
    req.new_address = Some(NewAddress {
        postal_code: "1690073".into(),
        address: "東京都新宿区百人町2-2-2".into(),
        katagaki: "百人町ハイム305".into(),
    });
    b.server.svc.record_inquiry(&a, &req).await.unwrap();
    b.sign_in("hokenshi").await;
    b.menu("苦情処理簿", "/ward/complaints").await;
    assert!(b
        .text("#complaints")
        .await
        .contains("受診票の字が小さくて読めない"));
    b.menu("住所変更", "/ward/desk").await;
    let changes = b.text("#address-changes").await;
    assert!(
        changes.contains("百人町ハイム305") && changes.contains(p.get(Item::Shimei)),
        "{changes}"
    );
    b.click("#address-changes button[type='submit']").await;
    assert!(notice(&b).await.contains("対応済み"));
    assert!(b.text("#address-changes").await.contains("対応済み（"));
}
