//! How even an allocation came out: per-stratum balance and the
//! sample-ratio-mismatch check on the overall arm counts.

use std::collections::BTreeMap;

use crate::allocate::Allocation;
use crate::stats::chi_square_sf;
use crate::units::StratumKey;

/// The p-value below which the arm counts are flagged as a sample-ratio mismatch.
pub const SRM_ALPHA: f64 = 0.001;

/// Name of the test reported in [`SampleRatio::method`].
pub const SRM_METHOD: &str =
    "Pearson chi-square goodness-of-fit test (ピアソンのカイ二乗適合度検定): \
     arm counts against the design weights, df = number of arms − 1, \
     p = Q(df/2, χ²/2) (regularized upper incomplete gamma); mismatch when p < 0.001";

/// Balance of one stratum.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumBalance {
    /// The stratum.
    pub stratum: StratumKey,
    /// Randomised units per arm, indexed like [`crate::Design::arms`].
    pub counts: Vec<u64>,
    /// Units listed but not randomised.
    pub not_randomised: u64,
    /// Expected units per arm: randomised total × weight / sum of weights.
    pub expected: Vec<f64>,
    /// Largest |count − expected| over the arms, in persons. Permuted blocks
    /// keep it below `weight × multiplier` of the arm concerned.
    pub max_imbalance: f64,
}

/// Result of the sample-ratio check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SampleRatio {
    /// The test performed, for the report.
    pub method: String,
    /// Randomised units per arm.
    pub observed: Vec<u64>,
    /// Expected units per arm under the weights.
    pub expected: Vec<f64>,
    /// Pearson's χ² statistic.
    pub chi2: f64,
    /// Degrees of freedom (arms − 1).
    pub df: u32,
    /// P(χ²_df ≥ chi2).
    pub p_value: f64,
    /// `true` when `p_value < SRM_ALPHA`: the counts are unlikely under the
    /// design, so the allocation or the data pipeline should be checked before
    /// any effect is estimated.
    pub mismatch: bool,
}

fn expected_counts(total: u64, weights: &[u32]) -> Vec<f64> {
    let sum: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    weights
        .iter()
        .map(|w| {
            if sum == 0 {
                0.0
            } else {
                total as f64 * f64::from(*w) / sum as f64
            }
        })
        .collect()
}

impl Allocation {
    fn weights(&self) -> Vec<u32> {
        self.design.arms.iter().map(|a| a.weight).collect()
    }

    /// Per-stratum balance, in stratum key order. Rows whose arm index is not
    /// an arm of the design (a corrupted stored allocation) are counted in no
    /// arm; [`Allocation::verify`] reports them.
    pub fn balance(&self) -> Vec<StratumBalance> {
        let arms = self.design.arms.len();
        let mut per: BTreeMap<&StratumKey, (Vec<u64>, u64)> = BTreeMap::new();
        for row in &self.rows {
            let entry = per
                .entry(&row.stratum)
                .or_insert_with(|| (vec![0; arms], 0));
            match row.arm {
                Some(arm) => {
                    if let Some(c) = entry.0.get_mut(arm) {
                        *c += 1;
                    }
                }
                None => entry.1 += 1,
            }
        }
        let weights = self.weights();
        per.into_iter()
            .map(|(stratum, (counts, not_randomised))| {
                let expected = expected_counts(counts.iter().sum(), &weights);
                let max_imbalance = counts
                    .iter()
                    .zip(&expected)
                    .map(|(c, e)| (*c as f64 - e).abs())
                    .fold(0.0, f64::max);
                StratumBalance {
                    stratum: stratum.clone(),
                    counts,
                    not_randomised,
                    expected,
                    max_imbalance,
                }
            })
            .collect()
    }

    /// Randomised units per arm over all strata.
    pub fn arm_counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.design.arms.len()];
        for arm in self.rows.iter().filter_map(|r| r.arm) {
            if let Some(c) = counts.get_mut(arm) {
                *c += 1;
            }
        }
        counts
    }

    /// Chi-square goodness-of-fit of the overall arm counts against the
    /// weights. Permuted blocks make the counts more even than independent
    /// draws would, so on an intact allocation the test is conservative; a
    /// flag means something upstream dropped or moved units by arm.
    pub fn sample_ratio_check(&self) -> SampleRatio {
        let observed = self.arm_counts();
        let total: u64 = observed.iter().sum();
        let expected = expected_counts(total, &self.weights());
        let chi2: f64 = observed
            .iter()
            .zip(&expected)
            .filter(|(_, e)| **e > 0.0)
            .map(|(o, e)| (*o as f64 - e).powi(2) / e)
            .sum();
        let df = u32::try_from(observed.len().saturating_sub(1)).unwrap_or(u32::MAX);
        let p_value = if total == 0 {
            1.0
        } else {
            chi_square_sf(chi2, df)
        };
        SampleRatio {
            method: SRM_METHOD.to_owned(),
            observed,
            expected,
            chi2,
            df,
            p_value,
            mismatch: p_value < SRM_ALPHA,
        }
    }
}
