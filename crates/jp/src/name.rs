//! Names: カナ氏名 in one canonical form, 漢字氏名 exactly as registered,
//! and a search key that finds either however it was typed.
//!
//! The stored kanji name is never normalised (not even NFC, which rewrites
//! CJK compatibility ideographs such as 神 U+FA19 and so loses the
//! registered glyph). All folding happens in [`search_key`], a separate
//! value used only for lookups and duplicate detection.

use crate::encoding::{find_gaiji, Gaiji};
use crate::itaiji::fold_itaiji;
use crate::width::fold_char;
use unicode_normalization::char::compose;
use unicode_normalization::UnicodeNormalization;

/// The word separator of canonical names: U+3000 IDEOGRAPHIC SPACE.
pub const NAME_SEPARATOR: char = '\u{3000}';

/// Why a text is not a name. Messages start with the text in 「」 so that a
/// caller can put the column name in front.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("氏名が空欄です")]
    Empty,
    #[error("「{input}」の{position}文字目「{ch}」はカナではありません（使えるのはカタカナ、ひらがな、長音「ー」、中点「・」です）")]
    NotKana {
        input: String,
        ch: char,
        /// 1-based, counted in the text as given.
        position: usize,
    },
    #[error("「{input}」の{position}文字目「{ch}」は氏名に使えない文字です（{reason}）")]
    BadCharacter {
        input: String,
        ch: char,
        position: usize,
        reason: &'static str,
    },
}

/// A name in katakana: full-width, words separated by exactly one U+3000,
/// no padding. Accepts half-width kana, hiragana and any spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KanaName(String);

fn is_canonical_kana(c: char) -> bool {
    // ァ–ヺ (with small kana, ヴ, ヵ, ヶ, ヷ–ヺ), ・, ー, ヽ, ヾ.
    matches!(
        c,
        '\u{30A1}'..='\u{30FA}' | '\u{30FB}' | '\u{30FC}' | '\u{30FD}' | '\u{30FE}'
    )
}

fn hiragana_to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => {
            char::from_u32(u32::from(c) + 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

impl KanaName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NameError::Empty);
        }
        let not_kana = |ch: char, index: usize| NameError::NotKana {
            input: trimmed.to_owned(),
            ch,
            position: index + 1,
        };
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        for (i, c) in trimmed.chars().enumerate() {
            if c.is_whitespace() {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            let mark = match c {
                '\u{FF9E}' | '\u{309B}' | '\u{3099}' => Some('\u{3099}'),
                '\u{FF9F}' | '\u{309C}' | '\u{309A}' => Some('\u{309A}'),
                _ => None,
            };
            if let Some(mark) = mark {
                // A sound mark voices the kana before it (ｶﾞ, か゛) or is
                // an error: a stray one would change the reading silently.
                let voiced = word.pop().and_then(|prev| compose(prev, mark));
                word.push(voiced.ok_or_else(|| not_kana(c, i))?);
                continue;
            }
            let kana = hiragana_to_katakana(fold_char(c));
            if !is_canonical_kana(kana) {
                return Err(not_kana(c, i));
            }
            word.push(kana);
        }
        if !word.is_empty() {
            words.push(word);
        }
        Ok(Self(words.join(&NAME_SEPARATOR.to_string())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The words (family name, given names) in order.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(NAME_SEPARATOR)
    }

    pub fn search_key(&self) -> String {
        search_key(&self.0)
    }

    /// Half-width form for fixed-width exports (ﾊﾏﾀﾞ ﾏｺﾄ, ASCII space).
    pub fn to_halfwidth(&self) -> String {
        crate::width::to_halfwidth(&self.0)
    }
}

/// A name as registered: characters kept exactly (髙橋 stays 髙橋, 外字
/// stay), words separated by one U+3000, no padding. Alphabetic names of
/// foreign residents (SMITH JOHN) are kept as written, with one ASCII space
/// between words as the 住民票 prints them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KanjiName(String);

impl KanjiName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let words: Vec<&str> = input.split_whitespace().collect();
        if words.is_empty() {
            return Err(NameError::Empty);
        }
        let alphabetic = words
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_graphic()));
        let separator = if alphabetic { ' ' } else { NAME_SEPARATOR };
        let joined = words.join(&separator.to_string());
        for (i, ch) in input.trim().chars().enumerate() {
            let reason = if ch.is_whitespace() {
                None
            } else if ch.is_control() {
                Some("制御文字です")
            } else if ch == '\u{FFFD}' || ch == '?' || ch == '？' {
                Some("文字化けの跡です。元のデータを確認してください")
            } else if ch.is_ascii_digit() || ('０'..='９').contains(&ch) {
                Some("数字です。別の列の値が入っていないか確認してください")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(NameError::BadCharacter {
                    input: input.trim().to_owned(),
                    ch,
                    position: i + 1,
                    reason,
                });
            }
        }
        Ok(Self(joined))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split([' ', NAME_SEPARATOR])
    }

    /// The 外字 (private-use characters) in the name, for review.
    pub fn gaiji(&self) -> Vec<Gaiji> {
        find_gaiji(&self.0)
    }

    /// True when the name holds 〓 (ゲタ), the mark older systems print for
    /// a character they could not represent: the registered character is
    /// lost and must be asked for.
    pub fn has_geta(&self) -> bool {
        self.0.contains('〓')
    }

    pub fn search_key(&self) -> String {
        search_key(&self.0)
    }
}

/// The search key of a name (kana or kanji): NFKC, katakana to hiragana,
/// small kana to large, variant kanji to their everyday form, ASCII to
/// lower case, spaces and ・ removed. たかはし, ﾀｶﾊｼ and タカハシ share a key,
/// as do 髙橋 and 高橋, 渡邊 and 渡辺. Voiced and plain kana stay distinct
/// (ハマダ is not ハマタ).
pub fn search_key(s: &str) -> String {
    let folded: String = s
        .nfkc()
        .filter(|c| !c.is_whitespace() && *c != '・')
        .flat_map(|c| {
            let (base, voiced) = split_voiced_wa_row(fold_itaiji(c));
            let base = large_kana(katakana_to_hiragana(base)).to_ascii_lowercase();
            std::iter::once(base).chain(voiced)
        })
        .collect();
    // A voiced mark left uncomposed by NFKC (ヿﾞ: the digraph expands to コト
    // after composition had its chance) joins its kana here, so the key of
    // a key is the key.
    folded.nfc().collect()
}

/// ヷヸヹヺ have no hiragana forms: they become わ゙ ゐ゙ ゑ゙ を゙ (base and
/// combining mark), the same key as ワﾞ typed out, which NFKC composes to ヷ.
fn split_voiced_wa_row(c: char) -> (char, Option<char>) {
    const VOICED_MARK: char = '\u{3099}';
    match c {
        'ヷ' => ('ワ', Some(VOICED_MARK)),
        'ヸ' => ('ヰ', Some(VOICED_MARK)),
        'ヹ' => ('ヱ', Some(VOICED_MARK)),
        'ヺ' => ('ヲ', Some(VOICED_MARK)),
        _ => (c, None),
    }
}

fn katakana_to_hiragana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' | '\u{30FD}' | '\u{30FE}' => {
            char::from_u32(u32::from(c) - 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

fn large_kana(c: char) -> char {
    match c {
        'ぁ' => 'あ',
        'ぃ' => 'い',
        'ぅ' => 'う',
        'ぇ' => 'え',
        'ぉ' => 'お',
        'っ' => 'つ',
        'ゃ' => 'や',
        'ゅ' => 'ゆ',
        'ょ' => 'よ',
        'ゎ' => 'わ',
        'ゕ' => 'か',
        'ゖ' => 'け',
        _ => c,
    }
}

string_newtype!(KanaName, NameError);
string_newtype!(KanjiName, NameError);
