//! ITT / CACE, sample-ratio mismatch, Holm / BH, power, suppression, uplift
//! and recommendations. Reference values: tests/reference/other_methods.py
//! (scipy 1.17.1), whose printed lines are quoted next to each constant.

use itaku_analysis::effect::{
    benjamini_hochberg, holm, itt_analysis, power_two_proportions, qini_curve, recommendations,
    sample_ratio_mismatch, sample_size_two_proportions, segment_effects, segment_tables,
    srm_by_stratum, suppress, t_learner, Group, Level, LogisticOptions, PersonRow, Sex,
    SuppressionRule, TwoByTwo, Verdict,
};
use itaku_analysis::AnalysisError;
use proptest::prelude::*;

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs() + 1e-15
}

#[path = "common/dataset.rs"]
mod dataset;
use dataset::data;

// "ITT: treated 107/300, control 69/300, reached 200, reached & attended 72"
const CACE: [f64; 4] = [
    0.19000000000000003,
    0.05570457790882182,
    0.08082103352470374,
    0.2991789664752963,
];

#[test]
fn itt_reached_only_and_cace() {
    let a = itt_analysis(&data(600), Level::NINETY_FIVE).unwrap();
    assert_eq!(
        (a.itt.table.treated.attended, a.itt.table.treated.n),
        (107, 300)
    );
    assert_eq!(
        (a.itt.table.control.attended, a.itt.table.control.n),
        (69, 300)
    );
    let ro = a.reached_only.as_ref().unwrap();
    assert_eq!((ro.table.treated.attended, ro.table.treated.n), (72, 200));
    assert_eq!(ro.table.control, a.itt.table.control);
    assert!(a.reached_only_label.contains("偏り"));
    assert_eq!((a.contact_rate.events, a.contact_rate.n), (200, 300));
    assert_eq!(a.control_reached, 0);
    let c = a.complier.unwrap();
    // Hand: ITT RD = (107 − 69)/300 = 0.12 + 2/300; / (2/3) = 0.19.
    for (g, w) in [c.estimate, c.se, c.ci.lower, c.ci.upper].iter().zip(CACE) {
        assert!(close(*g, w, 1e-10), "{c:?}");
    }
    // Nobody reached: no reached-only comparison and no CACE.
    let mut none = data(60);
    none.iter_mut().for_each(|r| r.reached = false);
    let a = itt_analysis(&none, Level::NINETY_FIVE).unwrap();
    assert!(a.reached_only.is_none() && a.complier.is_none());
}

#[test]
fn sample_ratio_mismatch_matches_scipy_chisquare() {
    // scipy.stats.chisquare(obs, f_exp = weights / sum(weights) * sum(obs)).
    let cases: [(&[u64], &[u32], f64, f64); 4] = [
        (&[5050, 4950], &[1, 1], 1.0, 0.31731050786291115),
        (&[10300, 9700], &[1, 1], 18.0, 2.2090496998585475e-05),
        (
            &[2100, 950],
            &[2, 1],
            6.557377049180329,
            0.01044502138496423,
        ),
        (
            &[30, 31, 29],
            &[1, 1, 1],
            0.06666666666666667,
            0.9672161004820059,
        ),
    ];
    for (obs, w, chi2, p) in cases {
        let s = sample_ratio_mismatch(obs, w).unwrap();
        assert!(
            close(s.chi2, chi2, 1e-10) && close(s.p_value, p, 1e-8),
            "{s:?}"
        );
        assert_eq!(s.mismatch, p < 0.001);
    }
    let strata = vec![
        ("A".to_string(), vec![10_300, 9_700]),
        ("B".to_string(), vec![4_700, 5_300]),
    ];
    let (overall, per) = srm_by_stratum(&strata, &[1, 1]).unwrap();
    // Overall 15000 vs 15000 is balanced, yet both strata alarm.
    assert_eq!(overall.chi2, 0.0);
    assert!(!overall.mismatch);
    assert!(per.iter().all(|s| s.check.mismatch));
    assert!(sample_ratio_mismatch(&[1, 2], &[1]).is_err());
    assert!(sample_ratio_mismatch(&[1, 2], &[1, 0]).is_err());
}

#[test]
fn holm_and_bh_match_reference() {
    let ps = [0.01, 0.04, 0.03, 0.005, 0.5, 0.04];
    // Holm by hand; BH = scipy.stats.false_discovery_control(ps, method='bh').
    let want_holm = [0.05, 0.12, 0.12, 0.03, 0.5, 0.12];
    let want_bh = [0.03, 0.048, 0.048, 0.03, 0.5, 0.048];
    for ((h, b), (wh, wb)) in holm(&ps)
        .iter()
        .zip(benjamini_hochberg(&ps))
        .zip(want_holm.iter().zip(want_bh))
    {
        assert!(close(*h, *wh, 1e-12) && close(b, wb, 1e-12), "{h} {b}");
    }
    assert!(holm(&[]).is_empty());
}

#[test]
fn power_and_sample_size() {
    // 0.4 vs 0.3, α = 0.05, power 0.8, 1:1 → 356 per arm (the textbook value).
    let s = sample_size_two_proportions(0.4, 0.3, 0.05, 0.8, 1.0).unwrap();
    assert_eq!((s.n1, s.n2, s.total), (356, 356, 712));
    assert!(close(s.achieved_power, 0.8000641045090086, 1e-10));
    let s = sample_size_two_proportions(0.25, 0.2, 0.05, 0.9, 2.0).unwrap();
    assert_eq!((s.n1, s.n2), (1092, 2183));
    assert!(close(s.achieved_power, 0.9001337407825433, 1e-10));
    let s = sample_size_two_proportions(0.1, 0.05, 0.01, 0.8, 0.5).unwrap();
    assert_eq!((s.n1, s.n2), (1018, 509));
    assert!(close(s.achieved_power, 0.8001472221739379, 1e-10));
    let p = power_two_proportions(0.3, 0.25, 1000, 1000, 0.05).unwrap();
    assert!(close(p.power, 0.7070604336198816, 1e-10));
    assert!(sample_size_two_proportions(0.3, 0.3, 0.05, 0.8, 1.0).is_err());
    assert!(power_two_proportions(1.2, 0.3, 10, 10, 0.05).is_err());
}

#[test]
fn suppression_worked_example() {
    // Hand trace: 3 is primary; row 0 then takes 25; column 0 takes 18,
    // column 1 takes 12; row 1 takes 30, row 2 takes 11; column 2 takes 40.
    let cells = vec![vec![25, 3, 40], vec![30, 12, 50], vec![18, 20, 11]];
    let t = suppress(&cells, SuppressionRule::default()).unwrap();
    assert_eq!(t.primary, vec![(0, 1)]);
    assert_eq!(
        t.complementary,
        vec![(0, 0), (2, 0), (1, 1), (1, 0), (2, 2), (0, 2)]
    );
    assert_eq!(t.cells[1][2], Some(50));
    assert_eq!(t.cells[2][1], Some(20));
    assert_eq!(t.row_totals, vec![68, 92, 49]);
    assert_eq!(t.column_totals, vec![73, 35, 101]);
    assert_eq!(t.total, 209);
    // No small cell: nothing hidden. A zero is shown unless asked otherwise.
    let t = suppress(&[vec![10, 0], vec![12, 30]], SuppressionRule::default()).unwrap();
    assert!(t.primary.is_empty() && t.complementary.is_empty());
    let strict = SuppressionRule {
        threshold: 10,
        suppress_zero: true,
    };
    let t = suppress(&[vec![10, 0], vec![12, 30]], strict).unwrap();
    assert_eq!(t.primary, vec![(0, 1)]);
    // One column: the total gives the cell away, so refuse.
    let err = suppress(&[vec![3], vec![40]], SuppressionRule::default()).unwrap_err();
    assert!(matches!(err, AnalysisError::SuppressionImpossible { .. }));
    assert!(suppress(&[vec![1, 2], vec![3]], SuppressionRule::default()).is_err());
}

proptest! {
    #[test]
    fn suppression_is_safe(
        rows in 2usize..7, cols in 2usize..7, k in 1u64..15,
        values in prop::collection::vec(0u64..40, 36),
    ) {
        let cells: Vec<Vec<u64>> = (0..rows).map(|i| values[i * 6..i * 6 + cols].to_vec()).collect();
        let rule = SuppressionRule { threshold: k, suppress_zero: false };
        let t = suppress(&cells, rule).unwrap();
        for (i, row) in cells.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if v > 0 && v < k {
                    prop_assert!(t.cells[i][j].is_none(), "small cell ({i},{j}) published");
                }
                if let Some(p) = t.cells[i][j] {
                    prop_assert_eq!(p, v);
                }
            }
        }
        // A hidden cell is derivable from one row (column) exactly when it is
        // the only hidden cell there: total − visible cells.
        for i in 0..rows {
            let hidden = (0..cols).filter(|j| t.cells[i][*j].is_none()).count();
            prop_assert!(hidden != 1, "row {i} reveals its hidden cell");
        }
        for j in 0..cols {
            let hidden = (0..rows).filter(|i| t.cells[*i][j].is_none()).count();
            prop_assert!(hidden != 1, "column {j} reveals its hidden cell");
        }
        prop_assert_eq!(t.row_totals.iter().sum::<u64>(), t.total);
        prop_assert_eq!(t.column_totals.iter().sum::<u64>(), t.total);
    }
}

fn arm(n: u64, attended: u64) -> itaku_analysis::effect::ArmCounts {
    itaku_analysis::effect::ArmCounts { n, attended }
}

#[test]
fn segment_effects_ranking_and_recommendations() {
    let segs = vec![
        (
            "A".to_string(),
            TwoByTwo {
                treated: arm(200, 60),
                control: arm(200, 30),
            },
        ),
        (
            "B".to_string(),
            TwoByTwo {
                treated: arm(200, 40),
                control: arm(200, 38),
            },
        ),
        (
            "C".to_string(),
            TwoByTwo {
                treated: arm(200, 10),
                control: arm(200, 40),
            },
        ),
        (
            "D".to_string(),
            TwoByTwo {
                treated: arm(0, 0),
                control: arm(50, 10),
            },
        ),
        (
            "E".to_string(),
            TwoByTwo {
                treated: arm(100, 50),
                control: arm(100, 20),
            },
        ),
    ];
    let eff = segment_effects(&segs, Level::NINETY_FIVE);
    let order: Vec<(&str, Option<usize>)> =
        eff.iter().map(|e| (e.segment.as_str(), e.rank)).collect();
    assert_eq!(
        order,
        [
            ("E", Some(1)),
            ("A", Some(2)),
            ("B", Some(3)),
            ("C", Some(4)),
            ("D", None)
        ]
    );
    assert!(eff[4].problem.as_deref().unwrap().contains("人数が 0"));
    for e in &eff[..4] {
        let (p, h, b) = (e.p_value.unwrap(), e.p_holm.unwrap(), e.p_bh.unwrap());
        assert!(p <= b && b <= h && h <= 1.0, "{p} {b} {h}");
    }
    let rec = recommendations(&eff, Level::NINETY_FIVE);
    let verdicts: Vec<(&str, Verdict)> = rec
        .iter()
        .map(|r| (r.segment.as_str(), r.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("E", Verdict::CallFirst),
            ("A", Verdict::CallFirst),
            ("B", Verdict::NoEffectSeen),
            ("C", Verdict::Lower),
            ("D", Verdict::Undetermined),
        ]
    );
    // Newcombe CIs by scipy wilson + method 10 (see other_methods.py style):
    // E 50/100 vs 20/100 → +30.0 [+16.9, +41.7]; B 40/200 vs 38/200 → +1.0 [−6.8, +8.8].
    assert_eq!(
        rec[0].text,
        "区分Eに先に電話する（効果 +30.0 ポイント、95%CI +16.9〜+41.7 ポイント）"
    );
    assert_eq!(
        rec[2].text,
        "区分Bは電話の効果が見られない（効果 +1.0 ポイント、95%CI -6.8〜+8.8 ポイント）"
    );
    assert!(rec[3].text.contains("-15.0") && rec[3].text.contains("見直す"));
}

#[test]
fn t_learner_and_qini() {
    let rows = data(600);
    let tl = t_learner(&rows, LogisticOptions::default(), Level::NINETY_FIVE).unwrap();
    assert_eq!(tl.uplift.len(), rows.len());
    for (r, u) in rows.iter().zip(&tl.uplift) {
        assert!((u - (tl.treated_model.predict(r) - tl.control_model.predict(r))).abs() < 1e-15);
    }
    // Each arm's model has an intercept, so its predictions sum to its attenders.
    let sum_t: f64 = rows
        .iter()
        .filter(|r| r.group == Group::Treated)
        .map(|r| tl.treated_model.predict(r))
        .sum();
    assert!((sum_t - 107.0).abs() < 1e-8);
    let q = qini_curve(&tl.uplift, &rows, 20).unwrap();
    let last = q.points.last().unwrap();
    // Qini(all) = Y_t − Y_c·N_t/N_c = 107 − 69·300/300 = 38.
    assert_eq!(last.targeted, 600);
    assert!((last.qini - 38.0).abs() < 1e-9);
    assert!(q.points.len() <= 22 && q.points[0].targeted == 0);
    assert!(q.coefficient.is_finite());
}

#[test]
fn t_learner_with_segments_only_is_the_per_segment_difference() {
    // Constant age and sex: the per-arm models are saturated in the segment,
    // so each person's uplift is their segment's raw risk difference.
    let mut rows = data(600);
    for r in &mut rows {
        r.age = 60.0;
        r.sex = Sex::Female;
    }
    let tl = t_learner(&rows, LogisticOptions::default(), Level::NINETY_FIVE).unwrap();
    let tables = segment_tables(&rows);
    for (r, u) in rows.iter().zip(&tl.uplift) {
        let t = &tables.iter().find(|(s, _)| *s == r.segment).unwrap().1;
        let rd = t.treated.attended as f64 / t.treated.n as f64
            - t.control.attended as f64 / t.control.n as f64;
        assert!((u - rd).abs() < 1e-9, "{} {u} {rd}", r.segment);
    }
}

#[test]
fn qini_hand_example() {
    // (score, treated, attended); hand trace in other_methods.py:
    // boundaries (0,0) (2,1) (3,2) (5,0.5) (6,1) (7,1/3) (8,1), coefficient 0.048177…
    let spec = [
        (0.9, true, true),
        (0.9, false, false),
        (0.7, true, true),
        (0.5, false, true),
        (0.5, true, false),
        (0.3, true, true),
        (0.2, false, true),
        (0.1, false, false),
    ];
    let rows: Vec<PersonRow> = spec
        .iter()
        .map(|&(_, t, a)| PersonRow {
            group: if t { Group::Treated } else { Group::Control },
            age: 60.0,
            sex: Sex::Male,
            segment: "X".into(),
            attended: a,
            reached: t,
        })
        .collect();
    let scores: Vec<f64> = spec.iter().map(|s| s.0).collect();
    let q = qini_curve(&scores, &rows, 100).unwrap();
    let got: Vec<(u64, f64)> = q.points.iter().map(|p| (p.targeted, p.qini)).collect();
    let want = [
        (0, 0.0),
        (2, 1.0),
        (3, 2.0),
        (5, 0.5),
        (6, 1.0),
        (7, 1.0 / 3.0),
        (8, 1.0),
    ];
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(g.0 == w.0 && (g.1 - w.1).abs() < 1e-12, "{got:?}");
    }
    assert!(close(q.coefficient, 0.04817708333333334, 1e-12));
    // Reversing the row order changes nothing (ties enter together).
    let rrows: Vec<PersonRow> = rows.iter().rev().cloned().collect();
    let rscores: Vec<f64> = scores.iter().rev().copied().collect();
    assert_eq!(qini_curve(&rscores, &rrows, 100).unwrap(), q);
    assert!(qini_curve(&scores[..3], &rows, 10).is_err());
}
