//! Property tests over arbitrary designs (1–4 arms, weights 1–4, multiplier
//! 1–3) and arbitrary strata sizes and eligibility.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use itaku_analysis::{allocate, Allocation, Arm, Design, Seed, StratumKey, Unit};
use proptest::prelude::*;

fn design_strategy() -> impl Strategy<Value = Design> {
    (
        prop::collection::vec(1u32..=4, 1..=4),
        1u32..=3,
        any::<u64>(),
    )
        .prop_map(|(weights, multiplier, seed)| {
            let arms = weights
                .iter()
                .enumerate()
                .map(|(i, w)| Arm::new(format!("arm{i}"), format!("群{i}"), *w))
                .collect();
            Design::new(arms, multiplier, Seed::from_u64(seed))
        })
}

/// Up to five strata of 0–60 units each, ids unique and scattered, each unit
/// eligible with probability about 4/5.
fn units_strategy() -> impl Strategy<Value = Vec<Unit>> {
    prop::collection::vec(prop::collection::vec(0u8..5, 0..60), 1..=5).prop_map(|strata| {
        let mut units = Vec::new();
        let mut next_id = 0i64;
        for (s, members) in strata.iter().enumerate() {
            for flag in members {
                next_id += 1;
                units.push(Unit {
                    // Scrambled so that id order differs from input order.
                    person_id: (next_id * 7_919) % 100_003,
                    stratum: StratumKey::new(format!("seg={s}|age=60-64|sex=1")),
                    eligible: *flag != 0,
                });
            }
        }
        units
    })
}

/// Arms by (stratum, block) in position order, checking positions run 1, 2, ….
fn blocks(allocation: &Allocation) -> BTreeMap<(StratumKey, u32), Vec<usize>> {
    let mut out: BTreeMap<(StratumKey, u32), Vec<usize>> = BTreeMap::new();
    for row in &allocation.rows {
        if let Some(arm) = row.arm {
            let block = out.entry((row.stratum.clone(), row.block)).or_default();
            block.push(arm);
            assert_eq!(row.position as usize, block.len());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn complete_blocks_hold_exactly_the_weighted_counts(
        design in design_strategy(),
        units in units_strategy(),
    ) {
        let allocation = allocate(&design, &units).unwrap();
        let size = design.block_size().unwrap() as usize;
        let blocks = blocks(&allocation);
        let mut last_block: BTreeMap<&StratumKey, u32> = BTreeMap::new();
        for (stratum, block) in blocks.keys() {
            last_block.insert(stratum, *block);
        }
        for ((stratum, block), arms) in &blocks {
            prop_assert!(arms.len() <= size);
            if arms.len() < size {
                // Only a stratum's last block may be incomplete.
                prop_assert_eq!(Some(block), last_block.get(stratum));
            } else {
                for (i, arm) in design.arms.iter().enumerate() {
                    let n = arms.iter().filter(|a| **a == i).count() as u32;
                    prop_assert_eq!(n, arm.weight * design.block_multiplier);
                }
            }
        }
        // Blocks are numbered 1, 2, … without gaps.
        for (stratum, last) in last_block {
            for b in 1..=last {
                prop_assert!(blocks.contains_key(&(stratum.clone(), b)));
            }
        }
    }

    #[test]
    fn stratum_imbalance_stays_within_one_block(
        design in design_strategy(),
        units in units_strategy(),
    ) {
        let allocation = allocate(&design, &units).unwrap();
        let size = f64::from(design.block_size().unwrap());
        for stratum in allocation.balance() {
            prop_assert!(stratum.max_imbalance < size);
            for ((count, expected), arm) in
                stratum.counts.iter().zip(&stratum.expected).zip(&design.arms)
            {
                // Below the arm's share of one block: whole blocks are exact,
                // the incomplete one can shift at most that share.
                let share = f64::from(arm.weight * design.block_multiplier);
                prop_assert!((*count as f64 - expected).abs() < share);
            }
        }
    }

    #[test]
    fn ineligible_never_randomised_and_everyone_listed(
        design in design_strategy(),
        units in units_strategy(),
    ) {
        let allocation = allocate(&design, &units).unwrap();
        prop_assert_eq!(allocation.rows.len(), units.len());
        let by_id: BTreeMap<i64, bool> = units.iter().map(|u| (u.person_id, u.eligible)).collect();
        for row in &allocation.rows {
            let eligible = by_id[&row.person_id];
            prop_assert_eq!(row.arm.is_some(), eligible);
            if let Some(arm) = row.arm {
                prop_assert!(arm < design.arms.len());
            }
        }
        let not_randomised: u64 = allocation.balance().iter().map(|b| b.not_randomised).sum();
        prop_assert_eq!(not_randomised, units.iter().filter(|u| !u.eligible).count() as u64);
    }

    #[test]
    fn any_input_order_gives_the_same_allocation(
        design in design_strategy(),
        (units, shuffled) in units_strategy()
            .prop_flat_map(|u| (Just(u.clone()), Just(u).prop_shuffle())),
    ) {
        prop_assert_eq!(allocate(&design, &units).unwrap(), allocate(&design, &shuffled).unwrap());
    }
}
