//! Fisher's exact test for a 2×2 table, two-sided by the "probability no
//! larger than the observed" rule, with the mid-P variant.

use serde::Serialize;

/// Relative tolerance when comparing table probabilities with the observed
/// one: a table counts as "no more probable" when its probability is at most
/// P(observed) × (1 + 1e-7). R's `fisher.test` and scipy use the same factor,
/// so that tables tied in exact arithmetic stay tied after rounding.
pub const FISHER_TOLERANCE: f64 = 1e-7;

/// Result of Fisher's exact test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FisherTest {
    /// Two-sided p: sum of the probabilities of all tables (same margins)
    /// whose probability is ≤ P(observed)·(1 + 1e-7).
    pub p_value: f64,
    /// Two-sided mid-P: as `p_value`, but tables tied with the observed
    /// (within the tolerance, the observed table included) count half.
    pub mid_p: f64,
    /// One-sided p for fewer attended in the treated arm: P(X ≤ a).
    pub p_less: f64,
    /// One-sided p for more attended in the treated arm: P(X ≥ a).
    pub p_greater: f64,
}

/// Fisher's exact test of the table [[a, b], [c, d]] (rows = arms, columns =
/// attended / not). Conditional on all margins, `a` is hypergeometric. The
/// probabilities are built by the ratio recurrence
/// f(x+1)/f(x) = (n₁−x)(m₁−x) / ((x+1)(n₀−m₁+x+1)) outward from the mode
/// (where f = 1) and normalised at the end, as R does with its log-density:
/// no factorials, no overflow, and relative accuracy near machine precision
/// even for a million persons. Tables less probable than 2.2e-308 × the mode
/// (the smallest normal double) count as probability 0, so a p-value that
/// small is reported as 0 (scipy does the same) rather than as a subnormal
/// number with no correct digits.
pub fn fisher_exact(a: u64, b: u64, c: u64, d: u64) -> FisherTest {
    let n1 = a + b; // treated
    let n0 = c + d; // control
    let m1 = a + c; // attended
    let total = n1 + n0;
    let lo = m1.saturating_sub(n0);
    let hi = n1.min(m1);
    if lo == hi {
        return FisherTest {
            p_value: 1.0,
            mid_p: 0.5,
            p_less: 1.0,
            p_greater: 1.0,
        };
    }
    // Mode of the hypergeometric distribution.
    let mode = (((n1 + 1) as f64 * (m1 + 1) as f64) / (total + 2) as f64).floor() as u64;
    let mode = mode.clamp(lo, hi);
    let len = usize::try_from(hi - lo + 1).unwrap_or(usize::MAX);
    let mut w = vec![0.0f64; len];
    let idx = |x: u64| usize::try_from(x - lo).unwrap_or(usize::MAX);
    w[idx(mode)] = 1.0;
    let ratio_up = |x: u64| {
        // f(x+1)/f(x)
        ((n1 - x) as f64 * (m1 - x) as f64) / ((x + 1) as f64 * (n0 + x + 1 - m1) as f64)
    };
    let mut x = mode;
    while x < hi {
        let next = w[idx(x)] * ratio_up(x);
        if next < f64::MIN_POSITIVE {
            break;
        }
        w[idx(x + 1)] = next;
        x += 1;
    }
    let mut x = mode;
    while x > lo {
        let prev = w[idx(x)] / ratio_up(x - 1);
        if prev < f64::MIN_POSITIVE {
            break;
        }
        w[idx(x - 1)] = prev;
        x -= 1;
    }
    let sum: f64 = w.iter().sum();
    let obs = w[idx(a)];
    let cut_hi = obs * (1.0 + FISHER_TOLERANCE);
    let cut_lo = obs * (1.0 - FISHER_TOLERANCE);
    let mut below = 0.0;
    let mut tied = 0.0;
    for &v in &w {
        if v < cut_lo {
            below += v;
        } else if v <= cut_hi {
            tied += v;
        }
    }
    let less: f64 = w[..=idx(a)].iter().sum();
    let greater: f64 = w[idx(a)..].iter().sum();
    FisherTest {
        p_value: ((below + tied) / sum).min(1.0),
        mid_p: ((below + 0.5 * tied) / sum).min(1.0),
        p_less: (less / sum).min(1.0),
        p_greater: (greater / sum).min(1.0),
    }
}
