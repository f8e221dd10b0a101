//! 国保料滞納整理 (seed 004) on both backends: double entry by two
//! different operators (never the same person twice on a page), agreed
//! pages entering the ward's ledger and mismatched ones only after a third
//! person settles them, the contractor kept to its batch and terminals,
//! corrections that keep the history, validation in Japanese, audited
//! reads, and erasure of the contract's keyings without the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, UserId};
use itaku_crypto::MasterKey;
use itaku_service::tainou::*;
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

struct Bed {
    svc: Service,
    url: String,
    contract: i64,
    batch: i64,
}

async fn bed(postgres: bool, dir: &tempfile::TempDir) -> Option<Bed> {
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap());
    let svc = Service::open_url(
        &url,
        MasterKey::generate(),
        Arc::new(clock),
        Settings::default(),
    )
    .await
    .unwrap();
    svc.seed_demo(200, 7).await.unwrap();
    let contract = svc.tainou_entry_contracts().await.unwrap()[0].0;
    let mut b = Bed {
        svc,
        url,
        contract,
        batch: 0,
    };
    let ward = b.user("kokuho-seiri").await;
    b.batch = b.svc.entry_batches(&ward, contract).await.unwrap()[0].id;
    Some(b)
}

impl Bed {
    async fn user(&self, login: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
    }
    async fn op(&self, login: &str) -> Actor {
        self.user(login)
            .await
            .in_contract(ContractId(self.contract), Some("tainou_nyuryoku".into()))
    }
    async fn count(&self, table: &str) -> u64 {
        raw_sql(&self.url, &format!("UPDATE {table} SET id = id"))
            .await
            .unwrap()
    }
    /// The household a page belongs to, found as ward staff would: by the
    /// 記号番号 the page shows.
    async fn ledger_of(&self, kigo: &str) -> LedgerView {
        let ward = self.user("kokuho-seiri").await;
        let hits = self.svc.search_households(&ward, kigo, 5).await.unwrap();
        assert_eq!(hits.len(), 1, "{kigo}");
        self.svc.read_ledger(&ward, hits[0].id).await.unwrap()
    }
}

fn line(date: &str, kind: &str, amount: &str, kosho: &str, note: &str) -> LineInput {
    let mut items: [String; 7] = Default::default();
    items[0] = kosho.into();
    LineInput {
        date: date.into(),
        kind: kind.into(),
        amount: amount.into(),
        items,
        note: note.into(),
    }
}

fn page(lines: Vec<LineInput>, total: &str) -> PageInput {
    PageInput {
        lines,
        page_total: total.into(),
    }
}

async fn only_agreed_pages_enter_the_ledger_and_a_third_person_settles(b: Bed) {
    let (op1, op2, third) = (
        b.op("kdn-nyuryoku1").await,
        b.op("kdn-nyuryoku2").await,
        b.op("kdn-shogo").await,
    );
    let p1 = b.svc.next_entry_page(&op1, b.batch).await.unwrap().unwrap();
    assert_eq!(p1.pass, 1);
    let before = b.ledger_of(&p1.kigo).await.history.len();
    let paper = page(
        vec![
            line("R6.5.10", "で", "", "来月から納付すると約束", ""),
            line("６．６．３", "08", "１５，０００", "", "窓口で現金納付"),
        ],
        "15000",
    );
    let r = b.svc.key_page(&op1, p1.page_id, &paper).await.unwrap();
    assert_eq!((r.pass, r.state), (1, "waiting"));
    // The same operator never keys the second pass.
    let e = b.svc.key_page(&op1, p1.page_id, &paper).await.unwrap_err();
    assert!(e.to_string().contains("別の入力者"), "{e}");
    // Nothing enters the ledger on one pass.
    assert_eq!(b.ledger_of(&p1.kigo).await.history.len(), before);
    // The next page for op1 is another one; op2 gets the first page.
    let p2 = b.svc.next_entry_page(&op1, b.batch).await.unwrap().unwrap();
    assert_ne!(p2.page_id, p1.page_id);
    let q = b.svc.next_entry_page(&op2, b.batch).await.unwrap().unwrap();
    assert_eq!((q.page_id, q.pass), (p1.page_id, 2));
    // Typed differently but the same on paper: full width, kana, era.
    let same = page(
        vec![
            line("令和6年5月10日", "02", "", "来月から納付すると約束", ""),
            line("R6.6.3", "のう", "15000", "", "窓口で現金納付"),
        ],
        "１５０００",
    );
    let r = b.svc.key_page(&op2, p1.page_id, &same).await.unwrap();
    assert_eq!(r.state, "agreed");
    let l = b.ledger_of(&p1.kigo).await;
    assert_eq!(l.history.len(), before + 2);
    let new: Vec<&EntryView> = l
        .history
        .iter()
        .filter(|e| e.source.starts_with("入力委託"))
        .collect();
    assert_eq!(new.len(), 2);
    assert_eq!(new[1].line.amount, Some(15000));
    assert_eq!(new[1].line.kind, EntryKind::Nofu);
    assert_eq!(new[0].line.items[0], "来月から納付すると約束");

    // Page 2: the passes differ in one date; nothing enters until settled.
    b.svc
        .key_page(
            &op1,
            p2.page_id,
            &page(vec![line("R5.4.1", "訪問", "", "不在", "")], ""),
        )
        .await
        .unwrap();
    let before2 = b.ledger_of(&p2.kigo).await.history.len();
    let r = b
        .svc
        .key_page(
            &op2,
            p2.page_id,
            &page(vec![line("R5.4.7", "訪問", "", "不在", "")], ""),
        )
        .await
        .unwrap();
    assert_eq!((r.state, r.differences), ("mismatch", 1));
    assert_eq!(b.ledger_of(&p2.kigo).await.history.len(), before2);
    // Neither keyer may settle it.
    for keyer in [&op1, &op2] {
        let e = b.svc.settle_view(keyer, p2.page_id).await.unwrap_err();
        assert!(e.to_string().contains("入力した人は照合できません"), "{e}");
        assert!(b
            .svc
            .settle_page(keyer, p2.page_id, &[(0, 0, 2)])
            .await
            .is_err());
    }
    let queue = b.svc.settle_queue(&third).await.unwrap();
    assert!(queue
        .iter()
        .any(|r| r.page_id == p2.page_id && r.mine_to_settle));
    let v = b.svc.settle_view(&third, p2.page_id).await.unwrap();
    assert_eq!(v.differences, 1);
    let date = &v.lines[0].fields[0];
    assert_eq!(
        (date.2.as_str(), date.3.as_str(), date.4),
        ("令和5年4月1日", "令和5年4月7日", true)
    );
    assert!(b.svc.settle_page(&third, p2.page_id, &[]).await.is_err());
    let ids = b
        .svc
        .settle_page(&third, p2.page_id, &[(0, 0, 2)])
        .await
        .unwrap();
    assert_eq!(ids.len(), 1);
    let l = b.ledger_of(&p2.kigo).await;
    assert_eq!(l.history.len(), before2 + 1);
    let e = l.history.iter().find(|e| e.id == ids[0]).unwrap();
    assert_eq!(e.entry_on.to_string(), "2023-04-07");
    assert_eq!(e.line.kind, EntryKind::Homon);
    // Settled once only.
    assert!(b
        .svc
        .settle_page(&third, p2.page_id, &[(0, 0, 1)])
        .await
        .is_err());

    let ward = b.user("kokuho-seiri").await;
    let batch = &b.svc.entry_batches(&ward, b.contract).await.unwrap()[0];
    assert_eq!((batch.agreed, batch.settled), (1, 1));
    let e = b
        .svc
        .close_entry_batch(&ward, b.contract, b.batch)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("未完了の頁が"), "{e}");
    let p = b.svc.entry_progress(&ward, b.contract).await.unwrap();
    assert_eq!(p.done, 2);
    assert_eq!(p.operators.len(), 2);
    assert!(p.operators.iter().all(|o| o.keyings == 2));
}

async fn the_contractor_reaches_only_its_batch_from_its_terminals(b: Bed) {
    let op1 = b.op("kdn-nyuryoku1").await;
    // No ledger reads or searches for the contractor.
    let e = b.svc.search_households(&op1, "ア", 5).await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let e = b
        .svc
        .read_ledger(&b.user("kdn-nyuryoku1").await, 1)
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    // A page outside its contract's batches does not exist for it.
    let p = b.svc.next_entry_page(&op1, b.batch).await.unwrap().unwrap();
    assert!(b
        .svc
        .entered_from_page(&op1, p.page_id + 10_000)
        .await
        .unwrap_err()
        .is_not_found());
    assert!(b
        .svc
        .next_entry_page(&op1, b.batch + 10_000)
        .await
        .unwrap_err()
        .is_not_found());
    // What it sees of a page: the 記号番号 and where it is; nothing else.
    assert!(!p.kigo.is_empty());
    // Another contract's handler is refused; so is a foreign network.
    let other = b
        .user("mirai-denwa")
        .await
        .in_contract(ContractId(b.contract), Some("tainou_nyuryoku".into()));
    assert!(b.svc.next_entry_page(&other, b.batch).await.is_err());
    let away = Actor::user(
        UserId(
            b.svc
                .user_id_by_login("kdn-nyuryoku1")
                .await
                .unwrap()
                .unwrap(),
        ),
        Some("192.0.2.7".parse().unwrap()),
        "t",
    )
    .in_contract(ContractId(b.contract), Some("tainou_nyuryoku".into()));
    let e = b.svc.next_entry_page(&away, b.batch).await.unwrap_err();
    assert!(
        matches!(e, ServiceError::Denied(Denial::TerminalNotAllowed)),
        "{e}"
    );
    // Ward staff do not key pages.
    let ward = b.user("kokuho-seiri").await;
    assert!(b
        .svc
        .key_page(
            &ward,
            p.page_id,
            &page(vec![line("R5.4.1", "01", "", "", "")], "")
        )
        .await
        .is_err());
}

async fn corrections_keep_the_history(b: Bed) {
    let ward = b.user("kokuho-seiri").await;
    let hits = b.svc.search_households(&ward, "10-", 5).await.unwrap();
    assert!(hits.is_empty(), "a partial 記号番号 is no search");
    let l = b.ledger_of("11-100037").await;
    let first = l.history[0].clone();
    let new = b
        .svc
        .correct_ledger_entry(&ward, first.id, &line("R1.6.21", "04", "", "", ""))
        .await
        .unwrap();
    let l = b.ledger_of("11-100037").await;
    let old = l.history.iter().find(|e| e.id == first.id).unwrap();
    assert_eq!(old.superseded_by, Some(new));
    assert_eq!(old.line, first.line, "the old entry's content is unchanged");
    let corrected = l.history.iter().find(|e| e.id == new).unwrap();
    assert_eq!(corrected.supersedes, Some(first.id));
    assert_eq!(corrected.entry_on.to_string(), "2019-06-21");
    let e = b
        .svc
        .correct_ledger_entry(&ward, first.id, &line("R1.6.22", "04", "", "", ""))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("すでに訂正されています"), "{e}");
    // The contractor corrects only what came from its pages.
    let op1 = b.op("kdn-nyuryoku1").await;
    let e = b
        .svc
        .correct_keyed_entry(&op1, new, &line("R1.6.23", "04", "", "", ""))
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
}

async fn validation_speaks_japanese_and_holds_forbidden_notes(b: Bed) {
    let op1 = b.op("kdn-nyuryoku1").await;
    let op2 = b.op("kdn-nyuryoku2").await;
    let p = b.svc.next_entry_page(&op1, b.batch).await.unwrap().unwrap();
    let bad = [
        (
            page(vec![line("R5.2.29", "01", "", "", "")], ""),
            "存在しない日付です",
        ),
        (
            page(vec![line("R5.4.1", "さ", "", "", "")], ""),
            "もう1文字",
        ),
        (
            page(vec![line("R5.4.1", "08", "", "", "")], ""),
            "金額が必要です",
        ),
        (
            page(vec![line("R5.4.1", "08", "12,0OO", "", "")], "12000"),
            "金額として読めません",
        ),
        (
            page(
                vec![
                    line("R5.4.1", "08", "5000", "", ""),
                    line("R5.5.1", "08", "5000", "", ""),
                ],
                "9000",
            ),
            "頁計 9,000円 が各行の金額の合計 10,000円 と一致しません",
        ),
        (
            page(vec![line("R9.4.1", "01", "", "", "")], ""),
            "今日より後",
        ),
        (page(vec![], ""), "記入された行がありません"),
    ];
    for (input, want) in bad {
        let e = b.svc.key_page(&op1, p.page_id, &input).await.unwrap_err();
        assert!(e.to_string().contains(want), "{e} / {want}");
    }
    let note = "本人は宗教上の理由で納付を拒否";
    let paper = page(vec![line("R5.4.1", "01", "", "納付を拒否", note)], "");
    let r = b.svc.key_page(&op1, p.page_id, &paper).await.unwrap();
    assert_eq!(r.held_notes, 1);
    assert_eq!(
        b.svc.key_page(&op2, p.page_id, &paper).await.unwrap().state,
        "agreed"
    );
    let l = b.ledger_of(&p.kigo).await;
    let e = l
        .history
        .iter()
        .find(|e| e.source.starts_with("入力委託"))
        .unwrap();
    assert_eq!((e.note_state.as_str(), e.note.as_deref()), ("held", None));
    // The ward's reviewer sees it with what it may be, and deletes it.
    let reviewer = b.user("kokuho-seiri").await;
    let held = b
        .svc
        .held_ledger_notes(&reviewer, l.household.id)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].text, note);
    assert_eq!(held[0].flags, vec!["思想・信条・宗教"]);
    b.svc
        .review_ledger_note(&reviewer, held[0].entry_id, false)
        .await
        .unwrap();
    assert!(b
        .svc
        .held_ledger_notes(&reviewer, l.household.id)
        .await
        .unwrap()
        .is_empty());
    assert!(b
        .svc
        .review_ledger_note(&reviewer, held[0].entry_id, true)
        .await
        .is_err());
    let l = b.ledger_of(&p.kigo).await;
    let e = l.history.iter().find(|e| e.id == held[0].entry_id).unwrap();
    assert_eq!(
        (e.note_state.as_str(), e.note.as_deref()),
        ("deleted", None)
    );
    // Payments beyond the assessment, schedules that do not add up.
    let ward = b.user("kokuho-seiri").await;
    let id = l.household.id;
    let e = b
        .svc
        .record_payment(&ward, id, 2025, "R7.8.1", "９９９，９９９", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("が賦課額"), "{e}");
    let sched = |a: &str| {
        vec![
            ("R7.12.25".to_owned(), "10000".to_owned()),
            ("R8.1.26".to_owned(), a.to_owned()),
        ]
    };
    let e = b
        .svc
        .create_plan(&ward, id, "R7.11.20", "30000", &sched("10000"))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("分割の金額の合計 20,000円 が誓約額 30,000円 と一致しません"),
        "{e}"
    );
    let plan = b
        .svc
        .create_plan(&ward, id, "R7.11.20", "30000", &sched("20000"))
        .await
        .unwrap();
    b.svc
        .record_payment(&ward, id, 2025, "R7.12.25", "10000", Some(plan))
        .await
        .unwrap();
    let l = b.svc.read_ledger(&ward, id).await.unwrap();
    let dues: Vec<&str> = l.plans[0].dues.iter().map(|d| d.state).collect();
    // The second due (R8.1.26) is past by today and unpaid: arrears.
    assert_eq!(dues, ["済", "未納"]);
    assert_eq!(l.plans[0].overdue, 20_000);
    assert_eq!(l.years.len(), 10);
    assert!(l.total_arrears > 0);
}

async fn reads_and_writes_are_audited(b: Bed) {
    let ward = b.user("kokuho-seiri").await;
    let l = b.ledger_of("11-100037").await;
    let kansa = b.user("kansa").await;
    let q = AuditQuery {
        record_id: Some(l.household.id),
        limit: 50,
        ..Default::default()
    };
    let entries = b.svc.audit_search(&kansa, &q).await.unwrap();
    assert!(entries.iter().any(|e| e.target == "tainou_household"
        && e.action == "read"
        && e.outcome == "allow"
        && e.items.contains("nofu_kosho")));
    assert!(entries
        .iter()
        .any(|e| e.target == "tainou_household" && e.action == "search"));
    // A refused read is audited too.
    let op1 = b.op("kdn-nyuryoku1").await;
    let _ = b.svc.search_households(&op1, "ア", 5).await;
    let q = AuditQuery {
        outcome: Some("deny".into()),
        limit: 50,
        ..Default::default()
    };
    let denied = b.svc.audit_search(&kansa, &q).await.unwrap();
    assert!(denied.iter().any(|e| e.target == "tainou_household"));
    // A payment refused for exceeding the assessment read the amounts:
    // audited against the household, the amounts in neither the entry nor
    // the message.
    let e = b
        .svc
        .record_payment(&ward, l.household.id, 2025, "R7.8.1", "999999", None)
        .await
        .unwrap_err();
    assert!(!e.to_string().contains('円'), "{e}");
    let q = AuditQuery {
        record_id: Some(l.household.id),
        limit: 50,
        ..Default::default()
    };
    let entries = b.svc.audit_search(&kansa, &q).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.reason == "payment refused: exceeds the assessment"),
        "{entries:?}"
    );
}

async fn erasure_deletes_the_keyings_but_not_the_ledger(b: Bed) {
    let op1 = b.op("kdn-nyuryoku1").await;
    let op2 = b.op("kdn-nyuryoku2").await;
    let p = b.svc.next_entry_page(&op1, b.batch).await.unwrap().unwrap();
    let paper = page(vec![line("R5.4.1", "01", "", "分納の相談", "")], "");
    b.svc.key_page(&op1, p.page_id, &paper).await.unwrap();
    b.svc.key_page(&op2, p.page_id, &paper).await.unwrap();
    let entries = b.count("tainou_entries").await;
    assert!(b.count("tainou_keyings").await == 2);
    let mut admin = b.user("ward-admin").await;
    admin.stepped_up = true;
    b.svc
        .erase_contract(&admin, b.contract, Some("紙台帳は返却済み"))
        .await
        .unwrap();
    for t in [
        "tainou_keyings",
        "tainou_settlements",
        "tainou_pages",
        "tainou_batches",
    ] {
        assert_eq!(b.count(t).await, 0, "{t} after erasure");
    }
    assert_eq!(b.count("tainou_entries").await, entries);
    let l = b.ledger_of(&p.kigo).await;
    assert!(l.history.iter().any(|e| e.line.items[0] == "分納の相談"));
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); let b = super::bed(false, &d).await.unwrap(); super::$name(b).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); if let Some(b) = super::bed(true, &d).await { super::$name(b).await; } })* }
    };
}

both!(
    only_agreed_pages_enter_the_ledger_and_a_third_person_settles,
    the_contractor_reaches_only_its_batch_from_its_terminals,
    corrections_keep_the_history,
    validation_speaks_japanese_and_holds_forbidden_notes,
    reads_and_writes_are_audited,
    erasure_deletes_the_keyings_but_not_the_ledger,
);
