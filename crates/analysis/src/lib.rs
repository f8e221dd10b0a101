//! Randomisation and effect-analysis statistics. Pure: data in, numbers out.
//! The effect statistics (two arms, strata, logistic regression, ITT/CACE,
//! suppression, uplift) are in [`effect`]; their conventions in README.md ("Methods and conventions").
//!
//! # Randomised arm assignment (stratified permuted blocks)
//!
//! Every target of an outreach campaign gets a postcard; a random part also
//! gets a phone call, so that the call's effect can later be measured
//! honestly. [`allocate`] decides who is in which arm. The method below is the
//! complete specification: from a stored [`Design`] (arms, weights, block
//! multiplier, seed, generator) and the list of units, anyone can recompute
//! every assignment, in any language. `tests/reference/permuted_blocks.py`
//! does so in plain Python and reproduces this crate's golden test.
//!
//! 1. **Design check.** At least one arm; arm codes non-empty and distinct;
//!    every weight ≥ 1; multiplier ≥ 1; block size
//!    `B = (w₀ + w₁ + …) × multiplier` at most [`MAX_BLOCK_SIZE`]. Person ids
//!    must be distinct.
//! 2. **Base block.** The arm indices in design order, arm `i` repeated
//!    `wᵢ × multiplier` times: weights (1, 1) with multiplier 2 give
//!    `[0, 0, 1, 1]`.
//! 3. **Strata.** Units are grouped by [`StratumKey`]; strata are processed in
//!    ascending byte order of the keys' UTF-8 text, and the units of a stratum
//!    in ascending `person_id`. Input order therefore does not matter.
//! 4. **One generator per stratum.** The stratum's 32-byte ChaCha key is
//!    `SHA-256(seed ‖ key)`: the seed's 32 raw bytes followed by the stratum
//!    key's UTF-8 bytes, no separator, no length prefix. The generator is
//!    `rand_chacha` 0.3 `ChaCha20Rng::from_seed(that key)`: the ChaCha20 block
//!    function (20 rounds, the "expand 32-byte k" constants) with a 64-bit
//!    block counter starting at 0 and a 64-bit stream id (nonce) of 0, i.e.
//!    the keystream of that key with an all-zero nonce, read as consecutive
//!    little-endian 32-bit words. Only 32-bit words are ever drawn. Because
//!    each stratum has its own generator, adding, removing or resizing one
//!    stratum does not change any other stratum's assignments.
//! 5. **Uniform integer below `n`.** Draw a word `x`; if
//!    `x ≥ 2³² − (2³² mod n)` discard it and draw again; otherwise the
//!    result is `x mod n`. (Rejection removes the modulo bias.)
//! 6. **Shuffle (Fisher–Yates).** For `i = B−1, B−2, …, 1`: draw
//!    `j = uniform below i+1` and swap positions `i` and `j`. The base block is
//!    copied afresh before each shuffle, so every block is an independent
//!    uniform permutation of the arm multiset.
//! 7. **Assignment.** The stratum's eligible units, in person-id order, take
//!    consecutive blocks: the first `B` take block 1's permutation in order,
//!    the next `B` a newly shuffled block 2, and so on. The last block may be
//!    incomplete: its units take the leading entries of its permutation (the
//!    whole permutation is still drawn). Ineligible units draw no random
//!    numbers, get no arm, and have block and position 0; blocks and
//!    positions of randomised units count from 1 within their stratum.
//!
//! [`Allocation::verify`] repeats the computation and compares it with stored
//! rows. [`Allocation::balance`] and [`Allocation::sample_ratio_check`] report
//! how even the result is.
//!
//! ```
//! use itaku_analysis::{age_band, allocate, Arm, Design, Seed, StratumKey, Unit};
//!
//! let design = Design::new(
//!     vec![Arm::new("notice", "通知のみ", 1), Arm::new("notice_call", "通知＋電話", 1)],
//!     2, // blocks of (1 + 1) × 2 = 4
//!     Seed::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")?,
//! );
//! let stratum = StratumKey::from_parts("未受診", &age_band(62), "2")?;
//! let units: Vec<Unit> = (1..=8)
//!     .map(|id| Unit { person_id: id, stratum: stratum.clone(), eligible: id != 4 })
//!     .collect();
//! let allocation = allocate(&design, &units)?;
//! assert_eq!(allocation.arm_counts().iter().sum::<u64>(), 7);
//! assert!(allocation.rows.iter().all(|r| (r.person_id == 4) == r.arm.is_none()));
//! assert!(!allocation.sample_ratio_check().mismatch);
//! allocation.verify()?;
//! # Ok::<(), itaku_analysis::AnalysisError>(())
//! ```

mod allocate;
mod balance;
mod design;
pub mod effect;
mod error;
pub mod stats;
mod units;

pub use allocate::{allocate, Allocation, AllocationRow};
pub use balance::{SampleRatio, StratumBalance, SRM_ALPHA, SRM_METHOD};
pub use design::{Arm, Design, RngName, Seed, MAX_BLOCK_SIZE};
pub use error::AnalysisError;
pub use units::{age_band, StratumKey, Unit};
