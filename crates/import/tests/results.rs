//! The shipped screening-results profile: keyed by 受診券整理番号, 受診日 and
//! 健診種別 inside 健診結果, CP932, rejections with their line numbers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::Item;
use itaku_import::{Profile, Scanner, SCREENING_RESULTS_PROFILE};

#[test]
fn results_file_is_scanned_by_jushinken_no_with_line_numbers() {
    let profile = Profile::from_toml(SCREENING_RESULTS_PROFILE.1).unwrap();
    let text = "受診券整理番号,受診日,健診種別,BMI,収縮期血圧,HbA1c\r\n\
                12345678901,2026-07-01,特定健診,22.5,128,5.6\r\n\
                12345678902,令和8年13月1日,特定健診,21.0,120,5.4\r\n\
                ,2026-07-03,特定健診,20.0,118,5.2\r\n\
                12345678901,2026-07-01,特定健診,22.5,128,5.6\r\n\
                12345678903,２０２６年８月９日,人間ドック,,,\r\n";
    let bytes = itaku_jp::encode_cp932(text).unwrap();
    let mut s = Scanner::new(&bytes[..], &profile).unwrap();
    let mut rows = Vec::new();
    while let Some(r) = s.next_row() {
        rows.push(r);
    }
    let report = s.finish();
    assert_eq!(rows.len(), 2, "{report:?}");
    assert_eq!(rows[0].values[&Item::JushinkenNo], "12345678901");
    assert_eq!(rows[0].values[&Item::JushinBi], "2026-07-01");
    let kekka: serde_json::Value =
        serde_json::from_str(&rows[0].values[&Item::KenshinKekka]).unwrap();
    assert_eq!(kekka["jushin_bi"], "2026-07-01");
    assert_eq!(kekka["shubetsu"], "特定健診");
    assert_eq!(kekka["sbp"], 128);
    let k2: serde_json::Value = serde_json::from_str(&rows[1].values[&Item::KenshinKekka]).unwrap();
    assert_eq!(k2["jushin_bi"], "2026-08-09");
    assert_eq!(k2["shubetsu"], "人間ドック");
    assert_eq!(
        report.rejected_lines(),
        vec![3, 4, 5],
        "{:?}",
        report.rejections
    );
    let reason = |line: u64| {
        report
            .rejections
            .iter()
            .find(|r| r.line == line)
            .map(|r| r.reason.clone())
            .unwrap()
    };
    assert!(reason(3).contains("月「13」は 1〜12 の範囲外"));
    assert!(reason(4).contains("受診券整理番号が空です"));
    assert!(reason(5).contains("2行目と同じ内容の重複"));
}

#[test]
fn a_results_profile_without_its_key_column_is_refused() {
    let text = "name = \"x\"\nencoding = \"cp932\"\nformat = \"csv\"\nkey = \"jushinken_no\"\n[items]\njushin_bi = \"受診日\"\n";
    let e = Profile::from_toml(text).unwrap_err();
    assert!(e.to_string().contains("照合キー「受診券整理番号」"), "{e}");
    let bad = "name = \"x\"\nencoding = \"cp932\"\nformat = \"csv\"\nkey = \"shimei\"\n[items]\natena_no = \"a\"\n";
    assert!(Profile::from_toml(bad)
        .unwrap_err()
        .to_string()
        .contains("照合キー「shimei」"));
}
