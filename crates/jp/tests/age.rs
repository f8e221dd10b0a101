// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, Duration, NaiveDate};
use itaku_jp::age::{age_at_fiscal_year_end, age_attained_on, age_on, FiscalYear};
use proptest::prelude::*;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Independent statement of the Act: the age at the end of day `on` is the
/// ordinary "birthday passed" age on the next day, where a February 29
/// birthday falls on March 1 in common years. (Attaining at the end of the
/// day before the birthday = counting the next morning.)
fn oracle(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let next = on + Duration::days(1);
    let birthday_not_yet = (next.month(), next.day()) < (birth.month(), birth.day());
    u32::try_from(next.year() - birth.year() - i32::from(birthday_not_yet)).unwrap()
}

#[test]
fn april_first_births_are_a_year_older_on_march_31() {
    let april1 = ymd(2000, 4, 1);
    assert_eq!(age_on(april1, ymd(2006, 3, 30)), 5);
    assert_eq!(age_on(april1, ymd(2006, 3, 31)), 6);
    let april2 = ymd(2000, 4, 2);
    assert_eq!(age_on(april2, ymd(2006, 3, 31)), 5);
    assert_eq!(age_on(april2, ymd(2006, 4, 1)), 6);
    assert_eq!(age_at_fiscal_year_end(april1, FiscalYear::new(2005)), 6);
    assert_eq!(age_at_fiscal_year_end(april2, FiscalYear::new(2005)), 5);
}

#[test]
fn february_29_births_attain_their_age_at_the_end_of_february_28() {
    let birth = ymd(2000, 2, 29);
    assert_eq!(age_on(birth, ymd(2001, 2, 27)), 0);
    assert_eq!(age_on(birth, ymd(2001, 2, 28)), 1);
    assert_eq!(age_on(birth, ymd(2004, 2, 27)), 3);
    assert_eq!(age_on(birth, ymd(2004, 2, 28)), 4);
    assert_eq!(age_on(birth, ymd(2004, 2, 29)), 4);
    for age in 1..=120 {
        let day = age_attained_on(birth, age).unwrap();
        assert_eq!((day.month(), day.day()), (2, 28), "{age}");
        assert_eq!(age_on(birth, day), age);
        assert_eq!(age_on(birth, day - Duration::days(1)), age - 1);
    }
    // March 1 births attain on February 29 in leap years.
    assert_eq!(age_attained_on(ymd(2003, 3, 1), 1), Some(ymd(2004, 2, 29)));
    assert_eq!(age_attained_on(ymd(2003, 3, 1), 2), Some(ymd(2005, 2, 28)));
}

#[test]
fn january_first_births_attain_on_new_years_eve() {
    let birth = ymd(2000, 1, 1);
    assert_eq!(age_on(birth, ymd(2000, 12, 30)), 0);
    assert_eq!(age_on(birth, ymd(2000, 12, 31)), 1);
    assert_eq!(age_attained_on(birth, 75), Some(ymd(2074, 12, 31)));
}

#[test]
fn before_birth_and_on_the_birth_day_the_age_is_zero() {
    let birth = ymd(1990, 6, 15);
    assert_eq!(age_on(birth, ymd(1980, 1, 1)), 0);
    assert_eq!(age_on(birth, birth), 0);
    assert_eq!(age_on(birth, ymd(1991, 6, 13)), 0);
    assert_eq!(age_on(birth, ymd(1991, 6, 14)), 1);
}

/// Every birth date 1995–2005 against the oracle on the days around each of
/// its first twelve attainment days, and on every March 31.
#[test]
fn exhaustive_around_every_birthday() {
    let mut birth = ymd(1995, 1, 1);
    let mut checked = 0;
    while birth <= ymd(2005, 12, 31) {
        for years in 0..=12 {
            let Some(anchor) = birth
                .with_year(birth.year() + years)
                .or_else(|| NaiveDate::from_ymd_opt(birth.year() + years, 3, 1))
            else {
                continue;
            };
            for offset in -3..=3 {
                let on = anchor + Duration::days(offset);
                assert_eq!(age_on(birth, on), oracle(birth, on), "{birth} on {on}");
                checked += 1;
            }
            let march31 = ymd(birth.year() + years, 3, 31);
            assert_eq!(age_on(birth, march31), oracle(birth, march31));
        }
        birth += Duration::days(1);
    }
    assert!(checked > 350_000);
}

/// 学校教育法第17条: school starts at the first April after the day
/// following the day a child attains six. Children born April 2 of one year
/// to April 1 of the next share a school year.
#[test]
fn school_cohorts_run_from_april_2_to_april_1() {
    let mut birth = ymd(2010, 1, 1);
    while birth <= ymd(2020, 12, 31) {
        let entry = (birth.year()..)
            .find(|y| age_on(birth, ymd(*y, 3, 31)) >= 6)
            .unwrap();
        let cohort = FiscalYear::of(birth - Duration::days(1)).start_year();
        assert_eq!(entry, cohort + 7, "{birth}");
        birth += Duration::days(1);
    }
}

#[test]
fn fiscal_years_run_april_to_march() {
    let fy = FiscalYear::new(2026);
    assert_eq!(fy.start(), ymd(2026, 4, 1));
    assert_eq!(fy.end(), ymd(2027, 3, 31));
    assert_eq!(FiscalYear::of(ymd(2026, 4, 1)), fy);
    assert_eq!(FiscalYear::of(ymd(2027, 3, 31)), fy);
    assert_eq!(FiscalYear::of(ymd(2026, 3, 31)), FiscalYear::new(2025));
    assert_eq!(FiscalYear::of(ymd(2027, 4, 1)), FiscalYear::new(2027));
    assert_eq!(fy.previous(), FiscalYear::new(2025));
    assert_eq!(fy.next(), FiscalYear::new(2027));
    assert!(fy.contains(ymd(2026, 12, 31)));
    assert!(!fy.contains(ymd(2026, 3, 31)));
}

#[test]
fn fiscal_year_labels() {
    let cases = [
        (2026, "令和8年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
        (1926, "昭和元年度"),
        (1912, "大正元年度"),
        (1868, "明治元年度"),
        (1867, "1867年度"),
    ];
    for (year, label) in cases {
        let fy = FiscalYear::new(year);
        assert_eq!(fy.label(), label);
        assert_eq!(fy.to_string(), label);
        if year >= 1868 {
            assert_eq!(label.parse::<FiscalYear>(), Ok(fy), "{label}");
        }
    }
    for (text, year) in [
        ("2026", 2026),
        ("2026年度", 2026),
        ("２０２６年度", 2026),
        ("R8", 2026),
        ("r8年度", 2026),
        ("R08", 2026),
        ("平成31年度", 2019),
        ("H31", 2019),
        ("令和 8 年度", 2026),
    ] {
        assert_eq!(
            text.parse::<FiscalYear>(),
            Ok(FiscalYear::new(year)),
            "{text}"
        );
    }
    for text in [
        "昭和65年度",
        "平成32年度",
        "令和0年度",
        "R",
        "26年度",
        "年度",
        "",
        "令和八年度x",
    ] {
        let err = text.parse::<FiscalYear>().unwrap_err();
        assert!(err.to_string().contains("年度として読めません"), "{text}");
    }
}

#[test]
fn fiscal_years_serialise_as_the_starting_year() {
    let fy = FiscalYear::new(2026);
    assert_eq!(serde_json::to_string(&fy).unwrap(), "2026");
    assert_eq!(serde_json::from_str::<FiscalYear>("2026").unwrap(), fy);
    assert_eq!(
        serde_json::from_str::<FiscalYear>("\"令和8年度\"").unwrap(),
        fy
    );
    assert!(serde_json::from_str::<FiscalYear>("\"来年\"").is_err());
}

fn date_strategy(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    (from.num_days_from_ce()..=to.num_days_from_ce())
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

proptest! {
    #[test]
    fn age_matches_the_oracle(
        birth in date_strategy(ymd(1900, 1, 1), ymd(2030, 12, 31)),
        on in date_strategy(ymd(1900, 1, 1), ymd(2100, 12, 31)),
    ) {
        prop_assert_eq!(age_on(birth, on), oracle(birth, on));
    }

    #[test]
    fn age_rises_by_one_exactly_at_each_attainment_day(
        birth in date_strategy(ymd(1900, 1, 1), ymd(2030, 12, 31)),
        age in 1u32..110,
    ) {
        let day = age_attained_on(birth, age).unwrap();
        prop_assert_eq!(age_on(birth, day), age);
        prop_assert_eq!(age_on(birth, day - Duration::days(1)), age - 1);
        prop_assert!(day >= birth);
    }

    #[test]
    fn every_date_lies_in_its_fiscal_year(date in date_strategy(ymd(1800, 1, 1), ymd(2200, 12, 31))) {
        let fy = FiscalYear::of(date);
        prop_assert!(fy.start() <= date && date <= fy.end());
        prop_assert_eq!(fy.end() - fy.start() + Duration::days(1), fy.next().start() - fy.start());
    }

    #[test]
    fn fiscal_year_labels_parse_back(year in 1868i32..2200) {
        let fy = FiscalYear::new(year);
        prop_assert_eq!(fy.label().parse::<FiscalYear>(), Ok(fy));
    }
}
