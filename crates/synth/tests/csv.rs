// Helpers outside #[test] functions may unwrap: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{parse_csv, residents};
use encoding_rs::SHIFT_JIS;
use itaku_synth::{
    format_date, write_csv, write_jsonl, write_messy_csv, CsvFormat, DateStyle, Generator,
    Messiness, Resident, Sex, SynthError, HEADER,
};

fn csv(rows: &[Resident], format: CsvFormat) -> Vec<u8> {
    let mut out = Vec::new();
    write_csv(&mut out, rows, format, |_| {}).unwrap();
    out
}

fn utf8_text(rows: &[Resident]) -> String {
    let bytes = csv(rows, CsvFormat::Utf8Bom);
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM");
    String::from_utf8(body.to_vec()).unwrap()
}

#[test]
fn cp932_round_trip_of_20000_rows() {
    let rows = residents(101, 20_000);
    let sjis = csv(&rows, CsvFormat::Cp932);
    let decoded = SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(&sjis)
        .expect("every byte sequence decodes");
    assert_eq!(decoded, utf8_text(&rows));
    // The extensions are really exercised: NEC/IBM-only characters present.
    assert!(decoded.contains('髙') || decoded.contains('﨑'));
}

#[test]
fn header_and_line_ends() {
    let rows = residents(103, 500);
    let text = utf8_text(&rows);
    let first = text.split("\r\n").next().unwrap();
    assert_eq!(first, HEADER.join(","));
    assert_eq!(
        first,
        "宛名番号,受診券整理番号,被保険者記号,被保険者番号,カナ氏名,漢字氏名,生年月日,性別,郵便番号,住所,方書,電話番号,資格取得年月日,資格喪失年月日,前年度特定健診受診,過去5年受診回数,BMI,収縮期血圧,HbA1c"
    );
    assert!(text.ends_with("\r\n"));
    assert_eq!(text.matches("\r\n").count(), rows.len() + 1);
    assert_eq!(text.matches('\n').count(), rows.len() + 1, "only CRLF");
}

#[test]
fn fields_are_written_as_the_sample_writes_them() {
    let rows = residents(107, 3_000);
    let records = parse_csv(&utf8_text(&rows));
    assert_eq!(records.len(), rows.len() + 1);
    for (r, f) in rows.iter().zip(&records[1..]) {
        assert_eq!(f.len(), 19);
        assert_eq!(f[0], format!("{:09}", r.atena_no));
        assert_eq!(f[1], format!("{:011}", r.jushinken_no));
        assert_eq!(f[2], r.hihokensha_kigo);
        assert_eq!(f[3], r.hihokensha_bango);
        assert_eq!(f[4], r.kana);
        assert_eq!(f[5], r.kanji);
        assert_eq!(f[6], r.birth_date.format("%Y/%m/%d").to_string());
        assert_eq!(f[7], if r.sex == Sex::Male { "1" } else { "2" });
        assert_eq!(
            f[8],
            format!("{}-{}", &r.postal_code[..3], &r.postal_code[3..])
        );
        assert_eq!(f[9], r.jusho);
        assert_eq!(f[10], r.katagaki);
        assert_eq!(f[11], r.phone.clone().unwrap_or_default());
        assert_eq!(f[12], r.shikaku_shutoku.format("%Y/%m/%d").to_string());
        assert_eq!(
            f[13],
            r.shikaku_soshitsu
                .map(|d| d.format("%Y/%m/%d").to_string())
                .unwrap_or_default()
        );
        assert_eq!(f[14], if r.prev_year_screened { "1" } else { "0" });
        assert_eq!(f[15], r.screenings_5y.to_string());
        assert_eq!(f[16], r.bmi.map(|v| format!("{v:.1}")).unwrap_or_default());
        assert_eq!(f[17], r.sbp.map(|v| v.to_string()).unwrap_or_default());
        assert_eq!(
            f[18],
            r.hba1c.map(|v| format!("{v:.1}")).unwrap_or_default()
        );
    }
}

fn with_text(katagaki: &str, kanji: &str) -> Resident {
    let mut r = residents(109, 1).remove(0);
    r.katagaki = katagaki.to_owned();
    r.kanji = kanji.to_owned();
    r
}

#[test]
fn quoting_only_where_needed_with_doubled_quotes() {
    let cases = [
        ("メゾン新宿,201号室", "山田\u{3000}花子"),
        ("ハイツ\"みどり\"102号室", "佐藤\u{3000}一郎"),
        ("a,\"b\",c", "O\"BRIEN\u{3000}JOHN"),
        ("plain", "田中\u{3000}誠"),
    ];
    let rows: Vec<Resident> = cases.iter().map(|(k, n)| with_text(k, n)).collect();
    let text = utf8_text(&rows);
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[1].contains(",\"メゾン新宿,201号室\","));
    assert!(lines[2].contains(",\"ハイツ\"\"みどり\"\"102号室\","));
    assert!(lines[3].contains(",\"O\"\"BRIEN\u{3000}JOHN\","));
    assert!(lines[3].contains(",\"a,\"\"b\"\",c\","));
    assert!(lines[4].contains(",plain,"));
    assert!(!lines[4].contains('"'), "nothing quoted without need");
    let records = parse_csv(&text);
    for (r, f) in rows.iter().zip(&records[1..]) {
        assert_eq!(f.len(), 19);
        assert_eq!(f[10], r.katagaki);
        assert_eq!(f[5], r.kanji);
    }
    // The same through CP932.
    let sjis = csv(&rows, CsvFormat::Cp932);
    let decoded = SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(&sjis)
        .unwrap();
    assert_eq!(decoded, text);
}

#[test]
fn a_character_outside_cp932_is_refused_not_replaced() {
    let mut rows = residents(113, 3);
    rows[1].kanji = "𠮷田\u{3000}太郎".to_owned();
    let mut out = Vec::new();
    let err = write_csv(&mut out, &rows, CsvFormat::Cp932, |_| {}).unwrap_err();
    match err {
        SynthError::Unencodable { line, ch } => {
            assert_eq!(line, 3, "header is line 1, second resident line 3");
            assert_eq!(ch, '𠮷');
        }
        other => panic!("{other:?}"),
    }
    // UTF-8 takes it.
    assert!(write_csv(Vec::new(), &rows, CsvFormat::Utf8Bom, |_| {}).is_ok());
}

#[test]
fn streaming_from_the_generator_reports_progress() {
    let mut calls = Vec::new();
    let mut out = Vec::new();
    let n = write_csv(
        &mut out,
        Generator::new(3, 100_000_000).take(10_000),
        CsvFormat::Cp932,
        |c| calls.push(c),
    )
    .unwrap();
    assert_eq!(n, 10_000);
    assert_eq!(calls.last(), Some(&10_000));
    assert!(calls.windows(2).all(|w| w[0] <= w[1]));
    assert!(calls.len() >= 3);
    // Writing the same residents again gives the same bytes.
    let again = {
        let mut v = Vec::new();
        write_csv(
            &mut v,
            Generator::new(3, 100_000_000).take(10_000),
            CsvFormat::Cp932,
            |_| {},
        )
        .unwrap();
        v
    };
    assert_eq!(out, again);
}

#[test]
fn messiness_off_is_the_plain_export() {
    let rows = residents(127, 2_000);
    let mut messy = Vec::new();
    let truth = write_messy_csv(
        &mut messy,
        &rows,
        CsvFormat::Cp932,
        &Messiness::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(messy, csv(&rows, CsvFormat::Cp932));
    assert!(truth.entries.is_empty());
    assert_eq!(truth.data_lines, 2_000);
}

#[test]
fn file_wide_date_style_is_applied_to_every_date() {
    let rows = residents(131, 500);
    for style in DateStyle::ALL {
        let m = Messiness {
            date_style: style,
            ..Messiness::default()
        };
        let mut out = Vec::new();
        let truth = write_messy_csv(&mut out, &rows, CsvFormat::Utf8Bom, &m, |_| {}).unwrap();
        assert!(
            truth.entries.is_empty(),
            "a file-wide style is not a per-row mess"
        );
        let text = String::from_utf8(out[3..].to_vec()).unwrap();
        for (r, f) in rows.iter().zip(&parse_csv(&text)[1..]) {
            assert_eq!(f[6], format_date(r.birth_date, style));
            assert_eq!(f[12], format_date(r.shikaku_shutoku, style));
        }
    }
}

#[test]
fn jsonl_has_the_same_residents() {
    let rows = residents(137, 1_000);
    let mut out = Vec::new();
    assert_eq!(write_jsonl(&mut out, &rows, |_| {}).unwrap(), 1_000);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), rows.len());
    for (r, line) in rows.iter().zip(lines) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["atena_no"], format!("{:09}", r.atena_no));
        assert_eq!(v["jushinken_no"], format!("{:011}", r.jushinken_no));
        assert_eq!(v["kana"], r.kana.as_str());
        assert_eq!(v["birth_date"], r.birth_date.format("%Y-%m-%d").to_string());
        assert_eq!(v["sex"], u64::from(r.sex.code()));
        assert_eq!(v["postal_code"], r.postal_code.as_str());
        assert_eq!(v["prev_year_screened"], r.prev_year_screened);
        assert_eq!(v["bmi"].is_null(), r.bmi.is_none());
        if let Some(b) = r.bmi {
            assert!((v["bmi"].as_f64().unwrap() - f64::from(b)).abs() < 1e-5);
        }
    }
}
