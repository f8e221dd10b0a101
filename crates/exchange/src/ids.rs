//! Duplicate record ids, found in bounded memory: a gigabyte package may
//! hold millions of ids, so the set keeps a 128-bit keyed hash of each
//! (two independently keyed SipHashes) instead of the ids themselves.
//! With random keys, a false "duplicate" needs a 2^-128-scale collision.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// The set's own hash of an entry: its low 64 bits, already a keyed hash,
/// rather than a third SipHash over it.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used; anything else still hashes all bytes.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, i: u128) {
        self.0 = i as u64;
    }
}

pub(crate) struct IdSet {
    seen: HashSet<u128, BuildHasherDefault<Prehashed>>,
    k1: RandomState,
    k2: RandomState,
}

impl IdSet {
    pub fn new() -> Self {
        Self {
            seen: HashSet::default(),
            k1: RandomState::new(),
            k2: RandomState::new(),
        }
    }

    /// `false` if `id` was inserted before.
    #[cfg(test)]
    pub fn insert(&mut self, id: &str) -> bool {
        let h = self.hash(id);
        self.seen.insert(h)
    }

    /// The 128-bit keyed hash the set keeps of `id`, for [`Self::insert_all`].
    pub fn hash(&self, id: &str) -> u128 {
        (u128::from(self.k1.hash_one(id)) << 64) | u128::from(self.k2.hash_one(id))
    }

    /// Inserts many hashed ids in order; the index of the first that was
    /// seen before (in the set or earlier in `hashes`), if any. Inserting
    /// a batch in one tight loop lets the processor overlap the cache
    /// misses of a set far larger than its caches.
    pub fn insert_all(&mut self, hashes: &[u128]) -> Option<usize> {
        self.seen.reserve(hashes.len());
        hashes.iter().position(|h| !self.seen.insert(*h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_duplicates_only() {
        let mut set = IdSet::new();
        for i in 0..10_000 {
            assert!(set.insert(&i.to_string()));
        }
        assert!(!set.insert("9999"));
        assert!(set.insert("10000"));
        let batch: Vec<u128> = ["a", "b", "10000", "c", "a"]
            .iter()
            .map(|id| set.hash(id))
            .collect();
        assert_eq!(set.insert_all(&batch), Some(2));
        let batch: Vec<u128> = ["x", "y", "x"].iter().map(|id| set.hash(id)).collect();
        assert_eq!(set.insert_all(&batch), Some(2));
        assert_eq!(set.insert_all(&[set.hash("z")]), None);
    }
}
