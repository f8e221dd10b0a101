//! Password hashing with Argon2id.
//!
//! Parameters are OWASP's floor for Argon2id (Password Storage Cheat Sheet):
//! m = 47104 KiB (46 MiB), t = 1, p = 1. Stored hashes with weaker
//! parameters or another Argon2 variant/version still verify, and the result
//! says `needs_rehash` so sign-in can upgrade them.

use argon2::password_hash::{
    Error as PhcError, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;

use crate::error::{CryptoError, Result};

/// Memory cost in KiB (46 MiB): OWASP's minimum for Argon2id with t = 1.
pub const ARGON2_M_COST_KIB: u32 = 47_104;
/// Iterations: OWASP's minimum at the memory cost above.
pub const ARGON2_T_COST: u32 = 1;
/// Lanes: OWASP recommends 1; more would not make a single login safer.
pub const ARGON2_P_COST: u32 = 1;
/// Hash output length in bytes.
pub const ARGON2_OUTPUT_LEN: usize = 32;
/// Salt length in bytes (the PHC-recommended 16).
const SALT_LEN_B64: usize = 22;

/// Upper bounds on parameters read from a stored hash, so one corrupted or
/// planted row cannot make a verification allocate gigabytes or spin for
/// minutes (the login form is unauthenticated).
const MAX_M_COST_KIB: u32 = 1 << 20; // 1 GiB
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;

/// A hash of a random, discarded password made with exactly the current
/// parameters; [`dummy_verify`] runs against it so an unknown user costs the
/// same as a known one. A test checks its parameters track the constants.
const DUMMY_PHC: &str =
    "$argon2id$v=19$m=47104,t=1,p=1$YbHCOtwvzDBmWYpu9pv40g$uCA779yG3eR0QjNNjhBzNywMCGq6j8Htc1HokzWKnmk";

/// Outcome of a password check against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password matched. When `needs_rehash`, store a fresh
    /// [`hash_password`] of the same password.
    Valid {
        /// The stored hash is weaker than the current parameters.
        needs_rehash: bool,
    },
    /// The password did not match.
    Invalid,
}

fn current_params() -> Result<Params> {
    Params::new(
        ARGON2_M_COST_KIB,
        ARGON2_T_COST,
        ARGON2_P_COST,
        Some(ARGON2_OUTPUT_LEN),
    )
    .map_err(|_| CryptoError::PasswordHashing)
}

/// Hashes a new password with the current parameters and a random salt,
/// returning a PHC string (`$argon2id$v=19$m=47104,t=1,p=1$…`).
pub fn hash_password(password: &str) -> Result<String> {
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, current_params()?);
    let salt = SaltString::generate(&mut OsRng);
    hasher
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| CryptoError::PasswordHashing)
}

/// Checks `candidate` against a stored PHC string. Errors only when the
/// stored string is unusable; a wrong password is `Ok(Invalid)`.
pub fn verify_password(phc: &str, candidate: &str) -> Result<PasswordCheck> {
    let hash = PasswordHash::new(phc).map_err(|_| CryptoError::MalformedPasswordHash)?;
    let algorithm =
        Algorithm::try_from(hash.algorithm).map_err(|_| CryptoError::MalformedPasswordHash)?;
    let version = match hash.version {
        Some(v) => Version::try_from(v).map_err(|_| CryptoError::MalformedPasswordHash)?,
        // The argon2 crate reads a missing version as the current one; for
        // rehash purposes an unversioned string is treated as outdated.
        None => Version::V0x10,
    };
    let params = Params::try_from(&hash).map_err(|_| CryptoError::MalformedPasswordHash)?;
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return Err(CryptoError::PasswordHashTooCostly);
    }
    match Argon2::default().verify_password(candidate.as_bytes(), &hash) {
        Ok(()) => {
            let output_len = hash.hash.map_or(0, |h| h.len());
            let salt_len = hash.salt.map_or(0, |s| s.len());
            let needs_rehash = algorithm != Algorithm::Argon2id
                || version != Version::V0x13
                || params.m_cost() < ARGON2_M_COST_KIB
                || params.t_cost() < ARGON2_T_COST
                || params.p_cost() < ARGON2_P_COST
                || output_len < ARGON2_OUTPUT_LEN
                || salt_len < SALT_LEN_B64;
            Ok(PasswordCheck::Valid { needs_rehash })
        }
        Err(PhcError::Password) => Ok(PasswordCheck::Invalid),
        Err(_) => Err(CryptoError::MalformedPasswordHash),
    }
}

/// Spends the same work as a real verification and always answers
/// `Invalid`. Call it for unknown users so that response time and response
/// do not reveal which accounts exist.
pub fn dummy_verify(candidate: &str) -> PasswordCheck {
    // The result is ignored on purpose: nobody knows the dummy's password,
    // and even a match must not sign anyone in.
    let _ = std::hint::black_box(verify_password(DUMMY_PHC, candidate));
    PasswordCheck::Invalid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_with(algorithm: Algorithm, version: Version, m: u32, password: &str) -> String {
        let params = Params::new(m, 1, 1, Some(32)).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(algorithm, version, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn hash_uses_documented_parameters_and_verifies() {
        let phc = hash_password("correct horse 馬").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=47104,t=1,p=1$"), "{phc}");
        assert_eq!(
            verify_password(&phc, "correct horse 馬").unwrap(),
            PasswordCheck::Valid {
                needs_rehash: false
            }
        );
        assert_eq!(
            verify_password(&phc, "correct horse 鹿").unwrap(),
            PasswordCheck::Invalid
        );
        // Salts are random: the same password never hashes the same twice.
        assert_ne!(phc, hash_password("correct horse 馬").unwrap());
    }

    #[test]
    fn weaker_parameters_verify_but_need_rehash() {
        let old = hash_with(Algorithm::Argon2id, Version::V0x13, 19_456, "pw");
        assert!(old.contains("m=19456"));
        assert_eq!(
            verify_password(&old, "pw").unwrap(),
            PasswordCheck::Valid { needs_rehash: true }
        );
        assert_eq!(verify_password(&old, "PW").unwrap(), PasswordCheck::Invalid);
    }

    #[test]
    fn other_variant_or_version_needs_rehash() {
        // Small memory keeps the test quick; the variant/version alone must
        // already trigger the rehash, so use the current m here.
        for (alg, ver) in [
            (Algorithm::Argon2i, Version::V0x13),
            (Algorithm::Argon2id, Version::V0x10),
        ] {
            let phc = hash_with(alg, ver, ARGON2_M_COST_KIB, "pw");
            assert_eq!(
                verify_password(&phc, "pw").unwrap(),
                PasswordCheck::Valid { needs_rehash: true },
                "{phc}"
            );
        }
    }

    #[test]
    fn unusable_hashes_are_errors_not_invalid() {
        for phc in [
            "",
            "plaintext-password",
            "$2b$12$abcdefghijklmnopqrstuu9mFjFvH0hX0aV1q3hNf4bZpN6Zb0p7a",
            "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA",
        ] {
            assert_eq!(
                verify_password(phc, "pw"),
                Err(CryptoError::MalformedPasswordHash),
                "{phc}"
            );
        }
        let costly = "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$\
                      AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            verify_password(costly, "pw"),
            Err(CryptoError::PasswordHashTooCostly)
        );
    }

    #[test]
    fn dummy_hash_tracks_current_parameters() {
        let hash = PasswordHash::new(DUMMY_PHC).unwrap();
        let params = Params::try_from(&hash).unwrap();
        assert_eq!(hash.algorithm, Algorithm::Argon2id.ident());
        assert_eq!(hash.version, Some(Version::V0x13.into()));
        assert_eq!(params.m_cost(), ARGON2_M_COST_KIB);
        assert_eq!(params.t_cost(), ARGON2_T_COST);
        assert_eq!(params.p_cost(), ARGON2_P_COST);
        assert_eq!(hash.hash.map(|h| h.len()), Some(ARGON2_OUTPUT_LEN));
        assert_eq!(hash.salt.map(|s| s.len()), Some(SALT_LEN_B64));
        assert_eq!(dummy_verify("anything"), PasswordCheck::Invalid);
    }

    #[test]
    fn dummy_verify_costs_about_as_much_as_a_real_verify() {
        use std::time::Instant;
        // Minimum of a few runs filters scheduler noise on a shared machine;
        // a dummy that skipped the work would be ~1000x faster, not ~1x.
        let phc = hash_password("pw").unwrap();
        let fastest = |f: &dyn Fn()| {
            (0..3)
                .map(|_| {
                    let start = Instant::now();
                    f();
                    start.elapsed()
                })
                .min()
                .unwrap()
        };
        let real = fastest(&|| {
            verify_password(&phc, "wrong").unwrap();
        });
        let dummy = fastest(&|| {
            dummy_verify("wrong");
        });
        assert!(dummy * 3 >= real, "dummy {dummy:?} vs real {real:?}");
        assert!(real * 3 >= dummy, "dummy {dummy:?} vs real {real:?}");
    }
}
