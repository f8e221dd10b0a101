//! Reading a package in two passes. The first pass decrypts and checks
//! everything — sender, signature, addressee, contract, kind, items, every
//! record, count and digest — while spooling the ciphertext; only then is a
//! [`VerifiedPackage`] handed over. Its records come from a second pass
//! over the spooled ciphertext ([`Records`]), which re-checks each record
//! and the digest.

use std::collections::BTreeSet;
use std::io::Read;

use zeroize::Zeroizing;

use crate::agefile::{self, AgeKeys, Unlock};
use crate::container::{PayloadStream, MANIFEST_SIGNING_PREFIX};
use crate::error::{ExchangeError, Result};
use crate::keys::ExchangePublicKey;
use crate::manifest::{Manifest, ManifestHead, Record, FORMAT_VERSION};
use crate::names::{Code, ContractId, PackageKind};
use crate::plain::ItemCodes;
use crate::records::Records;
use crate::scan::{scan_payload, Scanned};
use crate::spool::{Spool, Tee};
use crate::write::PackageSummary;

/// What the importing side expects of a package.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// The contract being imported into.
    pub contract_id: ContractId,
    /// Items that contract's purposes allow.
    pub allowed_items: BTreeSet<Code>,
    /// Provision (contractor side) or return (ward side).
    pub kind: PackageKind,
}

/// A package that passed every check. Records are read by
/// [`Self::into_records`].
pub struct VerifiedPackage {
    summary: PackageSummary,
    sender: ExchangePublicKey,
    spool: Spool,
    file_key: Zeroizing<[u8; 16]>,
}

impl std::fmt::Debug for VerifiedPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedPackage")
            .field("manifest", &self.summary.manifest)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl VerifiedPackage {
    /// The signed manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.summary.manifest
    }

    /// Manifest and its digest, for the ledger and for [`crate::make_receipt`].
    pub fn summary(&self) -> &PackageSummary {
        &self.summary
    }

    /// The trusted key that signed it.
    pub fn sender(&self) -> &ExchangePublicKey {
        &self.sender
    }

    /// The records, in the sender's order.
    pub fn into_records(self) -> Result<Records> {
        let input = agefile::reopen(self.spool.into_reader()?, &self.file_key)?;
        let (stream, _) = PayloadStream::start(input)?;
        Records::start(stream, self.summary.manifest, self.summary.manifest_sha256)
    }

    /// All records at once, for packages known to be small.
    pub fn into_vec(self) -> Result<Vec<Record>> {
        self.into_records()?.collect()
    }
}

/// Opens, decrypts and verifies a package. Returns only when every check
/// has passed; on any error nothing has been handed to the caller.
pub fn read_package<R: Read>(
    input: R,
    unlock: Unlock<'_>,
    trusted_senders: &[ExchangePublicKey],
    expect: &Expectation,
) -> Result<VerifiedPackage> {
    let keys = AgeKeys::from_unlock(&unlock);
    let mut spool = Spool::new();
    let (age, file_key) = agefile::open_remembering(
        Tee {
            input,
            spool: &mut spool,
        },
        &keys,
    )?;
    let (mut stream, head_bytes) = PayloadStream::start(age)?;
    let head: ManifestHead = serde_json::from_slice(&head_bytes)
        .map_err(|_| ExchangeError::corrupted("先頭の送り状を読めません"))?;
    // Refusing on the unsigned head needs no proof, and spares decrypting a
    // gigabyte meant for another contract. Acceptance waits for the signature.
    let sender = check_head(&head, &unlock, trusted_senders, expect)?;

    let Scanned { count, digest } = scan_payload(&mut stream, &ItemCodes::new(&head.items))?;
    let tail = stream.finish()?;

    let mut signed = MANIFEST_SIGNING_PREFIX.to_vec();
    signed.extend_from_slice(&tail.manifest);
    sender
        .verifying_key()
        .verify(&signed, &tail.signature)
        .map_err(|_| ExchangeError::BadSignature)?;
    let manifest: Manifest = serde_json::from_slice(&tail.manifest)
        .map_err(|_| ExchangeError::corrupted("送り状を読めません"))?;
    if manifest.head != head {
        return Err(ExchangeError::corrupted(
            "先頭の送り状と署名付きの送り状が一致しません",
        ));
    }
    check_totals(&manifest, count, &digest)?;

    Ok(VerifiedPackage {
        summary: PackageSummary {
            manifest_sha256: itaku_crypto::sha256_hex(&tail.manifest),
            manifest,
        },
        sender: sender.clone(),
        spool,
        file_key,
    })
}

/// Sender trusted, addressed to us, the expected kind and contract, items
/// within the purpose. Returns the sender's key.
fn check_head<'k>(
    head: &ManifestHead,
    unlock: &Unlock<'_>,
    trusted: &'k [ExchangePublicKey],
    expect: &Expectation,
) -> Result<&'k ExchangePublicKey> {
    if head.format != FORMAT_VERSION {
        return Err(ExchangeError::UnsupportedVersion(format!(
            "送り状 第{}版（この itaku は第{FORMAT_VERSION}版）",
            head.format
        )));
    }
    let sender = trusted
        .iter()
        .find(|k| {
            k.fingerprint().as_str() == head.sender_key_fingerprint
                && *k.org_name() == head.sender_org
        })
        .ok_or_else(|| ExchangeError::UnknownSender {
            org: head.sender_org.to_string(),
            fingerprint: head.sender_key_fingerprint.clone(),
        })?;
    if let Unlock::Identity(me) = unlock {
        // Catches a package re-encrypted and forwarded by its first recipient.
        if head.recipient_org != *me.org_name() {
            return Err(ExchangeError::WrongRecipient);
        }
    }
    if head.kind != expect.kind {
        return Err(ExchangeError::WrongKind {
            expected: expect.kind.to_string(),
            found: head.kind.to_string(),
        });
    }
    if head.contract_id != expect.contract_id {
        return Err(ExchangeError::WrongContract {
            expected: expect.contract_id.to_string(),
            found: format!("{}（{}）", head.contract_id, head.contract_name),
        });
    }
    let outside: Vec<String> = head
        .items
        .difference(&expect.allowed_items)
        .map(|c| c.to_string())
        .collect();
    if !outside.is_empty() {
        return Err(ExchangeError::ItemsOutsidePurpose { items: outside });
    }
    Ok(sender)
}

pub(crate) fn check_totals(manifest: &Manifest, count: u64, digest: &[u8; 32]) -> Result<()> {
    if manifest.record_count != count {
        return Err(ExchangeError::CountMismatch {
            declared: manifest.record_count,
            actual: count,
        });
    }
    if manifest.payload_sha256 != hex::encode(digest) {
        return Err(ExchangeError::DigestMismatch);
    }
    Ok(())
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
