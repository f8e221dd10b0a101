//! 定期処理: what the job runner has scheduled, what it ran and what
//! failed (with the message the clerk acts on), for the ward's
//! administrator; and running a failed job again. The service lists and
//! audits; this page only shows.

use super::admin_common::{path_id, require_admin, respond, subnav, Fields, SubNavItem};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_service::{jst_display, JobState, ScheduledJobView, ServiceError};
use serde::Deserialize;

pub struct JobRow {
    pub id: i64,
    pub label: String,
    pub kind: &'static str,
    pub run_at: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub attempts: String,
    pub error: String,
    pub result: String,
    pub finished_at: String,
    pub certificate_contract: Option<i64>,
    pub can_retry: bool,
}

impl From<ScheduledJobView> for JobRow {
    fn from(j: ScheduledJobView) -> Self {
        let result = j
            .result
            .as_ref()
            .map(|r| describe(&j, r))
            .unwrap_or_default();
        JobRow {
            id: j.id,
            kind: j.kind.label(),
            run_at: jst_display(&j.run_at),
            state: j.state.label(),
            state_code: j.state.code(),
            attempts: format!("{}/{}", j.attempts, j.max_attempts),
            error: j.last_error.clone().unwrap_or_default(),
            finished_at: j
                .finished_at
                .as_deref()
                .map(jst_display)
                .unwrap_or_default(),
            certificate_contract: j.certified_contract(),
            can_retry: j.state == JobState::Failed,
            label: j.label,
            result,
        }
    }
}

/// What a finished job did, in words.
fn describe(j: &ScheduledJobView, r: &serde_json::Value) -> String {
    if let Some(n) = r.get("alarms_raised").and_then(|v| v.as_i64()) {
        return format!("未返却の警告 {n} 件");
    }
    if let Some(e) = r.get("erasure_id").and_then(|v| v.as_i64()) {
        let returned = r
            .get("returned_persons")
            .and_then(|v| v.as_i64())
            .map(|n| format!("返還 {n} 人分を受領、"))
            .unwrap_or_default();
        let persons = r
            .get("persons_erased")
            .and_then(|v| v.as_i64())
            .unwrap_or_default();
        return format!("{returned}{persons} 件を消去（消去証明書 第 {e} 号）");
    }
    if r.get("skipped").is_some() {
        return "規則が取り下げられたため実行せず".into();
    }
    let _ = j;
    r.to_string()
}

#[derive(Template)]
#[template(path = "admin_schedule.html")]
struct SchedulePage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    jobs: Vec<JobRow>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    retried: Option<i64>,
}

async fn show(
    st: &AppState,
    a: &Authed,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let jobs = st
        .svc
        .scheduled_jobs(&a.actor())
        .await?
        .into_iter()
        .map(JobRow::from)
        .collect();
    respond(
        status,
        &SchedulePage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav(""),
            jobs,
            notice,
            error,
        },
    )
}

pub async fn list(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    let notice = q.retried.map(|id| {
        format!("第{id}号を再実行の予定に入れました。次の巡回（30 秒以内）で実行します。")
    });
    show(&st, &a, StatusCode::OK, notice, None).await
}

pub async fn retry(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    match st.svc.retry_scheduled_job(&a.actor(), id).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/schedule?retried={id}")).into_response()),
        Err(ServiceError::Conflict(m)) => show(&st, &a, StatusCode::CONFLICT, None, Some(m)).await,
        Err(e) => Err(e.into()),
    }
}
