//! Planning forms of seminars: adding and changing events and sessions
//! (the 責任者 and the ward's staff). Nothing personal is entered here.

use super::seminars::{err_pair, jst_field, show_detail, show_list, staff_actor};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_service::seminars::{EventKind, EventSpec, SessionSpec};
use itaku_service::ServiceError;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct EventForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    opens_at: String,
    #[serde(default)]
    closes_at: String,
}

fn event_spec(f: &EventForm) -> Result<EventSpec, ServiceError> {
    Ok(EventSpec {
        slug: f.slug.trim().to_owned(),
        title: f.title.clone(),
        kind: EventKind::parse(&f.kind)?,
        venue: f.venue.clone(),
        description: f.description.clone(),
        opens_at: jst_field("受付開始", &f.opens_at)?,
        closes_at: jst_field("申込締切", &f.closes_at)?,
    })
}

pub(super) async fn edit_event(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, event)): Path<(i64, i64)>,
    Form(f): Form<EventForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let result = async {
        st.svc
            .update_event(
                &staff_actor(&a, contract),
                contract,
                event,
                &event_spec(&f)?,
            )
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/c/{contract}/seminars/{event}?done=edited")).into_response(),
        ),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show_detail(&st, &a, contract, event, None, Some(err_pair(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn create(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<i64>,
    Form(f): Form<EventForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let result = async {
        let spec = event_spec(&f)?;
        st.svc
            .create_event(&staff_actor(&a, contract), contract, &spec)
            .await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/c/{contract}/seminars/{id}")).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show_list(&st, &a, contract, Some(err_pair(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct SessionForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    meeting_link: String,
}

fn session_spec(f: &SessionForm) -> Result<SessionSpec, ServiceError> {
    let link = f.meeting_link.trim();
    Ok(SessionSpec {
        label: f.label.clone(),
        online: f.mode == "online",
        starts_at: jst_field("開始", &f.starts_at)?,
        ends_at: jst_field("終了", &f.ends_at)?,
        capacity: f
            .capacity
            .trim()
            .parse()
            .map_err(|_| ServiceError::Invalid("定員を数字で入力してください".into()))?,
        meeting_link: (!link.is_empty()).then(|| link.to_owned()),
    })
}

pub(super) async fn edit_session(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, event, session)): Path<(i64, i64, i64)>,
    Form(f): Form<SessionForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let result = async {
        st.svc
            .update_session(
                &staff_actor(&a, contract),
                contract,
                event,
                session,
                &session_spec(&f)?,
            )
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/c/{contract}/seminars/{event}?done=edited")).into_response(),
        ),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show_detail(&st, &a, contract, event, None, Some(err_pair(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn add_session(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, event)): Path<(i64, i64)>,
    Form(f): Form<SessionForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let result = async {
        let spec = session_spec(&f)?;
        st.svc
            .add_session(&staff_actor(&a, contract), contract, event, &spec)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/c/{contract}/seminars/{event}?done=session")).into_response(),
        ),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show_detail(&st, &a, contract, event, None, Some(err_pair(&e))).await
        }
        Err(e) => Err(e.into()),
    }
}
