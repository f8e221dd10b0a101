//! 消去証明書: the certificate of erasure as an A4 document. The signed
//! JSON is the certificate; this is its human-readable copy for the file.

use serde_json::json;

use crate::check::GlyphCheck;
use crate::world::{compile, export};
use crate::{Fonts, Pdf, PrintError};

const TEMPLATE: &str = include_str!("../templates/certificate.typ");

/// `title` large at the top, then `lines` (an empty one is a gap), and
/// `footer` on every page (the signature and how to verify it).
pub fn certificate(
    fonts: &Fonts,
    title: &str,
    lines: &[String],
    footer: &str,
) -> Result<Pdf, PrintError> {
    let mut check = GlyphCheck::new(fonts);
    check.field("消去証明書", "表題", title);
    check.field("消去証明書", "脚注", footer);
    for (i, l) in lines.iter().enumerate() {
        check.field("消去証明書", &format!("{} 行目", i + 1), l);
    }
    check.finish()?;
    let data = json!({ "title": title, "lines": lines, "footer": footer });
    let document = compile(fonts, TEMPLATE, &data, "消去証明書")?;
    let pages = document.pages().len();
    export(&document, pages)
}
