//! The shipped sample list, parsed with this crate, against its truth file.
//!
//! Data: /work/shared/data (override with ITAKU_SAMPLE_DATA). The test fails
//! when the files are missing rather than passing vacuously.

// Helpers outside #[test] functions unwrap too: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_jp::{
    age_at_fiscal_year_end, decode_line, parse_date, FiscalYear, Jusho, KanaName, KanjiName,
    Katagaki, Phone, PostalCode, SourceEncoding,
};
use serde_json::Value;
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    std::env::var_os("ITAKU_SAMPLE_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    )
}

fn truth() -> Vec<Value> {
    let path = data_dir().join("sample-targets-truth.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// RFC 4180 fields of one record (quotes double to escape).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().unwrap();
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            _ => field.push(c),
        }
    }
    fields
}

fn text<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key].as_str().unwrap()
}

#[test]
fn every_truth_row_has_the_right_age_at_fiscal_year_end_2026() {
    let rows = truth();
    assert_eq!(rows.len(), 2000);
    let fy = FiscalYear::new(2026);
    assert_eq!(fy.end().to_string(), "2027-03-31");
    for row in &rows {
        let birth = parse_date(text(row, "birth")).unwrap();
        let expected = row["age_fy_end"].as_u64().unwrap();
        assert_eq!(
            u64::from(age_at_fiscal_year_end(birth, fy)),
            expected,
            "id {} born {birth}",
            text(row, "id")
        );
    }
}

#[test]
fn the_cp932_sample_parses_to_the_truth() {
    let bytes = std::fs::read(data_dir().join("sample-targets-cp932.csv")).unwrap();
    let rows = truth();
    let mut lines = bytes.split_inclusive(|b| *b == b'\n');
    let header = decode_line(lines.next().unwrap(), SourceEncoding::Cp932).unwrap();
    let columns = split_csv(&header.text);
    let col = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let mut seen = 0;
    for (line, row) in lines.zip(&rows) {
        let decoded = decode_line(line, SourceEncoding::Cp932).unwrap();
        assert!(decoded.gaiji.is_empty());
        let f = split_csv(&decoded.text);
        let id = text(row, "id");
        assert_eq!(f[col("宛名番号")], id);
        assert_eq!(
            KanaName::parse(&f[col("カナ氏名")]).unwrap().as_str(),
            text(row, "kana"),
            "{id}"
        );
        assert_eq!(
            KanjiName::parse(&f[col("漢字氏名")]).unwrap().as_str(),
            text(row, "kanji"),
            "{id}"
        );
        assert_eq!(
            parse_date(&f[col("生年月日")]).unwrap().to_string(),
            text(row, "birth"),
            "{id}"
        );
        assert_eq!(
            PostalCode::parse(&f[col("郵便番号")]).unwrap().digits(),
            text(row, "postal"),
            "{id}"
        );
        assert_eq!(
            Jusho::parse(&f[col("住所")]).unwrap().as_str(),
            text(row, "address"),
            "{id}"
        );
        assert_eq!(
            Katagaki::parse(&f[col("方書")]).unwrap().as_str(),
            text(row, "building"),
            "{id}"
        );
        let phone = &f[col("電話番号")];
        let shown = if phone.trim().is_empty() {
            String::new()
        } else {
            Phone::parse(phone).unwrap().to_string()
        };
        assert_eq!(shown, text(row, "phone"), "{id}");
        for (column, key) in [("資格取得年月日", "joined"), ("資格喪失年月日", "lost")]
        {
            let raw = &f[col(column)];
            let date = if raw.is_empty() {
                String::new()
            } else {
                parse_date(raw).unwrap().to_string()
            };
            assert_eq!(date, text(row, key), "{id} {column}");
        }
        seen += 1;
    }
    assert_eq!(seen, rows.len());
}
