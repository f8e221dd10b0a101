//! Times the full effect analysis on simulated outcomes (default 1,000,000
//! persons): tables and tests, Mantel–Haenszel, ITT/CACE, logistic regression
//! with its nested model, T-learner and Qini. The rows are the generator of
//! tests/reference/dataset.py, so tests/reference/bench_numpy.py computes the
//! same numbers on the same data as the anchor.
//!
//! Run: cargo run --release -p itaku-analysis --example effect_bench -- 1000000

use std::time::Instant;

use itaku_analysis::effect::{
    itt_analysis, logistic_effect, mantel_haenszel, qini_curve, segment_effects, segment_tables,
    t_learner, DesignSpec, Level, LogisticOptions, Stratum,
};

#[path = "../tests/common/dataset.rs"]
mod dataset;
use dataset::data;

/// `{:.6e}` as Python prints it (1.234560e-05), so the check lines of the
/// two programs can be compared with `diff`.
fn py_exp(x: f64) -> String {
    let s = format!("{x:.6e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(Ok(1_000_000), |s| s.parse())?;
    let rows = data(n);
    let level = Level::NINETY_FIVE;
    let opts = LogisticOptions::default();
    let t0 = Instant::now();
    let tables = segment_tables(&rows);
    let effects = segment_effects(&tables, level);
    let strata: Vec<Stratum> = tables
        .iter()
        .map(|(label, table)| Stratum {
            label: label.clone(),
            table: *table,
        })
        .collect();
    let mh = mantel_haenszel(&strata, level)?;
    let itt = itt_analysis(&rows, level)?;
    let t_tables = t0.elapsed();
    let t1 = Instant::now();
    let lr = logistic_effect(
        &rows,
        DesignSpec {
            arm: true,
            interaction: false,
        },
        opts,
        level,
    )?;
    let t_logit = t1.elapsed();
    let t2 = Instant::now();
    let tl = t_learner(&rows, opts, level)?;
    let qini = qini_curve(&tl.uplift, &rows, 100)?;
    let t_uplift = t2.elapsed();
    let total = t0.elapsed();
    let arm = &lr.full.coefficients[1];
    println!("n = {n}");
    println!("tables+tests+MH+ITT  {:>9.3} s", t_tables.as_secs_f64());
    println!("logistic (2 fits)    {:>9.3} s", t_logit.as_secs_f64());
    println!("T-learner + Qini     {:>9.3} s", t_uplift.as_secs_f64());
    println!("total                {:>9.3} s", total.as_secs_f64());
    println!("check: ITT RD {:.12}", itt.itt.risk_difference.estimate);
    println!("check: Fisher p {}", py_exp(itt.itt.fisher.p_value));
    println!(
        "check: MH OR {:.12}",
        mh.odds_ratio.map_or(f64::NAN, |o| o.estimate)
    );
    println!(
        "check: BD Tarone {:.9}",
        mh.breslow_day_tarone.map_or(f64::NAN, |t| t.statistic)
    );
    println!(
        "check: CACE {:.12}",
        itt.complier.map_or(f64::NAN, |c| c.estimate)
    );
    println!(
        "check: {} beta {:.10} se {:.10}",
        arm.label, arm.estimate, arm.se
    );
    println!("check: LR arm {:.8}", lr.lr_arm.statistic);
    println!("check: Qini coefficient {:.12}", qini.coefficient);
    println!("check: top segment {}", effects[0].segment);
    Ok(())
}
