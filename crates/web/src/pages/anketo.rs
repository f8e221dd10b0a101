//! The contractor's questionnaire pages (under the アンケート purpose):
//! the list, the builder with publish/close/aggregation-done, and the
//! aggregation with charts and exports. Paper entry is in anketo_entry.rs,
//! the ward's approval and the public page in anketo_public.rs.

use super::render;
use super::tainou::{back, Flash};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use itaku_core::ContractId;
use itaku_service::questionnaires::{Mode, NewQuestionSpec, PublishOutcome, QuestionnaireView};
use itaku_service::{Actor, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/questionnaires", get(choose))
        .route(
            "/c/{contract}/{purpose}/questionnaires",
            get(list).post(create),
        )
        .route("/c/{contract}/{purpose}/questionnaires/{id}", get(detail))
        .route(
            "/c/{contract}/{purpose}/questionnaires/{id}/questions",
            post(add_question),
        )
        .route(
            "/c/{contract}/{purpose}/questionnaires/{id}/do/{act}",
            post(act),
        )
}

pub(crate) struct Here {
    pub actor: Actor,
    pub base: String,
}

pub(crate) fn here(a: &Authed, contract: i64, purpose: &str) -> Here {
    Here {
        actor: a
            .actor()
            .in_contract(ContractId(contract), Some(purpose.to_owned())),
        base: format!("/c/{contract}/{purpose}/questionnaires"),
    }
}

pub(crate) fn layout(a: &Authed) -> Layout {
    Layout::for_session(&a.session, &a.ctx.request_id, "/questionnaires")
}

/// The user's contracts with the アンケート purpose: straight there when
/// there is one.
async fn choose(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    let contexts: Vec<_> = st
        .svc
        .work_contexts(a.session.user.id)
        .await?
        .into_iter()
        .filter(|c| c.purpose_code == itaku_service::seminars::PURPOSE_ANKETO)
        .collect();
    match contexts.as_slice() {
        [only] => Ok(axum::response::Redirect::to(&format!(
            "/c/{}/{}/questionnaires",
            only.contract_id, only.purpose_code
        ))
        .into_response()),
        _ => back(
            "/dashboard",
            Err(ServiceError::Invalid(match contexts.len() {
                0 => "アンケートを扱う契約がありません".into(),
                _ => "契約を選んでからアンケートを開いてください".into(),
            })),
        ),
    }
}

#[derive(Template)]
#[template(path = "anketo_list.html")]
struct ListPage {
    layout: Layout,
    base: String,
    items: Vec<QuestionnaireView>,
    notice: Option<String>,
    error: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let items = st.svc.questionnaires(&h.actor).await?;
    Ok(render(&ListPage {
        layout: layout(&a),
        base: h.base,
        items,
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct CreateForm {
    _csrf: String,
    title: String,
    #[serde(default)]
    intro: String,
    mode: String,
}

async fn create(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Form(f): Form<CreateForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let h = here(&a, contract, &purpose);
    let r = async {
        let mode = Mode::parse(&f.mode)?;
        st.svc
            .create_questionnaire(&h.actor, &f.title, &f.intro, mode, None)
            .await
    }
    .await;
    match r {
        Ok(id) => back(
            &format!("{}/{id}", h.base),
            Ok("アンケートを作りました。質問を追加してください。".into()),
        ),
        Err(e) => back(&h.base, Err(e)),
    }
}

#[derive(Template)]
#[template(path = "anketo_edit.html")]
struct EditPage {
    layout: Layout,
    base: String,
    q: QuestionnaireView,
    notice: Option<String>,
    error: Option<String>,
}

async fn detail(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let q = st.svc.questionnaire(&h.actor, id).await?;
    Ok(render(&EditPage {
        layout: layout(&a),
        base: h.base,
        q,
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

#[derive(Deserialize)]
struct QuestionForm {
    _csrf: String,
    kind: String,
    text: String,
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    choices: String,
    #[serde(default)]
    scale_max: Option<i64>,
    #[serde(default)]
    min_label: String,
    #[serde(default)]
    max_label: String,
    /// "{question id}:{choice}" or empty.
    #[serde(default)]
    show_if: String,
}

async fn add_question(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Form(f): Form<QuestionForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let h = here(&a, contract, &purpose);
    let show_if = f
        .show_if
        .split_once(':')
        .and_then(|(q, c)| Some((q.trim().parse().ok()?, c.trim().parse().ok()?)));
    let spec = NewQuestionSpec {
        kind: f.kind,
        text: f.text,
        required: f.required.is_some(),
        choices: f.choices.lines().map(str::to_owned).collect(),
        scale: (1, f.scale_max.unwrap_or(5)),
        min_label: f.min_label,
        max_label: f.max_label,
        show_if,
    };
    let r = st
        .svc
        .add_question(&h.actor, id, &spec)
        .await
        .map(|_| "質問を追加しました。".to_owned());
    back(&format!("{}/{id}", h.base), r)
}

async fn act(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, act)): Path<(i64, String, i64, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let csrf = f
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    a.check_csrf(csrf)?;
    let h = here(&a, contract, &purpose);
    let r = match act.as_str() {
        "publish" => st
            .svc
            .publish_questionnaire(&h.actor, id)
            .await
            .map(|o| match o {
                PublishOutcome::Published { version } => {
                    format!("公開しました（第{version}版）。")
                }
                PublishOutcome::AwaitingApproval { questions } => format!(
                    "問{} は区の承認が必要です。区の承認を待っています。",
                    questions
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join("・問")
                ),
            }),
        "close" => st
            .svc
            .close_questionnaire(&h.actor, id)
            .await
            .map(|_| "回答の受付を締め切りました。".to_owned()),
        "done" => st.svc.mark_aggregation_done(&h.actor, id).await.map(|j| {
            format!(
                "集計完了を記録しました。区の保存期間の規則により返却・消去の予定 {} 件を登録しました。",
                j.len()
            )
        }),
        _ => Err(ServiceError::not_found()),
    };
    back(&format!("{}/{id}", h.base), r)
}
