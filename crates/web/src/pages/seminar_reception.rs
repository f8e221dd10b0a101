//! Reception on the day, on a phone: the check-in list with live counts,
//! name search, the page a scanned QR code opens, check-in and undo. Names
//! come only through the service's audited reads.

use super::render;
use super::seminars::{layout, session_lines, staff_actor, SessionLine};
use crate::ctx::Authed;
use crate::error::{public_message, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_service::seminars::{AttendeeView, CheckinMethod, EventView};
use itaku_service::ServiceError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "seminar_reception.html")]
struct ReceptionPage {
    layout: Layout,
    contract: i64,
    /// The event's id, for the included live counts.
    event: i64,
    ev: EventView,
    session: SessionLine,
    q: String,
    attendees: Vec<AttendeeView>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "seminar_counts.html")]
struct CountsPartial {
    contract: i64,
    event: i64,
    session: SessionLine,
}

#[derive(Deserialize, Default)]
pub struct ReceptionQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: Option<String>,
}

pub(super) async fn reception(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, event, session)): Path<(i64, i64, i64)>,
    Query(q): Query<ReceptionQuery>,
) -> Result<Response, WebError> {
    let actor = staff_actor(&a, contract);
    let ev = st.svc.event(&actor, contract, event).await?;
    let line = session_lines(&ev)
        .into_iter()
        .find(|s| s.id == session)
        .ok_or_else(|| WebError::Service(ServiceError::not_found()))?;
    let query = q.q.trim().to_owned();
    let (attendees, error) = if query.is_empty() {
        (st.svc.checkin_list(&actor, event, session).await?, None)
    } else {
        match st
            .svc
            .search_attendees(&actor, event, session, &query)
            .await
        {
            Ok(hits) => (hits, None),
            Err(e @ ServiceError::Invalid(_)) => (Vec::new(), Some(public_message(&e))),
            Err(e) => return Err(e.into()),
        }
    };
    let notice = q.done.map(|d| match d.as_str() {
        "undo" => "受付を取り消しました。".to_owned(),
        _ => "受付しました。".to_owned(),
    });
    Ok(render(&ReceptionPage {
        layout: layout(&a),
        contract,
        event,
        ev,
        session: line,
        q: query,
        attendees,
        notice,
        error,
    })?
    .into_response())
}

/// The live counts, polled by htmx (no names).
pub(super) async fn counts(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, event, session)): Path<(i64, i64, i64)>,
) -> Result<Response, WebError> {
    let ev = st
        .svc
        .event(&staff_actor(&a, contract), contract, event)
        .await?;
    let line = session_lines(&ev)
        .into_iter()
        .find(|s| s.id == session)
        .ok_or_else(|| WebError::Service(ServiceError::not_found()))?;
    Ok(render(&CountsPartial {
        contract,
        event,
        session: line,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "seminar_scanned.html")]
struct ScannedPage {
    layout: Layout,
    contract: i64,
    a: AttendeeView,
    checked_in: bool,
}

/// Where the camera app sends the phone: the registration the QR code
/// stands for, with the button that checks it in.
pub(super) async fn scanned(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, qr)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let att = st
        .svc
        .attendee_by_qr(&staff_actor(&a, contract), &qr)
        .await?;
    Ok(render(&ScannedPage {
        layout: layout(&a),
        contract,
        checked_in: att.checked_in_at.is_some(),
        a: att,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct CheckinForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    event: i64,
    #[serde(default)]
    session: i64,
}

fn reception_path(contract: i64, event: i64, session: i64, done: &str) -> String {
    format!("/c/{contract}/seminars/{event}/s/{session}?done={done}")
}

pub(super) async fn check_in(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, reg)): Path<(i64, i64)>,
    Form(f): Form<CheckinForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let method = match f.method.as_str() {
        "qr" => CheckinMethod::Qr,
        _ => CheckinMethod::Name,
    };
    st.svc
        .check_in(&staff_actor(&a, contract), reg, method)
        .await?;
    Ok(Redirect::to(&reception_path(contract, f.event, f.session, "in")).into_response())
}

pub(super) async fn undo(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, reg)): Path<(i64, i64)>,
    Form(f): Form<CheckinForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    st.svc
        .undo_check_in(&staff_actor(&a, contract), reg)
        .await?;
    Ok(Redirect::to(&reception_path(contract, f.event, f.session, "undo")).into_response())
}
