//! Stratified 2×2 tables (one per segment or stratum): Mantel–Haenszel
//! summaries, the Cochran–Mantel–Haenszel test, and the Breslow–Day test of
//! whether the odds ratio is the same in every stratum — the report's "does
//! the call work differently by segment" question.

use serde::Serialize;

use super::two_arm::{ChiSquareTest, RatioEstimate, TwoByTwo};
use super::{Interval, Level};
use crate::error::AnalysisError;
use crate::stats::normal_two_sided_p;

/// One stratum's table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stratum {
    /// Stratum or segment label.
    pub label: String,
    /// Its 2×2 table.
    pub table: TwoByTwo,
}

/// Mantel–Haenszel risk difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MhDifference {
    /// Σ (aₖn₀ₖ − cₖn₁ₖ)/Nₖ ÷ Σ n₁ₖn₀ₖ/Nₖ.
    pub estimate: f64,
    /// estimate ± z·SE with Sato's (1989) variance.
    pub ci: Interval,
    /// Sato's standard error.
    pub se: f64,
    /// Two-sided Wald p.
    pub p_value: f64,
}

/// Summary over strata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MantelHaenszel {
    /// Strata given.
    pub strata: usize,
    /// Labels of strata that carry no information (an empty arm, or all or
    /// nobody attending, for Breslow–Day): they add nothing to the sums.
    pub uninformative: Vec<String>,
    /// MH odds ratio Σ aₖdₖ/Nₖ ÷ Σ bₖcₖ/Nₖ, log CI with the
    /// Robins–Breslow–Greenland (1986) variance. `None` if a sum is 0.
    pub odds_ratio: Option<RatioEstimate>,
    /// MH risk ratio Σ aₖn₀ₖ/Nₖ ÷ Σ cₖn₁ₖ/Nₖ, log CI with the
    /// Greenland–Robins (1985) variance. `None` if a sum is 0.
    pub risk_ratio: Option<RatioEstimate>,
    /// MH risk difference with Sato's variance.
    pub risk_difference: Option<MhDifference>,
    /// Cochran–Mantel–Haenszel χ² (1 df) **without** continuity correction:
    /// the primary test (it is the score test of the common odds ratio in
    /// the stratified logistic model).
    pub cmh: Option<ChiSquareTest>,
    /// The same with the continuity correction (|Σa − ΣE| − ½)², as R's
    /// `mantelhaen.test(correct = TRUE)`; the ½ is not subtracted when
    /// |Σa − ΣE| < ½. Shown for comparison.
    pub cmh_corrected: Option<ChiSquareTest>,
    /// Breslow–Day homogeneity χ² (strata − 1 df) around the MH odds ratio,
    /// unadjusted.
    pub breslow_day: Option<ChiSquareTest>,
    /// Breslow–Day with Tarone's (1985) adjustment: the primary homogeneity
    /// test, because the MH estimate is not the conditional MLE that the
    /// unadjusted statistic's χ² distribution assumes.
    pub breslow_day_tarone: Option<ChiSquareTest>,
}

/// Mantel–Haenszel analysis of `strata`.
pub fn mantel_haenszel(strata: &[Stratum], level: Level) -> Result<MantelHaenszel, AnalysisError> {
    if strata.is_empty() {
        return Err(AnalysisError::InvalidCounts {
            detail: "層が一つもありません".into(),
        });
    }
    for s in strata {
        s.table.validate()?;
    }
    let z = level.z();
    // Sums for OR (R, S and the RBG terms), RR, RD, CMH.
    let (mut r, mut s_, mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut rr_num, mut rr_den, mut rr_var_num) = (0.0, 0.0, 0.0);
    let (mut rd_num, mut w, mut sato_p, mut sato_q) = (0.0, 0.0, 0.0, 0.0);
    let (mut obs, mut exp, mut var) = (0.0, 0.0, 0.0);
    let mut uninformative = Vec::new();
    for st in strata {
        let [a, b, c, d] = st.table.cells().map(|x| x as f64);
        let (n1, n0) = (a + b, c + d);
        let n = n1 + n0;
        let (m1, m0) = (a + c, b + d);
        if n1 == 0.0 || n0 == 0.0 || m1 == 0.0 || m0 == 0.0 {
            uninformative.push(st.label.clone());
        }
        if n1 == 0.0 || n0 == 0.0 {
            continue;
        }
        let (p, q) = ((a + d) / n, (b + c) / n);
        let (ad, bc) = (a * d / n, b * c / n);
        r += ad;
        s_ += bc;
        pr += p * ad;
        ps_qr += p * bc + q * ad;
        qs += q * bc;
        rr_num += a * n0 / n;
        rr_den += c * n1 / n;
        rr_var_num += (n1 * n0 * m1 - a * c * n) / (n * n);
        rd_num += (a * n0 - c * n1) / n;
        w += n1 * n0 / n;
        sato_p += (n1 * n1 * c - n0 * n0 * a + n1 * n0 * (n0 - n1) / 2.0) / (n * n);
        sato_q += (a * (n0 - c) + c * (n1 - a)) / (2.0 * n);
        if n > 1.0 {
            obs += a;
            exp += n1 * m1 / n;
            var += n1 * n0 * m1 * m0 / (n * n * (n - 1.0));
        }
    }
    let odds_ratio = (r > 0.0 && s_ > 0.0).then(|| {
        let or = r / s_;
        let v = pr / (2.0 * r * r) + ps_qr / (2.0 * r * s_) + qs / (2.0 * s_ * s_);
        log_estimate(or, v.sqrt(), z)
    });
    let risk_ratio = (rr_num > 0.0 && rr_den > 0.0).then(|| {
        let v = rr_var_num / (rr_num * rr_den);
        log_estimate(rr_num / rr_den, v.sqrt(), z)
    });
    let risk_difference = (w > 0.0).then(|| {
        let est = rd_num / w;
        let se = ((est * sato_p + sato_q) / (w * w)).max(0.0).sqrt();
        MhDifference {
            estimate: est,
            ci: Interval {
                lower: est - z * se,
                upper: est + z * se,
            },
            se,
            p_value: if se > 0.0 {
                normal_two_sided_p(est / se)
            } else {
                1.0
            },
        }
    });
    let (cmh, cmh_corrected) = if var > 0.0 {
        let delta = (obs - exp).abs();
        let corr = if delta >= 0.5 { delta - 0.5 } else { delta };
        (
            Some(ChiSquareTest::new(delta * delta / var, 1)),
            Some(ChiSquareTest::new(corr * corr / var, 1)),
        )
    } else {
        (None, None)
    };
    let (breslow_day, breslow_day_tarone) = match &odds_ratio {
        Some(or) => breslow_day(strata, or.estimate),
        None => (None, None),
    };
    Ok(MantelHaenszel {
        strata: strata.len(),
        uninformative,
        odds_ratio,
        risk_ratio,
        risk_difference,
        cmh,
        cmh_corrected,
        breslow_day,
        breslow_day_tarone,
    })
}

fn log_estimate(estimate: f64, log_se: f64, z: f64) -> RatioEstimate {
    let l = estimate.ln();
    RatioEstimate {
        estimate,
        ci: Interval {
            lower: (l - z * log_se).exp(),
            upper: (l + z * log_se).exp(),
        },
        log_se,
        p_value: if log_se > 0.0 {
            normal_two_sided_p(l / log_se)
        } else {
            1.0
        },
        zero_cell_corrected: false,
    }
}

/// Breslow–Day (1980) statistic Σ (aₖ − Ãₖ)²/Var(Ãₖ), where Ãₖ is the
/// expected treated-attended count with the stratum's margins and odds ratio
/// `psi`, and Var(Ãₖ) = 1 / (1/Ã + 1/(n₁−Ã) + 1/(m₁−Ã) + 1/(n₀−m₁+Ã)).
/// Tarone subtracts (Σa − ΣÃ)² / ΣVar. Strata with a zero margin are left out
/// (their Ã is fixed); df = informative strata − 1.
fn breslow_day(strata: &[Stratum], psi: f64) -> (Option<ChiSquareTest>, Option<ChiSquareTest>) {
    let (mut bd, mut sum_a, mut sum_e, mut sum_v) = (0.0, 0.0, 0.0, 0.0);
    let mut k = 0u32;
    for st in strata {
        let [a, b, c, d] = st.table.cells().map(|x| x as f64);
        let (n1, n0, m1, m0) = (a + b, c + d, a + c, b + d);
        if n1 == 0.0 || n0 == 0.0 || m1 == 0.0 || m0 == 0.0 {
            continue;
        }
        let e = expected_a(n1, n0, m1, psi);
        let v = 1.0 / (1.0 / e + 1.0 / (n1 - e) + 1.0 / (m1 - e) + 1.0 / (n0 - m1 + e));
        if !v.is_finite() || v <= 0.0 {
            continue;
        }
        bd += (a - e).powi(2) / v;
        sum_a += a;
        sum_e += e;
        sum_v += v;
        k += 1;
    }
    if k < 2 {
        return (None, None);
    }
    let tarone = (bd - (sum_a - sum_e).powi(2) / sum_v).max(0.0);
    (
        Some(ChiSquareTest::new(bd, k - 1)),
        Some(ChiSquareTest::new(tarone, k - 1)),
    )
}

/// The root in [max(0, m₁−n₀), min(n₁, m₁)] of
/// (1−ψ)x² + (n₀ − m₁ + ψ(n₁+m₁))x − ψn₁m₁ = 0, i.e. x(n₀−m₁+x) = ψ(n₁−x)(m₁−x).
fn expected_a(n1: f64, n0: f64, m1: f64, psi: f64) -> f64 {
    let lo = (m1 - n0).max(0.0);
    let hi = n1.min(m1);
    let qa = 1.0 - psi;
    let qb = n0 - m1 + psi * (n1 + m1);
    let qc = -psi * n1 * m1;
    if qa.abs() < 1e-12 {
        return (-qc / qb).clamp(lo, hi);
    }
    let disc = (qb * qb - 4.0 * qa * qc).max(0.0).sqrt();
    // Citardauq form avoids cancellation for the root near 0.
    let q = -0.5 * (qb + qb.signum() * disc);
    let roots = [q / qa, qc / q];
    roots
        .into_iter()
        .filter(|x| x.is_finite())
        .min_by(|x, y| dist(*x, lo, hi).total_cmp(&dist(*y, lo, hi)))
        .unwrap_or(lo)
        .clamp(lo, hi)
}

fn dist(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo - x
    } else if x > hi {
        x - hi
    } else {
        0.0
    }
}
