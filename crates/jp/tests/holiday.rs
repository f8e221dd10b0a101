// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use itaku_jp::holiday::{holidays_in, is_heichobi, is_holiday, is_year_end_closure, next_kaichobi};
use proptest::prelude::*;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// (month, day, name).
type Holiday = (u32, u32, &'static str);

/// Source: 内閣府「国民の祝日について」(https://www8.cao.go.jp/chosei/shukujitsu/gaiyou.html),
/// the lists for 令和6年 to 令和9年 (令和9年 as fixed by 官報 暦要項,
/// 令和8年2月); cross-checked against holiday-jp/holiday_jp holidays.yml.
/// 内閣府 lists 振替休日 and 国民の休日 both as 休日; here they carry the
/// names that say why.
const KNOWN: &[(i32, &[Holiday])] = &[
    (
        2024,
        &[
            (1, 1, "元日"),
            (1, 8, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 12, "振替休日"),
            (2, 23, "天皇誕生日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, "振替休日"),
            (7, 15, "海の日"),
            (8, 11, "山の日"),
            (8, 12, "振替休日"),
            (9, 16, "敬老の日"),
            (9, 22, "秋分の日"),
            (9, 23, "振替休日"),
            (10, 14, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 4, "振替休日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2025,
        &[
            (1, 1, "元日"),
            (1, 13, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (2, 24, "振替休日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, "振替休日"),
            (7, 21, "海の日"),
            (8, 11, "山の日"),
            (9, 15, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 13, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
            (11, 24, "振替休日"),
        ],
    ),
    (
        2026,
        &[
            (1, 1, "元日"),
            (1, 12, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 20, "春分の日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (5, 6, "振替休日"),
            (7, 20, "海の日"),
            (8, 11, "山の日"),
            (9, 21, "敬老の日"),
            (9, 22, "国民の休日"),
            (9, 23, "秋分の日"),
            (10, 12, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
    (
        2027,
        &[
            (1, 1, "元日"),
            (1, 11, "成人の日"),
            (2, 11, "建国記念の日"),
            (2, 23, "天皇誕生日"),
            (3, 21, "春分の日"),
            (3, 22, "振替休日"),
            (4, 29, "昭和の日"),
            (5, 3, "憲法記念日"),
            (5, 4, "みどりの日"),
            (5, 5, "こどもの日"),
            (7, 19, "海の日"),
            (8, 11, "山の日"),
            (9, 20, "敬老の日"),
            (9, 23, "秋分の日"),
            (10, 11, "スポーツの日"),
            (11, 3, "文化の日"),
            (11, 23, "勤労感謝の日"),
        ],
    ),
];

#[test]
fn the_published_lists_for_2024_to_2027_match_exactly() {
    for &(year, list) in KNOWN {
        let expected: Vec<(NaiveDate, &str)> = list
            .iter()
            .map(|&(m, d, name)| (ymd(year, m, d), name))
            .collect();
        assert_eq!(holidays_in(year), expected, "{year}");
    }
}

#[test]
fn special_years_follow_their_special_laws() {
    // 2019: enthronement (天皇の即位の日等休日法), with 国民の休日 either side.
    assert_eq!(is_holiday(ymd(2019, 4, 30)), Some("国民の休日"));
    assert_eq!(is_holiday(ymd(2019, 5, 1)), Some("天皇の即位の日"));
    assert_eq!(is_holiday(ymd(2019, 5, 2)), Some("国民の休日"));
    assert_eq!(
        is_holiday(ymd(2019, 10, 22)),
        Some("即位礼正殿の儀の行われる日")
    );
    assert_eq!(is_holiday(ymd(2019, 12, 23)), None);
    assert_eq!(is_holiday(ymd(2018, 12, 23)), Some("天皇誕生日"));
    // Olympic moves, 2020 and 2021 (オリパラ特措法).
    for (date, name) in [
        (ymd(2020, 7, 23), "海の日"),
        (ymd(2020, 7, 24), "スポーツの日"),
        (ymd(2020, 8, 10), "山の日"),
        (ymd(2021, 7, 22), "海の日"),
        (ymd(2021, 7, 23), "スポーツの日"),
        (ymd(2021, 8, 8), "山の日"),
        (ymd(2021, 8, 9), "振替休日"),
    ] {
        assert_eq!(is_holiday(date), Some(name), "{date}");
    }
    for date in [
        ymd(2020, 7, 20),
        ymd(2020, 8, 11),
        ymd(2020, 10, 12),
        ymd(2021, 7, 19),
        ymd(2021, 8, 11),
        ymd(2021, 10, 11),
    ] {
        assert_eq!(is_holiday(date), None, "{date}");
    }
    // Before 2007 a 国民の休日 was never a Sunday and 振替 only Monday.
    assert_eq!(is_holiday(ymd(2003, 5, 4)), None);
    assert_eq!(is_holiday(ymd(2006, 5, 4)), Some("国民の休日"));
    assert_eq!(is_holiday(ymd(2009, 9, 22)), Some("国民の休日"));
}

#[test]
fn year_end_closure_is_december_29_to_january_3() {
    for (m, d, closed) in [
        (12, 28, false),
        (12, 29, true),
        (12, 30, true),
        (12, 31, true),
        (1, 1, true),
        (1, 2, true),
        (1, 3, true),
        (1, 4, false),
    ] {
        assert_eq!(is_year_end_closure(ymd(2026, m, d)), closed, "{m}/{d}");
    }
}

#[test]
fn offices_open_on_the_next_weekday_that_is_no_holiday() {
    // 2026-12-29 (Tue) … 2027-01-03 (Sun): open again Monday January 4.
    assert_eq!(next_kaichobi(ymd(2026, 12, 29)), ymd(2027, 1, 4));
    // Golden Week 2026: 5/2 Sat … 5/6 振替休日.
    assert_eq!(next_kaichobi(ymd(2026, 5, 2)), ymd(2026, 5, 7));
    // Silver Week 2026: 9/19 Sat … 9/23 秋分の日.
    assert_eq!(next_kaichobi(ymd(2026, 9, 19)), ymd(2026, 9, 24));
    assert_eq!(next_kaichobi(ymd(2026, 9, 24)), ymd(2026, 9, 24));
    assert!(is_heichobi(ymd(2026, 9, 22)));
    assert!(is_heichobi(ymd(2026, 10, 3)));
    assert!(!is_heichobi(ymd(2026, 10, 2)));
}

fn date_strategy() -> impl Strategy<Value = NaiveDate> {
    (ymd(1980, 1, 1).num_days_from_ce()..=ymd(2099, 12, 31).num_days_from_ce())
        .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

proptest! {
    #[test]
    fn substitutes_follow_a_sunday_holiday(date in date_strategy()) {
        if is_holiday(date) == Some("振替休日") {
            prop_assert_ne!(date.weekday(), Weekday::Sun);
            // Walking back over holidays reaches a Sunday holiday.
            let mut day = date - Duration::days(1);
            while is_holiday(day).is_some() && day.weekday() != Weekday::Sun {
                day -= Duration::days(1);
            }
            prop_assert!(is_holiday(day).is_some() && day.weekday() == Weekday::Sun);
        }
        if is_holiday(date) == Some("国民の休日") {
            prop_assert!(is_holiday(date - Duration::days(1)).is_some());
            prop_assert!(is_holiday(date + Duration::days(1)).is_some());
        }
        let next = next_kaichobi(date);
        prop_assert!(next >= date && !is_heichobi(next));
        prop_assert!((next - date).num_days() < 10);
    }

    #[test]
    fn every_year_has_the_equinoxes_and_a_plausible_count(year in 1980i32..2100) {
        let list = holidays_in(year);
        let spring = list.iter().find(|(_, n)| *n == "春分の日").map(|(d, _)| d.day());
        let autumn = list.iter().find(|(_, n)| *n == "秋分の日").map(|(d, _)| d.day());
        prop_assert!(matches!(spring, Some(19..=21)), "{:?}", spring);
        prop_assert!(matches!(autumn, Some(22..=24)), "{:?}", autumn);
        prop_assert!((12..=22).contains(&list.len()), "{}", list.len());
    }
}
