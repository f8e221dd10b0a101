//! Addresses: 郵便番号, 住所 and 方書 kept apart and as given, plus keys
//! for comparison (duplicates) and for grouping by 町丁目 (visit routes).
//!
//! Stored values are only trimmed: the ward prints them back on envelopes
//! exactly as its register holds them. Folding happens in the keys.

use crate::encoding::{find_gaiji, Gaiji};
use crate::itaiji::fold_itaiji;
use crate::kansuji::{format_kansuji, is_kansuji, parse_kansuji};
use crate::width::{fold_width, is_chouon, is_hyphen_like};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};
use unicode_normalization::UnicodeNormalization;

/// Why a text is not a postal code or an address. Messages start with the
/// text in 「」 so that a caller can put the column name in front.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("「{input}」は郵便番号として読めません（7桁の数字。例: 160-0023, 1600023）")]
    PostalFormat { input: String },
    #[error("「{input}」は郵便番号の桁数が違います（{digits}桁。郵便番号は7桁です）")]
    PostalLength { input: String, digits: usize },
    #[error("住所が空欄です")]
    EmptyJusho,
    #[error("「{input}」の{position}文字目に使えない文字「{ch}」があります（{reason}）")]
    BadCharacter {
        input: String,
        ch: char,
        position: usize,
        reason: &'static str,
    },
}

/// A 7-digit postal code. Displays as 160-0023; stored and serialised as
/// the seven digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostalCode(String);

impl PostalCode {
    /// Accepts 1600023, 160-0023, １６０－００２３, 〒160-0023, 〒 160 0023.
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let trimmed = input.trim();
        let folded = fold_width(trimmed);
        let body = folded.trim_start_matches(['〒', ' ']).trim();
        let mut shape = String::with_capacity(8);
        for c in body.chars() {
            let dash = is_hyphen_like(c) || is_chouon(c) || c == ' ';
            shape.push(if dash { '-' } else { c });
        }
        let digits: String = shape.chars().filter(char::is_ascii_digit).collect();
        let well_formed = shape.chars().all(|c| c.is_ascii_digit())
            || (shape.len() == 8 && shape.find('-') == Some(3) && shape.matches('-').count() == 1);
        if well_formed && digits.len() == 7 {
            return Ok(Self(digits));
        }
        let only_digits_and_dashes = shape.chars().all(|c| c.is_ascii_digit() || c == '-');
        if only_digits_and_dashes && !digits.is_empty() && digits.len() != 7 {
            return Err(AddressError::PostalLength {
                input: trimmed.to_owned(),
                digits: digits.len(),
            });
        }
        Err(AddressError::PostalFormat {
            input: trimmed.to_owned(),
        })
    }

    /// The seven digits, 1600023.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (head, tail) = self.0.split_at(3.min(self.0.len()));
        write!(f, "{head}-{tail}")
    }
}

/// Control characters or U+FFFD in an address are damage, not data.
fn check_characters(input: &str) -> Result<(), AddressError> {
    for (i, ch) in input.chars().enumerate() {
        let reason = if ch == '\u{FFFD}' {
            "文字化けの跡です。元のデータを確認してください"
        } else if ch.is_control() {
            "制御文字です"
        } else {
            continue;
        };
        return Err(AddressError::BadCharacter {
            input: input.to_owned(),
            ch,
            position: i + 1,
            reason,
        });
    }
    Ok(())
}

/// 住所: the address up to the 番地/号, as given (trimmed). Never empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jusho(String);

impl Jusho {
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(AddressError::EmptyJusho);
        }
        check_characters(trimmed)?;
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn compare_key(&self) -> String {
        address_compare_key(&self.0)
    }

    pub fn town_key(&self) -> String {
        town_key(&self.0)
    }

    pub fn gaiji(&self) -> Vec<Gaiji> {
        find_gaiji(&self.0)
    }
}

/// 方書: building and room, as given (trimmed). Often empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Katagaki(String);

impl Katagaki {
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let trimmed = input.trim();
        check_characters(trimmed)?;
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn compare_key(&self) -> String {
        address_compare_key(&self.0)
    }

    pub fn gaiji(&self) -> Vec<Gaiji> {
        find_gaiji(&self.0)
    }
}

fn is_kanji(c: char) -> bool {
    matches!(c,
        '\u{3005}' // 々
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

/// The address after the prefecture and the city, ward, town or village:
/// 東京都新宿区西早稲田三丁目 → 西早稲田三丁目, 横浜市中区山下町 → 山下町.
/// Best effort by the shape of the names; a text without them comes back
/// whole.
pub fn local_part(jusho: &str) -> &str {
    let mut rest = jusho;
    for pref in ["東京都", "北海道", "京都府", "大阪府"] {
        if let Some(r) = rest.strip_prefix(pref) {
            rest = r;
        }
    }
    if let Some((i, _)) = rest.char_indices().take(4).find(|(_, c)| *c == '県') {
        if i > 0 {
            rest = &rest[i + '県'.len_utf8()..];
        }
    }
    // 郡 then 町/村: 西多摩郡瑞穂町.
    if let Some(after_gun) = strip_through(rest, &['郡'], 5) {
        return strip_through(after_gun, &['町', '村'], 5).unwrap_or(after_gun);
    }
    match strip_through(rest, &['市', '区'], 5) {
        Some(after) if rest[..rest.len() - after.len()].ends_with('市') => {
            // 政令指定都市の区: 横浜市中区.
            strip_through(after, &['区'], 4).unwrap_or(after)
        }
        Some(after) => after,
        None => rest,
    }
}

/// The text after the first of `ends` that has at least one character
/// before it, within `limit` characters of the start.
fn strip_through<'a>(s: &'a str, ends: &[char], limit: usize) -> Option<&'a str> {
    s.char_indices()
        .take(limit + 1)
        .skip(1)
        .find(|(_, c)| ends.contains(c))
        .map(|(i, c)| &s[i + c.len_utf8()..])
}

/// A key under which two spellings of one address compare equal: width
/// folded (NFKC), spaces dropped, prefecture and municipality dropped,
/// variant kanji folded, every hyphen or dash between numbers made '-',
/// 丁目 in kanji or digits, 番(地) and 号 made '-' separated numbers, ヶ/ケ/が
/// and ノ/の between kanji unified. 西早稲田三丁目2番17号 and
/// 新宿区西早稲田３－２－１７ share the key 西早稲田3-2-17.
pub fn address_compare_key(s: &str) -> String {
    let nfkc: String = s.nfkc().filter(|c| !c.is_whitespace()).collect();
    let chars: Vec<char> = local_part(&nfkc).chars().map(fold_itaiji).collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let ends_digit = |out: &[char]| out.last().is_some_and(char::is_ascii_digit);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        i += 1;
        if is_hyphen_like(c) || (is_chouon(c) && ends_digit(&out)) {
            out.push('-');
        } else if c == '丁' && next == Some('目') {
            i += 1;
            kansuji_tail_to_digits(&mut out);
            if ends_digit(&out) {
                out.push('-');
            } else {
                out.extend(['丁', '目']);
            }
        } else if c == '番' && ends_digit(&out) {
            if next == Some('地') {
                i += 1;
            }
            out.push('-');
        } else if c == '号' && ends_digit(&out) {
            if next == Some('室') {
                i += 1;
            }
            out.push('-');
        } else if matches!(c, 'の' | 'ノ')
            && (ends_digit(&out) || out.last() == Some(&'-'))
            && next.is_some_and(|n| n.is_ascii_digit())
        {
            out.push('-');
        } else if matches!(c, 'ヶ' | 'ケ' | 'ヵ' | 'が' | 'ガ')
            && out.last().is_some_and(|p| is_kanji(*p))
            && next.is_some_and(is_kanji)
        {
            out.push('ケ');
        } else if c == 'ノ'
            && out.last().is_some_and(|p| is_kanji(*p))
            && next.is_some_and(is_kanji)
        {
            out.push('の');
        } else {
            out.push(c);
        }
    }
    let mut key = String::with_capacity(out.len() * 3);
    for c in out {
        if !(c == '-' && (key.ends_with('-') || key.is_empty())) {
            key.push(c);
        }
    }
    key.trim_end_matches('-').to_owned()
}

/// Replaces a trailing kanji numeral (三, 十二) in `out` by ASCII digits.
fn kansuji_tail_to_digits(out: &mut Vec<char>) {
    let run = out.iter().rev().take_while(|c| is_kansuji(**c)).count();
    let start = out.len() - run;
    let text: String = out[start..].iter().collect();
    if let Some(n) = parse_kansuji(&text) {
        out.truncate(start);
        out.extend(n.to_string().chars());
    }
}

/// The 町丁目 an address lies in, as its official name is written:
/// 東京都新宿区西早稲田三丁目2番17号 → 西早稲田三丁目,
/// 新宿区西早稲田3-2-17 → 西早稲田三丁目, 東京都新宿区信濃町19番15号 →
/// 信濃町. For grouping visit routes; three dash-separated numbers are read
/// as 丁目-番-号, two as 番-号.
pub fn town_key(jusho: &str) -> String {
    let folded: String = fold_width(jusho)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let local: Vec<char> = local_part(&folded).chars().collect();

    if let Some(pos) = local.windows(2).position(|w| w == ['丁', '目']) {
        let run = local[..pos]
            .iter()
            .rev()
            .take_while(|c| is_kansuji(**c) || c.is_ascii_digit())
            .count();
        let number: String = local[pos - run..pos].iter().collect();
        let n = number.parse().ok().or_else(|| parse_kansuji(&number));
        let town: String = local[..pos - run].iter().collect();
        return match n {
            Some(n) => format!("{town}{}丁目", format_kansuji(n)),
            None => local[..pos + 2].iter().collect(),
        };
    }

    if let Some(d) = local.iter().position(char::is_ascii_digit) {
        let town: String = local[..d].iter().collect();
        let tail = &local[d..];
        let groups = number_groups(tail);
        return match groups.first() {
            Some(first) if groups.len() >= 3 => format!("{town}{}丁目", format_kansuji(*first)),
            _ => town,
        };
    }

    // 信濃町十九番地: cut before a kanji-numeral 番地 but keep 一番町.
    for (i, c) in local.iter().enumerate() {
        if is_kansuji(*c) && (i == 0 || !is_kansuji(local[i - 1])) {
            let run = local[i..].iter().take_while(|k| is_kansuji(**k)).count();
            let after = local.get(i + run).copied();
            let after_that = local.get(i + run + 1).copied();
            if after == Some('番') && !matches!(after_that, Some(k) if is_kanji(k) && k != '地') {
                return local[..i].iter().collect();
            }
        }
    }
    local.iter().collect()
}

/// The leading numbers of "3-2-17" or "3ー2ー17", stopping at anything
/// else.
fn number_groups(tail: &[char]) -> Vec<u32> {
    let mut groups = Vec::new();
    let mut current: Option<u32> = None;
    for &c in tail {
        if let Some(d) = c.to_digit(10) {
            current = Some(current.unwrap_or(0).saturating_mul(10).saturating_add(d));
        } else if (is_hyphen_like(c) || is_chouon(c)) && current.is_some() {
            groups.extend(current.take());
        } else {
            break;
        }
    }
    groups.extend(current);
    groups
}

string_newtype!(Jusho, AddressError);
string_newtype!(Katagaki, AddressError);

impl FromStr for PostalCode {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PostalCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PostalCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}
