//! Ward staff's side of the desk: the complaints record (answer, dates)
//! and the changes of address the contractor passed on, marked as handled
//! once the ward has applied them to its register.

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
use itaku_service::{AddressChangeView, ComplaintAnswer, ComplaintView, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ward/desk", get(page))
        .route("/ward/desk/complaints/{id}", post(answer))
        .route("/ward/desk/addresses/{id}/handled", post(handled))
}

#[derive(Template)]
#[template(path = "desk_ward.html")]
struct WardDeskPage {
    layout: Layout,
    complaints: Vec<ComplaintView>,
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
    let complaints = st.svc.ward_complaints(&a.actor()).await?;
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
            complaints,
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
    let notice = q.done.map(|d| match d.as_str() {
        "address" => "住所変更を対応済みにしました。".to_owned(),
        _ => "苦情の記録を更新しました。".to_owned(),
    });
    show(&st, &a, notice, None).await
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    answered_on: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    reported_on: String,
}

/// A date as typed (西暦 or 和暦), or none.
fn date_field(label: &str, s: &str) -> Result<Option<chrono::NaiveDate>, ServiceError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    itaku_jp::parse_date(t)
        .map(Some)
        .map_err(|e| ServiceError::Invalid(format!("{label}: {e}")))
}

async fn answer(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let result = async {
        let ans = ComplaintAnswer {
            answered_on: date_field("回答日", &f.answered_on)?,
            answer: f.answer.clone(),
            reported_on: date_field("区への報告日", &f.reported_on)?,
        };
        st.svc.answer_complaint(&a.actor(), id, &ans).await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to("/ward/desk?done=complaint").into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show(&st, &a, None, Some((status_of(&e), public_message(&e)))).await
        }
        Err(e) => Err(e.into()),
    }
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
