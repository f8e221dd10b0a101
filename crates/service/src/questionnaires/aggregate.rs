//! Aggregation with small cells suppressed, as published: counts and
//! percentages per question (a multiple-choice question counted per choice,
//! over the respondents who answered it), scale distributions and means,
//! cross tabs of two questions, and the free-text answers after the
//! sensitive-content screen.
//!
//! Suppression: a count of 1..threshold-1 is shown as 「<5」 (primary);
//! when a line would then have exactly one hidden cell, which its published
//! total would reveal, the smallest other non-zero cell is hidden too
//! (complementary, shown as 「＊」). Cross tabs use the same rule as the
//! effect-analysis report (itaku_analysis::effect::suppress).

use super::answer::shown;
use super::{Answer, Answers, QuestionKind, QuestionnaireView};
use itaku_analysis::effect::{suppress, SuppressionRule};
use serde::{Deserialize, Serialize};

/// A published count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountCell {
    Shown(u64),
    /// Below the threshold.
    Small,
    /// Hidden so that a total cannot reveal a small one.
    Hidden,
}

impl CountCell {
    pub fn value(self) -> Option<u64> {
        match self {
            CountCell::Shown(v) => Some(v),
            _ => None,
        }
    }
    pub fn text(self, threshold: u64) -> String {
        match self {
            CountCell::Shown(v) => v.to_string(),
            CountCell::Small => format!("<{threshold}"),
            CountCell::Hidden => "＊".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountRow {
    pub label: String,
    pub count: CountCell,
    /// Of the question's respondents, when the count is shown.
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionAggregate {
    pub question_id: i64,
    pub number: usize,
    pub text: String,
    pub kind: QuestionKind,
    /// Respondents who answered this question (the denominator).
    pub answered: u64,
    pub rows: Vec<CountRow>,
    /// Scale questions: the mean, when at least `threshold` answered.
    pub mean: Option<f64>,
    /// Free text that passed the screen.
    pub texts: Vec<String>,
    /// Free text held back because the screen flagged it.
    pub texts_withheld: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossTab {
    pub row_question: usize,
    pub column_question: usize,
    pub row_labels: Vec<String>,
    pub column_labels: Vec<String>,
    pub cells: Vec<Vec<CountCell>>,
    pub row_totals: Vec<u64>,
    pub column_totals: Vec<u64>,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub questionnaire_id: i64,
    pub title: String,
    pub respondents: u64,
    pub online: u64,
    pub paper: u64,
    pub threshold: u64,
    pub questions: Vec<QuestionAggregate>,
}

/// The categories a question is counted in: choice labels, or scale points.
fn categories(def: &QuestionnaireView, qid: i64) -> Vec<String> {
    let Some(q) = def.question(qid) else {
        return Vec::new();
    };
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => q.choices.clone(),
        QuestionKind::Scale => q
            .scale_points()
            .iter()
            .map(|p| match (*p == q.scale.0, *p == q.scale.1) {
                (true, _) if !q.min_label.is_empty() => format!("{p}（{}）", q.min_label),
                (_, true) if !q.max_label.is_empty() => format!("{p}（{}）", q.max_label),
                _ => p.to_string(),
            })
            .collect(),
        QuestionKind::Text => Vec::new(),
    }
}

/// 0-based category indexes an answer falls in.
fn indexes(def: &QuestionnaireView, qid: i64, a: Option<&Answer>) -> Vec<usize> {
    let lo = def.question(qid).map(|q| q.scale.0).unwrap_or(0);
    match a {
        Some(Answer::Choice(n)) => vec![(*n - 1) as usize],
        Some(Answer::Choices(v)) => v.iter().map(|n| (*n - 1) as usize).collect(),
        Some(Answer::Scale(n)) => vec![(*n - lo) as usize],
        _ => Vec::new(),
    }
}

/// Suppress one line of counts whose total is published.
pub(crate) fn suppress_line(counts: &[u64], threshold: u64) -> Vec<CountCell> {
    let mut out: Vec<CountCell> = counts
        .iter()
        .map(|&c| {
            if c > 0 && c < threshold {
                CountCell::Small
            } else {
                CountCell::Shown(c)
            }
        })
        .collect();
    let hidden = out.iter().filter(|c| c.value().is_none()).count();
    if hidden == 1 {
        let pick = out
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.value().map(|v| (i, v)))
            .filter(|(_, v)| *v > 0)
            .min_by_key(|(_, v)| *v)
            .or_else(|| {
                out.iter()
                    .enumerate()
                    .find_map(|(i, c)| c.value().map(|v| (i, v)))
            });
        if let Some((i, _)) = pick {
            out[i] = CountCell::Hidden;
        }
    }
    out
}

fn percent(c: CountCell, of: u64) -> Option<f64> {
    c.value()
        .filter(|_| of > 0)
        .map(|v| (v as f64 * 1000.0 / of as f64).round() / 10.0)
}

/// Aggregate `responses` of `def` with cells under `threshold` suppressed.
pub fn aggregate(
    def: &QuestionnaireView,
    responses: &[(String, Answers)],
    threshold: u64,
) -> Aggregate {
    let mut questions = Vec::new();
    for q in &def.questions {
        let answered: Vec<&Answer> = responses.iter().filter_map(|(_, a)| a.get(&q.id)).collect();
        let n = answered.len() as u64;
        let mut agg = QuestionAggregate {
            question_id: q.id,
            number: q.number,
            text: q.text.clone(),
            kind: q.kind,
            answered: n,
            rows: Vec::new(),
            mean: None,
            texts: Vec::new(),
            texts_withheld: 0,
        };
        if q.kind == QuestionKind::Text {
            for a in &answered {
                if let Answer::Text(t) = a {
                    if itaku_jp::sensitive::screen(t).is_empty() {
                        agg.texts.push(t.clone());
                    } else {
                        agg.texts_withheld += 1;
                    }
                }
            }
        } else {
            let labels = categories(def, q.id);
            let mut counts = vec![0u64; labels.len()];
            for a in &answered {
                for i in indexes(def, q.id, Some(a)) {
                    if let Some(c) = counts.get_mut(i) {
                        *c += 1;
                    }
                }
            }
            let cells = suppress_line(&counts, threshold);
            agg.rows = labels
                .into_iter()
                .zip(cells)
                .map(|(label, count)| CountRow {
                    label,
                    percent: percent(count, n),
                    count,
                })
                .collect();
            if q.kind == QuestionKind::Scale && n >= threshold && n > 0 {
                let sum: i64 = answered
                    .iter()
                    .map(|a| match a {
                        Answer::Scale(v) => *v,
                        _ => 0,
                    })
                    .sum();
                agg.mean = Some((sum as f64 * 100.0 / n as f64).round() / 100.0);
            }
        }
        questions.push(agg);
    }
    let count = |ch: &str| responses.iter().filter(|(c, _)| c == ch).count() as u64;
    Aggregate {
        questionnaire_id: def.id,
        title: def.title.clone(),
        respondents: responses.len() as u64,
        online: count("online"),
        paper: count("paper"),
        threshold,
        questions,
    }
}

/// Cross tab of two counted questions over respondents who answered both
/// (a multiple-choice answer counts in each chosen category).
pub fn cross_tab(
    def: &QuestionnaireView,
    responses: &[Answers],
    row_q: i64,
    col_q: i64,
    threshold: u64,
) -> Option<CrossTab> {
    let (rq, cq) = (def.question(row_q)?, def.question(col_q)?);
    if rq.kind == QuestionKind::Text || cq.kind == QuestionKind::Text || row_q == col_q {
        return None;
    }
    let (rl, cl) = (categories(def, row_q), categories(def, col_q));
    let mut counts = vec![vec![0u64; cl.len()]; rl.len()];
    for a in responses {
        if !shown(rq, a) || !shown(cq, a) {
            continue;
        }
        for i in indexes(def, row_q, a.get(&row_q)) {
            for j in indexes(def, col_q, a.get(&col_q)) {
                if let Some(c) = counts.get_mut(i).and_then(|r| r.get_mut(j)) {
                    *c += 1;
                }
            }
        }
    }
    let rule = SuppressionRule {
        threshold,
        suppress_zero: false,
    };
    let cells: Vec<Vec<CountCell>> = match suppress(&counts, rule) {
        Ok(t) => t
            .cells
            .iter()
            .enumerate()
            .map(|(i, r)| {
                r.iter()
                    .enumerate()
                    .map(|(j, c)| match c {
                        Some(v) => CountCell::Shown(*v),
                        None if t.primary.contains(&(i, j)) => CountCell::Small,
                        None => CountCell::Hidden,
                    })
                    .collect()
            })
            .collect(),
        // A table too small to protect by complements: hide every
        // non-zero cell, keep the totals.
        Err(_) => counts
            .iter()
            .map(|r| {
                r.iter()
                    .map(|&v| match v {
                        0 => CountCell::Shown(0),
                        v if v < threshold => CountCell::Small,
                        _ => CountCell::Hidden,
                    })
                    .collect()
            })
            .collect(),
    };
    let row_totals: Vec<u64> = counts.iter().map(|r| r.iter().sum()).collect();
    let column_totals: Vec<u64> = (0..cl.len())
        .map(|j| counts.iter().map(|r| r[j]).sum())
        .collect();
    Some(CrossTab {
        row_question: rq.number,
        column_question: cq.number,
        row_labels: rl,
        column_labels: cl,
        cells,
        total: row_totals.iter().sum(),
        row_totals,
        column_totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_small_cell_takes_a_complement() {
        let c = suppress_line(&[10, 3, 7, 0], 5);
        assert_eq!(
            c,
            vec![
                CountCell::Shown(10),
                CountCell::Small,
                CountCell::Hidden,
                CountCell::Shown(0)
            ]
        );
        let c = suppress_line(&[10, 3, 2, 8], 5);
        assert_eq!(c[1], CountCell::Small);
        assert_eq!(c[2], CountCell::Small);
        assert_eq!(c[0], CountCell::Shown(10));
        assert_eq!(c[3], CountCell::Shown(8));
        assert_eq!(
            suppress_line(&[6, 9], 5),
            vec![CountCell::Shown(6), CountCell::Shown(9)]
        );
    }
}
