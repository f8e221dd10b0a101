//! Intention to treat (primary), the reached-only comparison (secondary,
//! biased) and the complier average causal effect.

use serde::Serialize;

use super::proportion::{wilson, Proportion};
use super::two_arm::{compare, ArmCounts, TwoArmComparison, TwoByTwo};
use super::{Group, Interval, Level, PersonRow};
use crate::error::AnalysisError;
use crate::stats::normal_two_sided_p;

/// Label the report prints above the reached-only comparison.
pub const REACHED_ONLY_LABEL: &str =
    "参考（偏りあり）: 電話がつながった人だけを通知のみの群と比べたもの。\
     つながる人はもともと受診しやすい傾向があるため、電話の効果を過大に見せるおそれがあります。\
     効果の判断には割付どおりの比較（ITT）を用います。";

/// Complier average causal effect (Wald / instrumental-variable estimator).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplierEffect {
    /// (p₁ − p₀) / (c₁ − c₀): ITT risk difference over the difference in
    /// contact rates (c₀ = 0 when no control was called).
    pub estimate: f64,
    /// Delta-method SE, including the within-arm covariance of attendance
    /// and contact.
    pub se: f64,
    /// estimate ± z·SE.
    pub ci: Interval,
    /// Two-sided Wald p.
    pub p_value: f64,
}

/// ITT, reached-only and complier effects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IttAnalysis {
    /// Primary: by assigned arm.
    pub itt: TwoArmComparison,
    /// Secondary, biased: reached persons of the treated arm against the
    /// whole control arm. `None` when nobody was reached.
    pub reached_only: Option<TwoArmComparison>,
    /// [`REACHED_ONLY_LABEL`], carried along so no page shows the comparison
    /// without it.
    pub reached_only_label: String,
    /// Reached / assigned in the treated arm, with Wilson CI.
    pub contact_rate: Proportion,
    /// Controls recorded as reached (should be 0: a call to a control is a
    /// protocol deviation, and it dilutes the ITT effect).
    pub control_reached: u64,
    /// CACE; `None` when the contact rates do not differ.
    pub complier: Option<ComplierEffect>,
}

#[derive(Default)]
struct ArmTally {
    n: u64,
    attended: u64,
    reached: u64,
    reached_attended: u64,
}

/// ITT analysis of per-person rows.
pub fn itt_analysis(rows: &[PersonRow], level: Level) -> Result<IttAnalysis, AnalysisError> {
    let (mut t, mut c) = (ArmTally::default(), ArmTally::default());
    for r in rows {
        let tally = if r.group == Group::Treated {
            &mut t
        } else {
            &mut c
        };
        tally.n += 1;
        tally.attended += u64::from(r.attended);
        tally.reached += u64::from(r.reached);
        tally.reached_attended += u64::from(r.reached && r.attended);
    }
    let control = ArmCounts {
        n: c.n,
        attended: c.attended,
    };
    let itt = compare(
        &TwoByTwo {
            treated: ArmCounts {
                n: t.n,
                attended: t.attended,
            },
            control,
        },
        level,
    )?;
    let reached_only = if t.reached > 0 {
        Some(compare(
            &TwoByTwo {
                treated: ArmCounts {
                    n: t.reached,
                    attended: t.reached_attended,
                },
                control,
            },
            level,
        )?)
    } else {
        None
    };
    let contact_rate = wilson(t.reached, t.n, level)?;
    let complier = complier_effect(&t, &c, level.z());
    Ok(IttAnalysis {
        itt,
        reached_only,
        reached_only_label: REACHED_ONLY_LABEL.to_owned(),
        contact_rate,
        control_reached: c.reached,
        complier,
    })
}

/// Delta method for D/C with D = p₁ − p₀, C = c₁ − c₀:
/// Var ≈ Var(D)/C² + D²Var(C)/C⁴ − 2D·Cov(D, C)/C³, where within an arm
/// Var(p) = p(1−p)/n, Var(c) = c(1−c)/n, Cov(p, c) = (P(attended ∧ reached) − pc)/n,
/// and the arms are independent.
fn complier_effect(t: &ArmTally, c: &ArmTally, z: f64) -> Option<ComplierEffect> {
    let moments = |a: &ArmTally| {
        let n = a.n as f64;
        let p = a.attended as f64 / n;
        let q = a.reached as f64 / n;
        let both = a.reached_attended as f64 / n;
        (
            p,
            q,
            p * (1.0 - p) / n,
            q * (1.0 - q) / n,
            (both - p * q) / n,
        )
    };
    let (p1, c1, vp1, vc1, cov1) = moments(t);
    let (p0, c0, vp0, vc0, cov0) = moments(c);
    let d = p1 - p0;
    let cc = c1 - c0;
    if cc <= 0.0 || !cc.is_finite() {
        return None;
    }
    let estimate = d / cc;
    let var = (vp1 + vp0) / cc.powi(2) + d * d * (vc1 + vc0) / cc.powi(4)
        - 2.0 * d * (cov1 + cov0) / cc.powi(3);
    let se = var.max(0.0).sqrt();
    Some(ComplierEffect {
        estimate,
        se,
        ci: Interval {
            lower: estimate - z * se,
            upper: estimate + z * se,
        },
        p_value: if se > 0.0 {
            normal_two_sided_p(estimate / se)
        } else {
            1.0
        },
    })
}
