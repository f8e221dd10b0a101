//! The resident generator: a deterministic, endless-until-IDs-run-out
//! iterator of NHI members of the demo ward.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::address::Addresses;
use crate::dates::{age_on, day_number, fiscal_year_of, from_day_number, shift_years};
use crate::health::{self, Person};
use crate::ids::VoucherNumbers;
use crate::names::Names;
use crate::num::push_num;
use crate::phone;
use crate::resident::{Resident, Sex};
use crate::weighted::Weighted;

/// The largest 9-digit 宛名番号; the iterator ends after it.
pub const MAX_ATENA_NO: u64 = 999_999_999;

/// 被保険者記号 of the demo ward.
const KIGO: &str = "新宿";
/// 被保険者番号 of row 0; later rows count up from it.
const FIRST_BANGO: u64 = 2_000_000;

/// Ages on the reference date, five-year bands 0–4 … 70–74, weighted like a
/// central-Tokyo NHI roll: few children (they are insured with employed
/// parents), a bump of students and young foreign residents in their
/// twenties, and most weight at 60–74, when people leave employee insurance
/// on retirement. About two-thirds are 40–74. Nobody is 75 or over: they move
/// to the late-stage elderly scheme (後期高齢者医療).
const AGE_BAND_WEIGHTS: [u32; 15] = [15, 15, 15, 20, 70, 70, 55, 50, 50, 55, 60, 60, 80, 140, 195];

/// 1 April 2026, the start of fiscal 2026 (令和8年度), as in the sample file.
pub const DEFAULT_AS_OF: NaiveDate = match NaiveDate::from_ymd_opt(2026, 4, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Generates residents. The same seed, base and reference date give the same
/// residents on every run and platform: all randomness comes from one
/// ChaCha20 stream, drawn with integer operations only.
pub struct Generator {
    seed: u64,
    rng: ChaCha20Rng,
    base: u64,
    index: u64,
    as_of: NaiveDate,
    fiscal_year: i32,
    bands: Vec<(i32, i32)>,
    band_weights: Weighted,
    vouchers: VoucherNumbers,
    names: Names,
    addresses: Addresses,
}

impl Generator {
    /// Residents numbered from `base_atena_no` (e.g. 100_000_000), as of
    /// [`DEFAULT_AS_OF`].
    pub fn new(seed: u64, base_atena_no: u64) -> Self {
        let mut g = Generator {
            seed,
            rng: ChaCha20Rng::seed_from_u64(seed),
            base: base_atena_no,
            index: 0,
            as_of: DEFAULT_AS_OF,
            fiscal_year: 0,
            bands: Vec::new(),
            band_weights: Weighted::new(AGE_BAND_WEIGHTS),
            vouchers: VoucherNumbers::new(seed, 0),
            names: Names::new(),
            addresses: Addresses::new(),
        };
        g.set_as_of(DEFAULT_AS_OF);
        g
    }

    /// Sets the reference date: ages, membership dates and the "previous
    /// fiscal year" of screening are relative to it, and the voucher numbers
    /// start with its fiscal year's last two digits.
    pub fn with_as_of(mut self, as_of: NaiveDate) -> Self {
        self.set_as_of(as_of);
        self
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    fn set_as_of(&mut self, as_of: NaiveDate) {
        self.as_of = as_of;
        self.fiscal_year = fiscal_year_of(as_of);
        self.vouchers = VoucherNumbers::new(self.seed, self.fiscal_year);
        // age_on(b, as_of) counts the age attained by the end of as_of, which
        // is the ordinary age on the following day.
        let next = day_number(as_of) + 1;
        let next_date = from_day_number(next).unwrap_or(as_of);
        let last_birth = day_number(as_of) - 1;
        self.bands = (0..15)
            .map(|b: i32| {
                let (lo, hi) = (b * 5, b * 5 + 4);
                let earliest = shift_years(next_date, -(hi + 1)).map_or(next, day_number) + 1;
                let latest = shift_years(next_date, -lo).map_or(next, day_number);
                (earliest, latest.min(last_birth))
            })
            .collect();
    }

    fn resident(&mut self) -> Resident {
        let rng = &mut self.rng;
        let as_of_n = day_number(self.as_of);

        let (lo, hi) = self
            .bands
            .get(self.band_weights.pick(rng))
            .copied()
            .unwrap_or((as_of_n - 365 * 40, as_of_n - 365 * 40));
        let birth = date(rng.gen_range(lo..=hi.max(lo)), self.as_of);
        let age = age_on(birth, self.as_of);

        let foreign_percent = match age {
            20..=39 => 20,
            65.. => 2,
            _ => 6,
        };
        let foreign = rng.gen_ratio(foreign_percent, 100);
        let female_percent = if age >= 65 { 55 } else { 51 };
        let sex = if rng.gen_ratio(female_percent, 100) {
            Sex::Female
        } else {
            Sex::Male
        };
        let name = if foreign {
            self.names.foreign(rng, sex)
        } else {
            self.names
                .japanese(rng, sex, chrono::Datelike::year(&birth))
        };
        let address = self.addresses.draw(rng);
        let phone = phone::draw(rng, age);

        let joined = joined(rng, birth, age, foreign, self.as_of);
        let lost = if rng.gen_ratio(5, 100) {
            // Recent losses only: a list drawn at year start still carries
            // members who left in the last two years.
            let lo = (day_number(joined) + 1).max(as_of_n - 730);
            let hi = as_of_n - 1;
            (lo <= hi).then(|| date(rng.gen_range(lo..=hi), self.as_of))
        } else {
            None
        };
        let health = health::draw(
            rng,
            &Person {
                birth,
                sex,
                joined,
                foreign,
            },
            self.fiscal_year,
        );

        let mut bango = String::with_capacity(8);
        push_num(&mut bango, FIRST_BANGO + self.index);

        Resident {
            atena_no: self.base + self.index,
            jushinken_no: self.vouchers.number(self.index),
            hihokensha_kigo: KIGO.to_owned(),
            hihokensha_bango: bango,
            kana: name.kana,
            kanji: name.kanji,
            birth_date: birth,
            sex,
            postal_code: address.postal.to_owned(),
            jusho: address.jusho,
            katagaki: address.katagaki,
            phone,
            shikaku_shutoku: joined,
            shikaku_soshitsu: lost,
            prev_year_screened: health.prev_year_screened,
            screenings_5y: health.screenings_5y,
            bmi: health.bmi,
            sbp: health.sbp,
            hba1c: health.hba1c,
        }
    }
}

impl Iterator for Generator {
    type Item = Resident;

    fn next(&mut self) -> Option<Resident> {
        if self.base.checked_add(self.index)? > MAX_ATENA_NO {
            return None;
        }
        let r = self.resident();
        self.index += 1;
        Some(r)
    }
}

/// When NHI membership began: at birth for many children, at retirement for
/// many over-60s (leaving employee insurance), within the last few years for
/// foreign residents (who arrive as adults), otherwise any time since the
/// 1990s. Always on or after birth and before the reference date.
fn joined<R: Rng>(
    rng: &mut R,
    birth: NaiveDate,
    age: i32,
    foreign: bool,
    as_of: NaiveDate,
) -> NaiveDate {
    let birth_n = day_number(birth);
    let latest = (day_number(as_of) - 1).max(birth_n);
    let uniform_since = |rng: &mut R, years_back: i32| {
        let start = (latest - years_back * 365).max(birth_n);
        date(rng.gen_range(start..=latest), birth)
    };
    if foreign {
        return uniform_since(rng, 8);
    }
    if age < 20 && rng.gen_ratio(60, 100) {
        return birth;
    }
    if age >= 60 && rng.gen_ratio(55, 100) {
        let retired = shift_years(birth, rng.gen_range(60..=65))
            .map(|d| day_number(d) + rng.gen_range(0..365))
            .filter(|&n| n <= latest);
        if let Some(n) = retired {
            return date(n, birth);
        }
    }
    uniform_since(rng, 36)
}

/// A day number back to a date; day numbers here always come from real
/// dates a few decades apart, so the fallback is never used.
fn date(n: i32, fallback: NaiveDate) -> NaiveDate {
    from_day_number(n).unwrap_or(fallback)
}
