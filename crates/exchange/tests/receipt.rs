//! Receipts: the receiver acknowledges, the sender matches it on its ledger.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use itaku_exchange::{
    make_receipt, read_package, verify_receipt, write_package, ExchangeError, ExchangeIdentity,
    PackageSummary, Receipt, Recipient, Timestamp, Unlock,
};

fn exchange(world: &World) -> (PackageSummary, PackageSummary) {
    let contractor = world.contractor.public();
    let mut bytes = Vec::new();
    let sent = write_package(
        &mut bytes,
        &world.ward,
        Recipient::Key(&contractor),
        fields(),
        records(7),
    )
    .unwrap();
    let received = read_package(
        &bytes[..],
        Unlock::Identity(&world.contractor),
        &[world.ward.public()],
        &expectation(),
    )
    .unwrap();
    (sent, received.summary().clone())
}

fn at() -> Timestamp {
    Timestamp::new("2027-04-02T10:30:00+09:00").unwrap()
}

#[test]
fn receipt_round_trip() {
    let world = World::new();
    let (sent, received) = exchange(&world);
    let receipt = make_receipt(&world.contractor, &received, at());
    assert_eq!(receipt.record_count, 7);
    assert_eq!(receipt.manifest_sha256, sent.manifest_sha256);
    // Through its JSON form, as it travels back.
    let back = Receipt::from_json(&receipt.to_json()).unwrap();
    assert_eq!(back, receipt);
    verify_receipt(&back, &world.contractor.public(), &sent).unwrap();
    assert!(receipt
        .signed_text()
        .starts_with("itaku-exchange-receipt/1\npackage_id: "));
}

fn refused(receipt: &Receipt, world: &World, sent: &PackageSummary) {
    let err = verify_receipt(receipt, &world.contractor.public(), sent).unwrap_err();
    assert!(matches!(err, ExchangeError::BadReceipt(_)), "{err:?}");
}

#[test]
fn forged_or_mismatched_receipts_refused() {
    let world = World::new();
    let (sent, received) = exchange(&world);
    let genuine = make_receipt(&world.contractor, &received, at());

    let mut more = genuine.clone();
    more.record_count = 8;
    refused(&more, &world, &sent);

    let mut later = genuine.clone();
    later.received_at = Timestamp::new("2027-05-01T00:00:00+09:00").unwrap();
    refused(&later, &world, &sent);

    let mut bad_sig = genuine.clone();
    let mut sig = hex::decode(&bad_sig.signature).unwrap();
    sig[0] ^= 1;
    bad_sig.signature = hex::encode(sig);
    refused(&bad_sig, &world, &sent);

    // Signed by someone else claiming to be the contractor.
    let impostor = ExchangeIdentity::generate(world.contractor.org_name().clone());
    let mut forged = make_receipt(&impostor, &received, at());
    refused(&forged, &world, &sent);
    forged.receiver_key_fingerprint = genuine.receiver_key_fingerprint.clone();
    refused(&forged, &world, &sent);

    // A genuine receipt for a different package.
    let (other_sent, other_received) = exchange(&world);
    let other = make_receipt(&world.contractor, &other_received, at());
    verify_receipt(&other, &world.contractor.public(), &other_sent).unwrap();
    refused(&other, &world, &sent);

    // The ward itself signing a receipt for the contractor's package.
    let by_ward = make_receipt(&world.ward, &received, at());
    let err = verify_receipt(&by_ward, &world.ward.public(), &sent).unwrap_err();
    assert!(matches!(err, ExchangeError::BadReceipt(_)), "{err:?}");

    assert!(Receipt::from_json("{}").is_err());
}
