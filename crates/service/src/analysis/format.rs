//! Number formatting and the two-arm comparison table, for `present`.

use super::present::TextTable;
use super::report::CampaignAnalysis;
use itaku_analysis::effect::{ChiSquareTest, RatioEstimate, TwoArmComparison};

pub(super) fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}
pub(super) fn pt(x: f64) -> String {
    format!("{:+.1}", x * 100.0)
}
pub(super) fn p(x: f64) -> String {
    if x < 0.0001 {
        "< 0.0001".into()
    } else {
        format!("{x:.4}")
    }
}
pub(super) fn ratio(r: &RatioEstimate) -> String {
    format!(
        "{:.3}（{:.3}〜{:.3}）{}",
        r.estimate,
        r.ci.lower,
        r.ci.upper,
        if r.zero_cell_corrected {
            "※0.5補正"
        } else {
            ""
        }
    )
}
pub(super) fn chi(t: &Option<ChiSquareTest>) -> String {
    t.as_ref().map_or("—（周辺度数が0）".into(), |t| {
        format!("χ²={:.3}（自由度{}）p={}", t.statistic, t.df, p(t.p_value))
    })
}
pub(super) fn s(x: &str) -> String {
    x.to_owned()
}

pub(super) fn comparison(
    id: &str,
    caption: &str,
    c: &TwoArmComparison,
    a: &CampaignAnalysis,
) -> TextTable {
    let mut rows = vec![
        vec![
            format!("{} 受診率（Wilson 95%CI）", a.treated_label),
            format!(
                "{}／{}人 = {}（{}〜{}）",
                c.treated.events,
                c.treated.n,
                pct(c.treated.estimate),
                pct(c.treated.ci.lower),
                pct(c.treated.ci.upper)
            ),
        ],
        vec![
            format!("{} 受診率（Wilson 95%CI）", a.control_label),
            format!(
                "{}／{}人 = {}（{}〜{}）",
                c.control.events,
                c.control.n,
                pct(c.control.estimate),
                pct(c.control.ci.lower),
                pct(c.control.ci.upper)
            ),
        ],
        vec![
            s("受診率の差（Newcombe 95%CI）"),
            format!(
                "{} ポイント（{}〜{}）",
                pt(c.risk_difference.estimate),
                pt(c.risk_difference.newcombe.lower),
                pt(c.risk_difference.newcombe.upper)
            ),
        ],
        vec![
            s("受診率の差（Wald、参考）"),
            format!(
                "{}〜{} ポイント",
                pt(c.risk_difference.wald.lower),
                pt(c.risk_difference.wald.upper)
            ),
        ],
        vec![s("リスク比（Katz）"), ratio(&c.risk_ratio)],
        vec![s("オッズ比（Woolf）"), ratio(&c.odds_ratio)],
        vec![s("Pearson χ²"), chi(&c.pearson)],
        vec![s("Yates 補正 χ²"), chi(&c.yates)],
        vec![s("尤度比 G"), chi(&c.likelihood_ratio)],
    ];
    rows.push(vec![
        format!(
            "Fisher 正確検定{}",
            if c.show_fisher {
                "（期待度数5未満のため採用）"
            } else {
                ""
            }
        ),
        format!(
            "両側 p={}、mid-P={}",
            p(c.fisher.p_value),
            p(c.fisher.mid_p)
        ),
    ]);
    TextTable {
        id: id.into(),
        caption: caption.into(),
        header: vec![s("指標"), s("値")],
        rows,
    }
}
