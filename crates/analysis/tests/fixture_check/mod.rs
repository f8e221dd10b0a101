//! Compares serialised effect-analysis output with the reference values in
//! tests/fixtures/effect_fixtures.json (written by
//! tests/reference/make_fixtures.py with pinned scipy/statsmodels). Shared by
//! the analysis crate's test and the CLI test (`itaku analysis compare`), so
//! both hold the same numbers to the same tolerances:
//! closed forms 1e-10 relative, p-values 1e-8 relative, iterative fits 1e-6.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

/// The fixture file, parsed.
pub fn fixtures() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../analysis/tests/fixtures/effect_fixtures.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Tolerance class of a number.
#[derive(Clone, Copy, Debug)]
pub enum Tol {
    /// Closed forms: 1e-10 relative.
    Closed,
    /// p-values: 1e-8 relative.
    P,
    /// Iterative fits: 1e-6 relative.
    Fit,
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {v}"))
}

/// Asserts |got − want| within the tolerance (relative, tiny absolute floor).
pub fn check(got: &Value, want: &Value, tol: Tol, what: &str) {
    let (g, w) = (num(got, what), num(want, what));
    let (rel, abs) = match tol {
        Tol::Closed => (1e-10, 1e-15),
        Tol::P => (1e-8, 1e-300),
        Tol::Fit => (1e-6, 1e-12),
    };
    assert!(
        (g - w).abs() <= rel * w.abs() + abs,
        "{what}: got {g:e}, reference {w:e} (tolerance {tol:?})"
    );
}

fn chi(got: &Value, want: &Value, what: &str) {
    if want.is_null() {
        assert!(got.is_null(), "{what}: expected none, got {got}");
        return;
    }
    check(&got["statistic"], &want["statistic"], Tol::Closed, what);
    check(&got["p_value"], &want["p_value"], Tol::P, what);
    if let Some(df) = want.get("df") {
        assert_eq!(&got["df"], df, "{what}: df");
    }
}

fn ratio(got: &Value, want: &Value, what: &str) {
    if want.is_null() {
        assert!(got.is_null(), "{what}: expected none, got {got}");
        return;
    }
    check(&got["estimate"], &want["estimate"], Tol::Closed, what);
    check(&got["ci"]["lower"], &want["lower"], Tol::Closed, what);
    check(&got["ci"]["upper"], &want["upper"], Tol::Closed, what);
    check(&got["log_se"], &want["log_se"], Tol::Closed, what);
    check(&got["p_value"], &want["p_value"], Tol::P, what);
    if let Some(c) = want.get("corrected") {
        assert_eq!(&got["zero_cell_corrected"], c, "{what}: zero-cell flag");
    }
}

/// A serialised `TwoArmComparison` against a fixture two-arm entry.
pub fn two_arm(got: &Value, want: &Value, what: &str) {
    let cells = &want["cells"];
    let t = &got["table"];
    let a = cells[0].as_u64().unwrap();
    let c = cells[2].as_u64().unwrap();
    assert_eq!(t["treated"]["attended"].as_u64(), Some(a), "{what}: a");
    assert_eq!(t["control"]["attended"].as_u64(), Some(c), "{what}: c");
    for arm in ["treated", "control"] {
        let w = &want[arm];
        let g = &got[arm];
        check(
            &g["estimate"],
            &w["estimate"],
            Tol::Closed,
            &format!("{what} {arm} rate"),
        );
        check(
            &g["ci"]["lower"],
            &w["lower"],
            Tol::Closed,
            &format!("{what} {arm} Wilson lower"),
        );
        check(
            &g["ci"]["upper"],
            &w["upper"],
            Tol::Closed,
            &format!("{what} {arm} Wilson upper"),
        );
    }
    let (g, w) = (&got["risk_difference"], &want["risk_difference"]);
    check(
        &g["estimate"],
        &w["estimate"],
        Tol::Closed,
        &format!("{what} RD"),
    );
    check(
        &g["newcombe"]["lower"],
        &w["newcombe"][0],
        Tol::Closed,
        &format!("{what} Newcombe lower"),
    );
    check(
        &g["newcombe"]["upper"],
        &w["newcombe"][1],
        Tol::Closed,
        &format!("{what} Newcombe upper"),
    );
    check(
        &g["wald"]["lower"],
        &w["wald"][0],
        Tol::Closed,
        &format!("{what} Wald lower"),
    );
    check(
        &g["wald"]["upper"],
        &w["wald"][1],
        Tol::Closed,
        &format!("{what} Wald upper"),
    );
    check(
        &g["wald_se"],
        &w["wald_se"],
        Tol::Closed,
        &format!("{what} Wald SE"),
    );
    ratio(
        &got["risk_ratio"],
        &want["risk_ratio"],
        &format!("{what} RR"),
    );
    ratio(
        &got["odds_ratio"],
        &want["odds_ratio"],
        &format!("{what} OR"),
    );
    let exp = &want["expected"];
    for (i, e) in got["expected"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .enumerate()
    {
        check(e, &exp[i], Tol::Closed, &format!("{what} expected[{i}]"));
    }
    assert_eq!(
        got["any_expected_below_5"], want["any_expected_below_5"],
        "{what}: expected < 5"
    );
    assert_eq!(
        got["show_fisher"], want["any_expected_below_5"],
        "{what}: Fisher shown"
    );
    for k in ["pearson", "yates", "likelihood_ratio"] {
        chi(&got[k], &want[k], &format!("{what} {k}"));
    }
    if want["z_pooled"].is_null() {
        assert!(got["z_pooled"].is_null(), "{what}: z");
    } else {
        check(
            &got["z_pooled"],
            &want["z_pooled"],
            Tol::Closed,
            &format!("{what} z"),
        );
    }
    for k in ["p_value", "mid_p", "p_less", "p_greater"] {
        check(
            &got["fisher"][k],
            &want["fisher"][k],
            Tol::P,
            &format!("{what} Fisher {k}"),
        );
    }
}

/// A serialised `MantelHaenszel` against a fixture entry.
pub fn mantel_haenszel(got: &Value, want: &Value, what: &str) {
    ratio(
        &got["odds_ratio"],
        &want["odds_ratio"],
        &format!("{what} MH OR"),
    );
    ratio(
        &got["risk_ratio"],
        &want["risk_ratio"],
        &format!("{what} MH RR"),
    );
    let (g, w) = (&got["risk_difference"], &want["risk_difference"]);
    if w.is_null() {
        assert!(g.is_null(), "{what}: MH RD");
    } else {
        check(
            &g["estimate"],
            &w["estimate"],
            Tol::Closed,
            &format!("{what} MH RD"),
        );
        check(
            &g["ci"]["lower"],
            &w["lower"],
            Tol::Closed,
            &format!("{what} MH RD lower"),
        );
        check(
            &g["ci"]["upper"],
            &w["upper"],
            Tol::Closed,
            &format!("{what} MH RD upper"),
        );
        check(&g["se"], &w["se"], Tol::Closed, &format!("{what} MH RD SE"));
        check(
            &g["p_value"],
            &w["p_value"],
            Tol::P,
            &format!("{what} MH RD p"),
        );
    }
    for k in ["cmh", "cmh_corrected", "breslow_day", "breslow_day_tarone"] {
        chi(&got[k], &want[k], &format!("{what} {k}"));
    }
}

/// A serialised `SampleRatio` against a fixture SRM entry.
pub fn srm(got: &Value, want: &Value, what: &str) {
    assert_eq!(got["observed"], want["observed"], "{what}: observed");
    check(
        &got["chi2"],
        &want["chi2"],
        Tol::Closed,
        &format!("{what} SRM χ²"),
    );
    check(
        &got["p_value"],
        &want["p_value"],
        Tol::P,
        &format!("{what} SRM p"),
    );
}

/// A serialised `CountsReport` (from `analyse_counts` or the CLI's JSON)
/// against a fixture stratified set.
pub fn counts_report(got: &Value, want: &Value) {
    let name = want["name"].as_str().unwrap();
    two_arm(
        &got["overall"],
        &want["overall"],
        &format!("{name} overall"),
    );
    mantel_haenszel(&got["mantel_haenszel"], &want["mantel_haenszel"], name);
    let strata = got["strata"].as_array().unwrap();
    for (i, s) in want["strata"].as_array().unwrap().iter().enumerate() {
        let label = s["label"].as_str().unwrap();
        let g = strata
            .iter()
            .find(|x| x["segment"] == label)
            .unwrap_or_else(|| panic!("{name}: stratum {label} missing"));
        let what = format!("{name}/{label}");
        two_arm(&g["comparison"], &want["per_stratum"][i], &what);
        check(
            &g["p_value"],
            &want["segment_p"][i],
            Tol::P,
            &format!("{what} p"),
        );
        check(
            &g["p_holm"],
            &want["holm"][i],
            Tol::P,
            &format!("{what} Holm"),
        );
        check(&g["p_bh"], &want["bh"][i], Tol::P, &format!("{what} BH"));
    }
    if !got["sample_ratio"].is_null() {
        srm(
            &got["sample_ratio"],
            &want["srm"],
            &format!("{name} overall"),
        );
        let per = got["sample_ratio_by_stratum"].as_array().unwrap();
        for (i, w) in want["srm_by_stratum"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            srm(&per[i]["check"], w, &format!("{name} stratum {i}"));
        }
    }
}
