//! Importing target lists into the ward's vault on both backends: the
//! sample through the shipped profile, idempotent re-import, all or
//! nothing, refusals, and a messy export whose bad lines are all known.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use itaku_core::{FixedClock, Item, UserId};
use itaku_crypto::MasterKey;
use itaku_service::testing::*;
use itaku_service::*;
use std::sync::Arc;

async fn service(postgres: bool, dir: &tempfile::TempDir) -> Option<(Service, String)> {
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
    svc.seed_demo(0, 1).await.unwrap();
    Some((svc, url))
}

fn profile() -> ImportProfile {
    ImportProfile::from_toml(SHIPPED_PROFILES[0].1).unwrap()
}

async fn staff(svc: &Service) -> Actor {
    Actor::user(
        UserId(svc.user_id_by_login("hokenshi").await.unwrap().unwrap()),
        None,
        "t",
    )
}

/// A small generated export in the ward's layout.
fn small(n: usize, seed: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    itaku_synth::write_csv(
        &mut buf,
        itaku_synth::Generator::new(seed, 300_000_000).take(n),
        itaku_synth::CsvFormat::Cp932,
        |_| {},
    )
    .unwrap();
    buf
}

fn sample() -> Vec<u8> {
    let dir = std::env::var("ITAKU_SAMPLE_DATA").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_owned()
    });
    std::fs::read(format!("{dir}/sample-targets-cp932.csv")).expect("the shared sample")
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); let (s, u) = super::service(false, &d).await.unwrap(); super::$name(s, u).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let d = tempfile::tempdir().unwrap(); if let Some((s, u)) = super::service(true, &d).await { super::$name(s, u).await; } })* }
    };
}

both!(
    presets_select_exactly_whom_the_seeds_define,
    sample_imports_and_reimport_changes_nothing,
    import_is_all_or_nothing,
    messy_export_rejects_exactly_its_bad_lines,
    a_large_import_finds_everyone_and_keeps_its_indexes
);

async fn sample_imports_and_reimport_changes_nothing(svc: Service, _url: String) {
    let who = staff(&svc).await;
    let mut seen = Vec::new();
    let r = svc
        .import_targets(
            &who,
            &profile(),
            std::io::Cursor::new(sample()),
            false,
            |n| seen.push(n),
        )
        .await
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.scan.rejected_rows), (2000, 0, 0));
    assert!(
        seen.len() >= 2 && seen.windows(2).all(|w| w[0] <= w[1]),
        "progress reported: {seen:?}"
    );
    // Read back through search: registered characters and canonical forms.
    let truth = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sample-targets-truth.jsonl"
    ))
    .unwrap();
    for line in truth.lines().step_by(397) {
        let t: serde_json::Value = serde_json::from_str(line).unwrap();
        let hits = svc
            .search_persons(
                &who,
                &PersonQuery {
                    text: t["id"].as_str().unwrap().into(),
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(hits.len(), 1);
        let p = &hits[0];
        assert_eq!(p.get(Item::Shimei), t["kanji"].as_str().unwrap());
        assert_eq!(p.get(Item::KanaShimei), t["kana"].as_str().unwrap());
        assert_eq!(p.get(Item::Seinengappi), t["birth"].as_str().unwrap());
        assert_eq!(p.get(Item::YubinBango), t["postal"].as_str().unwrap());
        assert_eq!(p.get(Item::Katagaki), t["building"].as_str().unwrap());
    }
    let again = svc
        .import_targets(
            &who,
            &profile(),
            std::io::Cursor::new(sample()),
            false,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!((again.inserted, again.updated), (0, 2000));
    let (_, total) = svc.list_persons(&who, 0, 1).await.unwrap();
    assert_eq!(total, 2000);
    let log = svc
        .audit_search(
            &Actor::system("t"),
            &AuditQuery {
                action: Some("write".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        log[0]
            .reason
            .contains("imported 2000 (new 0, updated 2000)"),
        "{}",
        log[0].reason
    );
    assert_eq!(log[0].actor_user_id, who.user_id().map(|u| u.0));
    // Contractors cannot import into the ward's vault.
    let denwa = Actor::user(
        UserId(svc.user_id_by_login("mirai-denwa").await.unwrap().unwrap()),
        None,
        "t",
    );
    assert!(svc
        .import_targets(
            &denwa,
            &profile(),
            std::io::Cursor::new(sample()),
            false,
            |_| {}
        )
        .await
        .unwrap_err()
        .is_not_found());
}

async fn import_is_all_or_nothing(svc: Service, url: String) {
    let who = staff(&svc).await;
    // The last step of an import (its audit entry) fails: nothing of it stays.
    let block = if url.starts_with("sqlite") {
        "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'blocked'); END;"
    } else {
        "CREATE FUNCTION no_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'blocked'; END $$ LANGUAGE plpgsql; \
         CREATE TRIGGER no_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION no_audit();"
    };
    raw_sql(&url, block).await.unwrap();
    let file = small(300, 5);
    let r = svc
        .import_targets(
            &who,
            &profile(),
            std::io::Cursor::new(file.clone()),
            false,
            |_| {},
        )
        .await;
    assert!(r.is_err());
    raw_sql(
        &url,
        if url.starts_with("sqlite") {
            "DROP TRIGGER no_audit"
        } else {
            "DROP TRIGGER no_audit ON audit_log"
        },
    )
    .await
    .unwrap();
    let (_, total) = svc.list_persons(&who, 0, 1).await.unwrap();
    assert_eq!(total, 0, "no half-imported list");
    // And it can simply be run again.
    assert_eq!(
        svc.import_targets(
            &who,
            &profile(),
            std::io::Cursor::new(file.clone()),
            false,
            |_| {}
        )
        .await
        .unwrap()
        .inserted,
        300
    );
}

async fn messy_export_rejects_exactly_its_bad_lines(svc: Service, _url: String) {
    let who = staff(&svc).await;
    let residents: Vec<_> = itaku_synth::Generator::new(9, 200_000_000)
        .take(600)
        .collect();
    let mut buf = Vec::new();
    let truth = itaku_synth::write_messy_csv(
        &mut buf,
        residents.iter(),
        itaku_synth::CsvFormat::Cp932,
        &itaku_synth::Messiness::typical(9),
        |_| {},
    )
    .unwrap();
    let dry = svc
        .import_targets(
            &who,
            &profile(),
            std::io::Cursor::new(buf.clone()),
            true,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!((dry.inserted, dry.updated), (0, 0));
    assert_eq!(
        svc.list_persons(&who, 0, 1).await.unwrap().1,
        0,
        "a dry run stores nothing"
    );
    let r = svc
        .import_targets(
            &who,
            &profile(),
            std::io::Cursor::new(buf.clone()),
            false,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(r.scan.rejected_lines(), truth.bad_lines());
    assert_eq!(r.inserted as u64, r.scan.accepted);
    assert_eq!(
        svc.list_persons(&who, 0, 1).await.unwrap().1 as u64,
        r.scan.accepted
    );
}

async fn presets_select_exactly_whom_the_seeds_define(svc: Service, _url: String) {
    let who = staff(&svc).await;
    svc.import_targets(
        &who,
        &profile(),
        std::io::Cursor::new(sample()),
        false,
        |_| {},
    )
    .await
    .unwrap();
    let truth: Vec<serde_json::Value> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/sample-targets-truth.jsonl"
    ))
    .unwrap()
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    let qualified = |t: &serde_json::Value| {
        let joined = t["joined"].as_str().unwrap();
        let lost = t["lost"].as_str().unwrap();
        joined <= "2026-04-01" && (lost.is_empty() || lost > "2026-04-01")
    };
    let age = |t: &serde_json::Value| t["age_fy_end"].as_u64().unwrap();
    let expect_002: Vec<&str> = truth
        .iter()
        .filter(|t| qualified(t) && t["screened_prev_fy"] == 0 && (40..=69).contains(&age(t)))
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    let expect_000 = truth.iter().filter(|t| age(t) <= 74).count();
    let presets = extraction_presets(2026);
    let (_, _, seed002) = presets.iter().find(|p| p.0 == "seed002").unwrap();
    let (_, _, seed000) = presets.iter().find(|p| p.0 == "seed000").unwrap();
    assert!(expect_002.len() > 100, "the sample has such people");
    assert_eq!(
        svc.preview_rule(&who, seed002).await.unwrap(),
        expect_002.len() as i64
    );
    assert_eq!(
        svc.preview_rule(&who, seed000).await.unwrap(),
        expect_000 as i64
    );
    let list = svc
        .freeze_list(&who, "令和8年度 特定健診 未受診者勧奨", seed002)
        .await
        .unwrap();
    assert_eq!(list.members, expect_002.len() as i64);
    assert!(list.description.contains("前年度に特定健診を未受診"));
    let (_, members) = svc
        .target_list_members(&who, list.id, 0, 500)
        .await
        .unwrap();
    let mut got: Vec<String> = members
        .iter()
        .map(|p| p.get(Item::AtenaNo).to_owned())
        .collect();
    let mut want: Vec<String> = expect_002
        .iter()
        .take(members.len())
        .map(|s| s.to_string())
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got.len(), want.len());
    // The frozen list does not change when the register does.
    svc.import_targets(
        &who,
        &profile(),
        std::io::Cursor::new(small(50, 77)),
        false,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        svc.target_lists(&who).await.unwrap()[0].members,
        expect_002.len() as i64
    );
    // Only the ward extracts.
    let denwa = Actor::user(
        UserId(svc.user_id_by_login("mirai-denwa").await.unwrap().unwrap()),
        None,
        "t",
    );
    assert!(svc.preview_rule(&denwa, seed002).await.is_err());
}

/// Past 20,000 rows into a near-empty vault, SQLite builds the token index
/// once at the end instead of row by row. People stored before and after
/// that point are found alike, and the index is there when it is done.
async fn a_large_import_finds_everyone_and_keeps_its_indexes(svc: Service, url: String) {
    const ROWS: usize = 20_600;
    let who = staff(&svc).await;
    let r = svc
        .import_targets(
            &who,
            &profile(),
            std::io::Cursor::new(small(ROWS, 5)),
            false,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(r.inserted, ROWS as i64);
    let residents: Vec<_> = itaku_synth::Generator::new(5, 300_000_000)
        .take(ROWS)
        .collect();
    for i in [3, 19_999, 20_001, 20_555] {
        let t = &residents[i];
        let atena = format!("{:09}", t.atena_no);
        let hits = svc
            .search_persons(
                &who,
                &PersonQuery {
                    text: atena.clone(),
                    limit: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(hits.len(), 1, "宛名番号 {atena}");
        let by_name = svc
            .search_persons(
                &who,
                &PersonQuery {
                    text: t.kana.clone(),
                    limit: 500,
                },
            )
            .await
            .unwrap();
        assert!(
            by_name.iter().any(|p| p.get(Item::AtenaNo) == atena),
            "{} ({atena}) by カナ氏名",
            t.kana
        );
    }
    let store = itaku_store::Store::connect(&url).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(
        tx.indexes_of("person_search").await.unwrap(),
        ["person_search_person", "person_search_token"]
    );
    tx.rollback().await.unwrap();
}
