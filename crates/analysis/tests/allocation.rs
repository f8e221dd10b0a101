//! Deterministic properties of `allocate`: reproducibility, seed sensitivity,
//! stratum independence, eligibility, errors and the audit re-check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_analysis::{
    age_band, allocate, AnalysisError, Arm, Design, RngName, Seed, StratumKey, Unit, MAX_BLOCK_SIZE,
};

fn two_arms(seed: u64) -> Design {
    Design::new(
        vec![
            Arm::new("notice", "通知のみ", 1),
            Arm::new("notice_call", "通知＋電話", 1),
        ],
        2,
        Seed::from_u64(seed),
    )
}

/// Persons over three segment × age × sex strata; every seventh has no phone.
fn campaign(n: i64) -> Vec<Unit> {
    (0..n)
        .map(|i| {
            let segment = if i % 3 == 0 {
                "未受診"
            } else {
                "がん検診未受診"
            };
            let age = 40 + u32::try_from(i % 35).unwrap();
            let sex = if i % 2 == 0 { "1" } else { "2" };
            Unit {
                person_id: 1_000 + i * 7,
                stratum: StratumKey::from_parts(segment, &age_band(age), sex).unwrap(),
                eligible: i % 7 != 3,
            }
        })
        .collect()
}

fn arms_of(rows: &[itaku_analysis::AllocationRow]) -> Vec<(i64, Option<usize>)> {
    rows.iter().map(|r| (r.person_id, r.arm)).collect()
}

#[test]
fn same_seed_gives_same_allocation() {
    let units = campaign(500);
    let a = allocate(&two_arms(7), &units).unwrap();
    let b = allocate(&two_arms(7), &units).unwrap();
    assert_eq!(a, b);
}

#[test]
fn different_seed_gives_different_allocation() {
    let units = campaign(500);
    let a = allocate(&two_arms(7), &units).unwrap();
    let b = allocate(&two_arms(8), &units).unwrap();
    // Same people, same strata, same eligibility: only the arms move.
    assert_eq!(a.rows.len(), b.rows.len());
    let moved = a
        .rows
        .iter()
        .zip(&b.rows)
        .filter(|(x, y)| x.arm != y.arm)
        .count();
    assert!(moved > 50, "only {moved} of 500 assignments differ");
}

#[test]
fn input_order_does_not_matter() {
    let units = campaign(300);
    let mut reversed = units.clone();
    reversed.reverse();
    let mut interleaved: Vec<Unit> = units.iter().step_by(2).cloned().collect();
    interleaved.extend(units.iter().skip(1).step_by(2).cloned());
    let a = allocate(&two_arms(3), &units).unwrap();
    assert_eq!(a, allocate(&two_arms(3), &reversed).unwrap());
    assert_eq!(a, allocate(&two_arms(3), &interleaved).unwrap());
}

#[test]
fn rows_are_sorted_by_stratum_then_person() {
    let a = allocate(&two_arms(3), &campaign(200)).unwrap();
    assert!(a
        .rows
        .windows(2)
        .all(|w| (&w[0].stratum, w[0].person_id) < (&w[1].stratum, w[1].person_id)));
}

#[test]
fn adding_a_stratum_leaves_the_others_unchanged() {
    let units = campaign(300);
    let extra_key = StratumKey::from_parts("受診済・がん未受診", "40-44", "1").unwrap();
    let mut more = units.clone();
    more.extend((0..40).map(|i| Unit {
        person_id: 900_000 + i,
        stratum: extra_key.clone(),
        eligible: true,
    }));
    let before = allocate(&two_arms(11), &units).unwrap();
    let after = allocate(&two_arms(11), &more).unwrap();
    let kept: Vec<_> = after
        .rows
        .iter()
        .filter(|r| r.stratum != extra_key)
        .cloned()
        .collect();
    assert_eq!(before.rows, kept);
}

#[test]
fn ineligible_units_never_get_an_arm_and_draw_no_numbers() {
    let units = campaign(400);
    let a = allocate(&two_arms(5), &units).unwrap();
    for unit in &units {
        let row = a
            .rows
            .iter()
            .find(|r| r.person_id == unit.person_id)
            .unwrap();
        if unit.eligible {
            assert!(row.arm.is_some() && row.block >= 1 && row.position >= 1);
        } else {
            assert_eq!((row.arm, row.block, row.position), (None, 0, 0));
        }
    }
    // Dropping the ineligible units entirely changes nobody else's arm.
    let eligible: Vec<Unit> = units.iter().filter(|u| u.eligible).cloned().collect();
    let b = allocate(&two_arms(5), &eligible).unwrap();
    let a_randomised: Vec<_> = a.rows.iter().filter(|r| r.arm.is_some()).cloned().collect();
    assert_eq!(arms_of(&a_randomised), arms_of(&b.rows));
}

#[test]
fn verify_accepts_the_drawn_allocation_and_catches_an_edit() {
    let mut a = allocate(&two_arms(9), &campaign(120)).unwrap();
    a.verify().unwrap();
    // Row order of a stored table is irrelevant to the check.
    a.rows.reverse();
    a.verify().unwrap();
    let row = a.rows.iter_mut().find(|r| r.arm.is_some()).unwrap();
    row.arm = row.arm.map(|x| 1 - x);
    let edited = row.person_id;
    assert_eq!(
        a.verify(),
        Err(AnalysisError::AllocationMismatch { person_id: edited })
    );
    // A different stored seed no longer reproduces the rows either.
    let mut b = allocate(&two_arms(9), &campaign(120)).unwrap();
    b.design.seed = Seed::from_u64(10);
    assert!(matches!(
        b.verify(),
        Err(AnalysisError::AllocationMismatch { .. })
    ));
}

fn unit(id: i64) -> Unit {
    Unit {
        person_id: id,
        stratum: StratumKey::new("all"),
        eligible: true,
    }
}

#[test]
fn design_errors() {
    let seed = Seed::from_u64(1);
    let units = [unit(1)];
    let cases = [
        (Design::new(vec![], 1, seed), AnalysisError::NoArms),
        (
            Design::new(vec![Arm::new("a", "A", 1), Arm::new("b", "B", 0)], 1, seed),
            AnalysisError::ZeroWeight { code: "b".into() },
        ),
        (
            Design::new(vec![Arm::new("a", "A", 1), Arm::new("a", "B", 1)], 1, seed),
            AnalysisError::DuplicateArmCode { code: "a".into() },
        ),
        (
            Design::new(vec![Arm::new("", "A", 1)], 1, seed),
            AnalysisError::EmptyArmCode,
        ),
        (
            Design::new(vec![Arm::new("a", "A", 1)], 0, seed),
            AnalysisError::ZeroMultiplier,
        ),
        (
            Design::new(
                vec![Arm::new("a", "A", u32::MAX), Arm::new("b", "B", 2)],
                3,
                seed,
            ),
            AnalysisError::BlockTooLarge {
                size: (u64::from(u32::MAX) + 2) * 3,
                max: MAX_BLOCK_SIZE,
            },
        ),
    ];
    for (design, want) in cases {
        assert_eq!(allocate(&design, &units), Err(want));
    }
}

#[test]
fn duplicate_person_is_refused() {
    let mut units = vec![unit(1), unit(2), unit(3)];
    units.push(Unit {
        person_id: 2,
        stratum: StratumKey::new("other"),
        eligible: false,
    });
    assert_eq!(
        allocate(&two_arms(1), &units),
        Err(AnalysisError::DuplicatePerson { person_id: 2 })
    );
}

#[test]
fn error_messages_are_japanese_and_name_the_fix() {
    let msg = AnalysisError::ZeroWeight {
        code: "notice_call".into(),
    }
    .to_string();
    assert!(msg.contains("notice_call") && msg.contains("比率"), "{msg}");
    let msg = AnalysisError::DuplicatePerson { person_id: 42 }.to_string();
    assert!(msg.contains("42") && msg.contains("重複"), "{msg}");
    assert!(AnalysisError::NoArms.to_string().contains("割付群"));
    assert!(AnalysisError::ZeroMultiplier
        .to_string()
        .contains("ブロック倍数"));
    assert!(AnalysisError::DuplicateArmCode { code: "x".into() }
        .to_string()
        .contains("重複"));
}

#[test]
fn empty_input_and_all_ineligible() {
    let a = allocate(&two_arms(1), &[]).unwrap();
    assert!(a.rows.is_empty());
    let units: Vec<Unit> = (1..5)
        .map(|id| Unit {
            eligible: false,
            ..unit(id)
        })
        .collect();
    let a = allocate(&two_arms(1), &units).unwrap();
    assert!(a.rows.iter().all(|r| r.arm.is_none()));
}

#[test]
fn seed_hex_round_trip_and_display() {
    let seed = Seed::from_u64(0x0102);
    assert_eq!(
        seed.to_hex(),
        "0201000000000000000000000000000000000000000000000000000000000000"
    );
    assert_eq!(seed.to_string(), seed.to_hex());
    assert_eq!(Seed::from_hex(&seed.to_hex()).unwrap(), seed);
    assert_eq!(Seed::from_hex(&seed.to_hex().to_uppercase()).unwrap(), seed);
    assert_eq!(Seed::from_hex("abcd"), Err(AnalysisError::InvalidSeed));
    assert_eq!(
        Seed::from_hex(&"g".repeat(64)),
        Err(AnalysisError::InvalidSeed)
    );
    assert_eq!(Seed::from_bytes(*seed.as_bytes()), seed);
}

#[test]
fn rng_name_and_description_name_the_method() {
    assert_eq!(RngName::ChaCha20.to_string(), "ChaCha20 (rand_chacha 0.3)");
    let design = two_arms(77);
    let text = design.describe();
    assert!(text.contains(&design.seed.to_hex()));
    assert!(text.contains("ChaCha20 (rand_chacha 0.3)"));
    assert!(text.contains("SHA-256"));
    assert!(text.contains("ブロックの大きさ: 4"));
    assert!(text.contains("notice_call「通知＋電話」比率 1"));
}
