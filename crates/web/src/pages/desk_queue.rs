//! The 責任者's desk queue: notes the screen held (release or delete) and
//! the voucher re-issues waiting for the batch print.

use super::desk::{desk_choice, desk_of};
use super::render;
use crate::ctx::Authed;
use crate::error::{public_message, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_service::{HeldNoteView, ReissueView, ServiceError};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "desk_queue.html")]
struct QueuePage {
    layout: Layout,
    label: String,
    base: String,
    /// The campaigns pages of this contract and purpose (print register).
    campaigns: String,
    held: Vec<HeldNoteView>,
    queued: Vec<ReissueView>,
    printed: Vec<ReissueView>,
    notice: Option<String>,
    error: Option<String>,
}

pub async fn queue_home(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    desk_choice(&st, &a, "/queue").await
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn queue_page(
    st: &AppState,
    a: &Authed,
    contract: i64,
    purpose: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let d = desk_of(st, a, contract, purpose).await?;
    let held = st.svc.held_notes(&d.actor).await?;
    let queued = st.svc.reissue_queue(&d.actor, false).await?;
    let printed = st.svc.reissue_queue(&d.actor, true).await?;
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/desk/queue");
    let status = if error.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        render(&QueuePage {
            layout,
            label: d.label,
            base: d.base,
            campaigns: format!("/c/{contract}/{purpose}/campaigns"),
            held,
            queued,
            printed: printed.into_iter().take(50).collect(),
            notice,
            error,
        })?,
    )
        .into_response())
}

pub async fn queue(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, WebError> {
    let notice = q.done.map(|d| match d.as_str() {
        "released" => "メモを確認し、記録に残しました。".to_owned(),
        "deleted" => "メモを削除しました。".to_owned(),
        runs => format!("再発行分を一括印刷に回しました（印刷番号 {runs}）。下の印刷済み一覧からPDFを取得できます。"),
    });
    queue_page(&st, &a, contract, &purpose, notice, None).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

pub async fn review(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, act)): Path<(i64, String, i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let release = match act.as_str() {
        "release" => true,
        "delete" => false,
        _ => return Err(WebError::NotFound),
    };
    let d = desk_of(&st, &a, contract, &purpose).await?;
    match st.svc.review_note(&d.actor, id, release).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "{}/queue?done={}",
            d.base,
            if release { "released" } else { "deleted" }
        ))
        .into_response()),
        Err(e @ ServiceError::Conflict(_)) => {
            queue_page(&st, &a, contract, &purpose, None, Some(public_message(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn print(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let d = desk_of(&st, &a, contract, &purpose).await?;
    match st.svc.print_reissues(&d.actor).await {
        Ok(runs) => {
            let refs: Vec<String> = runs.iter().map(|r| r.run_ref.clone()).collect();
            Ok(Redirect::to(&format!("{}/queue?done={}", d.base, refs.join(","))).into_response())
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            queue_page(&st, &a, contract, &purpose, None, Some(public_message(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}
