//! Drawing an index with given integer weights.
//!
//! Integer weights and `gen_range` on `u32` keep draws identical on every
//! platform (no floats, no `usize`, whose width `rand` samples differently).

use rand::Rng;

pub(crate) struct Weighted {
    /// Running totals: `cum[i]` is the sum of weights `0..=i`.
    cum: Vec<u32>,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = u32>) -> Self {
        let mut total = 0u32;
        let cum = weights
            .into_iter()
            .map(|w| {
                total = total.saturating_add(w);
                total
            })
            .collect();
        Weighted { cum }
    }

    pub(crate) fn total(&self) -> u32 {
        self.cum.last().copied().unwrap_or(0)
    }

    /// An index whose weight is non-zero; 0 when every weight is zero (the
    /// tables are tested to make that impossible).
    pub(crate) fn pick<R: Rng>(&self, rng: &mut R) -> usize {
        let total = self.total();
        if total == 0 {
            return 0;
        }
        let x = rng.gen_range(0..total);
        self.cum.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn never_picks_zero_weight_and_follows_weights() {
        let w = Weighted::new([0, 3, 0, 1]);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut counts = [0u32; 4];
        for _ in 0..40_000 {
            counts[w.pick(&mut rng)] += 1;
        }
        assert_eq!(counts[0] + counts[2], 0);
        let share = f64::from(counts[1]) / 40_000.0;
        assert!((0.73..0.77).contains(&share), "{share}");
    }
}
