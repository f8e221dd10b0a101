//! The little linear algebra IRLS needs: Cholesky factorisation of a small
//! symmetric positive-definite matrix (row-major p×p), solving with it, and
//! the inverse for standard errors. p is the number of model terms (≈ 10), so
//! plain loops are both clear and fast enough.

/// Lower-triangular L with A = L Lᵀ. `Err(k)` names the first column whose
/// pivot is not positive (relative to the diagonal's size), i.e. the term that
/// depends linearly on the earlier ones.
pub(crate) fn cholesky(a: &[f64], p: usize) -> Result<Vec<f64>, usize> {
    let mut l = vec![0.0; p * p];
    for j in 0..p {
        let mut diag = a[j * p + j];
        for k in 0..j {
            diag -= l[j * p + k] * l[j * p + k];
        }
        // A pivot that lost all but ~1e-10 of the original diagonal means the
        // column is (numerically) a combination of earlier columns.
        if !diag.is_finite() || diag <= 1e-10 * a[j * p + j].abs() {
            return Err(j);
        }
        let ljj = diag.sqrt();
        l[j * p + j] = ljj;
        for i in (j + 1)..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            l[i * p + j] = s / ljj;
        }
    }
    Ok(l)
}

/// Solves L Lᵀ x = b.
pub(crate) fn solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..p {
        let mut s = y[i];
        for k in 0..i {
            s -= l[i * p + k] * y[k];
        }
        y[i] = s / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = y[i];
        for k in (i + 1)..p {
            s -= l[k * p + i] * y[k];
        }
        y[i] = s / l[i * p + i];
    }
    y
}

/// (L Lᵀ)⁻¹, column by column.
pub(crate) fn inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    let mut e = vec![0.0; p];
    for j in 0..p {
        e.iter_mut().for_each(|x| *x = 0.0);
        e[j] = 1.0;
        let col = solve(l, p, &e);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_inverts_a_known_matrix() {
        // A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]] (positive definite).
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let l = cholesky(&a, 3).unwrap();
        // Hand: L11 = 2, L21 = 1, L31 = 0.2, L22 = 2, L32 = 0.4, L33 = √(3 − 0.04 − 0.16).
        assert_eq!(&l[..5], &[2.0, 0.0, 0.0, 1.0, 2.0]);
        assert!((l[8] - 2.8f64.sqrt()).abs() < 1e-15);
        let x = solve(&l, 3, &[1.0, 2.0, 3.0]);
        for (i, row) in a.chunks(3).enumerate() {
            let ax: f64 = row.iter().zip(&x).map(|(r, v)| r * v).sum();
            assert!((ax - [1.0, 2.0, 3.0][i]).abs() < 1e-14);
        }
        let inv = inverse(&l, 3);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((v - f64::from(u8::from(i == j))).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn names_the_dependent_column() {
        // Column 2 = column 0 + column 1.
        let a = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0];
        assert_eq!(cholesky(&a, 3), Err(2));
    }
}
