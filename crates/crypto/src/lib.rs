//! Vault keys, field encryption, passwords, TOTP, signatures.
