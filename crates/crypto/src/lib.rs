//! Cryptography for itaku: vault keys (envelope encryption), field AEAD bound
//! to the record's identity, blind indexes, Argon2id passwords, TOTP,
//! Ed25519 signatures, the audit hash chain and session tokens.
//!
//! Every secret type wipes itself on drop and prints no key material through
//! `Debug`; every error is a [`CryptoError`] with a fixed message.

mod base32;
pub mod chain;
mod error;
mod field;
pub mod keys;
mod mac;
pub mod password;
mod random;
mod sealed;
mod secret;
pub mod sign;
pub mod token;
pub mod totp;

pub use chain::{chain_hash, sha256, sha256_hex, GENESIS};
pub use error::{CryptoError, Result};
pub use keys::{DataKey, MasterKey};
pub use password::{dummy_verify, hash_password, verify_password, PasswordCheck};
pub use random::array as random_bytes;
pub use sign::{SigningKey, VerifyingKey, SIGNATURE_LEN};
pub use token::{constant_time_eq, random_token, token_digest};
pub use totp::TotpSecret;

/// Bytes a sealed field or wrapped key adds to its plaintext
/// (version 1 + nonce 24 + tag 16), for sizing columns.
pub const SEAL_OVERHEAD: usize = sealed::OVERHEAD;
