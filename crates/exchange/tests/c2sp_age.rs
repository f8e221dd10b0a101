//! The C2SP/CCTV age test vectors, run through the same age layer
//! (`agefile::open`) that `read_package` decrypts with. See
//! tests/c2sp-age/README.md for their source and licence.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use itaku_exchange::agefile::{self, AgeKeys};
use itaku_exchange::ExchangeError;
use sha2::{Digest, Sha256};

struct Vector {
    name: String,
    expect: String,
    payload_sha256: Option<String>,
    identities: Vec<String>,
    passphrases: Vec<String>,
    age_file: Vec<u8>,
}

fn parse(name: &str, bytes: &[u8]) -> Vector {
    let split = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .unwrap_or_else(|| panic!("{name}: no blank line"));
    let header = std::str::from_utf8(&bytes[..split]).unwrap();
    let mut fields: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for line in header.lines() {
        let (k, v) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("{name}: {line}"));
        fields.entry(k).or_default().push(v.to_owned());
    }
    let one = |k: &str| fields.get(k).and_then(|v| v.first().cloned());
    let body = &bytes[split + 2..];
    // Large vectors are stored zlib-compressed (`compressed: zlib`).
    let age_file = match one("compressed").as_deref() {
        None => body.to_vec(),
        Some("zlib") => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
            out
        }
        Some(other) => panic!("{name}: unknown compression {other}"),
    };
    Vector {
        name: name.to_owned(),
        expect: one("expect").unwrap_or_else(|| panic!("{name}: no expect")),
        payload_sha256: one("payload"),
        identities: fields.get("identity").cloned().unwrap_or_default(),
        passphrases: fields.get("passphrase").cloned().unwrap_or_default(),
        age_file,
    }
}

fn vectors() -> Vec<Vector> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c2sp-age");
    let mut out: Vec<Vector> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n != "README.md" && n != ".gitattributes")
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            parse(&name, &std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Outcome of our age layer on one vector: Ok(payload) or the error plus
/// whatever plaintext was released before it.
fn run(v: &Vector) -> Result<Vec<u8>, (ExchangeError, Vec<u8>)> {
    let ids: Vec<&str> = v.identities.iter().map(String::as_str).collect();
    let passphrases: Vec<&str> = v.passphrases.iter().map(String::as_str).collect();
    let keys =
        AgeKeys::from_strings(&ids, &passphrases).unwrap_or_else(|e| panic!("{}: {e}", v.name));
    let mut reader = agefile::open(&v.age_file[..], &keys).map_err(|e| (e, Vec::new()))?;
    let mut payload = Vec::new();
    match reader.read_to_end(&mut payload) {
        Ok(_) => Ok(payload),
        Err(e) => Err((ExchangeError::from(e), payload)),
    }
}

fn hex_sha256(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

#[test]
fn every_vector_meets_its_expectation() {
    let vectors = vectors();
    // All 123 files shipped with the age 0.12.1 crate's copy of the suite.
    assert_eq!(vectors.len(), 123, "vendored vector count changed");
    let mut failures = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for v in &vectors {
        *tally.entry(v.expect.clone()).or_default() += 1;
        let outcome = run(v);
        let ok = match (v.expect.as_str(), &outcome) {
            ("success", Ok(payload)) => Some(hex_sha256(payload)) == v.payload_sha256,
            ("success", Err(_)) => false,
            // The suite requires that only authenticated plaintext is
            // released before a payload error: check what came out.
            ("payload failure", Err((e, released))) => {
                matches!(e, ExchangeError::Corrupted { .. })
                    && Some(hex_sha256(released)) == v.payload_sha256
            }
            ("no match", Err((e, _))) => {
                matches!(
                    e,
                    ExchangeError::WrongRecipient | ExchangeError::BadPassphrase
                )
            }
            ("HMAC failure", Err((e, _))) => matches!(e, ExchangeError::Corrupted { .. }),
            ("armor failure", Err((e, _))) => matches!(e, ExchangeError::Corrupted { .. }),
            ("header failure", Err((e, _))) => matches!(
                e,
                ExchangeError::Corrupted { .. }
                    | ExchangeError::UnsupportedVersion(_)
                    | ExchangeError::WorkFactorTooHigh { .. }
            ),
            (_, Ok(_)) => false,
            (other, Err(_)) => panic!("{}: unknown expectation {other}", v.name),
        };
        if !ok {
            failures.push(format!(
                "{} (expect {}): got {:?}",
                v.name,
                v.expect,
                outcome
                    .as_ref()
                    .map(|p| hex_sha256(p))
                    .map_err(|(e, _)| e.to_string())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors failed:\n{}\n{tally:?}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn work_factor_23_is_refused_before_any_work() {
    let v = vectors()
        .into_iter()
        .find(|v| v.name == "scrypt_work_factor_23")
        .unwrap();
    match run(&v) {
        Err((
            ExchangeError::WorkFactorTooHigh {
                required: 23,
                max: 20,
            },
            _,
        )) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}
