//! The complaints record (苦情処理簿). Ward staff: every job's complaints,
//! filtered by job or open ones, their own recording, the answer and the
//! dates. Contractors: their contract's complaints, recording one a
//! resident made and reporting how it was answered (contract clause 19).
//! The service decides and audits every read and write.

use super::render;
use super::ward_common::require_ward_staff;
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
use itaku_core::{ContractId, Role};
use itaku_service::complaints::{
    ComplaintFilter, ComplaintHandling, ComplaintTarget, NewComplaintSpec, CHANNELS,
};
use itaku_service::{Actor, ComplaintAnswer, ComplaintView, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ward/complaints", get(ward_page).post(ward_record))
        .route("/ward/complaints/{id}", post(ward_answer))
        .route("/complaints", get(contract_page))
        .route("/complaints/{contract}", post(contract_record))
        .route("/complaints/{contract}/{id}", post(contract_handle))
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

fn required_date(label: &str, s: &str) -> Result<chrono::NaiveDate, ServiceError> {
    date_field(label, s)?.ok_or_else(|| ServiceError::Invalid(format!("{label}を入力してください")))
}

type Shown = Option<(StatusCode, String)>;

fn shown(e: ServiceError) -> Result<Shown, WebError> {
    match e {
        e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_)) => {
            Ok(Some((status_of(&e), public_message(&e))))
        }
        e => Err(e.into()),
    }
}

fn notice_of(done: Option<&str>) -> Option<String> {
    done.map(|d| match d {
        "recorded" => "苦情を記録しました。".to_owned(),
        "reported" => "区へ報告しました。".to_owned(),
        _ => "苦情の記録を更新しました。".to_owned(),
    })
}

#[derive(Template)]
#[template(path = "complaints_ward.html")]
struct WardPage {
    layout: Layout,
    complaints: Vec<ComplaintView>,
    targets: Vec<ComplaintTarget>,
    channels: &'static [(&'static str, &'static str)],
    job_options: Vec<(i64, String, bool)>,
    open_only: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct WardQuery {
    #[serde(default)]
    job: Option<String>,
    #[serde(default)]
    open: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

async fn ward_show(
    st: &AppState,
    a: &Authed,
    q: &WardQuery,
    error: Shown,
) -> Result<Response, WebError> {
    let job = q.job.as_deref().and_then(|j| j.parse().ok());
    let open_only = q.open.as_deref() == Some("1");
    let filter = ComplaintFilter {
        job_id: job,
        open_only,
    };
    let complaints = st.svc.ward_complaints_filtered(&a.actor(), filter).await?;
    let targets = st.svc.complaint_targets(&a.actor()).await?;
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = WardPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/ward/complaints"),
        complaints,
        job_options: targets
            .iter()
            .map(|t| (t.job_id, t.job_name.clone(), Some(t.job_id) == job))
            .collect(),
        targets,
        channels: &CHANNELS,
        open_only,
        notice: notice_of(q.done.as_deref()),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn ward_page(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<WardQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    ward_show(&st, &a, &q, None).await
}

#[derive(Deserialize, Default)]
pub struct RecordForm {
    #[serde(default)]
    _csrf: String,
    /// "job" or "job:contract" (ward form); unused by contractors.
    #[serde(default)]
    concerns: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    report: Option<String>,
}

impl RecordForm {
    fn spec(&self) -> Result<NewComplaintSpec, ServiceError> {
        Ok(NewComplaintSpec {
            received_on: required_date("受付日", &self.received_on)?,
            channel: self.channel.clone(),
            summary: self.summary.clone(),
        })
    }
}

async fn ward_record(
    State(st): State<AppState>,
    a: Authed,
    Form(f): Form<RecordForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let result = async {
        let spec = f.spec()?;
        let mut parts = f.concerns.split(':');
        let job = parts
            .next()
            .and_then(|j| j.parse().ok())
            .ok_or_else(|| ServiceError::Invalid("業務を選んでください".into()))?;
        let contract = parts.next().and_then(|c| c.parse().ok());
        st.svc
            .record_ward_complaint(&a.actor(), job, contract, &spec)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/ward/complaints?done=recorded").into_response()),
        Err(e) => ward_show(&st, &a, &WardQuery::default(), shown(e)?).await,
    }
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

async fn ward_answer(
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
        Ok(()) => Ok(Redirect::to("/ward/complaints?done=answered").into_response()),
        Err(e) => ward_show(&st, &a, &WardQuery::default(), shown(e)?).await,
    }
}

/// One contract the user works in, and the purpose they act under there.
struct Workplace {
    contract_id: i64,
    name: String,
    purpose: String,
}

#[derive(Template)]
#[template(path = "complaints_contract.html")]
struct ContractPage {
    layout: Layout,
    workplaces: Vec<(i64, String)>,
    current: Option<(i64, String)>,
    complaints: Vec<ComplaintView>,
    channels: &'static [(&'static str, &'static str)],
    notice: Option<String>,
    error: Option<String>,
}

async fn workplaces(st: &AppState, a: &Authed) -> Result<Vec<Workplace>, WebError> {
    let mut out: Vec<Workplace> = Vec::new();
    for w in st.svc.work_contexts(a.session.user.id).await? {
        if !out.iter().any(|o| o.contract_id == w.contract_id) {
            out.push(Workplace {
                contract_id: w.contract_id,
                name: w.contract_name,
                purpose: w.purpose_code,
            });
        }
    }
    Ok(out)
}

fn actor_in(a: &Authed, w: &Workplace) -> Actor {
    a.actor()
        .in_contract(ContractId(w.contract_id), Some(w.purpose.clone()))
}

fn require_contractor(a: &Authed) -> Result<(), WebError> {
    if matches!(
        a.session.user.role,
        Role::Handler | Role::ContractorResponsible
    ) {
        Ok(())
    } else {
        Err(ServiceError::not_found().into())
    }
}

#[derive(Deserialize, Default)]
pub struct ContractQuery {
    #[serde(default)]
    c: Option<i64>,
    #[serde(default)]
    done: Option<String>,
}

async fn contract_show(
    st: &AppState,
    a: &Authed,
    contract: Option<i64>,
    done: Option<&str>,
    error: Shown,
) -> Result<Response, WebError> {
    require_contractor(a)?;
    let places = workplaces(st, a).await?;
    let here = match contract {
        Some(c) => places.iter().find(|w| w.contract_id == c),
        None => places.first(),
    };
    let complaints = match here {
        Some(w) => st.svc.contract_complaints(&actor_in(a, w)).await?,
        None => Vec::new(),
    };
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = ContractPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/complaints"),
        workplaces: places
            .iter()
            .map(|w| (w.contract_id, w.name.clone()))
            .collect(),
        current: here.map(|w| (w.contract_id, w.name.clone())),
        complaints,
        channels: &CHANNELS,
        notice: notice_of(done),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn contract_page(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<ContractQuery>,
) -> Result<Response, WebError> {
    contract_show(&st, &a, q.c, q.done.as_deref(), None).await
}

async fn workplace(st: &AppState, a: &Authed, contract: i64) -> Result<Workplace, WebError> {
    require_contractor(a)?;
    workplaces(st, a)
        .await?
        .into_iter()
        .find(|w| w.contract_id == contract)
        .ok_or_else(|| ServiceError::not_found().into())
}

async fn contract_record(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<i64>,
    Form(f): Form<RecordForm>,
) -> Result<Response, WebError> {
    let w = workplace(&st, &a, contract).await?;
    a.check_csrf(Some(&f._csrf))?;
    let result = async {
        let spec = f.spec()?;
        st.svc
            .record_contract_complaint(&actor_in(&a, &w), &spec, f.report.is_some())
            .await
    }
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/complaints?c={contract}&done=recorded")).into_response())
        }
        Err(e) => contract_show(&st, &a, Some(contract), None, shown(e)?).await,
    }
}

#[derive(Deserialize, Default)]
pub struct HandleForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    answered_on: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    report: Option<String>,
}

async fn contract_handle(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, id)): Path<(i64, i64)>,
    Form(f): Form<HandleForm>,
) -> Result<Response, WebError> {
    let w = workplace(&st, &a, contract).await?;
    a.check_csrf(Some(&f._csrf))?;
    let report = f.report.is_some();
    let result = async {
        let h = ComplaintHandling {
            answered_on: date_field("回答日", &f.answered_on)?,
            answer: f.answer.clone(),
            report,
        };
        st.svc
            .handle_contract_complaint(&actor_in(&a, &w), id, &h)
            .await
    }
    .await;
    let done = if report { "reported" } else { "answered" };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/complaints?c={contract}&done={done}")).into_response())
        }
        Err(e) => contract_show(&st, &a, Some(contract), None, shown(e)?).await,
    }
}
