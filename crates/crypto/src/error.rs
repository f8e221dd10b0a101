//! The crate's single error type.
//!
//! Messages are fixed strings on purpose: no variant can carry key material,
//! plaintext, passwords or the offending input, so errors are safe to log and
//! to bubble up to the service layer's own error type.

use thiserror::Error;

/// Everything that can go wrong in `itaku-crypto`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// A master key from configuration could not be parsed; the reason is a
    /// fixed description, never the input.
    #[error("invalid master key: {0}")]
    InvalidMasterKey(&'static str),

    /// Authenticated decryption failed. Deliberately one variant for every
    /// cause so the error is not an oracle for which one it was.
    #[error("decryption failed: wrong key, wrong record identity or tampered data")]
    Decrypt,

    /// Encryption refused its input (only for absurdly long plaintexts).
    #[error("encryption failed: plaintext too long")]
    Encrypt,

    /// A sealed or wrapped value carries a format version this build cannot read.
    #[error("unsupported ciphertext format version {0}")]
    UnsupportedFormat(u8),

    /// Bytes that should hold a key or signature have the wrong length or form.
    #[error("invalid {what}: expected {expected} bytes")]
    InvalidLength {
        /// What was being parsed, e.g. "signing key".
        what: &'static str,
        /// The length required.
        expected: usize,
    },

    /// A stored password hash is not a PHC string this crate can verify.
    #[error("malformed or unsupported password hash")]
    MalformedPasswordHash,

    /// A stored password hash asks for more memory/time than this crate will
    /// spend on one verification (guards against a corrupted or hostile row).
    #[error("password hash parameters exceed the allowed maximum")]
    PasswordHashTooCostly,

    /// Argon2 failed while hashing a new password.
    #[error("password hashing failed")]
    PasswordHashing,

    /// A TOTP secret is not valid RFC 4648 base32 or has an unusable length.
    #[error("invalid TOTP secret: {0}")]
    InvalidTotpSecret(&'static str),

    /// An Ed25519 public key is malformed or of small order.
    #[error("invalid Ed25519 public key")]
    InvalidPublicKey,

    /// An Ed25519 signature does not verify.
    #[error("signature verification failed")]
    BadSignature,
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, CryptoError>;
