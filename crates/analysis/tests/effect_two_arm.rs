//! Two arms: every statistic against scipy 1.17.1 (see
//! tests/reference/two_arm.py, whose output is pasted below), plus invariants.

use itaku_analysis::effect::{compare, fisher_exact, wilson, Level, TwoByTwo};
use proptest::prelude::*;

/// Closed forms: 1e-10 relative (plus 1e-15 absolute for values at 0).
fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-10 * want.abs() + 1e-15
}

/// p-values: 1e-8 relative.
fn close_p(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-8 * want.abs() + 1e-300
}

type Chis = Option<[f64; 6]>;
type Row = (
    u64,
    u64,
    u64,
    u64,
    [f64; 4],
    [f64; 4],
    [f64; 6],
    Chis,
    [f64; 4],
);

/// Output of `python3 crates/analysis/tests/reference/two_arm.py`:
/// (a, b, c, d, [wilson l1, u1, l0, u0], [newcombe lo, hi, wald lo, hi],
///  [rr, rr lo, rr hi, or, or lo, or hi],
///  [pearson, p, yates, p, G, p] (chi2_contingency), [fisher p, mid-p, p_less, p_greater]).
const SCIPY: [Row; 10] = [
    (
        30,
        70,
        18,
        82,
        [
            0.21894885294932764,
            0.39584854633346667,
            0.11700225498946351,
            0.2666735838630073,
        ],
        [
            0.0013340883914530477,
            0.23469812426823414,
            0.0027948092326871704,
            0.23720519076731283,
        ],
        [
            1.6666666666666667,
            0.9964063681374701,
            2.7877960906353216,
            1.9523809523809523,
            1.003331463394188,
            3.799134705020589,
        ],
        Some([
            3.947368421052632,
            0.04694472697848181,
            3.316885964912281,
            0.0685715994697636,
            3.980413461791594,
            0.04603226263358729,
        ]),
        [
            0.06791000101375219,
            0.04931874724293412,
            0.984636253263942,
            0.033955000506876096,
        ],
    ),
    (
        412,
        1588,
        355,
        1645,
        [
            0.18884702137413806,
            0.22428020242723867,
            0.16137730536745443,
            0.19485919012895375,
        ],
        [
            0.004095775823180894,
            0.05287431194916354,
            0.004116057032836885,
            0.05288394296716311,
        ],
        [
            1.1605633802816901,
            1.0214472295157917,
            1.3186264749960237,
            1.202220881966864,
            1.0267266062027882,
            1.4077116929720601,
        ],
        Some([
            5.240933318439124,
            0.022061435324539143,
            5.058654012503877,
            0.02450326129781581,
            5.2448931066492435,
            0.022011280622260473,
        ]),
        [
            0.024461473793485896,
            0.022128142044665473,
            0.9901025948520776,
            0.012230736896742948,
        ],
    ),
    (
        3,
        9,
        1,
        11,
        [
            0.08894166839405471,
            0.5323053349335657,
            0.014865094404917123,
            0.35387991114111694,
        ],
        [
            -0.14819082005263268,
            0.457156256624571,
            -0.12398178936246174,
            0.4573151226957951,
        ],
        [
            3.0,
            0.3611756869185698,
            24.91862084290609,
            3.6666666666666665,
            0.32326065213292116,
            41.590104937721414,
        ],
        Some([
            1.2000000000000002,
            0.273321678292295,
            0.30000000000000004,
            0.583882420770365,
            1.246830961383371,
            0.2641586107348818,
        ]),
        [
            0.5900621118012422,
            0.3416149068322981,
            0.953416149068323,
            0.2950310559006211,
        ],
    ),
    (
        0,
        10,
        4,
        6,
        [
            0.0,
            0.27753279986288926,
            0.16818032970623614,
            0.6873262302663417,
        ],
        [
            -0.6873262302663417,
            -0.03838582088800235,
            -0.7036363148515985,
            -0.0963636851484016,
        ],
        [
            0.1111111111111111,
            0.006758932677694253,
            1.8265722712535273,
            0.06878306878306878,
            0.003157617824300614,
            1.4983163937086883,
        ],
        Some([
            5.0,
            0.025347318677468325,
            2.8125,
            0.09353251268909288,
            6.555863601342386,
            0.010453909005543922,
        ]),
        [
            0.08668730650154799,
            0.043343653250773995,
            0.043343653250773995,
            1.0,
        ],
    ),
    (
        10,
        0,
        6,
        4,
        [
            0.7224672001371109,
            1.0,
            0.3126737697336583,
            0.8318196702937639,
        ],
        [
            0.03838582088800241,
            0.6873262302663417,
            0.0963636851484016,
            0.7036363148515985,
        ],
        [
            1.6666666666666667,
            1.00477647015199,
            2.7645728779432814,
            14.538461538461538,
            0.6674157769339777,
            316.6944372761423,
        ],
        Some([
            5.0,
            0.025347318677468325,
            2.8125,
            0.09353251268909288,
            6.555863601342386,
            0.010453909005543922,
        ]),
        [
            0.08668730650154799,
            0.043343653250773995,
            1.0,
            0.04334365325077399,
        ],
    ),
    (
        0,
        20,
        0,
        25,
        [0.0, 0.16112515805281935, 0.0, 0.1331922509390485],
        [-0.1331922509390485, 0.16112515805281935, 0.0, 0.0],
        [
            1.238095238095238,
            0.025631178494856473,
            59.805280467369606,
            1.2439024390243902,
            0.02364609783452362,
            65.43545952650834,
        ],
        None,
        [1.0, 0.49999999999999994, 1.0, 1.0],
    ),
    (
        1,
        0,
        0,
        1,
        [0.20654931437723745, 1.0, 0.0, 0.7934506856227626],
        [-0.12210872068194178, 1.0, 1.0, 1.0],
        [
            3.0,
            0.2389047516619825,
            37.671917102485125,
            9.0,
            0.09738156483702545,
            831.779609780957,
        ],
        Some([
            2.0,
            0.15729920705028105,
            0.0,
            1.0,
            2.772588722239781,
            0.09589096714246556,
        ]),
        [1.0, 0.5, 1.0, 0.5],
    ),
    (
        7,
        3,
        2,
        8,
        [
            0.39677814746114526,
            0.892208732593699,
            0.056682151454375274,
            0.5098375284633583,
        ],
        [
            0.06647631448630476,
            0.7397586340406175,
            0.12299340010328375,
            0.8770065998967161,
        ],
        [
            3.4999999999999996,
            0.9497615647307887,
            12.897974033590502,
            9.333333333333334,
            1.1934551656393486,
            72.99068588340698,
        ],
        Some([
            5.05050505050505,
            0.024618761380815174,
            3.2323232323232327,
            0.07219819770165818,
            5.300218036681912,
            0.021322755081858408,
        ]),
        [
            0.06977851869492736,
            0.037628006668254346,
            0.9972612526792093,
            0.03488925934746368,
        ],
    ),
    (
        120000,
        380000,
        110000,
        390000,
        [
            0.23881820811877047,
            0.2411857869677091,
            0.21885394252341486,
            0.2211503598774093,
        ],
        [
            0.01835076990747404,
            0.021649102323212665,
            0.018350832681305055,
            0.021649167318694925,
        ],
        [
            1.0909090909090908,
            1.083103188542508,
            1.0987712502532185,
            1.1196172248803828,
            1.109229017038733,
            1.1301027208929186,
        ],
        Some([
            564.6527385657821,
            8.175217337679003e-125,
            564.5398136645963,
            8.650952292611846e-125,
            564.7934757475396,
            7.618766968143168e-125,
        ]),
        [
            8.063354231037989e-125,
            7.631901908056785e-125,
            1.0,
            4.031677115518993e-125,
        ],
    ),
    (
        5,
        5,
        5,
        5,
        [
            0.236593090512564,
            0.7634069094874361,
            0.236593090512564,
            0.7634069094874361,
        ],
        [
            -0.3725136238199143,
            0.3725136238199143,
            -0.43826127028829076,
            0.43826127028829076,
        ],
        [
            1.0,
            0.4162278132637267,
            2.402530460804138,
            1.0,
            0.1732455925343038,
            5.772152615091742,
        ],
        Some([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]),
        [
            1.0,
            0.8281408993483296,
            0.6718591006516703,
            0.6718591006516704,
        ],
    ),
];

#[test]
fn matches_scipy() {
    for (a, b, c, d, w, rd, ratios, chis, fisher) in SCIPY {
        let t = TwoByTwo::from_cells(a, b, c, d);
        let r = compare(&t, Level::NINETY_FIVE).unwrap();
        let ctx = format!("table {a} {b} {c} {d}");
        let got_w = [
            r.treated.ci.lower,
            r.treated.ci.upper,
            r.control.ci.lower,
            r.control.ci.upper,
        ];
        for (g, want) in got_w.iter().zip(w) {
            assert!(close(*g, want), "{ctx} wilson {got_w:?} vs {w:?}");
        }
        let rdv = &r.risk_difference;
        let got_rd = [
            rdv.newcombe.lower,
            rdv.newcombe.upper,
            rdv.wald.lower,
            rdv.wald.upper,
        ];
        for (g, want) in got_rd.iter().zip(rd) {
            assert!(close(*g, want), "{ctx} rd {got_rd:?} vs {rd:?}");
        }
        let got_r = [
            r.risk_ratio.estimate,
            r.risk_ratio.ci.lower,
            r.risk_ratio.ci.upper,
            r.odds_ratio.estimate,
            r.odds_ratio.ci.lower,
            r.odds_ratio.ci.upper,
        ];
        for (g, want) in got_r.iter().zip(ratios) {
            assert!(close(*g, want), "{ctx} ratios {got_r:?} vs {ratios:?}");
        }
        assert_eq!(
            r.odds_ratio.zero_cell_corrected,
            [a, b, c, d].contains(&0),
            "{ctx}"
        );
        match chis {
            None => {
                assert!(r.pearson.is_none() && r.yates.is_none() && r.likelihood_ratio.is_none())
            }
            Some(want) => {
                let (p, y, g) = (
                    r.pearson.unwrap(),
                    r.yates.unwrap(),
                    r.likelihood_ratio.unwrap(),
                );
                let got = [
                    p.statistic,
                    p.p_value,
                    y.statistic,
                    y.p_value,
                    g.statistic,
                    g.p_value,
                ];
                for (i, (gv, wv)) in got.iter().zip(want).enumerate() {
                    let ok = if i % 2 == 0 {
                        close(*gv, wv)
                    } else {
                        close_p(*gv, wv)
                    };
                    assert!(ok, "{ctx} chi-square {got:?} vs {want:?}");
                }
            }
        }
        let f = &r.fisher;
        let got_f = [f.p_value, f.mid_p, f.p_less, f.p_greater];
        for (g, want) in got_f.iter().zip(fisher) {
            assert!(close_p(*g, want), "{ctx} fisher {got_f:?} vs {fisher:?}");
        }
    }
}

#[test]
fn hand_checked_small_table() {
    // a=3 b=9 c=1 d=11: expected counts n·m/N = 12·4/24 = 2 < 5, so Fisher is shown.
    let r = compare(&TwoByTwo::from_cells(3, 9, 1, 11), Level::NINETY_FIVE).unwrap();
    assert_eq!(r.expected[0][0], 2.0);
    assert!(r.any_expected_below_5 && r.show_fisher);
    // RD = 3/12 − 1/12 = 1/6; OR = 3·11/(9·1) = 11/3; RR = 3.
    assert!(close(r.risk_difference.estimate, 1.0 / 6.0));
    assert!(close(r.odds_ratio.estimate, 11.0 / 3.0));
    assert!(close(r.risk_ratio.estimate, 3.0));
    // A large table has no expected count below 5.
    let big = compare(
        &TwoByTwo::from_cells(412, 1588, 355, 1645),
        Level::NINETY_FIVE,
    )
    .unwrap();
    assert!(!big.any_expected_below_5 && !big.show_fisher);
}

#[test]
fn wilson_edges_and_errors() {
    let zero = wilson(0, 10, Level::NINETY_FIVE).unwrap();
    assert_eq!(zero.ci.lower, 0.0);
    let all = wilson(10, 10, Level::NINETY_FIVE).unwrap();
    assert_eq!(all.ci.upper, 1.0);
    assert!(wilson(3, 0, Level::NINETY_FIVE).is_err());
    assert!(wilson(4, 3, Level::NINETY_FIVE).is_err());
    assert!(compare(&TwoByTwo::from_cells(0, 0, 3, 4), Level::NINETY_FIVE).is_err());
    assert!(Level::new(1.0).is_err() && Level::new(0.0).is_err());
    // 90 % Wilson for 30/100, from scipy.stats.binomtest(30, 100).proportion_ci(0.9, 'wilson').
    let w90 = wilson(30, 100, Level::new(0.9).unwrap()).unwrap();
    assert!(close(w90.ci.lower, 0.2307049543691453), "{:?}", w90.ci);
    assert!(close(w90.ci.upper, 0.3798321339441244), "{:?}", w90.ci);
}

#[test]
fn output_serializes_to_json() {
    let r = compare(&TwoByTwo::from_cells(30, 70, 18, 82), Level::NINETY_FIVE).unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["table"]["treated"]["attended"], 30);
    assert!(json["risk_difference"]["newcombe"]["lower"].is_number());
    assert!(json["fisher"]["mid_p"].is_number());
}

fn table() -> impl Strategy<Value = TwoByTwo> {
    (1u64..60, 1u64..60).prop_flat_map(|(n1, n0)| {
        (0..=n1, 0..=n0).prop_map(move |(a, c)| TwoByTwo::from_cells(a, n1 - a, c, n0 - c))
    })
}

proptest! {
    #[test]
    fn intervals_contain_estimates_and_p_in_range(t in table()) {
        let r = compare(&t, Level::NINETY_FIVE).unwrap();
        let rd = &r.risk_difference;
        prop_assert!(rd.newcombe.contains(rd.estimate));
        prop_assert!(rd.wald.contains(rd.estimate));
        prop_assert!(rd.newcombe.lower >= -1.0 && rd.newcombe.upper <= 1.0);
        prop_assert!(r.treated.ci.contains(r.treated.estimate));
        prop_assert!(r.control.ci.contains(r.control.estimate));
        for ratio in [&r.risk_ratio, &r.odds_ratio] {
            prop_assert!(ratio.ci.contains(ratio.estimate), "{:?}", ratio);
            prop_assert!((0.0..=1.0).contains(&ratio.p_value));
        }
        let f = &r.fisher;
        for p in [f.p_value, f.mid_p, f.p_less, f.p_greater] {
            prop_assert!((0.0..=1.0).contains(&p), "{:?}", f);
        }
        prop_assert!(f.mid_p <= f.p_value);
        for test in [&r.pearson, &r.yates, &r.likelihood_ratio].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&test.p_value));
            prop_assert!(test.statistic >= 0.0);
        }
    }

    #[test]
    fn z_squared_is_pearson(t in table()) {
        let r = compare(&t, Level::NINETY_FIVE).unwrap();
        if let (Some(z), Some(p)) = (r.z_pooled, &r.pearson) {
            prop_assert!((z * z - p.statistic).abs() <= 1e-9 * p.statistic.max(1.0));
        }
    }

    #[test]
    fn swapping_arms_flips_rd_and_inverts_ratios(t in table()) {
        let r = compare(&t, Level::NINETY_FIVE).unwrap();
        let s = compare(&t.swapped(), Level::NINETY_FIVE).unwrap();
        let tol = |x: f64| 1e-12 * x.abs().max(1.0);
        prop_assert!((r.risk_difference.estimate + s.risk_difference.estimate).abs() <= 1e-12);
        prop_assert!((r.risk_difference.newcombe.lower + s.risk_difference.newcombe.upper).abs() <= 1e-12);
        prop_assert!((r.odds_ratio.estimate * s.odds_ratio.estimate - 1.0).abs() <= tol(1.0));
        prop_assert!((r.risk_ratio.estimate * s.risk_ratio.estimate - 1.0).abs() <= tol(1.0));
        prop_assert!((r.odds_ratio.ci.lower * s.odds_ratio.ci.upper - 1.0).abs() <= 1e-9);
        prop_assert!((r.fisher.p_value - s.fisher.p_value).abs() <= 1e-12);
        prop_assert!((r.fisher.p_less - s.fisher.p_greater).abs() <= 1e-12);
    }

    #[test]
    fn fisher_symmetric_under_transposition(a in 0u64..40, b in 0u64..40, c in 0u64..40, d in 0u64..40) {
        // Transposing [[a, b], [c, d]] gives [[a, c], [b, d]]: same table probabilities.
        let f = fisher_exact(a, b, c, d);
        let t = fisher_exact(a, c, b, d);
        prop_assert!((f.p_value - t.p_value).abs() <= 1e-12 * f.p_value.max(1e-300) + 1e-15);
        prop_assert!((f.mid_p - t.mid_p).abs() <= 1e-12 + 1e-12 * f.mid_p);
    }
}

#[test]
fn fisher_underflow_is_zero_not_garbage() {
    // χ² ≈ 18 000 on a million persons: the true p is about 1e-3900, below any
    // double; scipy.stats.fisher_exact also returns 0.0.
    let f = fisher_exact(
        120_000 + 59_997,
        500_000 - 179_997,
        119_997 - 59_997,
        380_003,
    );
    assert_eq!(f.p_value, 0.0);
    assert_eq!(f.mid_p, 0.0);
    assert_eq!(f.p_greater, 0.0);
    assert_eq!(f.p_less, 1.0);
}
