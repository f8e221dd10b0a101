//! The public questionnaire page (/q/{token}: plain large Japanese, works
//! on a phone, conditional questions shown and hidden by anketo.js and
//! checked again on the server) and the ward's approval of flagged
//! questions.

use super::anketo_entry::raw_answers;
use super::render;
use super::tainou::{back, Flash};
use super::ward_common::require_ward_staff;
use crate::ctx::{Authed, Ctx};
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use itaku_service::questionnaires::{check_answers, AnswerProblem, QuestionnaireView, RawAnswers};
use itaku_service::{Actor, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/q/{token}", get(form).post(submit))
        .route(
            "/e/{slug}/r/{token}/anketo",
            get(registrant_form).post(registrant_submit),
        )
        .route("/ward/questionnaires", get(ward_list))
        .route(
            "/ward/questionnaires/{id}/approve/{question}",
            post(approve),
        )
}

#[derive(Template)]
#[template(path = "anketo_public.html")]
struct PublicPage {
    layout: Layout,
    /// Where the form posts: /q/{token}, or the registrant's own link.
    action: String,
    q: QuestionnaireView,
    raw: RawAnswers,
    problems: Vec<AnswerProblem>,
    done: bool,
}

impl PublicPage {
    fn problem(&self, id: &i64) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.question_id == *id)
            .map(|p| p.message.as_str())
    }
    fn given(&self, id: &i64, value: &str) -> bool {
        self.raw
            .get(id)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }
    fn text(&self, id: &i64) -> String {
        self.raw
            .get(id)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }
}

fn anonymous(ctx: &Ctx) -> Actor {
    Actor::anonymous(ctx.ip, ctx.request_id.clone())
}

async fn form(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let q = st
        .svc
        .public_questionnaire(&anonymous(&ctx), &token)
        .await?;
    Ok(render(&PublicPage {
        layout: Layout::anonymous(&ctx.request_id),
        action: format!("/q/{}", q.token),
        q,
        raw: RawAnswers::new(),
        problems: Vec::new(),
        done: false,
    })?
    .into_response())
}

async fn submit(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if !st.svc.public_attempt(ctx.ip).await? {
        return Ok(super::public_events::too_many());
    }
    let actor = anonymous(&ctx);
    let q = st.svc.public_questionnaire(&actor, &token).await?;
    let action = format!("/q/{}", q.token);
    answer(&ctx, q, action, raw_answers(&form), async |raw| {
        st.svc.public_answer(&actor, &token, raw).await
    })
    .await
}

/// Check the answers first, so each message stands beside its question;
/// then record them with `record`.
async fn answer(
    ctx: &Ctx,
    q: QuestionnaireView,
    action: String,
    raw: RawAnswers,
    record: impl AsyncFnOnce(&RawAnswers) -> Result<i64, ServiceError>,
) -> Result<Response, WebError> {
    if let Err(problems) = check_answers(&q, &raw) {
        return Ok(render(&PublicPage {
            layout: Layout::anonymous(&ctx.request_id),
            action,
            q,
            raw,
            problems,
            done: false,
        })?
        .into_response());
    }
    record(&raw).await?;
    Ok(render(&PublicPage {
        layout: Layout::anonymous(&ctx.request_id),
        action,
        q,
        raw: RawAnswers::new(),
        problems: Vec::new(),
        done: true,
    })?
    .into_response())
}

/// The registrant's own questionnaire (linked mode), from their private link.
async fn registrant_form(
    State(st): State<AppState>,
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let q = st
        .svc
        .registrant_questionnaire(&anonymous(&ctx), &token)
        .await?
        .ok_or_else(ServiceError::not_found)?;
    Ok(render(&PublicPage {
        layout: Layout::anonymous(&ctx.request_id),
        action: format!("/e/{slug}/r/{token}/anketo"),
        q,
        raw: RawAnswers::new(),
        problems: Vec::new(),
        done: false,
    })?
    .into_response())
}

async fn registrant_submit(
    State(st): State<AppState>,
    ctx: Ctx,
    Path((slug, token)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if !st.svc.public_attempt(ctx.ip).await? {
        return Ok(super::public_events::too_many());
    }
    let actor = anonymous(&ctx);
    let q = st
        .svc
        .registrant_questionnaire(&actor, &token)
        .await?
        .ok_or_else(ServiceError::not_found)?;
    let action = format!("/e/{slug}/r/{token}/anketo");
    answer(&ctx, q, action, raw_answers(&form), async |raw| {
        st.svc.registrant_answer(&actor, &token, raw).await
    })
    .await
}

#[derive(Template)]
#[template(path = "anketo_ward.html")]
struct WardPage {
    layout: Layout,
    items: Vec<QuestionnaireView>,
    notice: Option<String>,
    error: Option<String>,
}

async fn ward_list(
    State(st): State<AppState>,
    a: Authed,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let items = st.svc.questionnaires_awaiting_approval(&a.actor()).await?;
    Ok(render(&WardPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/ward/questionnaires"),
        items,
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct ApproveForm {
    _csrf: String,
    reason: String,
}

async fn approve(
    State(st): State<AppState>,
    a: Authed,
    Path((id, question)): Path<(i64, i64)>,
    Form(f): Form<ApproveForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    require_ward_staff(&st, &a).await?;
    let r = st
        .svc
        .approve_question(&a.actor(), id, question, &f.reason)
        .await
        .map(|_| "承認を記録しました。受託者が公開できるようになります。".to_owned());
    match r {
        Err(e @ ServiceError::Denied(_)) => Err(e.into()),
        r => back("/ward/questionnaires", r),
    }
}
