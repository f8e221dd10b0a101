//! Vault keys: one master key (from a file or the environment, never stored
//! beside the data) wraps one data key per vault. Destroying a vault's
//! wrapped data key makes every copy of its ciphertexts, backups included,
//! unreadable.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::error::{CryptoError, Result};
use crate::sealed::{self, CONTEXT_DATA_KEY};
use crate::secret::{Secret32, KEY_LEN};

const FINGERPRINT_LABEL: &[u8] = b"itaku/master-key-fingerprint/v1\0";

// Operators paste keys from many tools: accept padded or unpadded input in
// either base64 alphabet.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const B64_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const B64_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// The key-encryption key. Only ever wraps data keys and signing keys.
pub struct MasterKey(Secret32);

impl MasterKey {
    /// A fresh random master key (for `itaku admin` key generation).
    pub fn generate() -> Self {
        Self(Secret32::generate())
    }

    /// Parses a key from configuration: 64 hex digits or base64 (standard or
    /// URL-safe alphabet, padding optional) of exactly 32 bytes. Surrounding
    /// whitespace (a trailing newline in a key file) is ignored.
    pub fn from_encoded(encoded: &str) -> Result<Self> {
        let text = encoded.trim();
        if text.is_empty() {
            return Err(CryptoError::InvalidMasterKey("empty"));
        }
        // 64 hex digits would also be valid base64 (of 48 bytes), so hex is
        // tried first and only at exactly that length.
        let bytes = if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Zeroizing::new(hex::decode(text).map_err(|_| CryptoError::InvalidMasterKey("bad hex"))?)
        } else {
            Zeroizing::new(
                B64_STANDARD
                    .decode(text)
                    .or_else(|_| B64_URL_SAFE.decode(text))
                    .map_err(|_| {
                        CryptoError::InvalidMasterKey("expected 64 hex digits or base64")
                    })?,
            )
        };
        let key = Secret32::from_slice(&bytes).ok_or(CryptoError::InvalidMasterKey(
            "must decode to exactly 32 bytes",
        ))?;
        // An all-zero key is a placeholder left in a config file, not a key.
        if key.expose().iter().all(|&b| b == 0) {
            return Err(CryptoError::InvalidMasterKey("all bytes are zero"));
        }
        Ok(Self(key))
    }

    /// Standard padded base64, as `from_encoded` reads it. This is the secret
    /// itself: write it to the key file, never to a log.
    pub fn to_encoded(&self) -> String {
        STANDARD.encode(self.0.expose())
    }

    /// 16 hex digits identifying the key, safe to log: a domain-separated
    /// SHA-256, so it is not a hash that appears anywhere else.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::new()
            .chain_update(FINGERPRINT_LABEL)
            .chain_update(self.0.expose())
            .finalize();
        hex::encode(&digest[..8])
    }

    pub(crate) fn secret(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({})", self.fingerprint())
    }
}

impl ZeroizeOnDrop for MasterKey {}

/// A vault's data key: encrypts that vault's fields and derives its blind
/// indexes. Field operations live in `field.rs`.
pub struct DataKey(Secret32);

impl DataKey {
    /// A fresh random data key for a new vault.
    pub fn generate() -> Self {
        Self(Secret32::generate())
    }

    /// Encrypts this key under `master`, bound to `vault_id`: the result only
    /// unwraps for the same vault id, so a wrapped key copied into another
    /// vault's row is useless. Output: version ‖ nonce ‖ ciphertext ‖ tag.
    pub fn wrap(&self, master: &MasterKey, vault_id: &str) -> Result<Vec<u8>> {
        sealed::seal(
            master.secret(),
            CONTEXT_DATA_KEY,
            vault_id.as_bytes(),
            self.0.expose(),
        )
    }

    /// Reverses [`DataKey::wrap`]. Fails with [`CryptoError::Decrypt`] for a
    /// wrong master key, another vault's id, or any modification.
    pub fn unwrap(master: &MasterKey, vault_id: &str, wrapped: &[u8]) -> Result<Self> {
        let plain = Zeroizing::new(sealed::open(
            master.secret(),
            CONTEXT_DATA_KEY,
            vault_id.as_bytes(),
            wrapped,
        )?);
        Secret32::from_slice(&plain)
            .map(Self)
            .ok_or(CryptoError::Decrypt)
    }

    pub(crate) fn secret(&self) -> &[u8; KEY_LEN] {
        self.0.expose()
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

impl ZeroizeOnDrop for DataKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_round_trip_and_fingerprint_stable() {
        let key = MasterKey::generate();
        let back = MasterKey::from_encoded(&key.to_encoded()).unwrap();
        assert_eq!(key.secret(), back.secret());
        assert_eq!(key.fingerprint(), back.fingerprint());
        assert_eq!(key.fingerprint().len(), 16);
        assert_ne!(key.fingerprint(), MasterKey::generate().fingerprint());
    }

    #[test]
    fn accepts_hex_and_base64_variants_with_whitespace() {
        let raw: [u8; 32] = core::array::from_fn(|i| 0xf0 ^ i as u8);
        let forms = [
            format!("  {}\n", hex::encode(raw)),
            hex::encode_upper(raw),
            format!("{}\n", STANDARD.encode(raw)),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(raw),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw),
        ];
        for form in &forms {
            let key = MasterKey::from_encoded(form).unwrap();
            assert_eq!(key.secret(), &raw, "{form}");
        }
    }

    #[test]
    fn rejects_bad_input_without_echoing_it() {
        let cases = [
            "",
            "   \n",
            "not a key!!",
            &hex::encode([1u8; 31]),
            &STANDARD.encode([1u8; 33]),
            &hex::encode([0u8; 32]),
        ];
        for case in cases {
            let err = MasterKey::from_encoded(case).unwrap_err();
            assert!(matches!(err, CryptoError::InvalidMasterKey(_)), "{case:?}");
            if case.trim().len() > 3 {
                assert!(!err.to_string().contains(case.trim()));
            }
        }
    }

    #[test]
    fn debug_never_shows_key_bytes() {
        let master = MasterKey::generate();
        let shown = format!("{master:?}");
        assert!(!shown.contains(&master.to_encoded()));
        assert!(!shown.contains(&hex::encode(master.secret())));
        assert!(shown.contains(&master.fingerprint()));
        let data = DataKey::generate();
        assert!(!format!("{data:?}").contains(&hex::encode(data.secret())));
    }

    #[test]
    fn wrap_round_trip() {
        let master = MasterKey::generate();
        let key = DataKey::generate();
        let wrapped = key.wrap(&master, "vault:3").unwrap();
        assert_eq!(wrapped.len(), KEY_LEN + sealed::OVERHEAD);
        let back = DataKey::unwrap(&master, "vault:3", &wrapped).unwrap();
        assert_eq!(back.secret(), key.secret());
    }

    #[test]
    fn wrapped_key_does_not_move_between_vaults_or_masters() {
        let master = MasterKey::generate();
        let wrapped = DataKey::generate().wrap(&master, "vault:3").unwrap();
        assert_eq!(
            DataKey::unwrap(&master, "vault:4", &wrapped).unwrap_err(),
            CryptoError::Decrypt
        );
        assert_eq!(
            DataKey::unwrap(&MasterKey::generate(), "vault:3", &wrapped).unwrap_err(),
            CryptoError::Decrypt
        );
    }

    #[test]
    fn any_flipped_byte_of_a_wrapped_key_fails() {
        let master = MasterKey::generate();
        let wrapped = DataKey::generate().wrap(&master, "vault:1").unwrap();
        for i in 0..wrapped.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = wrapped.clone();
                bad[i] ^= bit;
                assert!(
                    DataKey::unwrap(&master, "vault:1", &bad).is_err(),
                    "byte {i}"
                );
            }
        }
        assert!(DataKey::unwrap(&master, "vault:1", &wrapped[..wrapped.len() - 1]).is_err());
    }
}
