//! Telephone numbers in the shape of Tokyo landlines (03-XXXX-XXXX) and
//! mobiles (090/080/070-XXXX-XXXX).
//!
//! Numbers look real but steer clear of the ones most likely to ring a real
//! service: exchanges of the ward office, the metropolitan government and the
//! Kasumigaseki ministries, and "representative" subscriber numbers such as
//! 1111 or 0000 that organisations pick.

use rand::Rng;

use crate::num::push_padded;

/// Local exchanges (the four digits after 03) to avoid.
const AVOID_EXCHANGES: &[u64] = &[
    3209, // Shinjuku City Office
    5273, // Shinjuku City Office departments
    5320, 5321, 5388, // Tokyo Metropolitan Government
    3501, 3502, 3503, 3580, 3581, 3591, 3592, 3593, 5253, // ministries
];

/// Percent of residents with a phone number on file.
const PHONE_PERCENT: u32 = 80;

pub(crate) fn draw<R: Rng>(rng: &mut R, age: i32) -> Option<String> {
    if !rng.gen_ratio(PHONE_PERCENT, 100) {
        return None;
    }
    // Older residents more often registered a landline.
    let landline_percent = match age {
        65.. => 60,
        40..=64 => 40,
        _ => 15,
    };
    let mut s = String::with_capacity(13);
    if rng.gen_ratio(landline_percent, 100) {
        s.push_str("03-");
        let exchange = loop {
            let lead = match rng.gen_range(0..10u32) {
                0..=4 => 3,
                5..=7 => 5,
                _ => 6,
            };
            let e = lead * 1000 + rng.gen_range(0..1000u64);
            if !AVOID_EXCHANGES.contains(&e) {
                break e;
            }
        };
        push_padded(&mut s, exchange, 4);
    } else {
        s.push_str(match rng.gen_range(0..20u32) {
            0..=9 => "090",
            10..=16 => "080",
            _ => "070",
        });
        s.push('-');
        push_padded(&mut s, rng.gen_range(1000..10_000u64), 4);
    }
    s.push('-');
    push_padded(&mut s, subscriber(rng), 4);
    Some(s)
}

fn subscriber<R: Rng>(rng: &mut R) -> u64 {
    loop {
        let n = rng.gen_range(0..10_000u64);
        if n % 1111 != 0 && n != 110 && n != 119 {
            return n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn shapes_and_share() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let mut some = 0;
        for i in 0..5_000 {
            if let Some(p) = draw(&mut rng, i % 75) {
                some += 1;
                let parts: Vec<&str> = p.split('-').collect();
                assert_eq!(parts.len(), 3, "{p}");
                assert!(["03", "070", "080", "090"].contains(&parts[0]), "{p}");
                assert!(parts[1..].iter().all(|g| g.len() == 4));
                assert!(p.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
                if parts[0] == "03" {
                    let e: u64 = parts[1].parse().unwrap();
                    assert!(!AVOID_EXCHANGES.contains(&e));
                }
                assert_ne!(parts[2], "1111");
            }
        }
        assert!((3_800..4_200).contains(&some), "{some}");
    }
}
