//! 効果分析の報告書: the published analysis as an A4 document — the same
//! recommendations, charts (SVG, drawn by the caller) and tables as the
//! report page.

use serde::Serialize;
use serde_json::json;

use crate::check::GlyphCheck;
use crate::world::{compile, export};
use crate::{Fonts, Pdf, PrintError};

const TEMPLATE: &str = include_str!("../templates/report.typ");

/// A table of text cells.
#[derive(Debug, Clone, Serialize)]
pub struct ReportTable {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One section.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSection {
    pub heading: String,
    pub warning: Option<String>,
    pub lines: Vec<String>,
    pub tables: Vec<ReportTable>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub subtitle: String,
    pub footer: String,
    pub recommendations: Vec<String>,
    /// (caption, SVG document).
    pub charts: Vec<(String, String)>,
    pub sections: Vec<ReportSection>,
}

/// Typesets `report`. Every text is checked against the fonts first, so a
/// character that would print as tofu is an error naming where it is.
pub fn analysis_report(fonts: &Fonts, report: &Report) -> Result<Pdf, PrintError> {
    let mut check = GlyphCheck::new(fonts);
    check.field("報告書", "表題", &report.title);
    check.field("報告書", "副題", &report.subtitle);
    for r in &report.recommendations {
        check.field("報告書", "提言", r);
    }
    for s in &report.sections {
        check.field("報告書", "見出し", &s.heading);
        for l in &s.lines {
            check.field("報告書", &s.heading, l);
        }
        for t in &s.tables {
            for cell in t.header.iter().chain(t.rows.iter().flatten()) {
                check.field("報告書", &t.caption, cell);
            }
        }
    }
    check.finish()?;
    let charts: Vec<_> = report
        .charts
        .iter()
        .map(|(caption, svg)| json!({ "caption": caption, "svg": svg }))
        .collect();
    let data = json!({
        "title": report.title,
        "subtitle": report.subtitle,
        "footer": report.footer,
        "recommendations": report.recommendations,
        "charts": charts,
        "sections": report.sections,
    });
    let document = compile(fonts, TEMPLATE, &data, "効果分析の報告書")?;
    let pages = document.pages().len();
    export(&document, pages)
}
