//! The fonts every document is set in, loaded once and shared.
//!
//! Besides typst's font book this keeps a bitset of every code point some
//! loaded font maps, so the tofu check on 50,000 postcards is a lookup per
//! character rather than a search through each font's coverage runs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};

use crate::PrintError;

/// The Debian fonts the ward's documents use, in fallback order, with the
/// package that installs each. BIZ UD first (universal design, for elderly
/// readers), then IPAmj Mincho for MJ kanji and ideographic variation
/// sequences (the 外字 fallback), then IPAex as a last resort.
pub const SYSTEM_FONTS: &[(&str, &str)] = &[
    (
        "/usr/share/fonts/truetype/bizud-gothic/BIZUDGothic-Regular.ttf",
        "fonts-morisawa-bizud-gothic",
    ),
    (
        "/usr/share/fonts/truetype/bizud-gothic/BIZUDGothic-Bold.ttf",
        "fonts-morisawa-bizud-gothic",
    ),
    (
        "/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf",
        "fonts-morisawa-bizud-gothic",
    ),
    (
        "/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Bold.ttf",
        "fonts-morisawa-bizud-gothic",
    ),
    (
        "/usr/share/fonts/truetype/bizud-mincho/BIZUDMincho-Regular.ttf",
        "fonts-morisawa-bizud-mincho",
    ),
    (
        "/usr/share/fonts/truetype/ipamj/ipamjm.ttf",
        "fonts-ipamj-mincho",
    ),
    (
        "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
        "fonts-ipaexfont-gothic",
    ),
    (
        "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
        "fonts-ipaexfont-mincho",
    ),
];

const CODE_POINTS: usize = 0x11_0000;

/// Loaded fonts plus typst's standard library: everything a compilation
/// needs that does not depend on the data. Cheap to clone and share
/// between threads.
#[derive(Clone)]
pub struct Fonts(Arc<Inner>);

struct Inner {
    fonts: Vec<Font>,
    book: LazyHash<FontBook>,
    library: LazyHash<Library>,
    /// One bit per code point: does some loaded font map it?
    covered: Vec<u64>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.families()).finish()
    }
}

impl Fonts {
    /// The Debian fonts in [`SYSTEM_FONTS`]. Every one is required; the
    /// error names the package to install for the first one missing.
    pub fn load_system() -> Result<Fonts, PrintError> {
        Self::load_installed(SYSTEM_FONTS)
    }

    /// Fonts from (path, Debian package) pairs; a missing file is named
    /// with the package that installs it.
    fn load_installed(list: &[(&str, &'static str)]) -> Result<Fonts, PrintError> {
        for (path, package) in list {
            if !Path::new(path).is_file() {
                return Err(PrintError::FontNotInstalled {
                    path: PathBuf::from(path),
                    package,
                });
            }
        }
        let paths: Vec<PathBuf> = list.iter().map(|(p, _)| p.into()).collect();
        Self::load_from(&paths)
    }

    /// Fonts from the given files (TrueType/OpenType, collections too), in
    /// fallback order.
    pub fn load_from(paths: &[PathBuf]) -> Result<Fonts, PrintError> {
        let mut fonts = Vec::new();
        for path in paths {
            let data = std::fs::read(path).map_err(|e| PrintError::Font {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(data)));
            if fonts.len() == before {
                return Err(PrintError::Font {
                    path: path.clone(),
                    reason: "フォントとして読めるデータがありません".into(),
                });
            }
        }
        let mut covered = vec![0u64; CODE_POINTS / 64];
        for font in &fonts {
            for cp in font.info().coverage.iter() {
                if let Some(word) = covered.get_mut(cp as usize / 64) {
                    *word |= 1 << (cp % 64);
                }
            }
        }
        Ok(Fonts(Arc::new(Inner {
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            library: LazyHash::new(Library::default()),
            covered,
        })))
    }

    /// Characters of `text` that no loaded font can draw, each once.
    /// Whitespace and control characters are ignored. A variation selector
    /// counts with its base: when no font has the base + selector sequence,
    /// both the base and the selector are reported (the base alone would
    /// print, but as the wrong glyph for a registered name); presentation
    /// selectors U+FE0E/U+FE0F are ignored.
    pub fn missing_glyphs(&self, text: &str) -> BTreeSet<char> {
        let mut missing = BTreeSet::new();
        self.collect_missing(text, &mut missing);
        missing
    }

    /// [`Fonts::missing_glyphs`], adding to an existing set.
    pub(crate) fn collect_missing(&self, text: &str, missing: &mut BTreeSet<char>) {
        for cluster in clusters(text) {
            let base = cluster.base;
            if base.is_whitespace() || base.is_control() || is_variation_selector(base) {
                continue;
            }
            if !self.covers(base) {
                missing.insert(base);
            }
            if let Some(vs) = cluster.selector {
                if self.sequence_font(base, vs).is_none() {
                    missing.insert(base);
                    missing.insert(vs);
                }
            }
        }
    }

    /// Whether some loaded font maps the character.
    pub fn covers(&self, c: char) -> bool {
        let cp = u32::from(c) as usize;
        self.0
            .covered
            .get(cp / 64)
            .is_some_and(|word| word & (1 << (cp % 64)) != 0)
    }

    /// The family of the first font (in load order) with a glyph for the
    /// variation sequence. Rendering must name it explicitly: typst only
    /// falls back on missing glyphs, and a font with the base but not the
    /// sequence would silently print the default form.
    pub(crate) fn sequence_font(&self, base: char, selector: char) -> Option<&str> {
        self.0
            .fonts
            .iter()
            .find(|f| {
                // Parsing a face reads only its table directory; sequences
                // are rare enough that caching would not pay.
                ttf_parser::Face::parse(f.data().as_slice(), f.index())
                    .is_ok_and(|face| face.glyph_variation_index(base, selector).is_some())
            })
            .map(|f| f.info().family.as_str())
    }

    /// Family names of the loaded fonts, each once, in load order.
    pub fn families(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.0.fonts {
            let name = f.info().family.as_str();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    pub(crate) fn book(&self) -> &LazyHash<FontBook> {
        &self.0.book
    }

    pub(crate) fn library(&self) -> &LazyHash<Library> {
        &self.0.library
    }

    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        self.0.fonts.get(index).cloned()
    }
}

/// A character with the variation selector that follows it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cluster<'a> {
    pub base: char,
    /// A standardized (U+FE00–U+FE0D) or ideographic (U+E0100–U+E01EF)
    /// variation selector.
    pub selector: Option<char>,
    /// The base and selector as they appear in the input.
    pub text: &'a str,
}

/// Splits text into characters, each with its variation selector.
/// Presentation selectors (U+FE0E, U+FE0F) stay in `text` but are not
/// reported as `selector`: they choose emoji or text style, not a glyph
/// a register could depend on.
pub(crate) fn clusters(text: &str) -> impl Iterator<Item = Cluster<'_>> {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, base) = chars.next()?;
        let mut end = start + base.len_utf8();
        let mut selector = None;
        while let Some(&(i, next)) = chars.peek() {
            if !is_variation_selector(next) {
                break;
            }
            if selector.is_none() && !matches!(next, '\u{FE0E}' | '\u{FE0F}') {
                selector = Some(next);
            }
            end = i + next.len_utf8();
            chars.next();
        }
        Some(Cluster {
            base,
            selector,
            text: &text[start..end],
        })
    })
}

/// U+FE00–U+FE0F and U+E0100–U+E01EF.
pub(crate) fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_keep_a_selector_with_its_base() {
        let got: Vec<_> = clusters("葛\u{E0100}飾").collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].base, '葛');
        assert_eq!(got[0].selector, Some('\u{E0100}'));
        assert_eq!(got[0].text, "葛\u{E0100}");
        assert_eq!(got[1].selector, None);
    }

    #[test]
    fn presentation_selectors_are_not_glyph_choices() {
        let got: Vec<_> = clusters("☎\u{FE0F}").collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].selector, None);
        assert_eq!(got[0].text, "☎\u{FE0F}");
    }

    fn system() -> Fonts {
        Fonts::load_system().unwrap()
    }

    #[test]
    fn system_fonts_draw_variant_kanji_and_refuse_private_use() {
        let fonts = system();
        assert!(fonts.missing_glyphs("髙橋 﨑子　東京都新宿区").is_empty());
        let missing = fonts.missing_glyphs("山田\u{E000}子\u{F8FF}");
        assert_eq!(missing, ['\u{E000}', '\u{F8FF}'].into_iter().collect());
    }

    #[test]
    fn variation_sequences_go_to_the_first_font_that_has_them() {
        let fonts = system();
        // Adobe-Japan1 sequence: BIZ UD has it.
        assert!(fonts.missing_glyphs("葛\u{E0100}飾区").is_empty());
        assert_eq!(fonts.sequence_font('葛', '\u{E0100}'), Some("BIZ UDGothic"));
        // Hanyo-Denshi/MJ sequence: only IPAmj Mincho has it.
        assert!(fonts.missing_glyphs("渡邊\u{E0108}").is_empty());
        assert_eq!(fonts.sequence_font('邊', '\u{E0108}'), Some("IPAmjMincho"));
    }

    #[test]
    fn an_unregistered_sequence_is_reported_with_its_base() {
        let fonts = system();
        // あ has no ideographic variants anywhere.
        let missing = fonts.missing_glyphs("あ\u{E0105}");
        assert_eq!(missing, ['あ', '\u{E0105}'].into_iter().collect());
    }

    #[test]
    fn only_the_given_files_are_loaded() {
        let fonts = Fonts::load_from(&[PathBuf::from(SYSTEM_FONTS[0].0)]).unwrap();
        assert_eq!(fonts.families(), vec!["BIZ UDGothic"]);
        // The MJ sequence needs IPAmj Mincho, which was not loaded.
        let missing = fonts.missing_glyphs("渡邊\u{E0108}");
        assert_eq!(missing, ['邊', '\u{E0108}'].into_iter().collect());
    }

    #[test]
    fn a_missing_system_font_names_its_package() {
        let list = [
            SYSTEM_FONTS[0],
            (
                "/usr/share/fonts/truetype/ipamj/none.ttf",
                "fonts-ipamj-mincho",
            ),
        ];
        let err = Fonts::load_installed(&list).unwrap_err();
        assert!(
            matches!(
                err,
                PrintError::FontNotInstalled {
                    package: "fonts-ipamj-mincho",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err
            .to_string()
            .contains("apt-get install fonts-ipamj-mincho"));
    }

    #[test]
    fn unreadable_font_file_is_a_font_error() {
        let err = Fonts::load_from(&[PathBuf::from("/nonexistent/x.ttf")]).unwrap_err();
        assert!(matches!(err, PrintError::Font { .. }), "{err}");
    }
}
