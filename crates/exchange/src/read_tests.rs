//! Hand-built containers, validly encrypted and (where said) validly
//! signed, for the checks an honest writer never trips: the reader must
//! refuse them on its own.

use std::collections::BTreeSet;
use std::io::Write;

use super::*;
use crate::agefile::{encrypt, Recipient};
use crate::container::{
    write_preamble, write_section, TAG_DATA, TAG_HEAD, TAG_MANIFEST, TAG_SIGNATURE,
};
use crate::keys::ExchangeIdentity;
use crate::names::{ContractName, OrgName, PackageId, Timestamp};

struct Fixture {
    ward: ExchangeIdentity,
    contractor: ExchangeIdentity,
}

fn fixture() -> Fixture {
    Fixture {
        ward: ExchangeIdentity::generate(OrgName::new("甲").unwrap_or_else(|_| unreachable!())),
        contractor: ExchangeIdentity::generate(
            OrgName::new("乙").unwrap_or_else(|_| unreachable!()),
        ),
    }
}

fn items() -> BTreeSet<Code> {
    ["shimei", "jusho"]
        .iter()
        .map(|c| Code::new(c).unwrap())
        .collect()
}

fn head(f: &Fixture) -> ManifestHead {
    ManifestHead {
        format: FORMAT_VERSION,
        package_id: PackageId::random(),
        kind: PackageKind::Provision,
        created_at: Timestamp::new("2027-04-01T09:00:00+09:00").unwrap(),
        sender_org: f.ward.org_name().clone(),
        sender_key_fingerprint: f.ward.public().fingerprint().to_string(),
        recipient_org: f.contractor.org_name().clone(),
        contract_id: ContractId::new("C-1").unwrap(),
        contract_name: ContractName::new("勧奨").unwrap(),
        purposes: BTreeSet::new(),
        items: items(),
    }
}

fn expect() -> Expectation {
    Expectation {
        contract_id: ContractId::new("C-1").unwrap(),
        allowed_items: items(),
        kind: PackageKind::Provision,
    }
}

const GOOD: &[u8] = b"{\"id\":\"1\",\"values\":{\"shimei\":\"a\"}}\n{\"id\":\"2\",\"values\":{}}\n";

/// What to put in a hand-built package; each test changes one thing.
struct Parts {
    version: u16,
    head: ManifestHead,
    payload: Vec<u8>,
    manifest: Option<Manifest>,
    signature: Option<Vec<u8>>,
    /// Written right after the data sections: a section of another kind.
    after_payload: Option<(u8, Vec<u8>)>,
    trailing: Vec<u8>,
}

fn parts(f: &Fixture) -> Parts {
    Parts {
        version: FORMAT_VERSION,
        head: head(f),
        payload: GOOD.to_vec(),
        manifest: None,
        signature: None,
        after_payload: None,
        trailing: Vec::new(),
    }
}

/// Encrypts to the contractor; unless overridden, the manifest is the true
/// one for the payload and the ward signs it.
fn build(f: &Fixture, p: Parts) -> Vec<u8> {
    let contractor = f.contractor.public();
    let mut out = Vec::new();
    let mut age = encrypt(&mut out, &Recipient::Key(&contractor)).unwrap();
    age.write_all(crate::container::MAGIC).unwrap();
    age.write_all(&p.version.to_be_bytes()).unwrap();
    write_section(&mut age, TAG_HEAD, &serde_json::to_vec(&p.head).unwrap()).unwrap();
    // Small sections for small payloads; a line may span sections.
    let size = (p.payload.len() / 1000).max(7);
    for chunk in p.payload.chunks(size) {
        write_section(&mut age, TAG_DATA, chunk).unwrap();
    }
    if let Some((tag, body)) = &p.after_payload {
        write_section(&mut age, *tag, body).unwrap();
    }
    let manifest = p.manifest.unwrap_or_else(|| Manifest {
        head: p.head.clone(),
        record_count: p.payload.iter().filter(|b| **b == b'\n').count() as u64,
        payload_sha256: itaku_crypto::sha256_hex(&p.payload),
    });
    let json = serde_json::to_vec(&manifest).unwrap();
    let mut signed = MANIFEST_SIGNING_PREFIX.to_vec();
    signed.extend_from_slice(&json);
    let signature = p.signature.unwrap_or_else(|| f.ward.sign(&signed).to_vec());
    write_section(&mut age, TAG_MANIFEST, &json).unwrap();
    write_section(&mut age, TAG_SIGNATURE, &signature).unwrap();
    age.write_all(&p.trailing).unwrap();
    age.finish().unwrap();
    out
}

fn read(f: &Fixture, bytes: &[u8]) -> Result<VerifiedPackage> {
    read_package(
        bytes,
        Unlock::Identity(&f.contractor),
        &[f.ward.public()],
        &expect(),
    )
}

#[test]
fn the_fixture_itself_is_accepted() {
    let f = fixture();
    let records = read(&f, &build(&f, parts(&f))).unwrap().into_vec().unwrap();
    assert_eq!(records.len(), 2);
}

#[test]
fn count_and_digest_mismatches() {
    let f = fixture();
    let mut p = parts(&f);
    p.manifest = Some(Manifest {
        head: p.head.clone(),
        record_count: 3,
        payload_sha256: itaku_crypto::sha256_hex(GOOD),
    });
    let err = read(&f, &build(&f, p)).unwrap_err();
    assert!(
        matches!(
            err,
            ExchangeError::CountMismatch {
                declared: 3,
                actual: 2
            }
        ),
        "{err:?}"
    );

    let mut p = parts(&f);
    p.manifest = Some(Manifest {
        head: p.head.clone(),
        record_count: 2,
        payload_sha256: itaku_crypto::sha256_hex(b"something else"),
    });
    let err = read(&f, &build(&f, p)).unwrap_err();
    assert!(matches!(err, ExchangeError::DigestMismatch), "{err:?}");
}

#[test]
fn bad_signatures() {
    let f = fixture();
    let mut p = parts(&f);
    p.signature = Some(vec![0u8; 64]);
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::BadSignature)
    ));

    // The ward's genuine signature over another manifest.
    let mut p = parts(&f);
    p.signature = Some(f.ward.sign(b"itaku-exchange/1 manifest\n{}").to_vec());
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::BadSignature)
    ));

    // A right signature without the domain prefix.
    let p = parts(&f);
    let manifest = Manifest {
        head: p.head.clone(),
        record_count: 2,
        payload_sha256: itaku_crypto::sha256_hex(GOOD),
    };
    let mut p = parts(&f);
    p.head = manifest.head.clone();
    p.signature = Some(
        f.ward
            .sign(&serde_json::to_vec(&manifest).unwrap())
            .to_vec(),
    );
    p.manifest = Some(manifest);
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::BadSignature)
    ));
}

#[test]
fn signed_manifest_must_match_the_head() {
    let f = fixture();
    let mut p = parts(&f);
    let mut other = p.head.clone();
    other.contract_id = ContractId::new("C-2").unwrap();
    p.manifest = Some(Manifest {
        head: other,
        record_count: 2,
        payload_sha256: itaku_crypto::sha256_hex(GOOD),
    });
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::Corrupted { .. })
    ));
}

#[test]
fn versions() {
    let f = fixture();
    let mut p = parts(&f);
    p.version = 2;
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::UnsupportedVersion(_))
    ));
    let mut p = parts(&f);
    p.head.format = 2;
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::UnsupportedVersion(_))
    ));
}

#[test]
fn data_after_the_signature_refused() {
    let f = fixture();
    let mut p = parts(&f);
    p.trailing = b"D\0\0\0\x01x".to_vec();
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::Corrupted { .. })
    ));
}

#[test]
fn bad_records_refused_with_their_number() {
    let f = fixture();
    for (payload, line) in [
        (
            &b"{\"id\":\"1\",\"values\":{}}\n{\"id\":\"1\",\"values\":{}}\n"[..],
            2,
        ),
        (b"{\"id\":\"1\",\"values\":{}}\nnot json\n", 2),
        (b"{\"id\":\"1\",\"values\":{\"denwa_bango\":\"0\"}}\n", 1),
        (b"{\"id\":\"1\",\"values\":{}}", 1),
        (b"\n", 1),
    ] {
        let mut p = parts(&f);
        p.payload = payload.to_vec();
        match read(&f, &build(&f, p)) {
            Err(ExchangeError::MalformedRecord { line: l, .. }) => assert_eq!(l, line),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(payload)),
        }
    }
}

#[test]
fn not_a_package() {
    let f = fixture();
    let contractor = f.contractor.public();
    let mut out = Vec::new();
    let mut age = encrypt(&mut out, &Recipient::Key(&contractor)).unwrap();
    age.write_all(b"shimei,jusho\n").unwrap();
    age.finish().unwrap();
    assert!(matches!(
        read(&f, &out),
        Err(ExchangeError::Corrupted { .. })
    ));

    // Preamble fine, then an unknown section.
    let mut out = Vec::new();
    let mut age = encrypt(&mut out, &Recipient::Key(&contractor)).unwrap();
    write_preamble(&mut age).unwrap();
    write_section(&mut age, TAG_HEAD, &serde_json::to_vec(&head(&f)).unwrap()).unwrap();
    write_section(&mut age, b'Z', b"?").unwrap();
    age.finish().unwrap();
    assert!(matches!(
        read(&f, &out),
        Err(ExchangeError::Corrupted { .. })
    ));
}

/// `n` distinct records in the writer's own form, as a payload.
fn plain_lines(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| {
            format!("{{\"id\":\"{i}\",\"values\":{{\"shimei\":\"新宿 {i}\"}}}}\n").into_bytes()
        })
        .collect()
}

#[test]
fn the_first_fault_in_the_file_is_reported() {
    // Far more than one piece (256 KiB) of records before the faults.
    let f = fixture();
    let n = 20_000;
    let bad = b"not json\n";
    let repeated = b"{\"id\":\"7\",\"values\":{}}\n";
    for (tail, after_payload, line, duplicate) in [
        (&[&bad[..], repeated][..], None, n + 1, false),
        (&[repeated, bad], None, n + 1, true),
        (&[bad], Some((b'Z', b"?".to_vec())), n + 1, false),
    ] {
        let mut p = parts(&f);
        p.payload = plain_lines(n);
        for more in tail {
            p.payload.extend_from_slice(more);
        }
        p.after_payload = after_payload;
        match read(&f, &build(&f, p)) {
            Err(ExchangeError::MalformedRecord { line: l, reason }) => {
                assert_eq!(l as usize, line);
                assert_eq!(reason.contains("重複"), duplicate, "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }
    // A fault of the container after good records is still found.
    let mut p = parts(&f);
    p.payload = plain_lines(n);
    p.after_payload = Some((b'Z', b"?".to_vec()));
    assert!(matches!(
        read(&f, &build(&f, p)),
        Err(ExchangeError::Corrupted { .. })
    ));
}

#[test]
fn records_in_the_writers_form_round_trip() {
    let f = fixture();
    let n = 20_000;
    let mut p = parts(&f);
    p.payload = plain_lines(n);
    let records = read(&f, &build(&f, p)).unwrap().into_vec().unwrap();
    assert_eq!(records.len(), n);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.id.as_str(), i.to_string());
        assert_eq!(
            r.values.get("shimei").map(String::as_str),
            Some(format!("新宿 {i}").as_str())
        );
    }
}
