//! The published report of a campaign's effect analysis: every statistic of
//! `itaku_analysis::effect` on the gathered rows, with small-cell
//! suppression applied to every count that leaves the system (the page, the
//! PDF and the CSV all render this one structure).

use super::gather::Gathered;
use crate::error::{Result, ServiceError};
use chrono::NaiveDate;
use itaku_analysis::effect::{
    analyse_counts, itt_analysis, logistic_effect, qini_curve, sample_size_two_proportions,
    segment_tables, srm_by_stratum, suppress, t_learner, ArmWeights, CountsReport, DesignSpec,
    Group, IttAnalysis, Level, LogisticEffect, LogisticOptions, QiniCurve, Recommendation,
    SampleSize, SegmentEffect, Stratum, StratumSrm, SuppressedTable, SuppressionRule, Verdict,
};
use itaku_analysis::SampleRatio;
use serde::Serialize;

/// How the analysis is run and published.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AnalysisOptions {
    /// Cells with 0 < count < k are hidden (with complementary suppression).
    pub suppression_k: u64,
    /// Confidence level of every interval.
    pub level: f64,
    /// Power wanted for next year's sample size.
    pub power: f64,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            suppression_k: 10,
            level: 0.95,
            power: 0.8,
        }
    }
}

/// A suppressed table with its labels.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedTable {
    pub title: String,
    pub row_labels: Vec<String>,
    pub column_labels: Vec<String>,
    pub table: SuppressedTable,
}

/// One point of the cumulative attendance curve (rates, per arm).
#[derive(Debug, Clone, Serialize)]
pub struct CumulativePoint {
    pub date: NaiveDate,
    pub control: f64,
    pub treated: f64,
}

/// Everything the report publishes.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignAnalysis {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub fiscal_year_label: String,
    pub control_label: String,
    pub treated_label: String,
    pub options: AnalysisOptions,
    pub rule: SuppressionRule,
    pub window: (NaiveDate, NaiveDate),
    pub persons: usize,
    pub not_randomised: u64,
    pub incomplete: u64,
    /// Arm × 受診/未受診 (the ITT table), segment × arm cells, contact, returned mail.
    pub tables: Vec<PublishedTable>,
    /// Segments whose table row has a hidden cell: their statistics are withheld.
    pub withheld_segments: Vec<String>,
    /// Per-segment effects of the segments that can be published.
    pub segments: Vec<SegmentEffect>,
    /// Count-based report over segments (MH, Breslow–Day, SRM by segment).
    pub counts: CountsReport,
    pub itt: IttAnalysis,
    pub logistic: Option<LogisticEffect>,
    pub logistic_problem: Option<String>,
    pub qini: Option<QiniCurve>,
    pub uplift_problem: Option<String>,
    /// Allocation check overall (control, treated) and per allocation stratum.
    pub srm: SampleRatio,
    /// Strata whose allocation check alarms (p < 0.001); counts withheld.
    pub srm_alarms: Vec<StratumSrm>,
    pub next_year: Option<SampleSize>,
    pub cumulative: Vec<CumulativePoint>,
    pub recommendations: Vec<Recommendation>,
}

fn invalid(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(e.to_string())
}

fn publish(
    title: &str,
    rows: Vec<String>,
    cols: &[&str],
    cells: Vec<Vec<u64>>,
    rule: SuppressionRule,
) -> Result<PublishedTable> {
    Ok(PublishedTable {
        title: title.into(),
        row_labels: rows,
        column_labels: cols.iter().map(|c| (*c).to_owned()).collect(),
        table: suppress(&cells, rule).map_err(invalid)?,
    })
}

/// Runs the analysis on `g` and applies the publication rule.
pub(crate) fn build(
    campaign_id: i64,
    g: &Gathered,
    options: AnalysisOptions,
) -> Result<CampaignAnalysis> {
    if g.rows.is_empty() {
        return Err(ServiceError::Invalid(
            "分析できる対象者がいません（群に割り付けられ、生年月日と性別のある対象者が必要です）"
                .into(),
        ));
    }
    let level = Level::new(options.level).map_err(invalid)?;
    let rule = SuppressionRule {
        threshold: options.suppression_k.max(1),
        suppress_zero: false,
    };
    let (c, t) = (g.control_label.as_str(), g.treated_label.as_str());
    let arm_rows = vec![c.to_owned(), t.to_owned()];
    let count =
        |f: &dyn Fn(usize) -> bool| -> u64 { (0..g.rows.len()).filter(|i| f(*i)).count() as u64 };
    let is_t = |i: usize| g.rows[i].group == Group::Treated;
    let att = |i: usize| g.rows[i].attended;
    let itt_cells = vec![
        vec![
            count(&|i| !is_t(i) && att(i)),
            count(&|i| !is_t(i) && !att(i)),
        ],
        vec![
            count(&|i| is_t(i) && att(i)),
            count(&|i| is_t(i) && !att(i)),
        ],
    ];
    let seg_tables = segment_tables(&g.rows);
    let seg_cells: Vec<Vec<u64>> = seg_tables
        .iter()
        .map(|(_, tb)| {
            vec![
                tb.control.attended,
                tb.control.not_attended(),
                tb.treated.attended,
                tb.treated.not_attended(),
            ]
        })
        .collect();
    let seg_labels: Vec<String> = seg_tables.iter().map(|(l, _)| l.clone()).collect();
    let reached = |i: usize| g.rows[i].reached;
    let contact_cells = vec![
        vec![
            count(&|i| is_t(i) && reached(i) && att(i)),
            count(&|i| is_t(i) && reached(i) && !att(i)),
        ],
        vec![
            count(&|i| is_t(i) && !reached(i) && att(i)),
            count(&|i| is_t(i) && !reached(i) && !att(i)),
        ],
    ];
    let ret = |i: usize| g.returned[i];
    let returned_cells = vec![
        vec![
            count(&|i| !is_t(i) && ret(i)),
            count(&|i| !is_t(i) && !ret(i)),
        ],
        vec![
            count(&|i| is_t(i) && ret(i)),
            count(&|i| is_t(i) && !ret(i)),
        ],
    ];
    let by_segment = publish(
        "区分別の受診状況",
        seg_labels.clone(),
        &[
            &format!("{c} 受診"),
            &format!("{c} 未受診"),
            &format!("{t} 受診"),
            &format!("{t} 未受診"),
        ],
        seg_cells,
        rule,
    )?;
    let withheld: Vec<String> = seg_labels
        .iter()
        .enumerate()
        .filter(|(r, _)| by_segment.table.cells[*r].iter().any(Option::is_none))
        .map(|(_, l)| l.clone())
        .collect();
    let tables = vec![
        publish(
            "群別の受診状況（割付どおり・主解析）",
            arm_rows.clone(),
            &["受診", "未受診"],
            itt_cells,
            rule,
        )?,
        by_segment,
        publish(
            &format!("{t}：電話・訪問の接触の有無別"),
            vec!["接触あり".into(), "接触なし".into()],
            &["受診", "未受診"],
            contact_cells,
            rule,
        )?,
        publish(
            "通知の返戻",
            arm_rows,
            &["返戻あり", "返戻なし"],
            returned_cells,
            rule,
        )?,
    ];
    let strata: Vec<Stratum> = seg_tables
        .iter()
        .map(|(label, table)| Stratum {
            label: label.clone(),
            table: *table,
        })
        .collect();
    let weights = ArmWeights {
        control: g.weights.0,
        treated: g.weights.1,
    };
    let counts = analyse_counts(&strata, Some(weights), level).map_err(invalid)?;
    let segments: Vec<SegmentEffect> = counts
        .strata
        .iter()
        .filter(|s| !withheld.contains(&s.segment))
        .cloned()
        .collect();
    let mut recommendations: Vec<Recommendation> = counts
        .recommendations
        .iter()
        .filter(|r| !withheld.contains(&r.segment))
        .cloned()
        .collect();
    for s in &withheld {
        recommendations.push(Recommendation {
            segment: s.clone(),
            verdict: Verdict::Undetermined,
            text: format!(
                "区分「{s}」は {} 人未満のセルがあるため、効果を公表しません（区分をまとめて再分析してください）",
                rule.threshold
            ),
        });
    }
    let itt = itt_analysis(&g.rows, level).map_err(invalid)?;
    let opts = LogisticOptions::default();
    let spec = DesignSpec {
        arm: true,
        interaction: false,
    };
    let (logistic, logistic_problem) = match logistic_effect(&g.rows, spec, opts, level) {
        Ok(l) => (Some(l), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let (qini, uplift_problem) =
        match t_learner(&g.rows, opts, level).and_then(|tl| qini_curve(&tl.uplift, &g.rows, 50)) {
            Ok(q) => (Some(q), None),
            Err(e) => (None, Some(e.to_string())),
        };
    let mut by_stratum: Vec<(String, Vec<u64>)> = Vec::new();
    for (i, s) in g.strata.iter().enumerate() {
        let k = usize::from(is_t(i));
        match by_stratum.iter_mut().find(|(l, _)| l == s) {
            Some((_, v)) => v[k] += 1,
            None => {
                let mut v = vec![0, 0];
                v[k] = 1;
                by_stratum.push((s.clone(), v));
            }
        }
    }
    let (srm, per) = srm_by_stratum(&by_stratum, &[g.weights.0, g.weights.1]).map_err(invalid)?;
    let srm_alarms = per.into_iter().filter(|s| s.check.mismatch).collect();
    let (p1, p0) = (itt.itt.treated.estimate, itt.itt.control.estimate);
    let ratio = f64::from(g.weights.0) / f64::from(g.weights.1.max(1));
    let next_year =
        sample_size_two_proportions(p1, p0, 1.0 - options.level, options.power, ratio).ok();
    Ok(CampaignAnalysis {
        campaign_id,
        campaign_name: g.campaign_name.clone(),
        fiscal_year_label: itaku_jp::FiscalYear::new(g.fiscal_year).label(),
        control_label: g.control_label.clone(),
        treated_label: g.treated_label.clone(),
        options,
        rule,
        window: g.window,
        persons: g.rows.len(),
        not_randomised: g.not_randomised,
        incomplete: g.incomplete,
        tables,
        withheld_segments: withheld,
        segments,
        counts,
        itt,
        logistic,
        logistic_problem,
        qini,
        uplift_problem,
        srm,
        srm_alarms,
        next_year,
        cumulative: cumulative(g),
        recommendations,
    })
}

/// Cumulative attendance rate per arm, one point per week from the start of
/// the window to the last 受診日 (weekly, so single days cannot be read off).
fn cumulative(g: &Gathered) -> Vec<CumulativePoint> {
    let n_t = g
        .rows
        .iter()
        .filter(|r| r.group == Group::Treated)
        .count()
        .max(1) as f64;
    let n_c = g
        .rows
        .iter()
        .filter(|r| r.group == Group::Control)
        .count()
        .max(1) as f64;
    let mut dated: Vec<(NaiveDate, bool)> = g
        .attended_on
        .iter()
        .zip(&g.rows)
        .filter_map(|(d, r)| d.map(|d| (d, r.group == Group::Treated)))
        .collect();
    dated.sort_unstable();
    let Some(last) = dated.last().map(|d| d.0) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut k, mut ct, mut cc) = (0usize, 0u64, 0u64);
    let mut day = g.window.0;
    loop {
        while k < dated.len() && dated[k].0 <= day {
            if dated[k].1 {
                ct += 1;
            } else {
                cc += 1;
            }
            k += 1;
        }
        out.push(CumulativePoint {
            date: day,
            control: cc as f64 / n_c,
            treated: ct as f64 / n_t,
        });
        if day >= last {
            break;
        }
        day = (day + chrono::Duration::days(7)).min(last);
    }
    out
}
