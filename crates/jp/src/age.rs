//! Ages under 年齢計算ニ関スル法律 and fiscal years (年度).
//!
//! The Act counts age from the day of birth (the birth day itself counts,
//! 第1項) and applies 民法第143条: a year of age is complete at the end of
//! the day before the day corresponding to the birth day; when that day does
//! not exist in the final month, at the end of that month. So a person
//! attains each age at the end of the day before the birthday, and someone
//! born on February 29 attains it at the end of February 28 in every year,
//! leap or not. Consequences the schools and screening rules depend on: an
//! April 1 birth is already a year older on March 31 (早生まれ, school with
//! the previous year's cohort), an April 2 birth is not.

use crate::era::{year_text, Era};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// The day at whose end a person born on `birth` attains age `age`
/// (`age` ≥ 1). `None` only for years chrono cannot represent.
pub fn age_attained_on(birth: NaiveDate, age: u32) -> Option<NaiveDate> {
    let year = birth.year().checked_add(i32::try_from(age).ok()?)?;
    match birth.with_year(year) {
        Some(corresponding) => corresponding.pred_opt(),
        // Only February 29 lacks a corresponding day; the period then ends
        // on the last day of that February.
        None => NaiveDate::from_ymd_opt(year, 2, 28),
    }
}

/// Age on a day, counting the day's own end: the number of ages attained by
/// the end of `on`. This is the age every statute means by "on date X"
/// (年度末年齢 is `age_on(birth, March 31)`). Zero when `on` is before
/// `birth`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    // The age attained in calendar year Y is Y − birth year, or one more
    // when the birthday is January 1 (attained on December 31 before).
    let mut age = u32::try_from(on.year() - birth.year() + 1).unwrap_or(0);
    while age > 0 && age_attained_on(birth, age).is_none_or(|day| day > on) {
        age -= 1;
    }
    age
}

/// Age on the last day (March 31) of a fiscal year: 年度末年齢.
pub fn age_at_fiscal_year_end(birth: NaiveDate, fiscal_year: FiscalYear) -> u32 {
    age_on(birth, fiscal_year.end())
}

/// A fiscal year (年度), April 1 to March 31, named by the calendar year in
/// which it starts: `FiscalYear::new(2026)` is 令和8年度, 2026-04-01 to
/// 2027-03-31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiscalYear(i32);

impl FiscalYear {
    pub const fn new(start_year: i32) -> Self {
        Self(start_year)
    }

    /// The fiscal year a date falls in.
    pub fn of(date: NaiveDate) -> Self {
        if date.month() >= 4 {
            Self(date.year())
        } else {
            Self(date.year() - 1)
        }
    }

    /// The calendar year of April 1.
    pub const fn start_year(self) -> i32 {
        self.0
    }

    /// April 1. Clamped to chrono's range for absurd years.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 4, 1).unwrap_or(NaiveDate::MIN)
    }

    /// March 31 of the next calendar year.
    pub fn end(self) -> NaiveDate {
        self.0
            .checked_add(1)
            .and_then(|y| NaiveDate::from_ymd_opt(y, 3, 31))
            .unwrap_or(NaiveDate::MAX)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Self::of(date) == self
    }

    pub fn previous(self) -> Self {
        Self(self.0 - 1)
    }

    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// The era of the fiscal year and its year in that era. Fiscal years are
    /// named in the era in force on December 31 of the starting year, so the
    /// year that began in April 2019 is 令和元年度 (as ministries and wards
    /// name it) while the one that began in April 1988 stays 昭和63年度.
    pub fn wareki_year(self) -> Option<(Era, u32)> {
        let dec31 = NaiveDate::from_ymd_opt(self.0, 12, 31)?;
        let era = Era::of(dec31)?;
        let year = u32::try_from(self.0 - era.first_year() + 1).ok()?;
        Some((era, year))
    }

    /// 令和8年度; 2026年度 before 明治.
    pub fn label(self) -> String {
        match self.wareki_year() {
            Some((era, year)) => format!("{era}{}年度", year_text(year)),
            None => format!("{}年度", self.0),
        }
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A text that names no fiscal year.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("「{0}」は年度として読めません（例: 2026, 2026年度, 令和8年度, R8）")]
pub struct FiscalYearError(pub String);

impl FromStr for FiscalYear {
    type Err = FiscalYearError;

    /// Accepts 2026, 2026年度, 令和8年度, 令和元年度, R8, R8年度.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || FiscalYearError(s.to_owned());
        let t = crate::width::fold_width(s.trim()).replace(' ', "");
        let t = t.strip_suffix("年度").unwrap_or(&t);
        if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            return t.parse().map(Self).map_err(|_| err());
        }
        let (era, rest) = Era::ALL
            .into_iter()
            .find_map(|e| {
                t.strip_prefix(e.kanji())
                    .or_else(|| t.strip_prefix(e.letter()))
                    .or_else(|| t.strip_prefix(e.letter().to_ascii_lowercase()))
                    .map(|rest| (e, rest))
            })
            .ok_or_else(err)?;
        let year: u32 = if rest == "元" {
            1
        } else {
            rest.parse().map_err(|_| err())?
        };
        if year == 0 {
            return Err(err());
        }
        let fy = Self(era.gregorian_year(year));
        // 平成31年度 and 令和元年度 are the same year; accept both, but not
        // 昭和65年度.
        let eras = [Era::of(fy.start()), Era::of(fy.end())];
        if eras.contains(&Some(era)) {
            Ok(fy)
        } else {
            Err(err())
        }
    }
}

impl Serialize for FiscalYear {
    /// As the starting calendar year, a number: 2026.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.0)
    }
}

impl<'de> Deserialize<'de> for FiscalYear {
    /// A number (2026) or any text [`FromStr`] accepts.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i32),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Self(n)),
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}
