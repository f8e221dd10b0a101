//! Helpers shared by the integration tests.
// Test helpers fail loudly on malformed input; that is their job.
#![allow(dead_code, clippy::panic)]

use itaku_synth::{towns, Generator, Resident, TownInfo};

pub const BASE: u64 = 100_000_000;

pub fn residents(seed: u64, n: usize) -> Vec<Resident> {
    Generator::new(seed, BASE).take(n).collect()
}

/// Splits CSV text into records of fields (RFC 4180: quoted fields, doubled
/// quotes, CRLF record ends). Panics on malformed input, which is the point.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted = true;
                at_field_start = false;
            }
            '"' => panic!("stray quote in unquoted field {field:?}"),
            ',' => {
                record.push(std::mem::take(&mut field));
                at_field_start = true;
            }
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_field_start = true;
            }
            '\n' => panic!("bare LF line end"),
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(
        field.is_empty() && record.is_empty(),
        "last record lacks CRLF"
    );
    records
}

/// The town an address is in: the longest town name the part after 新宿区
/// starts with (四谷坂町 before 四谷), and the rest of the address.
pub fn split_address(jusho: &str) -> (TownInfo, &str) {
    let rest = jusho
        .strip_prefix("東京都新宿区")
        .unwrap_or_else(|| panic!("not in Shinjuku: {jusho}"));
    let town = towns()
        .filter(|t| rest.starts_with(t.name))
        .max_by_key(|t| t.name.len())
        .unwrap_or_else(|| panic!("no known town in {jusho}"));
    (town, &rest[town.name.len()..])
}

pub fn kanji_numeral(c: char) -> Option<u8> {
    "一二三四五六七八九"
        .chars()
        .position(|k| k == c)
        .map(|i| i as u8 + 1)
}

pub fn is_fullwidth_katakana(c: char) -> bool {
    ('\u{30A1}'..='\u{30F6}').contains(&c) || c == 'ー'
}
