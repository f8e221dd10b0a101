//! Label sheets rendered for real and read back with poppler.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::sample;
use itaku_print::{labels, Label, LabelSheet, PrintError};

fn label(i: usize) -> Label {
    let c = sample::card(i);
    Label {
        page_ref: c.page_ref,
        postal_code: c.postal_code,
        jusho: c.jusho,
        katagaki: c.katagaki,
        shimei: c.shimei,
    }
}

#[test]
fn twelve_to_a_page_with_every_name_and_ref() {
    let items: Vec<Label> = (0..25).map(label).collect();
    let pdf = labels(common::fonts(), LabelSheet::A4x12, "R12", &items).unwrap();
    assert_eq!(pdf.pages, 3);
    assert_eq!(common::pdfinfo_pages(&pdf), 3);
    let (w, h) = common::page_size_pt(&pdf);
    assert!(
        (w - 595.28).abs() < 0.1 && (h - 841.89).abs() < 0.1,
        "{w} × {h}"
    );
    let text = common::squashed(&pdf, None);
    for l in &items {
        let name: String = l.shimei.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(&format!("{name}様")), "{name}: {text}");
        assert!(text.contains(&l.page_ref), "{}", l.page_ref);
    }
    assert!(text.contains("R123/3"), "run_ref and page number: {text}");
    // Page 3 holds the 25th label only.
    let last = common::squashed(&pdf, Some(3));
    assert!(last.contains(&items[24].page_ref) && !last.contains(&items[23].page_ref));
    common::save_artifacts("labels-12", &pdf, 60);
}

#[test]
fn twenty_four_to_a_page() {
    for (n, pages) in [(1, 1), (24, 1), (25, 2), (48, 2), (49, 3)] {
        let items: Vec<Label> = (0..n).map(label).collect();
        let pdf = labels(common::fonts(), LabelSheet::A4x24, "R12", &items).unwrap();
        assert_eq!((n, common::pdfinfo_pages(&pdf)), (n, pages));
    }
}

#[test]
fn labels_land_inside_their_cells() {
    let items: Vec<Label> = (0..12).map(label).collect();
    let pdf = labels(common::fonts(), LabelSheet::A4x12, "R12", &items).unwrap();
    let gray = common::render_gray(&pdf, 1, 100);
    let g = LabelSheet::A4x12.geometry();
    // Every cell has ink; the cut lines between cells (1 mm strips) have none.
    for row in 0..g.rows {
        for col in 0..g.columns {
            let x = g.left + col as f64 * g.width;
            let y = g.top + row as f64 * g.height;
            assert!(
                gray.dark_share(x + 3.0, y + 3.0, x + g.width - 3.0, y + g.height - 3.0) > 0.005
            );
            assert_eq!(
                gray.dark_share(x + 0.2, y + 0.2, x + g.width - 0.2, y + 1.2),
                0.0
            );
        }
    }
}

#[test]
fn gaiji_in_a_label_is_refused() {
    let mut items: Vec<Label> = (0..3).map(label).collect();
    items[1].jusho.push('\u{E123}');
    let err = labels(common::fonts(), LabelSheet::A4x12, "R12", &items).unwrap_err();
    assert!(
        matches!(&err, PrintError::MissingGlyphs { chars, where_ }
            if chars.contains(&'\u{E123}') && where_.contains(&items[1].page_ref)),
        "{err}"
    );
}
