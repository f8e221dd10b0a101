//! Ward staff's side of the desk: the changes of address the contractor
//! passed on, marked as handled once the ward has applied them to its
//! register. (The desk's complaints are in the 苦情処理簿, pages/complaints.rs.)

use super::render;
use super::ward_common::require_ward_staff;
use crate::ctx::Authed;
use crate::error::{public_message, status_of, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use itaku_service::{AddressChangeView, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ward/desk", get(page))
        .route("/ward/desk/addresses/{id}/handled", post(handled))
}

#[derive(Template)]
#[template(path = "desk_ward.html")]
struct WardDeskPage {
    layout: Layout,
    changes: Vec<AddressChangeView>,
    open_changes: usize,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn show(
    st: &AppState,
    a: &Authed,
    notice: Option<String>,
    error: Option<(axum::http::StatusCode, String)>,
) -> Result<Response, WebError> {
    let changes = st.svc.ward_address_changes(&a.actor()).await?;
    let open_changes = changes.iter().filter(|c| c.handled_at.is_none()).count();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/desk");
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (axum::http::StatusCode::OK, None),
    };
    Ok((
        status,
        render(&WardDeskPage {
            layout,
            changes,
            open_changes,
            notice,
            error,
        })?,
    )
        .into_response())
}

async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let notice = q.done.map(|_| "住所変更を対応済みにしました。".to_owned());
    show(&st, &a, notice, None).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

async fn handled(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    match st.svc.mark_address_change_handled(&a.actor(), id).await {
        Ok(()) => Ok(Redirect::to("/ward/desk?done=address").into_response()),
        Err(e @ ServiceError::Conflict(_)) => {
            show(&st, &a, None, Some((status_of(&e), public_message(&e)))).await
        }
        Err(e) => Err(e.into()),
    }
}
