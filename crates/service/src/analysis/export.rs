//! The suppressed tables as a CP932 CSV for the ward's spreadsheet: one block
//! per table, hidden cells written as ＊ (never the number).

use super::report::CampaignAnalysis;
use crate::error::{Result, ServiceError};

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// CSV (CRLF, CP932) of every published table of `a`.
pub fn suppressed_tables_csv(a: &CampaignAnalysis) -> Result<Vec<u8>> {
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    line(
        vec![format!(
            "{} 効果分析（公表用・{}人未満のセルは＊で秘匿）",
            a.campaign_name, a.rule.threshold
        )],
        &mut out,
    );
    for t in &a.tables {
        line(vec![], &mut out);
        line(vec![t.title.clone()], &mut out);
        let mut head = vec![String::new()];
        head.extend(t.column_labels.iter().cloned());
        head.push("計".into());
        line(head, &mut out);
        for (r, label) in t.row_labels.iter().enumerate() {
            let mut row = vec![label.clone()];
            row.extend(
                t.table.cells[r]
                    .iter()
                    .map(|c| c.map_or("＊".into(), |v| v.to_string())),
            );
            row.push(t.table.row_totals[r].to_string());
            line(row, &mut out);
        }
        let mut total = vec!["計".to_owned()];
        total.extend(t.table.column_totals.iter().map(u64::to_string));
        total.push(t.table.total.to_string());
        line(total, &mut out);
    }
    itaku_jp::encode_cp932(&out).map_err(|e| ServiceError::Invalid(e.to_string()))
}
