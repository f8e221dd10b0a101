//! Strings turned into the data the templates set: horizontal runs, and
//! vertical columns of single characters.
//!
//! Vertical writing: typst has none, so each column is a stack of
//! one-character cells shaped with the `vert` feature (ー, brackets and
//! dashes take their vertical forms). Digits would stand sideways-upright
//! and look foreign, so they become kanji numerals **digit by digit**
//! (2-8-1 → 二－八－一, 301 → 三〇一: the way addresses are written by
//! hand in vertical script, and unambiguous for the carrier). Other ASCII
//! becomes its full-width form (A棟 → Ａ棟), half-width kana full-width.

use serde_json::{json, Value};

use crate::fonts::clusters;
use crate::Fonts;

const KANJI_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Horizontal text for a template: the string itself, or, when some
/// variation sequence needs a font of its own, an array of plain strings
/// and `[text, family]` pairs (the template's `t()` joins them).
pub(crate) fn runs(fonts: &Fonts, s: &str) -> Value {
    let mut parts: Vec<Value> = Vec::new();
    let mut plain = String::new();
    for cluster in clusters(s) {
        match cluster
            .selector
            .and_then(|vs| fonts.sequence_font(cluster.base, vs))
        {
            Some(family) => {
                if !plain.is_empty() {
                    parts.push(Value::String(std::mem::take(&mut plain)));
                }
                parts.push(json!([cluster.text, family]));
            }
            None => plain.push_str(cluster.text),
        }
    }
    if parts.is_empty() {
        return Value::String(plain);
    }
    if !plain.is_empty() {
        parts.push(Value::String(plain));
    }
    Value::Array(parts)
}

/// Paragraphs separated by a blank line, each a list of lines.
pub(crate) fn paragraphs(fonts: &Fonts, body: &str) -> Value {
    let normalised = body.replace("\r\n", "\n");
    Value::Array(
        normalised
            .split("\n\n")
            .map(|p| p.trim_matches('\n'))
            .filter(|p| !p.is_empty())
            .map(|p| Value::Array(p.split('\n').map(|line| runs(fonts, line)).collect()))
            .collect(),
    )
}

/// One cell of a vertical column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cell {
    /// One character (with its variation selector), and the family that
    /// must draw it when it is a variation sequence.
    Char {
        text: String,
        family: Option<String>,
    },
    /// A word space: half a cell, and a preferred column break.
    Gap,
}

impl Cell {
    /// The template's form: a string, runs as [`runs`] gives them (one
    /// `[text, family]` pair), or `none` for a gap.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Cell::Char { text, family: None } => Value::String(text.clone()),
            Cell::Char {
                text,
                family: Some(f),
            } => json!([[text, f]]),
            Cell::Gap => Value::Null,
        }
    }
}

/// The form a character takes in a vertical address.
fn vertical_char(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(KANJI_DIGITS[(u32::from(c) - u32::from('0')) as usize]),
        c if itaku_jp::width::is_hyphen_like(c) => Some('－'),
        '!'..='~' => char::from_u32(u32::from(c) + 0xFEE0),
        _ => None,
    }
}

/// Cells of `s` for vertical setting, with the conversions in the module
/// documentation.
pub(crate) fn vertical_cells(fonts: &Fonts, s: &str) -> Vec<Cell> {
    let folded = itaku_jp::fold_width(s);
    let mut cells = Vec::new();
    for cluster in clusters(&folded) {
        if cluster.base.is_whitespace() {
            if cells.last().is_some_and(|c| *c != Cell::Gap) {
                cells.push(Cell::Gap);
            }
            continue;
        }
        if let Some(v) = vertical_char(cluster.base) {
            cells.push(Cell::Char {
                text: v.to_string(),
                family: None,
            });
            continue;
        }
        let family = cluster
            .selector
            .and_then(|vs| fonts.sequence_font(cluster.base, vs))
            .map(str::to_owned);
        cells.push(Cell::Char {
            text: cluster.text.to_owned(),
            family,
        });
    }
    if cells.last() == Some(&Cell::Gap) {
        cells.pop();
    }
    cells
}

/// The plain text of cells, as the reader sees it (gaps as spaces).
#[cfg(test)]
pub(crate) fn cells_text(cells: &[Cell]) -> String {
    cells
        .iter()
        .map(|c| match c {
            Cell::Char { text, .. } => text.as_str(),
            Cell::Gap => " ",
        })
        .collect()
}

/// Splits cells into columns of at most `max` characters, breaking at
/// word spaces where it can (a building name starts a new column rather
/// than being cut), and hard-breaking a word longer than a column.
pub(crate) fn columns(cells: &[Cell], max: usize) -> Vec<Vec<Cell>> {
    let max = max.max(1);
    let mut out: Vec<Vec<Cell>> = Vec::new();
    let mut current: Vec<Cell> = Vec::new();
    for word in cells.split(|c| *c == Cell::Gap).filter(|w| !w.is_empty()) {
        let needed = if current.is_empty() {
            word.len()
        } else {
            current.len() + 1 + word.len()
        };
        if needed <= max {
            if !current.is_empty() {
                current.push(Cell::Gap);
            }
            current.extend_from_slice(word);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        for chunk in word.chunks(max) {
            if chunk.len() == max {
                out.push(chunk.to_vec());
            } else {
                current = chunk.to_vec();
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Length of a column in cell heights (a gap is half a cell).
pub(crate) fn column_height(cells: &[Cell]) -> f64 {
    cells
        .iter()
        .map(|c| if *c == Cell::Gap { 0.5 } else { 1.0 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load_system().unwrap()
    }

    fn plain(cells: &[Cell]) -> String {
        cells_text(cells)
    }

    #[test]
    fn address_digits_become_kanji_digit_by_digit() {
        let f = fonts();
        let cells = vertical_cells(&f, "西新宿2-8-1 ﾊﾟｰｸ301");
        assert_eq!(plain(&cells), "西新宿二－八－一 パーク三〇一");
        let cells = vertical_cells(&f, "西新宿２丁目１０番");
        assert_eq!(plain(&cells), "西新宿二丁目一〇番");
    }

    #[test]
    fn ascii_letters_become_full_width_and_spaces_collapse() {
        let f = fonts();
        let cells = vertical_cells(&f, "  Ａ棟  B-2  ");
        assert_eq!(plain(&cells), "Ａ棟 Ｂ－二");
    }

    #[test]
    fn ivs_sequence_is_one_cell_drawn_by_the_font_that_has_it() {
        let f = fonts();
        let cells = vertical_cells(&f, "渡邊\u{E0108}");
        assert_eq!(cells.len(), 2);
        assert_eq!(
            cells[1],
            Cell::Char {
                text: "邊\u{E0108}".into(),
                family: Some("IPAmjMincho".into())
            }
        );
        assert_eq!(cells[1].to_json(), json!([["邊\u{E0108}", "IPAmjMincho"]]));
    }

    #[test]
    fn columns_break_at_spaces_first() {
        let f = fonts();
        let cells = vertical_cells(&f, "新宿区西新宿二丁目 パークタワー");
        let cols = columns(&cells, 10);
        let texts: Vec<String> = cols.iter().map(|c| plain(c)).collect();
        assert_eq!(texts, vec!["新宿区西新宿二丁目", "パークタワー"]);
    }

    #[test]
    fn a_word_longer_than_a_column_is_cut() {
        let f = fonts();
        let cells = vertical_cells(&f, "一二三四五六七 八");
        let cols = columns(&cells, 3);
        let texts: Vec<String> = cols.iter().map(|c| plain(c)).collect();
        assert_eq!(texts, vec!["一二三", "四五六", "七 八"]);
    }

    #[test]
    fn runs_name_the_font_only_for_variation_sequences() {
        let f = fonts();
        assert_eq!(runs(&f, "髙橋"), Value::String("髙橋".into()));
        let v = runs(&f, "渡邊\u{E0108}区");
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), 3);
        assert_eq!(arr[1], json!(["邊\u{E0108}", "IPAmjMincho"]));
        assert_eq!(arr[2], Value::String("区".into()));
    }

    #[test]
    fn paragraphs_split_on_blank_lines() {
        let f = fonts();
        let v = paragraphs(&f, "一行目\n二行目\n\n次の段落\n");
        assert_eq!(v, json!([["一行目", "二行目"], ["次の段落"]]));
    }
}
