//! Staff pages of seminars and events: the contractor's 責任者 and the
//! ward's staff plan events and sessions and close reception; the
//! reception handler checks people in on a phone (list, name search, the
//! QR code scanned with the camera app, undo, live counts). What a page
//! shows of a person is 氏名 only, read through audited service calls.

use super::render;
use super::seminar_plan as plan;
use super::seminar_reception as desk;
use crate::ctx::Authed;
use crate::error::{public_message, status_of, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use itaku_core::{ContractId, Role};
use itaku_service::seminars::{EventView, SeminarReturnView, PURPOSE_UKETSUKE};
use itaku_service::{jst_display, Actor, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/seminars", get(index))
        .route("/c/{contract}/seminars", get(list).post(plan::create))
        .route("/c/{contract}/seminars/qr/{qr}", get(desk::scanned))
        .route(
            "/c/{contract}/seminars/r/{reg}/checkin",
            post(desk::check_in),
        )
        .route("/c/{contract}/seminars/r/{reg}/undo", post(desk::undo))
        .route("/c/{contract}/seminars/{event}", get(detail))
        .route(
            "/c/{contract}/seminars/{event}/sessions",
            post(plan::add_session),
        )
        .route(
            "/c/{contract}/seminars/{event}/edit",
            post(plan::edit_event),
        )
        .route(
            "/c/{contract}/seminars/{event}/sessions/{session}",
            post(plan::edit_session),
        )
        .route("/c/{contract}/seminars/{event}/close", post(close))
        .route(
            "/c/{contract}/seminars/{event}/s/{session}",
            get(desk::reception),
        )
        .route(
            "/c/{contract}/seminars/{event}/s/{session}/counts",
            get(desk::counts),
        )
}

/// Ward staff plan from the ward's side; the contractor's staff act inside
/// the contract under the reception purpose.
pub(super) fn staff_actor(a: &Authed, contract: i64) -> Actor {
    match a.session.user.role {
        Role::WardStaff | Role::WardAdmin | Role::Inspector => a.actor(),
        _ => a
            .actor()
            .in_contract(ContractId(contract), Some(PURPOSE_UKETSUKE.into())),
    }
}

pub(super) fn layout(a: &Authed) -> Layout {
    Layout::for_session(&a.session, &a.ctx.request_id, "/seminars")
}

/// A stored UTC time as a datetime-local field's JST value.
fn field_value(ts: &str) -> String {
    DateTime::parse_from_rfc3339(ts)
        .map(|t| {
            (t.with_timezone(&Utc) + chrono::Duration::hours(9))
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

pub(super) fn err_pair(e: &ServiceError) -> (StatusCode, String) {
    (status_of(e), public_message(e))
}

/// `2026-12-01T14:00` as typed in a datetime-local field (JST).
pub(super) fn jst_field(label: &str, s: &str) -> Result<DateTime<Utc>, ServiceError> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map(|t| t.and_utc() - chrono::Duration::hours(9))
        .map_err(|_| ServiceError::Invalid(format!("{label}の日時を正しく入力してください")))
}

#[derive(Template)]
#[template(path = "seminar_index.html")]
struct IndexPage {
    layout: Layout,
    contracts: Vec<(i64, String)>,
}

async fn index(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    let contracts = st.svc.seminar_contracts(&a.actor()).await?;
    if let [(id, _)] = contracts.as_slice() {
        return Ok(Redirect::to(&format!("/c/{id}/seminars")).into_response());
    }
    Ok(render(&IndexPage {
        layout: layout(&a),
        contracts,
    })?
    .into_response())
}

pub struct EventLine {
    pub ev: EventView,
    pub open: bool,
    pub opens: String,
    pub closes: String,
}

#[derive(Template)]
#[template(path = "seminar_events.html")]
struct ListPage {
    layout: Layout,
    contract: i64,
    events: Vec<EventLine>,
    can_plan: bool,
    error: Option<String>,
}

fn can_plan(a: &Authed) -> bool {
    matches!(
        a.session.user.role,
        Role::WardStaff | Role::ContractorResponsible
    )
}

pub(super) async fn show_list(
    st: &AppState,
    a: &Authed,
    contract: i64,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let now = st.svc.now();
    let events = st
        .svc
        .events(&staff_actor(a, contract), contract)
        .await?
        .into_iter()
        .map(|ev| EventLine {
            open: ev.open_at(now),
            opens: jst_display(&ev.opens_at),
            closes: jst_display(&ev.closes_at),
            ev,
        })
        .collect();
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = ListPage {
        layout: layout(a),
        contract,
        events,
        can_plan: can_plan(a),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn list(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<i64>,
) -> Result<Response, WebError> {
    show_list(&st, &a, contract, None).await
}

pub struct SessionLine {
    pub id: i64,
    pub label: String,
    pub online: bool,
    pub when: String,
    /// Start and end as a datetime-local field's value (JST).
    pub starts_field: String,
    pub ends_field: String,
    pub capacity: i64,
    pub registered: i64,
    pub waitlisted: i64,
    pub checked_in: i64,
}

#[derive(Template)]
#[template(path = "seminar_event.html")]
struct DetailPage {
    layout: Layout,
    contract: i64,
    ev: EventView,
    sessions: Vec<SessionLine>,
    opens_field: String,
    closes_field: String,
    can_plan: bool,
    closed: bool,
    returned: Option<SeminarReturnView>,
    certificate_ok: bool,
    notice: Option<String>,
    error: Option<String>,
}

pub(super) fn session_lines(ev: &EventView) -> Vec<SessionLine> {
    ev.sessions
        .iter()
        .map(|s| SessionLine {
            id: s.id,
            label: s.label.clone(),
            online: s.online,
            when: jst_display(&s.starts_at),
            starts_field: field_value(&s.starts_at),
            ends_field: field_value(&s.ends_at),
            capacity: s.capacity,
            registered: s.registered,
            waitlisted: s.waitlisted,
            checked_in: s.checked_in,
        })
        .collect()
}

pub(super) async fn show_detail(
    st: &AppState,
    a: &Authed,
    contract: i64,
    event: i64,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let actor = staff_actor(a, contract);
    let ev = st.svc.event(&actor, contract, event).await?;
    let returned = st.svc.seminar_return(&actor, contract, event).await?;
    let certificate_ok = returned
        .as_ref()
        .is_some_and(|r| st.svc.verify_seminar_certificate(r));
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = DetailPage {
        layout: layout(a),
        contract,
        sessions: session_lines(&ev),
        opens_field: field_value(&ev.opens_at),
        closes_field: field_value(&ev.closes_at),
        closed: ev.reception_closed_at.is_some(),
        ev,
        can_plan: can_plan(a),
        returned,
        certificate_ok,
        notice,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn detail(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, event)): Path<(i64, i64)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let notice = q.done.map(|d| match d.as_str() {
        "edited" => "変更を保存しました。".to_owned(),
        "closed" => {
            "受付を終了しました。保存期間の規則に従い、参加者情報の返却と消去が予定されました。"
                .to_owned()
        }
        _ => "回を追加しました。".to_owned(),
    });
    show_detail(&st, &a, contract, event, notice, None).await
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

async fn close(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, event)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    match st
        .svc
        .close_reception(&staff_actor(&a, contract), contract, event)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/c/{contract}/seminars/{event}?done=closed")).into_response(),
        ),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show_detail(&st, &a, contract, event, None, Some(err_pair(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}
