//! What an allocation is made from: the arms and their weights, the block
//! multiplier, the stored seed and the named RNG.

use std::collections::HashSet;
use std::fmt;

use crate::error::AnalysisError;

/// The largest block accepted. Real designs use blocks of 2–12; the cap keeps a
/// typo (a weight of 100000) from allocating a huge permutation buffer.
pub const MAX_BLOCK_SIZE: u32 = 10_000;

/// One arm of the trial, e.g. `("notice", "通知のみ", 1)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arm {
    /// Stable machine code stored with each allocation row's arm index.
    pub code: String,
    /// Label shown to staff.
    pub label: String,
    /// Relative share of units in this arm; each block holds
    /// `weight × block_multiplier` copies of the arm.
    pub weight: u32,
}

impl Arm {
    /// Convenience constructor.
    pub fn new(code: impl Into<String>, label: impl Into<String>, weight: u32) -> Self {
        Self {
            code: code.into(),
            label: label.into(),
            weight,
        }
    }
}

/// The 32-byte seed stored with a design. Whoever holds it and the method in
/// the crate documentation can recompute every assignment.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Seed([u8; 32]);

impl Seed {
    /// A seed from raw bytes (e.g. 32 bytes from the operating system's RNG,
    /// drawn by the caller: this crate does no I/O).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A seed from a small number, for tests and demonstrations: the number's
    /// 8 little-endian bytes followed by 24 zero bytes.
    pub fn from_u64(n: u64) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&n.to_le_bytes());
        Self(bytes)
    }

    /// Parses 64 hexadecimal digits (either case, surrounding whitespace
    /// ignored), as written by [`Seed::to_hex`].
    pub fn from_hex(s: &str) -> Result<Self, AnalysisError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut bytes).map_err(|_| AnalysisError::InvalidSeed)?;
        Ok(Self(bytes))
    }

    /// 64 lower-case hexadecimal digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Seed({})", self.to_hex())
    }
}

/// The random number generator an allocation was made with. Named and stored
/// so that a future change of generator is a new variant, never a silent
/// change of what an old seed means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RngName {
    /// `rand_chacha` 0.3 `ChaCha20Rng` (20 rounds, 64-bit block counter and
    /// stream id both starting at 0), read 32 bits at a time.
    ChaCha20,
}

impl fmt::Display for RngName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RngName::ChaCha20 => f.write_str("ChaCha20 (rand_chacha 0.3)"),
        }
    }
}

/// A complete randomisation design.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Design {
    /// The arms, in the order that gives each its index.
    pub arms: Vec<Arm>,
    /// Block size = sum of weights × multiplier.
    pub block_multiplier: u32,
    /// The stored seed.
    pub seed: Seed,
    /// The generator.
    pub rng: RngName,
}

impl Design {
    /// A design on the only generator there is so far.
    pub fn new(arms: Vec<Arm>, block_multiplier: u32, seed: Seed) -> Self {
        Self {
            arms,
            block_multiplier,
            seed,
            rng: RngName::ChaCha20,
        }
    }

    /// Checks the design and returns its block size.
    pub fn block_size(&self) -> Result<u32, AnalysisError> {
        if self.arms.is_empty() {
            return Err(AnalysisError::NoArms);
        }
        let mut codes = HashSet::new();
        for arm in &self.arms {
            if arm.code.is_empty() {
                return Err(AnalysisError::EmptyArmCode);
            }
            if arm.weight == 0 {
                return Err(AnalysisError::ZeroWeight {
                    code: arm.code.clone(),
                });
            }
            if !codes.insert(arm.code.as_str()) {
                return Err(AnalysisError::DuplicateArmCode {
                    code: arm.code.clone(),
                });
            }
        }
        if self.block_multiplier == 0 {
            return Err(AnalysisError::ZeroMultiplier);
        }
        let weights: u64 = self.arms.iter().map(|a| u64::from(a.weight)).sum();
        let size = weights.saturating_mul(u64::from(self.block_multiplier));
        match u32::try_from(size) {
            Ok(s) if s <= MAX_BLOCK_SIZE => Ok(s),
            _ => Err(AnalysisError::BlockTooLarge {
                size,
                max: MAX_BLOCK_SIZE,
            }),
        }
    }

    /// Sum of the arms' weights (0 for an empty design).
    pub fn total_weight(&self) -> u64 {
        self.arms.iter().map(|a| u64::from(a.weight)).sum()
    }

    /// A Japanese description of the design and the exact method, to be
    /// printed with the allocation so that an auditor can recompute it.
    pub fn describe(&self) -> String {
        let arms: Vec<String> = self
            .arms
            .iter()
            .enumerate()
            .map(|(i, a)| format!("{i}: {}「{}」比率 {}", a.code, a.label, a.weight))
            .collect();
        let block = self
            .total_weight()
            .saturating_mul(u64::from(self.block_multiplier));
        format!(
            "層別置換ブロック法。群: {}。ブロックの大きさ: {block}（比率の合計 × 倍数 {}）。\
             乱数生成器: {}。乱数の種: {}。\
             層ごとの乱数列の種 = SHA-256(乱数の種 32 バイト ‖ 層キーの UTF-8 バイト列)。\
             層はキーのバイト順、層内の対象者は個人番号の昇順に並べ、\
             各ブロックは群番号順に並べた群の多重集合を Fisher–Yates 法（上限は 32 ビット乱数の棄却法）で並べ替えたもの。",
            arms.join("、"),
            self.block_multiplier,
            self.rng,
            self.seed,
        )
    }
}
