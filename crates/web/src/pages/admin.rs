//! Administration for the ward: contracts (with cancellation), users,
//! sessions (with ending them), organisations.

use super::admin_common::{require_admin, subnav, SubNavItem};
use super::render;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_service::{ContractView, OrgView, UserView};
use serde::Deserialize;

struct SessionRowView {
    digest: String,
    user: String,
    started: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    contracts: Vec<ContractView>,
    users: Vec<UserView>,
    orgs: Vec<OrgView>,
    sessions: Vec<SessionRowView>,
}

#[derive(Deserialize, Default)]
pub struct Msg {
    #[serde(default)]
    done: String,
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(m): Query<Msg>,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    let actor = a.actor();
    let contracts = st.svc.contracts(&actor).await?;
    let users = st.svc.users(&actor).await?;
    let orgs = st.svc.orgs(&actor).await?;
    let sessions = st
        .svc
        .live_sessions(&actor)
        .await?
        .into_iter()
        .map(|(digest, u, started, ip)| SessionRowView {
            digest,
            user: format!("{}（{}）", u.display_name, u.login),
            started: itaku_service::jst_display(&started),
            ip: ip.unwrap_or_default(),
        })
        .collect();
    let message = match m.done.as_str() {
        "cancelled" => Some(
            "契約を解除しました。相手方と再委託先のすべてのセッションを終了しました。".to_owned(),
        ),
        "session" => Some("セッションを終了しました。".to_owned()),
        _ => None,
    };
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/admin");
    Ok(render(&AdminPage {
        layout,
        subnav: subnav("/admin"),
        message,
        contracts,
        users,
        orgs,
        sessions,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

pub async fn cancel_contract(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    st.svc.cancel_contract(&a.actor(), id).await?;
    Ok(Redirect::to("/admin?done=cancelled").into_response())
}

pub async fn end_session(
    State(st): State<AppState>,
    a: Authed,
    Path(digest): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    st.svc.end_session_by_admin(&a.actor(), &digest).await?;
    Ok(Redirect::to("/admin?done=session").into_response())
}
