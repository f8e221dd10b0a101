//! Opaque random tokens (session ids, CSRF tokens) and comparisons.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::chain::sha256_hex;
use crate::random;

/// 32 random bytes as unpadded base64url (43 characters, cookie-safe).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random::array::<32>())
}

/// Hex SHA-256 of a token. Sessions are stored by digest, so a leaked
/// sessions table does not yield usable cookies. A plain hash suffices: the
/// token already has 256 bits of entropy.
pub fn token_digest(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Equality whose running time does not depend on where the inputs differ
/// (it does depend on the lengths, which are not secret for our tokens).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_urlsafe_and_distinct() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, b);
    }

    #[test]
    fn digest_is_sha256_hex_and_not_the_token() {
        let token = random_token();
        let digest = token_digest(&token);
        assert_eq!(digest.len(), 64);
        assert_ne!(digest, token);
        assert_eq!(digest, token_digest(&token));
        assert_eq!(
            token_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_eq_semantics() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"Abc"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
