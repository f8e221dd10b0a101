//! The aggregate as published: SVG bar charts (presentation attributes
//! only, so the page's CSP holds and the PDF embeds the same drawing), a
//! CP932 CSV and an A4 PDF through the effect-analysis report's typesetter.

use super::aggregate::{Aggregate, CrossTab, QuestionAggregate};
use crate::error::{Result, ServiceError};
use crate::Service;
use itaku_print::{Report, ReportSection, ReportTable};
use std::fmt::Write as _;

const BAR: &str = "#1f6fb2";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Horizontal bars of one counted question's percentages; a suppressed
/// cell has no bar, only its 「<5」 or 「＊」.
pub fn aggregate_svg(q: &QuestionAggregate, threshold: u64) -> Option<String> {
    if q.rows.is_empty() {
        return None;
    }
    let (w, left, row_h, top) = (640.0, 200.0, 26.0, 10.0);
    let h = top * 2.0 + row_h * q.rows.len() as f64;
    let span = w - left - 90.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="anketo-chart-{}" class="chart anketo-chart" role="img" aria-label="問{} {}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="13">"#,
        q.number,
        q.number,
        esc(&q.text)
    );
    for (i, r) in q.rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#222">{}</text>"##,
            left - 8.0,
            y + 17.0,
            esc(&short(&r.label, 14))
        );
        let label = match r.percent {
            Some(p) => {
                let bw = span * p / 100.0;
                let _ = write!(
                    svg,
                    r#"<rect class="bar" x="{left}" y="{:.1}" width="{bw:.1}" height="{:.1}" fill="{BAR}"/>"#,
                    y + 4.0,
                    row_h - 8.0
                );
                format!("{p:.1}%（{}）", r.count.text(threshold))
            }
            None => r.count.text(threshold),
        };
        let x = left + r.percent.map_or(0.0, |p| span * p / 100.0) + 6.0;
        let _ = write!(
            svg,
            r##"<text x="{x:.1}" y="{:.1}" fill="#222">{}</text>"##,
            y + 17.0,
            esc(&label)
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn question_table(q: &QuestionAggregate, threshold: u64) -> Vec<Vec<String>> {
    q.rows
        .iter()
        .map(|r| {
            vec![
                r.label.clone(),
                r.count.text(threshold),
                r.percent.map(|p| format!("{p:.1}%")).unwrap_or_default(),
            ]
        })
        .collect()
}

fn cross_rows(t: &CrossTab, threshold: u64) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = t
        .row_labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut r = vec![l.clone()];
            r.extend(t.cells[i].iter().map(|c| c.text(threshold)));
            r.push(t.row_totals[i].to_string());
            r
        })
        .collect();
    let mut total = vec!["計".to_owned()];
    total.extend(t.column_totals.iter().map(u64::to_string));
    total.push(t.total.to_string());
    rows.push(total);
    rows
}

fn note(a: &Aggregate) -> String {
    format!(
        "回答者 {}人（オンライン {}人・紙 {}人）。{}人未満の件数は「<{}」、それを合計から割り出せないよう伏せた件数は「＊」。割合は各質問に答えた人に対する割合（複数回答は合計が100%を超えます）。",
        a.respondents, a.online, a.paper, a.threshold, a.threshold
    )
}

/// CSV (CRLF, CP932) of the published aggregate and cross tabs.
pub fn aggregate_csv(a: &Aggregate, tabs: &[CrossTab]) -> Result<Vec<u8>> {
    let mut out = String::new();
    let line = |cells: Vec<String>, out: &mut String| {
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    };
    line(vec![format!("{} 集計結果（公表用）", a.title)], &mut out);
    line(vec![note(a)], &mut out);
    for q in &a.questions {
        line(vec![], &mut out);
        line(
            vec![
                format!("問{} {}", q.number, q.text),
                format!("回答 {}人", q.answered),
            ],
            &mut out,
        );
        if q.rows.is_empty() {
            line(vec!["自由記述".into()], &mut out);
            for t in &q.texts {
                line(vec![t.clone()], &mut out);
            }
            if q.texts_withheld > 0 {
                line(
                    vec![format!(
                        "（配慮を要する語を含む {}件は掲載しません）",
                        q.texts_withheld
                    )],
                    &mut out,
                );
            }
            continue;
        }
        line(
            vec!["選択肢".into(), "件数".into(), "割合".into()],
            &mut out,
        );
        for r in question_table(q, a.threshold) {
            line(r, &mut out);
        }
        if let Some(m) = q.mean {
            line(vec!["平均".into(), format!("{m:.2}")], &mut out);
        }
    }
    for t in tabs {
        line(vec![], &mut out);
        line(
            vec![format!(
                "クロス集計 問{} × 問{}",
                t.row_question, t.column_question
            )],
            &mut out,
        );
        let mut head = vec![String::new()];
        head.extend(t.column_labels.iter().cloned());
        head.push("計".into());
        line(head, &mut out);
        for r in cross_rows(t, a.threshold) {
            line(r, &mut out);
        }
    }
    itaku_jp::encode_cp932(&out).map_err(|e| ServiceError::Invalid(e.to_string()))
}

impl Service {
    /// The published aggregate as an A4 PDF.
    pub fn aggregate_pdf(&self, a: &Aggregate, tabs: &[CrossTab]) -> Result<Vec<u8>> {
        let mut charts = Vec::new();
        let mut sections = Vec::new();
        for q in &a.questions {
            if let Some(svg) = aggregate_svg(q, a.threshold) {
                charts.push((format!("問{} {}", q.number, short(&q.text, 30)), svg));
            }
            let mut lines = vec![format!("回答 {}人", q.answered)];
            if let Some(m) = q.mean {
                lines.push(format!("平均 {m:.2}"));
            }
            lines.extend(
                q.texts
                    .iter()
                    .map(|t| format!("・{}", t.replace('\n', " "))),
            );
            if q.texts_withheld > 0 {
                lines.push(format!(
                    "（配慮を要する語を含む {}件は掲載しません）",
                    q.texts_withheld
                ));
            }
            let tables = if q.rows.is_empty() {
                Vec::new()
            } else {
                vec![ReportTable {
                    caption: format!("問{}", q.number),
                    header: vec!["選択肢".into(), "件数".into(), "割合".into()],
                    rows: question_table(q, a.threshold),
                }]
            };
            sections.push(ReportSection {
                heading: format!("問{} {}", q.number, q.text),
                warning: None,
                lines,
                tables,
            });
        }
        for t in tabs {
            let mut header = vec![String::new()];
            header.extend(t.column_labels.iter().cloned());
            header.push("計".into());
            sections.push(ReportSection {
                heading: format!("クロス集計 問{} × 問{}", t.row_question, t.column_question),
                warning: None,
                lines: Vec::new(),
                tables: vec![ReportTable {
                    caption: format!("問{} × 問{}", t.row_question, t.column_question),
                    header,
                    rows: cross_rows(t, a.threshold),
                }],
            });
        }
        let report = Report {
            title: format!("アンケート集計結果　{}", a.title),
            subtitle: note(a),
            footer: "itaku アンケート集計 — 小さい件数は秘匿しています".into(),
            recommendations: Vec::new(),
            charts,
            sections,
        };
        let fonts = self.fonts()?;
        itaku_print::analysis_report(&fonts, &report)
            .map(|pdf| pdf.bytes)
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }
}
