//! Real files: the shared sample through the shipped profile, value by
//! value against its truth; messy generated exports whose every bad line is
//! known; other headers; fixed width; 外字; broken bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use itaku_core::Item;
use itaku_import::{Profile, Scanner, SHIPPED_PROFILES};

fn shipped() -> Profile {
    Profile::from_toml(SHIPPED_PROFILES[0].1).unwrap()
}

fn sample_dir() -> std::path::PathBuf {
    std::env::var("ITAKU_SAMPLE_DATA")
        .map(Into::into)
        .unwrap_or_else(|_| {
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        })
}

#[test]
fn the_sample_imports_with_every_value_correct() {
    let dir = sample_dir();
    let bytes = std::fs::read(dir.join("sample-targets-cp932.csv")).expect("shared/data sample");
    let truth = std::fs::read_to_string(dir.join("sample-targets-truth.jsonl")).unwrap();
    let mut scanner = Scanner::new(&bytes[..], &shipped()).unwrap();
    let mut rows = Vec::new();
    while let Some(r) = scanner.next_row() {
        rows.push(r);
    }
    let report = scanner.finish();
    assert_eq!(report.rejections, vec![], "the sample is clean");
    assert!(
        report.unknown_columns.is_empty(),
        "{:?}",
        report.unknown_columns
    );
    assert_eq!(rows.len(), 2000);
    for (row, line) in rows.iter().zip(truth.lines()) {
        let t: serde_json::Value = serde_json::from_str(line).unwrap();
        let v = |i: Item| row.values.get(&i).cloned().unwrap_or_default();
        assert_eq!(v(Item::AtenaNo), t["id"].as_str().unwrap());
        assert_eq!(v(Item::JushinkenNo), t["voucher"].as_str().unwrap());
        assert_eq!(
            v(Item::KanaShimei),
            t["kana"].as_str().unwrap(),
            "line {}",
            row.line
        );
        assert_eq!(
            v(Item::Shimei),
            t["kanji"].as_str().unwrap(),
            "line {}",
            row.line
        );
        assert_eq!(v(Item::Seinengappi), t["birth"].as_str().unwrap());
        assert_eq!(v(Item::Seibetsu), t["sex"].to_string());
        assert_eq!(v(Item::YubinBango), t["postal"].as_str().unwrap());
        assert_eq!(v(Item::Jusho), t["address"].as_str().unwrap());
        assert_eq!(v(Item::Katagaki), t["building"].as_str().unwrap());
        assert_eq!(v(Item::DenwaBango), t["phone"].as_str().unwrap());
        assert_eq!(v(Item::ShikakuShutoku), t["joined"].as_str().unwrap());
        assert_eq!(v(Item::ShikakuSoshitsu), t["lost"].as_str().unwrap());
        assert_eq!(
            v(Item::KokuhoKigoBango),
            format!(
                "{}\u{3000}{}",
                t["nhi_symbol"].as_str().unwrap(),
                t["nhi_number"].as_str().unwrap()
            )
        );
        let rireki: serde_json::Value = serde_json::from_str(&v(Item::JushinRireki)).unwrap();
        assert_eq!(
            rireki["prev_fy"].as_bool().unwrap(),
            t["screened_prev_fy"] == 1
        );
        assert_eq!(rireki["count_5y"], t["screen_count_5y"]);
        if t["bmi"].is_null() {
            assert!(!row.values.contains_key(&Item::KenshinKekka));
        } else {
            let k: serde_json::Value = serde_json::from_str(&v(Item::KenshinKekka)).unwrap();
            assert_eq!(k["bmi"].as_f64(), t["bmi"].as_f64());
            assert_eq!(k["sbp"], t["sbp"]);
            assert_eq!(k["hba1c"].as_f64(), t["hba1c"].as_f64());
        }
    }
}

#[test]
fn every_bad_line_of_a_messy_export_is_rejected_and_nothing_else() {
    for seed in [1u64, 2, 3] {
        let residents: Vec<_> = itaku_synth::Generator::new(seed, 100_000_000)
            .take(3000)
            .collect();
        let mut buf = Vec::new();
        let truth = itaku_synth::write_messy_csv(
            &mut buf,
            residents.iter(),
            itaku_synth::CsvFormat::Cp932,
            &itaku_synth::Messiness::typical(seed),
            |_| {},
        )
        .unwrap();
        let mut scanner = Scanner::new(&buf[..], &shipped()).unwrap();
        let mut stored = Vec::new();
        while let Some(r) = scanner.next_row() {
            stored.push(r);
        }
        let report = scanner.finish();
        assert_eq!(report.rejected_lines(), truth.bad_lines(), "seed {seed}");
        assert!(report
            .rejections
            .iter()
            .all(|r| !r.reason.is_empty() && r.line > 1));
        // Messy but valid rows (wareki dates, half-width kana, full-width digits) are stored, normalised.
        let messy_ok = truth.messy_valid_lines();
        assert!(!messy_ok.is_empty());
        for line in messy_ok {
            let row = stored
                .iter()
                .find(|r| r.line == line)
                .unwrap_or_else(|| panic!("line {line} lost"));
            let kana = &row.values[&Item::KanaShimei];
            assert!(
                !kana.chars().any(|c| ('\u{FF61}'..='\u{FF9F}').contains(&c)),
                "half-width kana folded: {kana}"
            );
            assert!(row.values[&Item::Seinengappi].len() == 10);
        }
        assert_eq!(report.accepted as usize, stored.len());
        assert_eq!(report.data_rows, truth.data_lines);
    }
}

#[test]
fn other_headers_import_once_a_profile_maps_them() {
    let csv = "住民番号,氏名カナ,氏名漢字,誕生日,性,〒,住所１,住所２,連絡先,備考\r\n\
               000123,ﾔﾏﾀﾞ ﾀﾛｳ,山田　太郎,S45.03.01,男,１６０－００２３,東京都新宿区西新宿二丁目8番1号,,03-5273-4111,\r\n\
               000124,すずき　はなこ,鈴木　花子,4020228,女,1690051,東京都新宿区西早稲田三丁目2番17号,メゾン101,,\r\n";
    let profile = Profile::from_toml(
        r#"name = "他区形式"
encoding = "utf-8"
format = "csv"
ignore = ["備考"]
[items]
atena_no = "住民番号"
kana_shimei = "氏名カナ"
shimei = "氏名漢字"
seinengappi = "誕生日"
seibetsu = "性"
yubin_bango = "〒"
jusho = "住所１"
katagaki = "住所２"
denwa_bango = "連絡先"
[values.seibetsu]
"男" = "1"
"女" = "2"
"#,
    )
    .unwrap();
    // Without the profile's mapping the header does not fit the shipped profile.
    assert!(Scanner::new(csv.as_bytes(), &shipped()).is_err());
    let mut s = Scanner::new(csv.as_bytes(), &profile).unwrap();
    let a = s.next_row().unwrap();
    let b = s.next_row().unwrap();
    assert!(s.next_row().is_none());
    let report = s.finish();
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    assert!(report.unknown_columns.is_empty());
    assert_eq!(a.values[&Item::KanaShimei], "ヤマダ\u{3000}タロウ");
    assert_eq!(a.values[&Item::Seinengappi], "1970-03-01");
    assert_eq!(a.values[&Item::YubinBango], "1600023");
    assert_eq!(a.values[&Item::Seibetsu], "1");
    assert_eq!(b.values[&Item::KanaShimei], "スズキ\u{3000}ハナコ");
    assert_eq!(b.values[&Item::Seinengappi], "1990-02-28");
    assert_eq!(b.values[&Item::Katagaki], "メゾン101");
    assert!(!b.values.contains_key(&Item::DenwaBango));
}

#[test]
fn unknown_columns_are_reported_not_dropped_silently() {
    let csv = "宛名番号,氏名,電子メール\r\n1,山田　太郎,taro@example.jp\r\n";
    let p = Profile::from_toml("name = \"x\"\nencoding = \"utf-8\"\nformat = \"csv\"\n[items]\natena_no = \"宛名番号\"\nshimei = \"氏名\"\n").unwrap();
    let s = Scanner::new(csv.as_bytes(), &p).unwrap();
    assert_eq!(s.finish().unknown_columns, vec!["電子メール".to_owned()]);
}

#[test]
fn fixed_width_in_shift_jis_bytes() {
    let p = Profile::from_toml(
        "name = \"固定長\"\nencoding = \"cp932\"\nformat = \"fixed\"\nheader = false\n\
         [[fixed]]\nname = \"番号\"\nbytes = 6\n[[fixed]]\nname = \"氏名\"\nbytes = 10\n[[fixed]]\nname = \"生年月日\"\nbytes = 7\n\
         [items]\natena_no = \"番号\"\nshimei = \"氏名\"\nseinengappi = \"生年月日\"\n",
    )
    .unwrap();
    let mut file = Vec::new();
    for (no, name, birth) in [
        ("000001", "髙橋　﨑子", "3450301"),
        ("000002", "山田", "4020228"),
    ] {
        file.extend(no.as_bytes());
        let mut n = itaku_jp::encode_cp932(name).unwrap();
        n.resize(10, b' ');
        file.extend(n);
        file.extend(birth.as_bytes());
        file.extend(b"\r\n");
    }
    file.extend(b"000003XX\r\n");
    let mut s = Scanner::new(&file[..], &p).unwrap();
    let a = s.next_row().unwrap();
    assert_eq!(
        a.values[&Item::Shimei],
        "髙橋\u{3000}﨑子",
        "variant kanji kept"
    );
    assert_eq!(a.values[&Item::Seinengappi], "1970-03-01");
    let b = s.next_row().unwrap();
    assert_eq!(b.values[&Item::Seinengappi], "1990-02-28");
    assert!(s.next_row().is_none());
    let r = s.finish();
    assert_eq!(r.rejected_lines(), vec![3]);
    assert!(r.rejections[0].reason.contains("バイト"));
}

#[test]
fn gaiji_are_kept_and_flagged_and_bad_bytes_reject_their_row() {
    let mut file = itaku_jp::encode_cp932("宛名番号,氏名,カナ氏名,生年月日\r\n").unwrap();
    file.extend(b"1,");
    file.extend([0x8E, 0x52, 0xF0, 0x40]); // 山 + the first user-defined character
    file.extend(itaku_jp::encode_cp932(",ヤマ,1970/3/1\r\n2,").unwrap());
    file.extend([0x82, 0xFF]); // not a CP932 character
    file.extend(itaku_jp::encode_cp932(",ヤマ,1970/3/1\r\n").unwrap());
    let p = Profile::from_toml("name = \"x\"\nencoding = \"cp932\"\nformat = \"csv\"\n[items]\natena_no = \"宛名番号\"\nshimei = \"氏名\"\nkana_shimei = \"カナ氏名\"\nseinengappi = \"生年月日\"\n").unwrap();
    let mut s = Scanner::new(&file[..], &p).unwrap();
    let a = s.next_row().unwrap();
    assert_eq!(a.values[&Item::Shimei], "山\u{E000}", "外字 kept exactly");
    assert!(s.next_row().is_none());
    let r = s.finish();
    assert_eq!(r.gaiji.len(), 1);
    assert_eq!(
        (
            r.gaiji[0].line,
            r.gaiji[0].column.as_str(),
            r.gaiji[0].code_point.as_str()
        ),
        (2, "氏名", "U+E000")
    );
    assert_eq!(r.gaiji[0].cp932.as_deref(), Some("F040"));
    assert_eq!(r.rejected_lines(), vec![3]);
    assert_eq!(r.rejections[0].column, "氏名");
    assert!(r.rejections[0].reason.contains("文字コード"));
}

#[test]
fn duplicates_within_and_lookalikes_across_keys() {
    let csv = "宛名番号,カナ氏名,生年月日,住所\r\n\
               1,ヤマダ　タロウ,1970/3/1,東京都新宿区西新宿二丁目8番1号\r\n\
               1,ヤマダ　タロウ,1970/3/1,東京都新宿区西新宿二丁目8番1号\r\n\
               1,ヤマダ　ジロウ,1971/3/1,東京都新宿区西新宿二丁目8番1号\r\n\
               2,ﾔﾏﾀﾞ ﾀﾛｳ,昭和45年3月1日,東京都新宿区西新宿2-8-1\r\n";
    let p = Profile::from_toml("name = \"x\"\nencoding = \"utf-8\"\nformat = \"csv\"\n[items]\natena_no = \"宛名番号\"\nkana_shimei = \"カナ氏名\"\nseinengappi = \"生年月日\"\njusho = \"住所\"\n").unwrap();
    let mut s = Scanner::new(csv.as_bytes(), &p).unwrap();
    let mut n = 0;
    while s.next_row().is_some() {
        n += 1;
    }
    let r = s.finish();
    assert_eq!(n, 2, "stored once per 宛名番号");
    assert_eq!(r.duplicate_rows, 2);
    assert!(r.rejections[0].reason.contains("同じ内容の重複"));
    assert!(r.rejections[1].reason.contains("内容が異なります"));
    assert_eq!(r.likely_duplicates.len(), 1);
    assert_eq!(
        (
            r.likely_duplicates[0].atena_no.as_str(),
            r.likely_duplicates[0].other_atena_no.as_str()
        ),
        ("2", "1")
    );
}

#[test]
fn line_numbers_are_physical_lines_with_lf_and_quoted_breaks() {
    let csv =
        "宛名番号,氏名,生年月日\n1,\"山田\n太郎\",1970/3/1\n\n2,鈴木,2001/02/30\n3,佐藤,1970/3/1\n";
    let p = Profile::from_toml("name = \"x\"\nencoding = \"utf-8\"\nformat = \"csv\"\n[items]\natena_no = \"宛名番号\"\nshimei = \"氏名\"\nseinengappi = \"生年月日\"\n").unwrap();
    let mut s = Scanner::new(csv.as_bytes(), &p).unwrap();
    let a = s.next_row().unwrap();
    let c = s.next_row().unwrap();
    assert_eq!((a.line, c.line), (2, 6));
    let r = s.finish();
    assert_eq!(r.rejected_lines(), vec![5]);
    assert!(
        r.rejections[0].reason.contains("2001/02/30"),
        "{}",
        r.rejections[0].reason
    );
    assert_eq!(r.rejections[0].column, "生年月日");
}
