//! Settling mismatched pages (a third person chooses, field by field,
//! between the two passes shown side by side) and the progress page.

use super::render;
use super::tainou::{back, Flash};
use super::tainou_entry::here;
use crate::ctx::Authed;
use crate::error::{public_message, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use itaku_service::tainou::{Progress, SettleRow, SettleView};
use itaku_service::ServiceError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/c/{contract}/{purpose}/tainou/settle", get(queue))
        .route(
            "/c/{contract}/{purpose}/tainou/settle/{page}",
            get(view).post(submit),
        )
        .route("/c/{contract}/{purpose}/tainou/progress", get(progress))
}

#[derive(Template)]
#[template(path = "tainou_settle_queue.html")]
struct QueuePage {
    layout: Layout,
    base: String,
    rows: Vec<SettleRow>,
    notice: Option<String>,
    error: Option<String>,
}

async fn queue(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let rows = st.svc.settle_queue(&h.actor).await?;
    Ok(render(&QueuePage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/tainou"),
        base: h.base,
        rows,
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "tainou_settle.html")]
struct SettlePage {
    layout: Layout,
    base: String,
    v: SettleView,
    error: Option<String>,
}

async fn view(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, page)): Path<(i64, String, i64)>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    match st.svc.settle_view(&h.actor, page).await {
        Ok(v) => Ok(render(&SettlePage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/tainou"),
            base: h.base,
            v,
            error: None,
        })?
        .into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            back(&format!("{}/settle", h.base), Err(e))
        }
        Err(e) => Err(e.into()),
    }
}

/// Choices arrive as `c_{line}_{field}` = 1 or 2.
fn choices(form: &[(String, String)]) -> Vec<(usize, usize, u8)> {
    form.iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix("c_")?;
            let (l, f) = rest.split_once('_')?;
            Some((l.parse().ok()?, f.parse().ok()?, v.trim().parse().ok()?))
        })
        .collect()
}

async fn submit(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, page)): Path<(i64, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let csrf = form
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    a.check_csrf(csrf)?;
    match st.svc.settle_page(&h.actor, page, &choices(&form)).await {
        Ok(ids) => back(
            &format!("{}/settle", h.base),
            Ok(format!("照合した {} 行を台帳に登録しました。", ids.len())),
        ),
        Err(e @ ServiceError::Invalid(_)) => {
            let v = st.svc.settle_view(&h.actor, page).await?;
            Ok(render(&SettlePage {
                layout: Layout::for_session(&a.session, &a.ctx.request_id, "/tainou"),
                base: h.base,
                v,
                error: Some(public_message(&e)),
            })?
            .into_response())
        }
        Err(e @ ServiceError::Conflict(_)) => back(&format!("{}/settle", h.base), Err(e)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "tainou_progress.html")]
struct ProgressPage {
    layout: Layout,
    base: String,
    progress: Progress,
}

async fn progress(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let progress = st.svc.entry_progress(&h.actor, contract).await?;
    Ok(render(&ProgressPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/tainou"),
        base: h.base,
        progress,
    })?
    .into_response())
}
