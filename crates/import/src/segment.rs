//! Segmentation: ordered segments, each a list of conditions; a person
//! belongs to the first segment whose conditions all hold, or to the
//! fallback segment. Written in TOML so a ward can keep and edit it:
//!
//! ```toml
//! fiscal_year = 2026
//! [[segment]]
//! code = "never"
//! name = "5年間未受診"
//! conditions = [{ kind = "screening_pattern", pattern = "never" }]
//! ```

use crate::extract::{Condition, Pattern};
use itaku_core::{Item, ItemSet};
use itaku_jp::FiscalYear;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where people no segment takes end up; every campaign has it.
pub const FALLBACK_SEGMENT: &str = "other";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Short ASCII code, used in allocation strata and templates.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segmentation {
    pub fiscal_year: i32,
    #[serde(default, rename = "segment")]
    pub segments: Vec<Segment>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SegmentationError {
    #[error("区分の定義を読めません: {0}")]
    Syntax(String),
    #[error("区分がひとつもありません")]
    Empty,
    #[error("区分コード「{0}」が重複しています")]
    DuplicateCode(String),
    #[error("区分コード「{0}」は半角英数字・ハイフン・下線で、32文字以内にしてください")]
    BadCode(String),
    #[error("区分コード「{FALLBACK_SEGMENT}」は「その他」のために予約されています")]
    ReservedCode,
    #[error("区分「{0}」の名前が空です")]
    EmptyName(String),
    #[error("年度「{0}」は2000〜2100の範囲で指定してください")]
    BadYear(i32),
}

impl Segmentation {
    pub fn from_toml(text: &str) -> Result<Self, SegmentationError> {
        let s: Segmentation =
            toml::from_str(text).map_err(|e| SegmentationError::Syntax(e.message().to_owned()))?;
        s.validate()?;
        Ok(s)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), SegmentationError> {
        if !(2000..=2100).contains(&self.fiscal_year) {
            return Err(SegmentationError::BadYear(self.fiscal_year));
        }
        if self.segments.is_empty() {
            return Err(SegmentationError::Empty);
        }
        let mut seen = Vec::new();
        for s in &self.segments {
            let ok = !s.code.is_empty()
                && s.code.len() <= 32
                && s.code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !ok {
                return Err(SegmentationError::BadCode(s.code.clone()));
            }
            if s.code == FALLBACK_SEGMENT {
                return Err(SegmentationError::ReservedCode);
            }
            if s.name.trim().is_empty() {
                return Err(SegmentationError::EmptyName(s.code.clone()));
            }
            if seen.contains(&&s.code) {
                return Err(SegmentationError::DuplicateCode(s.code.clone()));
            }
            seen.push(&s.code);
        }
        Ok(())
    }

    /// Every item the conditions read.
    pub fn items(&self) -> ItemSet {
        self.segments
            .iter()
            .flat_map(|s| s.conditions.iter().flat_map(Condition::items))
            .collect()
    }

    /// The code of the segment a person falls in.
    pub fn assign(&self, values: &BTreeMap<Item, String>) -> &str {
        let fy = FiscalYear::new(self.fiscal_year);
        self.segments
            .iter()
            .find(|s| s.conditions.iter().all(|c| c.matches(fy, values)))
            .map(|s| s.code.as_str())
            .unwrap_or(FALLBACK_SEGMENT)
    }

    /// Codes and names in order, the fallback last.
    pub fn codes_and_names(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .segments
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect();
        out.push((FALLBACK_SEGMENT.into(), "その他".into()));
        out
    }

    pub fn name_of(&self, code: &str) -> String {
        self.codes_and_names()
            .into_iter()
            .find(|(c, _)| c == code)
            .map(|(_, n)| n)
            .unwrap_or_else(|| code.to_owned())
    }

    /// In Japanese, one line per segment.
    pub fn describe(&self) -> Vec<String> {
        let fy = FiscalYear::new(self.fiscal_year);
        self.segments
            .iter()
            .map(|s| {
                let conds: Vec<String> = s.conditions.iter().map(Condition::describe).collect();
                let conds = if conds.is_empty() {
                    "（条件なし: 残り全員）".to_owned()
                } else {
                    conds.join("、")
                };
                format!("{}（{}）: {conds}", s.name, fy.label())
            })
            .collect()
    }
}

/// Starting points from the seeds: by screening pattern (seed 001) and by
/// age decade (seed 002's letters differ for the 40s, 50s and 60s).
pub fn segmentation_presets(fiscal_year: i32) -> Vec<(&'static str, &'static str, Segmentation)> {
    let pattern = |code: &str, name: &str, p: Pattern| Segment {
        code: code.into(),
        name: name.into(),
        conditions: vec![Condition::ScreeningPattern { pattern: p }],
    };
    let decade = |code: &str, name: &str, min: u32, max: u32| Segment {
        code: code.into(),
        name: name.into(),
        conditions: vec![Condition::AgeAtFyEnd {
            min: Some(min),
            max: Some(max),
        }],
    };
    vec![
        (
            "pattern",
            "受診パターン別（未受診・中断・不定期）",
            Segmentation {
                fiscal_year,
                segments: vec![
                    pattern("never", "5年間未受診", Pattern::Never),
                    pattern("lapsed", "受診中断", Pattern::Lapsed),
                    pattern("irregular", "不定期受診", Pattern::Irregular),
                ],
            },
        ),
        (
            "decade",
            "年代別（40代・50代・60代）",
            Segmentation {
                fiscal_year,
                segments: vec![
                    decade("age40s", "40代", 40, 49),
                    decade("age50s", "50代", 50, 59),
                    decade("age60s", "60代", 60, 69),
                ],
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(birth: &str, prev: bool, count: u32) -> BTreeMap<Item, String> {
        let mut v = BTreeMap::new();
        v.insert(Item::Seinengappi, birth.to_owned());
        v.insert(
            Item::JushinRireki,
            format!("{{\"prev_fy\":{prev},\"count_5y\":{count}}}"),
        );
        v
    }

    #[test]
    fn first_matching_segment_wins_and_the_rest_fall_back() {
        let (_, _, s) = segmentation_presets(2026).remove(0);
        assert_eq!(s.assign(&person("1960-01-01", false, 0)), "never");
        assert_eq!(s.assign(&person("1960-01-01", false, 3)), "lapsed");
        assert_eq!(s.assign(&person("1960-01-01", false, 2)), "irregular");
        assert_eq!(s.assign(&person("1960-01-01", true, 4)), "irregular");
        assert_eq!(s.assign(&person("1960-01-01", true, 5)), FALLBACK_SEGMENT);
        assert_eq!(s.assign(&BTreeMap::new()), FALLBACK_SEGMENT, "no data");
        assert_eq!(s.items().labels(), "受診歴");
        let (_, _, d) = segmentation_presets(2026).remove(1);
        // 49 on 2027-03-31 is the 40s; 50 the 50s.
        assert_eq!(d.assign(&person("1977-04-02", false, 0)), "age40s");
        assert_eq!(d.assign(&person("1977-04-01", false, 0)), "age50s");
        assert_eq!(d.assign(&person("1990-01-01", false, 0)), FALLBACK_SEGMENT);
    }

    #[test]
    fn toml_round_trip_and_japanese_errors() {
        for (_, _, s) in segmentation_presets(2026) {
            assert_eq!(Segmentation::from_toml(&s.to_toml()).unwrap(), s);
        }
        let text = "fiscal_year = 2026\n[[segment]]\ncode = \"never\"\nname = \"未受診\"\nconditions = [{ kind = \"screening_pattern\", pattern = \"never\" }]\n";
        let s = Segmentation::from_toml(text).unwrap();
        assert_eq!(s.segments[0].conditions.len(), 1);
        assert!(s.describe()[0].contains("受診パターンが未受診"));
        let dup = format!("{text}[[segment]]\ncode = \"never\"\nname = \"x\"\n");
        assert_eq!(
            Segmentation::from_toml(&dup),
            Err(SegmentationError::DuplicateCode("never".into()))
        );
        let reserved = "fiscal_year = 2026\n[[segment]]\ncode = \"other\"\nname = \"x\"\n";
        assert_eq!(
            Segmentation::from_toml(reserved),
            Err(SegmentationError::ReservedCode)
        );
        let bad = "fiscal_year = 2026\n[[segment]]\ncode = \"未受診\"\nname = \"x\"\n";
        assert!(matches!(
            Segmentation::from_toml(bad),
            Err(SegmentationError::BadCode(_))
        ));
        assert_eq!(
            Segmentation::from_toml("fiscal_year = 2026\n"),
            Err(SegmentationError::Empty)
        );
        let e = Segmentation::from_toml("fiscal_year = 2026\n[[segment]]\ncode = 1\n").unwrap_err();
        assert!(e.to_string().starts_with("区分の定義を読めません"), "{e}");
    }

    #[test]
    fn pattern_boundaries() {
        assert_eq!(Pattern::of(true, 0), Pattern::Never);
        assert_eq!(Pattern::of(false, 5), Pattern::Regular);
        assert_eq!(Pattern::of(false, 3), Pattern::Lapsed);
        assert_eq!(Pattern::of(true, 3), Pattern::Irregular);
        assert_eq!(Pattern::of(false, 1), Pattern::Irregular);
    }
}
