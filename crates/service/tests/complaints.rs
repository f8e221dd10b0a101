//! The complaints record (苦情処理簿) on both backends: a contractor of
//! any job records a complaint, answers and reports it; other contractors
//! never see it; the ward sees every job's, filters, records its own and
//! answers; dates are checked; every read and write is audited; the record
//! outlives the contract's erasure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{NaiveDate, TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, UserId};
use itaku_crypto::MasterKey;
use itaku_service::complaints::{ComplaintFilter, ComplaintHandling, NewComplaintSpec};
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

struct Bed {
    svc: Service,
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
    svc.seed_demo(60, 7).await.unwrap();
    Some(Bed { svc, _dir: dir })
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::bed(false).await.unwrap()).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { if let Some(b) = super::bed(true).await { super::$name(b).await; } })* }
    };
}

both!(
    a_contractor_records_answers_and_reports,
    other_contracts_never_see_it,
    the_ward_sees_every_job_and_records_its_own,
    dates_and_texts_are_checked,
    the_record_outlives_the_contracts_erasure,
);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn spec(summary: &str) -> NewComplaintSpec {
    NewComplaintSpec {
        received_on: day(2026, 11, 20),
        channel: "venue".into(),
        summary: summary.into(),
    }
}

impl Bed {
    async fn user(&self, login: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
    }
    /// A designated person acting in their (first) contract and purpose.
    async fn at_work(&self, login: &str) -> Actor {
        let id = self.svc.user_id_by_login(login).await.unwrap().unwrap();
        let w = self.svc.work_contexts(id).await.unwrap().remove(0);
        self.user(login)
            .await
            .in_contract(ContractId(w.contract_id), Some(w.purpose_code))
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
}

async fn a_contractor_records_answers_and_reports(b: Bed) {
    let uketsuke = b.at_work("wh-uketsuke").await;
    let id = b
        .svc
        .record_contract_complaint(&uketsuke, &spec("受付で名前を大きな声で呼ばれた"), false)
        .await
        .unwrap();
    let mine = b.svc.contract_complaints(&uketsuke).await.unwrap();
    assert_eq!(mine.len(), 1);
    let c = &mine[0];
    assert_eq!(c.id, id);
    assert_eq!(c.source, "受託者");
    assert_eq!(c.channel, "会場");
    assert_eq!(c.job_name, "女性の健康支援事業");
    assert_eq!(c.received_on, "2026-11-20");
    assert!(
        c.reported_on.is_none(),
        "not reported until the contractor does"
    );

    // The responsible person (another purpose, same contract) answers and
    // reports it to the ward today.
    let sekinin = b.at_work("wh-sekinin").await;
    b.svc
        .handle_contract_complaint(
            &sekinin,
            id,
            &ComplaintHandling {
                answered_on: Some(day(2026, 11, 21)),
                answer: "お詫びし、次回から番号でお呼びすると説明".into(),
                report: true,
            },
        )
        .await
        .unwrap();
    let c = &b.svc.contract_complaints(&uketsuke).await.unwrap()[0];
    assert_eq!(c.answered_on.as_deref(), Some("2026-11-21"));
    assert_eq!(c.reported_on.as_deref(), Some("2026-11-22"));
    assert!(c.answer.contains("番号でお呼び"));

    // The ward sees it as reported, with the contractor's answer.
    let ward = b.user("yotsuya").await;
    let all = b.svc.ward_complaints(&ward).await.unwrap();
    let w = all.iter().find(|c| c.id == id).unwrap();
    assert_eq!(w.reported_on.as_deref(), Some("2026-11-22"));
    assert!(w.summary.contains("大きな声"));

    // Each step is in the audit log, naming the complaint.
    let audit = b.audit().await;
    for reason in [
        "recorded by the contractor",
        "handled by the contractor",
        "complaints of contract",
    ] {
        assert!(
            audit
                .iter()
                .any(|e| e.reason.contains(reason) && e.target == "complaint"),
            "{reason}"
        );
    }
    assert!(audit
        .iter()
        .any(|e| e.reason.contains("handled by the contractor") && e.record_ids == vec![id]));
}

async fn other_contracts_never_see_it(b: Bed) {
    let uketsuke = b.at_work("wh-uketsuke").await;
    let id = b
        .svc
        .record_contract_complaint(&uketsuke, &spec("案内に名前が載っていた"), true)
        .await
        .unwrap();
    // Another contractor's people see their own contract's record only.
    let denwa = b.at_work("mirai-denwa").await;
    assert!(b.svc.contract_complaints(&denwa).await.unwrap().is_empty());
    // Nor can they write on it, even naming the id.
    let err = b
        .svc
        .handle_contract_complaint(&denwa, id, &ComplaintHandling::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    // Acting in the seminar contract without being designated is refused.
    let seminar = b.svc.contract_complaints(&uketsuke).await.unwrap();
    let intruder = b.user("mirai-denwa").await.in_contract(
        ContractId(seminar[0].contract_id.unwrap()),
        Some("seminar_uketsuke".into()),
    );
    assert!(b.svc.contract_complaints(&intruder).await.is_err());
    // A complaint the desk filed is the ward's to answer.
    let desk = b.at_work("tdi-uketsuke").await;
    let mut req = InquiryRequest::new(InquiryKind::Complaint);
    req.note = "電話がつながりにくい".into();
    req.purpose_read = true;
    req.caller
        .insert(itaku_core::Item::Shimei, "新宿 太郎".into());
    b.svc.record_inquiry(&desk, &req).await.unwrap();
    let filed = b.svc.contract_complaints(&desk).await.unwrap();
    assert_eq!(filed.len(), 1);
    assert_eq!(filed[0].source, "問合せ窓口");
    let err = b
        .svc
        .handle_contract_complaint(
            &desk,
            filed[0].id,
            &ComplaintHandling {
                answer: "x".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
}

async fn the_ward_sees_every_job_and_records_its_own(b: Bed) {
    let uketsuke = b.at_work("wh-uketsuke").await;
    b.svc
        .record_contract_complaint(&uketsuke, &spec("セミナーの苦情"), true)
        .await
        .unwrap();
    let ward = b.user("hokenshi").await;
    let targets = b.svc.complaint_targets(&ward).await.unwrap();
    let tokutei = targets
        .iter()
        .find(|t| t.job_name == "特定健診・がん検診受診勧奨")
        .unwrap();
    let (contract, _) = tokutei.contracts[0].clone();
    let own = b
        .svc
        .record_ward_complaint(
            &ward,
            tokutei.job_id,
            Some(contract),
            &spec("区に直接の苦情"),
        )
        .await
        .unwrap();
    let all = b.svc.ward_complaints(&ward).await.unwrap();
    assert_eq!(all.len(), 2);
    let w = all.iter().find(|c| c.id == own).unwrap();
    assert_eq!(w.source, "区");
    assert_eq!(w.reported_on.as_deref(), Some("2026-11-20"));
    // One job only.
    let only = b
        .svc
        .ward_complaints_filtered(
            &ward,
            ComplaintFilter {
                job_id: Some(tokutei.job_id),
                open_only: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].id, own);
    // Answered ones drop out of the open filter.
    b.svc
        .answer_complaint(
            &ward,
            own,
            &ComplaintAnswer {
                answered_on: Some(day(2026, 11, 21)),
                answer: "説明して了承を得た".into(),
                reported_on: None,
            },
        )
        .await
        .unwrap();
    let open = b
        .svc
        .ward_complaints_filtered(
            &ward,
            ComplaintFilter {
                job_id: None,
                open_only: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_ne!(open[0].id, own);
    // A contract of another job is refused.
    let seminar = targets
        .iter()
        .find(|t| t.job_name == "女性の健康支援事業")
        .unwrap();
    let err = b
        .svc
        .record_ward_complaint(&ward, seminar.job_id, Some(contract), &spec("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Invalid(_)), "{err:?}");
    // Contractors cannot reach the ward's record.
    assert!(b
        .svc
        .ward_complaints(&b.user("wh-sekinin").await)
        .await
        .is_err());
}

async fn dates_and_texts_are_checked(b: Bed) {
    let uketsuke = b.at_work("wh-uketsuke").await;
    let mut s = spec("x");
    s.received_on = day(2026, 11, 23);
    let e = b
        .svc
        .record_contract_complaint(&uketsuke, &s, false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("受付日"), "{e}");
    let e = b
        .svc
        .record_contract_complaint(&uketsuke, &spec("   "), false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("苦情の内容"), "{e}");
    let mut s = spec("x");
    s.channel = "fax".into();
    assert!(b
        .svc
        .record_contract_complaint(&uketsuke, &s, false)
        .await
        .is_err());
    let id = b
        .svc
        .record_contract_complaint(&uketsuke, &spec("y"), false)
        .await
        .unwrap();
    let before = ComplaintHandling {
        answered_on: Some(day(2026, 11, 19)),
        answer: "回答".into(),
        report: false,
    };
    let e = b
        .svc
        .handle_contract_complaint(&uketsuke, id, &before)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("受付日"), "{e}");
    let no_text = ComplaintHandling {
        answered_on: Some(day(2026, 11, 21)),
        answer: String::new(),
        report: false,
    };
    assert!(b
        .svc
        .handle_contract_complaint(&uketsuke, id, &no_text)
        .await
        .is_err());
    // Nothing of the refused writes is stored.
    let c = &b.svc.contract_complaints(&uketsuke).await.unwrap()[0];
    assert!(c.answered_on.is_none() && c.answer.is_empty());
}

async fn the_record_outlives_the_contracts_erasure(b: Bed) {
    let uketsuke = b.at_work("wh-uketsuke").await;
    let id = b
        .svc
        .record_contract_complaint(&uketsuke, &spec("消去後も残るべき苦情"), true)
        .await
        .unwrap();
    let contract = uketsuke.contract.unwrap().0;
    let mut admin = b.user("ward-admin").await;
    admin.stepped_up = true;
    b.svc
        .erase_contract(&admin, contract, Some("テスト: 返還不要"))
        .await
        .unwrap();
    let ward = b.user("yotsuya").await;
    let all = b.svc.ward_complaints(&ward).await.unwrap();
    assert!(all
        .iter()
        .any(|c| c.id == id && c.summary.contains("消去後も残る")));
}
