//! The campaign effect analysis on both backends: the demo's analysed
//! campaign (calls made, screening results imported through the shipped
//! profile and handed to the contract) is analysed under 効果分析 only; the
//! right people are counted; the planted effects are found; small cells are
//! suppressed; the read is one audited operation naming the records; any
//! other purpose is refused; results rows that match nobody are rejected
//! with their line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, UserId};
use itaku_crypto::MasterKey;
use itaku_service::analysis::{suppressed_tables_csv, AnalysisOptions};
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

const PEOPLE: u64 = 1500;

struct Bench {
    svc: Service,
    demo: DemoSummary,
    /// The demo's analysed campaign.
    id: i64,
}

async fn bench(postgres: bool, dir: &tempfile::TempDir) -> Option<Bench> {
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap(),
    ));
    let svc = Service::open_url(&url, MasterKey::generate(), clock, Settings::default())
        .await
        .unwrap();
    let demo = svc.seed_demo(PEOPLE, 7).await.unwrap();
    let id = svc.seed_demo_analysis(demo.contract_id).await.unwrap();
    Some(Bench { svc, demo, id })
}

impl Bench {
    async fn handler(&self, login: &str, purpose: &str) -> Actor {
        Actor::user(
            UserId(self.svc.user_id_by_login(login).await.unwrap().unwrap()),
            Some("127.0.0.1".parse().unwrap()),
            "t",
        )
        .in_contract(ContractId(self.demo.contract_id), Some(purpose.into()))
    }
    async fn bunseki(&self) -> Actor {
        self.handler("mirai-bunseki", "koka_bunseki").await
    }
    async fn audit(&self) -> Vec<AuditEntryView> {
        self.svc
            .audit_search(
                &Actor::system("test"),
                &AuditQuery {
                    limit: 50000,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
    }
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { let d = tempfile::tempdir().unwrap(); let b = super::bench(false, &d).await.unwrap(); super::$name(b).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { let d = tempfile::tempdir().unwrap(); if let Some(b) = super::bench(true, &d).await { super::$name(b).await; } })* }
    };
}

both!(
    the_right_people_are_counted_and_the_planted_effects_found,
    small_cells_are_suppressed_everywhere_published,
    the_read_is_audited_and_other_purposes_are_refused,
    results_rows_matching_nobody_are_rejected_with_their_line,
);

async fn the_right_people_are_counted_and_the_planted_effects_found(b: Bench) {
    let id = b.id;
    let tsuchi = b.handler("mirai-tsuchi", "tsuchi_kansho").await;
    let arms = b.svc.arm_report(&tsuchi, id).await.unwrap().unwrap();
    let a = b
        .svc
        .campaign_analysis(&b.bunseki().await, id, AnalysisOptions::default())
        .await
        .unwrap();
    // Everyone randomised is analysed (the demo's residents all have a
    // birth date and sex), in the arm they were assigned to.
    let randomised: u64 = arms.arm_counts.iter().sum();
    assert_eq!(a.persons as u64 + a.incomplete, randomised);
    assert_eq!(a.incomplete, 0);
    assert_eq!(a.not_randomised, arms.not_randomised);
    let itt = &a.itt.itt;
    assert_eq!(itt.control.n, arms.arm_counts[0]);
    assert_eq!(itt.treated.n, arms.arm_counts[1]);
    // The ITT table (always published totals) agrees with the statistics.
    let t = &a.tables[0].table;
    assert_eq!(t.row_totals, vec![itt.control.n, itt.treated.n]);
    assert_eq!(t.column_totals[0], itt.control.events + itt.treated.events);
    // Calls were made: about two in three of the call arm were reached, and
    // nobody in the letter-only arm.
    let rate = a.itt.contact_rate.estimate;
    assert!(rate > 0.5 && rate < 0.8, "contact rate {rate}");
    assert_eq!(a.itt.control_reached, 0);
    assert!(a.itt.complier.is_some());
    // The planted truth: the call works for the 50s and 60s only.
    let effect = |seg: &str| {
        a.counts
            .strata
            .iter()
            .find(|s| s.segment == seg)
            .and_then(|s| s.comparison.as_ref())
            .map(|c| c.risk_difference.estimate)
            .unwrap_or_else(|| panic!("segment {seg} missing"))
    };
    assert!(effect("50代") > 0.05, "50代 {}", effect("50代"));
    assert!(effect("40代").abs() < 0.12, "40代 {}", effect("40代"));
    assert!(itt.risk_difference.estimate > 0.0);
    assert!(a.logistic.is_some(), "{:?}", a.logistic_problem);
    assert!(a.qini.is_some(), "{:?}", a.uplift_problem);
    assert!(!a.recommendations.is_empty());
    assert!(!a.srm.mismatch, "the demo's allocation is balanced");
    assert!(a.next_year.is_some());
    assert!(!a.cumulative.is_empty());
    let last = a.cumulative.last().unwrap();
    assert!((last.treated - itt.treated.estimate).abs() < 1e-12);
    assert!((last.control - itt.control.estimate).abs() < 1e-12);
}

async fn small_cells_are_suppressed_everywhere_published(b: Bench) {
    let id = b.id;
    let k = 40;
    let a = b
        .svc
        .campaign_analysis(
            &b.bunseki().await,
            id,
            AnalysisOptions {
                suppression_k: k,
                ..AnalysisOptions::default()
            },
        )
        .await
        .unwrap();
    let mut hidden = 0;
    for t in &a.tables {
        for row in &t.table.cells {
            for c in row {
                match c {
                    Some(v) => assert!(*v == 0 || *v >= k, "{}: {v} < {k} published", t.title),
                    None => hidden += 1,
                }
            }
            // Never exactly one hidden cell in a row: it could be recomputed.
            assert_ne!(row.iter().filter(|c| c.is_none()).count(), 1, "{}", t.title);
        }
    }
    assert!(
        hidden > 0,
        "k = {k} should hide something in a demo of {PEOPLE}"
    );
    for s in &a.withheld_segments {
        assert!(a.segments.iter().all(|e| &e.segment != s));
        assert!(a
            .recommendations
            .iter()
            .any(|r| &r.segment == s && r.text.contains("公表しません")));
    }
    // The CSV is CP932 and carries no hidden number.
    let csv = suppressed_tables_csv(&a).unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&csv);
    assert!(!bad);
    assert!(text.contains("＊"));
    assert!(text.contains("群別の受診状況"));
}

async fn the_read_is_audited_and_other_purposes_are_refused(b: Bench) {
    let id = b.id;
    let before = b.audit().await.len();
    let a = b
        .svc
        .campaign_analysis(&b.bunseki().await, id, AnalysisOptions::default())
        .await
        .unwrap();
    let after = b.audit().await;
    let new: Vec<&AuditEntryView> = after
        .iter()
        .filter(|e| e.seq > before as i64 - 1000)
        .filter(|e| e.purpose.contains("koka_bunseki") || e.purpose.contains("効果分析"))
        .filter(|e| e.record_ids.len() == a.persons)
        .collect();
    assert_eq!(
        new.len(),
        1,
        "one audited read naming every analysed record"
    );
    let e = new[0];
    assert!(
        e.items.contains("kenshin_kekka") || e.items.contains("健診結果"),
        "{}",
        e.items
    );
    assert!(
        !e.items.contains("shimei") && !e.items.contains("氏名"),
        "{}",
        e.items
    );
    // Any other purpose is refused, and the refusal is audited.
    for (login, purpose) in [
        ("mirai-tsuchi", "tsuchi_kansho"),
        ("mirai-denwa", "denwa_kansho"),
    ] {
        let actor = b.handler(login, purpose).await;
        let err = b
            .svc
            .campaign_analysis(&actor, id, AnalysisOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, ServiceError::Denied(_)), "{purpose}: {err:?}");
    }
    let denied = b
        .audit()
        .await
        .into_iter()
        .filter(|e| e.outcome != "allow" && e.outcome != "allowed")
        .count();
    assert!(denied >= 2);
}

async fn results_rows_matching_nobody_are_rejected_with_their_line(b: Bench) {
    let profile = ImportProfile::from_toml(itaku_import::SCREENING_RESULTS_PROFILE.1).unwrap();
    let ward = Actor::user(
        UserId(b.svc.user_id_by_login("hokenshi").await.unwrap().unwrap()),
        Some("127.0.0.1".parse().unwrap()),
        "t",
    );
    let text = "受診券整理番号,受診日,健診種別,BMI,収縮期血圧,HbA1c\r\n\
                99999999999,2026-07-01,特定健診,22.5,128,5.6\r\n\
                ,2026-07-02,特定健診,22.5,128,5.6\r\n";
    let bytes = itaku_jp::encode_cp932(text).unwrap();
    let r = b
        .svc
        .import_screening_results(&ward, &profile, &bytes[..], false)
        .await
        .unwrap();
    assert_eq!(r.matched, 0);
    assert_eq!(r.unmatched, 1);
    assert_eq!(r.scan.rejected_lines(), vec![2, 3]);
    // A results profile cannot be used to import residents.
    let err = b
        .svc
        .import_targets(&ward, &profile, std::io::Cursor::new(bytes), true, |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("受診結果用"), "{err}");
}
