//! Japanese telephone numbers: digits kept, kind recorded, hyphenated for
//! display.
//!
//! A blank phone is a missing value, not an error: callers map it to
//! `None` before parsing. Grouping for display is certain for mobile, IP,
//! free-dial and the 03/06 areas; other landlines are grouped from a short
//! table of 4- and 5-digit area codes around Tokyo and otherwise as 3-3-4.
//! Grouping never changes the digits.

use crate::width::{fold_char, fold_width, is_chouon, is_hyphen_like};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// What kind of line a number is, by its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// 固定電話: 0 + area code, 10 digits.
    Landline,
    /// 携帯電話: 070, 080, 090, 11 digits.
    Mobile,
    /// IP電話: 050, 11 digits.
    IpPhone,
    /// フリーダイヤル: 0120 (10 digits), 0800 (11 digits).
    TollFree,
    /// ナビダイヤル and other unified numbers (0570, 0180, 0990; 10
    /// digits) and 020 M2M/pager numbers (11 digits).
    Other,
}

impl PhoneKind {
    /// The Japanese name a clerk knows.
    pub fn name_ja(self) -> &'static str {
        match self {
            PhoneKind::Landline => "固定電話",
            PhoneKind::Mobile => "携帯電話",
            PhoneKind::IpPhone => "IP電話",
            PhoneKind::TollFree => "フリーダイヤル",
            PhoneKind::Other => "その他の番号",
        }
    }

    /// Kind and required length from the leading digits.
    fn of(digits: &str) -> (PhoneKind, usize) {
        // Longer prefixes first: 0800 is free-dial, not a mobile 080.
        const PREFIXES: [(&str, PhoneKind, usize); 11] = [
            ("0120", PhoneKind::TollFree, 10),
            ("0800", PhoneKind::TollFree, 11),
            ("070", PhoneKind::Mobile, 11),
            ("080", PhoneKind::Mobile, 11),
            ("090", PhoneKind::Mobile, 11),
            ("050", PhoneKind::IpPhone, 11),
            ("0570", PhoneKind::Other, 10),
            ("0180", PhoneKind::Other, 10),
            ("0990", PhoneKind::Other, 10),
            ("020", PhoneKind::Other, 11),
            ("00", PhoneKind::Other, 0),
        ];
        PREFIXES
            .iter()
            .find(|(p, _, _)| digits.starts_with(p))
            .map_or((PhoneKind::Landline, 10), |&(_, k, n)| (k, n))
    }
}

/// Why a text is not a phone number. Messages start with the text in 「」
/// so that a caller can put the column name in front.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("電話番号が空欄です")]
    Empty,
    #[error(
        "「{input}」の「{ch}」は電話番号に使えない文字です（数字・ハイフン・括弧だけが使えます）"
    )]
    BadCharacter { input: String, ch: char },
    #[error("「{input}」は0で始まっていません（市外局番から書いてください）")]
    NoLeadingZero { input: String },
    #[error("「{input}」は国内の電話番号ではありません")]
    NotDomestic { input: String },
    #[error("「{input}」は{digits}桁です（{}は{expected}桁）", .kind.name_ja())]
    WrongLength {
        input: String,
        digits: usize,
        kind: PhoneKind,
        expected: usize,
    },
}

/// A domestic phone number, stored as its digits (0312345678).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

impl Phone {
    /// Accepts 03-1234-5678, 0312345678, (03)1234-5678, ０９０－１２３４－５６７８,
    /// +81-90-1234-5678, +81(0)3 1234 5678.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let folded = fold_width(trimmed);
        let (international, body) = match folded.strip_prefix("+81") {
            Some(rest) => (true, rest),
            None => (false, folded.as_str()),
        };
        let mut digits = String::with_capacity(11);
        for c in body.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if !(is_hyphen_like(c) || is_chouon(c) || matches!(c, '(' | ')' | ' ')) {
                let ch = trimmed.chars().find(|o| fold_char(*o) == c);
                return Err(PhoneError::BadCharacter {
                    input: trimmed.to_owned(),
                    ch: ch.unwrap_or(c),
                });
            }
        }
        if international && !digits.starts_with('0') {
            digits.insert(0, '0');
        }
        if !digits.starts_with('0') {
            return Err(PhoneError::NoLeadingZero {
                input: trimmed.to_owned(),
            });
        }
        let (kind, expected) = PhoneKind::of(&digits);
        if expected == 0 {
            return Err(PhoneError::NotDomestic {
                input: trimmed.to_owned(),
            });
        }
        if digits.len() != expected {
            return Err(PhoneError::WrongLength {
                input: trimmed.to_owned(),
                digits: digits.len(),
                kind,
                expected,
            });
        }
        Ok(Self(digits))
    }

    pub fn digits(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> PhoneKind {
        PhoneKind::of(&self.0).0
    }

    /// Lengths of the hyphen-separated groups for display.
    fn groups(&self) -> [usize; 3] {
        let d = self.0.as_str();
        // 4- and 5-digit area codes near Tokyo that the 3-3-4 default would
        // split wrongly: 武蔵野・三鷹, 青梅, and the islands.
        const FIVE: [&str; 4] = ["04992", "04994", "04996", "04998"];
        const FOUR: [&str; 2] = ["0422", "0428"];
        match self.kind() {
            PhoneKind::Mobile | PhoneKind::IpPhone => [3, 4, 4],
            PhoneKind::Other if d.starts_with("020") => [3, 4, 4],
            PhoneKind::TollFree if d.len() == 11 => [4, 3, 4],
            PhoneKind::TollFree | PhoneKind::Other => [4, 3, 3],
            PhoneKind::Landline if d.starts_with("03") || d.starts_with("06") => [2, 4, 4],
            PhoneKind::Landline if FIVE.iter().any(|p| d.starts_with(p)) => [5, 1, 4],
            PhoneKind::Landline if FOUR.iter().any(|p| d.starts_with(p)) => [4, 2, 4],
            PhoneKind::Landline => [3, 3, 4],
        }
    }

    /// 03-1234-5678, 090-1234-5678, 0120-123-456.
    pub fn formatted(&self) -> String {
        let [a, b, _] = self.groups();
        let d = self.0.as_str();
        match (d.get(..a), d.get(a..a + b), d.get(a + b..)) {
            (Some(x), Some(y), Some(z)) => format!("{x}-{y}-{z}"),
            _ => d.to_owned(),
        }
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

impl FromStr for Phone {
    type Err = PhoneError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Phone {
    /// As the digits: 0312345678.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}
