//! Plain-Japanese recommendations from the per-segment effects.

use serde::Serialize;

use super::uplift::SegmentEffect;
use super::Level;

/// What the data say about calling a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// The CI of the risk difference lies above 0: call this segment, larger
    /// effects first.
    CallFirst,
    /// The CI includes 0: no effect of the call was seen.
    NoEffectSeen,
    /// The CI lies below 0: attendance was lower with the call.
    Lower,
    /// No comparison possible (an arm is empty).
    Undetermined,
}

/// One line of the recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Segment label.
    pub segment: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The sentence for the report.
    pub text: String,
}

/// Recommendations from `segment_effects` output, using the Newcombe CI of
/// the risk difference at `level`: segments to call first (largest effect
/// first), then segments with no effect seen, lower attendance, and those
/// that could not be judged. Effects are in percentage points (ポイント).
pub fn recommendations(effects: &[SegmentEffect], level: Level) -> Vec<Recommendation> {
    let pct = format!("{}", (level.get() * 1000.0).round() / 10.0);
    let mut out: Vec<Recommendation> = effects
        .iter()
        .map(|e| {
            let Some(c) = &e.comparison else {
                return Recommendation {
                    segment: e.segment.clone(),
                    verdict: Verdict::Undetermined,
                    text: format!(
                        "区分{}は片方の群に対象者がいないため、電話の効果を判断できない",
                        e.segment
                    ),
                };
            };
            let rd = &c.risk_difference;
            let detail = format!(
                "効果 {} ポイント、{pct}%CI {}〜{} ポイント",
                points(rd.estimate),
                points(rd.newcombe.lower),
                points(rd.newcombe.upper)
            );
            let (verdict, text) = if rd.newcombe.lower > 0.0 {
                (
                    Verdict::CallFirst,
                    format!("区分{}に先に電話する（{detail}）", e.segment),
                )
            } else if rd.newcombe.upper < 0.0 {
                (
                    Verdict::Lower,
                    format!(
                        "区分{}では電話した群の受診率が低かった。電話の内容を見直す（{detail}）",
                        e.segment
                    ),
                )
            } else {
                (
                    Verdict::NoEffectSeen,
                    format!("区分{}は電話の効果が見られない（{detail}）", e.segment),
                )
            };
            Recommendation {
                segment: e.segment.clone(),
                verdict,
                text,
            }
        })
        .collect();
    let key = |r: &Recommendation| match r.verdict {
        Verdict::CallFirst => 0,
        Verdict::NoEffectSeen => 1,
        Verdict::Lower => 2,
        Verdict::Undetermined => 3,
    };
    // `effects` is already ranked by effect; a stable sort keeps that order.
    out.sort_by_key(key);
    out
}

/// +a.b with a sign, in percentage points.
fn points(x: f64) -> String {
    let v = (x * 1000.0).round() / 10.0;
    if v == 0.0 {
        "0.0".into()
    } else {
        format!("{v:+.1}")
    }
}
