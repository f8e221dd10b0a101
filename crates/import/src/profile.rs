//! Import profiles (TOML): encoding, format, and for each catalogue item the
//! column(s) it comes from, with value maps where codes differ.

use itaku_core::Item;
use itaku_jp::SourceEncoding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// Profiles that ship with itaku: (file name, TOML).
pub const SHIPPED_PROFILES: &[(&str, &str)] = &[(
    "shinjuku-kokuho-targets.toml",
    include_str!("../profiles/shinjuku-kokuho-targets.toml"),
)];

/// The ward's screening-results file (受診券整理番号, 受診日, 健診種別 and
/// the measurements), matched to persons by 受診券整理番号. Kept apart from
/// [`SHIPPED_PROFILES`], which are target lists keyed by 宛名番号.
pub const SCREENING_RESULTS_PROFILE: (&str, &str) = (
    "shinjuku-kenshin-results.toml",
    include_str!("../profiles/shinjuku-kenshin-results.toml"),
);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("取込設定の書式が正しくありません: {0}")]
    Toml(String),
    #[error("取込設定の文字コード「{0}」は使えません（cp932 / shift_jis / utf-8）")]
    Encoding(String),
    #[error("取込設定の項目「{0}」は項目一覧にありません")]
    UnknownItem(String),
    #[error(
        "取込設定に宛名番号（atena_no）の列がありません。宛名番号は対象者を識別するために必須です"
    )]
    NoKey,
    #[error("取込設定の項目「{item}」の指定が正しくありません: {reason}")]
    BadSource { item: String, reason: String },
    #[error("ファイルに列「{0}」がありません（取込設定と見出し行が一致しません）")]
    MissingColumn(String),
    #[error("固定長の取込設定には [[fixed]] で列とバイト数を指定してください")]
    NoFixedColumns,
    #[error("取込設定の照合キー「{0}」は使えません（atena_no または jushinken_no）")]
    BadKey(String),
    #[error("取込設定に照合キー「{0}」の列がありません")]
    NoKeyColumn(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Fixed,
}

/// Where an item's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Source {
    /// One column.
    Column(String),
    /// Several columns joined with U+3000 (e.g. 被保険者記号 + 番号).
    Join(Vec<String>),
    /// Named fields of a structured item (受診歴, 健診結果), stored as JSON.
    Fields(BTreeMap<String, String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedColumn {
    pub name: String,
    /// Width in bytes of the file's encoding (Shift_JIS bytes for CP932).
    pub bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub encoding: String,
    pub format: Format,
    #[serde(default = "yes")]
    pub header: bool,
    /// Fixed-width layout, in order.
    #[serde(default)]
    pub fixed: Vec<FixedColumn>,
    /// Item code → source.
    pub items: BTreeMap<String, Source>,
    /// Item code or field name → (value in the file → value stored).
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
    /// Columns known to be irrelevant: not reported as unknown.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// The item rows are matched on: 宛名番号 (target lists, the default) or
    /// 受診券整理番号 (screening results, which carry no 宛名番号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

fn yes() -> bool {
    true
}

/// The fields structured items accept.
pub(crate) fn structured_fields(item: Item) -> Option<&'static [&'static str]> {
    match item {
        Item::JushinRireki => Some(&["prev_fy", "count_5y"]),
        // 受診日 and 健診種別 travel inside 健診結果, so a purpose that may
        // see the result (効果分析) sees when and which screening it was.
        Item::KenshinKekka => Some(&["bmi", "sbp", "hba1c", "jushin_bi", "shubetsu"]),
        _ => None,
    }
}

impl Profile {
    pub fn from_toml(text: &str) -> Result<Profile, ProfileError> {
        let p: Profile =
            toml::from_str(text).map_err(|e| ProfileError::Toml(e.message().to_owned()))?;
        p.validate()?;
        Ok(p)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    pub fn source_encoding(&self) -> Result<SourceEncoding, ProfileError> {
        SourceEncoding::from_label(&self.encoding)
            .ok_or_else(|| ProfileError::Encoding(self.encoding.clone()))
    }

    /// Items with their parsed catalogue entries.
    pub fn item_sources(&self) -> Result<Vec<(Item, &Source)>, ProfileError> {
        self.items
            .iter()
            .map(|(code, src)| {
                let item =
                    Item::parse(code).map_err(|_| ProfileError::UnknownItem(code.clone()))?;
                Ok((item, src))
            })
            .collect()
    }

    /// The item rows are matched and de-duplicated on.
    pub fn key_item(&self) -> Result<Item, ProfileError> {
        match self.key.as_deref().map(str::trim) {
            None | Some("atena_no") => Ok(Item::AtenaNo),
            Some("jushinken_no") => Ok(Item::JushinkenNo),
            Some(other) => Err(ProfileError::BadKey(other.to_owned())),
        }
    }

    pub fn validate(&self) -> Result<(), ProfileError> {
        self.source_encoding()?;
        let sources = self.item_sources()?;
        let key = self.key_item()?;
        if !sources.iter().any(|(i, _)| *i == key) {
            return Err(if key == Item::AtenaNo {
                ProfileError::NoKey
            } else {
                ProfileError::NoKeyColumn(key.label().to_owned())
            });
        }
        for (item, src) in sources {
            let bad = |reason: &str| ProfileError::BadSource {
                item: item.label().into(),
                reason: reason.into(),
            };
            match (structured_fields(item), src) {
                (Some(allowed), Source::Fields(f)) => {
                    if let Some(k) = f.keys().find(|k| !allowed.contains(&k.as_str())) {
                        return Err(bad(&format!(
                            "「{k}」は使えません（使える名前: {}）",
                            allowed.join(", ")
                        )));
                    }
                }
                (Some(_), _) => return Err(bad("この項目は { 名前 = \"列\" } の形で指定します")),
                (None, Source::Fields(_)) => {
                    return Err(bad("列名（または列名の配列）で指定します"))
                }
                (None, Source::Join(cols)) if cols.is_empty() => {
                    return Err(bad("列名の配列が空です"))
                }
                _ => {}
            }
        }
        if self.format == Format::Fixed && self.fixed.is_empty() {
            return Err(ProfileError::NoFixedColumns);
        }
        Ok(())
    }

    /// Every column name the profile reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for src in self.items.values() {
            match src {
                Source::Column(c) => out.push(c.as_str()),
                Source::Join(cs) => out.extend(cs.iter().map(String::as_str)),
                Source::Fields(f) => out.extend(f.values().map(String::as_str)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_are_valid() {
        for (name, text) in SHIPPED_PROFILES {
            let p = Profile::from_toml(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(p.source_encoding().unwrap(), SourceEncoding::Cp932);
            assert!(p.columns().contains(&"宛名番号"));
        }
        let p = Profile::from_toml(SCREENING_RESULTS_PROFILE.1).unwrap();
        assert_eq!(p.key_item().unwrap(), Item::JushinkenNo);
        assert!(p.columns().contains(&"受診券整理番号"));
        assert!(p.columns().contains(&"受診日"));
    }

    #[test]
    fn bad_profiles_are_explained() {
        let base = "name = \"x\"\nencoding = \"cp932\"\nformat = \"csv\"\n";
        let cases = [
            (format!("{base}[items]\nshimei = \"氏名\"\n"), ProfileError::NoKey),
            (format!("{base}[items]\natena_no = \"番号\"\nshinjo = \"信条\"\n"), ProfileError::UnknownItem("shinjo".into())),
            ("name = \"x\"\nencoding = \"ebcdic\"\nformat = \"csv\"\n[items]\natena_no = \"a\"\n".to_string(), ProfileError::Encoding("ebcdic".into())),
            ("name = \"x\"\nencoding = \"utf-8\"\nformat = \"fixed\"\n[items]\natena_no = \"a\"\n".to_string(), ProfileError::NoFixedColumns),
        ];
        for (text, want) in cases {
            assert_eq!(Profile::from_toml(&text).unwrap_err(), want, "{text}");
        }
        let e = Profile::from_toml(&format!(
            "{base}[items]\natena_no = \"a\"\n[items.kenshin_kekka]\nldl = \"LDL\"\n"
        ))
        .unwrap_err();
        assert!(
            e.to_string().contains("ldl") && e.to_string().contains("bmi"),
            "{e}"
        );
        let e = Profile::from_toml(&format!("{base}typo = 1\n[items]\natena_no = \"a\"\n"))
            .unwrap_err();
        assert!(matches!(e, ProfileError::Toml(m) if m.contains("typo")));
    }

    #[test]
    fn round_trips_through_toml() {
        let p = Profile::from_toml(SHIPPED_PROFILES[0].1).unwrap();
        assert_eq!(Profile::from_toml(&p.to_toml()).unwrap(), p);
    }
}
