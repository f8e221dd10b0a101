//! The bot check of the public form, with no outside service: a
//! proof-of-work challenge. The server hands out `expires.nonce.mac`
//! (signed with a key only it holds, valid for a while); the browser's
//! script finds a counter whose SHA-256 over `challenge:counter` starts
//! with `POW_BITS` zero bits and sends it with the form; the server checks
//! the signature, the time, the work, and that the nonce was not used
//! before (single use: the used nonce is stored with the registration).
//! A honeypot field that people never see and scripts fill in is refused
//! too. Without JavaScript the counter is missing and the form is refused
//! with a message saying so.

use crate::error::{Result, ServiceError};
use crate::Service;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};

/// Leading zero bits the work must reach: about 65,000 hashes on average,
/// well under a second in a phone's browser, and a cost per submission a
/// bulk sender notices.
pub const POW_BITS: u32 = 16;
/// How long a challenge stays good: time to read the notice and type.
pub const CHALLENGE_MINUTES: i64 = 60;

/// A submission's proof: the challenge as issued, the counter found, and
/// the honeypot field's content (must be empty).
#[derive(Debug, Clone, Default)]
pub struct BotProof {
    pub challenge: String,
    pub counter: String,
    pub honeypot: String,
}

fn refused() -> ServiceError {
    ServiceError::Invalid(
        "送信を確認できませんでした。お手数ですが、ページを開き直してもう一度お申し込みください（JavaScript を有効にしてください）。".into(),
    )
}

/// Leading zero bits of `h`.
fn zero_bits(h: &[u8]) -> u32 {
    let mut n = 0;
    for b in h {
        if *b == 0 {
            n += 8;
        } else {
            n += b.leading_zeros();
            break;
        }
    }
    n
}

/// Does `counter` do the work for `challenge`?
pub fn work_done(challenge: &str, counter: &str, bits: u32) -> bool {
    let h = itaku_crypto::sha256(format!("{challenge}:{counter}").as_bytes());
    zero_bits(&h) >= bits
}

/// Find the counter (what the browser's script does; tests and the
/// command line use this).
pub fn solve(challenge: &str, bits: u32) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|c| work_done(challenge, c, bits))
        .unwrap_or_default()
}

impl Service {
    fn challenge_mac(&self, body: &str) -> String {
        URL_SAFE_NO_PAD.encode(
            self.inner
                .user_secrets
                .blind_index("seminar-challenge", body),
        )
    }

    /// A fresh challenge for the public form.
    pub fn bot_challenge(&self) -> String {
        let expires = (self.now() + Duration::minutes(CHALLENGE_MINUTES)).timestamp();
        let nonce = itaku_crypto::random_token();
        let body = format!("{expires}.{nonce}");
        format!("{body}.{}", self.challenge_mac(&body))
    }

    /// Check a proof; the nonce to spend (inside the registration's
    /// transaction) if it holds.
    pub(super) fn check_proof(&self, proof: &BotProof, now: DateTime<Utc>) -> Result<String> {
        if !proof.honeypot.trim().is_empty() {
            return Err(refused());
        }
        let mut parts = proof.challenge.splitn(3, '.');
        let (Some(exp), Some(nonce), Some(mac)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(refused());
        };
        let body = format!("{exp}.{nonce}");
        let good_mac =
            itaku_crypto::constant_time_eq(self.challenge_mac(&body).as_bytes(), mac.as_bytes());
        let fresh = exp.parse::<i64>().is_ok_and(|e| now.timestamp() <= e);
        if !good_mac || !fresh || !work_done(&proof.challenge, &proof.counter, POW_BITS) {
            return Err(refused());
        }
        Ok(nonce.to_owned())
    }
}

/// Submissions one client address may make to the public forms in
/// `RATE_WINDOW_MINUTES` (registrations and cancellations together): a
/// family registering several people fits, a flood does not.
pub const RATE_LIMIT: i64 = 10;
pub const RATE_WINDOW_MINUTES: i64 = 10;

impl Service {
    /// Count a public submission from `ip`; false when the address is over
    /// the limit (the page answers 429). Stored by keyed hash, kept for the
    /// window only, shared by every server on the database.
    pub async fn public_attempt(&self, ip: Option<std::net::IpAddr>) -> Result<bool> {
        let now = self.now();
        let who = ip.map(|i| i.to_string()).unwrap_or_default();
        let client = hex::encode(self.inner.user_secrets.blind_index("seminar-rate", &who));
        let since = crate::time::ts(now - Duration::minutes(RATE_WINDOW_MINUTES));
        let mut tx = self.inner.store.begin().await?;
        let n = tx
            .note_attempt(&client, &crate::time::ts(now), &since)
            .await?;
        tx.commit().await?;
        Ok(n <= RATE_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_is_checked() {
        let c = "123.abc.def";
        let counter = solve(c, 8);
        assert!(work_done(c, &counter, 8));
        assert!(!work_done(c, "not-a-solution-xyz", 30));
        assert_eq!(zero_bits(&[0, 0x0f]), 12);
    }
}
