//! Duplicate record ids, found in bounded memory: a gigabyte package may
//! hold millions of ids, so the set keeps a 128-bit keyed hash of each
//! (two independently keyed SipHashes) instead of the ids themselves.
//! With random keys, a false "duplicate" needs a 2^-128-scale collision.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

pub(crate) struct IdSet {
    seen: HashSet<u128>,
    k1: RandomState,
    k2: RandomState,
}

impl IdSet {
    pub fn new() -> Self {
        Self {
            seen: HashSet::new(),
            k1: RandomState::new(),
            k2: RandomState::new(),
        }
    }

    /// `false` if `id` was inserted before.
    pub fn insert(&mut self, id: &str) -> bool {
        let h = (u128::from(self.k1.hash_one(id)) << 64) | u128::from(self.k2.hash_one(id));
        self.seen.insert(h)
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
    }
}
