//! Logistic regression by IRLS against an independent numpy IRLS
//! (tests/reference/logistic_irls.py, output pasted below) and invariants.

use itaku_analysis::effect::{
    compare, fit_logistic, logistic_effect, DesignSpec, Group, Level, LogisticOptions, PersonRow,
    Sex, Term, TwoByTwo,
};
use itaku_analysis::AnalysisError;
use proptest::prelude::*;

#[path = "common/dataset.rs"]
mod dataset;
use dataset::data;

// Output of `python3 crates/analysis/tests/reference/logistic_irls.py`:
// (coefficients, standard errors, deviance); terms in DesignSpec order.
const MAIN: ([f64; 6], [f64; 6], f64) = (
    [
        -1.5532257820237851,
        0.6321221185358485,
        0.015263279025550755,
        -0.301671384994691,
        -0.20731358635488573,
        -0.6318105244787247,
    ],
    [
        0.5543733360631771,
        0.18489498239367322,
        0.009397796950647713,
        0.1853584689818358,
        0.23227724312427028,
        0.21998877701185537,
    ],
    700.4605047423616,
);
const INTER: ([f64; 8], [f64; 8], f64) = (
    [
        -1.5500704086298582,
        0.6267664066035691,
        0.015258521742731615,
        -0.3016525190001335,
        -0.21331603135713062,
        -0.6348444146256392,
        0.01086719077506521,
        0.005576485097465499,
    ],
    [
        0.5746663940620976,
        0.3239212644655673,
        0.009400183612946714,
        0.18537085101161063,
        0.347347131513562,
        0.33187624847689545,
        0.4673004884075905,
        0.44324903605774246,
    ],
    700.4599630511043,
);
const NO_ARM: ([f64; 5], [f64; 5], f64) = (
    [
        -1.211490881617172,
        0.01496519755325081,
        -0.29499808443486186,
        -0.20008842688007691,
        -0.6198257887365884,
    ],
    [
        0.5384777188096824,
        0.009301855916676418,
        0.18343030672015223,
        0.22971885274361764,
        0.2176801080978011,
    ],
    712.3740773094104,
);

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1e-3)
}

fn check(fit: &itaku_analysis::effect::LogisticFit, want: &[f64], want_se: &[f64], want_dev: f64) {
    assert_eq!(fit.coefficients.len(), want.len());
    for ((c, b), se) in fit.coefficients.iter().zip(want).zip(want_se) {
        assert!(
            close(c.estimate, *b, 1e-6),
            "{}: {} vs {b}",
            c.label,
            c.estimate
        );
        assert!(close(c.se, *se, 1e-6), "{} se: {} vs {se}", c.label, c.se);
        assert!(c.ci.contains(c.estimate) && (0.0..=1.0).contains(&c.p_value));
    }
    assert!(
        close(fit.deviance, want_dev, 1e-9),
        "deviance {} vs {want_dev}",
        fit.deviance
    );
}

#[test]
fn matches_numpy_irls() {
    let rows = data(600);
    assert_eq!(rows.iter().filter(|r| r.attended).count(), 176);
    let opts = LogisticOptions::default();
    let main = logistic_effect(
        &rows,
        DesignSpec {
            arm: true,
            interaction: false,
        },
        opts,
        Level::NINETY_FIVE,
    )
    .unwrap();
    let terms: Vec<String> = main
        .full
        .coefficients
        .iter()
        .map(|c| c.label.clone())
        .collect();
    assert_eq!(
        terms,
        [
            "切片",
            "通知＋電話",
            "年齢（1歳あたり）",
            "女性",
            "区分: 未受診",
            "区分: 過去受診"
        ]
    );
    check(&main.full, &MAIN.0, &MAIN.1, MAIN.2);
    check(&main.reduced, &NO_ARM.0, &NO_ARM.1, NO_ARM.2);
    assert_eq!(main.lr_arm.df, 1);
    assert!(close(main.lr_arm.statistic, NO_ARM.2 - MAIN.2, 1e-8));
    let inter = logistic_effect(
        &rows,
        DesignSpec {
            arm: true,
            interaction: true,
        },
        opts,
        Level::NINETY_FIVE,
    )
    .unwrap();
    check(&inter.full, &INTER.0, &INTER.1, INTER.2);
    assert_eq!(inter.lr_arm.df, 3);
    assert!(close(inter.lr_arm.statistic, NO_ARM.2 - INTER.2, 1e-8));
    // The interaction model nests the main-effects one.
    assert!(inter.full.deviance <= main.full.deviance);
}

#[test]
fn score_is_zero_at_the_fit() {
    let rows = data(600);
    let spec = DesignSpec {
        arm: true,
        interaction: false,
    };
    let terms = spec.terms(&rows);
    let fit = fit_logistic(
        &terms,
        &rows,
        LogisticOptions::default(),
        Level::NINETY_FIVE,
    )
    .unwrap();
    for t in &terms {
        let score: f64 = rows
            .iter()
            .map(|r| t.value(r) * (f64::from(u8::from(r.attended)) - fit.predict(r)))
            .sum();
        assert!(score.abs() < 1e-8, "{t:?}: {score}");
    }
    // Intercept in the model: fitted probabilities sum to the attenders.
    let total: f64 = rows.iter().map(|r| fit.predict(r)).sum();
    assert!((total - 176.0).abs() < 1e-8);
    assert!(fit.null_deviance > fit.deviance);
}

#[test]
fn separation_is_an_error_in_japanese() {
    let mut rows = data(300);
    // Everyone in 未受診 attends: the segment dummy runs to infinity.
    for r in rows.iter_mut().filter(|r| r.segment == "未受診") {
        r.attended = true;
    }
    let err = logistic_effect(
        &rows,
        DesignSpec {
            arm: true,
            interaction: false,
        },
        LogisticOptions::default(),
        Level::NINETY_FIVE,
    )
    .unwrap_err();
    assert!(matches!(err, AnalysisError::Separation { .. }), "{err:?}");
    assert!(err.to_string().contains("完全分離"), "{err}");
    assert!(err.to_string().contains("区分: 未受診"), "{err}");
    // Nobody attending at all.
    let mut none = data(50);
    none.iter_mut().for_each(|r| r.attended = false);
    let err = fit_logistic(
        &[Term::Intercept],
        &none,
        LogisticOptions::default(),
        Level::NINETY_FIVE,
    )
    .unwrap_err();
    assert!(matches!(err, AnalysisError::Separation { .. }));
}

#[test]
fn dependent_terms_and_iteration_limit_are_errors() {
    let rows = data(200);
    // The same column twice.
    let err = fit_logistic(
        &[Term::Intercept, Term::Age, Term::Age],
        &rows,
        LogisticOptions::default(),
        Level::NINETY_FIVE,
    )
    .unwrap_err();
    assert_eq!(
        err,
        AnalysisError::Singular {
            term: "年齢（1歳あたり）".into()
        }
    );
    let one_step = LogisticOptions {
        max_iterations: 1,
        ..LogisticOptions::default()
    };
    let err = fit_logistic(
        &[Term::Intercept, Term::Treated],
        &rows,
        one_step,
        Level::NINETY_FIVE,
    )
    .unwrap_err();
    assert_eq!(err, AnalysisError::NotConverged { iterations: 1 });
    assert!(err.to_string().contains("収束しませんでした"));
}

fn row(treated: bool, attended: bool) -> PersonRow {
    PersonRow {
        group: if treated {
            Group::Treated
        } else {
            Group::Control
        },
        age: 60.0,
        sex: Sex::Female,
        segment: "未受診".into(),
        attended,
        reached: treated,
    }
}

proptest! {
    /// With only the arm in the model, β_arm = ln(crude OR), its SE is Woolf's,
    /// and the likelihood-ratio test equals the 2×2 G statistic.
    #[test]
    fn arm_only_model_equals_the_two_by_two(a in 1u64..40, b in 1u64..40, c in 1u64..40, d in 1u64..40) {
        let mut rows = Vec::new();
        for (treated, attended, k) in [(true, true, a), (true, false, b), (false, true, c), (false, false, d)] {
            rows.extend((0..k).map(|_| row(treated, attended)));
        }
        let opts = LogisticOptions::default();
        let full = fit_logistic(&[Term::Intercept, Term::Treated], &rows, opts, Level::NINETY_FIVE).unwrap();
        let reduced = fit_logistic(&[Term::Intercept], &rows, opts, Level::NINETY_FIVE).unwrap();
        let crude = compare(&TwoByTwo::from_cells(a, b, c, d), Level::NINETY_FIVE).unwrap();
        let arm = full.coefficient(&Term::Treated).unwrap();
        prop_assert!((arm.estimate - crude.odds_ratio.estimate.ln()).abs() < 1e-9);
        prop_assert!((arm.se - crude.odds_ratio.log_se).abs() < 1e-9);
        let g = crude.likelihood_ratio.unwrap().statistic;
        prop_assert!((reduced.deviance - full.deviance - g).abs() < 1e-8 * g.max(1.0));
        prop_assert!((reduced.deviance - full.null_deviance).abs() < 1e-9 * full.null_deviance);
    }
}

#[test]
fn row_order_does_not_matter() {
    // Rows are summed over covariate patterns in order of first appearance;
    // reversing the rows changes only the summation order.
    let rows = data(600);
    let rev: Vec<PersonRow> = rows.iter().rev().cloned().collect();
    let spec = DesignSpec {
        arm: true,
        interaction: true,
    };
    let opts = LogisticOptions::default();
    let a = logistic_effect(&rows, spec, opts, Level::NINETY_FIVE).unwrap();
    let b = logistic_effect(&rev, spec, opts, Level::NINETY_FIVE).unwrap();
    for (x, y) in a.full.coefficients.iter().zip(&b.full.coefficients) {
        assert!((x.estimate - y.estimate).abs() < 1e-10 && (x.se - y.se).abs() < 1e-10);
    }
    assert!((a.lr_arm.statistic - b.lr_arm.statistic).abs() < 1e-9);
}

#[test]
fn an_age_that_is_not_a_number_is_rejected() {
    let mut rows = data(100);
    rows[41].age = f64::NAN;
    let spec = DesignSpec {
        arm: true,
        interaction: false,
    };
    let err =
        logistic_effect(&rows, spec, LogisticOptions::default(), Level::NINETY_FIVE).unwrap_err();
    assert!(err.to_string().contains("42 行目の年齢"), "{err}");
}
