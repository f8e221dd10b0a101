//! The certificate of erasure's A4 copy, read back with poppler.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use itaku_print::{certificate, PrintError};

#[test]
fn lines_print_on_a4_and_gaiji_is_refused() {
    let lines: Vec<String> = vec![
        "証明書番号: 第 1 号".into(),
        String::new(),
        "委託契約: 令和8年度 受診勧奨業務委託（契約番号 1）".into(),
        "破棄した鍵: 金庫 2 の暗号鍵".into(),
    ];
    let pdf = certificate(common::fonts(), "消去証明書", &lines, "電子署名 abcd…").unwrap();
    assert_eq!(pdf.pages, 1);
    assert_eq!(common::pdfinfo_pages(&pdf), 1);
    let (w, h) = common::page_size_pt(&pdf);
    assert!(
        (w - 595.3).abs() < 1.0 && (h - 841.9).abs() < 1.0,
        "A4: {w}×{h}"
    );
    let text = common::text(&pdf, None);
    common::save_artifacts("certificate", &pdf, 60);
    for want in [
        "消去証明書",
        "令和8年度 受診勧奨業務委託",
        "破棄した鍵",
        "電子署名 abcd",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let bad = vec!["委託契約: 外字\u{E000}".to_owned()];
    let e = certificate(common::fonts(), "消去証明書", &bad, "").unwrap_err();
    assert!(matches!(e, PrintError::MissingGlyphs { .. }), "{e}");
}
