//! The published analysis as Japanese text tables, shared by the report page
//! and its PDF so both say exactly the same thing.

use super::format::{chi, comparison, p, pct, pt, ratio, s};
use super::report::CampaignAnalysis;
use serde::Serialize;

/// A table of text cells.
#[derive(Debug, Clone, Serialize)]
pub struct TextTable {
    pub id: String,
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub id: String,
    pub heading: String,
    /// Shown as a warning (e.g. the reached-only comparison is biased).
    pub warning: Option<String>,
    pub lines: Vec<String>,
    pub tables: Vec<TextTable>,
}

/// The report's sections, in order.
pub fn sections(a: &CampaignAnalysis) -> Vec<Section> {
    let mut out = Vec::new();
    out.push(Section {
        id: "overview".into(),
        heading: "概要".into(),
        warning: None,
        lines: vec![
            format!("{}（{}）", a.campaign_name, a.fiscal_year_label),
            format!("分析した人数: {}人（{} と {} に無作為に割り付けた人）", a.persons, a.control_label, a.treated_label),
            format!("割付の対象外（電話番号なし等）: {}人、生年月日・性別の欠けで除外: {}人", a.not_randomised, a.incomplete),
            format!("受診の判定: 健診結果の受診日が {} から {} の人を「受診」とする", a.window.0, a.window.1),
            format!("公表する表は {}人未満のセルを＊で隠し、合計から逆算できないよう補助的な秘匿も行っている", a.rule.threshold),
        ],
        tables: Vec::new(),
    });
    out.push(Section {
        id: "tables".into(),
        heading: "集計表（公表用）".into(),
        warning: None,
        lines: Vec::new(),
        tables: a
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut header = vec![String::new()];
                header.extend(t.column_labels.iter().cloned());
                header.push("計".into());
                let mut rows: Vec<Vec<String>> = t
                    .row_labels
                    .iter()
                    .enumerate()
                    .map(|(r, l)| {
                        let mut row = vec![l.clone()];
                        row.extend(
                            t.table.cells[r]
                                .iter()
                                .map(|c| c.map_or("＊".into(), |v| v.to_string())),
                        );
                        row.push(t.table.row_totals[r].to_string());
                        row
                    })
                    .collect();
                let mut total = vec!["計".to_owned()];
                total.extend(t.table.column_totals.iter().map(u64::to_string));
                total.push(t.table.total.to_string());
                rows.push(total);
                TextTable {
                    id: format!("published-{i}"),
                    caption: t.title.clone(),
                    header,
                    rows,
                }
            })
            .collect(),
    });
    out.push(Section {
        id: "itt".into(),
        heading: "主解析: 割付どおりの比較（ITT）".into(),
        warning: None,
        lines: vec!["電話がつながったかどうかに関わらず、割り付けた群のまま比較する（効果の判断はこれによる）。".into()],
        tables: vec![comparison("itt-table", "全体", &a.itt.itt, a)],
    });
    let mut secondary = vec![format!(
        "{} の接触率: {}（{}／{}人）",
        a.treated_label,
        pct(a.itt.contact_rate.estimate),
        a.itt.contact_rate.events,
        a.itt.contact_rate.n
    )];
    match &a.itt.complier {
        Some(c) => secondary.push(format!(
            "接触した人への効果（CACE = ITT ÷ 接触率の差）: {} ポイント（95%CI {}〜{}、p={}）",
            pt(c.estimate),
            pt(c.ci.lower),
            pt(c.ci.upper),
            p(c.p_value)
        )),
        None => secondary.push("接触率に差がないため CACE は計算していない。".into()),
    }
    out.push(Section {
        id: "reached".into(),
        heading: "副次解析: 接触できた人だけの比較と CACE".into(),
        warning: Some(a.itt.reached_only_label.clone()),
        lines: secondary,
        tables: a
            .itt
            .reached_only
            .iter()
            .map(|c| comparison("reached-table", "接触できた人（偏りあり）", c, a))
            .collect(),
    });
    let seg_rows: Vec<Vec<String>> = a
        .segments
        .iter()
        .filter_map(|e| {
            let c = e.comparison.as_ref()?;
            Some(vec![
                e.segment.clone(),
                format!("{}（{}人）", pct(c.control.estimate), c.control.n),
                format!("{}（{}人）", pct(c.treated.estimate), c.treated.n),
                format!(
                    "{}（{}〜{}）",
                    pt(c.risk_difference.estimate),
                    pt(c.risk_difference.newcombe.lower),
                    pt(c.risk_difference.newcombe.upper)
                ),
                e.p_value.map_or("—".into(), p),
                e.p_holm.map_or("—".into(), p),
                e.p_bh.map_or("—".into(), p),
            ])
        })
        .collect();
    let mh = &a.counts.mantel_haenszel;
    let mut mh_lines = Vec::new();
    if let Some(o) = &mh.odds_ratio {
        mh_lines.push(format!(
            "Mantel–Haenszel オッズ比（RBG 95%CI）: {}",
            ratio(o)
        ));
    }
    if let Some(r) = &mh.risk_ratio {
        mh_lines.push(format!("MH リスク比: {}", ratio(r)));
    }
    if let Some(d) = &mh.risk_difference {
        mh_lines.push(format!(
            "MH 受診率の差（Sato 95%CI）: {} ポイント（{}〜{}）",
            pt(d.estimate),
            pt(d.ci.lower),
            pt(d.ci.upper)
        ));
    }
    mh_lines.push(format!(
        "Cochran–Mantel–Haenszel 検定（補正なし・主）: {}",
        chi(&mh.cmh)
    ));
    mh_lines.push(format!(
        "区分によって効果が違うか（Breslow–Day、Tarone 補正・主）: {}",
        chi(&mh.breslow_day_tarone)
    ));
    mh_lines.push(format!(
        "Breslow–Day（補正なし、参考）: {}",
        chi(&mh.breslow_day)
    ));
    if !a.withheld_segments.is_empty() {
        mh_lines.push(format!(
            "人数が少ないため区分別の効果を公表しない区分: {}",
            a.withheld_segments.join("、")
        ));
    }
    out.push(Section {
        id: "segments".into(),
        heading: "区分別の効果（効果の大きい順、多重比較の調整つき）".into(),
        warning: None,
        lines: mh_lines,
        tables: vec![TextTable {
            id: "segment-table".into(),
            caption: "区分別の受診率と差（p値は期待度数5未満なら Fisher、それ以外は Pearson）"
                .into(),
            header: [
                "区分",
                &a.control_label,
                &a.treated_label,
                "差（Newcombe 95%CI）",
                "p",
                "Holm",
                "BH",
            ]
            .iter()
            .map(|x| (*x).to_owned())
            .collect(),
            rows: seg_rows,
        }],
    });
    let mut model_lines = Vec::new();
    let mut model_tables = Vec::new();
    match &a.logistic {
        Some(l) => {
            model_lines.push(format!(
                "群の尤度比検定（群を除いたモデルとの比較）: {}",
                chi(&Some(l.lr_arm.clone()))
            ));
            model_tables.push(TextTable {
                id: "logistic-table".into(),
                caption: format!(
                    "ロジスティック回帰（{}人、{}回の反復）",
                    l.full.n, l.full.iterations
                ),
                header: vec![
                    s("項"),
                    s("係数"),
                    s("標準誤差"),
                    s("オッズ比（95%CI）"),
                    s("Wald p"),
                ],
                rows: l
                    .full
                    .coefficients
                    .iter()
                    .map(|c| {
                        vec![
                            c.label.clone(),
                            format!("{:.4}", c.estimate),
                            format!("{:.4}", c.se),
                            format!(
                                "{:.3}（{:.3}〜{:.3}）",
                                c.odds_ratio,
                                c.ci.lower.exp(),
                                c.ci.upper.exp()
                            ),
                            p(c.p_value),
                        ]
                    })
                    .collect(),
            });
        }
        None => model_lines.push(format!(
            "ロジスティック回帰は計算できなかった: {}",
            a.logistic_problem.clone().unwrap_or_default()
        )),
    }
    match &a.qini {
        Some(q) => model_lines.push(format!(
            "T-learner（群ごとのロジスティック回帰）による効果予測の Qini 係数: {:.4}（正なら、予測の大きい人から電話すると無作為より多く受診が増える）",
            q.coefficient
        )),
        None => model_lines.push(format!(
            "効果予測（T-learner）は計算できなかった: {}",
            a.uplift_problem.clone().unwrap_or_default()
        )),
    }
    out.push(Section {
        id: "model".into(),
        heading: "調整解析: 年齢・性別・区分をそろえた比較".into(),
        warning: None,
        lines: model_lines,
        tables: model_tables,
    });
    let mut srm = vec![format!(
        "割付比の検定（{}）: χ²={:.3}、p={}{}",
        a.srm.method,
        a.srm.chi2,
        p(a.srm.p_value),
        if a.srm.mismatch {
            "　⚠ 設計の比率と食い違っている（p < 0.001）"
        } else {
            "　問題なし"
        }
    )];
    for s in &a.srm_alarms {
        srm.push(format!(
            "⚠ 割付の層「{}」で食い違い（p={}）",
            s.label,
            p(s.check.p_value)
        ));
    }
    match &a.next_year {
        Some(n) => srm.push(format!(
            "来年度の必要人数: 今年と同じ差（{} 対 {}）を有意水準{:.0}%・検出力{:.0}%で検出するには、各群 {}人・{}人（計 {}人）",
            pct(a.itt.itt.treated.estimate),
            pct(a.itt.itt.control.estimate),
            (1.0 - a.options.level) * 100.0,
            n.target_power * 100.0,
            n.n2,
            n.n1,
            n.total
        )),
        None => srm.push("両群の受診率が同じため、来年度の必要人数は計算できない。".into()),
    }
    out.push(Section {
        id: "design".into(),
        heading: "割付の確認と来年度の規模".into(),
        warning: if a.srm.mismatch || !a.srm_alarms.is_empty() {
            Some("割付比が設計と食い違っています。割付やデータの取り込みに誤りがないか確認してください。".into())
        } else {
            None
        },
        lines: srm,
        tables: Vec::new(),
    });
    out.push(Section {
        id: "methods".into(),
        heading: "方法と約束事".into(),
        warning: None,
        lines: METHODS.iter().map(|l| (*l).to_owned()).collect(),
        tables: Vec::new(),
    });
    out
}

/// README.md ("Methods and conventions") in brief.
const METHODS: &[&str] = &[
    "比較はすべて「通知＋電話」−（または ÷）「通知のみ」。差は正なら電話の群のほうが受診が多い。区間はすべて両側95%。",
    "主解析は割付どおりの比較（ITT）。電話がつながった人だけの比較は偏りがあるため参考にとどめる。CACE は ITT の差 ÷ 接触率の差（デルタ法の区間）。",
    "受診率の区間は Wilson、差の区間は Newcombe の hybrid score 法（Wald は参考）、リスク比は Katz の対数法、オッズ比は Woolf の対数法。0 のセルがあるときは全セルに 0.5 を加える。",
    "期待度数が5未満のセルがあるときは Fisher の正確検定（両側、mid-P も表示）を採用する。",
    "区分をまたいだ要約は Mantel–Haenszel（OR は Robins–Breslow–Greenland、RD は Sato の分散）。効果が区分で違うかは Breslow–Day（Tarone 補正を主とする）。",
    "ロジスティック回帰は群＋年齢＋性別＋区分（基準: 男性、区分は名前順で最初のもの）を IRLS で推定し、群の効果は Wald 検定と尤度比検定で調べる。",
    "区分別の p 値は Holm（家族単位の誤り）と Benjamini–Hochberg（偽発見率）で調整する。",
    "割付比の検定は Pearson の適合度検定で、p < 0.001 を警告とする（全体と割付の層ごと）。",
    "来年度の必要人数は2群の比率の比較の正規近似（Fleiss, Levin & Paik、連続補正なし）。",
    "どの区分から電話するかは、区分別の差の95%CIが0を上回るかどうかで判断する。T-learner と Qini 曲線で、効果の予測の大きい人から電話する価値を確かめる。",
    "公表する表は小さいセル（既定10人未満）を隠し、行・列に隠したセルが1つだけにならないよう補助的に隠す。合計は公表する。",
];
