//! The one AEAD construction every ciphertext in itaku uses.
//!
//! Layout: `version (1) ‖ nonce (24) ‖ ciphertext ‖ tag (16)`, XChaCha20-Poly1305.
//! The 24-byte nonce is random: at that size collisions are negligible even
//! for billions of fields under one key, so no counter state is needed.
//!
//! Associated data = `version ‖ context ‖ aad`. `context` names what is being
//! protected (a field, a wrapped data key, a wrapped signing key); every
//! context ends in a NUL and contains no other, so the concatenation is
//! unambiguous and a ciphertext of one kind can never be opened as another.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;

use crate::error::{CryptoError, Result};
use crate::random;
use crate::secret::KEY_LEN;

/// Current format version; bump it (and keep reading the old one) if the
/// construction ever changes.
pub(crate) const VERSION: u8 = 1;
pub(crate) const NONCE_LEN: usize = 24;
pub(crate) const TAG_LEN: usize = 16;
/// Bytes a sealed value adds to its plaintext.
pub(crate) const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

pub(crate) const CONTEXT_FIELD: &[u8] = b"itaku/field/v1\0";
pub(crate) const CONTEXT_DATA_KEY: &[u8] = b"itaku/wrap/data-key/v1\0";
pub(crate) const CONTEXT_SIGNING_KEY: &[u8] = b"itaku/wrap/signing-key/v1\0";

fn associated(context: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + context.len() + aad.len());
    out.push(VERSION);
    out.extend_from_slice(context);
    out.extend_from_slice(aad);
    out
}

pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    context: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce: [u8; NONCE_LEN] = random::array();
    let ciphertext = cipher
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: plaintext,
                aad: &associated(context, aad),
            },
        )
        .map_err(|_| CryptoError::Encrypt)?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// The caller owns the returned plaintext; wrap it in `Zeroizing` if secret.
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    context: &[u8],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>> {
    let (&version, rest) = sealed.split_first().ok_or(CryptoError::Decrypt)?;
    if version != VERSION {
        return Err(CryptoError::UnsupportedFormat(version));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Decrypt);
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Decrypt)?;
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(
            nonce.into(),
            Payload {
                msg: ciphertext,
                aad: &associated(context, aad),
            },
        )
        .map_err(|_| CryptoError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn layout_is_version_nonce_ciphertext_tag() {
        let sealed = seal(&KEY, CONTEXT_FIELD, b"a", b"hello").unwrap();
        assert_eq!(sealed.len(), 5 + OVERHEAD);
        assert_eq!(sealed[0], VERSION);
    }

    #[test]
    fn nonces_are_fresh() {
        let a = seal(&KEY, CONTEXT_FIELD, b"", b"same").unwrap();
        let b = seal(&KEY, CONTEXT_FIELD, b"", b"same").unwrap();
        assert_ne!(a[1..1 + NONCE_LEN], b[1..1 + NONCE_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn context_separates_kinds() {
        let sealed = seal(&KEY, CONTEXT_DATA_KEY, b"v", b"k").unwrap();
        assert_eq!(open(&KEY, CONTEXT_DATA_KEY, b"v", &sealed).unwrap(), b"k");
        assert_eq!(
            open(&KEY, CONTEXT_SIGNING_KEY, b"v", &sealed),
            Err(CryptoError::Decrypt)
        );
        assert_eq!(
            open(&KEY, CONTEXT_FIELD, b"v", &sealed),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn unknown_version_is_reported() {
        let mut sealed = seal(&KEY, CONTEXT_FIELD, b"", b"x").unwrap();
        sealed[0] = 9;
        assert_eq!(
            open(&KEY, CONTEXT_FIELD, b"", &sealed),
            Err(CryptoError::UnsupportedFormat(9))
        );
    }

    #[test]
    fn short_inputs_fail_cleanly() {
        for len in 0..OVERHEAD {
            let mut input = vec![0u8; len];
            if let Some(first) = input.first_mut() {
                *first = VERSION;
            }
            assert_eq!(
                open(&KEY, CONTEXT_FIELD, b"", &input),
                Err(CryptoError::Decrypt),
                "len {len}"
            );
        }
    }
}
