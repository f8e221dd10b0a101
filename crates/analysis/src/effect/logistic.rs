//! Logistic regression of attendance on arm + age + sex + segment (optionally
//! arm × segment), fitted by iteratively reweighted least squares (Newton's
//! method on the log-likelihood, which for the canonical logit link is the
//! same iteration): β ← β + (XᵀWX)⁻¹ Xᵀ(y − μ), W = diag(μ(1−μ)).

use serde::Serialize;

use super::grouped::{group_rows, Grouped};
use super::linalg::{cholesky, inverse, solve};
use super::{Group, Interval, Level, PersonRow, Sex};
use crate::error::AnalysisError;
use crate::stats::normal_two_sided_p;

/// One column of the design matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Term {
    /// Constant 1.
    Intercept,
    /// 1 for the treated arm (通知＋電話).
    Treated,
    /// Age in years.
    Age,
    /// 1 for women (men are the reference).
    Female,
    /// 1 in this segment (the alphabetically first segment is the reference).
    Segment(String),
    /// Treated × this segment.
    TreatedBySegment(String),
}

impl Term {
    /// Japanese label for the report.
    pub fn label(&self) -> String {
        match self {
            Term::Intercept => "切片".into(),
            Term::Treated => "通知＋電話".into(),
            Term::Age => "年齢（1歳あたり）".into(),
            Term::Female => "女性".into(),
            Term::Segment(s) => format!("区分: {s}"),
            Term::TreatedBySegment(s) => format!("通知＋電話 × 区分: {s}"),
        }
    }

    /// The term's value for one person.
    pub fn value(&self, row: &PersonRow) -> f64 {
        let treated = row.group == Group::Treated;
        let v = match self {
            Term::Intercept => true,
            Term::Treated => treated,
            Term::Age => return row.age,
            Term::Female => row.sex == Sex::Female,
            Term::Segment(s) => row.segment == *s,
            Term::TreatedBySegment(s) => treated && row.segment == *s,
        };
        f64::from(u8::from(v))
    }

    pub(crate) fn involves_arm(&self) -> bool {
        matches!(self, Term::Treated | Term::TreatedBySegment(_))
    }
}

/// Which model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DesignSpec {
    /// Include the arm (false for the T-learner's per-arm models).
    pub arm: bool,
    /// Include arm × segment interactions.
    pub interaction: bool,
}

impl DesignSpec {
    /// The terms for `rows`: intercept, [arm], [age if it varies], [female if
    /// both sexes occur], segment dummies for every segment but the first in sorted
    /// order, [arm × the same segments].
    pub fn terms(&self, rows: &[PersonRow]) -> Vec<Term> {
        // A handful of distinct segments among many rows: a linear scan of
        // the ones seen beats a tree insert per row.
        let mut segments: Vec<&str> = Vec::new();
        for r in rows {
            if segments.last() != Some(&r.segment.as_str())
                && !segments.contains(&r.segment.as_str())
            {
                segments.push(&r.segment);
            }
        }
        segments.sort_unstable();
        let both_sexes =
            rows.iter().any(|r| r.sex == Sex::Female) && rows.iter().any(|r| r.sex == Sex::Male);
        let ages_vary = rows.windows(2).any(|w| w[0].age != w[1].age);
        let mut terms = vec![Term::Intercept];
        if self.arm {
            terms.push(Term::Treated);
        }
        if ages_vary {
            terms.push(Term::Age);
        }
        if both_sexes {
            terms.push(Term::Female);
        }
        let others: Vec<&str> = segments.into_iter().skip(1).collect();
        terms.extend(others.iter().map(|s| Term::Segment((*s).to_owned())));
        if self.arm && self.interaction {
            terms.extend(
                others
                    .iter()
                    .map(|s| Term::TreatedBySegment((*s).to_owned())),
            );
        }
        terms
    }
}

/// Iteration control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LogisticOptions {
    /// Most Newton steps before giving up (R's glm uses 25).
    pub max_iterations: u32,
    /// Stop when |ΔD| / (|D| + 0.1) < tolerance, as R's glm (which uses 1e-8).
    pub tolerance: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        LogisticOptions {
            max_iterations: 50,
            tolerance: 1e-12,
        }
    }
}

/// One fitted coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// The term.
    pub term: Term,
    /// Its Japanese label.
    pub label: String,
    /// β.
    pub estimate: f64,
    /// √[(XᵀWX)⁻¹]ⱼⱼ at the MLE.
    pub se: f64,
    /// β / SE.
    pub z: f64,
    /// Two-sided Wald p.
    pub p_value: f64,
    /// Wald interval for β.
    pub ci: Interval,
    /// exp(β): the odds ratio per unit of the term.
    pub odds_ratio: f64,
}

/// A fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticFit {
    /// Coefficients in term order.
    pub coefficients: Vec<Coefficient>,
    /// Residual deviance −2 ln L.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
    /// Persons.
    pub n: usize,
    /// Newton steps taken.
    pub iterations: u32,
}

impl LogisticFit {
    /// Predicted attendance probability for `row`.
    pub fn predict(&self, row: &PersonRow) -> f64 {
        let eta: f64 = self
            .coefficients
            .iter()
            .map(|c| c.estimate * c.term.value(row))
            .sum();
        sigmoid(eta)
    }

    /// The coefficient of `term`, if in the model.
    pub fn coefficient(&self, term: &Term) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.term == *term)
    }
}

pub(crate) fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// Binomial deviance contribution −2[y ln μ + (1−y) ln(1−μ)], written with
/// ln(1 + e^{∓η}) so that μ near 0 or 1 does not lose precision.
pub(crate) fn deviance_term(eta: f64, y: bool) -> f64 {
    let s = if y { -eta } else { eta };
    // ln(1 + e^s)
    2.0 * if s > 0.0 {
        s + (-s).exp().ln_1p()
    } else {
        s.exp().ln_1p()
    }
}

/// Fits the logistic model with `terms` to `rows` (outcome: `attended`).
pub fn fit_logistic(
    terms: &[Term],
    rows: &[PersonRow],
    options: LogisticOptions,
    level: Level,
) -> Result<LogisticFit, AnalysisError> {
    // Persons with the same covariates share a row of X, so the likelihood is
    // summed over covariate patterns with counts: the same estimates and
    // deviance as one row per person, in a fraction of the time (a campaign's
    // arm × age × sex × segment has a few hundred patterns, not a million).
    check_rows(rows)?;
    fit_grouped(terms, &group_rows(terms, rows.iter()), options, level)
}

/// Rejects ages that are not numbers, which would poison every sum.
pub(crate) fn check_rows(rows: &[PersonRow]) -> Result<(), AnalysisError> {
    match rows.iter().position(|r| !r.age.is_finite()) {
        Some(i) => Err(AnalysisError::InvalidCounts {
            detail: format!("{} 行目の年齢が数値ではありません", i + 1),
        }),
        None => Ok(()),
    }
}

/// Fits to data already summed over covariate patterns.
pub(crate) fn fit_grouped(
    terms: &[Term],
    g: &Grouped,
    options: LogisticOptions,
    level: Level,
) -> Result<LogisticFit, AnalysisError> {
    let p = terms.len();
    let n_f: f64 = g.count.iter().sum();
    let attended_f: f64 = g.events.iter().sum();
    // Counts are whole persons, exact in f64 far beyond any ward.
    let (n, attended) = (n_f as usize, attended_f as usize);
    if n == 0 {
        return Err(AnalysisError::EmptyGroup {
            group: "ロジスティック回帰の対象者".into(),
        });
    }
    if attended == 0 || attended == n {
        // Everybody (or nobody) attended: the intercept runs to ±∞.
        return Err(AnalysisError::Separation {
            term: Term::Intercept.label(),
        });
    }
    let x = &g.x;
    let mut beta = vec![0.0; p];
    let mut eta = vec![0.0; g.count.len()];
    let mut dev = g.deviance(&eta);
    let mut iterations = 0;
    let mut converged = false;
    let mut info_chol = Vec::new();
    while iterations < options.max_iterations {
        iterations += 1;
        let (info, score) = g.information(&eta, p);
        let l = match cholesky(&info, p) {
            Ok(l) => l,
            Err(j) => {
                // Weights of separated persons vanish and can make the
                // information singular mid-way: name the separation, which is
                // the cause, rather than the symptom.
                if iterations > 1 {
                    check_separation(terms, g, &eta, &beta, p)?;
                }
                return Err(AnalysisError::Singular {
                    term: terms[j].label(),
                });
            }
        };
        let step = solve(&l, p, &score);
        for (b, s) in beta.iter_mut().zip(&step) {
            *b += s;
        }
        for (i, e) in eta.iter_mut().enumerate() {
            *e = x[i * p..(i + 1) * p]
                .iter()
                .zip(&beta)
                .map(|(a, b)| a * b)
                .sum();
        }
        let new_dev = g.deviance(&eta);
        let change = (new_dev - dev).abs() / (new_dev.abs() + 0.1);
        dev = new_dev;
        info_chol = l;
        if change < options.tolerance {
            converged = true;
            break;
        }
    }
    check_separation(terms, g, &eta, &beta, p)?;
    if !converged {
        return Err(AnalysisError::NotConverged { iterations });
    }
    // Standard errors from the information at the final β.
    let (info, _) = g.information(&eta, p);
    if let Ok(l) = cholesky(&info, p) {
        info_chol = l;
    }
    let cov = inverse(&info_chol, p);
    let z_crit = level.z();
    let coefficients = terms
        .iter()
        .enumerate()
        .map(|(j, t)| {
            let se = cov[j * p + j].sqrt();
            let b = beta[j];
            Coefficient {
                term: t.clone(),
                label: t.label(),
                estimate: b,
                se,
                z: b / se,
                p_value: normal_two_sided_p(b / se),
                ci: Interval {
                    lower: b - z_crit * se,
                    upper: b + z_crit * se,
                },
                odds_ratio: b.exp(),
            }
        })
        .collect();
    let pbar = attended as f64 / n as f64;
    let null_deviance =
        -2.0 * (attended as f64 * pbar.ln() + (n - attended) as f64 * (1.0 - pbar).ln());
    Ok(LogisticFit {
        coefficients,
        deviance: dev,
        null_deviance,
        n,
        iterations,
    })
}

/// Separation rule: some fitted probability is within 1e-8 of 0 or 1 and
/// some coefficient, scaled by its column's standard deviation, exceeds 10
/// in absolute value (an odds ratio above e¹⁰ ≈ 22 000 per SD: the estimate is
/// running off to infinity, not estimating anything). The term named is the
/// one with the largest scaled coefficient.
fn check_separation(
    terms: &[Term],
    g: &Grouped,
    eta: &[f64],
    beta: &[f64],
    p: usize,
) -> Result<(), AnalysisError> {
    let extreme = eta.iter().any(|e| e.abs() > 18.42); // μ within 1e-8 of 0 or 1
    if !extreme {
        return Ok(());
    }
    let n: f64 = g.count.iter().sum();
    let mut worst: Option<(usize, f64)> = None;
    for (j, t) in terms.iter().enumerate() {
        if *t == Term::Intercept {
            continue;
        }
        let col = || g.x.iter().skip(j).step_by(p).zip(&g.count);
        let mean = col().map(|(v, c)| v * c).sum::<f64>() / n;
        let sd = (col().map(|(v, c)| c * (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let scaled = (beta[j] * sd).abs();
        if scaled > 10.0 && worst.is_none_or(|(_, w)| scaled > w) {
            worst = Some((j, scaled));
        }
    }
    match worst {
        Some((j, _)) => Err(AnalysisError::Separation {
            term: terms[j].label(),
        }),
        None => Ok(()),
    }
}
