// Helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use common::{is_fullwidth_katakana, kanji_numeral, residents, split_address, BASE};
use itaku_synth::{
    age_on, fiscal_year_end, fiscal_year_of, Generator, Resident, Sex, DEFAULT_AS_OF, MAX_ATENA_NO,
};

fn share(rows: &[Resident], f: impl Fn(&Resident) -> bool) -> f64 {
    rows.iter().filter(|r| f(r)).count() as f64 / rows.len() as f64
}

fn is_foreign(r: &Resident) -> bool {
    r.kanji.is_ascii()
}

#[test]
fn same_seed_same_residents_other_seed_others() {
    let a = residents(42, 5_000);
    let b = residents(42, 5_000);
    assert_eq!(a, b);
    let c = residents(43, 5_000);
    let same = a
        .iter()
        .zip(&c)
        .filter(|(x, y)| x.kana == y.kana && x.birth_date == y.birth_date)
        .count();
    assert!(same < 100, "{same} of 5000 rows agree across seeds");
}

#[test]
fn ids_are_unique_and_well_formed_over_100k() {
    let rows = residents(7, 100_000);
    let mut atena = HashSet::new();
    let mut vouchers = HashSet::new();
    let mut bango = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(
            r.atena_no,
            BASE + i as u64,
            "atena numbers run on from the base"
        );
        assert!(atena.insert(r.atena_no));
        assert!(
            vouchers.insert(r.jushinken_no),
            "voucher {} repeated",
            r.jushinken_no
        );
        assert!(bango.insert(r.hihokensha_bango.clone()));
        assert_eq!(format!("{:09}", r.atena_no).len(), 9);
        let v = format!("{:011}", r.jushinken_no);
        assert_eq!(v.len(), 11);
        let fy = fiscal_year_of(DEFAULT_AS_OF) % 100;
        assert!(v.starts_with(&format!("{fy:02}")), "{v}");
        assert_eq!(r.hihokensha_kigo, "新宿");
        assert!(r.hihokensha_bango.bytes().all(|b| b.is_ascii_digit()));
    }
    // Vouchers must not simply count up with the row.
    let ascending = rows
        .windows(2)
        .filter(|w| w[1].jushinken_no > w[0].jushinken_no)
        .count();
    assert!((40_000..60_000).contains(&ascending), "{ascending}");
}

#[test]
fn iteration_stops_at_the_last_nine_digit_number() {
    let rows: Vec<Resident> = Generator::new(1, MAX_ATENA_NO - 1).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].atena_no, MAX_ATENA_NO);
}

#[test]
fn postal_code_matches_town_for_every_row() {
    for r in residents(11, 100_000) {
        let (town, rest) = split_address(&r.jusho);
        assert_eq!(r.postal_code, town.postal_code, "{}", r.jusho);
        let rest = match town.chome {
            Some((lo, hi)) => {
                let mut cs = rest.chars();
                let n = cs
                    .next()
                    .and_then(kanji_numeral)
                    .unwrap_or_else(|| panic!("{}", r.jusho));
                assert!((lo..=hi).contains(&n), "{}", r.jusho);
                cs.as_str()
                    .strip_prefix("丁目")
                    .unwrap_or_else(|| panic!("{}", r.jusho))
            }
            None => rest,
        };
        let (ban, go) = rest
            .split_once('番')
            .unwrap_or_else(|| panic!("{}", r.jusho));
        let go = go
            .strip_suffix('号')
            .unwrap_or_else(|| panic!("{}", r.jusho));
        assert!(ban.parse::<u32>().is_ok_and(|n| n >= 1), "{}", r.jusho);
        assert!(go.parse::<u32>().is_ok_and(|n| n >= 1), "{}", r.jusho);
    }
}

#[test]
fn kana_is_fullwidth_katakana_with_one_ideographic_space() {
    for r in residents(13, 100_000) {
        let (family, given) = r
            .kana
            .split_once('\u{3000}')
            .unwrap_or_else(|| panic!("{:?}", r.kana));
        assert!(!family.is_empty() && !given.is_empty(), "{:?}", r.kana);
        assert!(
            family
                .chars()
                .chain(given.chars())
                .all(is_fullwidth_katakana),
            "{:?}",
            r.kana
        );
    }
}

#[test]
fn kanji_names_variants_and_foreign_residents() {
    let rows = residents(17, 100_000);
    let mut variants = 0;
    for r in &rows {
        if is_foreign(r) {
            assert!(
                r.kanji.bytes().all(|b| b.is_ascii_uppercase() || b == b' '),
                "{}",
                r.kanji
            );
            assert!(r.kanji.contains(' '));
        } else {
            assert_eq!(r.kanji.matches('\u{3000}').count(), 1, "{}", r.kanji);
            if r.kanji.chars().any(|c| "髙﨑齋齊邊邉濱櫻廣嶋".contains(c)) {
                variants += 1;
            }
        }
    }
    let foreign = share(&rows, is_foreign);
    assert!((0.05..0.15).contains(&foreign), "foreign share {foreign}");
    assert!(variants > 100, "only {variants} registered variant forms");
    assert!(rows.iter().any(|r| r.kanji.contains('髙')));
    assert!(rows.iter().any(|r| r.kanji.contains('﨑')));
}

#[test]
fn sex_agrees_with_given_name() {
    let rows = residents(19, 100_000);
    let mut seen: HashMap<&str, Sex> = HashMap::new();
    for r in &rows {
        let given = r.kanji.split(['\u{3000}', ' ']).nth(1).unwrap_or_default();
        let given = if is_foreign(r) {
            r.kanji.split_once(' ').unwrap().1
        } else {
            given
        };
        if let Some(prev) = seen.insert(given, r.sex) {
            assert_eq!(prev, r.sex, "{given} given to both sexes");
        }
        // Japanese naming conventions: -子 is a girl's name, -郎/-夫/-雄 a boy's.
        if !is_foreign(r) {
            if given.ends_with('子') {
                assert_eq!(r.sex, Sex::Female, "{}", r.kanji);
            }
            if given.ends_with(['郎', '夫', '雄']) {
                assert_eq!(r.sex, Sex::Male, "{}", r.kanji);
            }
        }
    }
    let female = share(&rows, |r| r.sex == Sex::Female);
    assert!((0.48..0.58).contains(&female), "{female}");
}

#[test]
fn given_names_follow_the_generation() {
    // 陽翔 and 蓮 are names of the 2000s; nobody over 60 should carry them,
    // and 和子 is a name of the 1950s.
    let rows = residents(23, 100_000);
    for r in &rows {
        let age = age_on(r.birth_date, DEFAULT_AS_OF);
        let given = r.kanji.split('\u{3000}').nth(1).unwrap_or_default();
        if ["陽翔", "蓮", "陽菜", "結衣"].contains(&given) {
            assert!(age < 40, "{} aged {age}", r.kanji);
        }
        if ["和子", "茂", "幸子"].contains(&given) {
            assert!(age >= 55, "{} aged {age}", r.kanji);
        }
    }
}

#[test]
fn age_structure_is_an_nhi_roll() {
    let rows = residents(29, 100_000);
    let ages: Vec<i32> = rows
        .iter()
        .map(|r| age_on(r.birth_date, DEFAULT_AS_OF))
        .collect();
    assert!(ages.iter().all(|a| (0..=74).contains(a)), "NHI ends at 75");
    let frac = |lo: i32, hi: i32| {
        ages.iter().filter(|a| (lo..=hi).contains(*a)).count() as f64 / ages.len() as f64
    };
    let (core, old, young) = (frac(40, 74), frac(65, 74), frac(0, 19));
    assert!((0.60..0.75).contains(&core), "40-74: {core}");
    assert!((0.28..0.42).contains(&old), "65-74: {old}");
    assert!((0.03..0.12).contains(&young), "0-19: {young}");
    // Skewed old: the 70s outnumber the 40s.
    assert!(frac(70, 74) > frac(40, 44) * 2.0);
    // Every single year of age occurs (no gaps at band edges).
    for a in 0..=74 {
        assert!(ages.contains(&a), "nobody aged {a}");
    }
}

#[test]
fn membership_dates_are_consistent() {
    let rows = residents(31, 100_000);
    for r in &rows {
        assert!(
            r.shikaku_shutoku >= r.birth_date,
            "joined before birth: {r:?}"
        );
        assert!(r.shikaku_shutoku < DEFAULT_AS_OF);
        if let Some(lost) = r.shikaku_soshitsu {
            assert!(lost > r.shikaku_shutoku && lost < DEFAULT_AS_OF, "{r:?}");
        }
    }
    let lost = share(&rows, |r| r.shikaku_soshitsu.is_some());
    assert!((0.03..0.07).contains(&lost), "lost share {lost}");
}

#[test]
fn screening_only_in_the_target_ages_and_values_only_when_screened() {
    let rows = residents(37, 100_000);
    let prev_fy_end = fiscal_year_end(fiscal_year_of(DEFAULT_AS_OF) - 1).unwrap();
    let (mut eligible, mut screened) = (0, 0);
    let (mut count_if_screened, mut count_if_not) = (0u32, 0u32);
    for r in &rows {
        let age = age_on(r.birth_date, prev_fy_end);
        let has_values = [r.bmi.is_some(), r.sbp.is_some(), r.hba1c.is_some()];
        assert!(
            has_values.iter().all(|&v| v == r.prev_year_screened),
            "{r:?}"
        );
        assert!(r.screenings_5y <= 5);
        if !(40..=74).contains(&age) {
            assert!(!r.prev_year_screened, "screened at {age}: {r:?}");
        } else if r.shikaku_shutoku <= prev_fy_end {
            eligible += 1;
        }
        if r.prev_year_screened {
            screened += 1;
            assert!(r.screenings_5y >= 1);
            count_if_screened += u32::from(r.screenings_5y);
            let bmi = r.bmi.unwrap();
            assert!((15.0..=42.0).contains(&bmi) && (bmi * 10.0).fract().abs() < 1e-3);
            assert!((88..=200).contains(&r.sbp.unwrap()));
            assert!((4.0..=12.0).contains(&r.hba1c.unwrap()));
        } else {
            count_if_not += u32::from(r.screenings_5y);
        }
    }
    let rate = f64::from(screened) / f64::from(eligible);
    assert!((0.25..0.50).contains(&rate), "uptake {rate}");
    let not_screened = rows.len() as u32 - screened;
    let mean_yes = f64::from(count_if_screened) / f64::from(screened);
    let mean_no = f64::from(count_if_not) / f64::from(not_screened);
    assert!(mean_yes > mean_no + 1.5, "habit: {mean_yes} vs {mean_no}");
}

#[test]
fn phones_and_katagaki_shares() {
    let rows = residents(41, 50_000);
    let phone = share(&rows, |r| r.phone.is_some());
    assert!((0.76..0.84).contains(&phone), "{phone}");
    let katagaki = share(&rows, |r| !r.katagaki.is_empty());
    assert!((0.45..0.55).contains(&katagaki), "{katagaki}");
    let mobile = share(&rows, |r| {
        r.phone.as_deref().is_some_and(|p| !p.starts_with("03-"))
    });
    assert!(mobile > 0.3, "{mobile}");
}

#[test]
fn reference_date_moves_everything() {
    let as_of = NaiveDate::from_ymd_opt(2030, 4, 1).unwrap();
    let rows: Vec<Resident> = Generator::new(5, BASE)
        .with_as_of(as_of)
        .take(20_000)
        .collect();
    for r in &rows {
        assert!((0..=74).contains(&age_on(r.birth_date, as_of)));
        assert!(r.shikaku_shutoku < as_of);
        assert!(format!("{:011}", r.jushinken_no).starts_with("30"));
    }
    assert!(rows
        .iter()
        .any(|r| age_on(r.birth_date, DEFAULT_AS_OF) < 0 || r.shikaku_shutoku >= DEFAULT_AS_OF));
}
