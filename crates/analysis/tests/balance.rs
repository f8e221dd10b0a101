//! Balance reports and the sample-ratio-mismatch check. Reference p-values
//! were computed independently with scipy 1.17.1
//! (`scipy.stats.chisquare(observed, expected).pvalue`) and, for df = 1, with
//! Python's `math.erfc(sqrt(chi2 / 2))`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_analysis::{
    age_band, allocate, Allocation, AllocationRow, Arm, Design, Seed, StratumKey, Unit, SRM_ALPHA,
};

fn design(weights: &[u32]) -> Design {
    let arms = weights
        .iter()
        .enumerate()
        .map(|(i, w)| Arm::new(format!("arm{i}"), format!("群{i}"), *w))
        .collect();
    Design::new(arms, 1, Seed::from_u64(1))
}

/// An allocation with the given number of randomised rows per arm, in one stratum.
fn with_counts(weights: &[u32], counts: &[u64]) -> Allocation {
    let mut rows = Vec::new();
    let mut id = 0;
    for (arm, n) in counts.iter().enumerate() {
        for _ in 0..*n {
            id += 1;
            rows.push(AllocationRow {
                person_id: id,
                stratum: StratumKey::new("all"),
                arm: Some(arm),
                block: 1,
                position: 1,
            });
        }
    }
    Allocation {
        design: design(weights),
        rows,
    }
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

/// Weights, observed counts, χ², df, p.
type Case = (&'static [u32], &'static [u64], f64, u32, f64);

#[test]
fn srm_matches_independent_values() {
    // (weights, counts, chi2, df, p) — chi2 and p from scipy.stats.chisquare.
    let cases: [Case; 6] = [
        (&[1, 1], &[530, 470], 3.6, 1, 0.057_779_571_123_597_15),
        (
            &[2, 1, 1],
            &[480, 270, 250],
            2.4,
            2,
            0.301_194_211_912_202_1,
        ),
        (
            &[1, 2, 3, 4],
            &[120, 190, 310, 380],
            5.833_333_333_333_333,
            3,
            0.120_006_547_653_214_64,
        ),
        (&[1, 1], &[2600, 2400], 8.0, 1, 0.004_677_734_981_047_276),
        (&[1, 1], &[2620, 2380], 11.52, 1, 0.000_688_513_896_645_079),
        (&[1, 1], &[2700, 2300], 32.0, 1, 1.541_725_790_028_001_3e-8),
    ];
    for (weights, counts, chi2, df, p) in cases {
        let srm = with_counts(weights, counts).sample_ratio_check();
        assert_eq!(srm.observed, counts);
        assert!(
            close(srm.chi2, chi2, 1e-12),
            "{counts:?}: chi2 {}",
            srm.chi2
        );
        assert_eq!(srm.df, df);
        assert!(
            close(srm.p_value, p, 1e-10),
            "{counts:?}: p {:e} vs {p:e}",
            srm.p_value
        );
        assert_eq!(srm.mismatch, p < SRM_ALPHA, "{counts:?}");
        assert!(srm.method.contains("Pearson chi-square goodness-of-fit"));
    }
    // df = 1 closed form: p = erfc(√(χ²/2)), math.erfc(sqrt(1.8)) in Python.
    let srm = with_counts(&[1, 1], &[530, 470]).sample_ratio_check();
    assert!(close(srm.p_value, 0.057_779_571_123_597_24, 1e-12));
}

#[test]
fn srm_edge_cases() {
    let empty = with_counts(&[1, 1], &[0, 0]).sample_ratio_check();
    assert_eq!(
        (empty.chi2, empty.p_value, empty.mismatch),
        (0.0, 1.0, false)
    );
    let single = with_counts(&[3], &[17]).sample_ratio_check();
    assert_eq!(
        (single.df, single.p_value, single.mismatch),
        (0, 1.0, false)
    );
}

/// Persons over strata of segment × age band × sex; one in five has no phone.
fn campaign(n: i64) -> Vec<Unit> {
    (0..n)
        .map(|i| Unit {
            person_id: 10_000 + i,
            stratum: StratumKey::from_parts(
                if i % 4 == 0 {
                    "未受診"
                } else {
                    "がん未受診"
                },
                &age_band(40 + u32::try_from(i % 30).unwrap()),
                if i % 2 == 0 { "1" } else { "2" },
            )
            .unwrap(),
            eligible: i % 5 != 2,
        })
        .collect()
}

#[test]
fn intact_allocation_passes_and_a_skewed_one_is_flagged() {
    let design = Design::new(
        vec![
            Arm::new("notice", "通知のみ", 1),
            Arm::new("notice_call", "通知＋電話", 1),
        ],
        2,
        Seed::from_u64(2026),
    );
    let allocation = allocate(&design, &campaign(5_000)).unwrap();
    let intact = allocation.sample_ratio_check();
    assert!(!intact.mismatch, "{intact:?}");
    // Permuted blocks of 4: each stratum's arms differ by at most 2.
    let counts = allocation.arm_counts();
    let strata = allocation.balance().len() as u64;
    assert_eq!(strata, 18);
    assert_eq!(counts.iter().sum::<u64>(), 4_000);
    assert!(counts[0].abs_diff(counts[1]) <= 2 * strata, "{counts:?}");

    // A pipeline that lost every sixth person of the call arm (e.g. a failed
    // join on the call log) must be caught before any effect is estimated.
    let mut skewed = allocation.clone();
    let mut seen = 0;
    skewed.rows.retain(|r| {
        if r.arm == Some(1) {
            seen += 1;
            seen % 6 != 0
        } else {
            true
        }
    });
    let srm = skewed.sample_ratio_check();
    // About 2000 vs 1667: χ² ≈ 30, p ≈ 4e-8.
    assert!(srm.mismatch, "{srm:?}");
    assert!(srm.p_value < 1e-6, "{srm:?}");

    // Rows drawn 1:1 but checked against a 2:1 design are flagged too.
    let mut wrong_weights = allocation;
    wrong_weights.design.arms[0].weight = 2;
    assert!(wrong_weights.sample_ratio_check().mismatch);
}

#[test]
fn balance_per_stratum() {
    let a = StratumKey::new("a");
    let b = StratumKey::new("b");
    let row = |id, stratum: &StratumKey, arm| AllocationRow {
        person_id: id,
        stratum: stratum.clone(),
        arm,
        block: 1,
        position: 1,
    };
    let allocation = Allocation {
        design: design(&[2, 1]),
        rows: vec![
            row(5, &b, Some(1)),
            row(1, &a, Some(0)),
            row(2, &a, Some(0)),
            row(3, &a, Some(1)),
            row(4, &a, None),
            row(6, &b, Some(1)),
            row(7, &b, Some(0)),
            row(8, &b, Some(1)),
        ],
    };
    let balance = allocation.balance();
    assert_eq!(balance.len(), 2);
    assert_eq!(balance[0].stratum, a);
    assert_eq!(balance[0].counts, vec![2, 1]);
    assert_eq!(balance[0].not_randomised, 1);
    assert_eq!(balance[0].expected, vec![2.0, 1.0]);
    assert_eq!(balance[0].max_imbalance, 0.0);
    assert_eq!(balance[1].stratum, b);
    assert_eq!(balance[1].counts, vec![1, 3]);
    assert_eq!(balance[1].not_randomised, 0);
    // 4 randomised at 2:1 → expected 8/3 and 4/3; arm 1 is 5/3 over.
    assert!((balance[1].max_imbalance - 5.0 / 3.0).abs() < 1e-12);
    assert_eq!(allocation.arm_counts(), vec![3, 4]);
}
