//! Ed25519 signatures for audit checkpoints, manifests and certificates of
//! erasure. The signing key is stored wrapped by the master key; the
//! verifying key is published and read out of band by its fingerprint.

use std::fmt;

use ed25519_dalek::Signer;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::error::{CryptoError, Result};
use crate::keys::MasterKey;
use crate::sealed::{self, CONTEXT_SIGNING_KEY};

/// Length of a signature in bytes.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a signing (secret) or verifying (public) key in bytes.
pub const ED25519_KEY_LEN: usize = 32;

/// The system's signing key. Wiped on drop (ed25519-dalek's `zeroize`
/// feature), never printed by `Debug`.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(ed25519_dalek::SigningKey::generate(&mut OsRng))
    }

    /// From the 32-byte secret seed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let seed: Zeroizing<[u8; ED25519_KEY_LEN]> =
            Zeroizing::new(bytes.try_into().map_err(|_| CryptoError::InvalidLength {
                what: "signing key",
                expected: ED25519_KEY_LEN,
            })?);
        Ok(Self(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The 32-byte secret seed, wiped when the returned value drops.
    pub fn to_bytes(&self) -> Zeroizing<[u8; ED25519_KEY_LEN]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// Encrypts the seed under `master`, bound to `key_id`, for storage.
    /// Uses a different context than data-key wrapping, so neither kind of
    /// wrapped blob can be unwrapped as the other.
    pub fn wrap(&self, master: &MasterKey, key_id: &str) -> Result<Vec<u8>> {
        sealed::seal(
            master.secret(),
            CONTEXT_SIGNING_KEY,
            key_id.as_bytes(),
            self.to_bytes().as_slice(),
        )
    }

    /// Reverses [`SigningKey::wrap`].
    pub fn unwrap(master: &MasterKey, key_id: &str, wrapped: &[u8]) -> Result<Self> {
        let seed = Zeroizing::new(sealed::open(
            master.secret(),
            CONTEXT_SIGNING_KEY,
            key_id.as_bytes(),
            wrapped,
        )?);
        Self::from_bytes(&seed).map_err(|_| CryptoError::Decrypt)
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(self.0.verifying_key())
    }

    /// Signs `message` (deterministic Ed25519, RFC 8032).
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SigningKey(public {})",
            self.verifying_key().fingerprint()
        )
    }
}

impl ZeroizeOnDrop for SigningKey {}

/// A published Ed25519 public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl VerifyingKey {
    /// From 32 bytes; refuses malformed points and small-order ("weak")
    /// keys, for which forged signatures would be trivial.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let array: &[u8; ED25519_KEY_LEN] =
            bytes.try_into().map_err(|_| CryptoError::InvalidLength {
                what: "verifying key",
                expected: ED25519_KEY_LEN,
            })?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(array)
            .map_err(|_| CryptoError::InvalidPublicKey)?;
        if key.is_weak() {
            return Err(CryptoError::InvalidPublicKey);
        }
        Ok(Self(key))
    }

    /// The 32-byte encoding.
    pub fn to_bytes(&self) -> [u8; ED25519_KEY_LEN] {
        self.0.to_bytes()
    }

    /// Checks a 64-byte signature with `verify_strict`, which also rejects
    /// malleable (non-canonical) signatures.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let bytes: &[u8; SIGNATURE_LEN] = signature
            .try_into()
            .map_err(|_| CryptoError::BadSignature)?;
        let signature = ed25519_dalek::Signature::from_bytes(bytes);
        self.0
            .verify_strict(message, &signature)
            .map_err(|_| CryptoError::BadSignature)
    }

    /// SHA-256 of the key in groups of four hex digits
    /// (`"1a2b 3c4d …"`, 16 groups), for reading aloud or comparing on paper.
    pub fn fingerprint(&self) -> String {
        let digest = hex::encode(Sha256::digest(self.0.as_bytes()));
        let groups: Vec<&str> = digest
            .as_bytes()
            .chunks(4)
            .filter_map(|chunk| std::str::from_utf8(chunk).ok())
            .collect();
        groups.join(" ")
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({})", hex::encode(self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let key = SigningKey::generate();
        let public = key.verifying_key();
        let signature = key.sign(b"checkpoint 42");
        assert_eq!(public.verify(b"checkpoint 42", &signature), Ok(()));
    }

    #[test]
    fn flipped_message_byte_fails() {
        let key = SigningKey::generate();
        let message = b"certificate of erasure: contract 7".to_vec();
        let signature = key.sign(&message);
        for i in 0..message.len() {
            let mut bad = message.clone();
            bad[i] ^= 0x01;
            assert_eq!(
                key.verifying_key().verify(&bad, &signature),
                Err(CryptoError::BadSignature)
            );
        }
    }

    #[test]
    fn flipped_signature_or_other_key_fails() {
        let key = SigningKey::generate();
        let signature = key.sign(b"m");
        for i in 0..SIGNATURE_LEN {
            let mut bad = signature;
            bad[i] ^= 0x80;
            assert!(key.verifying_key().verify(b"m", &bad).is_err(), "byte {i}");
        }
        assert!(SigningKey::generate()
            .verifying_key()
            .verify(b"m", &signature)
            .is_err());
        assert!(key.verifying_key().verify(b"m", &signature[..63]).is_err());
    }

    #[test]
    fn rfc8032_test_1() {
        let secret =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap();
        let key = SigningKey::from_bytes(&secret).unwrap();
        assert_eq!(
            hex::encode(key.verifying_key().to_bytes()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex::encode(key.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn bytes_round_trip() {
        let key = SigningKey::generate();
        let again = SigningKey::from_bytes(key.to_bytes().as_slice()).unwrap();
        assert_eq!(again.sign(b"x"), key.sign(b"x"));
        let public = VerifyingKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        assert_eq!(public, key.verifying_key());
        assert!(SigningKey::from_bytes(&[1; 31]).is_err());
        assert!(VerifyingKey::from_bytes(&[1; 33]).is_err());
    }

    #[test]
    fn weak_public_key_refused() {
        // The identity point: every signature "verifies" against a small-order key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            VerifyingKey::from_bytes(&identity),
            Err(CryptoError::InvalidPublicKey)
        );
    }

    #[test]
    fn wrap_round_trip_and_binding() {
        let master = MasterKey::generate();
        let key = SigningKey::generate();
        let wrapped = key.wrap(&master, "audit-2027").unwrap();
        let again = SigningKey::unwrap(&master, "audit-2027", &wrapped).unwrap();
        assert_eq!(again.verifying_key(), key.verifying_key());
        assert!(SigningKey::unwrap(&master, "audit-2028", &wrapped).is_err());
        // A wrapped signing key is not a wrapped data key, and vice versa.
        assert!(crate::keys::DataKey::unwrap(&master, "audit-2027", &wrapped).is_err());
        let data = crate::keys::DataKey::generate()
            .wrap(&master, "audit-2027")
            .unwrap();
        assert!(SigningKey::unwrap(&master, "audit-2027", &data).is_err());
    }

    #[test]
    fn fingerprint_format_and_redacted_debug() {
        let key = SigningKey::generate();
        let fp = key.verifying_key().fingerprint();
        assert_eq!(fp.len(), 16 * 4 + 15);
        assert!(fp.split(' ').all(|g| g.len() == 4));
        assert_eq!(
            fp.replace(' ', ""),
            hex::encode(Sha256::digest(key.verifying_key().to_bytes()))
        );
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode(*key.to_bytes())));
    }
}
