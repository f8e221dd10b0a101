//! Japanese eras (元号) and dates written in them (和暦).
//!
//! Era years are counted proleptically on the Gregorian calendar: 明治N年
//! is Gregorian year 1867+N with the same month and day. Before 1873
//! (明治6年) Japan used the lunisolar calendar, so a 明治 date from
//! 1868–1872 written in an old record is not the Gregorian date of the same
//! numbers; no living resident is affected, and every municipal system
//! makes the same simplification.
//!
//! 明治 starts on 1868-01-25, the Gregorian date of 慶応4年1月1日: the
//! 改元の詔 (1868-10-23) made 明治 apply from the start of that year, and
//! that is how government tables date it. Each later era starts on the day
//! of its 改元 and the previous one ends the day before.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A Japanese era, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

impl Era {
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// 明治, 大正, 昭和, 平成, 令和.
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// One-character abbreviation used on forms: 明, 大, 昭, 平, 令.
    pub fn abbreviation(self) -> char {
        match self {
            Era::Meiji => '明',
            Era::Taisho => '大',
            Era::Showa => '昭',
            Era::Heisei => '平',
            Era::Reiwa => '令',
        }
    }

    /// Latin initial used in short dates: M, T, S, H, R.
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// Romanised name, for configuration files.
    pub fn romaji(self) -> &'static str {
        match self {
            Era::Meiji => "meiji",
            Era::Taisho => "taisho",
            Era::Showa => "showa",
            Era::Heisei => "heisei",
            Era::Reiwa => "reiwa",
        }
    }

    /// The leading digit of 7-digit era-code dates (3450301): 1 明治 …
    /// 5 令和, as in 住民基本台帳 exports.
    pub fn code(self) -> u32 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    pub fn from_code(code: u32) -> Option<Era> {
        Era::ALL.into_iter().find(|e| e.code() == code)
    }

    /// The first day of the era.
    pub fn first_day(self) -> NaiveDate {
        match self {
            Era::Meiji => ymd(1868, 1, 25),
            Era::Taisho => ymd(1912, 7, 30),
            Era::Showa => ymd(1926, 12, 25),
            Era::Heisei => ymd(1989, 1, 8),
            Era::Reiwa => ymd(2019, 5, 1),
        }
    }

    /// The last day of the era; `None` for the current one.
    pub fn last_day(self) -> Option<NaiveDate> {
        let next = Era::ALL.into_iter().find(|e| *e > self)?;
        next.first_day().pred_opt()
    }

    /// The Gregorian year of 元年.
    pub fn first_year(self) -> i32 {
        self.first_day().year()
    }

    /// The Gregorian year of era year `era_year` (1 = 元年).
    pub fn gregorian_year(self, era_year: u32) -> i32 {
        let offset = i32::try_from(era_year).unwrap_or(i32::MAX);
        self.first_year().saturating_add(offset).saturating_sub(1)
    }

    /// The era in force on a date; `None` before 明治.
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL.into_iter().rev().find(|e| e.first_day() <= date)
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kanji())
    }
}

/// An era name that is none of the five.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "「{0}」は元号として読めません（明治・大正・昭和・平成・令和、M・T・S・H・R、1〜5 のいずれか）"
)]
pub struct UnknownEra(pub String);

impl FromStr for Era {
    type Err = UnknownEra;

    /// Accepts the kanji name, its abbreviation, the letter, the romanised
    /// name or the era code.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = crate::width::fold_width(s.trim()).to_ascii_lowercase();
        Era::ALL
            .into_iter()
            .find(|e| {
                t == e.kanji()
                    || t == e.abbreviation().to_string()
                    || t == e.letter().to_ascii_lowercase().to_string()
                    || t == e.romaji()
                    || t == e.code().to_string()
            })
            .ok_or_else(|| UnknownEra(s.to_owned()))
    }
}

impl Serialize for Era {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.kanji())
    }
}

impl<'de> Deserialize<'de> for Era {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A date written in an era: 昭和45年3月1日.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Wareki {
    pub era: Era,
    /// 1 for 元年.
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

impl Wareki {
    /// The era date of a Gregorian date; `None` before 明治.
    pub fn from_date(date: NaiveDate) -> Option<Wareki> {
        let era = Era::of(date)?;
        let year = u32::try_from(date.year() - era.first_year() + 1).ok()?;
        Some(Wareki {
            era,
            year,
            month: date.month(),
            day: date.day(),
        })
    }

    /// "元" for the first year, the number otherwise.
    pub fn year_text(&self) -> String {
        year_text(self.year)
    }

    /// Short form with the era letter and two-digit fields: S45.03.01,
    /// R01.05.01.
    pub fn short(&self) -> String {
        format!(
            "{}{:02}.{:02}.{:02}",
            self.era.letter(),
            self.year,
            self.month,
            self.day
        )
    }

    /// The 7-digit era-code form (3450301); `None` past era year 99.
    pub fn era_code(&self) -> Option<String> {
        (self.year <= 99).then(|| {
            format!(
                "{}{:02}{:02}{:02}",
                self.era.code(),
                self.year,
                self.month,
                self.day
            )
        })
    }
}

pub(crate) fn year_text(year: u32) -> String {
    if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    }
}

impl fmt::Display for Wareki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}年{}月{}日",
            self.era,
            self.year_text(),
            self.month,
            self.day
        )
    }
}

impl Serialize for Wareki {
    /// As the long form: 昭和45年3月1日.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Wareki {
    /// Any date [`crate::date::parse_date`] reads, if it falls in an era.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let date = crate::date::parse_date(&s).map_err(serde::de::Error::custom)?;
        Wareki::from_date(date)
            .ok_or_else(|| serde::de::Error::custom(format!("「{s}」は明治より前の日付です")))
    }
}
