//! Writing and reading packages end to end, and every way a reader must
//! refuse one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;

use common::*;
use itaku_exchange::{
    read_package, write_package, ExchangeError, ExchangeIdentity, ExchangePublicKey, OrgName,
    PackageKind, Recipient, Record, SecretString, Unlock, VerifiedPackage,
};

fn provision(world: &World, records: Vec<Record>) -> (Vec<u8>, itaku_exchange::PackageSummary) {
    let contractor = world.contractor.public();
    let mut out = Vec::new();
    let summary = write_package(
        &mut out,
        &world.ward,
        Recipient::Key(&contractor),
        fields(),
        records,
    )
    .unwrap();
    (out, summary)
}

fn read_as_contractor(world: &World, bytes: &[u8]) -> itaku_exchange::Result<VerifiedPackage> {
    read_package(
        bytes,
        Unlock::Identity(&world.contractor),
        &[world.ward.public()],
        &expectation(),
    )
}

#[test]
fn round_trip_x25519() {
    let world = World::new();
    let records = records(200);
    let (bytes, summary) = provision(&world, records.clone());
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    let package = read_as_contractor(&world, &bytes).unwrap();
    assert_eq!(package.summary(), &summary);
    assert_eq!(package.sender(), &world.ward.public());
    let head = &package.manifest().head;
    assert_eq!(head.sender_org, *world.ward.org_name());
    assert_eq!(head.recipient_org, *world.contractor.org_name());
    assert_eq!(
        head.sender_key_fingerprint,
        world.ward.public().fingerprint().to_string()
    );
    assert_eq!(package.manifest().record_count, 200);
    assert_eq!(package.into_vec().unwrap(), records);
}

#[test]
fn round_trip_passphrase() {
    let world = World::new();
    let records = records(30);
    let mut bytes = Vec::new();
    let summary = write_package(
        &mut bytes,
        &world.ward,
        passphrase_recipient(world.contractor.org_name(), "たんぽぽ-きりん-0427"),
        fields(),
        records.clone(),
    )
    .unwrap();
    let pass = SecretString::from("たんぽぽ-きりん-0427".to_owned());
    let package = read_package(
        &bytes[..],
        Unlock::Passphrase(&pass),
        &[world.ward.public()],
        &expectation(),
    )
    .unwrap();
    assert_eq!(package.summary(), &summary);
    assert_eq!(package.into_vec().unwrap(), records);
}

#[test]
fn empty_package_round_trip() {
    let world = World::new();
    let (bytes, summary) = provision(&world, Vec::new());
    let package = read_as_contractor(&world, &bytes).unwrap();
    assert_eq!(summary.manifest.record_count, 0);
    assert_eq!(package.into_vec().unwrap(), Vec::<Record>::new());
}

#[test]
fn large_package_spools_to_disk_and_streams_back() {
    // About 12 MB of ciphertext: past the in-memory spool limit (8 MiB).
    let world = World::new();
    let n = 100_000;
    let (bytes, _) = provision(&world, records(n));
    assert!(bytes.len() > 9 * 1024 * 1024, "{}", bytes.len());
    let package = read_as_contractor(&world, &bytes).unwrap();
    let mut seen = 0usize;
    for (i, record) in package.into_records().unwrap().enumerate() {
        let record = record.unwrap();
        assert_eq!(record.id.as_str(), format!("T{i:06}"));
        seen += 1;
    }
    assert_eq!(seen, n);
}

#[test]
fn armoured_package_is_read() {
    let world = World::new();
    let (bytes, summary) = provision(&world, records(5));
    let mut armoured =
        age::armor::ArmoredWriter::wrap_output(Vec::new(), age::armor::Format::AsciiArmor).unwrap();
    armoured.write_all(&bytes).unwrap();
    let armoured = armoured.finish().unwrap();
    assert!(armoured.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    let package = read_as_contractor(&world, &armoured).unwrap();
    assert_eq!(package.summary(), &summary);
}

#[test]
fn wrong_recipient_refused() {
    let world = World::new();
    let (bytes, _) = provision(&world, records(3));
    let stranger = ExchangeIdentity::generate(OrgName::new("無関係の事業者").unwrap());
    let err = read_package(
        &bytes[..],
        Unlock::Identity(&stranger),
        &[world.ward.public()],
        &expectation(),
    )
    .unwrap_err();
    assert!(matches!(err, ExchangeError::WrongRecipient), "{err:?}");
    assert_eq!(
        err.to_string(),
        "この受け渡しファイルはあなたの組織宛てではありません。送付元に、こちらの公開鍵で作り直すよう依頼してください"
    );
    // The ward cannot open what it sent to the contractor either.
    let err = read_package(
        &bytes[..],
        Unlock::Identity(&world.ward),
        &[world.ward.public()],
        &expectation(),
    )
    .unwrap_err();
    assert!(matches!(err, ExchangeError::WrongRecipient));
}

#[test]
fn package_forwarded_to_another_org_refused() {
    // The age layer is addressed to the contractor's key, but the signed
    // manifest names another recipient: what a first recipient re-encrypting
    // and forwarding a package would produce.
    let world = World::new();
    let contractor = world.contractor.public();
    let relabelled = ExchangePublicKey::new(
        OrgName::new("別の事業者").unwrap(),
        &contractor.age_recipient(),
        &contractor.signing_key_hex(),
    )
    .unwrap();
    let mut bytes = Vec::new();
    write_package(
        &mut bytes,
        &world.ward,
        Recipient::Key(&relabelled),
        fields(),
        records(2),
    )
    .unwrap();
    let err = read_as_contractor(&world, &bytes).unwrap_err();
    assert!(matches!(err, ExchangeError::WrongRecipient), "{err:?}");
}

#[test]
fn passphrase_mistakes() {
    let world = World::new();
    let mut bytes = Vec::new();
    write_package(
        &mut bytes,
        &world.ward,
        passphrase_recipient(world.contractor.org_name(), "correct horse battery"),
        fields(),
        records(2),
    )
    .unwrap();
    let wrong = SecretString::from("incorrect horse battery".to_owned());
    let err = read_package(
        &bytes[..],
        Unlock::Passphrase(&wrong),
        &[world.ward.public()],
        &expectation(),
    )
    .unwrap_err();
    assert!(matches!(err, ExchangeError::BadPassphrase), "{err:?}");
    // A passphrase package opened with keys, and the other way round.
    let err = read_as_contractor(&world, &bytes).unwrap_err();
    assert!(matches!(err, ExchangeError::WrongRecipient), "{err:?}");
    let (keyed, _) = provision(&world, records(1));
    let err = read_package(
        &keyed[..],
        Unlock::Passphrase(&wrong),
        &[world.ward.public()],
        &expectation(),
    )
    .unwrap_err();
    assert!(matches!(err, ExchangeError::WrongRecipient), "{err:?}");
    // Writing refuses short passphrases and unreadable work factors.
    let org = world.contractor.org_name().clone();
    for (pass, wf) in [
        ("short", 18),
        ("long enough passphrase", 21),
        ("long enough passphrase", 9),
    ] {
        assert!(itaku_exchange::PassphraseRecipient::new(
            org.clone(),
            SecretString::from(pass.to_owned()),
            wf
        )
        .is_err());
    }
}

#[test]
fn hostile_work_factor_refused_before_scrypt_runs() {
    let world = World::new();
    let mut bytes = Vec::new();
    write_package(
        &mut bytes,
        &world.ward,
        passphrase_recipient(world.contractor.org_name(), "correct horse battery"),
        fields(),
        records(1),
    )
    .unwrap();
    // "-> scrypt <salt> 10\n" → "... 30": 2^30 would need a terabyte.
    let at = bytes.windows(4).position(|w| w == b" 10\n").unwrap();
    bytes[at + 1] = b'3';
    let pass = SecretString::from("correct horse battery".to_owned());
    let err = read_package(
        &bytes[..],
        Unlock::Passphrase(&pass),
        &[world.ward.public()],
        &expectation(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ExchangeError::WorkFactorTooHigh {
                required: 30,
                max: 20
            }
        ),
        "{err:?}"
    );
}

/// Positions to damage: all of the age header and the container's start,
/// a spread through the middle, and all of the end (manifest, signature,
/// final chunk tag).
fn sample_positions(len: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..len.min(400)).collect();
    positions.extend((400..len.saturating_sub(300)).step_by(97));
    positions.extend(len.saturating_sub(300)..len);
    positions.sort_unstable();
    positions.dedup();
    positions
}

#[test]
fn every_sampled_single_byte_change_refused() {
    let world = World::new();
    let (bytes, _) = provision(&world, records(40));
    let positions = sample_positions(bytes.len());
    assert!(positions.len() > 700, "{}", positions.len());
    for (n, &i) in positions.iter().enumerate() {
        let mut damaged = bytes.clone();
        damaged[i] ^= if n % 2 == 0 { 0x01 } else { 0x80 };
        assert!(
            read_as_contractor(&world, &damaged).is_err(),
            "byte {i} of {}",
            bytes.len()
        );
    }
}

#[test]
fn every_sampled_truncation_refused() {
    let world = World::new();
    let (bytes, _) = provision(&world, records(40));
    for len in sample_positions(bytes.len()) {
        let err = read_as_contractor(&world, &bytes[..len]).unwrap_err();
        assert!(
            matches!(
                err,
                ExchangeError::Corrupted { .. } | ExchangeError::UnsupportedVersion(_)
            ),
            "cut at {len}: {err:?}"
        );
    }
    // And appended bytes.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(read_as_contractor(&world, &longer).is_err());
}

#[test]
fn untrusted_signer_refused() {
    let world = World::new();
    // Same name as the ward, other keys: what an impostor would send.
    let impostor = ExchangeIdentity::generate(world.ward.org_name().clone());
    let contractor = world.contractor.public();
    let mut bytes = Vec::new();
    write_package(
        &mut bytes,
        &impostor,
        Recipient::Key(&contractor),
        fields(),
        records(3),
    )
    .unwrap();
    let err = read_as_contractor(&world, &bytes).unwrap_err();
    match &err {
        ExchangeError::UnknownSender { org, fingerprint } => {
            assert_eq!(org, world.ward.org_name().as_str());
            assert_eq!(fingerprint, &impostor.public().fingerprint().to_string());
        }
        other => panic!("{other:?}"),
    }
    assert!(err
        .to_string()
        .contains(impostor.public().fingerprint().as_str()));
    // Nobody trusted at all.
    let (genuine, _) = provision(&world, records(1));
    let err = read_package(
        &genuine[..],
        Unlock::Identity(&world.contractor),
        &[],
        &expectation(),
    )
    .unwrap_err();
    assert!(matches!(err, ExchangeError::UnknownSender { .. }));
}

#[test]
fn items_outside_the_purpose_refused_and_named() {
    let world = World::new();
    let (bytes, _) = provision(&world, records(3));
    let mut expect = expectation();
    expect.allowed_items = codes(&["shimei", "jusho"]);
    let err = read_package(
        &bytes[..],
        Unlock::Identity(&world.contractor),
        &[world.ward.public()],
        &expect,
    )
    .unwrap_err();
    match &err {
        ExchangeError::ItemsOutsidePurpose { items } => {
            assert_eq!(
                items,
                &vec!["denwa_bango".to_owned(), "yubin_bango".to_owned()]
            );
        }
        other => panic!("{other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("denwa_bango、yubin_bango"), "{shown}");
}

#[test]
fn wrong_contract_or_kind_refused() {
    let world = World::new();
    let (bytes, _) = provision(&world, records(3));
    let mut expect = expectation();
    expect.contract_id = itaku_exchange::ContractId::new("R8-健-002").unwrap();
    let err = read_package(
        &bytes[..],
        Unlock::Identity(&world.contractor),
        &[world.ward.public()],
        &expect,
    )
    .unwrap_err();
    match &err {
        ExchangeError::WrongContract { expected, found } => {
            assert_eq!(expected, "R8-健-002");
            assert!(found.starts_with("R8-健-001"));
        }
        other => panic!("{other:?}"),
    }
    let mut expect = expectation();
    expect.kind = PackageKind::Return;
    let err = read_package(
        &bytes[..],
        Unlock::Identity(&world.contractor),
        &[world.ward.public()],
        &expect,
    )
    .unwrap_err();
    assert!(matches!(err, ExchangeError::WrongKind { .. }), "{err:?}");
}

#[test]
fn writer_refuses_undeclared_items_and_duplicate_ids() {
    let world = World::new();
    let contractor = world.contractor.public();
    let extra = Record::new("X1", [("shimei", "a"), ("seinengappi", "1950-01-01")]).unwrap();
    let err = write_package(
        Vec::new(),
        &world.ward,
        Recipient::Key(&contractor),
        fields(),
        vec![extra],
    )
    .unwrap_err();
    match err {
        ExchangeError::ItemsOutsidePurpose { items } => assert_eq!(items, vec!["seinengappi"]),
        other => panic!("{other:?}"),
    }
    let mut twice = records(3);
    twice.push(twice[1].clone());
    let err = write_package(
        Vec::new(),
        &world.ward,
        Recipient::Key(&contractor),
        fields(),
        twice,
    )
    .unwrap_err();
    assert!(
        matches!(err, ExchangeError::MalformedRecord { line: 4, .. }),
        "{err:?}"
    );
}

#[test]
fn writer_reports_the_first_fault_in_record_order() {
    // Records are checked and encoded in batches on two threads; the fault
    // reported must still be the first record's, as in one pass.
    let world = World::new();
    let contractor = world.contractor.public();
    let n = 20_000;
    let long = "x".repeat(1024 * 1024);
    let too_long = |i: usize| Record::new(&format!("L{i}"), [("shimei", long.as_str())]).unwrap();
    let outside = || Record::new("O", [("seinengappi", "1950-01-01")]).unwrap();
    let write = |faults: Vec<(usize, Record)>| {
        let mut all = records(n);
        for (at, record) in faults {
            all[at - 1] = record;
        }
        write_package(
            Vec::new(),
            &world.ward,
            Recipient::Key(&contractor),
            fields(),
            all,
        )
        .unwrap_err()
    };
    let repeat = |i: usize| records(i).pop().unwrap();
    let outside_repeated = || Record::new("T000009", [("seinengappi", "1950-01-01")]).unwrap();
    let long_repeated = || Record::new("T000009", [("shimei", long.as_str())]).unwrap();
    for (faults, want) in [
        (
            vec![(15_000, too_long(1)), (16_000, outside())],
            Some((15_000, "MiB")),
        ),
        (
            vec![(15_000, outside()), (14_000, repeat(10))],
            Some((14_000, "重複")),
        ),
        (
            vec![(15_000, repeat(3)), (15_001, too_long(2))],
            Some((15_000, "重複")),
        ),
        (
            vec![(15_001, repeat(3)), (15_000, too_long(2))],
            Some((15_000, "MiB")),
        ),
        (vec![(12_000, outside()), (19_000, too_long(3))], None),
        // One record with two faults: items, then id, then length.
        (vec![(15_000, outside_repeated())], None),
        (vec![(15_000, long_repeated())], Some((15_000, "重複"))),
    ] {
        match (write(faults), want) {
            (ExchangeError::MalformedRecord { line, reason }, Some((at, why))) => {
                assert_eq!(line as usize, at);
                assert!(reason.contains(why), "{reason}");
            }
            (ExchangeError::ItemsOutsidePurpose { items }, None) => {
                assert_eq!(items, vec!["seinengappi"]);
            }
            (other, _) => panic!("{other:?}"),
        }
    }
}

#[test]
fn writer_refuses_a_head_readers_would_refuse() {
    let world = World::new();
    let contractor = world.contractor.public();
    let mut f = fields();
    f.items = (0..3000)
        .map(|i| itaku_exchange::Code::new(&format!("item_{i:030}")).unwrap())
        .collect();
    let err = write_package(
        Vec::new(),
        &world.ward,
        Recipient::Key(&contractor),
        f,
        records(1),
    )
    .unwrap_err();
    assert!(matches!(err, ExchangeError::InvalidValue { .. }), "{err:?}");
}

#[test]
fn a_return_travels_the_other_way() {
    let world = World::new();
    let ward = world.ward.public();
    let mut f = fields();
    f.kind = PackageKind::Return;
    f.items = codes(&["kansho_kekka"]);
    let results = vec![Record::new("T000001", [("kansho_kekka", "受診予定")]).unwrap()];
    let mut bytes = Vec::new();
    write_package(
        &mut bytes,
        &world.contractor,
        Recipient::Key(&ward),
        f,
        results.clone(),
    )
    .unwrap();
    let mut expect = expectation();
    expect.kind = PackageKind::Return;
    expect.allowed_items = codes(&["kansho_kekka", "jushin_bi"]);
    let package = read_package(
        &bytes[..],
        Unlock::Identity(&world.ward),
        &[world.contractor.public()],
        &expect,
    )
    .unwrap();
    assert_eq!(package.into_vec().unwrap(), results);
}
