//! The truth list must name exactly the lines a strict importer rejects. The
//! importer here is written independently of the generator: its own era
//! table, its own date parsing.

// Helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use common::{is_fullwidth_katakana, parse_csv, residents};
use encoding_rs::SHIFT_JIS;
use itaku_synth::{
    format_date, write_messy_csv, CsvFormat, DateStyle, Mess, Messiness, Resident, Truth,
};

struct EraRow {
    kanji: &'static str,
    initial: char,
    code: u32,
    first: (i32, u32, u32),
    year_one: i32,
}

const fn era(
    kanji: &'static str,
    initial: char,
    code: u32,
    first: (i32, u32, u32),
    year_one: i32,
) -> EraRow {
    EraRow {
        kanji,
        initial,
        code,
        first,
        year_one,
    }
}

const ERAS: [EraRow; 5] = [
    era("明治", 'M', 1, (1868, 1, 25), 1868),
    era("大正", 'T', 2, (1912, 7, 30), 1912),
    era("昭和", 'S', 3, (1926, 12, 25), 1926),
    era("平成", 'H', 4, (1989, 1, 8), 1989),
    era("令和", 'R', 5, (2019, 5, 1), 2019),
];

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn era_date(i: usize, n: u32, m: u32, d: u32) -> Option<NaiveDate> {
    let EraRow {
        first: (fy, fm, fd),
        year_one,
        ..
    } = ERAS[i];
    let date = ymd(year_one + n as i32 - 1, m, d)?;
    let starts = date >= ymd(fy, fm, fd)?;
    let before_next = match ERAS.get(i + 1) {
        Some(EraRow {
            first: (ny, nm, nd),
            ..
        }) => date < ymd(*ny, *nm, *nd)?,
        None => true,
    };
    (n >= 1 && starts && before_next).then_some(date)
}

fn num(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// Any of the notations municipal exports use; `None` if the date does not
/// exist or is outside its era.
fn parse_date(s: &str) -> Option<NaiveDate> {
    if let Some((y, rest)) = s.split_once('/') {
        let (m, d) = rest.split_once('/')?;
        return ymd(num(y)? as i32, num(m)?, num(d)?);
    }
    if s.len() == 8 && num(s).is_some() {
        return ymd(num(&s[..4])? as i32, num(&s[4..6])?, num(&s[6..])?);
    }
    if s.len() == 7 && num(s).is_some() {
        let code = num(&s[..1])?;
        let i = ERAS.iter().position(|e| e.code == code)?;
        return era_date(i, num(&s[1..3])?, num(&s[3..5])?, num(&s[5..])?);
    }
    if let Some(i) = ERAS.iter().position(|e| s.starts_with(e.initial)) {
        let mut parts = s[1..].split('.');
        let (n, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        return era_date(i, num(n)?, num(m)?, num(d)?);
    }
    let i = ERAS.iter().position(|e| s.starts_with(e.kanji))?;
    let rest = &s[ERAS[i].kanji.len()..];
    let (n, rest) = rest.split_once('年')?;
    let n = if n == "元" { 1 } else { num(n)? };
    let (m, rest) = rest.split_once('月')?;
    let d = rest.strip_suffix('日')?;
    era_date(i, n, num(m)?, num(d)?)
}

fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFF10 + u32::from(b'0')).unwrap(),
            '－' => '-',
            _ => c,
        })
        .collect()
}

fn is_halfwidth_kana(c: char) -> bool {
    ('\u{FF66}'..='\u{FF9F}').contains(&c)
}

/// The strict importer: line numbers it rejects.
fn rejected(lines: &[String], records: &[Vec<String>]) -> Vec<u64> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, (line, f)) in lines.iter().zip(records).enumerate().skip(1) {
        let postal = ascii_digits(&f[8]);
        let postal_ok = postal.len() == 8
            && postal.as_bytes()[3] == b'-'
            && num(&postal[..3]).is_some()
            && num(&postal[4..]).is_some();
        let ok = !f[4].is_empty()
            && !f[5].is_empty()
            && parse_date(&f[6]).is_some()
            && parse_date(&f[12]).is_some()
            && (f[13].is_empty() || parse_date(&f[13]).is_some())
            && postal_ok
            && seen.insert(line.clone());
        if !ok {
            out.push(i as u64 + 1);
        }
    }
    out
}

struct Written {
    truth: Truth,
    lines: Vec<String>,
    records: Vec<Vec<String>>,
}

fn write(rows: &[Resident], m: &Messiness) -> Written {
    let mut out = Vec::new();
    let truth = write_messy_csv(&mut out, rows, CsvFormat::Cp932, m, |_| {}).unwrap();
    let text = SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(&out)
        .unwrap()
        .into_owned();
    let lines = text.split_terminator("\r\n").map(str::to_owned).collect();
    Written {
        truth,
        lines,
        records: parse_csv(&text),
    }
}

fn heavy(seed: u64) -> Messiness {
    Messiness {
        seed,
        date_style: DateStyle::WarekiKanji,
        mixed_dates: 0.3,
        halfwidth_kana: 0.2,
        fullwidth_digits: 0.1,
        comma_in_katagaki: 0.05,
        bad_rows: 0.04,
        duplicates: 0.02,
    }
}

#[test]
fn truth_names_exactly_the_rejected_lines() {
    let rows = residents(201, 20_000);
    for m in [Messiness::typical(5), heavy(6)] {
        let w = write(&rows, &m);
        assert_eq!(w.truth.residents, rows.len() as u64);
        assert_eq!(w.records.len() as u64, w.truth.data_lines + 1);
        let bad = w.truth.bad_lines();
        assert!(bad.len() > 100, "only {} bad lines", bad.len());
        assert_eq!(rejected(&w.lines, &w.records), bad);
    }
}

#[test]
fn every_kind_occurs_and_each_is_what_it_says() {
    let rows = residents(203, 20_000);
    let by_atena: HashMap<String, &Resident> = rows
        .iter()
        .map(|r| (format!("{:09}", r.atena_no), r))
        .collect();
    let m = heavy(7);
    let w = write(&rows, &m);
    let mut kinds = HashSet::new();
    for e in &w.truth.entries {
        let i = e.line as usize - 1;
        let f = &w.records[i];
        assert_eq!(
            f[0],
            format!("{:09}", e.atena_no),
            "entry names the line's resident"
        );
        let r = by_atena[&f[0]];
        match &e.mess {
            Mess::DateStyle { style } => {
                assert_ne!(*style, m.date_style);
                assert_eq!(f[12], format_date(r.shikaku_shutoku, *style));
            }
            Mess::HalfwidthKana => {
                assert!(
                    f[4].chars().any(is_halfwidth_kana) || f[4].is_empty(),
                    "{}",
                    f[4]
                );
                assert!(!f[4].chars().any(is_fullwidth_katakana));
            }
            Mess::FullwidthDigits => assert!(f[8].contains('－'), "{}", f[8]),
            Mess::CommaInKatagaki => {
                assert!(f[10].contains(','));
                assert!(w.lines[i].contains(&format!("\"{}\"", f[10])), "quoted");
            }
            Mess::InvalidDate { written } | Mess::NonexistentEraDate { written } => {
                assert_eq!(&f[6], written);
                assert_eq!(parse_date(written), None, "{written} must not parse");
            }
            Mess::SixDigitPostal { written } => {
                assert_eq!(&f[8], written);
                assert_eq!(
                    ascii_digits(written)
                        .bytes()
                        .filter(u8::is_ascii_digit)
                        .count(),
                    6
                );
            }
            Mess::BlankName => assert!(f[4].is_empty() && f[5].is_empty()),
            Mess::Duplicate { of_line } => {
                assert!(
                    *of_line < e.line && e.line - of_line <= 8,
                    "{of_line} → {}",
                    e.line
                );
                assert_eq!(w.lines[i], w.lines[*of_line as usize - 1]);
            }
        }
        kinds.insert(std::mem::discriminant(&e.mess));
    }
    assert_eq!(kinds.len(), 9, "every kind of mess occurs");
    let nonexistent: Vec<&str> = w
        .truth
        .entries
        .iter()
        .filter_map(|e| match &e.mess {
            Mess::NonexistentEraDate { written } => Some(written.as_str()),
            _ => None,
        })
        .collect();
    assert!(nonexistent
        .iter()
        .any(|s| s.starts_with("昭和64年") || s.starts_with("S64") || s.starts_with("364")));
}

#[test]
fn unlisted_lines_are_written_plainly_in_the_file_style() {
    let rows = residents(207, 10_000);
    let m = heavy(8);
    let w = write(&rows, &m);
    let listed: HashSet<u64> = w.truth.entries.iter().map(|e| e.line).collect();
    let mut plain = 0;
    for (i, f) in w.records.iter().enumerate().skip(1) {
        if listed.contains(&(i as u64 + 1)) {
            continue;
        }
        plain += 1;
        assert!(
            f[4].chars()
                .all(|c| is_fullwidth_katakana(c) || c == '\u{3000}'),
            "{}",
            f[4]
        );
        assert!(f[8].is_ascii() && f[8].len() == 8);
        assert!(!f[10].contains(','));
        let birth = parse_date(&f[6]).expect("valid date");
        assert_eq!(f[6], format_date(birth, m.date_style));
    }
    assert!(plain > 3_000);
}

#[test]
fn messy_output_is_deterministic_per_seed() {
    let rows = residents(211, 5_000);
    let a = write(&rows, &heavy(9));
    let b = write(&rows, &heavy(9));
    let c = write(&rows, &heavy(10));
    assert_eq!(a.lines, b.lines);
    assert_eq!(a.truth, b.truth);
    assert_ne!(a.truth.bad_lines(), c.truth.bad_lines());
}

#[test]
fn messy_valid_lines_exclude_bad_ones() {
    let rows = residents(213, 5_000);
    let w = write(&rows, &heavy(11));
    let bad: HashSet<u64> = w.truth.bad_lines().into_iter().collect();
    let valid = w.truth.messy_valid_lines();
    assert!(!valid.is_empty());
    assert!(valid.iter().all(|l| !bad.contains(l)));
    assert!(valid.windows(2).all(|p| p[0] < p[1]));
}
