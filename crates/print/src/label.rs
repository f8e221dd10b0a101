//! Address labels on A4 label sheets, set horizontally.

use itaku_jp::PostalCode;
use serde_json::{json, Value};

use crate::check::GlyphCheck;
use crate::text::runs;
use crate::world::render;
use crate::{Fonts, Pdf, PrintError};

const TEMPLATE: &str = include_str!("../templates/label.typ");

/// One label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Discreet run/page id printed small in the label's corner.
    pub page_ref: String,
    /// 7 digits (hyphen and full-width digits accepted).
    pub postal_code: String,
    /// Address.
    pub jusho: String,
    /// 方書 (building, room, c/o); may be empty.
    pub katagaki: String,
    /// Name, printed larger with 様.
    pub shimei: String,
}

/// A4 label sheets. All geometry is in [`LabelSheet::geometry`]; compare
/// it with the sheet you buy before a large run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelSheet {
    /// 12 labels (2 × 6) of 86.4 × 42.3 mm, no gaps, centred on the page:
    /// side margins 18.6 mm, top and bottom 21.6 mm. This is the A-One
    /// 72212 cut.
    A4x12,
    /// 24 labels (3 × 8) of 70.0 × 33.9 mm, no gaps, full width, top and
    /// bottom margins 12.9 mm: the common 24面 cut without side margins.
    /// Other 24面 sheets (A-One 72224 among them) may use a narrower label
    /// with side margins; this geometry has not been measured against one.
    A4x24,
}

/// Where labels sit on a sheet, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SheetGeometry {
    /// Labels across.
    pub columns: usize,
    /// Labels down.
    pub rows: usize,
    /// One label's width and height.
    pub width: f64,
    pub height: f64,
    /// The first label's top-left corner.
    pub left: f64,
    pub top: f64,
    /// Address and name sizes in points.
    pub address_size: f64,
    pub name_size: f64,
}

impl LabelSheet {
    /// The sheet's geometry.
    pub fn geometry(self) -> SheetGeometry {
        match self {
            LabelSheet::A4x12 => SheetGeometry {
                columns: 2,
                rows: 6,
                width: 86.4,
                height: 42.3,
                left: 18.6,
                top: 21.6,
                address_size: 10.0,
                name_size: 13.0,
            },
            LabelSheet::A4x24 => SheetGeometry {
                columns: 3,
                rows: 8,
                width: 70.0,
                height: 33.9,
                left: 0.0,
                top: 12.9,
                address_size: 8.5,
                name_size: 11.0,
            },
        }
    }

    /// Labels per sheet.
    pub fn per_page(self) -> usize {
        let g = self.geometry();
        g.columns * g.rows
    }
}

/// Labels in order, row by row, `sheet.per_page()` to a page. `run_ref`
/// and the page number are printed small in the top margin of each page.
pub fn labels(
    fonts: &Fonts,
    sheet: LabelSheet,
    run_ref: &str,
    labels: &[Label],
) -> Result<Pdf, PrintError> {
    let mut check = GlyphCheck::new(fonts);
    check.field("（印刷単位）", "通番", run_ref);
    for l in labels {
        let who = l.page_ref.as_str();
        check.field(who, "通番", who);
        check.field(who, "郵便番号", &l.postal_code);
        check.field(who, "住所", &l.jusho);
        check.field(who, "方書", &l.katagaki);
        check.field(who, "氏名", &l.shimei);
    }
    check.finish()?;
    let items = labels
        .iter()
        .map(|l| label_json(fonts, l))
        .collect::<Result<Vec<_>, _>>()?;
    let per_page = sheet.per_page();
    let page_count = labels.len().div_ceil(per_page);
    let pages: Vec<Value> = items
        .chunks(per_page)
        .enumerate()
        .map(|(i, chunk)| {
            json!({
                "head": format!("{run_ref}　{} / {page_count}", i + 1),
                "labels": chunk,
            })
        })
        .collect();
    let g = sheet.geometry();
    let data = json!({
        "sheet": {
            "columns": g.columns, "width": g.width, "height": g.height,
            "left": g.left, "top": g.top,
            "address_size": g.address_size, "name_size": g.name_size,
        },
        "pages": pages,
    });
    render(fonts, TEMPLATE, &data, page_count, "ラベル")
}

fn label_json(fonts: &Fonts, l: &Label) -> Result<Value, PrintError> {
    let postal = PostalCode::parse(&l.postal_code).map_err(|e| PrintError::Invalid {
        where_: format!("{} の郵便番号", l.page_ref),
        reason: e.to_string(),
    })?;
    Ok(json!({
        "ref": l.page_ref,
        "postal": format!("〒{postal}"),
        "jusho": runs(fonts, &l.jusho),
        "katagaki": runs(fonts, &l.katagaki),
        "name": runs(fonts, &l.shimei),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_fit_on_a4() {
        for sheet in [LabelSheet::A4x12, LabelSheet::A4x24] {
            let g = sheet.geometry();
            let right = g.left + g.columns as f64 * g.width;
            let bottom = g.top + g.rows as f64 * g.height;
            assert!(right <= 210.0 + 1e-9, "{sheet:?} {right}");
            assert!(bottom <= 297.0 + 1e-9, "{sheet:?} {bottom}");
        }
        assert_eq!(LabelSheet::A4x12.per_page(), 12);
        assert_eq!(LabelSheet::A4x24.per_page(), 24);
    }
}
