//! Where the vertical address and name go on a postcard's address side.
//!
//! All lengths in millimetres from the card's top-left corner (100 × 148,
//! portrait). The address starts at the right, under the postal-code
//! boxes, and runs in columns leftwards; 方書 starts a new column two
//! characters lower; the name is one larger column on the card's centre
//! line with 様 after a half space. Everything ends 2 mm above the
//! barcode's quiet zone.

use serde_json::{json, Value};

use crate::text::{column_height, columns, vertical_cells, Cell};
use crate::Fonts;

/// Right edge of the first address column (the postal-code boxes end at
/// 92 mm).
const ADDRESS_RIGHT: f64 = 90.5;
/// Top of the address columns, 7 mm under the postal-code boxes.
const ADDRESS_TOP: f64 = 27.0;
/// Lowest point any column may reach: the barcode's quiet zone begins at
/// 129.5 mm.
pub(crate) const COLUMN_BOTTOM: f64 = 127.0;
/// Leftmost point of the address columns: clear of the largest name
/// column (22 pt ≈ 7.8 mm around the centre line) by 3 mm.
const ADDRESS_LEFT: f64 = 57.0;
/// Centre line of the name column.
const NAME_CENTRE: f64 = 50.0;
/// Top of the name column.
const NAME_TOP: f64 = 34.0;
/// Address sizes tried in turn until the columns fit, in points.
const ADDRESS_SIZES: [f64; 4] = [12.0, 11.0, 10.0, 9.0];
/// Name size when it fits, and the smallest allowed, in points.
const NAME_SIZE: f64 = 22.0;
const NAME_MIN_SIZE: f64 = 12.0;
/// Space between columns, as a fraction of the type size.
const COLUMN_GAP: f64 = 0.4;
/// 方書 starts this many characters below the address.
const KATAGAKI_INDENT: usize = 2;

const MM_PER_PT: f64 = 25.4 / 72.0;

/// One column placed on the card.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    /// Left edge, mm.
    pub x: f64,
    /// Top, mm.
    pub y: f64,
    /// Type size, pt.
    pub size: f64,
    pub cells: Vec<Cell>,
}

impl Column {
    /// The template's form: the column split at word spaces into
    /// segments of cells (the template sets half a cell between them).
    pub(crate) fn to_json(&self) -> Value {
        let segments: Vec<Vec<Value>> = self
            .cells
            .split(|c| *c == Cell::Gap)
            .map(|seg| seg.iter().map(Cell::to_json).collect())
            .collect();
        json!({
            "x": round(self.x),
            "y": round(self.y),
            "size": self.size,
            "segs": segments,
        })
    }

    /// Bottom edge, mm.
    #[cfg(test)]
    pub(crate) fn bottom(&self) -> f64 {
        self.y + column_height(&self.cells) * self.size * MM_PER_PT
    }
}

fn round(mm: f64) -> f64 {
    (mm * 100.0).round() / 100.0
}

/// Why an address side cannot be laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TooLong {
    Address,
    Name,
}

/// Columns for the address, 方書 and name (with 様), or which part is too
/// long for the card even at the smallest size.
pub(crate) fn address_side(
    fonts: &Fonts,
    jusho: &str,
    katagaki: &str,
    shimei: &str,
) -> Result<Vec<Column>, TooLong> {
    let jusho_cells = vertical_cells(fonts, jusho);
    let katagaki_cells = vertical_cells(fonts, katagaki);
    let mut out = address_columns(&jusho_cells, &katagaki_cells).ok_or(TooLong::Address)?;
    out.push(name_column(vertical_cells(fonts, shimei)).ok_or(TooLong::Name)?);
    Ok(out)
}

fn address_columns(jusho: &[Cell], katagaki: &[Cell]) -> Option<Vec<Column>> {
    for size in ADDRESS_SIZES {
        let em = size * MM_PER_PT;
        let per_column = ((COLUMN_BOTTOM - ADDRESS_TOP) / em).floor() as usize;
        let indent = KATAGAKI_INDENT.min(per_column.saturating_sub(1));
        let jusho_cols = columns(jusho, per_column);
        let katagaki_cols = columns(katagaki, per_column - indent);
        let n = jusho_cols.len() + katagaki_cols.len();
        let width = n as f64 * em + n.saturating_sub(1) as f64 * COLUMN_GAP * em;
        if n == 0 || width > ADDRESS_RIGHT - ADDRESS_LEFT {
            continue;
        }
        let placed = jusho_cols
            .into_iter()
            .map(|c| (ADDRESS_TOP, c))
            .chain(
                katagaki_cols
                    .into_iter()
                    .map(|c| (ADDRESS_TOP + indent as f64 * em, c)),
            )
            .enumerate()
            .map(|(i, (y, cells))| Column {
                x: ADDRESS_RIGHT - em - i as f64 * em * (1.0 + COLUMN_GAP),
                y,
                size,
                cells,
            })
            .collect();
        return Some(placed);
    }
    None
}

fn name_column(mut cells: Vec<Cell>) -> Option<Column> {
    if cells.is_empty() {
        return None;
    }
    cells.push(Cell::Gap);
    cells.push(Cell::Char {
        text: "様".into(),
        family: None,
    });
    let height_em = column_height(&cells);
    let fit = (COLUMN_BOTTOM - NAME_TOP) / height_em / MM_PER_PT;
    let size = (NAME_SIZE.min(fit) * 2.0).floor() / 2.0;
    if size < NAME_MIN_SIZE {
        return None;
    }
    Some(Column {
        x: NAME_CENTRE - size * MM_PER_PT / 2.0,
        y: NAME_TOP,
        size,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::cells_text;

    fn fonts() -> Fonts {
        Fonts::load_system().unwrap()
    }

    #[test]
    fn short_address_is_one_column_at_full_size_with_katagaki_indented() {
        let cols = address_side(
            &fonts(),
            "東京都新宿区西新宿2-8-1",
            "パークハイツ101",
            "髙橋 﨑子",
        )
        .unwrap();
        assert_eq!(cols.len(), 3);
        assert_eq!(cells_text(&cols[0].cells), "東京都新宿区西新宿二－八－一");
        assert_eq!(cols[0].size, 12.0);
        assert!(cols[1].y > cols[0].y, "方書 starts lower");
        assert!(cols[1].x < cols[0].x, "方書 is left of the address");
        assert_eq!(cells_text(&cols[2].cells), "髙橋 﨑子 様");
        assert_eq!(cols[2].size, NAME_SIZE);
    }

    #[test]
    fn nothing_reaches_the_barcode_or_crosses_the_name() {
        let long = "東京都新宿区西新宿二丁目八番一号新宿ナントカカントカビルディング第二別館";
        let cols = address_side(
            &fonts(),
            long,
            "株式会社ながいなまえの会社 総務部総務課気付",
            "寿限無寿限無五劫の擦り切れ",
        )
        .unwrap();
        let name = cols.last().unwrap();
        for c in &cols {
            assert!(c.bottom() <= COLUMN_BOTTOM + 1e-9, "{c:?}");
        }
        for c in &cols[..cols.len() - 1] {
            assert!(c.x >= ADDRESS_LEFT - 1e-9, "{c:?}");
            assert!(c.x > name.x + name.size * MM_PER_PT, "{c:?}");
        }
        assert!(name.size < NAME_SIZE);
    }

    #[test]
    fn an_impossibly_long_address_is_refused() {
        let huge = "新宿".repeat(200);
        assert_eq!(
            address_side(&fonts(), &huge, "", "山田太郎"),
            Err(TooLong::Address)
        );
        let name = "山".repeat(40);
        assert_eq!(
            address_side(&fonts(), "新宿区", "", &name),
            Err(TooLong::Name)
        );
    }
}
