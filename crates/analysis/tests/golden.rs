//! Golden tests: the exact assignments for fixed seeds and small inputs. The
//! expected text was produced by `tests/reference/permuted_blocks.py`, an
//! independent Python implementation of the documented method (standard
//! library SHA-256 and a ChaCha20 written from RFC 8439). A change of
//! algorithm, of seed derivation or of `rand_chacha`'s output fails here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_analysis::{allocate, Allocation, Arm, Design, Seed, StratumKey, Unit};

/// The script's output format: one line per row, in allocation row order.
fn render(allocation: &Allocation) -> String {
    allocation
        .rows
        .iter()
        .map(|r| {
            let arm = r.arm.map_or("-".to_owned(), |a| a.to_string());
            format!(
                "{} {}: arm {arm} block {} position {}\n",
                r.stratum, r.person_id, r.block, r.position
            )
        })
        .collect()
}

#[test]
fn one_to_one_blocks_of_four() {
    let seed =
        Seed::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").unwrap();
    let design = Design::new(
        vec![
            Arm::new("notice", "通知のみ", 1),
            Arm::new("notice_call", "通知＋電話", 1),
        ],
        2,
        seed,
    );
    let a = StratumKey::from_parts("未受診", "60-64", "2").unwrap();
    let b = StratumKey::from_parts("未受診", "40-44", "1").unwrap();
    let mut units: Vec<Unit> = (1..=10)
        .map(|id| Unit {
            person_id: id,
            stratum: a.clone(),
            eligible: id != 4,
        })
        .collect();
    units.extend((11..=16).map(|id| Unit {
        person_id: id,
        stratum: b.clone(),
        eligible: true,
    }));
    let allocation = allocate(&design, &units).unwrap();
    let want = "\
seg=未受診|age=40-44|sex=1 11: arm 1 block 1 position 1
seg=未受診|age=40-44|sex=1 12: arm 1 block 1 position 2
seg=未受診|age=40-44|sex=1 13: arm 0 block 1 position 3
seg=未受診|age=40-44|sex=1 14: arm 0 block 1 position 4
seg=未受診|age=40-44|sex=1 15: arm 1 block 2 position 1
seg=未受診|age=40-44|sex=1 16: arm 0 block 2 position 2
seg=未受診|age=60-64|sex=2 1: arm 1 block 1 position 1
seg=未受診|age=60-64|sex=2 2: arm 0 block 1 position 2
seg=未受診|age=60-64|sex=2 3: arm 0 block 1 position 3
seg=未受診|age=60-64|sex=2 4: arm - block 0 position 0
seg=未受診|age=60-64|sex=2 5: arm 1 block 1 position 4
seg=未受診|age=60-64|sex=2 6: arm 0 block 2 position 1
seg=未受診|age=60-64|sex=2 7: arm 0 block 2 position 2
seg=未受診|age=60-64|sex=2 8: arm 1 block 2 position 3
seg=未受診|age=60-64|sex=2 9: arm 1 block 2 position 4
seg=未受診|age=60-64|sex=2 10: arm 0 block 3 position 1
";
    assert_eq!(render(&allocation), want);
}

#[test]
fn two_to_one_blocks_of_three() {
    let design = Design::new(
        vec![
            Arm::new("notice", "通知のみ", 2),
            Arm::new("notice_call", "通知＋電話", 1),
        ],
        1,
        Seed::from_u64(20_260_401),
    );
    // Given in reverse: the result must not depend on input order.
    let units: Vec<Unit> = (100..=112)
        .rev()
        .map(|id| Unit {
            person_id: id,
            stratum: StratumKey::new("all"),
            eligible: true,
        })
        .collect();
    let allocation = allocate(&design, &units).unwrap();
    let want = "\
all 100: arm 1 block 1 position 1
all 101: arm 0 block 1 position 2
all 102: arm 0 block 1 position 3
all 103: arm 1 block 2 position 1
all 104: arm 0 block 2 position 2
all 105: arm 0 block 2 position 3
all 106: arm 0 block 3 position 1
all 107: arm 1 block 3 position 2
all 108: arm 0 block 3 position 3
all 109: arm 0 block 4 position 1
all 110: arm 0 block 4 position 2
all 111: arm 1 block 4 position 3
all 112: arm 1 block 5 position 1
";
    assert_eq!(render(&allocation), want);
}
