//! Home visits on both backends: split lists by 町丁目 whose halves carry
//! only their own items and the same random codes, the print register and
//! its audit entries, the 授受簿 with its end-of-day alarm (and none
//! before), outcomes by visit code writing 勧奨結果, held notes, and
//! erasure of the contract's visit records.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, Item, UserId};
use itaku_crypto::MasterKey;
use itaku_service::testing::*;
use itaku_service::*;
use std::collections::BTreeSet;
use std::sync::Arc;

struct Bed {
    svc: Service,
    demo: DemoSummary,
    clock: FixedClock,
    url: String,
}

async fn bed(postgres: bool, dir: &tempfile::TempDir) -> Option<Bed> {
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    // 10:00 JST on a Sunday in the contract's term.
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    let svc = Service::open_url(
        &url,
        MasterKey::generate(),
        Arc::new(clock.clone()),
        Settings::default(),
    )
    .await
    .unwrap();
    let demo = svc.seed_demo(400, 7).await.unwrap();
    Some(Bed {
        svc,
        demo,
        clock,
        url,
    })
}

impl Bed {
    async fn user(&self, login: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
    }
    async fn in_contract(&self, login: &str, purpose: &str) -> Actor {
        self.user(login)
            .await
            .in_contract(ContractId(self.demo.contract_id), Some(purpose.into()))
    }
    async fn visitor(&self) -> Actor {
        self.in_contract("fureai-homon", "homon_kansho").await
    }
    async fn sekinin(&self) -> Actor {
        self.in_contract("mirai-sekinin", "homon_kansho").await
    }
    /// Segments and arms, as the notice handler does before printing.
    async fn assign_arms(&self) {
        let h = self.in_contract("mirai-tsuchi", "tsuchi_kansho").await;
        let id = self.demo.campaign_id;
        let (_, _, seg) = segmentation_presets(2026).remove(0);
        self.svc.apply_segmentation(&h, id, &seg).await.unwrap();
        let mut req = ArmRequest::notice_and_call();
        req.seed = Some("00".repeat(31) + "2a");
        self.svc.assign_arms(&h, id, &req).await.unwrap();
    }
    /// A list of the notice arm in the first two areas.
    async fn list(&self) -> (i64, Vec<AreaCount>) {
        let v = self.visitor().await;
        let source = VisitSource::Arm("notice".into());
        let areas = self
            .svc
            .visit_areas(&v, self.demo.campaign_id, &source)
            .await
            .unwrap();
        assert!(areas.len() >= 2, "{areas:?}");
        let chosen: Vec<AreaCount> = areas.into_iter().take(2).collect();
        let id = self
            .svc
            .create_visit_list(
                &v,
                &NewVisitList {
                    campaign_id: self.demo.campaign_id,
                    source,
                    areas: chosen.iter().map(|a| a.area.clone()).collect(),
                },
            )
            .await
            .unwrap();
        (id, chosen)
    }
    async fn audit(&self, action: &str) -> Vec<AuditEntryView> {
        let admin = self.user("kansa").await;
        self.svc
            .audit_search(
                &admin,
                &AuditQuery {
                    action: Some(action.into()),
                    contract_id: Some(self.demo.contract_id),
                    limit: 1000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }
    /// Rows of `table` (touched without change, as an attacker with the
    /// file could count them).
    async fn rows(&self, table: &str) -> u64 {
        raw_sql(
            &self.url,
            &format!("UPDATE {table} SET contract_id = contract_id"),
        )
        .await
        .unwrap()
    }
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The visit codes a text carries: 6-character words of the code alphabet.
fn codes_in(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 6 && parse_visit_code(w).is_ok_and(|c| c == *w))
        .map(str::to_owned)
        .collect()
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); let b = super::bed(false, &d).await.unwrap(); super::$name(b).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); if let Some(b) = super::bed(true, &d).await { super::$name(b).await; } })* }
    };
}

both!(
    halves_carry_their_own_items_and_the_same_random_codes,
    the_register_raises_unreturned_halves_after_the_end_of_the_day,
    outcomes_by_code_write_the_result_and_hold_flagged_notes,
    erasure_deletes_the_visit_records
);

async fn halves_carry_their_own_items_and_the_same_random_codes(b: Bed) {
    b.assign_arms().await;
    let v = b.visitor().await;
    let (id, chosen) = b.list().await;
    let list = b.svc.visit_list(&v, id).await.unwrap();
    assert_eq!(list.members, chosen.iter().map(|a| a.count).sum::<i64>());
    assert_eq!(
        list.areas,
        chosen.iter().map(|a| a.area.clone()).collect::<Vec<_>>()
    );
    let codes: BTreeSet<String> = list.targets.iter().map(|t| t.code.clone()).collect();
    assert_eq!(codes.len() as i64, list.members, "codes are unique");
    // Walking order: the first area's people first.
    let first: Vec<&str> = list.targets.iter().map(|t| t.area.as_str()).collect();
    let mut sorted = first.clone();
    sorted.sort_by_key(|a| chosen.iter().position(|c| c.area == *a));
    assert_eq!(first, sorted);

    // The people behind the list, read with the notice purpose (which
    // sees names and addresses) to know what must not be on each half.
    let tsuchi = b.in_contract("mirai-tsuchi", "tsuchi_kansho").await;
    let (people, _) = b.svc.list_persons(&tsuchi, 0, 500).await.unwrap();
    let names: Vec<String> = people
        .iter()
        .map(|p| squeeze(p.get(Item::Shimei)))
        .collect();
    let streets: Vec<String> = people
        .iter()
        .map(|p| squeeze(itaku_jp::address::local_part(p.get(Item::Jusho))))
        .collect();

    let (name_run, name_pdf) = b.svc.print_visit_half(&v, id, Half::Name).await.unwrap();
    let (addr_run, addr_pdf) = b.svc.print_visit_half(&v, id, Half::Address).await.unwrap();
    assert_ne!(name_run.run_ref, addr_run.run_ref);
    let name_text = pdftotext(&name_pdf.bytes);
    let addr_text = pdftotext(&addr_pdf.bytes);
    let (nt, at) = (squeeze(&name_text), squeeze(&addr_text));
    assert!(nt.contains(&name_run.run_ref) && nt.contains("名前の票"));
    assert!(at.contains(&addr_run.run_ref) && at.contains("住所の票"));
    assert!(nt.contains(&format!("1/{}", name_pdf.pages)), "page x/y");
    // Both carry exactly the list's codes: only the pair matches.
    assert_eq!(codes_in(&name_text), codes);
    assert_eq!(codes_in(&addr_text), codes);
    // Neither carries the other's items.
    let named = names.iter().filter(|n| nt.contains(n.as_str())).count();
    assert!(
        named as i64 >= list.members,
        "{named} names on the name half"
    );
    for n in &names {
        assert!(!at.contains(n.as_str()), "name {n} on the address half");
    }
    let on_addr = streets.iter().filter(|s| at.contains(s.as_str())).count();
    assert!(on_addr as i64 >= list.members);
    for s in &streets {
        assert!(!nt.contains(s.as_str()), "address {s} on the name half");
    }
    assert!(!nt.contains("新宿区") && at.contains("新宿区"));
    // No birth date on paper, only the band.
    assert!(nt.contains("歳"));
    for p in &people {
        let birth = p.get(Item::Seinengappi);
        assert!(!birth.is_empty() && !nt.contains(birth));
    }

    // A second list draws fresh codes: none shared with the first.
    let source = VisitSource::Arm("notice".into());
    let rest = b
        .svc
        .visit_areas(&v, b.demo.campaign_id, &source)
        .await
        .unwrap();
    assert!(rest
        .iter()
        .all(|a| !chosen.iter().any(|c| c.area == a.area)));
    let other = b
        .svc
        .create_visit_list(
            &v,
            &NewVisitList {
                campaign_id: b.demo.campaign_id,
                source,
                areas: vec![rest[0].area.clone()],
            },
        )
        .await
        .unwrap();
    let other = b.svc.visit_list(&v, other).await.unwrap();
    assert!(other.targets.iter().all(|t| !codes.contains(&t.code)));

    // The register and the audit: each print an allowed Print of only the
    // half's items under the visit purpose, naming the people printed.
    let list = b.svc.visit_list(&v, id).await.unwrap();
    assert_eq!(list.prints.len(), 2);
    assert!(list
        .prints
        .iter()
        .all(|p| p.sheets >= 1 && p.downloads == 1));
    let again = b.svc.visit_print_file(&v, name_run.id).await.unwrap();
    assert_eq!(codes_in(&pdftotext(&again.bytes)), codes);
    let prints = b.audit("print").await;
    let visit_prints: Vec<&AuditEntryView> = prints
        .iter()
        .filter(|e| e.target == "visit_list" && e.outcome == "allow")
        .collect();
    assert_eq!(visit_prints.len(), 3, "{prints:?}");
    for e in &visit_prints {
        assert_eq!(e.purpose, "homon_kansho");
        assert_eq!(e.record_ids.len() as i64, list.members);
        assert!(
            e.items == "shimei,seinengappi,seibetsu" || e.items == "jusho,katagaki",
            "{}",
            e.items
        );
    }
    assert_eq!(
        b.svc.visit_list(&v, id).await.unwrap().prints[0].downloads,
        2
    );
    // Another contract's handler finds nothing.
    let desk = b
        .user("tdi-uketsuke")
        .await
        .in_contract(ContractId(b.demo.contract_id + 1), Some("toiawase".into()));
    assert!(b.svc.visit_list(&desk, id).await.is_err());
    // The phone handler's purpose has no addresses: the policy refuses.
    let denwa = b.in_contract("mirai-denwa", "denwa_kansho").await;
    assert!(matches!(
        b.svc.print_visit_half(&denwa, id, Half::Address).await,
        Err(ServiceError::Denied(_))
    ));
}

async fn the_register_raises_unreturned_halves_after_the_end_of_the_day(b: Bed) {
    b.assign_arms().await;
    let v = b.visitor().await;
    let boss = b.sekinin().await;
    let (id, _) = b.list().await;
    let (name, _) = b.svc.print_visit_half(&v, id, Half::Name).await.unwrap();
    let (addr, _) = b.svc.print_visit_half(&v, id, Half::Address).await.unwrap();

    let out_name = b
        .svc
        .sign_out_visit_half(&v, name.id, "訪問 太郎", name.sheets)
        .await
        .unwrap();
    // One visitor never holds both halves.
    let err = b
        .svc
        .sign_out_visit_half(&v, addr.id, "訪問　太郎", addr.sheets)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("別々の訪問員"), "{err}");
    // A copy already out cannot go out again.
    assert!(b
        .svc
        .sign_out_visit_half(&v, name.id, "訪問 次郎", 1)
        .await
        .is_err());
    let out_addr = b
        .svc
        .sign_out_visit_half(&v, addr.id, "訪問 花子", addr.sheets)
        .await
        .unwrap();
    let list = b.svc.visit_list(&v, id).await.unwrap();
    assert_eq!(list.handouts.len(), 2);
    assert!(list.prints.iter().all(|p| p.out));
    assert!(list.handouts[0].due_at.ends_with("17:15:00"));

    // Back in: a count that differs needs its reason, then is recorded.
    let short = name.sheets - 1;
    let err = b
        .svc
        .sign_in_visit_half(&v, out_name, short, "")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("差異の理由"), "{err}");
    b.svc
        .sign_in_visit_half(&v, out_name, short, "1枚汚損のため破棄（責任者立会い）")
        .await
        .unwrap();
    let h = &b.svc.visit_list(&v, id).await.unwrap().handouts[0];
    assert_eq!(h.difference, Some(-1));
    assert!(h.in_note.contains("汚損"));

    // 17:14 JST: nothing is late yet.
    b.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 22, 8, 14, 0).unwrap());
    assert!(b.svc.visit_alarms(&boss).await.unwrap().is_empty());
    assert_eq!(b.svc.check_visit_returns().await.unwrap(), 0);
    // 17:16 JST: the address half is still out.
    b.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 22, 8, 16, 0).unwrap());
    let alarms = b.svc.visit_alarms(&boss).await.unwrap();
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].handout_id, out_addr);
    assert_eq!(alarms[0].run_ref, addr.run_ref);
    assert_eq!(alarms[0].visitor, "訪問 花子");
    // Raised once, with an audit entry naming it; later checks only show it.
    let raised = |es: Vec<AuditEntryView>| {
        es.into_iter()
            .filter(|e| e.reason.starts_with("ALARM") && e.record_ids == vec![out_addr])
            .count()
    };
    assert_eq!(raised(b.audit("write").await), 1);
    assert_eq!(b.svc.visit_alarms(&v).await.unwrap().len(), 1);
    assert_eq!(b.svc.check_visit_returns().await.unwrap(), 0);
    assert_eq!(raised(b.audit("write").await), 1);
    // Returned late: the alarm is over.
    b.svc
        .sign_in_visit_half(&v, out_addr, addr.sheets, "")
        .await
        .unwrap();
    assert!(b.svc.visit_alarms(&boss).await.unwrap().is_empty());

    // The job runner's check raises a new one for every contract.
    let (again, _) = b.svc.print_visit_half(&v, id, Half::Name).await.unwrap();
    b.svc
        .sign_out_visit_half(&v, again.id, "訪問 太郎", again.sheets)
        .await
        .unwrap();
    b.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 22, 15, 0, 0).unwrap());
    assert_eq!(b.svc.check_visit_returns().await.unwrap(), 1);
    let by_system = b
        .audit("write")
        .await
        .into_iter()
        .filter(|e| e.reason.starts_with("ALARM") && e.actor.starts_with("system"))
        .count();
    assert_eq!(by_system, 1);

    // The ward may move the end of the day.
    let admin = b.user("ward-admin").await;
    b.svc
        .set_visit_return_time(&admin, chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(
        b.svc
            .visit_return_time()
            .await
            .unwrap()
            .format("%H:%M")
            .to_string(),
        "18:00"
    );
    assert!(b
        .svc
        .set_visit_return_time(&v, chrono::NaiveTime::MIN)
        .await
        .is_err());
}

async fn outcomes_by_code_write_the_result_and_hold_flagged_notes(b: Bed) {
    b.assign_arms().await;
    let v = b.visitor().await;
    let boss = b.sekinin().await;
    let (id, _) = b.list().await;
    let list = b.svc.visit_list(&v, id).await.unwrap();
    let first = list.targets[0].code.clone();
    let second = list.targets[1].code.clone();
    let third = list.targets[2].code.clone();

    // The screen works from a code as typed at the door.
    let t = b.svc.visit_target(&v, &first.to_lowercase()).await.unwrap();
    assert_eq!(t.code, first);
    assert!(!t.shimei.is_empty());
    assert!(t.age_band.ends_with('歳') || t.age_band == "不明");
    assert!(t.records.is_empty());

    // Not home: stays on the list, nothing goes back to the ward.
    let held = b
        .svc
        .record_visit(
            &v,
            &VisitEntry {
                code: first.clone(),
                outcome: "not_home".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!held);
    let t = b.svc.visit_target(&v, &first).await.unwrap();
    assert!(!t.done && t.visits == 1);

    // Met and intends to attend, with coded reasons: the 勧奨結果.
    b.svc
        .record_visit(
            &v,
            &VisitEntry {
                code: first.clone(),
                outcome: "intends".into(),
                reasons: vec!["isogashii".into()],
                requests: vec!["iryokikan".into()],
                note: "来月受診予定とのこと".into(),
            },
        )
        .await
        .unwrap();
    let t = b.svc.visit_target(&v, &first).await.unwrap();
    assert!(t.done && t.visits == 2);
    assert_eq!(t.records[1].outcome, "受診意向あり");
    assert_eq!(t.records[1].reasons, "忙しい");
    assert_eq!(t.records[1].note.as_deref(), Some("来月受診予定とのこと"));
    let tsuchi = b.in_contract("mirai-tsuchi", "tsuchi_kansho").await;
    let (people, _) = b.svc.list_persons(&tsuchi, 0, 500).await.unwrap();
    let results: Vec<&str> = people
        .iter()
        .map(|p| p.get(Item::KanshoKekka))
        .filter(|r| r.starts_with("訪問勧奨"))
        .collect();
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(results[0].contains("受診意向あり") && results[0].contains("忙しい"));
    assert!(results[0].contains("実施医療機関を知りたい"));
    assert!(!results[0].contains("来月"), "the note stays a note");
    let list = b.svc.visit_list(&v, id).await.unwrap();
    assert_eq!((list.visited, list.done, list.contacted), (1, 1, 1));

    // Refusals: unknown codes, unknown reason codes, a missing note.
    let err = b
        .svc
        .record_visit(
            &v,
            &VisitEntry {
                code: "AAAAAA".into(),
                outcome: "met".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("訪問名簿にありません"), "{err}");
    assert!(b
        .svc
        .record_visit(
            &v,
            &VisitEntry {
                code: second.clone(),
                outcome: "met".into(),
                reasons: vec!["nonexistent".into()],
                ..Default::default()
            },
        )
        .await
        .is_err());
    let err = b
        .svc
        .record_visit(
            &v,
            &VisitEntry {
                code: second.clone(),
                outcome: "other".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("メモ"), "{err}");

    // A note about religion is held: stored sealed, not shown, reviewed
    // by the 責任者 alone.
    let held = b
        .svc
        .record_visit(
            &v,
            &VisitEntry {
                code: second.clone(),
                outcome: "refused".into(),
                note: "宗教上の理由で受けないとのこと".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(held);
    b.svc
        .record_visit(
            &v,
            &VisitEntry {
                code: third.clone(),
                outcome: "moved".into(),
                note: "ｴﾎﾊﾞの集会所の近くに転居".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let t = b.svc.visit_target(&v, &second).await.unwrap();
    assert_eq!(t.records[0].note, None);
    assert!(t.records[0].note_state.contains("確認待ち"));
    assert!(matches!(
        b.svc.held_visit_notes(&v).await,
        Err(ServiceError::Denied(_))
    ));
    let notes = b.svc.held_visit_notes(&boss).await.unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].code, second);
    assert!(notes[0].note.contains("宗教") && notes[0].flags.contains("信条"));
    assert!(b
        .svc
        .review_visit_note(&v, notes[0].id, true)
        .await
        .is_err());
    b.svc
        .review_visit_note(&boss, notes[0].id, true)
        .await
        .unwrap();
    b.svc
        .review_visit_note(&boss, notes[1].id, false)
        .await
        .unwrap();
    assert!(b.svc.held_visit_notes(&boss).await.unwrap().is_empty());
    let t = b.svc.visit_target(&v, &second).await.unwrap();
    assert_eq!(
        t.records[0].note.as_deref(),
        Some("宗教上の理由で受けないとのこと")
    );
    let t = b.svc.visit_target(&v, &third).await.unwrap();
    assert_eq!(t.records[0].note, None);
    assert!(t.records[0].note_state.contains("削除"));
    // Moved is not a contact: nothing goes back for the third person.
    let (people, _) = b.svc.list_persons(&tsuchi, 0, 500).await.unwrap();
    let results: Vec<&str> = people
        .iter()
        .map(|p| p.get(Item::KanshoKekka))
        .filter(|r| r.starts_with("訪問勧奨"))
        .collect();
    assert_eq!(results.len(), 2, "{results:?}");
    // Every visit write and read is in the audit log under the purpose.
    let writes = b.audit("write").await;
    assert!(
        writes
            .iter()
            .filter(|e| e.target == "visit" && e.reason.contains("kansho_kekka recorded"))
            .count()
            == 2
    );
    assert!(writes
        .iter()
        .any(|e| e.reason.contains("note held for review (shinjo)")));
}

async fn erasure_deletes_the_visit_records(b: Bed) {
    b.assign_arms().await;
    let v = b.visitor().await;
    let (id, _) = b.list().await;
    let (p, _) = b.svc.print_visit_half(&v, id, Half::Name).await.unwrap();
    b.svc
        .sign_out_visit_half(&v, p.id, "訪問 太郎", 1)
        .await
        .unwrap();
    let code = b.svc.visit_list(&v, id).await.unwrap().targets[0]
        .code
        .clone();
    b.svc
        .record_visit(
            &v,
            &VisitEntry {
                code,
                outcome: "met".into(),
                note: "説明済み".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let tables = [
        "visit_records",
        "visit_handouts",
        "visit_prints",
        "visit_targets",
        "visit_lists",
    ];
    for t in tables {
        assert!(b.rows(t).await > 0, "{t} has rows before");
    }
    let mut admin = b.user("ward-admin").await;
    admin.stepped_up = true;
    b.svc
        .erase_contract(&admin, b.demo.contract_id, Some("紙の訪問名簿は回収済み"))
        .await
        .unwrap();
    for t in tables {
        assert_eq!(b.rows(t).await, 0, "{t} after erasure");
    }
}
