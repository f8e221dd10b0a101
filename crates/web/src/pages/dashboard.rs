use super::render;
use crate::ctx::{Authed, Ctx};
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_core::Role;
use itaku_service::{JobView, WorkContext};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    layout: Layout,
    contexts: Vec<WorkContext>,
    jobs: Vec<JobView>,
    ward_persons: bool,
}

pub async fn root(State(st): State<AppState>, ctx: Ctx) -> Response {
    let live = match &ctx.session_token {
        Some(t) => st.svc.session(t, None).await.is_ok(),
        None => false,
    };
    Redirect::to(if live { "/dashboard" } else { "/signin" }).into_response()
}

pub async fn dashboard(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    let role = a.session.user.role;
    let contexts = st.svc.work_contexts(a.session.user.id).await?;
    let jobs = if matches!(role, Role::WardAdmin | Role::Inspector) {
        st.svc.jobs(&a.actor()).await?
    } else {
        Vec::new()
    };
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/dashboard");
    Ok(render(&Dashboard {
        layout,
        contexts,
        jobs,
        ward_persons: role == Role::WardStaff,
    })?
    .into_response())
}
