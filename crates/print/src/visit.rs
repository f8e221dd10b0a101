//! One half of a split visit list (seed 001: 2人体制で、各々が個人を識別
//! できない名簿を持ち、両者が突合することで個人が識別できるようにさせる).
//! The name half carries name, sex and age band; the address half address
//! and 方書; both carry the same visit codes, so only the pair identifies.
//! This module only sets what it is given: which items go on which half is
//! decided (and audited) by the caller.

use serde_json::{json, Value};

use crate::check::GlyphCheck;
use crate::text::runs;
use crate::world::render;
use crate::{Fonts, Pdf, PrintError};

const TEMPLATE: &str = include_str!("../templates/visit.typ");

/// Rows on one A4 page: room for two-line addresses.
pub const VISIT_ROWS_PER_PAGE: usize = 16;

/// Which half, with its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitHalf {
    /// 名前の票: visit code, name, sex, age band.
    Names(Vec<NameRow>),
    /// 住所の票: visit code, address, 方書, by area in walking order.
    Addresses(Vec<AddressRow>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRow {
    pub code: String,
    pub shimei: String,
    pub seibetsu: String,
    pub age_band: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressRow {
    pub code: String,
    /// The 町丁目 the address lies in (a new page starts with each area).
    pub area: String,
    pub jusho: String,
    pub katagaki: String,
}

impl VisitHalf {
    pub fn label(&self) -> &'static str {
        match self {
            VisitHalf::Names(_) => "訪問名簿　名前の票",
            VisitHalf::Addresses(_) => "訪問名簿　住所の票",
        }
    }
    fn rows(&self) -> usize {
        match self {
            VisitHalf::Names(r) => r.len(),
            VisitHalf::Addresses(r) => r.len(),
        }
    }
}

/// Pages of one half: `run_ref` (the printed copy's id) and page x / y on
/// every page; `heading` names the campaign and list; `areas` is what the
/// name half shows as its area (the whole list's, so a name is never tied
/// to one 町丁目 more closely than the list itself is).
pub fn visit_half(
    fonts: &Fonts,
    half: &VisitHalf,
    run_ref: &str,
    heading: &str,
    areas: &str,
) -> Result<Pdf, PrintError> {
    if half.rows() == 0 {
        return Err(PrintError::Empty);
    }
    let mut check = GlyphCheck::new(fonts);
    check.field("（印刷単位）", "通番", run_ref);
    check.field("（印刷単位）", "見出し", heading);
    check.field("（印刷単位）", "地区", areas);
    // Pages as (area, rows of cells).
    let mut pages: Vec<(String, Vec<Vec<Value>>)> = Vec::new();
    let (columns, widths): (Vec<&str>, Vec<f64>) = match half {
        VisitHalf::Names(rows) => {
            for r in rows {
                check.field(&r.code, "訪問コード", &r.code);
                check.field(&r.code, "氏名", &r.shimei);
                check.field(&r.code, "性別", &r.seibetsu);
                check.field(&r.code, "年齢帯", &r.age_band);
            }
            let cells: Vec<Vec<Value>> = rows
                .iter()
                .map(|r| {
                    vec![
                        json!(r.code),
                        runs(fonts, &r.shimei),
                        json!(r.seibetsu),
                        json!(r.age_band),
                        json!(""),
                    ]
                })
                .collect();
            for chunk in cells.chunks(VISIT_ROWS_PER_PAGE) {
                pages.push((areas.to_owned(), chunk.to_vec()));
            }
            (
                vec!["訪問コード", "氏名", "性別", "年齢帯", "結果・メモ"],
                vec![30.0, 62.0, 16.0, 24.0, 54.0],
            )
        }
        VisitHalf::Addresses(rows) => {
            for r in rows {
                check.field(&r.code, "訪問コード", &r.code);
                check.field(&r.code, "地区", &r.area);
                check.field(&r.code, "住所", &r.jusho);
                check.field(&r.code, "方書", &r.katagaki);
            }
            let mut start = 0;
            while start < rows.len() {
                let area = &rows[start].area;
                let end = rows[start..]
                    .iter()
                    .position(|r| &r.area != area)
                    .map_or(rows.len(), |n| start + n);
                let cells: Vec<Vec<Value>> = rows[start..end]
                    .iter()
                    .map(|r| {
                        vec![
                            json!(r.code),
                            runs(fonts, &r.jusho),
                            runs(fonts, &r.katagaki),
                            json!(""),
                        ]
                    })
                    .collect();
                for chunk in cells.chunks(VISIT_ROWS_PER_PAGE) {
                    pages.push((area.clone(), chunk.to_vec()));
                }
                start = end;
            }
            (
                vec!["訪問コード", "住所", "方書", "訪問日時・結果"],
                vec![30.0, 78.0, 40.0, 38.0],
            )
        }
    };
    check.finish()?;
    let total = pages.len();
    let data = json!({
        "title": format!("{} {run_ref}", half.label()),
        "half_label": half.label(),
        "run_ref": run_ref,
        "heading": heading,
        "notice": "この票だけでは個人を特定できません。もう一方の票と訪問コードで照合します。\
                   持出し・返却は授受簿に記録し、当日中に返却してください。",
        "columns": columns,
        "widths": widths,
        "total": total,
        "pages": pages.iter().enumerate().map(|(i, (area, rows))| json!({
            "no": i + 1,
            "area": runs(fonts, area),
            "rows": rows,
        })).collect::<Vec<_>>(),
    });
    render(fonts, TEMPLATE, &data, total, "訪問名簿")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(pdf: &Pdf) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.pdf");
        std::fs::write(&path, &pdf.bytes).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args([path.to_str().unwrap(), "-"])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn halves_carry_only_their_items_and_page_numbers() {
        let fonts = Fonts::load_system().unwrap();
        let names = VisitHalf::Names(
            (0..20)
                .map(|i| NameRow {
                    code: format!("K{i:05}"),
                    shimei: "髙橋 﨑子".into(),
                    seibetsu: "女".into(),
                    age_band: "65-69".into(),
                })
                .collect(),
        );
        let pdf = visit_half(&fonts, &names, "V00001", "勧奨 1", "西新宿一丁目").unwrap();
        assert_eq!(pdf.pages, 2);
        let text = text_of(&pdf);
        assert!(text.contains("V00001"), "{text}");
        assert!(text.contains("名前の票"));
        assert!(text.contains("1 / 2") && text.contains("2 / 2"), "{text}");
        assert!(text.contains("髙橋"));
        let addresses = VisitHalf::Addresses(vec![
            AddressRow {
                code: "K00001".into(),
                area: "西新宿一丁目".into(),
                jusho: "東京都新宿区西新宿一丁目2番3号".into(),
                katagaki: "ハイツ101".into(),
            },
            AddressRow {
                code: "K00002".into(),
                area: "西新宿二丁目".into(),
                jusho: "東京都新宿区西新宿二丁目1番1号".into(),
                katagaki: String::new(),
            },
        ]);
        let pdf = visit_half(&fonts, &addresses, "V00002", "勧奨 1", "").unwrap();
        // A page per area.
        assert_eq!(pdf.pages, 2);
        let text = text_of(&pdf);
        assert!(
            text.contains("住所の票") && text.contains("ハイツ101"),
            "{text}"
        );
        assert!(!text.contains("髙橋"));
    }

    #[test]
    fn a_character_without_a_glyph_is_refused() {
        let fonts = Fonts::load_system().unwrap();
        let names = VisitHalf::Names(vec![NameRow {
            code: "K00001".into(),
            shimei: "山\u{E001}".into(),
            seibetsu: "男".into(),
            age_band: "40-44".into(),
        }]);
        let err = visit_half(&fonts, &names, "V1", "x", "y").unwrap_err();
        assert!(matches!(err, PrintError::MissingGlyphs { .. }), "{err}");
    }
}
