//! The JSON API, on the same service operations as the pages. Signed in by
//! the same session cookie; state changes need the `X-CSRF-Token` header.
//! The OpenAPI document is generated from these handlers and checked into
//! the repository (`crates/web/openapi.json`); a test fails on drift.

use crate::ctx::Authed;
use crate::error::WebError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use itaku_core::ContractId;
use itaku_service::{Actor, AuditQuery, PersonQuery, UserView, WorkContext};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "itaku API",
        version = "1",
        description = "委託業務における個人情報の取扱いを、契約の特記事項どおりに強制するシステムのAPI。すべての個人情報の読み書きは監査ログに記録されます。"
    ),
    paths(health, me, persons, person, audit),
    components(schemas(
        Health,
        Me,
        UserView,
        WorkContext,
        ApiPerson,
        PersonPage,
        ApiAuditEntry,
        ApiError
    ))
)]
pub struct ApiDoc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/me", get(me))
        .route("/persons", get(persons))
        .route("/persons/{id}", get(person))
        .route("/audit", get(audit))
        .route("/openapi.json", get(openapi))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// Machine-readable code, e.g. `not_found`, `items_outside_purpose`.
    error: String,
    /// Japanese message for the person at the screen.
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: String,
    database: String,
    backend: String,
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn health(State(st): State<AppState>) -> (axum::http::StatusCode, Json<Health>) {
    let ok = st.svc.healthy().await;
    let status = if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if ok { "ok" } else { "degraded" }.into(),
            database: if ok { "ok" } else { "unreachable" }.into(),
            backend: st.svc.backend_name().into(),
        }),
    )
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    user: UserView,
    contexts: Vec<WorkContext>,
}

/// The signed-in user and the contracts and purposes they are designated for.
#[utoipa::path(get, path = "/api/me", responses((status = 200, body = Me), (status = 401, body = ApiError)))]
async fn me(State(st): State<AppState>, a: Authed) -> Result<Json<Me>, WebError> {
    let contexts = st
        .svc
        .work_contexts(a.session.user.id)
        .await
        .map_err(WebError::Api)?;
    Ok(Json(Me {
        user: a.session.user.clone(),
        contexts,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonsParams {
    /// Contract to work in; omitted for the ward's own vault.
    contract: Option<i64>,
    /// Purpose code within the contract (e.g. `denwa_kansho`).
    purpose: Option<String>,
    /// Search text: name in kana or kanji, phone digits, 宛名番号, 受診券整理番号.
    q: Option<String>,
    /// Page after this record id.
    after: Option<i64>,
    /// Page size (1–500).
    limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContextParams {
    contract: Option<i64>,
    purpose: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiPerson {
    id: i64,
    /// Item code → value; only the items the purpose allows.
    #[schema(value_type = BTreeMap<String, String>)]
    values: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonPage {
    total: Option<i64>,
    persons: Vec<ApiPerson>,
}

fn actor_for(a: &Authed, contract: Option<i64>, purpose: Option<String>) -> Actor {
    match contract {
        Some(c) => a.actor().in_contract(ContractId(c), purpose),
        None => a.actor(),
    }
}

fn api_person(p: itaku_service::PersonView) -> ApiPerson {
    ApiPerson {
        id: p.id,
        values: p
            .values
            .into_iter()
            .map(|(k, v)| (k.code().to_owned(), v))
            .collect(),
    }
}

/// List or search persons within a contract and purpose (or the ward's vault).
#[utoipa::path(get, path = "/api/persons", params(PersonsParams),
    responses((status = 200, body = PersonPage), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn persons(
    State(st): State<AppState>,
    a: Authed,
    Query(p): Query<PersonsParams>,
) -> Result<Json<PersonPage>, WebError> {
    let actor = actor_for(&a, p.contract, p.purpose);
    let limit = p.limit.unwrap_or(50);
    match p.q.filter(|q| !q.trim().is_empty()) {
        Some(q) => {
            let hits = st
                .svc
                .search_persons(&actor, &PersonQuery { text: q, limit })
                .await
                .map_err(WebError::Api)?;
            Ok(Json(PersonPage {
                total: None,
                persons: hits.into_iter().map(api_person).collect(),
            }))
        }
        None => {
            let (people, total) = st
                .svc
                .list_persons(&actor, p.after.unwrap_or(0), limit)
                .await
                .map_err(WebError::Api)?;
            Ok(Json(PersonPage {
                total: Some(total),
                persons: people.into_iter().map(api_person).collect(),
            }))
        }
    }
}

/// One person, with only the purpose's items. Another contract's record
/// answers exactly like a missing one (404).
#[utoipa::path(get, path = "/api/persons/{id}", params(("id" = i64, Path, description = "record id"), ContextParams),
    responses((status = 200, body = ApiPerson), (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn person(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Query(c): Query<ContextParams>,
) -> Result<Json<ApiPerson>, WebError> {
    let actor = actor_for(&a, c.contract, c.purpose);
    Ok(Json(api_person(
        st.svc
            .read_person(&actor, id)
            .await
            .map_err(WebError::Api)?,
    )))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    user_id: Option<i64>,
    contract_id: Option<i64>,
    record_id: Option<i64>,
    outcome: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiAuditEntry {
    seq: i64,
    at: String,
    actor_user_id: Option<i64>,
    actor: String,
    terminal: String,
    contract_id: Option<i64>,
    purpose: String,
    action: String,
    record_ids: Vec<i64>,
    items: String,
    outcome: String,
    reason: String,
    request_id: String,
}

/// Audit entries, newest first (ward administrators and inspectors).
#[utoipa::path(get, path = "/api/audit", params(AuditParams),
    responses((status = 200, body = [ApiAuditEntry]), (status = 401, body = ApiError), (status = 403, body = ApiError)))]
async fn audit(
    State(st): State<AppState>,
    a: Authed,
    Query(p): Query<AuditParams>,
) -> Result<Json<Vec<ApiAuditEntry>>, WebError> {
    let q = AuditQuery {
        user_id: p.user_id,
        contract_id: p.contract_id,
        record_id: p.record_id,
        outcome: p.outcome,
        limit: p.limit.unwrap_or(100),
        offset: p.offset.unwrap_or(0),
        ..Default::default()
    };
    let rows = st
        .svc
        .audit_search(&a.actor(), &q)
        .await
        .map_err(WebError::Api)?;
    Ok(Json(
        rows.into_iter()
            .map(|e| ApiAuditEntry {
                seq: e.seq,
                at: e.at,
                actor_user_id: e.actor_user_id,
                actor: e.actor,
                terminal: e.terminal,
                contract_id: e.contract_id,
                purpose: e.purpose,
                action: e.action,
                record_ids: e.record_ids,
                items: e.items,
                outcome: e.outcome,
                reason: e.reason,
                request_id: e.request_id,
            })
            .collect(),
    ))
}
