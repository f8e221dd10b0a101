//! The inquiry desk over a real server on both backends: the operator's
//! search (htmx fragment, Enter opens the first hit, the JSON API), the
//! inquiry forms with their refusals, the 責任者's queue (held notes, the
//! re-issue batch print and its PDF), and the ward's page; other roles are
//! kept out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use itaku_core::{ContractId, Item, UserId};
use itaku_service::{Actor, PersonView};
use itaku_testkit::{Backend, TestServer};

const PEOPLE: u64 = 60;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(the_desk_finds_records_and_hands_over);

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn desk_contract(s: &TestServer) -> i64 {
    let id = s
        .svc
        .user_id_by_login("tdi-uketsuke")
        .await
        .unwrap()
        .unwrap();
    s.svc.work_contexts(id).await.unwrap()[0].contract_id
}

async fn listed(s: &TestServer, c: i64, f: impl Fn(&PersonView) -> bool) -> PersonView {
    let id = s
        .svc
        .user_id_by_login("tdi-uketsuke")
        .await
        .unwrap()
        .unwrap();
    let a = Actor::user(UserId(id), Some("127.0.0.1".parse().unwrap()), "t")
        .in_contract(ContractId(c), Some("toiawase".into()));
    let (people, _) = s.svc.list_persons(&a, 0, 500).await.unwrap();
    people
        .into_iter()
        .find(|p| {
            !p.get(Item::KanaShimei).is_empty() && !p.get(Item::DenwaBango).is_empty() && f(p)
        })
        .expect("a listed person of that kind")
}

async fn the_desk_finds_records_and_hands_over(s: TestServer) {
    let c = desk_contract(&s).await;
    let base = format!("/c/{c}/toiawase/desk");
    let p = listed(&s, c, |p| p.get(Item::Seibetsu) == "1").await;
    let mut desk = s.signed_in("tdi-uketsuke").await;

    // The menu entry leads to the one desk this operator has.
    let home = desk.get("/desk").await;
    assert_eq!(home.status, 303);
    assert_eq!(home.location(), Some(base.as_str()));
    let page = desk.get(&base).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("href=\"/desk\""), "menu entry");
    assert!(page.body.contains("autofocus") && page.body.contains("hx-get=\"/c/"));

    // As the operator types: the fragment, with only the purpose's items.
    let kana = p
        .get(Item::KanaShimei)
        .split(['　', ' '])
        .next()
        .unwrap()
        .to_owned();
    let frag = desk.get(&format!("{base}/search?q={}", enc(&kana))).await;
    assert_eq!(frag.status, 200);
    assert!(
        frag.body.contains(&format!("{base}/persons/{}", p.id)),
        "{}",
        frag.body
    );
    assert!(frag.body.contains("id=\"first-hit\""));
    assert!(!frag.body.contains("<html"), "a fragment, not a page");
    assert!(!frag.body.contains("宛名番号") && !frag.body.contains("国保記号"));

    // Enter: the first hit opens (birth date said in 和暦).
    let born = NaiveDate::parse_from_str(p.get(Item::Seinengappi), "%Y-%m-%d").unwrap();
    let wareki = itaku_jp::format_wareki(born);
    let open = desk.get(&format!("{base}/open?q={}", enc(&wareki))).await;
    assert_eq!(open.status, 303);
    assert!(open
        .location()
        .unwrap()
        .starts_with(&format!("{base}/persons/")));
    // The JSON API finds the same by phone number.
    let api = desk
        .get(&format!(
            "/api/persons?contract={c}&purpose=toiawase&q={}",
            enc(p.get(Item::DenwaBango))
        ))
        .await;
    assert_eq!(api.status, 200);
    let persons = api.json()["persons"].as_array().unwrap().clone();
    assert!(persons.iter().any(|x| x["id"] == p.id));
    assert!(persons
        .iter()
        .all(|x| x["values"].get("atena_no").is_none()));
    let nobody = desk
        .get(&format!("{base}/open?q={}", enc("ンンンンン")))
        .await;
    assert!(nobody.location().unwrap().contains("missing="));

    // The caller's page: a tel: link and one form per inquiry type.
    let caller = desk.get(&format!("{base}/persons/{}", p.id)).await;
    assert_eq!(caller.status, 200);
    assert!(caller.body.contains("href=\"tel:"), "tel link");
    for kind in [
        "reissue",
        "add_screening",
        "guidance",
        "address_change",
        "complaint",
    ] {
        assert!(
            caller.body.contains(&format!("id=\"form-{kind}\"")),
            "{kind}"
        );
    }
    let pid = p.id.to_string();
    // A man is refused 子宮頸がん検診, with the reason.
    let refused = desk
        .post_form(
            &format!("{base}/inquiries"),
            &[
                ("kind", "add_screening"),
                ("person_id", &pid),
                ("s_cervical", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("女性が対象"), "{}", refused.body);
    // A re-issue is recorded.
    let done = desk
        .post_form(
            &format!("{base}/inquiries"),
            &[("kind", "reissue"), ("person_id", &pid), ("note", "")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let back = desk.get(done.location().unwrap()).await;
    assert!(
        back.body.contains("受診券再発行を記録しました"),
        "{}",
        back.body
    );
    // A flagged note is held and not shown.
    let held = desk
        .post_form(
            &format!("{base}/inquiries"),
            &[
                ("kind", "guidance"),
                ("person_id", &pid),
                ("note", "逮捕されたことがあると話していた"),
            ],
        )
        .await;
    let back = desk.get(held.location().unwrap()).await;
    assert!(back.body.contains("保留"), "{}", back.body);
    assert!(!back.body.contains("逮捕されたこと"));
    // Address change and complaint.
    let moved = desk
        .post_form(
            &format!("{base}/inquiries"),
            &[
                ("kind", "address_change"),
                ("person_id", &pid),
                ("new_postal_code", "160-0022"),
                ("new_address", "東京都新宿区新宿5-1-1"),
                ("new_katagaki", "テストハイツ203"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let complained = desk
        .post_form(
            &format!("{base}/inquiries"),
            &[
                ("kind", "complaint"),
                ("person_id", &pid),
                ("note", "電話がつながりにくい"),
            ],
        )
        .await;
    assert_eq!(complained.status, 303, "{}", complained.body);
    // A caller not in the list: the purpose must be read out first.
    let unlisted = desk.get(&format!("{base}/unlisted")).await;
    assert!(unlisted.body.contains("id=\"purpose-statement\""));
    let no_purpose = desk
        .post_form(
            &format!("{base}/inquiries"),
            &[("kind", "guidance"), ("i_shimei", "転入　太郎")],
        )
        .await;
    assert_eq!(no_purpose.status, 400);
    assert!(no_purpose.body.contains("利用目的"), "{}", no_purpose.body);
    let ok = desk
        .post_form(
            &format!("{base}/inquiries"),
            &[
                ("kind", "guidance"),
                ("i_shimei", "転入　太郎"),
                ("i_seinengappi", "S50.4.1"),
                ("purpose_read", "on"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    // The operator has no queue to review and no ward pages.
    assert_eq!(desk.get(&format!("{base}/queue")).await.status, 403);
    assert_ne!(desk.get("/ward/desk").await.status, 200);

    // The 責任者: the held note, released; the re-issue printed as a batch.
    let mut boss = s.signed_in("tdi-sekinin").await;
    let q = boss.get("/desk/queue").await;
    assert_eq!(q.location(), Some(format!("{base}/queue").as_str()));
    let q = boss.get(&format!("{base}/queue")).await;
    assert_eq!(q.status, 200);
    assert!(q.body.contains("逮捕されたことがあると話していた"));
    assert!(q.body.contains(p.get(Item::Shimei)), "the queued re-issue");
    let start = q.body.find("id=\"release-").unwrap() + "id=\"release-".len();
    let inquiry: String = q.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let r = boss
        .post_form(&format!("{base}/notes/{inquiry}/release"), &[])
        .await;
    assert_eq!(r.status, 303);
    let printed = boss.post_form(&format!("{base}/reissues/print"), &[]).await;
    assert_eq!(printed.status, 303, "{}", printed.body);
    let q = boss.get(printed.location().unwrap()).await;
    assert!(q.body.contains("一括印刷に回しました"), "{}", q.body);
    let start = q.body.find("/runs/").expect("a PDF link");
    let link_start = q.body[..start].rfind("href=\"").unwrap() + 6;
    let link_end = link_start + q.body[link_start..].find('"').unwrap();
    let pdf = boss.get(&q.body[link_start..link_end]).await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    // The released note is shown at the desk now.
    let page = desk.get(&base).await;
    assert!(page.body.contains("逮捕されたことがあると話していた"));

    // The ward: the change of address, and the complaint in the 苦情処理簿.
    let mut ward = s.signed_in("hokenshi").await;
    let w = ward.get("/ward/desk").await;
    assert_eq!(w.status, 200);
    assert!(w.body.contains("href=\"/ward/desk\""), "menu entry");
    assert!(w.body.contains("テストハイツ203") && w.body.contains(p.get(Item::Shimei)));
    let start = w.body.find("id=\"handled-").unwrap() + "id=\"handled-".len();
    let change: String = w.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let h = ward
        .post_form(&format!("/ward/desk/addresses/{change}/handled"), &[])
        .await;
    assert_eq!(h.status, 303);
    let w = ward.get("/ward/complaints").await;
    assert_eq!(w.status, 200);
    assert!(w.body.contains("href=\"/ward/complaints\""), "menu entry");
    assert!(w.body.contains("電話がつながりにくい"));
    let start = w.body.find("id=\"answer-").unwrap() + "id=\"answer-".len();
    let complaint: String = w.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let bad = ward
        .post_form(
            &format!("/ward/complaints/{complaint}"),
            &[("answered_on", "令和8年13月1日"), ("answer", "x")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("回答日"), "{}", bad.body);
    let a = ward
        .post_form(
            &format!("/ward/complaints/{complaint}"),
            &[
                ("answered_on", "R8.11.25"),
                ("answer", "回線を増やすと回答"),
            ],
        )
        .await;
    assert_eq!(a.status, 303);
    let w = ward.get("/ward/complaints").await;
    assert!(w.body.contains("2026-11-25") && w.body.contains("回線を増やすと回答"));
    let w = ward.get("/ward/desk").await;
    assert!(w.body.contains("対応済み"));
    // A handler of another purpose has no desk, and is told so.
    let mut denwa = s.signed_in("mirai-denwa").await;
    let none = denwa.get("/desk").await;
    assert_eq!(none.status, 200);
    assert!(none.body.contains("id=\"no-desk\""), "{}", none.body);
    // Ward staff do not use the contractor's desk.
    assert_ne!(ward.get(&base).await.status, 200);
}
