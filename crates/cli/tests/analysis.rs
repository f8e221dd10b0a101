//! `itaku analysis compare` reproduces the committed reference fixtures
//! (pinned scipy/statsmodels) from counts alone, whatever the file's encoding
//! and header language, and rejects bad rows naming the line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../analysis/tests/fixture_check/mod.rs"]
mod fixture_check;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn itaku(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itaku"))
        .args(args)
        .current_dir(cwd)
        .env_remove("ITAKU_DATA")
        .env_remove("ITAKU_CONFIG")
        .output()
        .unwrap()
}

#[derive(Clone, Copy)]
enum Style {
    /// UTF-8 with a BOM, English header, English arm names.
    Utf8BomEnglish,
    /// CP932, Japanese header and arm names.
    Cp932Japanese,
    /// UTF-8 without a BOM, Japanese header, CRLF line ends.
    Utf8JapaneseCrlf,
}

fn csv_for(set: &Value, style: Style) -> Vec<u8> {
    let (header, treated, control, nl) = match style {
        Style::Utf8BomEnglish => ("stratum,arm,n,attended", "treated", "control", "\n"),
        Style::Cp932Japanese => ("層,群,人数,受診者数", "通知＋電話", "通知のみ", "\n"),
        Style::Utf8JapaneseCrlf => ("層,群,人数,受診者数", "通知+電話", "通知のみ", "\r\n"),
    };
    let mut text = format!("{header}{nl}");
    for s in set["strata"].as_array().unwrap() {
        let label = s["label"].as_str().unwrap();
        let c: Vec<u64> = s["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        // Control first in half the rows: order must not matter.
        text.push_str(&format!("{label},{control},{},{}{nl}", c[2] + c[3], c[2]));
        text.push_str(&format!("{label},{treated},{},{}{nl}", c[0] + c[1], c[0]));
    }
    match style {
        Style::Utf8BomEnglish => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Style::Cp932Japanese => itaku_jp::encode_cp932(&text).unwrap(),
        Style::Utf8JapaneseCrlf => text.into_bytes(),
    }
}

fn compare_json(dir: &Path, bytes: &[u8]) -> Value {
    let path = dir.join("counts.csv");
    std::fs::write(&path, bytes).unwrap();
    let o = itaku(
        &[
            "analysis",
            "compare",
            "--input",
            path.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn reproduces_the_stratified_fixtures_in_every_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture_check::fixtures();
    let styles = [
        Style::Utf8BomEnglish,
        Style::Cp932Japanese,
        Style::Utf8JapaneseCrlf,
    ];
    for (i, set) in f["stratified"].as_array().unwrap().iter().enumerate() {
        let got = compare_json(dir.path(), &csv_for(set, styles[i % styles.len()]));
        fixture_check::counts_report(&got, set);
        assert!(got["sample_ratio"].is_object(), "SRM present");
        assert!(got["recommendations"].is_array());
    }
}

#[test]
fn reproduces_every_two_arm_fixture_as_a_one_stratum_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture_check::fixtures();
    for t in f["two_arm"].as_array().unwrap() {
        let set = serde_json::json!({"strata": [{"label": "全体", "cells": t["cells"]}]});
        let got = compare_json(dir.path(), &csv_for(&set, Style::Cp932Japanese));
        fixture_check::two_arm(&got["overall"], t, &format!("{}", t["cells"]));
    }
}

#[test]
fn text_output_is_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture_check::fixtures();
    let set = &f["stratified"][0];
    let path = dir.path().join("c.csv");
    std::fs::write(&path, csv_for(set, Style::Cp932Japanese)).unwrap();
    let o = itaku(
        &["analysis", "compare", "--input", path.to_str().unwrap()],
        dir.path(),
    );
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    for word in [
        "■ 全体",
        "Newcombe",
        "Mantel–Haenszel",
        "Breslow–Day（Tarone 補正・主）",
        "割付比",
        "■ 提言",
        "過去受診",
    ] {
        assert!(out.contains(word), "{word} missing:\n{out}");
    }
}

#[test]
fn bad_rows_are_rejected_with_their_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 5] = [
        (
            "層,群,人数,受診者数\nA,通知のみ,10,3\nA,通知＋電話,10,11\n",
            "3 行目: 受診者数 11 が人数 10 を超えています",
        ),
        (
            "層,群,人数,受診者数\nA,通知のみ,10,3\nA,電報,10,1\n",
            "3 行目: 群「電報」が分かりません",
        ),
        (
            "層,群,人数,受診者数\nA,通知のみ,十,3\n",
            "2 行目: 人数「十」が 0 以上の整数ではありません",
        ),
        (
            "層,群,人数,受診者数\nA,通知のみ,10,3\nB,通知のみ,5,1\nA,control,10,2\n",
            "4 行目: 層「A」の群「通知のみ」は 2 行目にもあります",
        ),
        ("層,群,人数\nA,通知のみ,10\n", "1 行目: 列「attended」"),
    ];
    for (csv, want) in cases {
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, itaku_jp::encode_cp932(csv).unwrap()).unwrap();
        let o = itaku(
            &["analysis", "compare", "--input", path.to_str().unwrap()],
            dir.path(),
        );
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "want {want}, got {err}");
    }
}
