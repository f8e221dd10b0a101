//! 組織: the ward's contractors (乙) and their sub-contractors (丙).

use super::admin_common::{
    form_id, invalid, require_admin, respond, subnav, Failure, Fields, SubNavItem,
};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_core::OrgKind;
use serde::Deserialize;

struct OrgRow {
    name: String,
    kind_label: String,
    parent_name: String,
}

#[derive(Default)]
struct OrgForm {
    kind: String,
    name: String,
    parent_id: String,
}

struct ParentChoice {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "admin_orgs.html")]
struct OrgsPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    error: Option<String>,
    rows: Vec<OrgRow>,
    contractors: Vec<ParentChoice>,
    form: OrgForm,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

async fn show(
    st: &AppState,
    a: &Authed,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
    form: OrgForm,
) -> Result<Response, WebError> {
    require_admin(a)?;
    let orgs = st.svc.orgs(&a.actor()).await?;
    let name_of = |id: Option<i64>| {
        id.and_then(|id| orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let rows = orgs
        .iter()
        .map(|o| OrgRow {
            name: o.name.clone(),
            kind_label: o.kind_label.clone(),
            parent_name: name_of(o.parent_id),
        })
        .collect();
    let contractors = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Contractor)
        .map(|o| ParentChoice {
            id: o.id.to_string(),
            name: o.name.clone(),
        })
        .collect();
    respond(
        status,
        &OrgsPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/orgs"),
            message,
            error,
            rows,
            contractors,
            form,
        },
    )
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(d): Query<Done>,
) -> Result<Response, WebError> {
    let message = (d.done == "created").then(|| "組織を登録しました。".to_owned());
    show(&st, &a, StatusCode::OK, message, None, OrgForm::default()).await
}

pub async fn create(
    State(st): State<AppState>,
    a: Authed,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let form = OrgForm {
        kind: f.get("kind"),
        name: f.get("name"),
        parent_id: f.get("parent_id"),
    };
    match try_create(&st, &a, &form).await {
        Ok(()) => Ok(Redirect::to("/admin/orgs?done=created").into_response()),
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => show(&st, &a, status, None, Some(m), form).await,
    }
}

async fn try_create(st: &AppState, a: &Authed, form: &OrgForm) -> Result<(), Failure> {
    let (kind, parent) = match form.kind.as_str() {
        "contractor" => (OrgKind::Contractor, None),
        "subcontractor" => (
            OrgKind::Subcontractor,
            Some(form_id(&form.parent_id, "再委託元の委託事業者")?),
        ),
        _ => return Err(invalid("組織の区分を選んでください")),
    };
    st.svc
        .create_org(&a.actor(), kind, &form.name, parent)
        .await?;
    Ok(())
}
