//! Exchange packages between two itaku installations: a ward (甲) and its
//! contractor (乙) on the closed government network (LGWAN), or on
//! removable media. A **provision** carries records of a frozen list with
//! only the items the contract's purposes allow; a **return** carries
//! results back. Pure library: no database, no network, no clock.
//!
//! # Keys
//! Each organisation has an [`ExchangeIdentity`] (an age X25519 identity to
//! receive, an Ed25519 key to sign). Its public half, an
//! [`ExchangePublicKey`], travels as a small TOML file; both sides read its
//! [`Fingerprint`] aloud by phone before trusting it.
//!
//! # File format (version 1)
//! A package is an [age v1](https://age-encryption.org/v1) file, encrypted
//! either to the recipient's X25519 key or to a passphrase (scrypt, work
//! factor between [`MIN_WORK_FACTOR`] and [`MAX_WORK_FACTOR`]). A reader
//! also accepts the ASCII-armoured form. The age plaintext is:
//!
//! ```text
//! magic      10 bytes  "ITAKU-XCHG"
//! version     2 bytes  big-endian u16, = 1
//! sections   each: tag (1 byte ASCII) | length (4 bytes big-endian u32) | body
//!   'H'  once, first      1..=65536 bytes   head: JSON, see ManifestHead
//!   'D'  zero or more     1..=4 MiB each    the next bytes of the payload
//!   'M'  once             1..=1 MiB         manifest: JSON, see Manifest
//!   'S'  once, last       exactly 64 bytes  Ed25519 signature
//! end of plaintext (nothing may follow 'S')
//! ```
//!
//! * **Payload**: the data sections' bodies concatenated; JSON Lines, one
//!   record per line, every line (the last too) ending in `\n`, each line at
//!   most 1 MiB: `{"id":"<sender's record id>","values":{"shimei":"…",…}}`.
//!   Items without a value are absent; no key repeats. Section boundaries
//!   carry no meaning (a line may span two sections).
//! * **Manifest** (`M`): `{"head":{…},"record_count":N,"payload_sha256":"<hex>"}`
//!   where `head` has the fields of [`ManifestHead`]: `format`, `package_id`,
//!   `kind` (`provision`|`return`), `created_at` (RFC 3339), `sender_org`,
//!   `sender_key_fingerprint`, `recipient_org`, `contract_id`,
//!   `contract_name`, `purposes`, `items`. Unknown fields are refused.
//! * **Signature** (`S`): Ed25519 (RFC 8032) by the sender over the bytes
//!   `"itaku-exchange/1 manifest\n"` followed by the `M` body exactly as
//!   stored; no re-serialisation is involved.
//! * **Head** (`H`): the manifest's `head` again, unsigned, so that a reader
//!   can refuse early (unknown sender, wrong contract, items outside the
//!   purpose) without decrypting the whole payload. A reader accepts a
//!   package only if the signed `head` equals it.
//!
//! The manifest follows the payload so a writer can stream any amount of
//! data in one pass without a temporary file. A reader therefore verifies
//! the whole file before releasing anything: [`read_package`] decrypts
//! once to check every record, the count, the digest and the signature
//! (spooling the ciphertext — never plaintext — to a temporary file), and
//! only then returns a [`VerifiedPackage`], whose records come from a
//! second decryption of the spooled copy.
//!
//! Writing and each reading pass use one helper thread beside the
//! caller's. The caller's `Read`, `Write` and record iterator are used on
//! the caller's thread only; encoding, hashing and checking records, and
//! on the second pass decrypting our own spooled copy, run on the helper.
//!
//! # Receipts
//! The receiver returns a signed [`Receipt`] naming the package id, the
//! manifest's SHA-256 and the record count; the sender checks it against
//! its [`PackageSummary`] with [`verify_receipt`].
//!
//! # Example
//! ```
//! use itaku_exchange::*;
//!
//! # fn main() -> Result<()> {
//! let ward = ExchangeIdentity::generate(OrgName::new("新宿区健康部")?);
//! let contractor = ExchangeIdentity::generate(OrgName::new("株式会社乙")?);
//! // Each side registers the other's public key after a phone check.
//! let contractor_key = ExchangePublicKey::from_toml(&contractor.public().to_toml())?;
//! let items: std::collections::BTreeSet<Code> =
//!     [Code::new("shimei")?, Code::new("jusho")?].into_iter().collect();
//!
//! let mut file = Vec::new();
//! let sent = write_package(
//!     &mut file,
//!     &ward,
//!     Recipient::Key(&contractor_key),
//!     ManifestFields {
//!         kind: PackageKind::Provision,
//!         contract_id: ContractId::new("R8-健-001")?,
//!         contract_name: ContractName::new("特定健診受診勧奨業務")?,
//!         purposes: [Code::new("tokutei_kenshin_kansho")?].into_iter().collect(),
//!         items: items.clone(),
//!         created_at: Timestamp::new("2027-04-01T09:00:00+09:00")?,
//!     },
//!     vec![Record::new("T000001", [("shimei", "新宿 花子"), ("jusho", "新宿区1-1")])?],
//! )?;
//!
//! let package = read_package(
//!     &file[..],
//!     Unlock::Identity(&contractor),
//!     &[ward.public()],
//!     &Expectation {
//!         contract_id: ContractId::new("R8-健-001")?,
//!         allowed_items: items,
//!         kind: PackageKind::Provision,
//!     },
//! )?;
//! let receipt = make_receipt(&contractor, package.summary(), Timestamp::new("2027-04-02T10:00:00+09:00")?);
//! for record in package.into_records()? {
//!     let record = record?;
//!     assert_eq!(record.values.len(), 2);
//! }
//! verify_receipt(&receipt, &contractor.public(), &sent)?;
//! # Ok(())
//! # }
//! ```

pub mod agefile;
mod container;
mod encode;
mod error;
mod ids;
mod jsonl;
mod keys;
mod lines;
mod manifest;
mod names;
mod payload;
mod plain;
mod read;
mod receipt;
mod records;
mod scan;
mod spool;
mod strict;
mod write;

pub use age::secrecy::{ExposeSecret, SecretString};
pub use agefile::{
    PassphraseRecipient, Recipient, Unlock, DEFAULT_WORK_FACTOR, MAX_WORK_FACTOR,
    MIN_PASSPHRASE_CHARS, MIN_WORK_FACTOR,
};
pub use error::{ExchangeError, Result};
pub use keys::{ExchangeIdentity, ExchangePublicKey, Fingerprint};
pub use manifest::{Manifest, ManifestFields, ManifestHead, Record, RecordId, FORMAT_VERSION};
pub use names::{Code, ContractId, ContractName, OrgName, PackageId, PackageKind, Timestamp};
pub use read::{read_package, Expectation, VerifiedPackage};
pub use receipt::{make_receipt, verify_receipt, Receipt};
pub use records::Records;
pub use write::{write_package, PackageSummary};
