//! The ward's returned questionnaires (seed 003: 「アンケート集計後、アンケ
//! ートを返却させ」): the list with each certificate's state, and one
//! returned questionnaire opened — charts, counts and every free-text
//! answer — with its certificate of erasure and the JSON to keep.

use super::render;
use super::ward_common::require_ward_staff;
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
    aggregate_svg, AnketoReturnView, CountCell, QuestionAggregate, ReturnedQuestionnaire,
    DEFAULT_THRESHOLD,
};
use itaku_service::ServiceError;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ward/questionnaires/returns", get(list))
        .route("/ward/questionnaires/returns/{id}", get(one))
        .route(
            "/ward/questionnaires/returns/{id}/certificate.json",
            get(certificate_json),
        )
}

const CURRENT: &str = "/ward/questionnaires";

#[derive(Template)]
#[template(path = "anketo_returned_list.html")]
struct ListPage {
    layout: Layout,
    returns: Vec<AnketoReturnView>,
}

async fn list(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let returns = st.svc.returned_questionnaires(&a.actor()).await?;
    Ok(render(&ListPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, CURRENT),
        returns,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
struct OneQuery {
    #[serde(default)]
    k: Option<u64>,
}

#[derive(Template)]
#[template(path = "anketo_returned.html")]
struct OnePage {
    layout: Layout,
    r: ReturnedQuestionnaire,
    sections: Vec<(QuestionAggregate, Option<String>)>,
    certificate: Vec<String>,
}

impl OnePage {
    fn cell(&self, c: &CountCell) -> String {
        c.text(self.r.aggregate.threshold)
    }
}

async fn one(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Query(q): Query<OneQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let r = st
        .svc
        .returned_questionnaire(&a.actor(), id, q.k.unwrap_or(DEFAULT_THRESHOLD))
        .await?;
    let k = r.aggregate.threshold;
    let sections = r
        .aggregate
        .questions
        .iter()
        .filter(|x| !x.rows.is_empty())
        .map(|x| (x.clone(), aggregate_svg(x, k)))
        .collect();
    let certificate = r
        .ret
        .certificate
        .as_ref()
        .map(|c| c.lines())
        .unwrap_or_default();
    Ok(render(&OnePage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, CURRENT),
        r,
        sections,
        certificate,
    })?
    .into_response())
}

async fn certificate_json(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let cert = st
        .svc
        .returned_questionnaires(&a.actor())
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .and_then(|r| r.certificate)
        .ok_or_else(ServiceError::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"anketo-erasure-{id}.json\""),
            ),
        ],
        cert.to_json()?,
    )
        .into_response())
}
