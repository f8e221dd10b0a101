//! Field encryption and blind indexes with a vault's data key.

use zeroize::Zeroizing;

use crate::error::Result;
use crate::keys::DataKey;
use crate::mac::hmac_sha256;
use crate::sealed::{self, CONTEXT_FIELD};

/// Label for deriving the blind-index sub-key, so the data key itself is
/// never used directly as a MAC key.
const BLIND_INDEX_LABEL: &[u8] = b"itaku/blind-index/v1";

impl DataKey {
    /// Encrypts one field. `aad` must be the record's identity (e.g.
    /// `b"vault:3/person:42/item:kana"`): the ciphertext then only opens for
    /// that row and item, so a value moved or swapped between rows fails.
    /// Output: version ‖ 24-byte nonce ‖ ciphertext ‖ tag.
    ///
    /// Fails only for plaintexts too long for the cipher (hundreds of GiB).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        sealed::seal(self.secret(), CONTEXT_FIELD, aad, plaintext)
    }

    /// Decrypts a field sealed with [`DataKey::seal`] under the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        sealed::open(self.secret(), CONTEXT_FIELD, aad, sealed)
    }

    /// A keyed, deterministic search token for an already-normalised value,
    /// so equality search needs no plaintext on disk. `domain` names the
    /// index (e.g. "kana") so equal values in different columns do not
    /// match; different vaults (keys) give unrelated indexes.
    ///
    /// Blind indexes reveal equality within one vault's column; only index
    /// what search needs.
    pub fn blind_index(&self, domain: &str, normalized_value: &str) -> [u8; 32] {
        let subkey = Zeroizing::new(hmac_sha256(self.secret(), &[BLIND_INDEX_LABEL]));
        // The domain is length-prefixed so ("ab", "c") and ("a", "bc") differ.
        let domain_len = (domain.len() as u64).to_be_bytes();
        hmac_sha256(
            subkey.as_slice(),
            &[&domain_len, domain.as_bytes(), normalized_value.as_bytes()],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CryptoError;
    use crate::sealed::OVERHEAD;
    use proptest::prelude::*;

    const AAD: &[u8] = b"vault:3/person:42/item:kana";

    #[test]
    fn round_trip_and_empty_plaintext() {
        let key = DataKey::generate();
        for plain in [&b""[..], "ヤマダ タロウ".as_bytes()] {
            let sealed = key.seal(AAD, plain).unwrap();
            assert_eq!(sealed.len(), plain.len() + OVERHEAD);
            assert_eq!(key.open(AAD, &sealed).unwrap(), plain);
        }
    }

    #[test]
    fn ciphertext_does_not_contain_plaintext() {
        let key = DataKey::generate();
        let canary = b"CANARY-CANARY-CANARY-CANARY";
        let sealed = key.seal(AAD, canary).unwrap();
        assert!(!sealed.windows(8).any(|w| canary.windows(8).any(|c| c == w)));
    }

    #[test]
    fn moved_to_another_row_or_vault_fails() {
        let key = DataKey::generate();
        let sealed = key.seal(AAD, b"03-1234-5678").unwrap();
        for other in [
            &b"vault:3/person:43/item:kana"[..],
            b"vault:3/person:42/item:phone",
            b"vault:4/person:42/item:kana",
            b"",
        ] {
            assert_eq!(key.open(other, &sealed), Err(CryptoError::Decrypt));
        }
        assert_eq!(
            DataKey::generate().open(AAD, &sealed),
            Err(CryptoError::Decrypt)
        );
    }

    #[test]
    fn every_flipped_byte_fails() {
        let key = DataKey::generate();
        let sealed = key.seal(AAD, b"Tokyo").unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(key.open(AAD, &bad).is_err(), "byte {i}");
        }
        assert!(key.open(AAD, &sealed[..sealed.len() - 1]).is_err());
        let mut longer = sealed.clone();
        longer.push(0);
        assert!(key.open(AAD, &longer).is_err());
    }

    #[test]
    fn blind_index_deterministic_per_key_and_distinct_across() {
        let a = DataKey::generate();
        let b = DataKey::generate();
        assert_eq!(
            a.blind_index("kana", "ヤマダ"),
            a.blind_index("kana", "ヤマダ")
        );
        assert_ne!(
            a.blind_index("kana", "ヤマダ"),
            b.blind_index("kana", "ヤマダ")
        );
        assert_ne!(
            a.blind_index("kana", "ヤマダ"),
            a.blind_index("kana", "ヤマタ")
        );
        assert_ne!(
            a.blind_index("kana", "ヤマダ"),
            a.blind_index("name", "ヤマダ")
        );
        assert_ne!(a.blind_index("ab", "c"), a.blind_index("a", "bc"));
    }

    #[test]
    fn blind_index_survives_unwrap() {
        // The index must be reproducible after the key round-trips through
        // storage, or search breaks on restart.
        let master = crate::keys::MasterKey::generate();
        let key = DataKey::generate();
        let again = DataKey::unwrap(&master, "v", &key.wrap(&master, "v").unwrap()).unwrap();
        assert_eq!(key.blind_index("kana", "x"), again.blind_index("kana", "x"));
    }

    proptest! {
        #[test]
        fn prop_round_trip(
            plain in proptest::collection::vec(any::<u8>(), 0..512),
            aad in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let key = DataKey::generate();
            let sealed = key.seal(&aad, &plain).unwrap();
            prop_assert_eq!(key.open(&aad, &sealed).unwrap(), plain);
        }

        #[test]
        fn prop_other_aad_fails(
            plain in proptest::collection::vec(any::<u8>(), 0..128),
            aad in proptest::collection::vec(any::<u8>(), 0..64),
            other in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            prop_assume!(aad != other);
            let key = DataKey::generate();
            let sealed = key.seal(&aad, &plain).unwrap();
            prop_assert_eq!(key.open(&other, &sealed), Err(CryptoError::Decrypt));
        }

        #[test]
        fn prop_any_tamper_fails(
            plain in proptest::collection::vec(any::<u8>(), 0..128),
            index in any::<proptest::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let key = DataKey::generate();
            let mut sealed = key.seal(b"row", &plain).unwrap();
            let at = index.index(sealed.len());
            sealed[at] ^= flip;
            prop_assert!(key.open(b"row", &sealed).is_err());
        }

        #[test]
        fn prop_blind_index_depends_on_value(a in ".{0,20}", b in ".{0,20}") {
            prop_assume!(a != b);
            let key = DataKey::generate();
            prop_assert_ne!(key.blind_index("d", &a), key.blind_index("d", &b));
        }
    }
}
