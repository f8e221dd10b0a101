//! The manifest (送り状) and the records it describes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::names::{Code, ContractId, ContractName, OrgName, PackageId, PackageKind, Timestamp};

/// The container and manifest format this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// Everything about a package that is known before its records are
/// written. Sent twice: unsigned at the start (so a reader can refuse a
/// package for another contract without decrypting a gigabyte) and inside
/// the signed [`Manifest`] at the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestHead {
    /// [`FORMAT_VERSION`].
    pub format: u16,
    /// Random identifier, for ledgers and receipts.
    pub package_id: PackageId,
    /// Provision or return.
    pub kind: PackageKind,
    /// When the sender made it (the sender's clock).
    pub created_at: Timestamp,
    /// The sending organisation.
    pub sender_org: OrgName,
    /// Fingerprint of the sender's public key (see [`crate::Fingerprint`]).
    pub sender_key_fingerprint: String,
    /// The receiving organisation.
    pub recipient_org: OrgName,
    /// The contract both sides share.
    pub contract_id: ContractId,
    /// Its name, for people.
    pub contract_name: ContractName,
    /// Purpose codes the data is for.
    pub purposes: BTreeSet<Code>,
    /// Item codes records may carry; no record holds any other.
    pub items: BTreeSet<Code>,
}

/// The signed manifest: the head plus what only the end of the payload
/// tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Identical to the unsigned head at the start of the container.
    pub head: ManifestHead,
    /// Number of records (payload lines).
    pub record_count: u64,
    /// SHA-256 of the payload bytes, lower-case hex.
    pub payload_sha256: String,
}

/// What the caller decides about a package it writes; sender, recipient
/// and package id are filled in by [`crate::write_package`].
#[derive(Debug, Clone)]
pub struct ManifestFields {
    /// Provision or return.
    pub kind: PackageKind,
    /// The shared contract identifier.
    pub contract_id: ContractId,
    /// Its name.
    pub contract_name: ContractName,
    /// Purposes the contract allows this data for.
    pub purposes: BTreeSet<Code>,
    /// Items the purposes allow; every record's items must be among them.
    pub items: BTreeSet<Code>,
    /// Now, from the caller's clock.
    pub created_at: Timestamp,
}

/// One record: the sender's id for it and its item values. Items with no
/// value are simply absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The sender's record identifier, to match a return to a provision.
    pub id: RecordId,
    /// Item code → value.
    #[serde(deserialize_with = "unique_values")]
    pub values: BTreeMap<Code, String>,
}

impl Record {
    /// Builds a record from plain strings, checking id and codes.
    pub fn new<'a>(
        id: &str,
        values: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> crate::Result<Self> {
        let values = values
            .into_iter()
            .map(|(k, v)| Ok((Code::new(k)?, v.to_owned())))
            .collect::<crate::Result<_>>()?;
        Ok(Self {
            id: RecordId::new(id)?,
            values,
        })
    }
}

/// A sender's record id: 1..=128 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RecordId(String);

impl RecordId {
    /// Checks and wraps `s` (not trimmed: ids are compared exactly).
    pub fn new(s: &str) -> crate::Result<Self> {
        if record_id_ok(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(crate::ExchangeError::InvalidValue {
                what: "レコード番号",
                reason: "1〜128 文字で、改行などを含まないものにしてください".into(),
            })
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The rule for [`RecordId`], shared with the reader's first pass.
pub(crate) fn record_id_ok(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 128 && !s.chars().any(char::is_control)
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        Self::new(&s).map_err(|_| serde::de::Error::custom("レコード番号が正しくありません"))
    }
}

/// A JSON object with a key given twice is ambiguous (which value wins
/// depends on the parser), so it is refused rather than silently merged.
fn unique_values<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<Code, String>, D::Error> {
    struct Unique;
    impl<'de> Visitor<'de> for Unique {
        type Value = BTreeMap<Code, String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of item code to string")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<Code, String>()? {
                if out.insert(k, v).is_some() {
                    return Err(serde::de::Error::custom("同じ項目が二度あります"));
                }
            }
            Ok(out)
        }
    }
    d.deserialize_map(Unique)
}
