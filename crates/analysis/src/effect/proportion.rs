//! A single proportion with its Wilson score interval.

use serde::Serialize;

use super::{Interval, Level};
use crate::error::AnalysisError;

/// A rate with its confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proportion {
    /// Persons.
    pub n: u64,
    /// Persons with the event (attended).
    pub events: u64,
    /// events / n.
    pub estimate: f64,
    /// Wilson score interval.
    pub ci: Interval,
    /// Confidence level of `ci`.
    pub level: Level,
}

/// Wilson score interval: centre (p̂ + z²/2n)/(1 + z²/n), half-width
/// z/(1 + z²/n) · √(p̂(1−p̂)/n + z²/4n²). Exactly 0 (1) at 0 % (100 %),
/// where the algebra gives it but rounding might not.
pub fn wilson(events: u64, n: u64, level: Level) -> Result<Proportion, AnalysisError> {
    if n == 0 {
        return Err(AnalysisError::EmptyGroup {
            group: "割合の分母".into(),
        });
    }
    if events > n {
        return Err(AnalysisError::InvalidCounts {
            detail: format!("該当 {events} 人が対象 {n} 人を超えています"),
        });
    }
    let ci = wilson_interval(events, n, level.z());
    Ok(Proportion {
        n,
        events,
        estimate: events as f64 / n as f64,
        ci,
        level,
    })
}

pub(crate) fn wilson_interval(events: u64, n: u64, z: f64) -> Interval {
    let nf = n as f64;
    let p = events as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let lower = if events == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let upper = if events == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Interval { lower, upper }
}
