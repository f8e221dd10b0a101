//! 業務と利用目的: registered jobs (登録業務) and their purposes, each
//! listing the catalogue items it may process.

use super::admin_common::{
    invalid, path_id, require_admin, respond, subnav, Failure, Fields, SubNavItem,
};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_core::{Item, ItemSet};
use itaku_service::PurposeView;
use serde::Deserialize;

#[derive(Default)]
struct JobForm {
    code: String,
    name: String,
    section: String,
}

/// A purpose form as submitted, for showing it again.
struct PurposeForm {
    job_id: i64,
    code: String,
    name: String,
    items: Vec<String>,
    error: String,
}

struct ItemCheck {
    code: &'static str,
    label: &'static str,
    checked: bool,
}

struct JobBlock {
    id: i64,
    code: String,
    name: String,
    section: String,
    purposes: Vec<PurposeView>,
    code_value: String,
    name_value: String,
    checks: Vec<ItemCheck>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    error: Option<String>,
    jobs: Vec<JobBlock>,
    form: JobForm,
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
    form: JobForm,
    purpose: Option<PurposeForm>,
) -> Result<Response, WebError> {
    require_admin(a)?;
    let jobs = st.svc.jobs(&a.actor()).await?;
    // A purpose for a job no longer listed: its error goes on top.
    let error = error.or_else(|| {
        purpose
            .as_ref()
            .filter(|p| !jobs.iter().any(|j| j.id == p.job_id))
            .map(|p| p.error.clone())
    });
    let jobs = jobs
        .into_iter()
        .map(|j| {
            let kept = purpose.as_ref().filter(|p| p.job_id == j.id);
            JobBlock {
                checks: Item::ALL
                    .iter()
                    .map(|i| ItemCheck {
                        code: i.code(),
                        label: i.label(),
                        checked: kept.is_some_and(|p| p.items.iter().any(|c| c == i.code())),
                    })
                    .collect(),
                code_value: kept.map(|p| p.code.clone()).unwrap_or_default(),
                name_value: kept.map(|p| p.name.clone()).unwrap_or_default(),
                error: kept.map(|p| p.error.clone()),
                id: j.id,
                code: j.code,
                name: j.name,
                section: j.section,
                purposes: j.purposes,
            }
        })
        .collect();
    respond(
        status,
        &JobsPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/jobs"),
            message,
            error,
            jobs,
            form,
        },
    )
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(d): Query<Done>,
) -> Result<Response, WebError> {
    let message = match d.done.as_str() {
        "job" => Some("業務を登録しました。続けて利用目的を追加してください。".to_owned()),
        "purpose" => Some("利用目的を追加しました。".to_owned()),
        _ => None,
    };
    show(
        &st,
        &a,
        StatusCode::OK,
        message,
        None,
        JobForm::default(),
        None,
    )
    .await
}

pub async fn create(
    State(st): State<AppState>,
    a: Authed,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let form = JobForm {
        code: f.get("code").trim().to_owned(),
        name: f.get("name"),
        section: f.get("section"),
    };
    match st
        .svc
        .create_job(&a.actor(), &form.code, &form.name, &form.section)
        .await
    {
        Ok(_) => Ok(Redirect::to("/admin/jobs?done=job").into_response()),
        Err(e) => match Failure::from(e) {
            Failure::Web(e) => Err(e),
            Failure::Input(status, m) => show(&st, &a, status, None, Some(m), form, None).await,
        },
    }
}

pub async fn add_purpose(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let job_id = path_id(&id)?;
    let mut form = PurposeForm {
        job_id,
        code: f.get("code").trim().to_owned(),
        name: f.get("name"),
        items: f.all("items"),
        error: String::new(),
    };
    match try_add(&st, &a, &form).await {
        Ok(()) => Ok(Redirect::to("/admin/jobs?done=purpose").into_response()),
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => {
            form.error = m;
            show(&st, &a, status, None, None, JobForm::default(), Some(form)).await
        }
    }
}

async fn try_add(st: &AppState, a: &Authed, form: &PurposeForm) -> Result<(), Failure> {
    let items = form
        .items
        .iter()
        .map(|c| Item::parse(c))
        .collect::<Result<ItemSet, _>>()
        .map_err(|e| invalid(e.to_string()))?;
    st.svc
        .add_purpose(&a.actor(), form.job_id, &form.code, &form.name, &items)
        .await?;
    Ok(())
}
