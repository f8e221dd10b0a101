// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, Duration, NaiveDate};
use itaku_jp::date::{
    format_era_code, format_wareki, format_wareki_short, parse_date, parse_date_with_era_hint,
    DateError, EraSide,
};
use itaku_jp::{Era, Wareki};
use proptest::prelude::*;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

type Ymd = (i32, u32, u32);

/// The era table as the brief states it, kept apart from the crate's own.
const ERAS: [(Era, &str, Ymd, Option<Ymd>); 5] = [
    (Era::Meiji, "明治", (1868, 1, 25), Some((1912, 7, 29))),
    (Era::Taisho, "大正", (1912, 7, 30), Some((1926, 12, 24))),
    (Era::Showa, "昭和", (1926, 12, 25), Some((1989, 1, 7))),
    (Era::Heisei, "平成", (1989, 1, 8), Some((2019, 4, 30))),
    (Era::Reiwa, "令和", (2019, 5, 1), None),
];

fn to_fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

#[test]
fn every_documented_form_parses() {
    let expected = ymd(1970, 3, 1);
    for text in [
        "1970-03-01",
        "1970/3/1",
        "1970/03/01",
        "1970.3.1",
        "1970年3月1日",
        "19700301",
        "昭和45年3月1日",
        "昭和45年3月1",
        "昭和 45年 3月 1日",
        "昭和四十五年三月一日",
        "昭45.3.1",
        "S45.03.01",
        "S45.3.1",
        "s45/3/1",
        "S.45.3.1",
        "S45-3-1",
        "S450301",
        "㍼45年3月1日",
        "3450301",
        "昭和45年3月1日生",
        "昭和45年3月1日生まれ",
        "1970/3/1 0:00",
        "1970-03-01T00:00:00",
        "1970ー3ー1",
        "1970−03−01",
        "  1970/3/1  ",
    ] {
        assert_eq!(parse_date(text), Ok(expected), "{text}");
        let wide = to_fullwidth(text);
        assert_eq!(parse_date(&wide), Ok(expected), "{wide}");
    }
    assert_eq!(parse_date("昭和元年12月25日"), Ok(ymd(1926, 12, 25)));
    assert_eq!(parse_date("令和元年5月1日"), Ok(ymd(2019, 5, 1)));
    assert_eq!(parse_date("R01.05.01"), Ok(ymd(2019, 5, 1)));
    assert_eq!(parse_date("5010501"), Ok(ymd(2019, 5, 1)));
    assert_eq!(parse_date("M45.7.29"), Ok(ymd(1912, 7, 29)));
    assert_eq!(parse_date("T1.7.30"), Ok(ymd(1912, 7, 30)));
    assert_eq!(parse_date("大15.12.24"), Ok(ymd(1926, 12, 24)));
    assert_eq!(parse_date("H31.4.30"), Ok(ymd(2019, 4, 30)));
    assert_eq!(parse_date("平成元年1月8日"), Ok(ymd(1989, 1, 8)));
    assert_eq!(parse_date("昭和64年1月7日"), Ok(ymd(1989, 1, 7)));
}

#[test]
fn dates_outside_their_era_are_refused_with_the_boundary_named() {
    let cases = [
        (
            "昭和64年2月1日",
            Era::Showa,
            EraSide::AfterEnd,
            "（昭和は64年1月7日まで）",
        ),
        (
            "平成31年5月1日",
            Era::Heisei,
            EraSide::AfterEnd,
            "（平成は31年4月30日まで）",
        ),
        (
            "令和元年4月30日",
            Era::Reiwa,
            EraSide::BeforeStart,
            "（令和は元年5月1日から）",
        ),
        (
            "平成元年1月7日",
            Era::Heisei,
            EraSide::BeforeStart,
            "（平成は元年1月8日から）",
        ),
        (
            "明治元年1月24日",
            Era::Meiji,
            EraSide::BeforeStart,
            "（明治は元年1月25日から）",
        ),
        (
            "M45.07.30",
            Era::Meiji,
            EraSide::AfterEnd,
            "（明治は45年7月29日まで）",
        ),
        (
            "大正15年12月25日",
            Era::Taisho,
            EraSide::AfterEnd,
            "（大正は15年12月24日まで）",
        ),
        (
            "昭和0年1月1日",
            Era::Showa,
            EraSide::BeforeStart,
            "（昭和は元年12月25日から）",
        ),
        (
            "S99.1.1",
            Era::Showa,
            EraSide::AfterEnd,
            "（昭和は64年1月7日まで）",
        ),
        (
            "4310501",
            Era::Heisei,
            EraSide::AfterEnd,
            "（平成は31年4月30日まで）",
        ),
    ];
    for (text, era, side, bound) in cases {
        let err = parse_date(text).unwrap_err();
        assert_eq!(
            err,
            DateError::OutOfEra {
                input: text.to_owned(),
                era,
                side
            },
            "{text}"
        );
        assert_eq!(
            err.to_string(),
            format!("「{text}」は{}の期間外です{bound}", era.kanji())
        );
    }
    assert_eq!(
        format!("生年月日{}", parse_date("昭和64年2月1日").unwrap_err()),
        "生年月日「昭和64年2月1日」は昭和の期間外です（昭和は64年1月7日まで）"
    );
}

#[test]
fn impossible_dates_are_refused() {
    let err = parse_date("2001/02/30").unwrap_err();
    assert_eq!(
        err.to_string(),
        "「2001/02/30」は存在しない日付です（2001年2月は28日まで）"
    );
    assert_eq!(
        parse_date("昭和45年2月29日").unwrap_err().to_string(),
        "「昭和45年2月29日」は存在しない日付です（昭和45年2月は28日まで）"
    );
    assert!(parse_date("2000/02/29").is_ok());
    assert!(matches!(
        parse_date("1900/02/29"),
        Err(DateError::NoSuchDay { last_day: 28, .. })
    ));
    assert!(matches!(
        parse_date("19700431"),
        Err(DateError::NoSuchDay { last_day: 30, .. })
    ));
    assert!(matches!(
        parse_date("1970/3/0"),
        Err(DateError::NoSuchDay { .. })
    ));
    assert_eq!(
        parse_date("1970/13/1").unwrap_err().to_string(),
        "「1970/13/1」の月「13」は 1〜12 の範囲外です"
    );
    assert!(matches!(
        parse_date("S45.0.1"),
        Err(DateError::InvalidMonth { month: 0, .. })
    ));
}

#[test]
fn unreadable_text_is_refused() {
    assert_eq!(parse_date(""), Err(DateError::Empty));
    assert_eq!(parse_date(" \u{3000} "), Err(DateError::Empty));
    for text in [
        "abc",
        "70/3/1",
        "1970/3-1",
        "1970年3/1",
        "1970/3/1/2",
        "昭和45.3.1日",
        "19700301x",
        "197031",
        "00000000",
        "0000/01/01",
        "1970/3/1 12:30",
        "昭和",
        "S",
        "S19700301",
        "S3450301",
        "元年3月1日",
        "X45.3.1",
        "1970//3/1",
        "平成",
    ] {
        assert!(
            matches!(parse_date(text), Err(DateError::Unrecognised { .. })),
            "{text}: {:?}",
            parse_date(text)
        );
    }
    assert_eq!(
        parse_date("9450301").unwrap_err().to_string(),
        "「9450301」の先頭の元号コード「9」は 1〜5（1 明治, 2 大正, 3 昭和, 4 平成, 5 令和）のどれでもありません"
    );
    // Absurd era years: past the era's end, or past four-digit years.
    assert!(matches!(
        parse_date("昭和99999999年1月1日"),
        Err(DateError::OutOfEra {
            side: EraSide::AfterEnd,
            ..
        })
    ));
    assert!(matches!(
        parse_date("令和99999999年1月1日"),
        Err(DateError::Unrecognised { .. })
    ));
    assert!(matches!(
        parse_date("令和99999999999年1月1日"),
        Err(DateError::Unrecognised { .. })
    ));
    // Seven digits are always an era code: 明治97年 here.
    assert_eq!(
        parse_date("1970031").unwrap_err().to_string(),
        "「1970031」は明治の期間外です（明治は45年7月29日まで）"
    );
    assert!(matches!(
        parse_date("0450301"),
        Err(DateError::UnknownEraCode { code: 0, .. })
    ));
}

#[test]
fn an_era_hint_reads_short_years_for_data_entry() {
    let r = Era::Reiwa;
    assert_eq!(parse_date_with_era_hint("5.4.1", r), Ok(ymd(2023, 4, 1)));
    assert_eq!(
        parse_date_with_era_hint("5年4月1日", r),
        Ok(ymd(2023, 4, 1))
    );
    assert_eq!(parse_date_with_era_hint("050401", r), Ok(ymd(2023, 4, 1)));
    assert_eq!(
        parse_date_with_era_hint("５．４．１", r),
        Ok(ymd(2023, 4, 1))
    );
    assert_eq!(parse_date_with_era_hint("元.5.1", r), Ok(ymd(2019, 5, 1)));
    assert_eq!(parse_date_with_era_hint("R5.4.1", r), Ok(ymd(2023, 4, 1)));
    // An explicit era or a four-digit year wins over the hint.
    assert_eq!(parse_date_with_era_hint("H5.4.1", r), Ok(ymd(1993, 4, 1)));
    assert_eq!(parse_date_with_era_hint("2023/4/1", r), Ok(ymd(2023, 4, 1)));
    assert_eq!(parse_date_with_era_hint("20230401", r), Ok(ymd(2023, 4, 1)));
    assert_eq!(parse_date_with_era_hint("3450301", r), Ok(ymd(1970, 3, 1)));
    // The hint era's bounds still apply.
    assert!(matches!(
        parse_date_with_era_hint("元.4.30", r),
        Err(DateError::OutOfEra {
            side: EraSide::BeforeStart,
            ..
        })
    ));
    assert!(matches!(
        parse_date_with_era_hint("65.1.1", Era::Showa),
        Err(DateError::OutOfEra {
            side: EraSide::AfterEnd,
            ..
        })
    ));
    // Without a hint the same text is ambiguous.
    assert!(matches!(
        parse_date("5.4.1"),
        Err(DateError::Unrecognised { .. })
    ));
    assert!(matches!(
        parse_date("050401"),
        Err(DateError::Unrecognised { .. })
    ));
}

#[test]
fn formats_back_as_wareki() {
    assert_eq!(format_wareki(ymd(1970, 3, 1)), "昭和45年3月1日");
    assert_eq!(format_wareki(ymd(2019, 5, 1)), "令和元年5月1日");
    assert_eq!(format_wareki(ymd(2019, 4, 30)), "平成31年4月30日");
    assert_eq!(format_wareki(ymd(1989, 1, 7)), "昭和64年1月7日");
    assert_eq!(format_wareki(ymd(1989, 1, 8)), "平成元年1月8日");
    assert_eq!(format_wareki(ymd(1912, 7, 30)), "大正元年7月30日");
    assert_eq!(format_wareki(ymd(1868, 1, 25)), "明治元年1月25日");
    assert_eq!(format_wareki(ymd(1868, 1, 24)), "1868年1月24日");
    assert_eq!(format_wareki(ymd(2026, 4, 1)), "令和8年4月1日");
    assert_eq!(format_wareki_short(ymd(1970, 3, 1)), "S45.03.01");
    assert_eq!(format_wareki_short(ymd(2019, 5, 1)), "R01.05.01");
    assert_eq!(format_wareki_short(ymd(1800, 1, 2)), "1800.01.02");
    assert_eq!(format_era_code(ymd(1970, 3, 1)).as_deref(), Some("3450301"));
    assert_eq!(format_era_code(ymd(1800, 1, 1)), None);
    // 令和 has no end: year 100 has no 7-digit form.
    assert_eq!(format_era_code(ymd(2118, 1, 1)), None);
    assert_eq!(format_wareki(ymd(2118, 1, 1)), "令和100年1月1日");
}

#[test]
fn era_table_matches_the_law() {
    for (era, kanji, (y, m, d), last) in ERAS {
        assert_eq!(era.kanji(), kanji);
        assert_eq!(era.first_day(), ymd(y, m, d), "{kanji}");
        assert_eq!(
            era.last_day(),
            last.map(|(y, m, d)| ymd(y, m, d)),
            "{kanji}"
        );
        assert_eq!(Era::of(ymd(y, m, d)), Some(era));
        if let Some((y, m, d)) = last {
            assert_eq!(Era::of(ymd(y, m, d)), Some(era));
        }
    }
    assert_eq!(Era::of(ymd(1868, 1, 24)), None);
    let letters: String = Era::ALL.iter().map(|e| e.letter()).collect();
    assert_eq!(letters, "MTSHR");
    let codes: Vec<u32> = Era::ALL.iter().map(|e| e.code()).collect();
    assert_eq!(codes, vec![1, 2, 3, 4, 5]);
    for era in Era::ALL {
        for spelling in [
            era.kanji().to_owned(),
            era.abbreviation().to_string(),
            era.letter().to_string(),
            era.letter().to_ascii_lowercase().to_string(),
            era.romaji().to_owned(),
            era.code().to_string(),
        ] {
            assert_eq!(spelling.parse::<Era>(), Ok(era), "{spelling}");
        }
        let json = serde_json::to_string(&era).unwrap();
        assert_eq!(json, format!("\"{}\"", era.kanji()));
        assert_eq!(serde_json::from_str::<Era>(&json).unwrap(), era);
    }
    let showa45 = Wareki::from_date(ymd(1970, 3, 1)).unwrap();
    assert_eq!(
        serde_json::to_string(&showa45).unwrap(),
        "\"昭和45年3月1日\""
    );
    assert_eq!(
        serde_json::from_str::<Wareki>("\"S45.03.01\"").unwrap(),
        showa45
    );
    assert!(serde_json::from_str::<Wareki>("\"1800-01-01\"").is_err());
    assert!(serde_json::from_str::<Wareki>("\"昭和64年2月1日\"").is_err());
    assert!("慶応".parse::<Era>().is_err());
    assert!(serde_json::from_str::<Era>("\"X\"").is_err());
}

/// Every era-date the grid can spell, checked against the era table and
/// the calendar: accepted exactly when the day exists and lies in the era.
#[test]
fn exhaustive_era_grid() {
    let mut accepted = 0;
    for (era, kanji, (fy, fm, fd), last) in ERAS {
        let first = ymd(fy, fm, fd);
        let last = last.map(|(y, m, d)| ymd(y, m, d));
        for year in 0..=70u32 {
            for month in 0..=13u32 {
                for day in 0..=32u32 {
                    let text = format!("{kanji}{year}年{month}月{day}日");
                    let gregorian = fy + i32::try_from(year).unwrap() - 1;
                    let expected = NaiveDate::from_ymd_opt(gregorian, month, day)
                        .filter(|d| year >= 1 && *d >= first && last.is_none_or(|l| *d <= l));
                    let got = parse_date(&text);
                    assert_eq!(got.clone().ok(), expected, "{text}: {got:?}");
                    if let Some(date) = expected {
                        accepted += 1;
                        assert_eq!(Wareki::from_date(date).map(|w| w.era), Some(era));
                    }
                }
            }
        }
    }
    // Each day from 明治元年1月25日 to 令和70年12月31日 exactly once.
    let span = (ymd(2088, 12, 31) - ymd(1868, 1, 25)).num_days() + 1;
    assert_eq!(accepted, span);
}

/// Every day from 明治元年1月25日 to 2100 formats and parses back in every
/// output form.
#[test]
fn every_day_round_trips_through_every_form() {
    let mut day = ymd(1868, 1, 25);
    while day <= ymd(2100, 12, 31) {
        assert_eq!(parse_date(&format_wareki(day)), Ok(day), "{day}");
        assert_eq!(parse_date(&format_wareki_short(day)), Ok(day), "{day}");
        if let Some(code) = format_era_code(day) {
            assert_eq!(parse_date(&code), Ok(day), "{code}");
        }
        assert_eq!(parse_date(&day.format("%Y%m%d").to_string()), Ok(day));
        assert_eq!(parse_date(&day.to_string()), Ok(day));
        day += Duration::days(1);
    }
}

fn date_strategy() -> impl Strategy<Value = NaiveDate> {
    let first = ymd(1873, 1, 1).num_days_from_ce();
    let last = ymd(2100, 12, 31).num_days_from_ce();
    (first..=last).prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
}

proptest! {
    #[test]
    fn any_spelling_of_a_date_parses_to_it(
        date in date_strategy(),
        form in 0usize..8,
        wide in any::<bool>(),
        spaced in any::<bool>(),
    ) {
        let w = Wareki::from_date(date).unwrap();
        let text = match form {
            0 => format_wareki(date),
            1 => format_wareki_short(date),
            2 => format!("{}{}.{}.{}", w.era.abbreviation(), w.year, w.month, w.day),
            3 => format!("{}/{}/{}", date.year(), date.month(), date.day()),
            4 => date.format("%Y%m%d").to_string(),
            5 => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
            6 => format!("{}{}-{}-{}", w.era.letter().to_ascii_lowercase(), w.year, w.month, w.day),
            _ => w.era_code().unwrap_or_else(|| date.to_string()),
        };
        let text = if spaced { format!(" {} ", text.replace('年', "年 ")) } else { text };
        let text = if wide { to_fullwidth(&text) } else { text };
        prop_assert_eq!(parse_date(&text), Ok(date), "{}", text);
    }

    #[test]
    fn parsing_never_panics_and_errors_quote_the_input(text in "\\PC{0,16}") {
        if let Err(e) = parse_date(&text) {
            let message = e.to_string();
            prop_assert!(e == DateError::Empty || message.contains(text.trim()), "{}", message);
        }
    }
}

proptest! {
    /// Data entry from paper ledgers (seed 004): "R5.4.1" names its era,
    /// "5.4.1" takes the configured default era; both read back the date,
    /// in either width, whatever the default era is for the lettered form.
    #[test]
    fn paper_short_forms_read_with_a_default_era(
        date in date_strategy(),
        other in 0usize..5,
        wide in any::<bool>(),
    ) {
        let w = Wareki::from_date(date).unwrap();
        prop_assume!(w.year <= 99);
        let bare = format!("{}.{}.{}", w.year, w.month, w.day);
        let lettered = format!("{}{}", w.era.letter(), bare);
        let (bare, lettered) = if wide {
            (to_fullwidth(&bare), to_fullwidth(&lettered))
        } else {
            (bare, lettered)
        };
        prop_assert_eq!(parse_date_with_era_hint(&bare, w.era), Ok(date), "{}", bare);
        let default = Era::ALL[other];
        prop_assert_eq!(parse_date_with_era_hint(&lettered, default), Ok(date), "{}", lettered);
        // The bare form never parses to a different day: it is this date
        // (same era) or refused or another era's date of other year.
        if default != w.era {
            if let Ok(d) = parse_date_with_era_hint(&bare, default) {
                prop_assert_ne!(d, date);
            }
        }
    }

    /// A day past the month's end in the short form is refused with the
    /// month's last day in the message, never moved to the next month.
    #[test]
    fn impossible_short_dates_are_refused(year in 1u32..=7, month in 1u32..=12, extra in 1u32..=3) {
        let last = itaku_jp::date::last_day_of_month(2018 + year as i32, month);
        let text = format!("R{year}.{month}.{}", last + extra);
        let e = parse_date_with_era_hint(&text, Era::Reiwa).unwrap_err().to_string();
        prop_assert!(e.contains(&format!("{last}日まで")) || e.contains("日付として読めません") || e.contains("期間外"), "{}", e);
    }
}
