//! Japanese era (和暦) dates and the date notations municipal exports use.
//!
//! Written here rather than borrowed from the parsing crate on purpose: the
//! generator must produce these forms independently, so that an importer bug
//! cannot hide behind the same bug in the generator.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::num::{push_num, push_padded};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    /// Newest first, which is the order [`era_of`] searches.
    const NEWEST_FIRST: [Era; 5] = [Era::Reiwa, Era::Heisei, Era::Showa, Era::Taisho, Era::Meiji];

    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter abbreviation used in forms such as `S45.03.01`.
    pub fn initial(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The leading digit of the 7-digit era-code form (1 明治 … 5 令和).
    pub fn code(self) -> u8 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    /// First day as (year, month, day). 明治 is given from 1873-01-01, when
    /// Japan adopted the Gregorian calendar: earlier Meiji dates were lunisolar
    /// and have no same-day Gregorian 和暦 rendering.
    fn first_ymd(self) -> (i32, u32, u32) {
        match self {
            Era::Meiji => (1873, 1, 1),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        }
    }

    /// The Gregorian year that is this era's year 1 (元年).
    fn year_one(self) -> i32 {
        match self {
            Era::Meiji => 1868,
            Era::Taisho => 1912,
            Era::Showa => 1926,
            Era::Heisei => 1989,
            Era::Reiwa => 2019,
        }
    }
}

/// The era and year-of-era of a date, or `None` before 1873.
pub fn era_of(date: NaiveDate) -> Option<(Era, u32)> {
    era_of_ymd(date.year(), date.month(), date.day())
}

fn era_of_ymd(y: i32, m: u32, d: u32) -> Option<(Era, u32)> {
    Era::NEWEST_FIRST
        .into_iter()
        .find(|era| (y, m, d) >= era.first_ymd())
        .and_then(|era| u32::try_from(y - era.year_one() + 1).ok().map(|n| (era, n)))
}

/// How a date is written in a CSV cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum DateStyle {
    /// `1985/10/09`, the form of the ward's own export.
    #[default]
    Slash,
    /// `1985/10/9`
    SlashUnpadded,
    /// `19851009`
    Compact,
    /// `昭和60年10月9日`, with 元年 for year 1.
    WarekiKanji,
    /// `S60.10.09`
    WarekiInitial,
    /// `3601009`: era code, two-digit era year, month, day.
    EraCode,
}

impl DateStyle {
    pub const ALL: [DateStyle; 6] = [
        DateStyle::Slash,
        DateStyle::SlashUnpadded,
        DateStyle::Compact,
        DateStyle::WarekiKanji,
        DateStyle::WarekiInitial,
        DateStyle::EraCode,
    ];

    pub fn is_wareki(self) -> bool {
        matches!(
            self,
            DateStyle::WarekiKanji | DateStyle::WarekiInitial | DateStyle::EraCode
        )
    }
}

/// Formats `date` in `style`. Dates before 1873 fall back to `Slash`.
pub fn format_date(date: NaiveDate, style: DateStyle) -> String {
    let mut s = String::with_capacity(16);
    push_date(&mut s, date, style);
    s
}

/// Appends `date` in `style` to `out`.
pub fn push_date(out: &mut String, date: NaiveDate, style: DateStyle) {
    let (y, m, d) = (date.year(), date.month(), date.day());
    push_parts(out, y, m, d, era_of_ymd(y, m, d), style);
}

/// Appends a possibly impossible date (e.g. 2001/02/30, 昭和64年2月1日).
/// `era` is the era to write in wareki styles; `None` falls back to `Slash`.
pub(crate) fn push_parts(
    out: &mut String,
    y: i32,
    m: u32,
    d: u32,
    era: Option<(Era, u32)>,
    style: DateStyle,
) {
    let (m, d) = (u64::from(m), u64::from(d));
    match (style, era) {
        (DateStyle::WarekiKanji, Some((era, n))) => {
            out.push_str(era.kanji());
            if n == 1 {
                out.push('元');
            } else {
                push_num(out, u64::from(n));
            }
            out.push('年');
            push_num(out, m);
            out.push('月');
            push_num(out, d);
            out.push('日');
        }
        (DateStyle::WarekiInitial, Some((era, n))) => {
            out.push(era.initial());
            push_padded(out, u64::from(n), 2);
            out.push('.');
            push_padded(out, m, 2);
            out.push('.');
            push_padded(out, d, 2);
        }
        (DateStyle::EraCode, Some((era, n))) => {
            push_num(out, u64::from(era.code()));
            push_padded(out, u64::from(n), 2);
            push_padded(out, m, 2);
            push_padded(out, d, 2);
        }
        (DateStyle::SlashUnpadded, _) => {
            push_year(out, y);
            out.push('/');
            push_num(out, m);
            out.push('/');
            push_num(out, d);
        }
        (DateStyle::Compact, _) => {
            push_year(out, y);
            push_padded(out, m, 2);
            push_padded(out, d, 2);
        }
        _ => {
            push_year(out, y);
            out.push('/');
            push_padded(out, m, 2);
            out.push('/');
            push_padded(out, d, 2);
        }
    }
}

fn push_year(out: &mut String, y: i32) {
    if y < 0 {
        out.push('-');
    }
    push_padded(out, u64::from(y.unsigned_abs()), 4);
}

/// The era to write for a day that may not exist (2001-02-30): the era of the
/// last real day of that month not after it.
pub(crate) fn era_for_invalid(y: i32, m: u32, d: u32) -> Option<(Era, u32)> {
    let last = (1..=d.min(31))
        .rev()
        .find(|&day| NaiveDate::from_ymd_opt(y, m, day).is_some())?;
    era_of_ymd(y, m, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn era_boundaries() {
        let cases = [
            ((1912, 7, 29), Era::Meiji, 45),
            ((1912, 7, 30), Era::Taisho, 1),
            ((1926, 12, 24), Era::Taisho, 15),
            ((1926, 12, 25), Era::Showa, 1),
            ((1989, 1, 7), Era::Showa, 64),
            ((1989, 1, 8), Era::Heisei, 1),
            ((2019, 4, 30), Era::Heisei, 31),
            ((2019, 5, 1), Era::Reiwa, 1),
            ((2026, 4, 1), Era::Reiwa, 8),
        ];
        for ((y, m, d), era, n) in cases {
            assert_eq!(era_of(date(y, m, d)), Some((era, n)), "{y}-{m}-{d}");
        }
        assert_eq!(era_of(date(1872, 12, 31)), None);
    }

    #[test]
    fn every_style() {
        let d = date(1970, 3, 1);
        let got: Vec<String> = DateStyle::ALL.iter().map(|&s| format_date(d, s)).collect();
        assert_eq!(
            got,
            [
                "1970/03/01",
                "1970/3/1",
                "19700301",
                "昭和45年3月1日",
                "S45.03.01",
                "3450301"
            ]
        );
    }

    #[test]
    fn first_year_is_gannen() {
        assert_eq!(
            format_date(date(1989, 1, 8), DateStyle::WarekiKanji),
            "平成元年1月8日"
        );
        assert_eq!(
            format_date(date(2019, 5, 1), DateStyle::WarekiKanji),
            "令和元年5月1日"
        );
        assert_eq!(
            format_date(date(2019, 5, 1), DateStyle::WarekiInitial),
            "R01.05.01"
        );
        assert_eq!(format_date(date(2019, 5, 1), DateStyle::EraCode), "5010501");
    }

    #[test]
    fn pre_gregorian_falls_back() {
        assert_eq!(
            format_date(date(1870, 1, 2), DateStyle::WarekiKanji),
            "1870/01/02"
        );
    }

    #[test]
    fn invalid_day_keeps_month_era() {
        assert_eq!(era_for_invalid(2001, 2, 30), Some((Era::Heisei, 13)));
        assert_eq!(era_for_invalid(1989, 1, 32), Some((Era::Heisei, 1)));
        let mut s = String::new();
        push_parts(
            &mut s,
            2001,
            2,
            30,
            era_for_invalid(2001, 2, 30),
            DateStyle::WarekiKanji,
        );
        assert_eq!(s, "平成13年2月30日");
    }
}
