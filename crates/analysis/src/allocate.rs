//! Stratified permuted-block allocation. The algorithm is written out in the
//! crate documentation; this module is its only implementation.

use std::collections::{BTreeMap, HashSet};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use crate::design::{Design, RngName, Seed};
use crate::error::AnalysisError;
use crate::units::{StratumKey, Unit};

/// One person's assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocationRow {
    /// The person.
    pub person_id: i64,
    /// The person's stratum.
    pub stratum: StratumKey,
    /// Index into [`Design::arms`]; `None` = not randomised (ineligible).
    pub arm: Option<usize>,
    /// Block number within the stratum, from 1; 0 when not randomised.
    pub block: u32,
    /// Position within the block, from 1; 0 when not randomised.
    pub position: u32,
}

/// A design together with every unit's assignment. Rows are ordered by
/// stratum key (byte order), then by person id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// The design the rows were drawn with.
    pub design: Design,
    /// One row per unit, ineligible units included.
    pub rows: Vec<AllocationRow>,
}

/// The generator for one stratum: ChaCha20 keyed with
/// SHA-256(seed's 32 bytes ‖ the key's UTF-8 bytes). Each stratum has its own
/// stream, so adding or removing a stratum leaves the others unchanged.
pub(crate) fn stratum_rng(rng: RngName, seed: &Seed, stratum: &StratumKey) -> ChaCha20Rng {
    match rng {
        RngName::ChaCha20 => {
            let mut hasher = Sha256::new();
            hasher.update(seed.as_bytes());
            hasher.update(stratum.as_str().as_bytes());
            ChaCha20Rng::from_seed(hasher.finalize().into())
        }
    }
}

/// Uniform integer in `0..n` (`n >= 1`) by rejection: 32-bit draws at or above
/// the largest multiple of `n` not exceeding 2^32 are discarded, so every
/// residue is equally likely.
pub(crate) fn uniform_below(rng: &mut impl RngCore, n: u32) -> u32 {
    let n = u64::from(n.max(1));
    let range = 1u64 << 32;
    let limit = range - range % n;
    loop {
        let x = u64::from(rng.next_u32());
        if x < limit {
            // x % n < n <= u32::MAX, so the conversion cannot fail.
            return u32::try_from(x % n).unwrap_or(0);
        }
    }
}

/// Fisher–Yates, from the last position down to position 1: position `i` is
/// swapped with `uniform_below(i + 1)`.
pub(crate) fn shuffle<T>(rng: &mut impl RngCore, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let bound = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let j = uniform_below(rng, bound) as usize;
        items.swap(i, j);
    }
}

/// The unshuffled block: arm 0 repeated `weight × multiplier` times, then arm 1, ….
fn base_block(design: &Design) -> Vec<usize> {
    let mut block = Vec::new();
    for (i, arm) in design.arms.iter().enumerate() {
        let copies = u64::from(arm.weight) * u64::from(design.block_multiplier);
        for _ in 0..copies {
            block.push(i);
        }
    }
    block
}

/// Allocates `units` under `design`. Input order does not matter.
pub fn allocate(design: &Design, units: &[Unit]) -> Result<Allocation, AnalysisError> {
    let block_size = design.block_size()? as usize;
    let mut seen = HashSet::with_capacity(units.len());
    for unit in units {
        if !seen.insert(unit.person_id) {
            return Err(AnalysisError::DuplicatePerson {
                person_id: unit.person_id,
            });
        }
    }

    let mut strata: BTreeMap<&StratumKey, Vec<&Unit>> = BTreeMap::new();
    for unit in units {
        strata.entry(&unit.stratum).or_default().push(unit);
    }

    let base = base_block(design);
    let mut rows = Vec::with_capacity(units.len());
    for (key, mut members) in strata {
        members.sort_by_key(|u| u.person_id);
        let mut rng = stratum_rng(design.rng, &design.seed, key);
        let mut block_no = 0u32;
        let mut permutation = base.clone();
        let mut position = block_size; // forces a fresh block for the first eligible unit
        for unit in members {
            if !unit.eligible {
                rows.push(AllocationRow {
                    person_id: unit.person_id,
                    stratum: key.clone(),
                    arm: None,
                    block: 0,
                    position: 0,
                });
                continue;
            }
            if position == block_size {
                permutation.copy_from_slice(&base);
                shuffle(&mut rng, &mut permutation);
                block_no = block_no
                    .checked_add(1)
                    .ok_or_else(|| AnalysisError::TooManyUnits {
                        stratum: key.to_string(),
                    })?;
                position = 0;
            }
            rows.push(AllocationRow {
                person_id: unit.person_id,
                stratum: key.clone(),
                arm: permutation.get(position).copied(),
                block: block_no,
                // position < block_size <= MAX_BLOCK_SIZE, so it fits.
                position: u32::try_from(position + 1).unwrap_or(u32::MAX),
            });
            position += 1;
        }
    }
    Ok(Allocation {
        design: design.clone(),
        rows,
    })
}

impl Allocation {
    /// Recomputes the allocation from the stored design and the rows' persons,
    /// strata and eligibility, and checks that every row matches. This is the
    /// auditor's check that the stored assignments are the drawn ones.
    pub fn verify(&self) -> Result<(), AnalysisError> {
        let units: Vec<Unit> = self
            .rows
            .iter()
            .map(|r| Unit {
                person_id: r.person_id,
                stratum: r.stratum.clone(),
                eligible: r.arm.is_some(),
            })
            .collect();
        let redrawn = allocate(&self.design, &units)?;
        let mut stored: Vec<&AllocationRow> = self.rows.iter().collect();
        stored.sort_by(|a, b| (&a.stratum, a.person_id).cmp(&(&b.stratum, b.person_id)));
        for (have, want) in stored.into_iter().zip(&redrawn.rows) {
            if have != want {
                return Err(AnalysisError::AllocationMismatch {
                    person_id: have.person_id,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake generator that replays fixed 32-bit words.
    struct Replay(Vec<u32>, usize);
    impl RngCore for Replay {
        fn next_u32(&mut self) -> u32 {
            let v = self.0[self.1];
            self.1 += 1;
            v
        }
        fn next_u64(&mut self) -> u64 {
            unimplemented!("the allocation reads 32 bits at a time")
        }
        fn fill_bytes(&mut self, _: &mut [u8]) {
            unimplemented!()
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), rand_chacha::rand_core::Error> {
            unimplemented!()
        }
    }

    #[test]
    fn rejection_discards_the_biased_top() {
        // n = 3: 2^32 % 3 = 1, so the limit is 2^32 - 1 and u32::MAX is rejected.
        let mut rng = Replay(vec![u32::MAX, 7], 0);
        assert_eq!(uniform_below(&mut rng, 3), 1);
        assert_eq!(rng.1, 2);
        // n = 2 divides 2^32: nothing is rejected.
        let mut rng = Replay(vec![u32::MAX], 0);
        assert_eq!(uniform_below(&mut rng, 2), 1);
    }

    #[test]
    fn fisher_yates_order_of_draws() {
        // Draws for i = 3, 2, 1 with bounds 4, 3, 2: 0 → swap(3,0); 2 → swap(2,2); 1 → swap(1,1).
        let mut rng = Replay(vec![0, 2, 1], 0);
        let mut items = ['a', 'b', 'c', 'd'];
        shuffle(&mut rng, &mut items);
        assert_eq!(items, ['d', 'b', 'c', 'a']);
        assert_eq!(rng.1, 3);
    }

    #[test]
    fn base_block_repeats_arms_in_order() {
        let design = Design::new(
            vec![crate::Arm::new("a", "A", 2), crate::Arm::new("b", "B", 1)],
            2,
            Seed::from_u64(1),
        );
        assert_eq!(base_block(&design), vec![0, 0, 0, 0, 1, 1]);
    }
}
