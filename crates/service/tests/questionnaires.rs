//! Questionnaires on both backends: a flagged question blocks publishing
//! until the ward approves it; conditional questions; paper double entry
//! (same operator refused for pass 2, a mismatch settled by a third
//! person); aggregation checked against hand-computed numbers including
//! suppression; the contractor cannot read another contract's
//! questionnaire and its reads are audited; aggregation done → job runner →
//! returned to the ward and erased with a certificate, the canary text gone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use itaku_core::{ContractId, FixedClock, UserId};
use itaku_crypto::MasterKey;
use itaku_service::questionnaires::*;
use itaku_service::seminars::{demo::DEMO_CONTRACT_NAME, PURPOSE_ANKETO};
use itaku_service::testing::*;
use itaku_service::*;
use std::collections::BTreeMap;
use std::sync::Arc;

struct Bed {
    svc: Service,
    clock: FixedClock,
    demo: DemoSummary,
    seminar: i64,
    _dir: tempfile::TempDir,
}

async fn bed(postgres: bool) -> Option<Bed> {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database_url(postgres, dir.path()).await.unwrap()?;
    let clock = FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap());
    let svc = Service::open_url(
        &url,
        MasterKey::generate(),
        Arc::new(clock.clone()),
        Settings::default(),
    )
    .await
    .unwrap();
    let demo = svc.seed_demo(30, 5).await.unwrap();
    let seminar = svc
        .contracts(&Actor::system("test"))
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == DEMO_CONTRACT_NAME)
        .unwrap()
        .id;
    Some(Bed {
        svc,
        clock,
        demo,
        seminar,
        _dir: dir,
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
    async fn anketo(&self, login: &str) -> Actor {
        self.user(login)
            .await
            .in_contract(ContractId(self.seminar), Some(PURPOSE_ANKETO.into()))
    }
    async fn audit(&self, target: &str) -> Vec<AuditEntryView> {
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
            .into_iter()
            .filter(|e| e.target == target)
            .collect()
    }
}

fn q(kind: &str, text: &str, choices: &[&str]) -> NewQuestionSpec {
    NewQuestionSpec {
        kind: kind.into(),
        text: text.into(),
        required: true,
        choices: choices.iter().map(|c| (*c).to_owned()).collect(),
        scale: (1, 5),
        ..Default::default()
    }
}

fn raw(pairs: &[(i64, &[&str])]) -> RawAnswers {
    pairs
        .iter()
        .map(|(k, v)| (*k, v.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(false).await; })* }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(true).await; })* }
    };
}

both!(
    a_forbidden_question_blocks_publishing_until_the_ward_approves,
    conditional_questions_are_checked,
    paper_is_keyed_twice_and_settled_by_a_third_person,
    aggregation_matches_hand_counts_with_suppression,
    the_contractor_stays_in_its_contract_and_reads_are_audited,
    aggregation_done_returns_and_erases_with_a_certificate,
    the_demo_questionnaire_is_seeded,
);

async fn a_forbidden_question_blocks_publishing_until_the_ward_approves(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let shukei = b.anketo("wh-shukei").await;
    let id = b
        .svc
        .create_questionnaire(&shukei, "健康アンケート", "", Mode::Anonymous, None)
        .await
        .unwrap();
    b.svc
        .add_question(&shukei, id, &q("scale", "満足度", &[]))
        .await
        .unwrap();
    let flagged = b
        .svc
        .add_question(
            &shukei,
            id,
            &q("single", "信仰している宗教はありますか", &["ある", "ない"]),
        )
        .await
        .unwrap();
    let out = b.svc.publish_questionnaire(&shukei, id).await.unwrap();
    assert!(
        matches!(out, PublishOutcome::AwaitingApproval { ref questions } if questions == &vec![2])
    );
    let v = b.svc.questionnaire(&shukei, id).await.unwrap();
    assert_eq!(v.status, "awaiting_approval");
    assert!(v.questions[1].flags[0].contains("宗教"));
    // The contractor cannot approve its own question; ward staff can.
    assert!(b
        .svc
        .approve_question(&shukei, id, flagged, "区が必要と判断")
        .await
        .is_err());
    let ward = b.user("yotsuya").await;
    let pending = b.svc.questionnaires_awaiting_approval(&ward).await.unwrap();
    assert!(pending.iter().any(|p| p.id == id));
    assert!(b
        .svc
        .approve_question(&ward, id, flagged, "  ")
        .await
        .is_err());
    b.svc
        .approve_question(&ward, id, flagged, "健康施策の評価に必要と区が判断したため")
        .await
        .unwrap();
    let out = b.svc.publish_questionnaire(&shukei, id).await.unwrap();
    assert!(matches!(out, PublishOutcome::Published { version: 1 }));
    // Published: frozen.
    assert!(b
        .svc
        .add_question(&shukei, id, &q("text", "ご意見", &[]))
        .await
        .is_err());
    let v = b.svc.questionnaire(&shukei, id).await.unwrap();
    assert_eq!(
        v.questions[1].approval.as_ref().unwrap().approved_by,
        "四谷 保健 (yotsuya)"
    );
}

async fn conditional_questions_are_checked(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let shukei = b.anketo("wh-shukei").await;
    let id = b
        .svc
        .create_questionnaire(&shukei, "条件付き", "", Mode::Anonymous, None)
        .await
        .unwrap();
    let text = b
        .svc
        .add_question(&shukei, id, &q("text", "ご意見", &[]))
        .await
        .unwrap();
    let theme = b
        .svc
        .add_question(&shukei, id, &q("single", "テーマ", &["更年期", "がん検診"]))
        .await
        .unwrap();
    // A condition must point at an earlier choice question and a real choice.
    let mut bad = q("single", "受診歴", &["はい", "いいえ"]);
    bad.show_if = Some((text, 1));
    assert!(b.svc.add_question(&shukei, id, &bad).await.is_err());
    bad.show_if = Some((theme, 3));
    assert!(b.svc.add_question(&shukei, id, &bad).await.is_err());
    let mut follow = q("single", "受診歴", &["はい", "いいえ"]);
    follow.show_if = Some((theme, 2));
    let follow = b.svc.add_question(&shukei, id, &follow).await.unwrap();
    let def = b.svc.questionnaire(&shukei, id).await.unwrap();
    // Shown and required: missing is an error in Japanese.
    let p = check_answers(&def, &raw(&[(text, &["よい"]), (theme, &["2"])])).unwrap_err();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].number, 3);
    assert!(p[0].message.contains("必須"));
    // Hidden: not required, and an answer given anyway is dropped.
    let a = check_answers(
        &def,
        &raw(&[(text, &["よい"]), (theme, &["1"]), (follow, &["1"])]),
    )
    .unwrap();
    assert!(!a.contains_key(&follow));
    let a = check_answers(
        &def,
        &raw(&[(text, &["よい"]), (theme, &["2"]), (follow, &["2"])]),
    )
    .unwrap();
    assert_eq!(a.get(&follow), Some(&Answer::Choice(2)));
    let p = check_answers(&def, &raw(&[(text, &["よい"]), (theme, &["5"])])).unwrap_err();
    assert!(p[0].message.contains("1〜2"));
    // The service refuses the same on a published questionnaire.
    b.svc.publish_questionnaire(&shukei, id).await.unwrap();
    let e = b
        .svc
        .questionnaire_answer(&shukei, id, None, &raw(&[(text, &["x"]), (theme, &["2"])]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("問3"), "{e}");
    // Anonymous: a registration id is refused.
    assert!(b
        .svc
        .questionnaire_answer(
            &shukei,
            id,
            Some(7),
            &raw(&[(text, &["x"]), (theme, &["1"])])
        )
        .await
        .is_err());
}

async fn published(b: &Bed, mode: Mode) -> (i64, i64, i64, i64) {
    let shukei = b.anketo("wh-shukei").await;
    let id = b
        .svc
        .create_questionnaire(&shukei, "集計の確認", "", mode, None)
        .await
        .unwrap();
    let sat = b
        .svc
        .add_question(&shukei, id, &q("scale", "満足度", &[]))
        .await
        .unwrap();
    let ways = b
        .svc
        .add_question(
            &shukei,
            id,
            &q("multiple", "きっかけ", &["広報", "チラシ", "紹介"]),
        )
        .await
        .unwrap();
    let mut c = q("text", "ご意見", &[]);
    c.required = false;
    let comment = b.svc.add_question(&shukei, id, &c).await.unwrap();
    b.svc.publish_questionnaire(&shukei, id).await.unwrap();
    (id, sat, ways, comment)
}

async fn paper_is_keyed_twice_and_settled_by_a_third_person(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let (id, sat, ways, comment) = published(&b, Mode::Anonymous).await;
    let (shukei, sekinin) = (b.anketo("wh-shukei").await, b.anketo("wh-sekinin").await);
    let sheet = raw(&[(sat, &["4"]), (ways, &["1 3"]), (comment, &["良かった"])]);
    let o = b.svc.key_sheet(&shukei, id, 1, &sheet).await.unwrap();
    assert_eq!((o.pass, o.state), (1, "waiting"));
    let e = b.svc.key_sheet(&shukei, id, 1, &sheet).await.unwrap_err();
    assert!(e.to_string().contains("別の担当者"), "{e}");
    let o = b.svc.key_sheet(&sekinin, id, 1, &sheet).await.unwrap();
    assert_eq!((o.pass, o.state), (2, "agreed"));
    // Sheet 2: the passes differ on two questions.
    b.svc
        .key_sheet(&shukei, id, 2, &raw(&[(sat, &["5"]), (ways, &["2"])]))
        .await
        .unwrap();
    let o = b
        .svc
        .key_sheet(
            &sekinin,
            id,
            2,
            &raw(&[(sat, &["3"]), (ways, &["2"]), (comment, &["暑い"])]),
        )
        .await
        .unwrap();
    assert_eq!((o.state, o.differences), ("mismatch", 2));
    let d = b.svc.sheet_differences(&shukei, id, 2).await.unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!((d[0].first.as_str(), d[0].second.as_str()), ("5", "3"));
    assert_eq!(d[1].first, "（空欄）");
    let picks: BTreeMap<i64, u8> = [(sat, 2), (comment, 1)].into_iter().collect();
    // Both keyers are refused as settlers.
    for who in [&shukei, &sekinin] {
        let e = b.svc.settle_sheet(who, id, 2, &picks).await.unwrap_err();
        assert!(e.to_string().contains("第三者"), "{e}");
    }
    // A third person: a second 集計 handler assigned for the test.
    let third = add_handler(&b, "wh-shukei2").await;
    let incomplete: BTreeMap<i64, u8> = [(sat, 2)].into_iter().collect();
    assert!(b
        .svc
        .settle_sheet(&third, id, 2, &incomplete)
        .await
        .is_err());
    b.svc.settle_sheet(&third, id, 2, &picks).await.unwrap();
    let sheets = b.svc.questionnaire_sheets(&shukei, id).await.unwrap();
    let states: Vec<&str> = sheets.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(states, ["agreed", "settled"]);
    let r = b
        .svc
        .questionnaire_results(&shukei, id, &[], 2)
        .await
        .unwrap();
    assert_eq!(r.aggregate.paper, 2);
    let sat_rows = &r.aggregate.questions[0].rows;
    // Sheet 1 said 4, sheet 2 settled to pass 2's 3.
    assert_eq!(sat_rows[2].count, CountCell::Small); // 3 → 1 (<2? no: 1 < 2)
    assert_eq!(r.aggregate.questions[0].answered, 2);
    assert_eq!(r.aggregate.questions[2].answered, 1);
}

async fn add_handler(b: &Bed, login: &str) -> Actor {
    let sys = Actor::system("test");
    let org = b
        .svc
        .contracts(&sys)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == b.seminar)
        .unwrap()
        .contractor_org_id;
    let (uid, _) = b
        .svc
        .create_user(
            &sys,
            &NewUserSpec {
                org_id: org,
                login,
                display_name: "集計 二郎",
                role: itaku_core::Role::Handler,
                password: DEMO_PASSWORD,
            },
        )
        .await
        .unwrap();
    b.svc
        .assign_staff(&sys, b.seminar, uid, Some(PURPOSE_ANKETO))
        .await
        .unwrap();
    let d = |m| chrono::NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
    b.svc
        .record_training(
            &sys,
            uid,
            "研修",
            d(4),
            chrono::NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(),
        )
        .await
        .unwrap();
    b.anketo(login).await
}

async fn aggregation_matches_hand_counts_with_suppression(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let (id, sat, ways, comment) = published(&b, Mode::Anonymous).await;
    let shukei = b.anketo("wh-shukei").await;
    // 20 respondents: satisfaction 5 ×8, 4 ×7, 3 ×3, 2 ×2, 1 ×0.
    // Ways: everyone 広報; 紹介 for the first 12; チラシ for the first 3.
    let sats = [5; 8].into_iter().chain([4; 7]).chain([3; 3]).chain([2; 2]);
    for (i, s) in sats.enumerate() {
        let mut w = vec!["1"];
        if i < 12 {
            w.push("3");
        }
        if i < 3 {
            w.push("2");
        }
        let s = s.to_string();
        let text = match i {
            0 => "宗教の話はやめてほしい",
            1 => "とても良かった",
            _ => "",
        };
        b.svc
            .questionnaire_answer(
                &shukei,
                id,
                None,
                &raw(&[(sat, &[s.as_str()]), (ways, &w), (comment, &[text])]),
            )
            .await
            .unwrap();
    }
    let r = b
        .svc
        .questionnaire_results(&shukei, id, &[(sat, ways)], 5)
        .await
        .unwrap();
    let a = &r.aggregate;
    assert_eq!((a.respondents, a.online, a.threshold), (20, 20, 5));
    let s = &a.questions[0];
    assert_eq!(s.answered, 20);
    // Counts 1..5 = 0, 2, 3, 7, 8: 2 and 3 are small (two hidden, no
    // complement needed), 0 shown.
    let cells: Vec<CountCell> = s.rows.iter().map(|r| r.count).collect();
    assert_eq!(
        cells,
        [
            CountCell::Shown(0),
            CountCell::Small,
            CountCell::Small,
            CountCell::Shown(7),
            CountCell::Shown(8)
        ]
    );
    assert_eq!(s.rows[4].percent, Some(40.0));
    assert_eq!(s.rows[1].percent, None);
    // Mean = (8*5 + 7*4 + 3*3 + 2*2) / 20 = 81 / 20 = 4.05.
    assert_eq!(s.mean, Some(4.05));
    // Multiple choice: 広報 20 (100 %), チラシ 3 → <5, so the smallest other
    // (紹介 12) is hidden too; percentages over the 20 respondents.
    let w = &a.questions[1];
    assert_eq!(
        w.rows.iter().map(|r| r.count).collect::<Vec<_>>(),
        [CountCell::Shown(20), CountCell::Small, CountCell::Hidden]
    );
    assert_eq!(w.rows[0].percent, Some(100.0));
    // Free text: one shown, one held back by the screen.
    let c = &a.questions[2];
    assert_eq!(c.texts, ["とても良かった"]);
    assert_eq!(c.texts_withheld, 1);
    // Cross tab satisfaction × ways: row 5 = (8, 3, 8); 4 = (7, 0, 4);
    // 3 = (3, 0, 0); 2 = (2, 0, 0); totals published.
    let t = &r.cross_tabs[0];
    assert_eq!(t.row_totals, [0, 2, 3, 11, 19]);
    assert_eq!(t.column_totals, [20, 3, 12]);
    // Primary: the four cells of 1..4.
    for (i, j) in [(1, 0), (2, 0), (3, 2), (4, 1)] {
        assert_eq!(t.cells[i][j], CountCell::Small, "({i},{j})");
    }
    // Every other hidden cell is a complement, never shown as 「<5」.
    let small = t
        .cells
        .iter()
        .flatten()
        .filter(|c| **c == CountCell::Small)
        .count();
    assert_eq!(small, 4);
    assert!(t.cells.iter().flatten().any(|c| *c == CountCell::Hidden));
    // No row or column with exactly one hidden cell.
    for row in &t.cells {
        assert_ne!(row.iter().filter(|c| c.value().is_none()).count(), 1);
    }
    for j in 0..3 {
        assert_ne!(t.cells.iter().filter(|r| r[j].value().is_none()).count(), 1);
    }
    // Exports: CP932 CSV and a PDF that reads back.
    let csv = b
        .svc
        .questionnaire_csv(&shukei, id, &[(sat, ways)], 5)
        .await
        .unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&csv);
    assert!(!bad);
    assert!(text.contains("<5"));
    assert!(text.contains("満足度"));
    assert!(!text.contains("宗教"));
    let pdf = b
        .svc
        .questionnaire_pdf(&shukei, id, &[(sat, ways)], 5)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("集計の確認"), "{text}");
    assert!(text.contains("4.05"), "{text}");
    assert!(text.contains("<5"), "{text}");
    assert!(aggregate_svg(s, 5).unwrap().contains("<rect class=\"bar\""));
}

async fn the_contractor_stays_in_its_contract_and_reads_are_audited(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let (id, _, _, _) = published(&b, Mode::Anonymous).await;
    // The outreach contract's handler, in its own contract, cannot see it.
    let other = b
        .user("mirai-denwa")
        .await
        .in_contract(ContractId(b.demo.contract_id), Some("denwa_kansho".into()));
    let e = b.svc.questionnaire(&other, id).await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    // The reception handler (氏名 only) cannot use the アンケート purpose.
    let uketsuke = b
        .user("wh-uketsuke")
        .await
        .in_contract(ContractId(b.seminar), Some(PURPOSE_ANKETO.into()));
    assert!(b
        .svc
        .questionnaire_results(&uketsuke, id, &[], 5)
        .await
        .is_err());
    let before = b.audit("questionnaire_response").await.len();
    b.svc
        .questionnaire_results(&b.anketo("wh-shukei").await, id, &[], 5)
        .await
        .unwrap();
    let after = b.audit("questionnaire_response").await;
    assert_eq!(after.len(), before + 1);
    let last = after.iter().max_by_key(|e| e.seq).unwrap();
    assert_eq!(last.action, "read");
    assert!(last.actor.contains("wh-shukei"));
    let denied = b
        .audit("questionnaire_response")
        .await
        .into_iter()
        .filter(|e| e.outcome == "deny")
        .count();
    assert!(denied >= 1);
}

async fn aggregation_done_returns_and_erases_with_a_certificate(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let (id, sat, ways, comment) = published(&b, Mode::Anonymous).await;
    let shukei = b.anketo("wh-shukei").await;
    let canary = "カナリア回答ZX81";
    for _ in 0..6 {
        b.svc
            .questionnaire_answer(
                &shukei,
                id,
                None,
                &raw(&[(sat, &["4"]), (ways, &["1"]), (comment, &[canary])]),
            )
            .await
            .unwrap();
    }
    // Public answering goes through the anonymous actor (audited).
    let token = b.svc.questionnaire(&shukei, id).await.unwrap().token;
    let anon = Actor::anonymous(Some("192.0.2.7".parse().unwrap()), "req-1");
    b.svc
        .public_answer(&anon, &token, &raw(&[(sat, &["5"]), (ways, &["2"])]))
        .await
        .unwrap();
    // Aggregation done needs the questionnaire closed first.
    assert!(b.svc.mark_aggregation_done(&shukei, id).await.is_err());
    b.svc.close_questionnaire(&shukei, id).await.unwrap();
    assert!(b
        .svc
        .public_answer(&anon, &token, &RawAnswers::new())
        .await
        .is_err());
    let jobs = b.svc.mark_aggregation_done(&shukei, id).await.unwrap();
    // The demo's rule waits 7 days after 集計完了.
    assert_eq!(jobs.len(), 1);
    assert!(b.svc.run_due_jobs("r1").await.unwrap().done.is_empty());
    b.clock.advance(Duration::days(8));
    let r = b.svc.run_due_jobs("r1").await.unwrap();
    assert_eq!(r.done.len(), 1, "{r:?}");
    assert!(r.failed.is_empty(), "{r:?}");
    // Returned to the ward with a certificate that verifies.
    let ward = b.user("yotsuya").await;
    let returns = b.svc.questionnaire_returns(&ward, b.seminar).await.unwrap();
    let ret = returns.iter().find(|r| r.questionnaire_id == id).unwrap();
    assert_eq!(ret.responses, 7);
    let cert = ret.certificate.as_ref().unwrap();
    cert.verify(&b.svc.audit_verifying_key()).unwrap();
    assert_eq!(cert.certificate.deleted_responses, 7);
    assert!(cert.certificate.deleted_aggregate);
    assert!(cert.certificate.method.starts_with("Cryptographic erase"));
    assert!(cert.lines().iter().any(|l| l.contains("暗号消去")));
    // The ledger has the return line.
    let v = b.svc.questionnaire(&shukei, id).await.unwrap();
    assert_eq!(v.status, "returned");
    // The contractor's copy cannot be read any more.
    let e = b
        .svc
        .questionnaire_results(&shukei, id, &[], 5)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("返却・消去済み"), "{e}");
    // The demo's own questionnaire of the contract was not aggregated:
    // it is untouched.
    let all = b.svc.questionnaires(&shukei).await.unwrap();
    assert!(all
        .iter()
        .any(|q| q.title == demo::DEMO_TITLE && q.status == "published"));
    // The canary text is not in any row the contractor side keeps: the
    // CSV of what is left of the contract's questionnaires is gone with
    // the key, and the audit log never held it.
    let audit = b.audit("questionnaire_response").await;
    assert!(audit.iter().all(|e| !e.reason.contains(canary)));
    // The ward opens what came back: every answer, the canary included,
    // its digest and certificate checked; an audited read.
    let listed = b.svc.returned_questionnaires(&ward).await.unwrap();
    assert!(listed.iter().any(|r| r.id == ret.id));
    let opened = b
        .svc
        .returned_questionnaire(&ward, ret.id, 5)
        .await
        .unwrap();
    assert!(opened.digest_ok && opened.certificate_ok);
    assert_eq!(opened.aggregate.respondents, 7);
    let texts: Vec<&String> = opened.texts.iter().flat_map(|t| &t.2).collect();
    assert_eq!(texts.iter().filter(|t| t.as_str() == canary).count(), 6);
    let audit = b.audit("questionnaire_return").await;
    assert!(audit.iter().any(|e| e
        .reason
        .contains(&format!("questionnaire return {} opened", ret.id))));
    // Only the ward: the contractor reaches neither the list nor the content.
    assert!(b.svc.returned_questionnaires(&shukei).await.is_err());
    assert!(b
        .svc
        .returned_questionnaire(&b.user("wh-sekinin").await, ret.id, 5)
        .await
        .is_err());
}

async fn the_demo_questionnaire_is_seeded(postgres: bool) {
    let Some(b) = bed(postgres).await else { return };
    let shukei = b.anketo("wh-shukei").await;
    let all = b.svc.questionnaires(&shukei).await.unwrap();
    let d = all.iter().find(|q| q.title == demo::DEMO_TITLE).unwrap();
    assert_eq!(d.questions.len(), 5);
    assert!(d.questions[3].show_if.is_some());
    let r = b
        .svc
        .questionnaire_results(&shukei, d.id, &[], 5)
        .await
        .unwrap();
    assert_eq!(
        r.aggregate.respondents as usize,
        demo::DEMO_ONLINE + demo::DEMO_PAPER
    );
    assert_eq!(r.aggregate.paper as usize, demo::DEMO_PAPER);
    let rules = b
        .svc
        .retention_rules(&b.user("ward-admin").await, b.seminar)
        .await
        .unwrap();
    assert!(rules
        .iter()
        .any(|r| r.action == RetentionAction::ReturnQuestionnaires));
}
