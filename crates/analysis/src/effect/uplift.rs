//! Uplift: which segments gained most from the call. Per-segment effects
//! with confidence intervals and adjusted p-values, a T-learner over the
//! covariates (one logistic model per arm) and the Qini curve of its scores.

use std::collections::BTreeMap;

use serde::Serialize;

use super::adjust::{benjamini_hochberg, holm};
use super::grouped::group_with_ids;
use super::logistic::{check_rows, fit_grouped, DesignSpec, LogisticFit, LogisticOptions};
use super::two_arm::{compare, TwoArmComparison, TwoByTwo};
use super::{Group, Level, PersonRow};
use crate::error::AnalysisError;

/// One segment's effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentEffect {
    /// Segment label.
    pub segment: String,
    /// The two-arm comparison within the segment; `None` if an arm is empty.
    pub comparison: Option<TwoArmComparison>,
    /// Why there is no comparison (Japanese), if there is none.
    pub problem: Option<String>,
    /// The segment's test p: Fisher's when any expected count is below 5
    /// (the report rule), Pearson's otherwise; 1 when nobody or everybody
    /// attended (nothing to test).
    pub p_value: Option<f64>,
    /// Holm-adjusted p across the segments with a comparison.
    pub p_holm: Option<f64>,
    /// Benjamini–Hochberg-adjusted p across the same segments.
    pub p_bh: Option<f64>,
    /// 1 = largest risk difference; segments without a comparison come last
    /// and have no rank.
    pub rank: Option<usize>,
}

/// Per-segment comparisons, ranked by risk difference (largest first; ties
/// in segment order), with Holm and BH adjustment across segments.
pub fn segment_effects(segments: &[(String, TwoByTwo)], level: Level) -> Vec<SegmentEffect> {
    let mut out: Vec<SegmentEffect> = segments
        .iter()
        .map(|(label, table)| match compare(table, level) {
            Ok(c) => {
                let p = if c.show_fisher {
                    c.fisher.p_value
                } else {
                    c.pearson.as_ref().map_or(1.0, |t| t.p_value)
                };
                SegmentEffect {
                    segment: label.clone(),
                    comparison: Some(c),
                    problem: None,
                    p_value: Some(p),
                    p_holm: None,
                    p_bh: None,
                    rank: None,
                }
            }
            Err(e) => SegmentEffect {
                segment: label.clone(),
                comparison: None,
                problem: Some(e.to_string()),
                p_value: None,
                p_holm: None,
                p_bh: None,
                rank: None,
            },
        })
        .collect();
    let with: Vec<usize> = (0..out.len())
        .filter(|i| out[*i].p_value.is_some())
        .collect();
    let ps: Vec<f64> = with.iter().filter_map(|i| out[*i].p_value).collect();
    for ((i, h), b) in with.iter().zip(holm(&ps)).zip(benjamini_hochberg(&ps)) {
        out[*i].p_holm = Some(h);
        out[*i].p_bh = Some(b);
    }
    let rd = |s: &SegmentEffect| s.comparison.as_ref().map(|c| c.risk_difference.estimate);
    // Stable sort: ties keep the caller's segment order.
    out.sort_by(|a, b| match (rd(a), rd(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    for (k, s) in out.iter_mut().enumerate() {
        if s.comparison.is_some() {
            s.rank = Some(k + 1);
        }
    }
    out
}

/// Per-segment 2×2 tables from per-person rows, in segment order.
pub fn segment_tables(rows: &[PersonRow]) -> Vec<(String, TwoByTwo)> {
    let mut map: BTreeMap<&str, TwoByTwo> = BTreeMap::new();
    for r in rows {
        let t = map
            .entry(&r.segment)
            .or_insert_with(|| TwoByTwo::from_cells(0, 0, 0, 0));
        let arm = if r.group == Group::Treated {
            &mut t.treated
        } else {
            &mut t.control
        };
        arm.n += 1;
        arm.attended += u64::from(r.attended);
    }
    map.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The T-learner: two models without the arm, one per arm, on the same terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TLearner {
    /// Fitted to the treated arm.
    pub treated_model: LogisticFit,
    /// Fitted to the control arm.
    pub control_model: LogisticFit,
    /// Predicted uplift P(attend | call) − P(attend | no call) per person,
    /// in the order of the input rows.
    pub uplift: Vec<f64>,
}

/// Fits the T-learner (age, sex, segment dummies; terms chosen from all rows).
pub fn t_learner(
    rows: &[PersonRow],
    options: LogisticOptions,
    level: Level,
) -> Result<TLearner, AnalysisError> {
    check_rows(rows)?;
    let terms = DesignSpec {
        arm: false,
        interaction: false,
    }
    .terms(rows);
    // One pass groups everyone; a pattern includes the arm, so each arm's
    // model takes its own patterns, and each pattern is predicted once.
    let p = terms.len();
    let mut ids = Vec::with_capacity(rows.len());
    let mut first: Vec<&PersonRow> = Vec::new();
    let all = group_with_ids(&terms, rows.iter(), |r, k| {
        ids.push(k);
        if k == first.len() {
            first.push(r);
        }
    });
    let is_treated = |k: usize| first[k].group == Group::Treated;
    let treated_model = fit_grouped(&terms, &all.filter(p, is_treated), options, level)?;
    let control_model = fit_grouped(&terms, &all.filter(p, |k| !is_treated(k)), options, level)?;
    let by_pattern: Vec<f64> = first
        .iter()
        .map(|r| treated_model.predict(r) - control_model.predict(r))
        .collect();
    let uplift = ids.iter().map(|k| by_pattern[*k]).collect();
    Ok(TLearner {
        treated_model,
        control_model,
        uplift,
    })
}

/// One point of the Qini curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QiniPoint {
    /// Persons targeted (highest scores first) / all persons.
    pub fraction: f64,
    /// Persons targeted.
    pub targeted: u64,
    /// Incremental attenders Y_t − Y_c · N_t / N_c among the targeted
    /// (the control term is 0 while no control is targeted yet).
    pub qini: f64,
}

/// The Qini curve and its coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QiniCurve {
    /// Points, from (0, 0) to everyone; at most `max_points` + 1 of them,
    /// always at boundaries between distinct scores.
    pub points: Vec<QiniPoint>,
    /// Area between the curve and the random-targeting line from (0, 0) to
    /// (1, Qini(all)), with the curve scaled to Qini / N, by the trapezoid rule
    /// over every score boundary. Positive: the scores rank people who gain
    /// from a call ahead of those who do not.
    pub coefficient: f64,
}

/// Qini curve of `scores` (one per row, higher = call first). Persons with
/// equal scores enter together, so the curve does not depend on row order.
pub fn qini_curve(
    scores: &[f64],
    rows: &[PersonRow],
    max_points: usize,
) -> Result<QiniCurve, AnalysisError> {
    if scores.len() != rows.len() || rows.is_empty() {
        return Err(AnalysisError::InvalidCounts {
            detail: format!(
                "スコア {} 件と対象者 {} 人の数が合いません",
                scores.len(),
                rows.len()
            ),
        });
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(AnalysisError::InvalidCounts {
            detail: "スコアに数値でない値があります".into(),
        });
    }
    let n = rows.len();
    // Sort (score, row) pairs: contiguous, and the order within ties is
    // irrelevant because ties enter together.
    let mut sorted: Vec<(f64, usize)> = scores.iter().copied().zip(0..n).collect();
    sorted.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let order: Vec<usize> = sorted.iter().map(|s| s.1).collect();
    // (targeted, qini) at every tie-group boundary.
    let mut bounds = vec![(0u64, 0.0f64)];
    let (mut nt, mut nc, mut yt, mut yc) = (0.0, 0.0, 0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        let r = &rows[i];
        let y = f64::from(u8::from(r.attended));
        if r.group == Group::Treated {
            nt += 1.0;
            yt += y;
        } else {
            nc += 1.0;
            yc += y;
        }
        let last_of_group = k + 1 == n || scores[order[k + 1]] != scores[i];
        if last_of_group {
            let q = if nc > 0.0 { yt - yc * nt / nc } else { yt };
            bounds.push(((k + 1) as u64, q));
        }
    }
    let nf = n as f64;
    let total_q = bounds.last().map_or(0.0, |b| b.1);
    let mut coefficient = 0.0;
    for w in bounds.windows(2) {
        let (x0, x1) = (w[0].0 as f64 / nf, w[1].0 as f64 / nf);
        let g0 = w[0].1 / nf - x0 * total_q / nf;
        let g1 = w[1].1 / nf - x1 * total_q / nf;
        coefficient += (x1 - x0) * (g0 + g1) / 2.0;
    }
    let step = max_points.max(1);
    let mut points = Vec::new();
    let mut next = 0usize;
    for (idx, &(t, q)) in bounds.iter().enumerate() {
        let frac = t as f64 / nf;
        let is_last = idx + 1 == bounds.len();
        if is_last || frac * step as f64 >= next as f64 {
            points.push(QiniPoint {
                fraction: frac,
                targeted: t,
                qini: q,
            });
            next = (frac * step as f64).floor() as usize + 1;
        }
    }
    Ok(QiniCurve {
        points,
        coefficient,
    })
}
