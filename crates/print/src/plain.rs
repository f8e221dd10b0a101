//! One plain text line per page: the benchmark's anchor, so postcard
//! timings can be read against what typst itself costs for as many pages.

use serde_json::json;

use crate::check::GlyphCheck;
use crate::world::render;
use crate::{Fonts, Pdf, PrintError};

const TEMPLATE: &str = include_str!("../templates/plain.typ");

/// A postcard-sized page per line, each line set as plain text (no
/// vertical setting, boxes or barcode). Checked for tofu like every other
/// document.
pub fn plain_pages(fonts: &Fonts, lines: &[String]) -> Result<Pdf, PrintError> {
    let mut check = GlyphCheck::new(fonts);
    for (i, l) in lines.iter().enumerate() {
        check.field(&format!("{} 行目", i + 1), "本文", l);
    }
    check.finish()?;
    let data = json!({ "lines": lines });
    render(fonts, TEMPLATE, &data, lines.len(), "ページ")
}
