//! The contractor's aggregation page (charts drawn on the server, cross
//! tabs, suppression threshold) and the CSV and PDF exports.

use super::anketo::{here, layout};
use super::render;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use itaku_service::questionnaires::{
    aggregate_svg, CountCell, QuestionAggregate, Results, DEFAULT_THRESHOLD,
};
use itaku_service::ServiceError;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/c/{contract}/{purpose}/questionnaires/{id}/results",
            get(results),
        )
        .route(
            "/c/{contract}/{purpose}/questionnaires/{id}/results.csv",
            get(csv),
        )
        .route(
            "/c/{contract}/{purpose}/questionnaires/{id}/results.pdf",
            get(pdf),
        )
}

#[derive(Deserialize, Default)]
struct ResultsQuery {
    #[serde(default)]
    row: Option<i64>,
    #[serde(default)]
    col: Option<i64>,
    #[serde(default)]
    k: Option<u64>,
}

impl ResultsPage {
    fn cell(&self, c: &CountCell) -> String {
        c.text(self.r.aggregate.threshold)
    }
}

impl ResultsQuery {
    fn pairs(&self) -> Vec<(i64, i64)> {
        self.row.zip(self.col).into_iter().collect()
    }
    fn k(&self) -> u64 {
        self.k.unwrap_or(DEFAULT_THRESHOLD)
    }
    fn query(&self) -> String {
        let mut s = format!("?k={}", self.k());
        if let Some((r, c)) = self.row.zip(self.col) {
            s.push_str(&format!("&row={r}&col={c}"));
        }
        s
    }
}

#[derive(Template)]
#[template(path = "anketo_results.html")]
struct ResultsPage {
    layout: Layout,
    base: String,
    r: Results,
    /// Each question's aggregate with its chart.
    sections: Vec<(QuestionAggregate, Option<String>)>,
    /// Cross tabs as text: (caption, header, rows).
    tabs: Vec<(String, Vec<String>, Vec<Vec<String>>)>,
    query: String,
    row: i64,
    col: i64,
}

async fn results(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let r = st
        .svc
        .questionnaire_results(&h.actor, id, &q.pairs(), q.k())
        .await?;
    let k = r.aggregate.threshold;
    let sections = r
        .aggregate
        .questions
        .iter()
        .map(|x| (x.clone(), aggregate_svg(x, k)))
        .collect();
    let tabs = r
        .cross_tabs
        .iter()
        .map(|t| {
            let mut head = vec![String::new()];
            head.extend(t.column_labels.iter().cloned());
            head.push("計".into());
            let mut rows: Vec<Vec<String>> = t
                .row_labels
                .iter()
                .zip(&t.cells)
                .zip(&t.row_totals)
                .map(|((l, cells), total)| {
                    let mut row = vec![l.clone()];
                    row.extend(cells.iter().map(|c| c.text(k)));
                    row.push(total.to_string());
                    row
                })
                .collect();
            let mut last = vec!["計".to_owned()];
            last.extend(t.column_totals.iter().map(u64::to_string));
            last.push(t.total.to_string());
            rows.push(last);
            (
                format!("問{} × 問{}", t.row_question, t.column_question),
                head,
                rows,
            )
        })
        .collect();
    Ok(render(&ResultsPage {
        layout: layout(&a),
        base: h.base,
        r,
        sections,
        tabs,
        query: q.query(),
        row: q.row.unwrap_or_default(),
        col: q.col.unwrap_or_default(),
    })?
    .into_response())
}

fn attachment(content_type: &str, filename: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn csv(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let body = st
        .svc
        .questionnaire_csv(&h.actor, id, &q.pairs(), q.k())
        .await?;
    Ok(attachment(
        "text/csv; charset=Shift_JIS",
        format!("anketo-{id}.csv"),
        body,
    ))
}

async fn pdf(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let r = st
        .svc
        .questionnaire_results(&h.actor, id, &q.pairs(), q.k())
        .await?;
    // Typesetting takes a while: off the workers that answer other requests.
    let svc = st.svc.clone();
    let pdf = tokio::task::spawn_blocking(move || svc.aggregate_pdf(&r.aggregate, &r.cross_tabs))
        .await
        .map_err(|e| ServiceError::Internal(format!("anketo pdf task: {e}")))??;
    Ok(attachment(
        "application/pdf",
        format!("anketo-{id}.pdf"),
        pdf,
    ))
}
