//! Two passes compared field by field, and a settlement built from the
//! settler's choice for each differing field.

use super::line::{EntryLine, FIELDS};
use crate::error::{Result, ServiceError};
use serde::Serialize;

/// One field on which two passes differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    /// 0-based line.
    pub line: usize,
    /// Index into [`FIELDS`].
    pub field: usize,
    pub label: &'static str,
    pub first: String,
    pub second: String,
}

/// Compare two passes field by field; lines are matched by position, a
/// missing line counts as blank.
pub fn compare(a: &[EntryLine], b: &[EntryLine]) -> Vec<FieldDiff> {
    let blank: [String; 11] = Default::default();
    let mut out = Vec::new();
    for line in 0..a.len().max(b.len()) {
        let fa = a.get(line).map(|l| l.canonical()).unwrap_or(blank.clone());
        let fb = b.get(line).map(|l| l.canonical()).unwrap_or(blank.clone());
        for field in 0..FIELDS.len() {
            if fa[field] != fb[field] {
                out.push(FieldDiff {
                    line,
                    field,
                    label: FIELDS[field],
                    first: fa[field].clone(),
                    second: fb[field].clone(),
                });
            }
        }
    }
    out
}

/// Pass 1 with, for each differing field, the pass the settler chose (1
/// or 2; anything else is refused).
pub fn settle(
    a: &[EntryLine],
    b: &[EntryLine],
    choices: &[(usize, usize, u8)],
) -> Result<Vec<EntryLine>> {
    let diffs = compare(a, b);
    let blank: [String; 11] = Default::default();
    let n = a.len().max(b.len());
    let mut rows: Vec<[String; 11]> = (0..n)
        .map(|i| a.get(i).map(|l| l.canonical()).unwrap_or(blank.clone()))
        .collect();
    for d in &diffs {
        let pick = choices
            .iter()
            .find(|(l, f, _)| *l == d.line && *f == d.field)
            .map(|c| c.2);
        match pick {
            Some(1) => {}
            Some(2) => rows[d.line][d.field] = d.second.clone(),
            _ => {
                return Err(ServiceError::Invalid(format!(
                    "{}行目の{}をどちらにするか選んでください",
                    d.line + 1,
                    d.label
                )))
            }
        }
    }
    let mut out = Vec::new();
    for r in &rows {
        if let Some(l) = EntryLine::from_canonical(r)? {
            out.push(l);
        }
    }
    if out.is_empty() {
        return Err(ServiceError::Invalid(
            "選んだ結果、記入された行がなくなりました".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::line::{parse_page, LineInput, PageInput};
    use super::*;
    use chrono::NaiveDate;
    use itaku_jp::Era;

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
    fn compare_and_settle_field_by_field() {
        let a = parse_page(
            &PageInput {
                lines: vec![line("R5.4.1", "02", ""), line("R5.6.1", "08", "1000")],
                page_total: "1000".into(),
            },
            Era::Reiwa,
            today(),
        )
        .unwrap();
        let b = parse_page(
            &PageInput {
                lines: vec![line("R5.4.2", "02", ""), line("R5.6.1", "08", "1000")],
                page_total: "1000".into(),
            },
            Era::Reiwa,
            today(),
        )
        .unwrap();
        let d = compare(&a, &b);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].field), (0, 0));
        assert!(settle(&a, &b, &[]).is_err());
        let s = settle(&a, &b, &[(0, 0, 2)]).unwrap();
        assert_eq!(s[0].date, NaiveDate::from_ymd_opt(2023, 4, 2).unwrap());
        assert_eq!(s[1], a[1]);
        assert!(compare(&a, &a).is_empty());
    }
}
