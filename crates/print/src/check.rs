//! The tofu check every render function runs on all its input before it
//! lays out anything.

use std::collections::BTreeSet;

use crate::{Fonts, PrintError};

/// Places listed in a refusal before "ほか N 件": enough to find the
/// pattern, short enough to read.
const PLACES_SHOWN: usize = 10;

/// Accumulates characters no font can draw, and where they were found.
pub(crate) struct GlyphCheck<'a> {
    fonts: &'a Fonts,
    chars: BTreeSet<char>,
    places: Vec<String>,
}

impl<'a> GlyphCheck<'a> {
    pub(crate) fn new(fonts: &'a Fonts) -> Self {
        Self {
            fonts,
            chars: BTreeSet::new(),
            places: Vec::new(),
        }
    }

    /// Checks one field of one record; `who` is the page_ref or a name
    /// such as 差出人, `field` the field's Japanese name.
    pub(crate) fn field(&mut self, who: &str, field: &str, text: &str) {
        let mut found = BTreeSet::new();
        self.fonts.collect_missing(text, &mut found);
        if found.is_empty() {
            return;
        }
        self.chars.extend(found);
        self.places.push(format!("{who} の{field}"));
    }

    /// `Ok` when every field checked was printable.
    pub(crate) fn finish(self) -> Result<(), PrintError> {
        if self.chars.is_empty() {
            return Ok(());
        }
        let total = self.places.len();
        let mut where_ = self
            .places
            .into_iter()
            .take(PLACES_SHOWN)
            .collect::<Vec<_>>()
            .join("、");
        if total > PLACES_SHOWN {
            where_.push_str(&format!(" ほか {} 件", total - PLACES_SHOWN));
        }
        Err(PrintError::MissingGlyphs {
            chars: self.chars,
            where_,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_lists_every_place_up_to_a_limit() {
        let fonts = Fonts::load_system().unwrap();
        let mut check = GlyphCheck::new(&fonts);
        check.field("R1-000001", "氏名", "山田太郎");
        for i in 0..12 {
            check.field(&format!("R1-{i:06}"), "住所", "新宿\u{E001}");
        }
        check.field("R1-000099", "方書", "\u{E002}荘");
        let Err(PrintError::MissingGlyphs { chars, where_ }) = check.finish() else {
            panic!("expected a refusal");
        };
        assert_eq!(chars, ['\u{E001}', '\u{E002}'].into_iter().collect());
        assert!(where_.starts_with("R1-000000 の住所、"), "{where_}");
        assert!(where_.ends_with("ほか 3 件"), "{where_}");
        assert!(!where_.contains("氏名"), "{where_}");
    }

    #[test]
    fn clean_input_passes() {
        let fonts = Fonts::load_system().unwrap();
        let mut check = GlyphCheck::new(&fonts);
        check.field("R1-000001", "氏名", "髙橋 﨑子");
        assert!(check.finish().is_ok());
    }
}
