//! Every statistic against the committed reference values of
//! tests/fixtures/effect_fixtures.json (scipy 1.17.1, statsmodels 0.15.0,
//! pandas 3.1.1, numpy 2.4.6; regenerate with
//! `python3 crates/analysis/tests/reference/make_fixtures.py`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fixture_check;

use fixture_check::{check, fixtures, Tol};
use itaku_analysis::effect::{
    analyse_counts, benjamini_hochberg, compare, holm, logistic_effect, mantel_haenszel,
    sample_ratio_mismatch, ArmWeights, DesignSpec, Group, Level, LogisticOptions, PersonRow, Sex,
    Stratum, TwoByTwo,
};
use serde_json::{to_value, Value};

fn cells(v: &Value) -> [u64; 4] {
    let a: Vec<u64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    [a[0], a[1], a[2], a[3]]
}

fn strata(set: &Value) -> Vec<Stratum> {
    set["strata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let [a, b, c, d] = cells(&s["cells"]);
            Stratum {
                label: s["label"].as_str().unwrap().to_owned(),
                table: TwoByTwo::from_cells(a, b, c, d),
            }
        })
        .collect()
}

#[test]
fn fixtures_record_pinned_versions() {
    let f = fixtures();
    assert_eq!(f["versions"]["scipy"], "1.17.1");
    assert_eq!(f["versions"]["statsmodels"], "0.15.0");
    assert_eq!(f["versions"]["pandas"], "3.1.1");
    assert!(f["two_arm"].as_array().unwrap().len() >= 20);
}

#[test]
fn two_arm_tables_match_scipy_and_statsmodels() {
    let f = fixtures();
    for t in f["two_arm"].as_array().unwrap() {
        let [a, b, c, d] = cells(&t["cells"]);
        let got = compare(&TwoByTwo::from_cells(a, b, c, d), Level::NINETY_FIVE).unwrap();
        fixture_check::two_arm(&to_value(&got).unwrap(), t, &format!("{a},{b},{c},{d}"));
    }
}

#[test]
fn stratified_sets_match_statsmodels() {
    let f = fixtures();
    for set in f["stratified"].as_array().unwrap() {
        let name = set["name"].as_str().unwrap();
        let s = strata(set);
        let mh = mantel_haenszel(&s, Level::NINETY_FIVE).unwrap();
        fixture_check::mantel_haenszel(&to_value(&mh).unwrap(), &set["mantel_haenszel"], name);
        let report = analyse_counts(
            &s,
            Some(ArmWeights {
                control: 1,
                treated: 1,
            }),
            Level::NINETY_FIVE,
        )
        .unwrap();
        fixture_check::counts_report(&to_value(&report).unwrap(), set);
    }
}

#[test]
fn sample_ratio_checks_match_scipy() {
    let f = fixtures();
    for s in f["srm"].as_array().unwrap() {
        let obs: Vec<u64> = s["observed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let w: Vec<u32> = s["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| u32::try_from(x.as_u64().unwrap()).unwrap())
            .collect();
        let got = sample_ratio_mismatch(&obs, &w).unwrap();
        fixture_check::srm(&to_value(&got).unwrap(), s, &format!("{obs:?}"));
    }
}

#[test]
fn multiplicity_adjustments_match_statsmodels() {
    let f = fixtures();
    for s in f["adjust"].as_array().unwrap() {
        let p: Vec<f64> = s["p"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        for (got, want) in holm(&p).iter().zip(s["holm"].as_array().unwrap()) {
            check(&Value::from(*got), want, Tol::P, &format!("Holm {p:?}"));
        }
        for (got, want) in benjamini_hochberg(&p)
            .iter()
            .zip(s["bh"].as_array().unwrap())
        {
            check(&Value::from(*got), want, Tol::P, &format!("BH {p:?}"));
        }
    }
}

fn person_rows(patterns: &Value) -> Vec<PersonRow> {
    let mut rows = Vec::new();
    for p in patterns.as_array().unwrap() {
        let n = p[4].as_u64().unwrap();
        let k = p[5].as_u64().unwrap();
        for i in 0..n {
            rows.push(PersonRow {
                group: if p[0] == 1 {
                    Group::Treated
                } else {
                    Group::Control
                },
                age: p[1].as_f64().unwrap(),
                sex: if p[2] == 1 { Sex::Female } else { Sex::Male },
                segment: p[3].as_str().unwrap().to_owned(),
                attended: i < k,
                reached: false,
            });
        }
    }
    rows
}

fn fit_matches(got: &itaku_analysis::effect::LogisticFit, want: &Value, what: &str) {
    let labels: Vec<String> = got.coefficients.iter().map(|c| c.label.clone()).collect();
    let want_labels: Vec<String> = want["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(labels, want_labels, "{what}: terms");
    for (i, c) in got.coefficients.iter().enumerate() {
        check(
            &Value::from(c.estimate),
            &want["params"][i],
            Tol::Fit,
            &format!("{what} β {}", c.label),
        );
        check(
            &Value::from(c.se),
            &want["bse"][i],
            Tol::Fit,
            &format!("{what} SE {}", c.label),
        );
    }
    check(
        &Value::from(got.deviance),
        &want["deviance"],
        Tol::Fit,
        &format!("{what} deviance"),
    );
    check(
        &Value::from(got.null_deviance),
        &want["null_deviance"],
        Tol::Fit,
        &format!("{what} null deviance"),
    );
    assert_eq!(Some(got.n as u64), want["n"].as_u64(), "{what}: n");
}

#[test]
fn logistic_fits_match_statsmodels_glm() {
    let f = fixtures();
    for m in f["logistic"].as_array().unwrap() {
        let name = m["name"].as_str().unwrap();
        let rows = person_rows(&m["patterns"]);
        let spec = DesignSpec {
            arm: true,
            interaction: m["interaction"].as_bool().unwrap(),
        };
        let eff =
            logistic_effect(&rows, spec, LogisticOptions::default(), Level::NINETY_FIVE).unwrap();
        fit_matches(&eff.full, &m["full"], &format!("{name} full"));
        fit_matches(&eff.reduced, &m["reduced"], &format!("{name} reduced"));
        check(
            &Value::from(eff.lr_arm.statistic),
            &m["lr_arm"]["statistic"],
            Tol::Fit,
            "LR",
        );
        check(
            &Value::from(eff.lr_arm.p_value),
            &m["lr_arm"]["p_value"],
            Tol::Fit,
            "LR p",
        );
        assert_eq!(Some(u64::from(eff.lr_arm.df)), m["lr_arm"]["df"].as_u64());
    }
}
