//! The kinds of history entry (交渉経過の区分): a code typed on the entry
//! screen, or the start of its reading.

use crate::error::{Result, ServiceError};
use serde::{Deserialize, Serialize};

/// The kinds of history entry (交渉経過の区分), with the code typed on the
/// entry screen and the reading whose first kana also selects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Madoguchi,
    Denwa,
    Homon,
    Saikoku,
    Bunkatsu,
    Sashiosae,
    Shikko,
    Nofu,
    Sonota,
}

impl EntryKind {
    pub const ALL: [EntryKind; 9] = [
        EntryKind::Madoguchi,
        EntryKind::Denwa,
        EntryKind::Homon,
        EntryKind::Saikoku,
        EntryKind::Bunkatsu,
        EntryKind::Sashiosae,
        EntryKind::Shikko,
        EntryKind::Nofu,
        EntryKind::Sonota,
    ];
    pub fn code(self) -> &'static str {
        match self {
            EntryKind::Madoguchi => "01",
            EntryKind::Denwa => "02",
            EntryKind::Homon => "03",
            EntryKind::Saikoku => "04",
            EntryKind::Bunkatsu => "05",
            EntryKind::Sashiosae => "06",
            EntryKind::Shikko => "07",
            EntryKind::Nofu => "08",
            EntryKind::Sonota => "09",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Madoguchi => "窓口納付相談",
            EntryKind::Denwa => "電話",
            EntryKind::Homon => "訪問",
            EntryKind::Saikoku => "催告書送付",
            EntryKind::Bunkatsu => "分割納付誓約",
            EntryKind::Sashiosae => "差押",
            EntryKind::Shikko => "執行停止",
            EntryKind::Nofu => "納付",
            EntryKind::Sonota => "その他",
        }
    }
    /// The reading in hiragana: typing its start selects the kind.
    pub fn reading(self) -> &'static str {
        match self {
            EntryKind::Madoguchi => "まどぐち",
            EntryKind::Denwa => "でんわ",
            EntryKind::Homon => "ほうもん",
            EntryKind::Saikoku => "さいこく",
            EntryKind::Bunkatsu => "ぶんかつ",
            EntryKind::Sashiosae => "さしおさえ",
            EntryKind::Shikko => "しっこう",
            EntryKind::Nofu => "のうふ",
            EntryKind::Sonota => "そのた",
        }
    }

    /// "1", "01", the label, or the start of the reading (kana of either
    /// width or script); an ambiguous start (さ) is refused.
    pub fn parse(text: &str) -> Result<EntryKind> {
        let t = itaku_jp::fold_width(text.trim());
        if t.is_empty() {
            return Err(ServiceError::Invalid("区分を入力してください".into()));
        }
        if let Ok(n) = t.parse::<u32>() {
            let code = format!("{n:02}");
            return Self::ALL
                .into_iter()
                .find(|k| k.code() == code)
                .ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "区分「{text}」はありません（01〜09 のどれかです）"
                    ))
                });
        }
        if let Some(k) = Self::ALL.into_iter().find(|k| k.label() == t) {
            return Ok(k);
        }
        let kana: String = t.chars().map(to_hiragana).collect();
        let hits: Vec<EntryKind> = Self::ALL
            .into_iter()
            .filter(|k| k.reading().starts_with(&kana))
            .collect();
        match hits.as_slice() {
            [one] => Ok(*one),
            [] => Err(ServiceError::Invalid(format!(
                "区分「{text}」はありません（01〜09 か、読みの最初の文字で選びます）"
            ))),
            _ => Err(ServiceError::Invalid(format!(
                "区分「{text}」は{}のどれか決まりません。もう1文字入力してください",
                hits.iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join("・")
            ))),
        }
    }
}

fn to_hiragana(c: char) -> char {
    match c {
        'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_code_label_and_first_kana() {
        assert_eq!(EntryKind::parse("1").unwrap(), EntryKind::Madoguchi);
        assert_eq!(EntryKind::parse("０８").unwrap(), EntryKind::Nofu);
        assert_eq!(EntryKind::parse("差押").unwrap(), EntryKind::Sashiosae);
        assert_eq!(EntryKind::parse("で").unwrap(), EntryKind::Denwa);
        assert_eq!(EntryKind::parse("ホ").unwrap(), EntryKind::Homon);
        assert_eq!(EntryKind::parse("さい").unwrap(), EntryKind::Saikoku);
        let e = EntryKind::parse("さ").unwrap_err().to_string();
        assert!(e.contains("催告書送付・差押"), "{e}");
        assert!(EntryKind::parse("10").is_err());
    }
}
