//! Everything computable from counts alone (stratum, arm, n, attended): what
//! `itaku analysis compare --input COUNTS.csv` prints, so an analyst can
//! re-run any table, published ones included.

use serde::Serialize;

use super::recommend::{recommendations, Recommendation};
use super::srm::{srm_by_stratum, StratumSrm};
use super::stratified::{mantel_haenszel, MantelHaenszel, Stratum};
use super::two_arm::{compare, ArmCounts, TwoArmComparison, TwoByTwo};
use super::uplift::{segment_effects, SegmentEffect};
use super::Level;
use crate::balance::SampleRatio;
use crate::error::AnalysisError;

/// Design weights of the two arms, for the sample-ratio check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArmWeights {
    /// 通知のみ.
    pub control: u32,
    /// 通知＋電話.
    pub treated: u32,
}

/// The report from counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountsReport {
    /// Confidence level of every interval.
    pub level: Level,
    /// All strata pooled (the crude comparison).
    pub overall: TwoArmComparison,
    /// Per stratum, ranked by risk difference, with Holm / BH p-values.
    pub strata: Vec<SegmentEffect>,
    /// Mantel–Haenszel summaries and homogeneity tests across strata.
    pub mantel_haenszel: MantelHaenszel,
    /// Overall sample-ratio check (arm order: control, treated), when weights were given.
    pub sample_ratio: Option<SampleRatio>,
    /// The same per stratum.
    pub sample_ratio_by_stratum: Vec<StratumSrm>,
    /// Plain-Japanese recommendations from the per-stratum effects.
    pub recommendations: Vec<Recommendation>,
}

/// All count-based statistics for `strata`.
pub fn analyse_counts(
    strata: &[Stratum],
    weights: Option<ArmWeights>,
    level: Level,
) -> Result<CountsReport, AnalysisError> {
    let mh = mantel_haenszel(strata, level)?;
    let sum = |f: fn(&TwoByTwo) -> ArmCounts| {
        strata
            .iter()
            .fold(ArmCounts { n: 0, attended: 0 }, |acc, s| {
                let a = f(&s.table);
                ArmCounts {
                    n: acc.n + a.n,
                    attended: acc.attended + a.attended,
                }
            })
    };
    let overall = compare(
        &TwoByTwo {
            treated: sum(|t| t.treated),
            control: sum(|t| t.control),
        },
        level,
    )?;
    let tables: Vec<(String, TwoByTwo)> =
        strata.iter().map(|s| (s.label.clone(), s.table)).collect();
    let effects = segment_effects(&tables, level);
    let recs = recommendations(&effects, level);
    let (sample_ratio, sample_ratio_by_stratum) = match weights {
        Some(w) => {
            let counts: Vec<(String, Vec<u64>)> = strata
                .iter()
                .map(|s| (s.label.clone(), vec![s.table.control.n, s.table.treated.n]))
                .collect();
            let (overall, per) = srm_by_stratum(&counts, &[w.control, w.treated])?;
            (Some(overall), per)
        }
        None => (None, Vec::new()),
    };
    Ok(CountsReport {
        level,
        overall,
        strata: effects,
        mantel_haenszel: mh,
        sample_ratio,
        sample_ratio_by_stratum,
        recommendations: recs,
    })
}
