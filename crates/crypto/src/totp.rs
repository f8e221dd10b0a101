//! RFC 6238 TOTP (HMAC-SHA1, 30-second step, 6 digits), written directly on
//! `hmac` + `sha1` so the replay rule is ours: each accepted step is returned
//! to the caller, who stores it and passes it back to refuse reuse.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::base32;
use crate::error::{CryptoError, Result};
use crate::mac::{hmac_sha1, MAX_KEY_LEN};
use crate::random;
use crate::token::constant_time_eq;

/// Seconds per time step (RFC 6238's default; what every app assumes).
pub const TOTP_STEP_SECS: u64 = 30;
/// Digits per code.
pub const TOTP_DIGITS: u32 = 6;
/// Length of generated secrets: 160 bits, RFC 4226's recommendation.
pub const TOTP_SECRET_LEN: usize = 20;
/// RFC 4226 requires at least 128 bits of shared secret.
const MIN_SECRET_LEN: usize = 16;

/// A user's TOTP shared secret. Wiped on drop, never printed by `Debug`.
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A fresh 20-byte secret for enrolment.
    pub fn generate() -> Self {
        Self(random::array::<TOTP_SECRET_LEN>().to_vec())
    }

    /// Unpadded RFC 4648 base32, as shown to the user and stored (encrypted).
    pub fn to_base32(&self) -> String {
        base32::encode(&self.0)
    }

    /// Parses base32 (case-insensitive, spaces and padding tolerated) of a
    /// 16–64 byte secret.
    pub fn from_base32(text: &str) -> Result<Self> {
        let bytes = base32::decode(text).map_err(CryptoError::InvalidTotpSecret)?;
        // Up to one HMAC block, so the key is never pre-hashed (see mac.rs).
        if !(MIN_SECRET_LEN..=MAX_KEY_LEN).contains(&bytes.len()) {
            return Err(CryptoError::InvalidTotpSecret("must be 16 to 64 bytes"));
        }
        Ok(Self(bytes.to_vec()))
    }

    /// The enrolment URI for a QR code (Key URI Format). Contains the
    /// secret: show it once, never log it.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        let issuer = percent_encode(issuer);
        format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
             &algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECS}",
            account = percent_encode(account),
            secret = self.to_base32(),
        )
    }

    /// The code for the step containing `unix_secs`.
    pub fn code_at(&self, unix_secs: u64) -> String {
        self.code_for_step(unix_secs / TOTP_STEP_SECS, TOTP_DIGITS)
    }

    /// Accepts `code` for the current step or one step either side (clock
    /// drift), but never for a step ≤ `last_used_step`, so each code works
    /// once and an older code cannot follow a newer one. Returns the matched
    /// step; the caller must store it as the new `last_used_step` in the
    /// same transaction as the sign-in.
    pub fn verify(&self, code: &str, unix_secs: u64, last_used_step: Option<u64>) -> Option<u64> {
        let code: String = code.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if code.len() != TOTP_DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let now = unix_secs / TOTP_STEP_SECS;
        let candidates = [now.checked_sub(1), Some(now), now.checked_add(1)];
        let mut matched = None;
        // Every candidate is computed and compared, so timing does not tell
        // which window slot matched.
        for step in candidates.into_iter().flatten() {
            let fresh = last_used_step.is_none_or(|last| step > last);
            let equal = constant_time_eq(
                self.code_for_step(step, TOTP_DIGITS).as_bytes(),
                code.as_bytes(),
            );
            if fresh && equal && matched.is_none() {
                matched = Some(step);
            }
        }
        matched
    }

    /// RFC 4226 HOTP with dynamic truncation; `digits` is a parameter only so
    /// the RFC 6238 8-digit vectors can be checked.
    fn code_for_step(&self, step: u64, digits: u32) -> String {
        let mac = hmac_sha1(&self.0, &step.to_be_bytes());
        let offset = usize::from(mac[19] & 0x0f);
        let word = [
            mac[offset],
            mac[offset + 1],
            mac[offset + 2],
            mac[offset + 3],
        ];
        let binary = u32::from_be_bytes(word) & 0x7fff_ffff;
        let code = binary % 10u32.pow(digits);
        format!("{code:0width$}", width = digits as usize)
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl Drop for TotpSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for TotpSecret {}

/// Percent-encodes everything but RFC 3986 unreserved characters, so ':'
/// (the label separator), '&', '?' and Japanese names are all safe.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// base32("12345678901234567890"), the RFC 6238 SHA-1 seed.
    const RFC_SEED: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_base32(RFC_SEED).unwrap()
    }

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let secret = rfc_secret();
        for (time, expected) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(secret.code_for_step(time / 30, 8), expected, "T={time}");
            // The 6-digit code is the same value mod 10^6.
            assert_eq!(secret.code_at(time), expected[2..], "T={time}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let secret = rfc_secret();
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(secret.code_for_step(counter as u64, 6), *code);
        }
    }

    #[test]
    fn accepts_window_and_returns_step() {
        let secret = rfc_secret();
        let t = 1_111_111_111;
        let step = t / 30;
        assert_eq!(secret.verify(&secret.code_at(t), t, None), Some(step));
        assert_eq!(
            secret.verify(&secret.code_at(t - 30), t, None),
            Some(step - 1)
        );
        assert_eq!(
            secret.verify(&secret.code_at(t + 30), t, None),
            Some(step + 1)
        );
        assert_eq!(secret.verify(&secret.code_at(t - 60), t, None), None);
        assert_eq!(secret.verify(&secret.code_at(t + 60), t, None), None);
        // Spaces as typed from a grouped display are tolerated.
        let code = secret.code_at(t);
        assert_eq!(
            secret.verify(&format!("{} {}", &code[..3], &code[3..]), t, None),
            Some(step)
        );
    }

    #[test]
    fn replay_and_older_codes_are_refused() {
        let secret = rfc_secret();
        let t = 1_234_567_890;
        let code = secret.code_at(t);
        let used = secret.verify(&code, t, None).unwrap();
        assert_eq!(secret.verify(&code, t, Some(used)), None);
        assert_eq!(secret.verify(&code, t + 10, Some(used)), None);
        // A still-in-window previous-step code is refused once a later step was used.
        assert_eq!(secret.verify(&secret.code_at(t - 30), t, Some(used)), None);
        // The next step's code is still fine.
        assert_eq!(
            secret.verify(&secret.code_at(t + 30), t + 30, Some(used)),
            Some(used + 1)
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        let secret = rfc_secret();
        let t = 59;
        let code = secret.code_at(t);
        for bad in ["", "12345", "1234567", "abcdef", "９４２８７０"] {
            assert_eq!(secret.verify(bad, t, None), None, "{bad}");
        }
        assert_eq!(secret.verify(&format!("{code}0"), t, None), None);
        assert_eq!(TotpSecret::generate().verify(&code, t, None), None);
    }

    #[test]
    fn early_epoch_does_not_underflow() {
        let secret = rfc_secret();
        assert_eq!(secret.verify(&secret.code_at(0), 0, None), Some(0));
    }

    #[test]
    fn base32_round_trip_and_length_limits() {
        let secret = TotpSecret::generate();
        let text = secret.to_base32();
        assert_eq!(text.len(), 32);
        assert_eq!(TotpSecret::from_base32(&text).unwrap().0, secret.0);
        assert!(TotpSecret::from_base32(&base32::encode(&[1; 15])).is_err());
        assert!(TotpSecret::from_base32(&base32::encode(&[1; 65])).is_err());
        assert!(TotpSecret::from_base32(&base32::encode(&[1; 64])).is_ok());
        assert!(TotpSecret::from_base32("not base32!").is_err());
    }

    #[test]
    fn uri_encodes_labels_and_carries_parameters() {
        let secret = rfc_secret();
        let uri = secret.otpauth_uri("○○区 健康推進課", "yamada:taro&x");
        assert_eq!(
            uri,
            "otpauth://totp/%E2%97%8B%E2%97%8B%E5%8C%BA%20%E5%81%A5%E5%BA%B7%E6%8E%A8%E9%80%B2%E8%AA%B2:\
             yamada%3Ataro%26x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=%E2%97%8B%E2%97%8B%E5%8C%BA%20%E5%81%A5%E5%BA%B7%E6%8E%A8%E9%80%B2%E8%AA%B2\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn debug_is_redacted() {
        let secret = rfc_secret();
        let shown = format!("{secret:?}");
        assert!(!shown.contains(RFC_SEED));
        assert!(!shown.contains("1234567890"));
    }
}
