//! One record → canonical values, or the reasons it is rejected. Stored
//! forms keep what the register holds (variant kanji, 外字); dates become
//! ISO, kana canonical, postal codes seven digits, structured items JSON.

use crate::profile::{structured_fields, Profile, ProfileError, Source};
use crate::reader::RawRecord;
use itaku_core::Item;
use itaku_jp::SourceEncoding;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// A character from the user-defined area: kept exactly, listed for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GaijiFlag {
    pub line: u64,
    pub column: String,
    pub code_point: String,
    pub cp932: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    pub line: u64,
    pub values: BTreeMap<Item, String>,
    pub gaiji: Vec<GaijiFlag>,
    /// Kept, but worth a look (e.g. a phone number of unusual shape).
    pub notes: Vec<Rejection>,
}

enum Plan {
    Col(usize),
    Join(Vec<usize>),
    Fields(Vec<(String, usize)>),
}

pub struct RowParser {
    encoding: SourceEncoding,
    names: Vec<String>,
    plan: Vec<(Item, Plan)>,
    values: BTreeMap<String, BTreeMap<String, String>>,
}

impl RowParser {
    /// Build from the profile and the file's column names (the header row,
    /// or the fixed layout). Returns the columns the profile does not read.
    pub fn new(
        profile: &Profile,
        names: Vec<String>,
    ) -> Result<(RowParser, Vec<String>), ProfileError> {
        let index = |c: &str| {
            names
                .iter()
                .position(|n| n.trim() == c)
                .ok_or_else(|| ProfileError::MissingColumn(c.to_owned()))
        };
        let mut plan = Vec::new();
        for (item, src) in profile.item_sources()? {
            let p = match src {
                Source::Column(c) => Plan::Col(index(c)?),
                Source::Join(cs) => {
                    Plan::Join(cs.iter().map(|c| index(c)).collect::<Result<_, _>>()?)
                }
                Source::Fields(f) => Plan::Fields(
                    f.iter()
                        .map(|(k, c)| Ok((k.clone(), index(c)?)))
                        .collect::<Result<_, ProfileError>>()?,
                ),
            };
            plan.push((item, p));
        }
        let used = profile.columns();
        let unknown = names
            .iter()
            .filter(|n| !used.contains(&n.trim()) && !profile.ignore.iter().any(|i| i == n.trim()))
            .cloned()
            .collect();
        Ok((
            RowParser {
                encoding: profile.source_encoding()?,
                names,
                plan,
                values: profile.values.clone(),
            },
            unknown,
        ))
    }

    /// Decode the header row into column names.
    pub fn header_names(
        rec: &RawRecord,
        encoding: SourceEncoding,
    ) -> Result<Vec<String>, Rejection> {
        rec.fields
            .iter()
            .map(|f| {
                itaku_jp::decode_field(f, encoding)
                    .map(|d| d.text.trim().to_owned())
                    .map_err(|e| Rejection {
                        line: rec.line,
                        column: "見出し行".into(),
                        value: String::new(),
                        reason: e.to_string(),
                    })
            })
            .collect()
    }

    pub fn column_names(&self) -> &[String] {
        &self.names
    }

    pub fn parse(&self, rec: &RawRecord) -> Result<ParsedRow, Vec<Rejection>> {
        let mut rejections = Vec::new();
        let mut gaiji = Vec::new();
        // Decode every field; a bad byte sequence rejects the row with its column.
        let mut texts: Vec<Option<String>> = Vec::with_capacity(rec.fields.len());
        for (i, raw) in rec.fields.iter().enumerate() {
            let column = self
                .names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("{}列目", i + 1));
            match itaku_jp::decode_field(raw, self.encoding) {
                Ok(d) => {
                    for g in &d.gaiji {
                        gaiji.push(GaijiFlag {
                            line: rec.line,
                            column: column.clone(),
                            code_point: format!("U+{:04X}", u32::from(g.code_point)),
                            cp932: g.cp932_code().map(|c| format!("{c:04X}")),
                        });
                    }
                    texts.push(Some(d.text));
                }
                Err(e) => {
                    rejections.push(Rejection {
                        line: rec.line,
                        column,
                        value: String::new(),
                        reason: format!("文字コードが正しくありません（{e}）"),
                    });
                    texts.push(None);
                }
            }
        }
        if rec.fields.len() != self.names.len() {
            rejections.push(Rejection {
                line: rec.line,
                column: String::new(),
                value: String::new(),
                reason: format!(
                    "列の数が {} です（見出しは {} 列）",
                    rec.fields.len(),
                    self.names.len()
                ),
            });
        }
        if !rejections.is_empty() {
            return Err(rejections);
        }
        let text = |i: usize| texts.get(i).and_then(|t| t.as_deref()).unwrap_or("").trim();
        let mut values = BTreeMap::new();
        let mut notes = Vec::new();
        for (item, plan) in &self.plan {
            let reject = |col: usize, value: &str, reason: String| Rejection {
                line: rec.line,
                column: self.names.get(col).cloned().unwrap_or_default(),
                value: value.to_owned(),
                reason,
            };
            match plan {
                Plan::Col(c) => {
                    let raw = self.mapped(item.code(), text(*c));
                    match canonical(*item, &raw) {
                        Ok(Some(v)) => {
                            values.insert(*item, v.value);
                            if let Some(n) = v.note {
                                notes.push(reject(*c, &raw, n));
                            }
                        }
                        Ok(None) => {}
                        Err(reason) => rejections.push(reject(*c, &raw, reason)),
                    }
                }
                Plan::Join(cs) => {
                    let parts: Vec<String> = cs
                        .iter()
                        .map(|c| itaku_jp::fold_width(text(*c)))
                        .filter(|p| !p.is_empty())
                        .collect();
                    if !parts.is_empty() {
                        values.insert(*item, parts.join("\u{3000}"));
                    }
                }
                Plan::Fields(fields) => {
                    let mut obj = serde_json::Map::new();
                    for (name, c) in fields {
                        let raw = self.mapped(name, text(*c));
                        match field_value(*item, name, &raw) {
                            Ok(Some(v)) => {
                                obj.insert(name.clone(), v);
                            }
                            Ok(None) => {}
                            Err(reason) => rejections.push(reject(*c, &raw, reason)),
                        }
                    }
                    if !obj.is_empty() && structured_fields(*item).is_some() {
                        values.insert(*item, serde_json::Value::Object(obj).to_string());
                    }
                }
            }
        }
        if self
            .plan
            .iter()
            .any(|(i, _)| *i == Item::Shimei || *i == Item::KanaShimei)
            && !values.contains_key(&Item::Shimei)
            && !values.contains_key(&Item::KanaShimei)
        {
            rejections.push(Rejection {
                line: rec.line,
                column: "氏名".into(),
                value: String::new(),
                reason: "氏名とカナ氏名がどちらも空です".into(),
            });
        }
        if !rejections.is_empty() {
            return Err(rejections);
        }
        Ok(ParsedRow {
            line: rec.line,
            values,
            gaiji,
            notes,
        })
    }

    fn mapped(&self, key: &str, raw: &str) -> String {
        match self.values.get(key).and_then(|m| m.get(raw)) {
            Some(v) => v.clone(),
            None => raw.to_owned(),
        }
    }
}

struct Canonical {
    value: String,
    note: Option<String>,
}

fn ok(value: impl Into<String>) -> Result<Option<Canonical>, String> {
    Ok(Some(Canonical {
        value: value.into(),
        note: None,
    }))
}

fn digits_only(raw: &str, label: &str) -> Result<Option<Canonical>, String> {
    let d = itaku_jp::fold_width(raw);
    if d.is_empty() {
        return Ok(None);
    }
    if d.chars().all(|c| c.is_ascii_digit()) {
        ok(d)
    } else {
        Err(format!("{label}「{raw}」は数字だけで指定してください"))
    }
}

fn date(raw: &str, label: &str) -> Result<Option<Canonical>, String> {
    if raw.is_empty() {
        return Ok(None);
    }
    itaku_jp::parse_date(raw)
        .map(|d| {
            Some(Canonical {
                value: d.to_string(),
                note: None,
            })
        })
        .map_err(|e| format!("{label}{e}"))
}

/// The stored form of one item's value; `Ok(None)` for a blank optional one.
fn canonical(item: Item, raw: &str) -> Result<Option<Canonical>, String> {
    let required = |label: &str| Err(format!("{label}が空です"));
    match item {
        Item::AtenaNo => match digits_only(raw, "宛名番号")? {
            Some(v) => Ok(Some(v)),
            None => required("宛名番号"),
        },
        Item::JushinkenNo => digits_only(raw, "受診券整理番号"),
        Item::KanaShimei if raw.is_empty() => Ok(None),
        Item::KanaShimei => itaku_jp::KanaName::parse(raw).map(|k| Some(Canonical { value: k.as_str().to_owned(), note: None })).map_err(|e| format!("カナ氏名{e}")),
        Item::Shimei if raw.is_empty() => Ok(None),
        Item::Shimei => itaku_jp::KanjiName::parse(raw).map(|k| Some(Canonical { value: k.as_str().to_owned(), note: None })).map_err(|e| format!("氏名{e}")),
        Item::Seinengappi => match date(raw, "生年月日")? {
            Some(v) => Ok(Some(v)),
            None => required("生年月日"),
        },
        Item::ShikakuShutoku => date(raw, "資格取得年月日"),
        Item::ShikakuSoshitsu => date(raw, "資格喪失年月日"),
        Item::JushinBi => date(raw, "受診日"),
        Item::Seibetsu => match itaku_jp::fold_width(raw).as_str() {
            "1" => ok("1"),
            "2" => ok("2"),
            "" => required("性別"),
            _ => Err(format!("性別「{raw}」は 1（男）または 2（女）で指定してください（取込設定の値の置換も確認してください）")),
        },
        Item::YubinBango if raw.is_empty() => Ok(None),
        Item::YubinBango => itaku_jp::PostalCode::parse(raw).map(|p| Some(Canonical { value: p.digits().to_owned(), note: None })).map_err(|e| format!("郵便番号{e}")),
        Item::Jusho if raw.is_empty() => Ok(None),
        Item::Jusho => itaku_jp::Jusho::parse(raw).map(|j| Some(Canonical { value: j.as_str().to_owned(), note: None })).map_err(|e| format!("住所{e}")),
        Item::Katagaki if raw.is_empty() => Ok(None),
        Item::Katagaki => itaku_jp::Katagaki::parse(raw).map(|k| Some(Canonical { value: k.as_str().to_owned(), note: None })).map_err(|e| format!("方書{e}")),
        Item::DenwaBango if raw.is_empty() => Ok(None),
        Item::DenwaBango => match itaku_jp::Phone::parse(raw) {
            Ok(p) => ok(p.formatted()),
            // Kept as written, but flagged: a caller should check it.
            Err(e) => Ok(Some(Canonical { value: raw.to_owned(), note: Some(format!("電話番号{e}")) })),
        },
        _ if raw.is_empty() => Ok(None),
        _ => ok(raw),
    }
}

fn field_value(item: Item, name: &str, raw: &str) -> Result<Option<serde_json::Value>, String> {
    let raw = itaku_jp::fold_width(raw);
    if raw.is_empty() {
        return Ok(None);
    }
    let label = match (item, name) {
        (Item::JushinRireki, "prev_fy") => "前年度受診",
        (Item::JushinRireki, "count_5y") => "過去5年受診回数",
        (Item::KenshinKekka, "bmi") => "BMI",
        (Item::KenshinKekka, "sbp") => "収縮期血圧",
        (Item::KenshinKekka, "hba1c") => "HbA1c",
        (Item::KenshinKekka, "jushin_bi") => "受診日",
        (Item::KenshinKekka, "shubetsu") => "健診種別",
        _ => name,
    };
    match name {
        "jushin_bi" => date(&raw, label).map(|d| d.map(|c| c.value.into())),
        "shubetsu" => Ok(Some(raw.into())),
        "prev_fy" => match raw.as_str() {
            "1" => Ok(Some(true.into())),
            "0" => Ok(Some(false.into())),
            _ => Err(format!(
                "{label}「{raw}」は 1（有）または 0（無）で指定してください"
            )),
        },
        "count_5y" | "sbp" => raw
            .parse::<u32>()
            .map(|n| Some(n.into()))
            .map_err(|_| format!("{label}「{raw}」は整数で指定してください")),
        _ => match raw.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => {
                Ok(serde_json::Number::from_f64(x).map(serde_json::Value::Number))
            }
            _ => Err(format!("{label}「{raw}」は数値で指定してください")),
        },
    }
}
