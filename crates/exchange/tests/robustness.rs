//! Property tests on stable Rust, mirroring the cargo-fuzz target in
//! fuzz/: `read_package` never panics, never accepts a modified package,
//! and anything it accepts yields exactly the records that were signed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::sync::OnceLock;

use common::*;
use itaku_exchange::agefile::{self, AgeKeys};
use itaku_exchange::{read_package, write_package, Recipient, Record, Unlock, VerifiedPackage};
use proptest::prelude::*;

struct Fixture {
    world: World,
    records: Vec<Record>,
    package: Vec<u8>,
    /// The package's container plaintext (what age decrypts to).
    plaintext: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let world = World::new();
        let records = records(12);
        let contractor = world.contractor.public();
        let mut package = Vec::new();
        write_package(
            &mut package,
            &world.ward,
            Recipient::Key(&contractor),
            fields(),
            records.clone(),
        )
        .unwrap();
        let mut plaintext = Vec::new();
        agefile::open(
            &package[..],
            &AgeKeys::from_unlock(&Unlock::Identity(&world.contractor)),
        )
        .unwrap()
        .read_to_end(&mut plaintext)
        .unwrap();
        Fixture {
            world,
            records,
            package,
            plaintext,
        }
    })
}

fn read(f: &Fixture, bytes: &[u8]) -> itaku_exchange::Result<VerifiedPackage> {
    read_package(
        bytes,
        Unlock::Identity(&f.world.contractor),
        &[f.world.ward.public()],
        &expectation(),
    )
}

/// Encrypts `plaintext` to the contractor with age directly, bypassing our
/// writer, so the checks behind the age layer get arbitrary input.
fn encrypt(f: &Fixture, plaintext: &[u8]) -> Vec<u8> {
    let to: age::x25519::Recipient = f.world.contractor.public().age_recipient().parse().unwrap();
    let mut out = Vec::new();
    let mut w = age::Encryptor::with_recipients(std::iter::once(&to as &dyn age::Recipient))
        .unwrap()
        .wrap_output(&mut out)
        .unwrap();
    w.write_all(plaintext).unwrap();
    w.finish().unwrap();
    out
}

#[derive(Debug, Clone)]
enum Edit {
    Flip { at: usize, xor: u8 },
    Cut { at: usize },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), 1u8..).prop_map(|(at, xor)| Edit::Flip { at, xor }),
        1 => any::<usize>().prop_map(|at| Edit::Cut { at }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert { at, byte }),
        1 => any::<usize>().prop_map(|at| Edit::Remove { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, edits: &[Edit]) {
    for e in edits {
        let len = bytes.len();
        match *e {
            Edit::Flip { at, xor } if len > 0 => bytes[at % len] ^= xor,
            Edit::Cut { at } => bytes.truncate(at % (len + 1)),
            Edit::Insert { at, byte } => bytes.insert(at % (len + 1), byte),
            Edit::Remove { at } if len > 0 => {
                bytes.remove(at % len);
            }
            _ => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Any change to the encrypted file is refused.
    #[test]
    fn modified_packages_are_refused(edits in prop::collection::vec(edit(), 1..4)) {
        let f = fixture();
        let mut bytes = f.package.clone();
        apply(&mut bytes, &edits);
        prop_assume!(bytes != f.package);
        prop_assert!(read(f, &bytes).is_err());
    }

    /// Changes to the container plaintext, re-encrypted validly, either are
    /// refused or (if they only touched what the signature does not cover,
    /// such as where data sections split) still give the signed records.
    #[test]
    fn edited_containers_never_give_other_records(edits in prop::collection::vec(edit(), 1..4)) {
        let f = fixture();
        let mut plaintext = f.plaintext.clone();
        apply(&mut plaintext, &edits);
        if let Ok(package) = read(f, &encrypt(f, &plaintext)) {
            prop_assert_eq!(&package.into_vec().unwrap(), &f.records);
        }
    }

    /// Random bytes, raw or after a valid age version line.
    #[test]
    fn random_input_is_refused(bytes in prop::collection::vec(any::<u8>(), 0..2048), prefixed: bool) {
        let f = fixture();
        let input = if prefixed { [&b"age-encryption.org/v1\n"[..], &bytes].concat() } else { bytes };
        prop_assert!(read(f, &input).is_err());
    }

    /// Random containers behind a valid magic and version, validly encrypted.
    #[test]
    fn random_containers_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let f = fixture();
        let plaintext = [&f.plaintext[..12], &bytes].concat();
        prop_assert!(read(f, &encrypt(f, &plaintext)).is_err());
    }
}
