//! HMAC helpers that cannot fail.
//!
//! `Hmac::new_from_slice` returns a `Result` even though HMAC accepts any key,
//! and the workspace forbids `unwrap`. RFC 2104 pads a short key with zeros to
//! the block size, so we do that padding ourselves and use the infallible
//! block-sized constructor; the RFC 4231 / RFC 2202 vectors below prove the
//! output is standard HMAC.

use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroize;

/// Longest key the helpers accept: one SHA-1/SHA-256 block. Longer keys would
/// have to be hashed first (RFC 2104); no caller needs them.
pub(crate) const MAX_KEY_LEN: usize = 64;

fn keyed<M: Mac + KeyInit>(key: &[u8]) -> M {
    let mut block = Key::<M>::default();
    // Callers guarantee `key.len() <= MAX_KEY_LEN`; `zip` copies without any
    // panicking index.
    for (dst, src) in block.iter_mut().zip(key) {
        *dst = *src;
    }
    let mac = <M as KeyInit>::new(&block);
    block.as_mut_slice().zeroize();
    mac
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac: Hmac<Sha256> = keyed(key);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA1 (for TOTP only, where RFC 6238 mandates it).
pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut mac: Hmac<Sha1> = keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_1() {
        let out = hmac_sha256(&[0x0b; 20], &[b"Hi ", b"There"]);
        assert_eq!(
            hex::encode(out),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn rfc4231_case_2_short_key() {
        let out = hmac_sha256(b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(
            hex::encode(out),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn rfc2202_sha1_case_2() {
        let out = hmac_sha1(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(out), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn full_block_key_matches_library() {
        let key = [0xa5u8; MAX_KEY_LEN];
        let mut reference = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
        reference.update(b"msg");
        let expected: [u8; 32] = reference.finalize().into_bytes().into();
        assert_eq!(hmac_sha256(&key, &[b"msg"]), expected);
    }
}
