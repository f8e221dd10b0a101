#![allow(dead_code)]
//! Fixed identities for fuzzing only (so seed files stay valid across runs).
//! These keys protect nothing.

use itaku_exchange::{
    Code, ContractId, ContractName, ExchangeIdentity, Expectation, ManifestFields, PackageKind,
    Recipient, Record, Timestamp, Unlock, VerifiedPackage,
};

const WARD: &str = r#"format = "itaku-exchange-identity/1"
org_name = "甲（ファズ用）"
age_identity = "AGE-SECRET-KEY-1Q6XN4RFXPL6GW9JD42J6DPQ6RHUELUFUNN8S7L3RXKHW6Q8VRS8SZ284KF"
signing_key = "210f91083e408b41fff88eb9c77235be1576fcbd4a5e12eb21c0f41a24389669"
"#;

const CONTRACTOR: &str = r#"format = "itaku-exchange-identity/1"
org_name = "乙（ファズ用）"
age_identity = "AGE-SECRET-KEY-1X2DSKNZXCNAC2GQAER865NAJNHEGPXV7GL72UDQQKW8ZTXXJM0EQHTK0EM"
signing_key = "317bb28cfffee5164c3277496e670d5658f62e89001a07f679a8e0944a2d6dd6"
"#;

pub const CONTRACTOR_AGE_IDENTITY: &str =
    "AGE-SECRET-KEY-1X2DSKNZXCNAC2GQAER865NAJNHEGPXV7GL72UDQQKW8ZTXXJM0EQHTK0EM";

pub struct Fixture {
    pub ward: ExchangeIdentity,
    pub contractor: ExchangeIdentity,
    pub expect: Expectation,
    /// A valid package from the ward to the contractor.
    pub package: Vec<u8>,
}

fn code(s: &str) -> Code {
    Code::new(s).unwrap()
}

impl Fixture {
    pub fn new() -> Self {
        let ward = ExchangeIdentity::from_secret_text(WARD).unwrap();
        let contractor = ExchangeIdentity::from_secret_text(CONTRACTOR).unwrap();
        let items = [code("shimei"), code("jusho")].into_iter().collect();
        let fields = ManifestFields {
            kind: PackageKind::Provision,
            contract_id: ContractId::new("F-1").unwrap(),
            contract_name: ContractName::new("ファズ").unwrap(),
            purposes: [code("kansho")].into_iter().collect(),
            items,
            created_at: Timestamp::new("2027-04-01T09:00:00+09:00").unwrap(),
        };
        let expect = Expectation {
            contract_id: fields.contract_id.clone(),
            allowed_items: fields.items.clone(),
            kind: PackageKind::Provision,
        };
        let records = (0..5).map(|i| {
            Record::new(&format!("R{i}"), [("shimei", "花子"), ("jusho", "新宿区")]).unwrap()
        });
        let mut package = Vec::new();
        let to = contractor.public();
        itaku_exchange::write_package(&mut package, &ward, Recipient::Key(&to), fields, records)
            .unwrap();
        Self {
            ward,
            contractor,
            expect,
            package,
        }
    }

    pub fn read(&self, bytes: &[u8]) -> itaku_exchange::Result<VerifiedPackage> {
        itaku_exchange::read_package(
            bytes,
            Unlock::Identity(&self.contractor),
            &[self.ward.public()],
            &self.expect,
        )
    }

    /// Encrypts a container plaintext to the contractor, bypassing our writer.
    pub fn encrypt_plaintext(&self, plaintext: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let to: age::x25519::Recipient = self.contractor.public().age_recipient().parse().unwrap();
        let enc =
            age::Encryptor::with_recipients(std::iter::once(&to as &dyn age::Recipient)).unwrap();
        let mut out = Vec::new();
        let mut w = enc.wrap_output(&mut out).unwrap();
        w.write_all(plaintext).unwrap();
        w.finish().unwrap();
        out
    }
}
