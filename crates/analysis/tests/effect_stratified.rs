//! Stratified tables: Mantel–Haenszel, CMH, Breslow–Day / Tarone.
//! Reference values: tests/reference/mantel_haenszel.py (numpy + scipy brentq,
//! an independent implementation). The UC Berkeley admissions set also
//! reproduces R's published `example(mantelhaen.test)` output: common OR
//! 0.9046968, 95 % CI 0.7719074–1.0603298, corrected X² = 1.4269 (p = 0.2323),
//! and the textbook Breslow–Day 18.83 on 5 df.

use itaku_analysis::effect::{compare, mantel_haenszel, Level, Stratum, TwoByTwo};
use proptest::prelude::*;

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs() + 1e-15
}

fn strata(rows: &[(u64, u64, u64, u64)]) -> Vec<Stratum> {
    rows.iter()
        .enumerate()
        .map(|(i, &(a, b, c, d))| Stratum {
            label: format!("層{i}"),
            table: TwoByTwo::from_cells(a, b, c, d),
        })
        .collect()
}

const UCB: [(u64, u64, u64, u64); 6] = [
    (512, 313, 89, 19),
    (353, 207, 17, 8),
    (120, 205, 202, 391),
    (138, 279, 131, 244),
    (53, 138, 94, 299),
    (22, 351, 24, 317),
];
const SEGMENTS: [(u64, u64, u64, u64); 3] = [(30, 70, 18, 82), (45, 55, 40, 60), (12, 88, 10, 90)];
const SPARSE: [(u64, u64, u64, u64); 4] = [(1, 2, 0, 3), (2, 1, 1, 2), (0, 4, 0, 5), (3, 0, 1, 1)];

/// Output of `python3 crates/analysis/tests/reference/mantel_haenszel.py`, in order
/// ucb, segments, sparse: [OR, lo, hi, RR, lo, hi, RD, lo, hi, CMH, p, CMHc, p,
/// BD, p, Tarone, p].
const REFERENCE: [[f64; 17]; 3] = [
    [
        0.9046968282586231,
        0.7719073617593505,
        1.0603297644366558,
        0.944905022595929,
        0.8664522326830039,
        1.0304613088274714,
        -0.018425196190852512,
        -0.04748243534654223,
        0.010632042964837208,
        1.524606660443418,
        0.2169236970555174,
        1.4269462285866712,
        0.23226346281704763,
        18.825513705236006,
        0.0020713903499180245,
        18.82550125205272,
        0.00207140139788128,
    ],
    [
        1.4377880184331797,
        0.9783331316507217,
        2.113016843722758,
        1.2794117647058822,
        0.9844171746534282,
        1.6628056740721753,
        0.06333333333333334,
        -0.003483479901882136,
        0.1301501465685488,
        3.423023776623624,
        0.06429314985576742,
        3.07218754467051,
        0.07964223567877864,
        1.241820061485611,
        0.5374551143019317,
        1.2418083066092558,
        0.5374582731704222,
    ],
    [
        10.6,
        0.5588263580660235,
        201.0642454104232,
        2.4545454545454546,
        0.7753746757710559,
        7.770170443648442,
        0.24913494809688583,
        -0.026050321742405208,
        0.5243202179361769,
        2.7234042553191475,
        0.09888690877928431,
        1.2872340425531907,
        0.25655830774327554,
        0.7272488423386665,
        0.6951522301818966,
        0.7272372275238994,
        0.6951562672258136,
    ],
];

#[test]
fn matches_reference() {
    for (rows, want) in [&UCB[..], &SEGMENTS[..], &SPARSE[..]]
        .into_iter()
        .zip(REFERENCE)
    {
        let mh = mantel_haenszel(&strata(rows), Level::NINETY_FIVE).unwrap();
        let or = mh.odds_ratio.unwrap();
        let rr = mh.risk_ratio.unwrap();
        let rd = mh.risk_difference.unwrap();
        let (cmh, cmhc) = (mh.cmh.unwrap(), mh.cmh_corrected.unwrap());
        let (bd, bdt) = (mh.breslow_day.unwrap(), mh.breslow_day_tarone.unwrap());
        let got = [
            or.estimate,
            or.ci.lower,
            or.ci.upper,
            rr.estimate,
            rr.ci.lower,
            rr.ci.upper,
            rd.estimate,
            rd.ci.lower,
            rd.ci.upper,
            cmh.statistic,
            cmh.p_value,
            cmhc.statistic,
            cmhc.p_value,
            bd.statistic,
            bd.p_value,
            bdt.statistic,
            bdt.p_value,
        ];
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            // closed forms 1e-10; the Breslow–Day root and p-values 1e-8
            let tol = if i >= 13 || i % 2 == 0 && i >= 10 {
                1e-8
            } else {
                1e-10
            };
            assert!(close(*g, w, tol), "item {i}: got {g}, want {w} ({got:?})");
        }
    }
}

#[test]
fn ucb_matches_published_r_output() {
    let mh = mantel_haenszel(&strata(&UCB), Level::NINETY_FIVE).unwrap();
    let or = mh.odds_ratio.unwrap();
    assert!((or.estimate - 0.9046968).abs() < 5e-8);
    assert!((or.ci.lower - 0.7719074).abs() < 5e-8);
    assert!((or.ci.upper - 1.0603298).abs() < 5e-8);
    let c = mh.cmh_corrected.unwrap();
    assert!((c.statistic - 1.4269).abs() < 5e-5 && (c.p_value - 0.2323).abs() < 5e-5);
    let bd = mh.breslow_day.unwrap();
    assert_eq!(bd.df, 5);
    assert!((bd.statistic - 18.83).abs() < 5e-3);
}

#[test]
fn uninformative_strata_are_listed_and_skipped() {
    let mh = mantel_haenszel(&strata(&SPARSE), Level::NINETY_FIVE).unwrap();
    // 層2 (0, 4, 0, 5) has nobody attending: no information on the odds ratio.
    assert_eq!(mh.uninformative, vec!["層2".to_string()]);
    assert_eq!(mh.breslow_day_tarone.unwrap().df, 2);
    assert!(mantel_haenszel(&[], Level::NINETY_FIVE).is_err());
}

#[test]
fn identical_strata_are_homogeneous() {
    let mh = mantel_haenszel(&strata(&[(30, 70, 18, 82); 4]), Level::NINETY_FIVE).unwrap();
    assert!(mh.breslow_day.unwrap().statistic < 1e-20);
    assert!(mh.breslow_day_tarone.unwrap().p_value > 0.999_999);
}

fn table() -> impl Strategy<Value = (u64, u64, u64, u64)> {
    (1u64..80, 1u64..80)
        .prop_flat_map(|(n1, n0)| (0..=n1, 0..=n0).prop_map(move |(a, c)| (a, n1 - a, c, n0 - c)))
}

proptest! {
    #[test]
    fn single_stratum_equals_crude(t in table()) {
        let (a, b, c, d) = t;
        let mh = mantel_haenszel(&strata(&[t]), Level::NINETY_FIVE).unwrap();
        let crude = compare(&TwoByTwo::from_cells(a, b, c, d), Level::NINETY_FIVE).unwrap();
        if let Some(or) = &mh.odds_ratio {
            // MH OR of one stratum is ad/bc (defined only without a zero in b·c, a·d).
            prop_assert!(close(or.estimate, (a * d) as f64 / (b * c) as f64, 1e-12));
            prop_assert!(or.ci.contains(or.estimate));
            if !crude.odds_ratio.zero_cell_corrected {
                prop_assert!(close(or.estimate, crude.odds_ratio.estimate, 1e-12));
            }
        }
        if let Some(rr) = &mh.risk_ratio {
            prop_assert!(close(rr.estimate, (a as f64 / (a + b) as f64) / (c as f64 / (c + d) as f64), 1e-12));
        }
        let rd = mh.risk_difference.unwrap();
        prop_assert!((rd.estimate - crude.risk_difference.estimate).abs() < 1e-12);
        prop_assert!(rd.ci.contains(rd.estimate));
        // CMH of one stratum = Pearson × (N − 1)/N.
        if let (Some(cmh), Some(p)) = (&mh.cmh, &crude.pearson) {
            let n = (a + b + c + d) as f64;
            prop_assert!(close(cmh.statistic, p.statistic * (n - 1.0) / n, 1e-9));
        }
        prop_assert!(mh.breslow_day.is_none());
    }

    #[test]
    fn p_values_in_range(rows in prop::collection::vec(table(), 1..6)) {
        let mh = mantel_haenszel(&strata(&rows), Level::NINETY_FIVE).unwrap();
        for t in [&mh.cmh, &mh.cmh_corrected, &mh.breslow_day, &mh.breslow_day_tarone].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&t.p_value) && t.statistic >= 0.0, "{:?}", t);
        }
        if let (Some(bd), Some(t)) = (&mh.breslow_day, &mh.breslow_day_tarone) {
            prop_assert!(t.statistic <= bd.statistic + 1e-12);
        }
    }
}

#[test]
fn counts_report_pools_ranks_and_checks_allocation() {
    use itaku_analysis::effect::{analyse_counts, ArmWeights};
    let s = strata(&SEGMENTS);
    let w = ArmWeights {
        control: 1,
        treated: 1,
    };
    let r = analyse_counts(&s, Some(w), Level::NINETY_FIVE).unwrap();
    // Pooled: 87/300 treated vs 68/300 control.
    assert_eq!(
        (r.overall.table.treated.attended, r.overall.table.treated.n),
        (87, 300)
    );
    assert_eq!(
        (r.overall.table.control.attended, r.overall.table.control.n),
        (68, 300)
    );
    assert_eq!(r.strata.len(), 3);
    assert_eq!(r.strata[0].segment, "層0"); // 30 vs 18 per 100: the largest difference
    assert_eq!(r.recommendations.len(), 3);
    assert!(close(
        r.mantel_haenszel.odds_ratio.unwrap().estimate,
        REFERENCE[1][0],
        1e-12
    ));
    let srm = r.sample_ratio.unwrap();
    assert_eq!(srm.observed, vec![300, 300]);
    assert!(!srm.mismatch && r.sample_ratio_by_stratum.len() == 3);
    let json =
        serde_json::to_string(&analyse_counts(&s, None, Level::NINETY_FIVE).unwrap()).unwrap();
    assert!(json.contains("\"breslow_day_tarone\"") && json.contains("\"sample_ratio\":null"));
}
