//! Server-side SVG charts of a published analysis (no script, no inline
//! style: presentation attributes only, so the page's CSP holds and the PDF
//! embeds the same drawing): attendance rates with 95 % CIs by arm and
//! segment, the Qini curve, and cumulative attendance by 受診日.

use super::report::CampaignAnalysis;
use std::fmt::Write as _;

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 130.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 40.0;
const CONTROL: &str = "#7a8793";
const TREATED: &str = "#1f6fb2";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open(svg: &mut String, id: &str, label: &str, height: f64) {
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="{id}" class="chart" role="img" aria-label="{}" viewBox="0 0 {W} {height}" width="{W}" height="{height}" font-family="sans-serif" font-size="12">"#,
        esc(label)
    );
}

fn text(svg: &mut String, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = write!(
        svg,
        r##"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" fill="#222">{}</text>"##,
        esc(s)
    );
}

fn legend(svg: &mut String, a: &CampaignAnalysis, y: f64) {
    for (k, (label, color)) in [(&a.control_label, CONTROL), (&a.treated_label, TREATED)]
        .into_iter()
        .enumerate()
    {
        let x = LEFT + k as f64 * 160.0;
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{color}"/>"#,
            y - 10.0
        );
        text(svg, x + 16.0, y, "start", label);
    }
}

/// Horizontal bars: each published segment (and 全体) × arm, the rate with
/// its Wilson CI as a whisker. Segments whose counts are withheld are left out.
pub fn rates_chart(a: &CampaignAnalysis) -> String {
    let mut rows = vec![("全体".to_owned(), &a.itt.itt)];
    for s in &a.segments {
        if let Some(c) = &s.comparison {
            rows.push((s.segment.clone(), c));
        }
    }
    let band = 44.0;
    let height = TOP + BOTTOM + band * rows.len() as f64 + 20.0;
    let plot = W - LEFT - RIGHT;
    let max = rows
        .iter()
        .flat_map(|(_, c)| [c.treated.ci.upper, c.control.ci.upper])
        .fold(0.1f64, f64::max)
        .min(1.0);
    let x = |p: f64| LEFT + plot * p / max;
    let mut svg = String::new();
    open(
        &mut svg,
        "chart-rates",
        "区分・群別の受診率と95%信頼区間",
        height,
    );
    for (i, (label, c)) in rows.iter().enumerate() {
        let y0 = TOP + band * i as f64;
        text(&mut svg, LEFT - 8.0, y0 + 24.0, "end", label);
        for (k, (p, color)) in [(&c.control, CONTROL), (&c.treated, TREATED)]
            .into_iter()
            .enumerate()
        {
            let y = y0 + 6.0 + 16.0 * k as f64;
            let _ = write!(
                svg,
                r#"<rect class="bar" x="{LEFT}" y="{y:.1}" width="{:.1}" height="12" fill="{color}"><title>{:.1}%（{:.1}〜{:.1}%）</title></rect>"#,
                (x(p.estimate) - LEFT).max(0.5),
                p.estimate * 100.0,
                p.ci.lower * 100.0,
                p.ci.upper * 100.0
            );
            let _ = write!(
                svg,
                r##"<line class="ci" x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#111" stroke-width="1.5"/>"##,
                x(p.ci.lower),
                x(p.ci.upper),
                y + 6.0,
                y + 6.0
            );
        }
    }
    let base = TOP + band * rows.len() as f64;
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{base}" stroke="#444"/>"##
    );
    for k in 0..=4 {
        let p = max * f64::from(k) / 4.0;
        text(
            &mut svg,
            x(p),
            base + 14.0,
            "middle",
            &format!("{:.0}%", p * 100.0),
        );
    }
    legend(&mut svg, a, base + 34.0);
    svg.push_str("</svg>");
    svg
}

fn axes(svg: &mut String, y_label: &str) {
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{}" stroke="#444"/><line x1="{LEFT}" x2="{}" y1="{}" y2="{}" stroke="#444"/>"##,
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM,
        H - BOTTOM
    );
    text(svg, LEFT - 8.0, TOP + 4.0, "end", y_label);
}

fn polyline(points: &[(f64, f64)], color: &str, class: &str) -> String {
    let pts: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    format!(
        r#"<polyline class="{class}" points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
        pts.join(" ")
    )
}

/// The Qini curve (incremental attenders when calling the highest uplift
/// first) against random targeting.
pub fn qini_chart(a: &CampaignAnalysis) -> Option<String> {
    let q = a.qini.as_ref()?;
    let (lo, hi) = q
        .points
        .iter()
        .fold((0.0f64, 1.0f64), |(l, h), p| (l.min(p.qini), h.max(p.qini)));
    let last = q.points.last().map_or(0.0, |p| p.qini);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let px = |f: f64| LEFT + plot_w * f;
    let py = |v: f64| H - BOTTOM - plot_h * (v - lo) / (hi - lo).max(1e-9);
    let mut svg = String::new();
    open(
        &mut svg,
        "chart-qini",
        "Qini曲線（効果の大きい順に電話した場合の増加受診者数）",
        H,
    );
    axes(&mut svg, &format!("{hi:.0}人"));
    let pts: Vec<(f64, f64)> = q
        .points
        .iter()
        .map(|p| (px(p.fraction), py(p.qini)))
        .collect();
    svg.push_str(&polyline(&pts, TREATED, "qini"));
    svg.push_str(&polyline(
        &[(px(0.0), py(0.0)), (px(1.0), py(last))],
        CONTROL,
        "random",
    ));
    text(
        &mut svg,
        px(0.5),
        H - 8.0,
        "middle",
        "電話する人の割合（効果の予測が大きい順）",
    );
    text(
        &mut svg,
        px(1.0),
        py(last) - 6.0,
        "end",
        "無作為に選んだ場合",
    );
    svg.push_str("</svg>");
    Some(svg)
}

/// Cumulative attendance rate by 受診日, per arm.
pub fn cumulative_chart(a: &CampaignAnalysis) -> Option<String> {
    let (first, last) = (a.cumulative.first()?, a.cumulative.last()?);
    let span = (last.date - first.date).num_days().max(1) as f64;
    let top = a
        .cumulative
        .iter()
        .map(|p| p.control.max(p.treated))
        .fold(0.05f64, f64::max);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let px = |d: chrono::NaiveDate| LEFT + plot_w * (d - first.date).num_days() as f64 / span;
    let py = |v: f64| H - BOTTOM - plot_h * v / top;
    let mut svg = String::new();
    open(
        &mut svg,
        "chart-cumulative",
        "受診日別の累積受診率（群別）",
        H + 20.0,
    );
    axes(&mut svg, &format!("{:.0}%", top * 100.0));
    for (color, class, pick) in [
        (
            CONTROL,
            "control",
            (|p: &super::CumulativePoint| p.control) as fn(&super::CumulativePoint) -> f64,
        ),
        (TREATED, "treated", |p: &super::CumulativePoint| p.treated),
    ] {
        let pts: Vec<(f64, f64)> = a
            .cumulative
            .iter()
            .map(|p| (px(p.date), py(pick(p))))
            .collect();
        svg.push_str(&polyline(&pts, color, class));
    }
    text(
        &mut svg,
        LEFT,
        H - BOTTOM + 14.0,
        "start",
        &first.date.format("%Y-%m-%d").to_string(),
    );
    text(
        &mut svg,
        W - RIGHT,
        H - BOTTOM + 14.0,
        "end",
        &last.date.format("%Y-%m-%d").to_string(),
    );
    legend(&mut svg, a, H + 10.0);
    svg.push_str("</svg>");
    Some(svg)
}
