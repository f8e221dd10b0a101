//! Character width (全角・半角) folding.
//!
//! Municipal exports mix full-width digits and letters with half-width
//! katakana. Comparison and parsing want one width for each: ASCII for
//! letters, digits and punctuation, full-width for katakana. This is a
//! narrower fold than NFKC on purpose: NFKC also rewrites ①, ㈱, ㍼ and CJK
//! compatibility ideographs, which a stored value must never suffer.

use unicode_normalization::char::{compose, decompose_canonical};

const DAKUTEN: char = '\u{3099}';
const HANDAKUTEN: char = '\u{309A}';

/// Full-width forms of U+FF61..=U+FF9F, in order (half-width katakana block).
const HALFWIDTH_KATAKANA: [char; 63] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー',
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
    'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル', 'レ', 'ロ', 'ワ', 'ン', '゛', '゜',
];

/// Full-width form of one half-width katakana or punctuation character.
fn widen_katakana(c: char) -> Option<char> {
    let offset = (c as u32).checked_sub(0xFF61)?;
    HALFWIDTH_KATAKANA
        .get(usize::try_from(offset).ok()?)
        .copied()
}

/// One character's width fold, without merging sound marks: full-width
/// ASCII (U+FF01–U+FF5E) and U+3000 to ASCII, half-width katakana and
/// punctuation (a lone ﾞ/ﾟ included, as ゛/゜) to full width.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{FF61}'..='\u{FF9F}' => widen_katakana(c).unwrap_or(c),
        _ => c,
    }
}

/// Width fold: [`fold_char`] on every character, and a ﾞ or ﾟ merged into
/// the kana before it (ｶﾞ → ガ, ｳﾞ → ヴ, ﾊﾟ → パ). A sound mark that cannot
/// merge stays as the spacing ゛ or ゜. Nothing else is touched.
pub fn fold_width(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mark = match c {
            '\u{FF9E}' => DAKUTEN,
            '\u{FF9F}' => HANDAKUTEN,
            _ => {
                out.push(fold_char(c));
                continue;
            }
        };
        match out.chars().last().and_then(|prev| compose(prev, mark)) {
            Some(voiced) => {
                out.pop();
                out.push(voiced);
            }
            None => out.push(fold_char(c)),
        }
    }
    out
}

/// Half-width katakana for one full-width katakana or punctuation character
/// without a sound mark.
fn narrow_katakana(c: char) -> Option<char> {
    let i = HALFWIDTH_KATAKANA.iter().position(|&k| k == c)?;
    char::from_u32(0xFF61 + u32::try_from(i).ok()?)
}

/// The reverse fold, for fixed-width exports to systems that want
/// half-width kana: ASCII stays, full-width ASCII and U+3000 become ASCII,
/// katakana become half-width with separate ﾞ/ﾟ (ガ → ｶﾞ). Katakana with no
/// half-width form (ヮ, ヰ, ヱ, ヵ, ヶ, ヸ, ヹ) and everything else stay as
/// they are.
pub fn to_halfwidth(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in fold_width(s).chars() {
        if let Some(n) = narrow_katakana(c) {
            out.push(n);
            continue;
        }
        let mut parts = Vec::with_capacity(2);
        decompose_canonical(c, |p| parts.push(p));
        let narrowed = match parts.as_slice() {
            [base, DAKUTEN] => narrow_katakana(*base).map(|b| (b, '\u{FF9E}')),
            [base, HANDAKUTEN] => narrow_katakana(*base).map(|b| (b, '\u{FF9F}')),
            _ => None,
        };
        match narrowed {
            Some((b, mark)) => {
                out.push(b);
                out.push(mark);
            }
            None => out.push(c),
        }
    }
    out
}

/// Characters that exports use for a hyphen or dash between numbers.
/// ー (the long-vowel mark) is deliberately absent: it is a dash only
/// between digits, which callers decide.
pub fn is_hyphen_like(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' // ‐ hyphen
            | '\u{2011}' // non-breaking hyphen
            | '\u{2012}' // figure dash
            | '\u{2013}' // – en dash
            | '\u{2014}' // — em dash
            | '\u{2015}' // ― horizontal bar (CP932 815C)
            | '\u{2212}' // − minus sign
            | '\u{FE63}' // small hyphen-minus
            | '\u{FF0D}' // － full-width hyphen-minus
    )
}

/// True for the long-vowel mark in either width.
pub fn is_chouon(c: char) -> bool {
    matches!(c, '\u{30FC}' | '\u{FF70}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_nfkc_for_every_half_width_katakana() {
        use unicode_normalization::UnicodeNormalization;
        for cp in 0xFF61..=0xFF9Du32 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let nfkc: String = c.to_string().nfkc().collect();
            assert_eq!(fold_width(&c.to_string()), nfkc, "U+{cp:04X}");
        }
    }
}
