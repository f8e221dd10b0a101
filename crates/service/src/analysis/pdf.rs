//! The report as a PDF: the same sections, charts and recommendations as the
//! page (crates/print typesets it).

use super::charts::{cumulative_chart, qini_chart, rates_chart};
use super::present::sections;
use super::report::CampaignAnalysis;
use crate::error::{Result, ServiceError};
use crate::Service;
use itaku_print::{Report, ReportSection, ReportTable};

/// The charts of the report, (caption, SVG).
pub fn charts(a: &CampaignAnalysis) -> Vec<(String, String)> {
    let mut out = vec![(
        "区分・群別の受診率（横線は95%信頼区間）".to_owned(),
        rates_chart(a),
    )];
    if let Some(q) = qini_chart(a) {
        out.push(("Qini曲線（効果の予測が大きい順に電話した場合）".into(), q));
    }
    if let Some(c) = cumulative_chart(a) {
        out.push(("受診日別の累積受診率".into(), c));
    }
    out
}

impl Service {
    /// The published analysis as an A4 PDF.
    pub fn analysis_pdf(&self, a: &CampaignAnalysis) -> Result<Vec<u8>> {
        let report = Report {
            title: format!("効果分析の報告書　{}", a.campaign_name),
            subtitle: format!(
                "{}　分析対象 {}人　小さいセルの秘匿: {}人未満",
                a.fiscal_year_label, a.persons, a.rule.threshold
            ),
            footer: "itaku 効果分析 — 数値は itaku analysis compare で件数から再計算できます"
                .into(),
            recommendations: a.recommendations.iter().map(|r| r.text.clone()).collect(),
            charts: charts(a),
            sections: sections(a)
                .into_iter()
                .map(|s| ReportSection {
                    heading: s.heading,
                    warning: s.warning,
                    lines: s.lines,
                    tables: s
                        .tables
                        .into_iter()
                        .map(|t| ReportTable {
                            caption: t.caption,
                            header: t.header,
                            rows: t.rows,
                        })
                        .collect(),
                })
                .collect(),
        };
        let fonts = self.fonts()?;
        itaku_print::analysis_report(&fonts, &report)
            .map(|pdf| pdf.bytes)
            .map_err(|e| ServiceError::Invalid(e.to_string()))
    }
}
