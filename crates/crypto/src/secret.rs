//! A boxed 32-byte secret that is wiped on drop.
//!
//! Boxing keeps the bytes at one heap address, so moving a key around does not
//! scatter stack copies that `Drop` would never see.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::random;

pub(crate) const KEY_LEN: usize = 32;

pub(crate) struct Secret32(Box<[u8; KEY_LEN]>);

impl Secret32 {
    pub(crate) fn generate() -> Self {
        let mut key = Box::new([0u8; KEY_LEN]);
        random::fill(key.as_mut_slice());
        Self(key)
    }

    /// `None` unless `bytes` is exactly 32 bytes long.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != KEY_LEN {
            return None;
        }
        let mut key = Box::new([0u8; KEY_LEN]);
        key.copy_from_slice(bytes);
        Some(Self(key))
    }

    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl Drop for Secret32 {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for Secret32 {}
