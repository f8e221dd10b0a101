//! Two arms, one outcome: the 2×2 table and everything a report shows for it.

use serde::Serialize;

use super::fisher::{fisher_exact, FisherTest};
use super::proportion::{wilson, Proportion};
use super::{Interval, Level};
use crate::error::AnalysisError;
use crate::stats::{chi_square_sf, normal_two_sided_p};

/// Persons and attenders of one arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArmCounts {
    /// Persons assigned.
    pub n: u64,
    /// Of whom attended.
    pub attended: u64,
}

impl ArmCounts {
    /// Persons who did not attend.
    pub fn not_attended(&self) -> u64 {
        self.n.saturating_sub(self.attended)
    }
}

/// The 2×2 table: rows treated / control, columns attended / not:
/// `[[a, b], [c, d]]` with a = treated attended, c = control attended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TwoByTwo {
    /// 通知＋電話.
    pub treated: ArmCounts,
    /// 通知のみ.
    pub control: ArmCounts,
}

impl TwoByTwo {
    /// Shorthand from the four cells a, b, c, d.
    pub fn from_cells(a: u64, b: u64, c: u64, d: u64) -> Self {
        TwoByTwo {
            treated: ArmCounts {
                n: a + b,
                attended: a,
            },
            control: ArmCounts {
                n: c + d,
                attended: c,
            },
        }
    }

    /// The cells a, b, c, d.
    pub fn cells(&self) -> [u64; 4] {
        [
            self.treated.attended,
            self.treated.not_attended(),
            self.control.attended,
            self.control.not_attended(),
        ]
    }

    /// The same table with the arms swapped.
    pub fn swapped(&self) -> Self {
        TwoByTwo {
            treated: self.control,
            control: self.treated,
        }
    }

    /// Rejects attended > n.
    pub fn validate(&self) -> Result<(), AnalysisError> {
        for (arm, name) in [(&self.treated, "通知＋電話"), (&self.control, "通知のみ")] {
            if arm.attended > arm.n {
                return Err(AnalysisError::InvalidCounts {
                    detail: format!(
                        "群「{name}」の受診者 {} 人が対象者 {} 人を超えています",
                        arm.attended, arm.n
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Risk difference p₁ − p₀ (treated minus control).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskDifference {
    /// p₁ − p₀.
    pub estimate: f64,
    /// Newcombe's hybrid score interval (method 10 of Newcombe 1998): primary.
    pub newcombe: Interval,
    /// Wald interval (p₁ − p₀) ± z·SE, shown for comparison only: it collapses
    /// to a point at 0 % or 100 % and undercovers for small n.
    pub wald: Interval,
    /// √(p₁q₁/n₁ + p₀q₀/n₀), the unpooled standard error.
    pub wald_se: f64,
}

/// A ratio measure (risk ratio or odds ratio) with a log-scale interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioEstimate {
    /// Point estimate (from the corrected table when `zero_cell_corrected`).
    pub estimate: f64,
    /// exp(ln estimate ± z·SE).
    pub ci: Interval,
    /// SE of ln estimate.
    pub log_se: f64,
    /// Two-sided Wald p for ln ratio = 0.
    pub p_value: f64,
    /// `true` when 0.5 was added to every cell because a cell was zero.
    pub zero_cell_corrected: bool,
}

/// A chi-square test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChiSquareTest {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: u32,
    /// P(χ²_df ≥ statistic).
    pub p_value: f64,
}

impl ChiSquareTest {
    pub(crate) fn new(statistic: f64, df: u32) -> Self {
        ChiSquareTest {
            statistic,
            df,
            p_value: chi_square_sf(statistic, df),
        }
    }
}

/// Everything the report shows for two arms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoArmComparison {
    /// The table compared.
    pub table: TwoByTwo,
    /// Treated arm rate with Wilson CI.
    pub treated: Proportion,
    /// Control arm rate with Wilson CI.
    pub control: Proportion,
    /// p₁ − p₀ with Newcombe and Wald intervals.
    pub risk_difference: RiskDifference,
    /// p₁ / p₀ with Katz's log interval.
    pub risk_ratio: RatioEstimate,
    /// Odds ratio ad/bc with Woolf's log interval.
    pub odds_ratio: RatioEstimate,
    /// Expected counts under independence, `[[a, b], [c, d]]` order.
    pub expected: [[f64; 2]; 2],
    /// Some expected count is below 5: the chi-square approximations are
    /// doubtful and the report shows Fisher's exact test.
    pub any_expected_below_5: bool,
    /// Report rule: Fisher is shown whenever any expected count is below 5
    /// (equal to `any_expected_below_5`; kept separate so the rule is named).
    pub show_fisher: bool,
    /// Pooled two-proportion z statistic; z² equals the Pearson statistic.
    pub z_pooled: Option<f64>,
    /// Pearson χ² (1 df). `None` when a margin is 0 (no variation to test).
    pub pearson: Option<ChiSquareTest>,
    /// Pearson χ² with Yates's correction, |O − E| reduced by min(½, |O − E|).
    pub yates: Option<ChiSquareTest>,
    /// Likelihood-ratio G = 2 Σ O ln(O/E) (0 ln 0 = 0).
    pub likelihood_ratio: Option<ChiSquareTest>,
    /// Fisher's exact test (always computed; shown per `show_fisher`).
    pub fisher: FisherTest,
}

/// Compares the two arms of `table` at confidence `level`. Errors if an arm is
/// empty or has more attenders than persons.
pub fn compare(table: &TwoByTwo, level: Level) -> Result<TwoArmComparison, AnalysisError> {
    table.validate()?;
    if table.treated.n == 0 {
        return Err(AnalysisError::EmptyGroup {
            group: "通知＋電話".into(),
        });
    }
    if table.control.n == 0 {
        return Err(AnalysisError::EmptyGroup {
            group: "通知のみ".into(),
        });
    }
    let z = level.z();
    let treated = wilson(table.treated.attended, table.treated.n, level)?;
    let control = wilson(table.control.attended, table.control.n, level)?;
    let [a, b, c, d] = table.cells().map(|x| x as f64);
    let (n1, n0) = (a + b, c + d);
    let (p1, p0) = (a / n1, c / n0);

    let rd = p1 - p0;
    // Newcombe (1998) method 10: combine the two Wilson intervals.
    let (l1, u1) = (treated.ci.lower, treated.ci.upper);
    let (l0, u0) = (control.ci.lower, control.ci.upper);
    let newcombe = Interval {
        lower: rd - ((p1 - l1).powi(2) + (u0 - p0).powi(2)).sqrt(),
        upper: rd + ((u1 - p1).powi(2) + (p0 - l0).powi(2)).sqrt(),
    };
    let wald_se = (p1 * (1.0 - p1) / n1 + p0 * (1.0 - p0) / n0).sqrt();
    let risk_difference = RiskDifference {
        estimate: rd,
        newcombe,
        wald: Interval {
            lower: rd - z * wald_se,
            upper: rd + z * wald_se,
        },
        wald_se,
    };

    // Risk ratio, Katz: Var ln RR = 1/a − 1/n₁ + 1/c − 1/n₀. Undefined when
    // an attended cell is zero; then 0.5 is added to every cell (n + 1).
    let rr_fix = a == 0.0 || c == 0.0;
    let (ra, rb, rc, rd_) = if rr_fix {
        (a + 0.5, b + 0.5, c + 0.5, d + 0.5)
    } else {
        (a, b, c, d)
    };
    let rr = (ra / (ra + rb)) / (rc / (rc + rd_));
    let rr_se = (1.0 / ra - 1.0 / (ra + rb) + 1.0 / rc - 1.0 / (rc + rd_)).sqrt();
    let risk_ratio = log_ratio(rr, rr_se, z, rr_fix);

    // Odds ratio, Woolf: Var ln OR = 1/a + 1/b + 1/c + 1/d; Haldane–Anscombe
    // 0.5 added to every cell only when some cell is zero.
    let or_fix = a == 0.0 || b == 0.0 || c == 0.0 || d == 0.0;
    let h = if or_fix { 0.5 } else { 0.0 };
    let (oa, ob, oc, od) = (a + h, b + h, c + h, d + h);
    let or = (oa * od) / (ob * oc);
    let or_se = (1.0 / oa + 1.0 / ob + 1.0 / oc + 1.0 / od).sqrt();
    let odds_ratio = log_ratio(or, or_se, z, or_fix);

    let total = n1 + n0;
    let (m1, m0) = (a + c, b + d);
    let expected = [
        [n1 * m1 / total, n1 * m0 / total],
        [n0 * m1 / total, n0 * m0 / total],
    ];
    let any_expected_below_5 = expected.iter().flatten().any(|e| *e < 5.0);
    let observed = [[a, b], [c, d]];
    let margins_ok = m1 > 0.0 && m0 > 0.0;
    let (pearson, yates, likelihood_ratio, z_pooled) = if margins_ok {
        let mut x2 = 0.0;
        let mut x2_yates = 0.0;
        let mut g = 0.0;
        for (orow, erow) in observed.iter().zip(&expected) {
            for (o, e) in orow.iter().zip(erow) {
                let diff = o - e;
                x2 += diff * diff / e;
                let adj = diff.abs() - diff.abs().min(0.5);
                x2_yates += adj * adj / e;
                if *o > 0.0 {
                    g += o * (o / e).ln();
                }
            }
        }
        let pbar = m1 / total;
        let zp = rd / (pbar * (1.0 - pbar) * (1.0 / n1 + 1.0 / n0)).sqrt();
        (
            Some(ChiSquareTest::new(x2, 1)),
            Some(ChiSquareTest::new(x2_yates, 1)),
            Some(ChiSquareTest::new((2.0 * g).max(0.0), 1)),
            Some(zp),
        )
    } else {
        (None, None, None, None)
    };
    let cells = table.cells();
    let fisher = fisher_exact(cells[0], cells[1], cells[2], cells[3]);
    Ok(TwoArmComparison {
        table: *table,
        treated,
        control,
        risk_difference,
        risk_ratio,
        odds_ratio,
        expected,
        any_expected_below_5,
        show_fisher: any_expected_below_5,
        z_pooled,
        pearson,
        yates,
        likelihood_ratio,
        fisher,
    })
}

fn log_ratio(estimate: f64, log_se: f64, z: f64, corrected: bool) -> RatioEstimate {
    let l = estimate.ln();
    RatioEstimate {
        estimate,
        ci: Interval {
            lower: (l - z * log_se).exp(),
            upper: (l + z * log_se).exp(),
        },
        log_se,
        // Katz's SE is 0 only when both arms are at 100 %, where RR = 1.
        p_value: if log_se > 0.0 {
            normal_two_sided_p(l / log_se)
        } else {
            1.0
        },
        zero_cell_corrected: corrected,
    }
}
