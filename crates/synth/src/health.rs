//! Specific health checkup (特定健診) history and last results.
//!
//! Only members aged 40–74 are screened. Uptake rises with age, as it does in
//! every ward's statistics, and someone screened last year is likely to have
//! been screened in earlier years too. Results use integer arithmetic only so
//! the same seed yields the same values on every platform (`ln`/`cos` from
//! the system maths library need not agree to the last bit).

use chrono::NaiveDate;
use rand::Rng;

use crate::dates::{age_on, fiscal_year_end};
use crate::resident::Sex;

pub(crate) struct Health {
    pub prev_year_screened: bool,
    pub screenings_5y: u8,
    pub bmi: Option<f32>,
    pub sbp: Option<u16>,
    pub hba1c: Option<f32>,
}

pub(crate) struct Person {
    pub birth: NaiveDate,
    pub sex: Sex,
    pub joined: NaiveDate,
    pub foreign: bool,
}

/// `current_fy` is the fiscal year of the list; "previous year" is the one
/// before it.
pub(crate) fn draw<R: Rng>(rng: &mut R, p: &Person, current_fy: i32) -> Health {
    let mut ages = [None; 5];
    for (k, slot) in (0i32..).zip(ages.iter_mut()) {
        if let Some(end) = fiscal_year_end(current_fy - 1 - k) {
            let age = age_on(p.birth, end);
            if (40..=74).contains(&age) && p.joined <= end {
                *slot = Some(age);
            }
        }
    }

    let screened = match ages[0] {
        Some(age) => {
            let mut percent = match age {
                ..=49 => 20,
                50..=59 => 28,
                60..=64 => 38,
                _ => 48,
            };
            if p.foreign {
                percent = percent * 6 / 10;
            }
            rng.gen_ratio(percent, 100)
        }
        None => false,
    };
    // Habit: last year's attenders mostly attended before as well.
    let earlier_percent = if screened { 70 } else { 15 };
    let earlier = ages[1..]
        .iter()
        .flatten()
        .filter(|_| rng.gen_ratio(earlier_percent, 100))
        .count();
    let screenings_5y = u8::from(screened) + u8::try_from(earlier).unwrap_or(4);

    if !screened {
        return Health {
            prev_year_screened: false,
            screenings_5y,
            bmi: None,
            sbp: None,
            hba1c: None,
        };
    }
    let age = i64::from(ages[0].unwrap_or(40));
    let male = p.sex == Sex::Male;

    // BMI, in tenths: right-skewed (more obese than very thin people).
    let mut z = normal_milli(rng);
    if z > 0 {
        z = z * 5 / 4;
    }
    let bmi_mean = if male { 240 } else { 222 };
    let bmi = (bmi_mean + z * 33 / 1000).clamp(150, 420);

    // Systolic pressure rises with age and weight.
    let sbp_mean = 110 + (age - 40) / 2 + if male { 5 } else { 0 } + (bmi - 230) * 12 / 100;
    let sbp = (sbp_mean + normal_milli(rng) * 15 / 1000).clamp(88, 200);

    // HbA1c, in tenths: most near 5.5, a diabetic tail.
    let hba1c = if rng.gen_ratio(9, 100) {
        68 + normal_milli(rng) * 9 / 1000
    } else {
        53 + (age - 40) / 10 + (bmi - 230) / 40 + normal_milli(rng) * 3 / 1000
    }
    .clamp(40, 120);

    Health {
        prev_year_screened: true,
        screenings_5y,
        bmi: Some(tenths(bmi)),
        sbp: u16::try_from(sbp).ok(),
        hba1c: Some(tenths(hba1c)),
    }
}

/// A standard normal deviate times 1000, approximated by the sum of four
/// uniform 16-bit values (Irwin–Hall), from a single 64-bit draw.
fn normal_milli<R: Rng>(rng: &mut R) -> i64 {
    let bits = rng.gen::<u64>();
    let sum: i64 = (0..4).map(|i| i64::from((bits >> (16 * i)) as u16)).sum();
    // Four uniforms on 0..65536: mean 131070, standard deviation 37837.
    (sum - 131_070) * 1000 / 37_837
}

/// Tenths as f32, e.g. 273 → 27.3. Values are at most a few hundred, exact
/// in f32, and the division rounds to the nearest f32 to the decimal.
fn tenths(v: i64) -> f32 {
    i16::try_from(v).map_or(0.0, |v| f32::from(v) / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn person(y: i32) -> Person {
        Person {
            birth: NaiveDate::from_ymd_opt(y, 6, 1).unwrap(),
            sex: Sex::Female,
            joined: NaiveDate::from_ymd_opt(1995, 4, 1).unwrap(),
            foreign: false,
        }
    }

    #[test]
    fn under_forty_never_screened() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for _ in 0..1_000 {
            let h = draw(&mut rng, &person(1990), 2026);
            assert!(!h.prev_year_screened);
            assert_eq!(h.screenings_5y, 0);
            assert!(h.bmi.is_none() && h.sbp.is_none() && h.hba1c.is_none());
        }
    }

    #[test]
    fn values_only_when_screened_and_plausible() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let (mut n, mut bmi_sum) = (0u32, 0.0f64);
        for _ in 0..20_000 {
            let h = draw(&mut rng, &person(1960), 2026);
            assert_eq!(h.prev_year_screened, h.bmi.is_some());
            assert_eq!(h.prev_year_screened, h.sbp.is_some());
            assert_eq!(h.prev_year_screened, h.hba1c.is_some());
            assert!(h.screenings_5y <= 5);
            if h.prev_year_screened {
                assert!(h.screenings_5y >= 1);
                n += 1;
                let bmi = h.bmi.unwrap();
                bmi_sum += f64::from(bmi);
                assert!((15.0..=42.0).contains(&bmi));
                assert!((88..=200).contains(&h.sbp.unwrap()));
                assert!((4.0..=12.0).contains(&h.hba1c.unwrap()));
            }
        }
        let share = f64::from(n) / 20_000.0;
        assert!((0.40..0.56).contains(&share), "{share}");
        let mean = bmi_sum / f64::from(n);
        assert!((21.5..24.0).contains(&mean), "{mean}");
    }

    #[test]
    fn normal_has_unit_spread() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let xs: Vec<f64> = (0..50_000)
            .map(|_| normal_milli(&mut rng) as f64 / 1000.0)
            .collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.02, "{mean}");
        assert!((var.sqrt() - 1.0).abs() < 0.02, "{var}");
    }
}
