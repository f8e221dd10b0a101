//! Effect analysis of a randomised outreach: did the call raise screening
//! attendance, for whom, and what to do next year. Pure functions: counts or
//! per-person rows in, numbers out; every output derives `Serialize` so the
//! report page, the PDF and `itaku analysis compare --format json` can show
//! the same numbers. The conventions (zero cells, continuity corrections,
//! Fisher's two-sided rule, suppression) are written next to each method and
//! collected in `README.md ("Methods and conventions")`.
//!
//! Direction: everything compares the **treated** arm (通知＋電話) with the
//! **control** arm (通知のみ); a positive risk difference means the call arm
//! attended more.

mod adjust;
mod fisher;
mod grouped;
mod itt;
mod linalg;
mod logistic;
mod logistic_effect;
mod power;
mod proportion;
mod recommend;
mod report;
mod srm;
mod stratified;
mod suppress;
mod two_arm;
mod uplift;

pub use adjust::{benjamini_hochberg, holm};
pub use fisher::{fisher_exact, FisherTest, FISHER_TOLERANCE};
pub use itt::{itt_analysis, ComplierEffect, IttAnalysis, REACHED_ONLY_LABEL};
pub use logistic::{fit_logistic, Coefficient, DesignSpec, LogisticFit, LogisticOptions, Term};
pub use logistic_effect::{logistic_effect, LogisticEffect};
pub use power::{power_two_proportions, sample_size_two_proportions, PowerResult, SampleSize};
pub use proportion::{wilson, Proportion};
pub use recommend::{recommendations, Recommendation, Verdict};
pub use report::{analyse_counts, ArmWeights, CountsReport};
pub use srm::{sample_ratio_mismatch, srm_by_stratum, StratumSrm};
pub use stratified::{mantel_haenszel, MantelHaenszel, MhDifference, Stratum};
pub use suppress::{suppress, SuppressedTable, SuppressionRule};
pub use two_arm::{
    compare, ArmCounts, ChiSquareTest, RatioEstimate, RiskDifference, TwoArmComparison, TwoByTwo,
};
pub use uplift::{
    qini_curve, segment_effects, segment_tables, t_learner, QiniCurve, QiniPoint, SegmentEffect,
    TLearner,
};

use serde::Serialize;

use crate::error::AnalysisError;
use crate::stats::normal_quantile;

/// Confidence level of an interval, strictly between 0 and 1 (0.95 = 95 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Level(f64);

impl Level {
    /// The level used throughout the report.
    pub const NINETY_FIVE: Level = Level(0.95);

    /// Checks 0 < level < 1.
    pub fn new(level: f64) -> Result<Self, AnalysisError> {
        if level > 0.0 && level < 1.0 {
            Ok(Level(level))
        } else {
            Err(AnalysisError::InvalidParameter {
                name: "信頼水準".into(),
                detail: "0 より大きく 1 より小さい値（例: 0.95）".into(),
            })
        }
    }

    /// The level as a fraction.
    pub fn get(self) -> f64 {
        self.0
    }

    /// z = Φ⁻¹(1 − (1 − level)/2), 1.959963984540054 at 95 %.
    pub fn z(self) -> f64 {
        normal_quantile(1.0 - (1.0 - self.0) / 2.0)
    }
}

impl Default for Level {
    fn default() -> Self {
        Level::NINETY_FIVE
    }
}

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

impl Interval {
    /// Whether `x` lies in the closed interval.
    pub fn contains(&self, x: f64) -> bool {
        self.lower <= x && x <= self.upper
    }
}

/// Which arm a person or a count belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Group {
    /// 通知のみ (letter only).
    Control,
    /// 通知＋電話 (letter and call).
    Treated,
}

/// Sex as recorded in the resident register (1 = male, 2 = female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
}

/// One target of the campaign, as the analysis purpose may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRow {
    /// Assigned arm (intention to treat: as randomised, not as contacted).
    pub group: Group,
    /// Age in years at the campaign's reference date.
    pub age: f64,
    /// Sex.
    pub sex: Sex,
    /// Segment label (e.g. 未受診 / 過去受診).
    pub segment: String,
    /// Attended the screening within the follow-up window.
    pub attended: bool,
    /// Reached by a call (only meaningful in the treated arm; `false` for controls).
    pub reached: bool,
}
