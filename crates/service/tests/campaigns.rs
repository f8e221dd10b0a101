//! Mail campaigns on both backends: a frozen list taken through
//! segmentation, messages, arm assignment and printing by the contractor's
//! handler; the print register and page ids; returned mail; and the
//! refusals (other purposes, other contracts, people outside the campaign,
//! characters without a glyph).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, Item, UserId};
use itaku_crypto::MasterKey;
use itaku_service::testing::*;
use itaku_service::*;
use std::collections::BTreeMap;
use std::sync::Arc;

async fn service(postgres: bool, dir: &tempfile::TempDir) -> Option<(Service, DemoSummary)> {
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
    let demo = svc.seed_demo(400, 7).await.unwrap();
    Some((svc, demo))
}

async fn user(svc: &Service, login: &str) -> Actor {
    Actor::user(
        UserId(svc.user_id_by_login(login).await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    )
}

async fn handler(svc: &Service, demo: &DemoSummary, login: &str, purpose: &str) -> Actor {
    user(svc, login)
        .await
        .in_contract(ContractId(demo.contract_id), Some(purpose.into()))
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); let (s, u) = super::service(false, &d).await.unwrap(); super::$name(s, u).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); if let Some((s, u)) = super::service(true, &d).await { super::$name(s, u).await; } })* }
    };
}

both!(
    handler_takes_a_list_through_segments_arms_and_printing,
    refusals_are_audited_and_leave_nothing,
    characters_without_a_glyph_stop_a_print_run
);

async fn handler_takes_a_list_through_segments_arms_and_printing(svc: Service, demo: DemoSummary) {
    let h = handler(&svc, &demo, "mirai-tsuchi", "tsuchi_kansho").await;
    let id = demo.campaign_id;
    let c = svc.campaign(&h, id).await.unwrap();
    assert_eq!(c.state, CampaignState::Draft);
    assert!(
        c.members > 20,
        "the seed 002 list has people: {}",
        c.members
    );
    assert!(c.callable > 0 && c.callable < c.members);

    // Segments: every member in exactly one, counts as previewed.
    let (_, _, seg) = segmentation_presets(2026).remove(0);
    let preview = svc.preview_segmentation(&h, id, &seg).await.unwrap();
    let applied = svc.apply_segmentation(&h, id, &seg).await.unwrap();
    assert_eq!(
        preview.iter().map(|c| c.count).collect::<Vec<_>>(),
        applied.iter().map(|c| c.count).collect::<Vec<_>>()
    );
    assert_eq!(applied.iter().map(|c| c.count).sum::<i64>(), c.members);
    assert!(applied.iter().filter(|c| c.count > 0).count() >= 2);

    // Printing before every segment has a message is refused.
    let err = svc
        .create_print_run(&h, id, PrintKind::Postcards, &PrintRequest::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("文面のない区分"), "{err}");

    // Messages, versioned.
    for s in &applied {
        let (title, body) = default_template(&s.name, s.code == "never");
        assert_eq!(
            svc.save_template(&h, id, &s.code, &title, &body)
                .await
                .unwrap(),
            1
        );
    }
    let never = &applied[0].code;
    let v2 = svc
        .save_template(
            &h,
            id,
            never,
            "{年度} 健診のご案内",
            "{氏名} 様\n\n期限は{期限}です。",
        )
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let bad = svc
        .save_template(&h, id, never, "案内", "{なまえ} 様")
        .await;
    assert!(bad.unwrap_err().to_string().contains("{なまえ}"));

    // Arms: reproducible from the stored seed, only callable members.
    let mut req = ArmRequest::notice_and_call();
    req.seed = Some("00".repeat(31) + "2a");
    let r1 = svc.assign_arms(&h, id, &req).await.unwrap();
    assert!(r1.reproduced);
    assert_eq!(r1.not_randomised as i64, c.members - c.callable);
    assert_eq!(r1.arm_counts.iter().sum::<u64>() as i64, c.callable);
    let diff = r1.arm_counts[0].abs_diff(r1.arm_counts[1]);
    assert!(
        diff <= r1.strata.len() as u64 * 2,
        "permuted blocks keep arms even"
    );
    assert!(!r1.srm_mismatch);
    let r2 = svc.assign_arms(&h, id, &req).await.unwrap();
    assert_eq!(r1.arm_counts, r2.arm_counts);
    assert_eq!(
        svc.campaign(&h, id).await.unwrap().state,
        CampaignState::Assigned
    );

    // A print run: all members, two pages each, message versions recorded.
    let run = svc
        .create_print_run(&h, id, PrintKind::Postcards, &PrintRequest::default())
        .await
        .unwrap();
    assert_eq!(run.persons, c.members);
    assert_eq!(run.pages, c.members * 2);
    assert_eq!(run.template_versions.get(never), Some(&2));
    let file = svc.render_batch(&h, run.id, 1).await.unwrap();
    assert!(file.bytes.starts_with(b"%PDF"));
    assert_eq!(file.pages as i64, c.members.min(BATCH) * 2);
    let text = pdftotext(&file.bytes);
    assert!(text.contains(&page_ref(run.id, 1)), "page ids printed");
    assert!(text.contains("様"));
    // The page id leads back to the person.
    let owner = svc.identify_page(&h, &page_ref(run.id, 3)).await.unwrap();
    assert!(!owner.shimei.is_empty());
    assert!(text.contains(owner.shimei.split(['　', ' ']).next().unwrap()));
    assert_eq!(
        svc.campaign(&h, id).await.unwrap().state,
        CampaignState::Printed
    );
    let register = svc.print_runs(&h, id).await.unwrap();
    assert_eq!(register[0].batches[0].downloads, 1);

    // Returned mail: recorded once, never printed again.
    let typed = format!("ｒ{}", &page_ref(run.id, 3)[1..]);
    let ret = svc.record_returned(&h, &typed, "").await.unwrap();
    assert_eq!(ret.member_id, owner.member_id);
    assert!(matches!(
        svc.record_returned(&h, &page_ref(run.id, 3), "").await,
        Err(ServiceError::Conflict(_))
    ));
    let again = svc
        .create_print_run(&h, id, PrintKind::Labels, &PrintRequest::default())
        .await
        .unwrap();
    assert_eq!(again.persons, c.members - 1);
    let reissue = svc
        .create_print_run(
            &h,
            id,
            PrintKind::Postcards,
            &PrintRequest {
                only: Some(vec![owner.member_id]),
                ..Default::default()
            },
        )
        .await;
    assert!(matches!(reissue, Err(ServiceError::Conflict(_))));
    assert_eq!(svc.campaign(&h, id).await.unwrap().returned, 1);

    // Print data for a vendor: CP932, only the purpose's items.
    let csv = svc
        .create_print_run(&h, id, PrintKind::PrintData, &PrintRequest::default())
        .await
        .unwrap();
    let file = svc.render_batch(&h, csv.id, 1).await.unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&file.bytes);
    assert!(!bad);
    let header = text.lines().next().unwrap();
    assert_eq!(header, "印刷番号,区分,氏名,カナ氏名,郵便番号,住所,方書");
    assert_eq!(text.lines().count() as i64, c.members);

    // Contact work, then closed; a closed campaign prints nothing.
    svc.advance_campaign(&h, id, CampaignState::InContact, "電話勧奨開始")
        .await
        .unwrap();
    svc.advance_campaign(&h, id, CampaignState::Closed, "")
        .await
        .unwrap();
    let closed = svc
        .create_print_run(&h, id, PrintKind::Labels, &PrintRequest::default())
        .await;
    assert!(matches!(closed, Err(ServiceError::Conflict(_))));
    let events = svc.campaign(&h, id).await.unwrap().events;
    let path: Vec<String> = events.iter().map(|e| e.to.clone()).collect();
    assert_eq!(
        path,
        [
            "下書き",
            "区分済み",
            "割付済み",
            "割付済み",
            "印刷済み",
            "勧奨中",
            "終了"
        ]
    );
    assert!(events[1].actor.contains("mirai-tsuchi"));

    // Every read of this person's data in the campaign left an entry that
    // names their record: segmenting, arms, the proof, printing, the look-up.
    let kansa = user(&svc, "kansa").await;
    let seg = applied.iter().find(|c| c.count > 1).unwrap();
    let png = svc.proof_postcard(&h, id, &seg.code, 0).await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let reads = svc
        .audit_search(
            &kansa,
            &AuditQuery {
                record_id: Some(owner.member_id),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for what in [
        "segmentation preview",
        "segmented",
        "arms assigned",
        "print R",
        "page R",
    ] {
        assert!(
            reads.iter().any(|e| e.reason.contains(what)),
            "no audit entry for {what}: {:?}",
            reads.iter().map(|e| &e.reason).collect::<Vec<_>>()
        );
    }
    let proofs = svc
        .audit_search(
            &kansa,
            &AuditQuery {
                action: Some("read".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(proofs
        .iter()
        .any(|e| e.reason.contains("proof of") && e.record_ids.len() == 1));

    // Every print is in the audit log with the records it printed.
    let prints = svc
        .audit_search(
            &kansa,
            &AuditQuery {
                action: Some("print".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(prints
        .iter()
        .any(|e| e.reason.contains("batch 1") && !e.record_ids.is_empty()));
}

async fn refusals_are_audited_and_leave_nothing(svc: Service, demo: DemoSummary) {
    let id = demo.campaign_id;
    let h = handler(&svc, &demo, "mirai-tsuchi", "tsuchi_kansho").await;
    // The phone handler's purpose has no address: no postcards from there.
    let denwa = handler(&svc, &demo, "mirai-denwa", "denwa_kansho").await;
    let (_, _, by_history) = segmentation_presets(2026).remove(0);
    let e = svc
        .apply_segmentation(&denwa, id, &by_history)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Denied(Denial::ItemsOutsidePurpose(_))),
        "{e}"
    );
    // Another contractor does not even see the campaign.
    let other = user(&svc, "tdi-sekinin")
        .await
        .in_contract(ContractId(demo.contract_id + 1), Some("toiawase".into()));
    assert!(svc.campaign(&other, id).await.unwrap_err().is_not_found());
    let theirs = svc.campaigns(&other).await.unwrap();
    assert!(theirs.iter().all(|c| c.contract_id == demo.contract_id + 1));
    assert!(!theirs.iter().any(|c| c.id == id));
    // Someone outside the campaign cannot be printed.
    let (_, _, seg) = segmentation_presets(2026).remove(1);
    svc.apply_segmentation(&h, id, &seg).await.unwrap();
    let outsider = svc
        .create_print_run(
            &h,
            id,
            PrintKind::Labels,
            &PrintRequest {
                only: Some(vec![999_999]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(outsider.is_not_found());
    // Ward staff cannot work in the contractor's vault.
    let ward = user(&svc, "hokenshi").await;
    let as_ward_in_contract = ward
        .clone()
        .in_contract(ContractId(demo.contract_id), Some("tsuchi_kansho".into()));
    assert!(matches!(
        svc.apply_segmentation(&as_ward_in_contract, id, &seg).await,
        Err(ServiceError::Denied(_))
    ));
    assert!(svc.print_runs(&h, id).await.unwrap().is_empty());
    let kansa = user(&svc, "kansa").await;
    let denied = svc
        .audit_search(
            &kansa,
            &AuditQuery {
                outcome: Some("deny".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(denied.iter().any(|e| e.reason == "items_outside_purpose"));
    let refused = svc
        .audit_search(
            &kansa,
            &AuditQuery {
                action: Some("print".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(refused.iter().any(|e| e.reason.contains("not a member")));
}

async fn characters_without_a_glyph_stop_a_print_run(svc: Service, demo: DemoSummary) {
    let ward = user(&svc, "hokenshi").await;
    // A registered 外字 (user-defined area) with no font glyph.
    let mut values = BTreeMap::new();
    for (i, v) in [
        (Item::AtenaNo, "999000001"),
        (Item::Shimei, "外字\u{E001}　太郎"),
        (Item::KanaShimei, "ガイジ　タロウ"),
        (Item::Seinengappi, "1960-06-01"),
        (Item::Seibetsu, "1"),
        (Item::YubinBango, "1600022"),
        (Item::Jusho, "東京都新宿区新宿6-1-1"),
    ] {
        values.insert(i, v.to_owned());
    }
    svc.register_persons(&ward, &[NewPerson { values }])
        .await
        .unwrap();
    let list = svc
        .freeze_list(
            &ward,
            "外字確認",
            &Rule {
                fiscal_year: 2026,
                conditions: vec![Condition::AgeAtFyEnd {
                    min: Some(66),
                    max: Some(66),
                }],
            },
        )
        .await
        .unwrap();
    let id = svc
        .create_campaign(
            &ward,
            &NewCampaign {
                name: "受診票 送付".into(),
                kind: CampaignKind::Voucher,
                contract_id: demo.contract_id + 1,
                purpose: "toiawase".into(),
                list_id: list.id,
                deadline: chrono::NaiveDate::from_ymd_opt(2027, 2, 28).unwrap(),
                desk_phone: "0120-123-456".into(),
                clinics: String::new(),
            },
        )
        .await
        .unwrap();
    let e = svc
        .create_print_run(&ward, id, PrintKind::Vouchers, &PrintRequest::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("U+E001"), "{e}");
    assert!(svc.print_runs(&ward, id).await.unwrap().is_empty());
    // Postcards are not a voucher campaign's print.
    assert!(matches!(
        svc.create_print_run(&ward, id, PrintKind::Postcards, &PrintRequest::default())
            .await,
        Err(ServiceError::Invalid(_))
    ));
}
