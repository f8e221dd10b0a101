//! Sample-ratio mismatch from counts alone (the allocation may have been
//! done elsewhere), overall and per stratum.

use serde::Serialize;

use crate::balance::{SampleRatio, SRM_ALPHA, SRM_METHOD};
use crate::error::AnalysisError;
use crate::stats::chi_square_sf;

/// Pearson goodness of fit of arm `counts` against `weights` (same order);
/// mismatch when p < 0.001.
pub fn sample_ratio_mismatch(
    counts: &[u64],
    weights: &[u32],
) -> Result<SampleRatio, AnalysisError> {
    if counts.len() != weights.len() || counts.is_empty() {
        return Err(AnalysisError::InvalidParameter {
            name: "割付比".into(),
            detail: format!(
                "群の数 {} と比率の数 {} が一致しません",
                counts.len(),
                weights.len()
            ),
        });
    }
    if let Some(code) = weights.iter().position(|w| *w == 0) {
        return Err(AnalysisError::ZeroWeight {
            code: format!("{}番目の群", code + 1),
        });
    }
    let total: u64 = counts.iter().sum();
    let wsum: f64 = weights.iter().map(|w| f64::from(*w)).sum();
    let expected: Vec<f64> = weights
        .iter()
        .map(|w| total as f64 * f64::from(*w) / wsum)
        .collect();
    let chi2: f64 = if total == 0 {
        0.0
    } else {
        counts
            .iter()
            .zip(&expected)
            .map(|(o, e)| (*o as f64 - e).powi(2) / e)
            .sum()
    };
    let df = u32::try_from(counts.len() - 1).unwrap_or(u32::MAX);
    let p_value = if total == 0 {
        1.0
    } else {
        chi_square_sf(chi2, df)
    };
    Ok(SampleRatio {
        method: SRM_METHOD.to_owned(),
        observed: counts.to_vec(),
        expected,
        chi2,
        df,
        p_value,
        mismatch: p_value < SRM_ALPHA,
    })
}

/// One stratum's check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumSrm {
    /// The stratum.
    pub label: String,
    /// Its check.
    pub check: SampleRatio,
}

/// The check in every stratum (label, arm counts) and overall (summed
/// counts), returned as (overall, per stratum). Per-stratum alarms use the
/// same p < 0.001 without multiplicity adjustment: an alarm is a prompt to
/// inspect the pipeline, not a finding, and missing one is the costlier error.
pub fn srm_by_stratum(
    strata: &[(String, Vec<u64>)],
    weights: &[u32],
) -> Result<(SampleRatio, Vec<StratumSrm>), AnalysisError> {
    let mut total = vec![0u64; weights.len()];
    let mut per = Vec::with_capacity(strata.len());
    for (label, counts) in strata {
        let check = sample_ratio_mismatch(counts, weights)?;
        for (t, c) in total.iter_mut().zip(counts) {
            *t += c;
        }
        per.push(StratumSrm {
            label: label.clone(),
            check,
        });
    }
    Ok((sample_ratio_mismatch(&total, weights)?, per))
}
