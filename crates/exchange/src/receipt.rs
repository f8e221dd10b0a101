//! Receipts (受領書): the receiver signs which package it got, so the
//! sender can close the entry on its ledger (授受簿).
//!
//! The signature covers a fixed line-based text, not JSON, so any
//! implementation can rebuild the exact bytes from the fields:
//!
//! ```text
//! itaku-exchange-receipt/1
//! package_id: <32 hex>
//! manifest_sha256: <64 hex>
//! record_count: <decimal>
//! received_at: <RFC 3339>
//! receiver_org: <name>
//! receiver_key_fingerprint: <XXXX-…>
//! ```
//!
//! each line ending in `\n`. No field can contain a newline (the types
//! refuse control characters), so the text is unambiguous.

use serde::{Deserialize, Serialize};

use crate::error::{ExchangeError, Result};
use crate::keys::{ExchangeIdentity, ExchangePublicKey};
use crate::names::{OrgName, PackageId, Timestamp};
use crate::write::PackageSummary;

const RECEIPT_FORMAT: &str = "itaku-exchange-receipt/1";

/// A signed acknowledgement of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// The package received.
    pub package_id: PackageId,
    /// SHA-256 of its signed manifest, lower-case hex.
    pub manifest_sha256: String,
    /// Records received.
    pub record_count: u64,
    /// When (the receiver's clock).
    pub received_at: Timestamp,
    /// The receiving organisation.
    pub receiver_org: OrgName,
    /// Fingerprint of the receiver's public key.
    pub receiver_key_fingerprint: String,
    /// Ed25519 signature over [`Receipt::signed_text`], lower-case hex.
    pub signature: String,
}

impl Receipt {
    /// The exact text the signature covers.
    pub fn signed_text(&self) -> String {
        format!(
            "{RECEIPT_FORMAT}\npackage_id: {}\nmanifest_sha256: {}\nrecord_count: {}\nreceived_at: {}\nreceiver_org: {}\nreceiver_key_fingerprint: {}\n",
            self.package_id,
            self.manifest_sha256,
            self.record_count,
            self.received_at,
            self.receiver_org,
            self.receiver_key_fingerprint,
        )
    }

    /// JSON, to send back to the sender.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses [`Self::to_json`]'s output.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text)
            .map_err(|_| ExchangeError::BadReceipt("受領書のファイルを読めません".into()))
    }
}

/// The receiver's signed receipt for `package` (from
/// [`crate::VerifiedPackage::summary`]).
pub fn make_receipt(
    me: &ExchangeIdentity,
    package: &PackageSummary,
    received_at: Timestamp,
) -> Receipt {
    let mut receipt = Receipt {
        package_id: package.manifest.head.package_id.clone(),
        manifest_sha256: package.manifest_sha256.clone(),
        record_count: package.manifest.record_count,
        received_at,
        receiver_org: me.org_name().clone(),
        receiver_key_fingerprint: me.public().fingerprint().to_string(),
        signature: String::new(),
    };
    receipt.signature = hex::encode(me.sign(receipt.signed_text().as_bytes()));
    receipt
}

/// Checks that `receipt` was signed by `receiver` and acknowledges exactly
/// the package in `original` (the sender's own summary from
/// [`crate::write_package`]).
pub fn verify_receipt(
    receipt: &Receipt,
    receiver: &ExchangePublicKey,
    original: &PackageSummary,
) -> Result<()> {
    if receipt.receiver_key_fingerprint != receiver.fingerprint().as_str()
        || receipt.receiver_org != *receiver.org_name()
    {
        return Err(ExchangeError::BadReceipt(
            "受領先の鍵が登録済みの公開鍵と違います".into(),
        ));
    }
    let signature = hex::decode(&receipt.signature)
        .map_err(|_| ExchangeError::BadReceipt("署名が16進数ではありません".into()))?;
    receiver
        .verifying_key()
        .verify(receipt.signed_text().as_bytes(), &signature)
        .map_err(|_| ExchangeError::BadReceipt("署名が正しくありません".into()))?;
    let head = &original.manifest.head;
    if receipt.package_id != head.package_id {
        return Err(ExchangeError::BadReceipt(
            "受け渡し番号が台帳と違います".into(),
        ));
    }
    if receipt.receiver_org != head.recipient_org {
        return Err(ExchangeError::BadReceipt("受領先が送付先と違います".into()));
    }
    if receipt.manifest_sha256 != original.manifest_sha256 {
        return Err(ExchangeError::BadReceipt(
            "送り状のハッシュ値が台帳と違います".into(),
        ));
    }
    if receipt.record_count != original.manifest.record_count {
        return Err(ExchangeError::BadReceipt(format!(
            "件数が台帳と違います（台帳 {} 件、受領書 {} 件）",
            original.manifest.record_count, receipt.record_count
        )));
    }
    Ok(())
}
