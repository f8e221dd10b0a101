//! The 情報管理台帳 over a real server on both backends: ward staff see
//! each contract's provisions, receive the contractor's results (返還) with
//! a button, and see the return recorded; a contract that collects no
//! results says so; other roles are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::{ContractId, Item, UserId};
use itaku_service::Actor;
use itaku_testkit::{Backend, TestServer};

const PEOPLE: u64 = 40;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::TestServer::start(super::Backend::Sqlite, super::PEOPLE).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(s) = super::TestServer::start(super::Backend::Postgres, super::PEOPLE).await { super::$name(s).await; } })* }
    };
}

both!(ward_staff_receive_results_on_the_ledger_page);

async fn ward_staff_receive_results_on_the_ledger_page(s: TestServer) {
    let cid = s.contract_id;
    let mut ward = s.signed_in("hokenshi").await;
    let index = ward.get("/ward/ledger").await;
    assert_eq!(index.status, 200);
    assert!(index.body.contains("href=\"/ward/ledger\""), "menu entry");
    assert!(index.body.contains(&format!("href=\"/ward/ledger/{cid}\"")));
    let page = ward.get(&format!("/ward/ledger/{cid}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("提供") && page.body.contains("システム内"));
    assert!(page.body.contains("最後の提供の後の返還はまだです"));

    // The contractor's caller records a result on one person.
    let caller = Actor::user(
        UserId(
            s.svc
                .user_id_by_login("mirai-denwa")
                .await
                .unwrap()
                .unwrap(),
        ),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    )
    .in_contract(ContractId(cid), Some("denwa_kansho".into()));
    let (people, _) = s.svc.list_persons(&caller, 0, 1).await.unwrap();
    s.svc
        .record_result(&caller, people[0].id, Item::KanshoKekka, "受診予定")
        .await
        .unwrap();

    let done = ward
        .post_form(&format!("/ward/ledger/{cid}/return"), &[])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = ward.get(done.location().unwrap()).await;
    assert!(
        page.body.contains("1 人分の結果を区の名簿に記録しました"),
        "{}",
        page.body
    );
    assert!(page.body.contains("最後の提供の後に返還を受けています"));
    assert!(page.body.contains("class=\"return\""));

    // The call desk's contract collects no results: the page says why.
    let desk = s
        .svc
        .ledger_contracts(&Actor::system("t"))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id != cid)
        .unwrap();
    let refused = ward
        .post_form(&format!("/ward/ledger/{}/return", desk.id), &[])
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("返還する項目"), "{}", refused.body);

    // Not the contractor's page, nor the administrator's.
    for login in ["mirai-sekinin", "ward-admin"] {
        let mut other = s.signed_in(login).await;
        let r = other.get(&format!("/ward/ledger/{cid}")).await;
        assert!(r.status == 403 || r.status == 404, "{login}: {}", r.status);
        let r = other
            .post_form(&format!("/ward/ledger/{cid}/return"), &[])
            .await;
        assert!(r.status == 403 || r.status == 404, "{login}: {}", r.status);
    }
}
