//! `itaku analysis compare`: the effect statistics from counts alone
//! (stratum, arm, n, attended), so an analyst can re-run any table —
//! published ones included — without access to the ward's data.

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use itaku_analysis::effect::{
    analyse_counts, ArmWeights, ChiSquareTest, CountsReport, Level, RatioEstimate, Stratum,
    TwoArmComparison, TwoByTwo,
};
use itaku_jp::{decode_field, strip_bom, SourceEncoding};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AnalysisCommand {
    /// 件数の表（層, 群, 人数, 受診者数）から効果の統計をすべて計算する
    Compare {
        /// 件数のCSV（UTF-8〔BOM可〕または CP932）。列: stratum, arm, n, attended（層, 群, 人数, 受診者数 も可）
        #[arg(long, value_name = "COUNTS.csv")]
        input: PathBuf,
        /// 出力形式
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// 信頼水準（既定 0.95）
        #[arg(long, default_value_t = 0.95)]
        level: f64,
        /// 割付比「通知のみ:通知＋電話」（割付比の検定に使う。既定 1:1）
        #[arg(long, default_value = "1:1", value_name = "A:B")]
        weights: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// 日本語の表
    Text,
    /// すべての統計量（JSON）
    Json,
}

pub fn run(cmd: &AnalysisCommand) -> anyhow::Result<ExitCode> {
    let AnalysisCommand::Compare {
        input,
        format,
        level,
        weights,
    } = cmd;
    let bytes =
        std::fs::read(input).with_context(|| format!("{} を読めません", input.display()))?;
    let strata = parse_counts(&bytes)?;
    let level = Level::new(*level).map_err(|e| anyhow::anyhow!("{e}"))?;
    let weights = parse_weights(weights)?;
    let report =
        analyse_counts(&strata, Some(weights), level).map_err(|e| anyhow::anyhow!("{e}"))?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print!("{}", render_text(&report, weights)),
    }
    Ok(ExitCode::SUCCESS)
}

fn parse_weights(s: &str) -> anyhow::Result<ArmWeights> {
    let parsed = s.split_once(':').and_then(|(a, b)| {
        Some(ArmWeights {
            control: a.trim().parse().ok()?,
            treated: b.trim().parse().ok()?,
        })
    });
    match parsed {
        Some(w) if w.control > 0 && w.treated > 0 => Ok(w),
        _ => bail!(
            "割付比「{s}」は「通知のみ:通知＋電話」の形の正の整数で指定してください（例: 1:1）"
        ),
    }
}

/// The file's encoding: a BOM or valid UTF-8 means UTF-8, anything else is
/// taken as CP932 (as municipal exports are), and must then decode cleanly.
fn decode(bytes: &[u8]) -> anyhow::Result<String> {
    let body = strip_bom(bytes);
    let encoding = if body.len() < bytes.len() || std::str::from_utf8(body).is_ok() {
        SourceEncoding::Utf8
    } else {
        SourceEncoding::Cp932
    };
    match decode_field(body, encoding) {
        Ok(d) => Ok(d.text),
        Err(e) => {
            let line = body[..e.offset.min(body.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            bail!("{line} 行目: 文字コードを読み取れません（UTF-8 でも CP932 でもない）: {e}")
        }
    }
}

const COLUMNS: [(&str, &[&str]); 4] = [
    ("stratum", &["stratum", "層", "区分", "segment"]),
    ("arm", &["arm", "群", "group"]),
    ("n", &["n", "人数", "対象者数"]),
    ("attended", &["attended", "受診者数", "受診数"]),
];

/// Which arm a label names.
fn arm(label: &str) -> Option<bool> {
    let l = label.trim().replace('+', "＋");
    match l.as_str() {
        "通知＋電話" | "treated" | "treatment" | "call" | "介入" | "電話" | "1" => {
            Some(true)
        }
        "通知のみ" | "control" | "letter" | "対照" | "0" => Some(false),
        _ => None,
    }
}

/// Parses the counts CSV into strata, in first-appearance order. Errors name
/// the line (1-based, header = line 1).
pub fn parse_counts(bytes: &[u8]) -> anyhow::Result<Vec<Stratum>> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .context("1 行目: 見出し行を読めません")?
        .clone();
    let mut idx = [0usize; 4];
    for (k, (name, aliases)) in COLUMNS.iter().enumerate() {
        idx[k] = headers
            .iter()
            .position(|h| aliases.iter().any(|a| h.trim().eq_ignore_ascii_case(a)))
            .with_context(|| {
                format!(
                    "1 行目: 列「{name}」（{}）がありません",
                    aliases.join(" / ")
                )
            })?;
    }
    let mut order: Vec<String> = Vec::new();
    let mut cells: HashMap<(String, bool), (u64, u64, u64)> = HashMap::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            anyhow::anyhow!("{line} 行目: CSV として読めません: {e}")
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |k: usize| rec.get(idx[k]).unwrap_or("").trim();
        let stratum = field(0).to_owned();
        if stratum.is_empty() {
            bail!("{line} 行目: 層が空です");
        }
        let treated = arm(field(1)).with_context(|| {
            format!(
                "{line} 行目: 群「{}」が分かりません（通知のみ / 通知＋電話、control / treated）",
                field(1)
            )
        })?;
        let count = |k: usize, what: &str| -> anyhow::Result<u64> {
            field(k).parse::<u64>().with_context(|| {
                format!(
                    "{line} 行目: {what}「{}」が 0 以上の整数ではありません",
                    field(k)
                )
            })
        };
        let n = count(2, "人数")?;
        let attended = count(3, "受診者数")?;
        if attended > n {
            bail!("{line} 行目: 受診者数 {attended} が人数 {n} を超えています");
        }
        if let Some((_, _, first)) = cells.get(&(stratum.clone(), treated)) {
            bail!(
                "{line} 行目: 層「{stratum}」の群「{}」は {first} 行目にもあります",
                arm_label(treated)
            );
        }
        if !order.contains(&stratum) {
            order.push(stratum.clone());
        }
        cells.insert((stratum, treated), (n, attended, line));
    }
    if order.is_empty() {
        bail!("データ行がありません（見出し行の下に 層, 群, 人数, 受診者数 を書いてください）");
    }
    Ok(order
        .into_iter()
        .map(|label| {
            let get = |t: bool| {
                cells
                    .get(&(label.clone(), t))
                    .map_or((0, 0), |c| (c.0, c.1))
            };
            let (n1, a1) = get(true);
            let (n0, a0) = get(false);
            Stratum {
                table: TwoByTwo::from_cells(a1, n1 - a1, a0, n0 - a0),
                label,
            }
        })
        .collect())
}

fn arm_label(treated: bool) -> &'static str {
    if treated {
        "通知＋電話"
    } else {
        "通知のみ"
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn pt(x: f64) -> String {
    format!("{:+.1}", x * 100.0)
}

fn p(x: f64) -> String {
    if x < 0.0001 {
        format!("{x:.2e}")
    } else {
        format!("{x:.4}")
    }
}

fn chi(name: &str, t: &Option<ChiSquareTest>, out: &mut String) {
    if let Some(t) = t {
        let _ = writeln!(
            out,
            "  {name}: χ² = {:.4}（自由度 {}）, p = {}",
            t.statistic,
            t.df,
            p(t.p_value)
        );
    }
}

fn ratio(name: &str, r: &RatioEstimate, out: &mut String) {
    let _ = writeln!(
        out,
        "  {name}: {:.4}（95%CI {:.4}〜{:.4}）{}",
        r.estimate,
        r.ci.lower,
        r.ci.upper,
        if r.zero_cell_corrected {
            "　※0のセルがあるため各セルに0.5を加えた"
        } else {
            ""
        }
    );
}

fn comparison(c: &TwoArmComparison, out: &mut String) {
    for (name, prop) in [("通知＋電話", &c.treated), ("通知のみ", &c.control)] {
        let _ = writeln!(
            out,
            "  {name}: {} / {} 人 = {}（Wilson 95%CI {}〜{}）",
            prop.events,
            prop.n,
            pct(prop.estimate),
            pct(prop.ci.lower),
            pct(prop.ci.upper)
        );
    }
    let rd = &c.risk_difference;
    let _ = writeln!(
        out,
        "  受診率の差: {} ポイント（Newcombe 95%CI {}〜{}; Wald {}〜{}）",
        pt(rd.estimate),
        pt(rd.newcombe.lower),
        pt(rd.newcombe.upper),
        pt(rd.wald.lower),
        pt(rd.wald.upper)
    );
    ratio("リスク比（Katz）", &c.risk_ratio, out);
    ratio("オッズ比（Woolf）", &c.odds_ratio, out);
    chi("Pearson", &c.pearson, out);
    chi("Yates 補正", &c.yates, out);
    chi("尤度比 G", &c.likelihood_ratio, out);
    let f = &c.fisher;
    let _ = writeln!(
        out,
        "  Fisher 正確検定: 両側 p = {}, mid-P = {}{}",
        p(f.p_value),
        p(f.mid_p),
        if c.show_fisher {
            "　※期待度数 5 未満のセルがあるため、こちらを採用"
        } else {
            ""
        }
    );
}

/// The report as Japanese text.
pub fn render_text(r: &CountsReport, w: ArmWeights) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "■ 全体（層を合算）");
    comparison(&r.overall, &mut out);
    let _ = writeln!(
        out,
        "\n■ 層別（効果の大きい順。p値は Holm / Benjamini–Hochberg 調整つき）"
    );
    for s in &r.strata {
        let _ = writeln!(out, "【{}】", s.segment);
        match (&s.comparison, &s.problem) {
            (Some(c), _) => {
                comparison(c, &mut out);
                if let (Some(p0), Some(h), Some(b)) = (s.p_value, s.p_holm, s.p_bh) {
                    let _ = writeln!(out, "  p = {}（Holm {}、BH {}）", p(p0), p(h), p(b));
                }
            }
            (None, Some(problem)) => {
                let _ = writeln!(out, "  比較できません: {problem}");
            }
            (None, None) => {}
        }
    }
    let mh = &r.mantel_haenszel;
    let _ = writeln!(
        out,
        "\n■ 層をまたいだ要約（Mantel–Haenszel、{} 層）",
        mh.strata
    );
    if let Some(o) = &mh.odds_ratio {
        ratio("MH オッズ比（RBG）", o, &mut out);
    }
    if let Some(o) = &mh.risk_ratio {
        ratio("MH リスク比", o, &mut out);
    }
    if let Some(d) = &mh.risk_difference {
        let _ = writeln!(
            out,
            "  MH 受診率の差: {} ポイント（Sato 95%CI {}〜{}）",
            pt(d.estimate),
            pt(d.ci.lower),
            pt(d.ci.upper)
        );
    }
    chi("CMH 検定（補正なし・主）", &mh.cmh, &mut out);
    chi("CMH 検定（連続補正）", &mh.cmh_corrected, &mut out);
    chi(
        "Breslow–Day（Tarone 補正・主）",
        &mh.breslow_day_tarone,
        &mut out,
    );
    chi("Breslow–Day（補正なし）", &mh.breslow_day, &mut out);
    if !mh.uninformative.is_empty() {
        let _ = writeln!(out, "  情報のない層: {}", mh.uninformative.join("、"));
    }
    if let Some(s) = &r.sample_ratio {
        let _ =
            writeln!(
            out,
            "\n■ 割付比の検定（設計 通知のみ:通知＋電話 = {}:{}）\n  全体: χ² = {:.4}, p = {}{}",
            w.control,
            w.treated,
            s.chi2,
            p(s.p_value),
            if s.mismatch { "　⚠ 割付比が設計と食い違っています（p < 0.001）" } else { "" }
        );
        for st in r
            .sample_ratio_by_stratum
            .iter()
            .filter(|s| s.check.mismatch)
        {
            let _ = writeln!(out, "  ⚠ 層「{}」: p = {}", st.label, p(st.check.p_value));
        }
    }
    let _ = writeln!(out, "\n■ 提言");
    for rec in &r.recommendations {
        let _ = writeln!(out, "  ・{}", rec.text);
    }
    out
}
