//! Writing a package in one streaming pass: records are serialised into
//! data sections as they come, the digest is computed on the way, and the
//! signed manifest follows the payload. Memory use is bounded by one data
//! section, whatever the number of records.

use std::collections::BTreeSet;
use std::io::Write;

use sha2::{Digest, Sha256};

use crate::agefile::{self, Recipient};
use crate::container::{
    write_preamble, write_section, DATA_TARGET, MANIFEST_SIGNING_PREFIX, MAX_HEAD, MAX_LINE,
    TAG_DATA, TAG_HEAD, TAG_MANIFEST, TAG_SIGNATURE,
};
use crate::error::{ExchangeError, Result};
use crate::ids::IdSet;
use crate::jsonl::push_record;
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

    let mut hasher = Sha256::new();
    let mut chunk: Vec<u8> = Vec::with_capacity(DATA_TARGET + 4096);
    let mut ids = IdSet::new();
    let mut count: u64 = 0;
    for record in records {
        count += 1;
        check_items(&record, &head.items)?;
        if !ids.insert(record.id.as_str()) {
            return Err(ExchangeError::MalformedRecord {
                line: count,
                reason: "レコード番号が重複しています".into(),
            });
        }
        let start = chunk.len();
        push_record(&mut chunk, &record);
        chunk.push(b'\n');
        if chunk.len() - start - 1 > MAX_LINE {
            return Err(ExchangeError::MalformedRecord {
                line: count,
                reason: "1 件が 1 MiB を超えています".into(),
            });
        }
        if chunk.len() >= DATA_TARGET {
            hasher.update(&chunk);
            write_section(&mut age, TAG_DATA, &chunk)?;
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        hasher.update(&chunk);
        write_section(&mut age, TAG_DATA, &chunk)?;
    }

    let manifest = Manifest {
        head,
        record_count: count,
        payload_sha256: hex::encode(hasher.finalize()),
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

fn check_items(record: &Record, allowed: &BTreeSet<crate::Code>) -> Result<()> {
    // Both sides are sorted: one walk, no allocation, for the usual case.
    let mut allowed_codes = allowed.iter().peekable();
    let all_allowed = record.values.keys().all(|code| {
        while allowed_codes.next_if(|a| *a < code).is_some() {}
        allowed_codes.next_if_eq(&code).is_some()
    });
    if all_allowed {
        return Ok(());
    }
    let outside: Vec<String> = record
        .values
        .keys()
        .filter(|k| !allowed.contains(*k))
        .map(|k| k.to_string())
        .collect();
    if outside.is_empty() {
        Ok(())
    } else {
        Err(ExchangeError::ItemsOutsidePurpose { items: outside })
    }
}

fn json_error(_: serde_json::Error) -> ExchangeError {
    // Serialising our own structs into memory only fails on I/O to a Vec,
    // which cannot happen; keep a clear message rather than a panic.
    ExchangeError::InvalidValue {
        what: "送り状",
        reason: "JSON に変換できませんでした".into(),
    }
}
