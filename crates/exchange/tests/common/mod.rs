//! Shared fixtures: a ward, a contractor, a contract and some records.

#![allow(dead_code)]

use std::collections::BTreeSet;

use itaku_exchange::{
    Code, ContractId, ContractName, ExchangeIdentity, Expectation, ManifestFields, OrgName,
    PackageKind, PassphraseRecipient, Recipient, Record, SecretString, Timestamp,
};

pub struct World {
    pub ward: ExchangeIdentity,
    pub contractor: ExchangeIdentity,
}

impl World {
    pub fn new() -> Self {
        Self {
            ward: ExchangeIdentity::generate(OrgName::new("新宿区健康部健康づくり課").unwrap()),
            contractor: ExchangeIdentity::generate(OrgName::new("株式会社乙データ").unwrap()),
        }
    }
}

pub fn codes(list: &[&str]) -> BTreeSet<Code> {
    list.iter().map(|c| Code::new(c).unwrap()).collect()
}

pub const ITEMS: &[&str] = &["shimei", "jusho", "yubin_bango", "denwa_bango"];

pub fn fields() -> ManifestFields {
    ManifestFields {
        kind: PackageKind::Provision,
        contract_id: ContractId::new("R8-健-001").unwrap(),
        contract_name: ContractName::new("特定健診受診勧奨業務").unwrap(),
        purposes: codes(&["tokutei_kenshin_kansho"]),
        items: codes(ITEMS),
        created_at: Timestamp::new("2027-04-01T09:00:00+09:00").unwrap(),
    }
}

pub fn expectation() -> Expectation {
    Expectation {
        contract_id: ContractId::new("R8-健-001").unwrap(),
        allowed_items: codes(ITEMS),
        kind: PackageKind::Provision,
    }
}

pub fn records(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            let name = format!("新宿 花子{i}");
            let address = format!("東京都新宿区歌舞伎町1-{i}\n方書 \"\\ ");
            Record::new(
                &format!("T{i:06}"),
                [
                    ("shimei", name.as_str()),
                    ("jusho", address.as_str()),
                    ("yubin_bango", "1600021"),
                ],
            )
            .unwrap()
        })
        .collect()
}

/// Low work factor: unoptimised scrypt in tests.
pub fn passphrase_recipient(org: &OrgName, pass: &str) -> Recipient<'static> {
    Recipient::Passphrase(
        PassphraseRecipient::new(org.clone(), SecretString::from(pass.to_owned()), 10).unwrap(),
    )
}
