//! Small-cell suppression for published tables (rows × columns, with row,
//! column and grand totals always published).
//!
//! 1. **Primary**: every cell with 0 < count < k (k = 10 by default; zeros
//!    too if `suppress_zero`) is hidden.
//! 2. **Complementary**: while some row or column has exactly one hidden
//!    cell — which its published total would reveal — hide the smallest
//!    visible cell of that row or column (a non-zero one when there is one,
//!    since a hidden 0 is easily guessed; ties → leftmost / topmost). Repeat
//!    to a fixpoint. Afterwards every row and column has zero or at least two
//!    hidden cells, so no hidden cell equals a total minus visible cells.
//!
//! Not covered: bounds from combining several rows and columns (a hidden
//! 2×2 rectangle is known to within an interval, not exactly). Totals below
//! k are published as they are; merge categories first if that matters.

use serde::Serialize;

use crate::error::AnalysisError;

/// Suppression parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SuppressionRule {
    /// Cells below this are hidden (10 by default).
    pub threshold: u64,
    /// Whether a 0 is hidden too (by default a 0 is shown).
    pub suppress_zero: bool,
}

impl Default for SuppressionRule {
    fn default() -> Self {
        SuppressionRule {
            threshold: 10,
            suppress_zero: false,
        }
    }
}

/// A table ready to publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressedTable {
    /// Cells, `None` where hidden (print "‐" or "x").
    pub cells: Vec<Vec<Option<u64>>>,
    /// Row totals (published).
    pub row_totals: Vec<u64>,
    /// Column totals (published).
    pub column_totals: Vec<u64>,
    /// Grand total.
    pub total: u64,
    /// (row, column) hidden because small.
    pub primary: Vec<(usize, usize)>,
    /// (row, column) hidden to protect the small ones.
    pub complementary: Vec<(usize, usize)>,
    /// The rule applied.
    pub rule: SuppressionRule,
}

/// Applies the rule to `cells` (rows of equal length).
pub fn suppress(
    cells: &[Vec<u64>],
    rule: SuppressionRule,
) -> Result<SuppressedTable, AnalysisError> {
    let rows = cells.len();
    let cols = cells.first().map_or(0, Vec::len);
    if cells.iter().any(|r| r.len() != cols) {
        return Err(AnalysisError::InvalidCounts {
            detail: "表の行によって列の数が異なります".into(),
        });
    }
    let mut hidden = vec![vec![false; cols]; rows];
    let mut primary = Vec::new();
    for (i, row) in cells.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v < rule.threshold && (v > 0 || rule.suppress_zero) {
                hidden[i][j] = true;
                primary.push((i, j));
            }
        }
    }
    let mut complementary = Vec::new();
    loop {
        let mut changed = false;
        for i in 0..rows {
            let line: Vec<(usize, usize)> = (0..cols).map(|j| (i, j)).collect();
            changed |= protect(cells, &mut hidden, &line, &mut complementary, "行")?;
        }
        for j in 0..cols {
            let line: Vec<(usize, usize)> = (0..rows).map(|i| (i, j)).collect();
            changed |= protect(cells, &mut hidden, &line, &mut complementary, "列")?;
        }
        if !changed {
            break;
        }
    }
    let row_totals: Vec<u64> = cells.iter().map(|r| r.iter().sum()).collect();
    let column_totals: Vec<u64> = (0..cols)
        .map(|j| cells.iter().map(|r| r[j]).sum())
        .collect();
    Ok(SuppressedTable {
        cells: cells
            .iter()
            .zip(&hidden)
            .map(|(r, h)| r.iter().zip(h).map(|(v, h)| (!h).then_some(*v)).collect())
            .collect(),
        total: row_totals.iter().sum(),
        row_totals,
        column_totals,
        primary,
        complementary,
        rule,
    })
}

/// If `line` has exactly one hidden cell, hides the best complement in it.
fn protect(
    cells: &[Vec<u64>],
    hidden: &mut [Vec<bool>],
    line: &[(usize, usize)],
    complementary: &mut Vec<(usize, usize)>,
    kind: &str,
) -> Result<bool, AnalysisError> {
    let count = line.iter().filter(|(i, j)| hidden[*i][*j]).count();
    if count != 1 {
        return Ok(false);
    }
    // Smallest visible cell, non-zero first; min_by_key keeps the first of ties.
    let pick = line
        .iter()
        .filter(|(i, j)| !hidden[*i][*j])
        .min_by_key(|(i, j)| (cells[*i][*j] == 0, cells[*i][*j]))
        .copied();
    match pick {
        Some((i, j)) => {
            hidden[i][j] = true;
            complementary.push((i, j));
            Ok(true)
        }
        None => Err(AnalysisError::SuppressionImpossible {
            detail: format!("{kind}にセルが一つしかなく、小さい値を合計から隠せません"),
        }),
    }
}
