//! 効果分析の報告 (issue 7): the analysis handler's report on one campaign —
//! tables, server-side SVG charts, ITT / reached-only / CACE, the allocation
//! check, multiplicity, next year's size, methods and recommendations — and
//! the same as a PDF and the suppressed tables as a CP932 CSV. The service
//! decides (only a purpose that may see 健診結果) and audits the read.

use super::render;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use itaku_core::ContractId;
use itaku_service::analysis::{
    charts, present::sections, present::Section, suppressed_tables_csv, AnalysisOptions,
    CampaignAnalysis,
};
use itaku_service::{Actor, ServiceError};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    /// Suppression threshold k (default 10).
    #[serde(default)]
    k: Option<u64>,
}

#[derive(Template)]
#[template(path = "analysis.html")]
struct ReportPage {
    layout: Layout,
    base: String,
    campaigns: String,
    a: CampaignAnalysis,
    charts: Vec<(String, String)>,
    sections: Vec<Section>,
    k: u64,
}

fn actor(a: &Authed, contract: i64, purpose: &str) -> Actor {
    a.actor()
        .in_contract(ContractId(contract), Some(purpose.to_owned()))
}

fn options(q: &ReportQuery) -> AnalysisOptions {
    AnalysisOptions {
        suppression_k: q.k.unwrap_or(10).clamp(1, 1000),
        ..AnalysisOptions::default()
    }
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let opts = options(&q);
    let analysis = st
        .svc
        .campaign_analysis(&actor(&a, contract, &purpose), id, opts)
        .await?;
    let page = ReportPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, ""),
        base: format!("/c/{contract}/{purpose}/analysis/{id}"),
        campaigns: format!("/c/{contract}/{purpose}/campaigns"),
        charts: charts(&analysis),
        sections: sections(&analysis),
        k: opts.suppression_k,
        a: analysis,
    };
    Ok(render(&page)?.into_response())
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

pub async fn pdf(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let analysis = st
        .svc
        .campaign_analysis(&actor(&a, contract, &purpose), id, options(&q))
        .await?;
    // Typesetting takes a while: off the workers that answer other requests.
    let svc = st.svc.clone();
    let pdf = tokio::task::spawn_blocking(move || svc.analysis_pdf(&analysis))
        .await
        .map_err(|e| ServiceError::Internal(format!("analysis pdf task: {e}")))??;
    Ok(attachment(
        "application/pdf",
        format!("analysis-{id}.pdf"),
        pdf,
    ))
}

pub async fn csv(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let analysis = st
        .svc
        .campaign_analysis(&actor(&a, contract, &purpose), id, options(&q))
        .await?;
    Ok(attachment(
        "text/csv; charset=Shift_JIS",
        format!("analysis-{id}.csv"),
        suppressed_tables_csv(&analysis)?,
    ))
}
