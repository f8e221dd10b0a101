//! The inquiry desk on both backends: finding a caller by each key with
//! only the desk purpose's items; each inquiry type stored and audited;
//! screening eligibility; held notes; callers not in the list; the
//! re-issue batch print; the ward's lists; erasure of the desk's rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, Item, ItemSet, UserId};
use itaku_crypto::MasterKey;
use itaku_service::testing::*;
use itaku_service::*;
use std::collections::BTreeMap;
use std::sync::Arc;

struct Bed {
    svc: Service,
    url: String,
    desk_contract: i64,
    _dir: tempfile::TempDir,
}

async fn bed(postgres: bool) -> Option<Bed> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    let svc = Service::open_url(
        &url,
        MasterKey::generate(),
        Arc::new(clock),
        Settings::default(),
    )
    .await
    .unwrap();
    svc.seed_demo(300, 7).await.unwrap();
    let uketsuke = svc.user_id_by_login("tdi-uketsuke").await.unwrap().unwrap();
    let ctx = svc.work_contexts(uketsuke).await.unwrap();
    assert_eq!(ctx.len(), 1);
    assert_eq!(ctx[0].purpose_code, "toiawase");
    Some(Bed {
        svc,
        url,
        desk_contract: ctx[0].contract_id,
        _dir: dir,
    })
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::bed(false).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(b) = super::bed(true).await { super::$name(b).await; } })* }
    };
}

both!(
    every_key_finds_the_caller_with_only_the_purposes_items,
    a_whole_name_finds_exactly_those_people_a_part_finds_all,
    each_inquiry_is_stored_and_audited,
    screenings_are_checked_by_age_and_sex,
    flagged_notes_are_held_until_the_responsible_decides,
    callers_not_in_the_list_give_only_collectible_items,
    reissues_print_as_one_batch_in_the_print_register,
    two_batch_prints_at_once_print_each_reissue_once,
    erasure_deletes_the_desks_work_rows,
);

impl Bed {
    async fn user(&self, login: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
    }
    async fn desk(&self) -> Actor {
        self.user("tdi-uketsuke")
            .await
            .in_contract(ContractId(self.desk_contract), Some("toiawase".into()))
    }
    async fn responsible(&self) -> Actor {
        self.user("tdi-sekinin")
            .await
            .in_contract(ContractId(self.desk_contract), Some("toiawase".into()))
    }
    async fn ward(&self) -> Actor {
        self.user("hokenshi").await
    }
    async fn people(&self) -> Vec<PersonView> {
        let (p, total) = self
            .svc
            .list_persons(&self.desk().await, 0, 500)
            .await
            .unwrap();
        assert!(
            total > 20,
            "the seed 000 list is in the desk's vault: {total}"
        );
        p
    }
    /// A listed person matching `f`, with every search key present.
    async fn person(&self, f: impl Fn(&PersonView) -> bool) -> PersonView {
        self.people()
            .await
            .into_iter()
            .find(|p| {
                [
                    Item::Shimei,
                    Item::KanaShimei,
                    Item::Seinengappi,
                    Item::DenwaBango,
                    Item::JushinkenNo,
                ]
                .iter()
                .all(|i| !p.get(*i).is_empty())
                    && f(p)
            })
            .expect("a person of that kind in the list")
    }
    async fn audit(&self) -> Vec<AuditEntryView> {
        self.svc
            .audit_search(
                &Actor::system("test"),
                &AuditQuery {
                    limit: 5000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }
    async fn entry_naming(&self, needle: &str) -> AuditEntryView {
        self.audit()
            .await
            .into_iter()
            .find(|e| e.reason.contains(needle))
            .unwrap_or_else(|| panic!("an audit entry naming {needle}"))
    }
}

fn birth(p: &PersonView) -> NaiveDate {
    NaiveDate::parse_from_str(p.get(Item::Seinengappi), "%Y-%m-%d").unwrap()
}

fn age(p: &PersonView) -> u32 {
    itaku_jp::age_at_fiscal_year_end(birth(p), itaku_jp::FiscalYear::new(2026))
}

fn hiragana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap(),
            _ => c,
        })
        .collect()
}

fn first_word(s: &str) -> String {
    s.split([' ', '　']).next().unwrap().to_owned()
}

fn toiawase_items() -> ItemSet {
    [
        Item::YubinBango,
        Item::Jusho,
        Item::Katagaki,
        Item::Shimei,
        Item::KanaShimei,
        Item::Seinengappi,
        Item::Seibetsu,
        Item::DenwaBango,
        Item::GanKenshinShurui,
        Item::JushinkenNo,
    ]
    .into_iter()
    .collect()
}

async fn every_key_finds_the_caller_with_only_the_purposes_items(b: Bed) {
    let desk = b.desk().await;
    let p = b.person(|_| true).await;
    let d = birth(&p);
    let phone: String = p
        .get(Item::DenwaBango)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let queries = [
        hiragana(&first_word(p.get(Item::KanaShimei))),
        p.get(Item::KanaShimei).to_owned(),
        first_word(p.get(Item::Shimei)),
        itaku_jp::format_wareki_short(d),
        itaku_jp::format_wareki(d),
        format!("{}/{}/{}", d.year(), d.month(), d.day()),
        phone.clone(),
        phone[phone.len() - 4..].to_owned(),
        p.get(Item::JushinkenNo).to_owned(),
    ];
    let allowed = toiawase_items();
    for q in &queries {
        let hits = b
            .svc
            .search_persons(
                &desk,
                &PersonQuery {
                    text: q.clone(),
                    limit: 200,
                },
            )
            .await
            .unwrap();
        assert!(hits.iter().any(|h| h.id == p.id), "{q} finds {}", p.id);
        for h in &hits {
            for item in h.values.keys() {
                assert!(allowed.contains(*item), "{item:?} is outside toiawase");
            }
        }
        // Each search is audited, naming what it returned.
        let e = b.audit().await.into_iter().next().unwrap();
        assert_eq!((e.action.as_str(), e.target.as_str()), ("search", "person"));
        assert!(e.record_ids.contains(&p.id), "{q}: {:?}", e.record_ids);
        assert_eq!(e.purpose, "toiawase");
    }
    // A birth date finds exactly the people born that day.
    let hits = b
        .svc
        .search_persons(
            &desk,
            &PersonQuery {
                text: itaku_jp::format_wareki_short(d),
                limit: 200,
            },
        )
        .await
        .unwrap();
    assert!(hits
        .iter()
        .all(|h| h.get(Item::Seinengappi) == p.get(Item::Seinengappi)));

    // 宛名番号 is not a desk item: searching by it is no oracle.
    let ward = b.ward().await;
    let in_ward = b
        .svc
        .search_persons(
            &ward,
            &PersonQuery {
                text: p.get(Item::JushinkenNo).to_owned(),
                limit: 10,
            },
        )
        .await
        .unwrap();
    let atena = in_ward
        .iter()
        .find(|w| w.get(Item::Seinengappi) == p.get(Item::Seinengappi))
        .map(|w| w.get(Item::AtenaNo).to_owned())
        .unwrap();
    assert!(!atena.is_empty());
    let by_atena = b
        .svc
        .search_persons(
            &desk,
            &PersonQuery {
                text: atena,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert!(by_atena.iter().all(|h| h.id != p.id));
}

async fn a_whole_name_finds_exactly_those_people_a_part_finds_all(b: Bed) {
    let ward = b.ward().await;
    let person = |atena: &str, kanji: &str, kana: &str| NewPerson {
        values: [
            (Item::AtenaNo, atena.to_owned()),
            (Item::Shimei, kanji.to_owned()),
            (Item::KanaShimei, kana.to_owned()),
        ]
        .into_iter()
        .collect(),
    };
    b.svc
        .register_persons(
            &ward,
            &[
                person("880000001", "未来　花", "ミライ　ハナ"),
                person("880000002", "未来　花子", "ミライ　ハナコ"),
            ],
        )
        .await
        .unwrap();
    let names = |q: &'static str| {
        let svc = b.svc.clone();
        let ward = ward.clone();
        async move {
            let mut n: Vec<String> = svc
                .search_persons(
                    &ward,
                    &PersonQuery {
                        text: q.into(),
                        limit: 20,
                    },
                )
                .await
                .unwrap()
                .iter()
                .map(|p| p.get(Item::KanaShimei).to_owned())
                .filter(|k| k.starts_with("ミライ"))
                .collect();
            n.sort();
            n
        }
    };
    // Someone's whole name: exactly them, however it is typed.
    assert_eq!(names("みらいはな").await, vec!["ミライ　ハナ"]);
    assert_eq!(names("ﾐﾗｲ ﾊﾅｺ").await, vec!["ミライ　ハナコ"]);
    assert_eq!(names("未来　花").await, vec!["ミライ　ハナ"]);
    // A part of names: everyone whose name contains it.
    assert_eq!(
        names("みらい").await,
        vec!["ミライ　ハナ", "ミライ　ハナコ"]
    );
    assert_eq!(
        names("ライハ").await,
        vec!["ミライ　ハナ", "ミライ　ハナコ"]
    );
}

async fn each_inquiry_is_stored_and_audited(b: Bed) {
    let desk = b.desk().await;
    let ward = b.ward().await;
    let p = b.person(|_| true).await;

    // Guidance, with an ordinary note.
    let mut g = InquiryRequest::new(InquiryKind::Guidance);
    g.person_id = Some(p.id);
    g.note = "実施医療機関の一覧の見方を案内".into();
    let out = b.svc.record_inquiry(&desk, &g).await.unwrap();
    assert_eq!(out.note_state, NoteState::Stored);
    let e = b
        .entry_naming(&format!("desk inquiry {}: guidance", out.id))
        .await;
    assert_eq!(e.target, "desk_inquiry");
    assert_eq!(e.record_ids, vec![p.id]);
    assert_eq!(e.outcome, "allow");
    let list = b.svc.desk_inquiries(&desk, 10).await.unwrap();
    let row = list.iter().find(|r| r.id == out.id).unwrap();
    assert_eq!(row.kind, InquiryKind::Guidance);
    assert_eq!(row.person_id, Some(p.id));
    assert_eq!(row.note.as_deref(), Some("実施医療機関の一覧の見方を案内"));

    // Voucher re-issue: queued once.
    let mut r = InquiryRequest::new(InquiryKind::Reissue);
    r.person_id = Some(p.id);
    let out = b.svc.record_inquiry(&desk, &r).await.unwrap();
    b.entry_naming(&format!("desk inquiry {}: reissue", out.id))
        .await;
    let queue = b.svc.reissue_queue(&desk, false).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!((queue[0].person_id, queue[0].inquiry_id), (p.id, out.id));
    assert_eq!(queue[0].name, p.get(Item::Shimei));
    let again = b.svc.record_inquiry(&desk, &r).await.unwrap_err();
    assert!(again.to_string().contains("受付済み"), "{again}");

    // Change of address: for the ward, sealed with the ward's key.
    let mut a = InquiryRequest::new(InquiryKind::AddressChange);
    a.person_id = Some(p.id);
    a.new_address = Some(NewAddress {
        postal_code: "１６０－００２２".into(),
        address: "東京都新宿区新宿５－１－１".into(),
        katagaki: "新宿ハイツ１０１".into(),
    });
    let out = b.svc.record_inquiry(&desk, &a).await.unwrap();
    b.entry_naming(&format!("desk inquiry {}: address_change", out.id))
        .await;
    let changes = b.svc.ward_address_changes(&ward).await.unwrap();
    assert_eq!(changes.len(), 1);
    let c = &changes[0];
    assert_eq!(c.new_postal_code, "1600022");
    assert!(c.new_address.contains("新宿"), "{}", c.new_address);
    assert_eq!(c.name, p.get(Item::Shimei));
    assert!(c.ward_person_id.is_some() && c.handled_at.is_none());
    // The contractor cannot read the ward's list.
    assert!(b.svc.ward_address_changes(&desk).await.is_err());
    b.svc
        .mark_address_change_handled(&ward, c.id)
        .await
        .unwrap();
    let changes = b.svc.ward_address_changes(&ward).await.unwrap();
    assert!(changes[0].handled_at.is_some());
    assert!(b
        .svc
        .mark_address_change_handled(&ward, c.id)
        .await
        .is_err());
    // A bad postal code is refused, nothing recorded.
    a.new_address = Some(NewAddress {
        postal_code: "12".into(),
        address: "東京都新宿区新宿5-1-1".into(),
        katagaki: String::new(),
    });
    let e = b.svc.record_inquiry(&desk, &a).await.unwrap_err();
    assert!(e.to_string().contains("郵便番号"), "{e}");

    // Complaint: into the ward's complaints record.
    let mut c = InquiryRequest::new(InquiryKind::Complaint);
    c.person_id = Some(p.id);
    c.note = "受診券が届くのが遅かった".into();
    let out = b.svc.record_inquiry(&desk, &c).await.unwrap();
    b.entry_naming(&format!("desk inquiry {}: complaint", out.id))
        .await;
    let complaints = b.svc.ward_complaints(&ward).await.unwrap();
    assert_eq!(complaints.len(), 1);
    let k = &complaints[0];
    assert_eq!(k.summary, "受診券が届くのが遅かった");
    assert_eq!(k.contract_id, Some(b.desk_contract));
    assert_eq!(k.received_on, "2026-11-22");
    assert_eq!(k.reported_on.as_deref(), Some("2026-11-22"));
    assert!(k.answered_on.is_none());
    b.svc
        .answer_complaint(
            &ward,
            k.id,
            &ComplaintAnswer {
                answered_on: NaiveDate::from_ymd_opt(2026, 11, 25),
                answer: "発送日程を説明し、お詫びした".into(),
                reported_on: None,
            },
        )
        .await
        .unwrap();
    let k = &b.svc.ward_complaints(&ward).await.unwrap()[0];
    assert_eq!(k.answered_on.as_deref(), Some("2026-11-25"));
    assert_eq!(k.answer, "発送日程を説明し、お詫びした");
    // A complaint needs its summary.
    c.note = "  ".into();
    assert!(b.svc.record_inquiry(&desk, &c).await.is_err());

    // Nothing said at the desk is in the clear on disk (PostgreSQL dump).
    let dump = dump_tables_text(&b.url).await.unwrap();
    for secret in [
        "受診券が届くのが遅かった",
        "新宿ハイツ",
        "実施医療機関の一覧の見方",
    ] {
        assert!(!dump.contains(secret), "{secret} in the clear");
    }
}

async fn screenings_are_checked_by_age_and_sex(b: Bed) {
    let desk = b.desk().await;
    let fy_end_age = |p: &PersonView| age(p);
    // A man of 50 or more: 胃 and 大腸 are added to his record.
    let man = b
        .person(|p| p.get(Item::Seibetsu) == "1" && fy_end_age(p) >= 50)
        .await;
    let mut req = InquiryRequest::new(InquiryKind::AddScreening);
    req.person_id = Some(man.id);
    req.screenings = vec![Screening::Stomach, Screening::Colorectal];
    let out = b.svc.record_inquiry(&desk, &req).await.unwrap();
    assert!(out.message.contains("胃"), "{}", out.message);
    let after = b.svc.read_person(&desk, man.id).await.unwrap();
    let kinds = after.get(Item::GanKenshinShurui);
    assert!(kinds.contains("胃") && kinds.contains("大腸"), "{kinds}");
    b.entry_naming(&format!("desk inquiry {}: add_screening", out.id))
        .await;
    // The same again: already there.
    let e = b.svc.record_inquiry(&desk, &req).await.unwrap_err();
    assert!(e.to_string().contains("既に申込済み"), "{e}");
    // Cervical screening is for women: refused with the reason, audited,
    // and the record unchanged.
    req.screenings = vec![Screening::Cervical];
    let e = b.svc.record_inquiry(&desk, &req).await.unwrap_err();
    assert!(e.to_string().contains("女性が対象"), "{e}");
    let refused = b.entry_naming("screening refused").await;
    // The audit names the rule, never the caller's age or sex.
    assert!(
        !refused.reason.contains('歳') && !refused.reason.contains("女性"),
        "{}",
        refused.reason
    );
    let still = b.svc.read_person(&desk, man.id).await.unwrap();
    assert_eq!(still.get(Item::GanKenshinShurui), kinds);
    // Under 50 at the fiscal year's end: no 胃.
    let young = b
        .person(|p| fy_end_age(p) < 50 && fy_end_age(p) >= 40)
        .await;
    req.person_id = Some(young.id);
    req.screenings = vec![Screening::Stomach];
    let e = b.svc.record_inquiry(&desk, &req).await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("50歳以上") && msg.contains(&format!("{}歳", age(&young))),
        "{msg}"
    );
    // But 肺 from 40.
    req.screenings = vec![Screening::Lung];
    b.svc.record_inquiry(&desk, &req).await.unwrap();
    assert!(b
        .svc
        .read_person(&desk, young.id)
        .await
        .unwrap()
        .get(Item::GanKenshinShurui)
        .contains("肺"));
}

async fn flagged_notes_are_held_until_the_responsible_decides(b: Bed) {
    let desk = b.desk().await;
    let boss = b.responsible().await;
    let ward = b.ward().await;
    let p = b.person(|_| true).await;
    let mut g = InquiryRequest::new(InquiryKind::Guidance);
    g.person_id = Some(p.id);
    g.note = "日曜は教会の礼拝があるので平日希望".into();
    let held = b.svc.record_inquiry(&desk, &g).await.unwrap();
    assert_eq!(held.note_state, NoteState::Held);
    assert!(held.message.contains("保留"), "{}", held.message);
    b.entry_naming(&format!("desk inquiry {}: guidance, note held", held.id))
        .await;
    // Not shown in the desk's list.
    let list = b.svc.desk_inquiries(&desk, 10).await.unwrap();
    let row = list.iter().find(|r| r.id == held.id).unwrap();
    assert_eq!(row.note_state, NoteState::Held);
    assert!(row.note.is_none());
    // A complaint whose summary is flagged does not reach the ward yet.
    let mut c = InquiryRequest::new(InquiryKind::Complaint);
    c.person_id = Some(p.id);
    c.note = "前科があることを近所に話されたと怒っている".into();
    let held_complaint = b.svc.record_inquiry(&desk, &c).await.unwrap();
    assert_eq!(held_complaint.note_state, NoteState::Held);
    assert!(b.svc.ward_complaints(&ward).await.unwrap().is_empty());

    // Only the 責任者 reviews, and the refusal is audited.
    let e = b.svc.held_notes(&desk).await.unwrap_err();
    assert!(matches!(e, ServiceError::Denied(_)), "{e}");
    assert!(b.svc.review_note(&desk, held.id, true).await.is_err());
    b.entry_naming("refused: only the contract's responsible person")
        .await;
    let notes = b.svc.held_notes(&boss).await.unwrap();
    assert_eq!(notes.len(), 2);
    let n = notes.iter().find(|n| n.inquiry_id == held.id).unwrap();
    assert_eq!(n.note, "日曜は教会の礼拝があるので平日希望");
    assert!(n.flags.iter().any(|f| f.contains("宗教")), "{:?}", n.flags);
    // Outside the sealed note only the kind is kept, never the word.
    let clear = |sql: String| {
        let url = b.url.clone();
        async move { raw_sql(&url, &sql).await.unwrap() }
    };
    let touch = |flags: &str| {
        format!(
            "UPDATE desk_inquiries SET note_flags = note_flags WHERE id = {} AND note_flags = '{flags}'",
            held.id
        )
    };
    assert_eq!(clear(touch("shinjo")).await, 1);
    assert_eq!(
        clear(
            "UPDATE desk_inquiries SET note_flags = note_flags WHERE note_flags LIKE '%教会%'"
                .into()
        )
        .await,
        0
    );
    // Rows written before carried the words; migration 14 rewrites them
    // to their kinds and the review still labels them.
    clear(format!(
        "UPDATE desk_inquiries SET note_flags = 'hanzai:前科,shinjo:教会' WHERE id = {}",
        held.id
    ))
    .await;
    // The same statement on both backends.
    let migration = include_str!("../../store/migrations/sqlite/0014_note_flags_kinds_only.sql");
    assert_eq!(
        migration,
        include_str!("../../store/migrations/postgres/0014_note_flags_kinds_only.sql")
    );
    assert_eq!(clear(migration.into()).await, 1);
    assert_eq!(clear(touch("shinjo,hanzai")).await, 1);
    let notes = b.svc.held_notes(&boss).await.unwrap();
    let n = notes.iter().find(|n| n.inquiry_id == held.id).unwrap();
    assert_eq!(n.flags, vec!["思想・信条・宗教", "犯罪に関する事項"]);

    // Release: shown from now on.
    b.svc.review_note(&boss, held.id, true).await.unwrap();
    b.entry_naming(&format!("desk inquiry {}: note released", held.id))
        .await;
    let row = b
        .svc
        .desk_inquiries(&desk, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == held.id)
        .unwrap();
    assert_eq!(row.note_state, NoteState::Released);
    assert_eq!(
        row.note.as_deref(),
        Some("日曜は教会の礼拝があるので平日希望")
    );
    assert!(b.svc.review_note(&boss, held.id, false).await.is_err());

    // Delete: the text is gone; the complaint reaches the ward without it.
    b.svc
        .review_note(&boss, held_complaint.id, false)
        .await
        .unwrap();
    assert!(b.svc.held_notes(&boss).await.unwrap().is_empty());
    let complaints = b.svc.ward_complaints(&ward).await.unwrap();
    assert_eq!(complaints.len(), 1);
    assert!(
        complaints[0].summary.contains("削除"),
        "{}",
        complaints[0].summary
    );
    assert!(!complaints[0].summary.contains("前科"));
    let row = b
        .svc
        .desk_inquiries(&desk, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == held_complaint.id)
        .unwrap();
    assert_eq!(row.note_state, NoteState::Deleted);
    assert!(row.note.is_none());
}

async fn callers_not_in_the_list_give_only_collectible_items(b: Bed) {
    let desk = b.desk().await;
    let ward = b.ward().await;
    let mut caller = BTreeMap::new();
    caller.insert(Item::Shimei, "転入　花子".to_owned());
    caller.insert(Item::KanaShimei, "テンニュウ　ハナコ".to_owned());
    caller.insert(Item::Seinengappi, "昭和50年4月10日".to_owned());
    caller.insert(Item::Seibetsu, "女".to_owned());
    caller.insert(Item::DenwaBango, "090-1234-5678".to_owned());
    let mut req = InquiryRequest::new(InquiryKind::AddScreening);
    req.caller = caller.clone();
    req.screenings = vec![Screening::Breast, Screening::Cervical];
    // The purpose of use must be read first.
    let e = b.svc.record_inquiry(&desk, &req).await.unwrap_err();
    assert!(e.to_string().contains("利用目的"), "{e}");
    req.purpose_read = true;
    // Only seed 000's items: not the voucher number, not the 宛名番号.
    req.caller.insert(Item::JushinkenNo, "1234567".into());
    let e = b.svc.record_inquiry(&desk, &req).await.unwrap_err();
    assert!(
        e.to_string().contains("聞き取れる項目ではありません"),
        "{e}"
    );
    req.caller.remove(&Item::JushinkenNo);
    req.caller.insert(Item::AtenaNo, "100000001".into());
    assert!(b.svc.record_inquiry(&desk, &req).await.is_err());
    req.caller.remove(&Item::AtenaNo);
    let out = b.svc.record_inquiry(&desk, &req).await.unwrap();
    let e = b
        .entry_naming(&format!("desk inquiry {}: add_screening", out.id))
        .await;
    assert!(e.record_ids.is_empty());
    let row = b
        .svc
        .desk_inquiries(&desk, 10)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == out.id)
        .unwrap();
    assert_eq!(row.person_id, None);
    assert!(row.purpose_read);
    assert_eq!(row.caller_name, "転入　花子／テンニュウ　ハナコ");
    for label in ["氏名", "生年月日", "性別", "電話番号", "がん検診の種類"] {
        assert!(
            row.caller_items.contains(label),
            "{label}: {}",
            row.caller_items
        );
    }
    assert_eq!(row.screenings, vec!["子宮頸", "乳"]);
    // A man is not added to 乳がん検診, listed or not.
    req.caller.insert(Item::Seibetsu, "男".into());
    req.screenings = vec![Screening::Breast];
    let e = b.svc.record_inquiry(&desk, &req).await.unwrap_err();
    assert!(e.to_string().contains("女性が対象"), "{e}");
    // No voucher for someone not in the list.
    let mut r = InquiryRequest::new(InquiryKind::Reissue);
    r.caller = caller.clone();
    r.purpose_read = true;
    let e = b.svc.record_inquiry(&desk, &r).await.unwrap_err();
    assert!(e.to_string().contains("再発行できません"), "{e}");
    // A change of address from an unlisted caller reaches the ward.
    let mut a = InquiryRequest::new(InquiryKind::AddressChange);
    a.caller = caller;
    a.purpose_read = true;
    a.new_address = Some(NewAddress {
        postal_code: "1690073".into(),
        address: "東京都新宿区百人町1-1-1".into(),
        katagaki: String::new(),
    });
    b.svc.record_inquiry(&desk, &a).await.unwrap();
    let changes = b.svc.ward_address_changes(&ward).await.unwrap();
    assert_eq!(changes[0].name, "転入　花子");
    assert_eq!(changes[0].birth_date, "1975-04-10");
    assert_eq!(changes[0].ward_person_id, None);
}

async fn reissues_print_as_one_batch_in_the_print_register(b: Bed) {
    let desk = b.desk().await;
    let boss = b.responsible().await;
    let people = b.people().await;
    let picked: Vec<&PersonView> = people.iter().take(3).collect();
    for p in &picked {
        let mut r = InquiryRequest::new(InquiryKind::Reissue);
        r.person_id = Some(p.id);
        b.svc.record_inquiry(&desk, &r).await.unwrap();
    }
    // The operator does not print; the 責任者 does.
    assert!(b.svc.print_reissues(&desk).await.is_err());
    let runs = b.svc.print_reissues(&boss).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.kind, PrintKind::Vouchers);
    assert_eq!(run.persons, 3);
    assert!(run.note.contains("再発行"), "{}", run.note);
    // In the campaign's print register, and printed once only.
    let register = b.svc.print_runs(&boss, run.campaign_id).await.unwrap();
    assert!(register.iter().any(|r| r.id == run.id));
    assert!(b.svc.reissue_queue(&boss, false).await.unwrap().is_empty());
    let printed = b.svc.reissue_queue(&boss, true).await.unwrap();
    assert_eq!(printed.len(), 3);
    assert!(printed.iter().all(|r| r.print_run_id == Some(run.id)));
    assert!(b.svc.print_reissues(&boss).await.is_err());
    // Marked printed in the run's own entry (one transaction: no window
    // in which the run exists and the re-issues are still queued).
    let entry = b.entry_naming(&format!("print run {}", run.run_ref)).await;
    assert!(
        entry.reason.contains("desk reissues printed: 3"),
        "{}",
        entry.reason
    );
    // The vouchers themselves, with the names on them.
    let file = b.svc.render_batch(&boss, run.id, 1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.pdf");
    std::fs::write(&path, &file.bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = String::from_utf8(out.stdout)
        .unwrap()
        .replace([' ', '\u{3000}'], "");
    for p in &picked {
        let name = p.get(Item::Shimei).replace([' ', '\u{3000}'], "");
        assert!(text.contains(&name), "{name} in the vouchers");
    }
}

/// Two 責任者 sessions pressing 印刷 together: each queued re-issue ends up
/// in exactly one print run, and the losing batch leaves no run behind.
async fn two_batch_prints_at_once_print_each_reissue_once(b: Bed) {
    let desk = b.desk().await;
    let boss = b.responsible().await;
    let people = b.people().await;
    for p in people.iter().take(4) {
        let mut r = InquiryRequest::new(InquiryKind::Reissue);
        r.person_id = Some(p.id);
        b.svc.record_inquiry(&desk, &r).await.unwrap();
    }
    let (one, two) = tokio::join!(b.svc.print_reissues(&boss), b.svc.print_reissues(&boss));
    let runs: Vec<_> = [one, two]
        .into_iter()
        .filter_map(|r| r.ok())
        .flatten()
        .collect();
    assert_eq!(runs.len(), 1, "one batch printed: {runs:?}");
    let printed = b.svc.reissue_queue(&boss, true).await.unwrap();
    assert_eq!(printed.len(), 4);
    assert!(printed.iter().all(|r| r.print_run_id == Some(runs[0].id)));
    let register = b.svc.print_runs(&boss, runs[0].campaign_id).await.unwrap();
    let reissue_runs = register
        .iter()
        .filter(|r| r.note.contains("再発行"))
        .count();
    assert_eq!(reissue_runs, 1, "no second run left behind");
}

async fn erasure_deletes_the_desks_work_rows(b: Bed) {
    let desk = b.desk().await;
    let ward = b.ward().await;
    let p = b.person(|_| true).await;
    for kind in [
        InquiryKind::Reissue,
        InquiryKind::Guidance,
        InquiryKind::Complaint,
        InquiryKind::AddressChange,
    ] {
        let mut r = InquiryRequest::new(kind);
        r.person_id = Some(p.id);
        r.note = "宗教上の理由で日曜は不可".into();
        if kind == InquiryKind::Complaint {
            r.note = "説明が分かりにくかった".into();
        }
        r.new_address = Some(NewAddress {
            postal_code: "1600022".into(),
            address: "東京都新宿区新宿5-1-1".into(),
            katagaki: String::new(),
        });
        b.svc.record_inquiry(&desk, &r).await.unwrap();
    }
    assert_eq!(b.svc.ward_complaints(&ward).await.unwrap().len(), 1);
    assert_eq!(b.svc.ward_address_changes(&ward).await.unwrap().len(), 1);
    let mut admin = b.user("ward-admin").await;
    admin.stepped_up = true;
    // An address change the ward has not applied would be lost: refused,
    // even with a waiver for the returns.
    let refused = b
        .svc
        .erase_contract(&admin, b.desk_contract, Some("窓口の記録は区へ報告済み"))
        .await;
    assert!(
        matches!(&refused, Err(ServiceError::Conflict(m)) if m.contains("住所変更")),
        "{refused:?}"
    );
    let change = &b.svc.ward_address_changes(&ward).await.unwrap()[0];
    b.svc
        .mark_address_change_handled(&ward, change.id)
        .await
        .unwrap();
    b.svc
        .erase_contract(&admin, b.desk_contract, Some("窓口の記録は区へ報告済み"))
        .await
        .unwrap();
    // The complaint is the ward's record: it outlives the contract, still
    // readable with the ward's key and still naming the contract.
    let complaints = b.svc.ward_complaints(&ward).await.unwrap();
    assert_eq!(complaints.len(), 1);
    assert_eq!(complaints[0].summary, "説明が分かりにくかった");
    assert!(b.svc.ward_address_changes(&ward).await.unwrap().is_empty());
    for table in ["desk_reissues", "desk_address_changes", "desk_inquiries"] {
        let left = raw_sql(&b.url, &format!("DELETE FROM {table}"))
            .await
            .unwrap();
        assert_eq!(left, 0, "{table} emptied by the erasure");
    }
}
