//! Power and sample size for next year's two-proportion comparison.
//!
//! Normal approximation without continuity correction, pooled variance
//! under H₀ and unpooled under H₁ (Fleiss, Levin & Paik 2003, *Statistical
//! Methods for Rates and Proportions*, 3rd ed., ch. 4), two-sided α, arm 2
//! of size r·n₁:
//!
//! n₁ = [z₁₋α/₂ √(p̄q̄(1 + 1/r)) + z₁₋β √(p₁q₁ + p₂q₂/r)]² / (p₁ − p₂)²,
//! p̄ = (p₁ + r p₂)/(1 + r), both sizes rounded up.
//!
//! Power for given n₁, n₂ (both rejection regions counted):
//! Φ((|Δ| − z₁₋α/₂ σ₀)/σ₁) + Φ((−|Δ| − z₁₋α/₂ σ₀)/σ₁),
//! σ₀ = √(p̄q̄(1/n₁ + 1/n₂)) with p̄ = (n₁p₁ + n₂p₂)/(n₁ + n₂), σ₁ = √(p₁q₁/n₁ + p₂q₂/n₂).

use serde::Serialize;

use crate::error::AnalysisError;
use crate::stats::{normal_cdf, normal_quantile};

/// Power of a planned comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerResult {
    /// Assumed rate in arm 1 (e.g. letter + call).
    pub p1: f64,
    /// Assumed rate in arm 2 (e.g. letter only).
    pub p2: f64,
    /// Persons in arm 1.
    pub n1: u64,
    /// Persons in arm 2.
    pub n2: u64,
    /// Two-sided significance level.
    pub alpha: f64,
    /// Probability of a significant result if the rates are p1, p2.
    pub power: f64,
}

/// Sample size for a planned comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleSize {
    /// Persons needed in arm 1.
    pub n1: u64,
    /// Persons needed in arm 2 (= ⌈r·n₁ before rounding⌉).
    pub n2: u64,
    /// n1 + n2.
    pub total: u64,
    /// Allocation ratio r = n2 / n1 asked for.
    pub ratio: f64,
    /// Target power.
    pub target_power: f64,
    /// Power of the rounded sizes (≥ target).
    pub achieved_power: f64,
}

fn check_p(name: &str, p: f64) -> Result<(), AnalysisError> {
    if p > 0.0 && p < 1.0 {
        Ok(())
    } else {
        Err(AnalysisError::InvalidParameter {
            name: name.into(),
            detail: "0 より大きく 1 より小さい値".into(),
        })
    }
}

/// Power of the two-sided two-proportion z test.
pub fn power_two_proportions(
    p1: f64,
    p2: f64,
    n1: u64,
    n2: u64,
    alpha: f64,
) -> Result<PowerResult, AnalysisError> {
    check_p("受診率（群1）", p1)?;
    check_p("受診率（群2）", p2)?;
    check_p("有意水準", alpha)?;
    if n1 == 0 || n2 == 0 {
        return Err(AnalysisError::EmptyGroup {
            group: "検出力の計算の群".into(),
        });
    }
    let (a, b) = (n1 as f64, n2 as f64);
    let z = normal_quantile(1.0 - alpha / 2.0);
    let pbar = (a * p1 + b * p2) / (a + b);
    let s0 = (pbar * (1.0 - pbar) * (1.0 / a + 1.0 / b)).sqrt();
    let s1 = (p1 * (1.0 - p1) / a + p2 * (1.0 - p2) / b).sqrt();
    let delta = (p1 - p2).abs();
    let power = normal_cdf((delta - z * s0) / s1) + normal_cdf((-delta - z * s0) / s1);
    Ok(PowerResult {
        p1,
        p2,
        n1,
        n2,
        alpha,
        power: power.min(1.0),
    })
}

/// Persons per arm for power `power` at two-sided `alpha`, arm 2 = `ratio` × arm 1.
pub fn sample_size_two_proportions(
    p1: f64,
    p2: f64,
    alpha: f64,
    power: f64,
    ratio: f64,
) -> Result<SampleSize, AnalysisError> {
    check_p("受診率（群1）", p1)?;
    check_p("受診率（群2）", p2)?;
    check_p("有意水準", alpha)?;
    check_p("検出力", power)?;
    if p1 == p2 {
        return Err(AnalysisError::InvalidParameter {
            name: "受診率".into(),
            detail: "二つの群で異なる値（差がなければ必要人数は無限大）".into(),
        });
    }
    if !(ratio > 0.0 && ratio.is_finite()) {
        return Err(AnalysisError::InvalidParameter {
            name: "割付比".into(),
            detail: "0 より大きい値".into(),
        });
    }
    let za = normal_quantile(1.0 - alpha / 2.0);
    let zb = normal_quantile(power);
    let pbar = (p1 + ratio * p2) / (1.0 + ratio);
    let num = za * (pbar * (1.0 - pbar) * (1.0 + 1.0 / ratio)).sqrt()
        + zb * (p1 * (1.0 - p1) + p2 * (1.0 - p2) / ratio).sqrt();
    let n1_exact = num * num / (p1 - p2).powi(2);
    // Round away tiny float noise (e.g. 355.99999999) before the ceiling.
    let ceil = |x: f64| (x - 1e-9).ceil().max(1.0) as u64;
    let n1 = ceil(n1_exact);
    let n2 = ceil(n1_exact * ratio);
    let achieved = power_two_proportions(p1, p2, n1, n2, alpha)?.power;
    Ok(SampleSize {
        n1,
        n2,
        total: n1 + n2,
        ratio,
        target_power: power,
        achieved_power: achieved,
    })
}
