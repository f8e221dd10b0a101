//! The arm's effect by logistic regression: the model asked for, the nested
//! model without any arm term, and the likelihood-ratio test between them.

use serde::Serialize;

use super::grouped::group_rows;
use super::logistic::{check_rows, fit_grouped, DesignSpec, LogisticFit, LogisticOptions, Term};
use super::two_arm::ChiSquareTest;
use super::{Level, PersonRow};
use crate::error::AnalysisError;

/// The arm's effect from the model: the full fit, the fit without any arm
/// term, and the likelihood-ratio test between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogisticEffect {
    /// The model asked for.
    pub full: LogisticFit,
    /// The same model without the arm and arm × segment terms.
    pub reduced: LogisticFit,
    /// D(reduced) − D(full) on (number of arm terms) df.
    pub lr_arm: ChiSquareTest,
}

/// Fits `spec` (with the arm) and the nested model without it.
pub fn logistic_effect(
    rows: &[PersonRow],
    spec: DesignSpec,
    options: LogisticOptions,
    level: Level,
) -> Result<LogisticEffect, AnalysisError> {
    check_rows(rows)?;
    let spec = DesignSpec { arm: true, ..spec };
    let terms = spec.terms(rows);
    // Group the persons once; the nested model uses a subset of the columns.
    let grouped = group_rows(&terms, rows.iter());
    let full = fit_grouped(&terms, &grouped, options, level)?;
    let keep: Vec<usize> = (0..terms.len())
        .filter(|j| !terms[*j].involves_arm())
        .collect();
    let reduced_terms: Vec<Term> = keep.iter().map(|j| terms[*j].clone()).collect();
    let reduced = fit_grouped(
        &reduced_terms,
        &grouped.columns(&keep, terms.len()),
        options,
        level,
    )?;
    let df = u32::try_from(terms.len() - reduced_terms.len()).unwrap_or(u32::MAX);
    let lr_arm = ChiSquareTest::new((reduced.deviance - full.deviance).max(0.0), df);
    Ok(LogisticEffect {
        full,
        reduced,
        lr_arm,
    })
}
