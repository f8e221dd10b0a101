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
    /// Visit list halves still out after the end of the day (責任者).
    visit_alarms: Vec<(String, itaku_service::VisitAlarm)>,
    visit_contexts: Vec<WorkContext>,
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
    let visit_alarms = super::visits::dashboard_alarms(&st, &a).await?;
    let visit_contexts = st.svc.visit_contexts(a.session.user.id).await?;
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/dashboard");
    Ok(render(&Dashboard {
        layout,
        contexts,
        jobs,
        ward_persons: role == Role::WardStaff,
        visit_alarms,
        visit_contexts,
    })?
    .into_response())
}
