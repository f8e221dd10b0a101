//! Extraction rules: which people of the ward's register a campaign
//! targets. Conditions over items and derived values (age at fiscal-year
//! end under the Age Calculation Act, NHI qualification on a date,
//! screening history, checkup values). Pure: values in, yes or no out.

use chrono::NaiveDate;
use itaku_core::{Item, ItemSet};
use itaku_jp::FiscalYear;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Checkup {
    Bmi,
    Sbp,
    Hba1c,
}

/// How a person has screened over the last five fiscal years. Segments of
/// seed 001 are cut by it: a letter to someone who never came reads
/// differently from one to someone who stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// 未受診: not once in five years.
    Never,
    /// 中断: three or more times in five years, but not last year.
    Lapsed,
    /// 不定期: the rest of those screened one to four times.
    Irregular,
    /// 毎年: every one of the five years.
    Regular,
}

impl Pattern {
    pub const ALL: [Pattern; 4] = [
        Pattern::Never,
        Pattern::Lapsed,
        Pattern::Irregular,
        Pattern::Regular,
    ];
    pub fn label(self) -> &'static str {
        match self {
            Pattern::Never => "未受診（過去5年受診なし）",
            Pattern::Lapsed => "中断（過去5年に3回以上、前年度なし）",
            Pattern::Irregular => "不定期（過去5年に1〜4回）",
            Pattern::Regular => "毎年（過去5年すべて）",
        }
    }
    /// From the 受診歴 facts: last year's screening and the five-year count.
    pub fn of(prev_fy: bool, count_5y: u32) -> Pattern {
        match (prev_fy, count_5y) {
            (_, 0) => Pattern::Never,
            (_, n) if n >= 5 => Pattern::Regular,
            (false, n) if n >= 3 => Pattern::Lapsed,
            _ => Pattern::Irregular,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// Age on March 31 that ends the fiscal year, inclusive bounds.
    AgeAtFyEnd {
        min: Option<u32>,
        max: Option<u32>,
    },
    /// NHI membership gained on or before the date and not lost by it.
    NhiQualifiedOn {
        date: NaiveDate,
    },
    /// Screened (特定健診) in the fiscal year before the rule's.
    ScreenedPrevFy {
        screened: bool,
    },
    /// Screenings in the last five years, inclusive bounds.
    ScreeningCount {
        min: Option<u32>,
        max: Option<u32>,
    },
    Sex {
        code: String,
    },
    /// A checkup value within bounds (people with no value do not match).
    CheckupValue {
        field: Checkup,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// The five-year screening pattern (受診パターン).
    ScreeningPattern {
        pattern: Pattern,
    },
    /// The item holds a value (or, with `present = false`, none).
    Has {
        item: Item,
        present: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The fiscal year the campaign belongs to (2026 = 令和8年度).
    pub fiscal_year: i32,
    pub conditions: Vec<Condition>,
}

impl Condition {
    pub(crate) fn items(&self) -> Vec<Item> {
        match self {
            Condition::AgeAtFyEnd { .. } => vec![Item::Seinengappi],
            Condition::NhiQualifiedOn { .. } => vec![Item::ShikakuShutoku, Item::ShikakuSoshitsu],
            Condition::ScreenedPrevFy { .. }
            | Condition::ScreeningCount { .. }
            | Condition::ScreeningPattern { .. } => vec![Item::JushinRireki],
            Condition::Sex { .. } => vec![Item::Seibetsu],
            Condition::CheckupValue { .. } => vec![Item::KenshinKekka],
            Condition::Has { item, .. } => vec![*item],
        }
    }

    /// In Japanese, for the list's record and the page.
    pub fn describe(&self) -> String {
        let range = |min: Option<String>, max: Option<String>, unit: &str| match (min, max) {
            (Some(a), Some(b)) => format!("{a}{unit}以上{b}{unit}以下"),
            (Some(a), None) => format!("{a}{unit}以上"),
            (None, Some(b)) => format!("{b}{unit}以下"),
            (None, None) => "指定なし".into(),
        };
        match self {
            Condition::AgeAtFyEnd { min, max } => format!(
                "年度末年齢が{}",
                range(min.map(|v| v.to_string()), max.map(|v| v.to_string()), "歳")
            ),
            Condition::NhiQualifiedOn { date } => {
                format!("{}に国保資格あり", itaku_jp::format_wareki(*date))
            }
            Condition::ScreenedPrevFy { screened: true } => "前年度に特定健診を受診".into(),
            Condition::ScreenedPrevFy { screened: false } => "前年度に特定健診を未受診".into(),
            Condition::ScreeningCount { min, max } => format!(
                "過去5年の受診回数が{}",
                range(min.map(|v| v.to_string()), max.map(|v| v.to_string()), "回")
            ),
            Condition::Sex { code } => format!("性別が{}", if code == "1" { "男" } else { "女" }),
            Condition::CheckupValue { field, min, max } => {
                let label = match field {
                    Checkup::Bmi => "BMI",
                    Checkup::Sbp => "収縮期血圧",
                    Checkup::Hba1c => "HbA1c",
                };
                format!(
                    "{label}が{}",
                    range(min.map(|v| v.to_string()), max.map(|v| v.to_string()), "")
                )
            }
            Condition::ScreeningPattern { pattern } => format!("受診パターンが{}", pattern.label()),
            Condition::Has {
                item,
                present: true,
            } => format!("{}あり", item.label()),
            Condition::Has {
                item,
                present: false,
            } => format!("{}なし", item.label()),
        }
    }

    pub(crate) fn matches(&self, fy: FiscalYear, v: &BTreeMap<Item, String>) -> bool {
        let date = |i: Item| {
            v.get(&i)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        };
        let json = |i: Item| {
            v.get(&i)
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        };
        let within = |x: u32, min: &Option<u32>, max: &Option<u32>| {
            min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m)
        };
        match self {
            Condition::AgeAtFyEnd { min, max } => date(Item::Seinengappi).is_some_and(|b| {
                b <= fy.end() && within(itaku_jp::age_at_fiscal_year_end(b, fy), min, max)
            }),
            Condition::NhiQualifiedOn { date: on } => {
                date(Item::ShikakuShutoku).is_some_and(|s| s <= *on)
                    && date(Item::ShikakuSoshitsu).is_none_or(|l| l > *on)
            }
            Condition::ScreenedPrevFy { screened } => json(Item::JushinRireki)
                .and_then(|j| j["prev_fy"].as_bool())
                .is_some_and(|b| b == *screened),
            Condition::ScreeningCount { min, max } => json(Item::JushinRireki)
                .and_then(|j| j["count_5y"].as_u64())
                .is_some_and(|n| within(n as u32, min, max)),
            Condition::Sex { code } => v.get(&Item::Seibetsu).is_some_and(|s| s == code),
            Condition::CheckupValue { field, min, max } => {
                let key = match field {
                    Checkup::Bmi => "bmi",
                    Checkup::Sbp => "sbp",
                    Checkup::Hba1c => "hba1c",
                };
                json(Item::KenshinKekka)
                    .and_then(|j| j[key].as_f64())
                    .is_some_and(|x| min.is_none_or(|m| x >= m) && max.is_none_or(|m| x <= m))
            }
            Condition::ScreeningPattern { pattern } => json(Item::JushinRireki)
                .and_then(|j| {
                    Some(Pattern::of(
                        j["prev_fy"].as_bool()?,
                        j["count_5y"].as_u64()? as u32,
                    ))
                })
                .is_some_and(|p| p == *pattern),
            Condition::Has { item, present } => {
                v.get(item).is_some_and(|s| !s.trim().is_empty()) == *present
            }
        }
    }
}

impl Rule {
    /// Every item the rule reads (and so must be allowed to read).
    pub fn items(&self) -> ItemSet {
        self.conditions.iter().flat_map(Condition::items).collect()
    }

    pub fn matches(&self, values: &BTreeMap<Item, String>) -> bool {
        let fy =
            FiscalYear::of(NaiveDate::from_ymd_opt(self.fiscal_year, 4, 1).unwrap_or_default());
        self.conditions.iter().all(|c| c.matches(fy, values))
    }

    pub fn describe(&self) -> String {
        let fy =
            FiscalYear::of(NaiveDate::from_ymd_opt(self.fiscal_year, 4, 1).unwrap_or_default());
        let mut parts = vec![fy.label()];
        parts.extend(self.conditions.iter().map(Condition::describe));
        parts.join("、")
    }
}

/// The seeds' target definitions, for a fiscal year (qualification is
/// checked on April 1, the day the year's vouchers are issued for).
pub fn presets(fiscal_year: i32) -> Vec<(&'static str, &'static str, Rule)> {
    let april1 = NaiveDate::from_ymd_opt(fiscal_year, 4, 1).unwrap_or_default();
    let nhi = Condition::NhiQualifiedOn { date: april1 };
    vec![
        (
            "seed002",
            "特定健診 未受診者勧奨（国保加入・前年度未受診・年度末40〜69歳）",
            Rule {
                fiscal_year,
                conditions: vec![
                    nhi.clone(),
                    Condition::ScreenedPrevFy { screened: false },
                    Condition::AgeAtFyEnd {
                        min: Some(40),
                        max: Some(69),
                    },
                ],
            },
        ),
        (
            "seed001a",
            "特定健診・がん検診 一体勧奨: 未受診者（国保加入・年度末40〜74歳・前年度未受診）",
            Rule {
                fiscal_year,
                conditions: vec![
                    nhi.clone(),
                    Condition::AgeAtFyEnd {
                        min: Some(40),
                        max: Some(74),
                    },
                    Condition::ScreenedPrevFy { screened: false },
                ],
            },
        ),
        (
            "seed001b",
            "特定健診・がん検診 一体勧奨: 特定健診受診・がん検診なし（国保加入・年度末40〜74歳）",
            Rule {
                fiscal_year,
                conditions: vec![
                    nhi,
                    Condition::AgeAtFyEnd {
                        min: Some(40),
                        max: Some(74),
                    },
                    Condition::ScreenedPrevFy { screened: true },
                    Condition::Has {
                        item: Item::GanKenshinShurui,
                        present: false,
                    },
                ],
            },
        ),
        (
            "seed000",
            "がん検診 受診券一斉送付（年度末74歳以下）",
            Rule {
                fiscal_year,
                conditions: vec![Condition::AgeAtFyEnd {
                    min: None,
                    max: Some(74),
                }],
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(
        birth: &str,
        joined: &str,
        lost: &str,
        prev: bool,
        count: u32,
    ) -> BTreeMap<Item, String> {
        let mut v = BTreeMap::new();
        v.insert(Item::Seinengappi, birth.to_owned());
        v.insert(Item::ShikakuShutoku, joined.to_owned());
        if !lost.is_empty() {
            v.insert(Item::ShikakuSoshitsu, lost.to_owned());
        }
        v.insert(
            Item::JushinRireki,
            format!("{{\"prev_fy\":{prev},\"count_5y\":{count}}}"),
        );
        v
    }

    #[test]
    fn seed_002_boundaries() {
        let (_, _, rule) = presets(2026).remove(0);
        // 40 at 2027-03-31: born on or before 1987-04-01 (turns 40 at the end of 3/31).
        assert!(rule.matches(&person("1987-04-01", "2000-01-01", "", false, 0)));
        assert!(
            !rule.matches(&person("1987-04-02", "2000-01-01", "", false, 0)),
            "39 at year end"
        );
        // 69 at year end: born 1957-04-02 .. ; born 1957-04-01 is 70.
        assert!(rule.matches(&person("1957-04-02", "2000-01-01", "", false, 0)));
        assert!(
            !rule.matches(&person("1957-04-01", "2000-01-01", "", false, 0)),
            "70 at year end"
        );
        assert!(
            !rule.matches(&person("1970-01-01", "2000-01-01", "", true, 3)),
            "screened last year"
        );
        assert!(
            !rule.matches(&person("1970-01-01", "2026-04-02", "", false, 0)),
            "not yet a member on April 1"
        );
        assert!(
            !rule.matches(&person("1970-01-01", "2000-01-01", "2026-04-01", false, 0)),
            "lost membership by April 1"
        );
        assert!(
            rule.matches(&person("1970-01-01", "2000-01-01", "2026-04-02", false, 0)),
            "still a member on April 1"
        );
        assert!(!rule.matches(&BTreeMap::new()), "no data, no match");
        assert_eq!(
            rule.items().labels(),
            "生年月日・資格取得年月日・資格喪失年月日・受診歴"
        );
        assert!(
            rule.describe()
                .starts_with("令和8年度、令和8年4月1日に国保資格あり"),
            "{}",
            rule.describe()
        );
    }

    #[test]
    fn leap_day_births_and_other_conditions() {
        let rule = Rule {
            fiscal_year: 2026,
            conditions: vec![Condition::AgeAtFyEnd {
                min: Some(27),
                max: Some(27),
            }],
        };
        // Born 2000-02-29: attains 27 at the end of 2027-02-27, i.e. by 2027-03-31.
        assert!(rule.matches(&person("2000-02-29", "", "", false, 0)));
        let mut v = person("1960-05-05", "2000-01-01", "", true, 4);
        v.insert(
            Item::KenshinKekka,
            "{\"bmi\":27.3,\"sbp\":121,\"hba1c\":6.6}".into(),
        );
        v.insert(Item::Seibetsu, "2".into());
        let r = Rule {
            fiscal_year: 2026,
            conditions: vec![
                Condition::CheckupValue {
                    field: Checkup::Hba1c,
                    min: Some(6.5),
                    max: None,
                },
                Condition::ScreeningCount {
                    min: Some(3),
                    max: None,
                },
                Condition::Sex { code: "2".into() },
                Condition::Has {
                    item: Item::DenwaBango,
                    present: false,
                },
            ],
        };
        assert!(r.matches(&v));
        v.insert(Item::DenwaBango, "03-1234-5678".into());
        assert!(!r.matches(&v));
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), r);
    }
}
