//! Writing a package in one streaming pass: records are serialised into
//! data sections as they come (on a helper thread, see [`crate::encode`]),
//! the digest is computed on the way, and the signed manifest follows the
//! payload. Memory use is bounded by a few data sections, whatever the
//! number of records.

use std::io::Write;
use std::thread;

use crate::agefile::{self, Recipient};
use crate::container::{
    write_preamble, write_section, MANIFEST_SIGNING_PREFIX, MAX_HEAD, TAG_HEAD, TAG_MANIFEST,
    TAG_SIGNATURE,
};
use crate::encode::Encoder;
use crate::error::{ExchangeError, Result};
use crate::keys::ExchangeIdentity;
use crate::manifest::{Manifest, ManifestFields, ManifestHead, Record, FORMAT_VERSION};
use crate::names::PackageId;

/// What the sender keeps on its ledger (and matches a receipt against).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageSummary {
    /// The signed manifest as written or read.
    pub manifest: Manifest,
    /// SHA-256 of the signed manifest bytes, lower-case hex: what a
    /// receipt acknowledges.
    pub manifest_sha256: String,
}

/// Writes a package of `records` from `sender` to `to` on `out`.
///
/// Every record's items must be among `fields.items` and record ids must be
/// unique; otherwise nothing valid is produced and the error says why (the
/// partial output is not a readable package and should be discarded).
pub fn write_package<W: Write>(
    out: W,
    sender: &ExchangeIdentity,
    to: Recipient<'_>,
    fields: ManifestFields,
    records: impl IntoIterator<Item = Record>,
) -> Result<PackageSummary> {
    let head = ManifestHead {
        format: FORMAT_VERSION,
        package_id: PackageId::random(),
        kind: fields.kind,
        created_at: fields.created_at,
        sender_org: sender.org_name().clone(),
        sender_key_fingerprint: sender.public().fingerprint().to_string(),
        recipient_org: to.org_name().clone(),
        contract_id: fields.contract_id,
        contract_name: fields.contract_name,
        purposes: fields.purposes,
        items: fields.items,
    };
    let head_json = serde_json::to_vec(&head).map_err(json_error)?;
    // A reader refuses a longer head (and the manifest, the head plus two
    // numbers, then stays far below its own 1 MiB limit).
    if head_json.len() > MAX_HEAD as usize {
        return Err(ExchangeError::InvalidValue {
            what: "送り状",
            reason: "目的・項目の一覧が長すぎます".into(),
        });
    }

    let mut age = agefile::encrypt(out, &to)?;
    write_preamble(&mut age)?;
    write_section(&mut age, TAG_HEAD, &head_json)?;

    let (count, digest) = thread::scope(|scope| {
        let mut encoder = Encoder::start(scope, &head.items)?;
        for record in records {
            encoder.push(record, &mut age)?;
        }
        encoder.finish(&mut age)
    })?;

    let manifest = Manifest {
        head,
        record_count: count,
        payload_sha256: hex::encode(digest),
    };
    let manifest_json = serde_json::to_vec(&manifest).map_err(json_error)?;
    let mut signed = MANIFEST_SIGNING_PREFIX.to_vec();
    signed.extend_from_slice(&manifest_json);
    write_section(&mut age, TAG_MANIFEST, &manifest_json)?;
    write_section(&mut age, TAG_SIGNATURE, &sender.sign(&signed))?;
    age.finish()?;
    Ok(PackageSummary {
        manifest,
        manifest_sha256: itaku_crypto::sha256_hex(&manifest_json),
    })
}

fn json_error(_: serde_json::Error) -> ExchangeError {
    // Serialising our own structs into memory only fails on I/O to a Vec,
    // which cannot happen; keep a clear message rather than a panic.
    ExchangeError::InvalidValue {
        what: "送り状",
        reason: "JSON に変換できませんでした".into(),
    }
}
