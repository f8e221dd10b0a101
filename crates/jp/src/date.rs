//! Dates as municipal exports write them, and back as 和暦 for display.
//!
//! Accepted: 1970-03-01, 1970/3/1, 1970.3.1, 1970年3月1日, 19700301,
//! 昭和45年3月1日, 昭和元年…, 昭45.3.1, S45.03.01, s45/3/1, S450301,
//! ㍼45年3月1日, 3450301 (era code 1 明治 … 5 令和), in full or half width,
//! with spaces anywhere, a trailing 生/生まれ, or an Excel-style midnight
//! time (1970/3/1 0:00). Two-digit years without an era are ambiguous and
//! refused unless the caller gives an era hint (data entry: "5.4.1").

use crate::era::year_text;
use crate::kansuji::{is_kansuji, parse_kansuji};
use crate::width::{fold_width, is_chouon, is_hyphen_like};
use chrono::{Datelike, NaiveDate};

pub use crate::era::{Era, UnknownEra, Wareki};

/// Which side of its era a date fell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EraSide {
    BeforeStart,
    AfterEnd,
}

/// Why a text is not a date. Messages start with the text in 「」 so that
/// a caller can put the column name in front: 生年月日「…」は….
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("日付が空欄です")]
    Empty,
    #[error("「{input}」は日付として読めません（書き方の例: 1970/3/1, 19700301, 昭和45年3月1日, S45.03.01, 3450301）")]
    Unrecognised { input: String },
    #[error("「{input}」の先頭の元号コード「{code}」は 1〜5（1 明治, 2 大正, 3 昭和, 4 平成, 5 令和）のどれでもありません")]
    UnknownEraCode { input: String, code: u32 },
    #[error("「{input}」の月「{month}」は 1〜12 の範囲外です")]
    InvalidMonth { input: String, month: u32 },
    #[error("「{input}」は存在しない日付です（{year_label}{month}月は{last_day}日まで）")]
    NoSuchDay {
        input: String,
        /// "2001年" or "昭和45年", as the input counted the year.
        year_label: String,
        month: u32,
        last_day: u32,
    },
    #[error("「{input}」は{era}の期間外です（{era}は{}）", era_bound(*.era, *.side))]
    OutOfEra {
        input: String,
        era: Era,
        side: EraSide,
    },
}

fn era_bound(era: Era, side: EraSide) -> String {
    let (day, word) = match side {
        EraSide::BeforeStart => (Some(era.first_day()), "から"),
        EraSide::AfterEnd => (era.last_day(), "まで"),
    };
    match day.and_then(Wareki::from_date) {
        Some(w) => format!("{}年{}月{}日{word}", w.year_text(), w.month, w.day),
        None => "終わりが決まっていません".to_owned(),
    }
}

/// Parses a date written any of the ways listed in the module docs.
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    parse(input, None)
}

/// Like [`parse_date`], but a year of one or two digits (or 元) with no era
/// is read in `default_era`: with 令和, "5.4.1", "5年4月1日" and "050401"
/// are 令和5年4月1日. An explicit era or a four-digit year still wins.
pub fn parse_date_with_era_hint(input: &str, default_era: Era) -> Result<NaiveDate, DateError> {
    parse(input, Some(default_era))
}

/// 昭和45年3月1日, 令和元年5月1日. Dates before 明治 come out Gregorian
/// (1867年1月1日).
pub fn format_wareki(date: NaiveDate) -> String {
    match Wareki::from_date(date) {
        Some(w) => w.to_string(),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

/// S45.03.01, R01.05.01. Dates before 明治 come out as 1867.01.01.
pub fn format_wareki_short(date: NaiveDate) -> String {
    match Wareki::from_date(date) {
        Some(w) => w.short(),
        None => date.format("%Y.%m.%d").to_string(),
    }
}

/// The 7-digit era-code form (3450301) that some municipal systems import;
/// `None` before 明治 or past an era's 99th year.
pub fn format_era_code(date: NaiveDate) -> Option<String> {
    Wareki::from_date(date)?.era_code()
}

/// One number in a date: its value and how many ASCII digits spelled it
/// (0 for 元 or kanji numerals).
#[derive(Clone, Copy)]
struct Num {
    value: u32,
    digits: usize,
}

fn parse(input: &str, hint: Option<Era>) -> Result<NaiveDate, DateError> {
    let original = input.trim();
    if original.is_empty() {
        return Err(DateError::Empty);
    }
    let s = normalise(original);
    let unrecognised = || DateError::Unrecognised {
        input: original.to_owned(),
    };
    let (era, rest) = take_era(&s);
    let chars: Vec<char> = rest.chars().collect();
    if !chars.is_empty() && chars.iter().all(char::is_ascii_digit) {
        return parse_compact(original, era.or(hint), era.is_some(), &chars);
    }

    let mut at = 0;
    let year = take_number(&chars, &mut at, true).ok_or_else(unrecognised)?;
    let sep = *chars.get(at).ok_or_else(unrecognised)?;
    if !matches!(sep, '年' | '-' | '/' | '.') {
        return Err(unrecognised());
    }
    at += 1;
    let month = take_number(&chars, &mut at, false).ok_or_else(unrecognised)?;
    let second = if sep == '年' { '月' } else { sep };
    if chars.get(at) != Some(&second) {
        return Err(unrecognised());
    }
    at += 1;
    let day = take_number(&chars, &mut at, false).ok_or_else(unrecognised)?;
    if sep == '年' && chars.get(at) == Some(&'日') {
        at += 1;
    }
    if at != chars.len() {
        return Err(unrecognised());
    }

    match (era, hint) {
        (Some(e), _) => era_date(original, e, year.value, month.value, day.value),
        (None, _) if year.digits == 4 => gregorian(original, year.value, month.value, day.value),
        (None, Some(e)) if year.digits <= 2 => {
            era_date(original, e, year.value, month.value, day.value)
        }
        _ => Err(unrecognised()),
    }
}

/// Width fold, hyphens to '-', no spaces, no trailing 生 or midnight time.
fn normalise(original: &str) -> String {
    let folded = fold_width(original);
    let without_time = strip_midnight(folded.trim());
    let mut out = String::with_capacity(without_time.len());
    for c in without_time.chars().filter(|c| !c.is_whitespace()) {
        let after_digit = out.ends_with(|p: char| p.is_ascii_digit());
        if is_hyphen_like(c) || (is_chouon(c) && after_digit) {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    for suffix in ["生まれ", "生"] {
        if let Some(stripped) = out.strip_suffix(suffix) {
            return stripped.to_owned();
        }
    }
    out
}

/// Spreadsheets write dates as "1970/3/1 0:00" or "1970-03-01T00:00:00";
/// only a midnight time is dropped, any other time is not a date.
fn strip_midnight(s: &str) -> &str {
    let Some((date, time)) = s.rsplit_once([' ', 'T']) else {
        return s;
    };
    let midnight = ["0:00", "00:00", "0:00:00", "00:00:00", "00:00:00.000"];
    if midnight.contains(&time.trim()) {
        date.trim_end()
    } else {
        s
    }
}

/// Splits off a leading era name, abbreviation, letter or ligature.
fn take_era(s: &str) -> (Option<Era>, &str) {
    for era in Era::ALL {
        if let Some(rest) = s.strip_prefix(era.kanji()) {
            return (Some(era), rest);
        }
    }
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return (None, s);
    };
    let ligature = match first {
        '㍾' => Some(Era::Meiji),
        '㍽' => Some(Era::Taisho),
        '㍼' => Some(Era::Showa),
        '㍻' => Some(Era::Heisei),
        '㋿' => Some(Era::Reiwa),
        _ => None,
    };
    let era = ligature.or_else(|| {
        Era::ALL
            .into_iter()
            .find(|e| first == e.abbreviation() || first.to_ascii_uppercase() == e.letter())
    });
    match era {
        // "S.45.3.1": a dot right after the letter is decoration.
        Some(e) => {
            let rest = chars.as_str();
            let rest = match rest.strip_prefix('.') {
                Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => r,
                _ => rest,
            };
            (Some(e), rest)
        }
        None => (None, s),
    }
}

fn take_number(chars: &[char], at: &mut usize, year: bool) -> Option<Num> {
    let start = *at;
    if year && chars.get(start) == Some(&'元') {
        *at += 1;
        return Some(Num {
            value: 1,
            digits: 0,
        });
    }
    let digits = chars[start..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits > 0 {
        *at += digits;
        let text: String = chars[start..start + digits].iter().collect();
        return text.parse().ok().map(|value| Num { value, digits });
    }
    let kanji = chars[start..]
        .iter()
        .take_while(|c| is_kansuji(**c))
        .count();
    *at += kanji;
    let text: String = chars[start..start + kanji].iter().collect();
    parse_kansuji(&text).map(|value| Num { value, digits: 0 })
}

/// Digits only: 19700301, 3450301, or six digits after an era (S450301)
/// or with an era hint (450301).
fn parse_compact(
    original: &str,
    era: Option<Era>,
    explicit_era: bool,
    digits: &[char],
) -> Result<NaiveDate, DateError> {
    let n = |range: std::ops::Range<usize>| -> u32 {
        digits[range]
            .iter()
            .fold(0, |acc, c| acc * 10 + c.to_digit(10).unwrap_or(0))
    };
    match (digits.len(), era) {
        (8, None) => gregorian(original, n(0..4), n(4..6), n(6..8)),
        (8, Some(_)) if !explicit_era => gregorian(original, n(0..4), n(4..6), n(6..8)),
        (7, _) if !explicit_era => {
            let code = n(0..1);
            let era = Era::from_code(code).ok_or_else(|| DateError::UnknownEraCode {
                input: original.to_owned(),
                code,
            })?;
            era_date(original, era, n(1..3), n(3..5), n(5..7))
        }
        (6, Some(e)) => era_date(original, e, n(0..2), n(2..4), n(4..6)),
        _ => Err(DateError::Unrecognised {
            input: original.to_owned(),
        }),
    }
}

fn gregorian(original: &str, year: u32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    // Four digits below 1000 ("0000") are a placeholder, refused below.
    let y = i32::try_from(year).unwrap_or(0);
    calendar_date(original, y, month, day, format!("{year}年"))
}

fn era_date(
    original: &str,
    era: Era,
    era_year: u32,
    month: u32,
    day: u32,
) -> Result<NaiveDate, DateError> {
    let out_of_era = |side| DateError::OutOfEra {
        input: original.to_owned(),
        era,
        side,
    };
    if era_year == 0 {
        return Err(out_of_era(EraSide::BeforeStart));
    }
    let last_year = era.last_day().map(|d| d.year());
    if last_year.is_some_and(|last| era.gregorian_year(era_year) > last) {
        return Err(out_of_era(EraSide::AfterEnd));
    }
    let label = format!("{}{}年", era, year_text(era_year));
    let date = calendar_date(original, era.gregorian_year(era_year), month, day, label)?;
    if date < era.first_day() {
        return Err(out_of_era(EraSide::BeforeStart));
    }
    if era.last_day().is_some_and(|last| date > last) {
        return Err(out_of_era(EraSide::AfterEnd));
    }
    Ok(date)
}

fn calendar_date(
    original: &str,
    year: i32,
    month: u32,
    day: u32,
    year_label: String,
) -> Result<NaiveDate, DateError> {
    // Beyond four-digit years lies only mistyping, and chrono's limits.
    if !(1000..=9999).contains(&year) {
        return Err(DateError::Unrecognised {
            input: original.to_owned(),
        });
    }
    if !(1..=12).contains(&month) {
        return Err(DateError::InvalidMonth {
            input: original.to_owned(),
            month,
        });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| DateError::NoSuchDay {
        input: original.to_owned(),
        year_label,
        month,
        last_day: last_day_of_month(year, month),
    })
}

/// 28–31; 0 only for a year chrono cannot represent.
pub fn last_day_of_month(year: i32, month: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(year, month, *d).is_some())
        .unwrap_or(0)
}
