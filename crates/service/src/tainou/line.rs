//! One line of a 滞納整理票 as keyed: parsed at the boundary into typed
//! values, compared field by field, and shown back as on paper. The field
//! order is the paper's, which is also the entry screen's Tab order.

use crate::error::{Result, ServiceError};
use chrono::NaiveDate;
use itaku_core::Item;
use itaku_jp::Era;
use serde::{Deserialize, Serialize};

pub use super::kind::EntryKind;

/// The seven items of seed 004, in the paper ledger's column order.
pub const SEVEN: [Item; 7] = [
    Item::NofuKosho,
    Item::SeikatsuJokyo,
    Item::ShokugyoKinmusaki,
    Item::ShisanFusai,
    Item::BunkatsuNofu,
    Item::TainoShobun,
    Item::SaikokuJokyo,
];

/// Longest text of one item or note, in characters.
const MAX_TEXT: usize = 400;

/// A line as typed: every field a string, in paper order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    pub date: String,
    pub kind: String,
    pub amount: String,
    /// The seven items in [`SEVEN`] order.
    pub items: [String; 7],
    pub note: String,
}

impl LineInput {
    pub fn is_blank(&self) -> bool {
        self.date.trim().is_empty()
            && self.kind.trim().is_empty()
            && self.amount.trim().is_empty()
            && self.items.iter().all(|s| s.trim().is_empty())
            && self.note.trim().is_empty()
    }
}

/// A page as typed: its lines and the 頁計 (sum of the amounts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInput {
    pub lines: Vec<LineInput>,
    pub page_total: String,
}

/// One parsed line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryLine {
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub amount: Option<i64>,
    pub items: [String; 7],
    pub note: String,
}

/// Field names for comparison and display, in paper order.
pub const FIELDS: [&str; 11] = [
    "年月日",
    "区分",
    "金額",
    "納付交渉内容",
    "生活状況",
    "職業・勤務先",
    "資産・負債内容",
    "分割納付状況",
    "滞納処分状況",
    "催告状況",
    "備考",
];

impl EntryLine {
    /// Canonical text of each field, in [`FIELDS`] order: what two passes
    /// must agree on.
    pub fn canonical(&self) -> [String; 11] {
        let mut out: [String; 11] = Default::default();
        out[0] = self.date.to_string();
        out[1] = self.kind.code().to_owned();
        out[2] = self.amount.map(|a| a.to_string()).unwrap_or_default();
        for (i, v) in self.items.iter().enumerate() {
            out[3 + i] = v.clone();
        }
        out[10] = self.note.clone();
        out
    }

    /// Back from canonical texts (a settlement's choice); None when blank.
    pub fn from_canonical(f: &[String; 11]) -> Result<Option<EntryLine>> {
        if f.iter().all(|s| s.is_empty()) {
            return Ok(None);
        }
        let date = crate::time::parse_date(&f[0])
            .ok_or_else(|| ServiceError::Invalid("年月日が空欄の行は登録できません".into()))?;
        let kind = EntryKind::parse(&f[1])?;
        let amount = if f[2].is_empty() {
            None
        } else {
            Some(parse_amount("金額", &f[2])?)
        };
        let mut items: [String; 7] = Default::default();
        items.clone_from_slice(&f[3..10]);
        Ok(Some(EntryLine {
            date,
            kind,
            amount,
            items,
            note: f[10].clone(),
        }))
    }

    /// A field as a person reads it (和暦, 区分の名前, 円).
    pub fn display(field: usize, canonical: &str) -> String {
        match field {
            0 => crate::time::parse_date(canonical)
                .map(itaku_jp::format_wareki)
                .unwrap_or_else(|| canonical.to_owned()),
            1 => EntryKind::parse(canonical)
                .map(|k| format!("{} {}", k.code(), k.label()))
                .unwrap_or_else(|_| canonical.to_owned()),
            2 if !canonical.is_empty() => format!("{}円", yen(canonical.parse().unwrap_or(0))),
            _ => canonical.to_owned(),
        }
    }
}

/// 12,345 for 12345.
pub fn yen(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// An amount as written: full- or half-width digits, commas, 円 or ¥.
pub fn parse_amount(label: &str, text: &str) -> Result<i64> {
    let t = itaku_jp::fold_width(text.trim());
    let t: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | '、' | '円' | '¥' | '\\' | ' '))
        .collect();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) || t.len() > 12 {
        return Err(ServiceError::Invalid(format!(
            "{label}「{text}」は金額として読めません（数字で入力します。例: 12000, １２，０００）"
        )));
    }
    t.parse()
        .map_err(|_| ServiceError::Invalid(format!("{label}「{text}」が大きすぎます")))
}

/// A date as on paper: R5.4.1, 5.4.1 (in the batch's era), 令和5年4月1日,
/// 2023/4/1. Never after `today`.
pub fn parse_paper_date(text: &str, era: Era, today: NaiveDate) -> Result<NaiveDate> {
    let d = itaku_jp::parse_date_with_era_hint(text, era)
        .map_err(|e| ServiceError::Invalid(format!("年月日{e}")))?;
    if d > today {
        return Err(ServiceError::Invalid(format!(
            "年月日「{text}」は今日より後の日付です"
        )));
    }
    Ok(d)
}

/// Parse and check a typed page. Errors name the line: 「2行目: …」.
pub fn parse_page(input: &PageInput, era: Era, today: NaiveDate) -> Result<Vec<EntryLine>> {
    let mut lines = Vec::new();
    for (n, l) in input.lines.iter().enumerate() {
        if l.is_blank() {
            continue;
        }
        let at = |e: ServiceError| match e {
            ServiceError::Invalid(m) => ServiceError::Invalid(format!("{}行目: {m}", n + 1)),
            other => other,
        };
        let date = parse_paper_date(&l.date, era, today).map_err(at)?;
        let kind = EntryKind::parse(&l.kind).map_err(at)?;
        let amount = if l.amount.trim().is_empty() {
            None
        } else {
            Some(parse_amount("金額", &l.amount).map_err(at)?)
        };
        if matches!(kind, EntryKind::Nofu | EntryKind::Bunkatsu) && amount.is_none() {
            return Err(at(ServiceError::Invalid(format!(
                "{}には金額が必要です",
                kind.label()
            ))));
        }
        let mut items: [String; 7] = Default::default();
        for (i, v) in l.items.iter().enumerate() {
            items[i] = clean_text(SEVEN[i].label(), v).map_err(at)?;
        }
        let note = clean_text("備考", &l.note).map_err(at)?;
        lines.push(EntryLine {
            date,
            kind,
            amount,
            items,
            note,
        });
    }
    if lines.is_empty() {
        return Err(ServiceError::Invalid(
            "この頁に記入された行がありません".into(),
        ));
    }
    let sum: i64 = lines.iter().filter_map(|l| l.amount).sum();
    let total = if input.page_total.trim().is_empty() {
        0
    } else {
        parse_amount("頁計", &input.page_total)?
    };
    if total != sum {
        return Err(ServiceError::Invalid(format!(
            "頁計 {}円 が各行の金額の合計 {}円 と一致しません。金額か頁計を確かめてください",
            yen(total),
            yen(sum)
        )));
    }
    Ok(lines)
}

/// Trimmed, one space for any run of blanks, bounded in length.
fn clean_text(label: &str, s: &str) -> Result<String> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > MAX_TEXT {
        return Err(ServiceError::Invalid(format!(
            "{label}は {MAX_TEXT} 文字以内にしてください"
        )));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn line(date: &str, kind: &str, amount: &str) -> LineInput {
        LineInput {
            date: date.into(),
            kind: kind.into(),
            amount: amount.into(),
            ..Default::default()
        }
    }

    #[test]
    fn pages_parse_with_era_and_full_width_amounts() {
        let p = PageInput {
            lines: vec![
                line("R5.4.1", "で", ""),
                line("5.6.30", "08", "１２，０００"),
                LineInput::default(),
            ],
            page_total: "12000".into(),
        };
        let lines = parse_page(&p, Era::Reiwa, today()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].date, NaiveDate::from_ymd_opt(2023, 6, 30).unwrap());
        assert_eq!(lines[1].amount, Some(12000));
    }

    #[test]
    fn impossible_dates_and_totals_are_refused_in_japanese() {
        let p = PageInput {
            lines: vec![line("R5.2.30", "01", "")],
            page_total: String::new(),
        };
        let e = parse_page(&p, Era::Reiwa, today()).unwrap_err().to_string();
        assert!(
            e.starts_with("1行目: 年月日「R5.2.30」は存在しない日付です"),
            "{e}"
        );
        let p = PageInput {
            lines: vec![line("R5.4.1", "08", "5000"), line("R5.5.1", "08", "3000")],
            page_total: "9000".into(),
        };
        let e = parse_page(&p, Era::Reiwa, today()).unwrap_err().to_string();
        assert!(
            e.contains("頁計 9,000円 が各行の金額の合計 8,000円 と一致しません"),
            "{e}"
        );
        let p = PageInput {
            lines: vec![line("R9.4.1", "01", "")],
            page_total: String::new(),
        };
        assert!(parse_page(&p, Era::Reiwa, today()).is_err());
    }
}
