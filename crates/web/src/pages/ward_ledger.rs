//! 情報管理台帳: per contract, what the ward provided (register, campaign
//! lists, packages), what came back, receipts, and what the contract's
//! vault still holds; and receiving the contractor's results (返還) within
//! this installation.

use super::render;
use super::ward_common::require_ward_staff;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_service::{jst_display, ServiceError};
use serde::Deserialize;

pub struct ContractRow {
    pub id: i64,
    pub name: String,
    pub status: &'static str,
    pub ends_on: String,
}

#[derive(Template)]
#[template(path = "ward_ledger_index.html")]
struct IndexPage {
    layout: Layout,
    contracts: Vec<ContractRow>,
}

pub struct LineRow {
    pub id: i64,
    pub at: String,
    pub direction: &'static str,
    pub is_return: bool,
    pub channel: &'static str,
    pub records: i64,
    pub items: String,
    pub digest: String,
    pub counterpart: String,
    pub receipt: &'static str,
    pub waiting: bool,
    pub operator: String,
}

#[derive(Template)]
#[template(path = "ward_ledger.html")]
struct LedgerPage {
    layout: Layout,
    id: i64,
    name: String,
    lines: Vec<LineRow>,
    provided: i64,
    returned: i64,
    held: i64,
    erased: bool,
    returned_after_last_provision: bool,
    notice: Option<String>,
    error: Option<String>,
}

fn status_label(s: &str) -> &'static str {
    match s {
        "active" => "契約中",
        "cancelled" => "解除",
        "closed" => "終了",
        _ => "不明",
    }
}

pub async fn index(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let contracts = st
        .svc
        .ledger_contracts(&a.actor())
        .await?
        .into_iter()
        .map(|c| ContractRow {
            id: c.id,
            name: c.name,
            status: status_label(&c.status),
            ends_on: c.ends_on,
        })
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/ledger");
    Ok(render(&IndexPage { layout, contracts })?.into_response())
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    returned: Option<i64>,
}

async fn ledger_page(
    st: &AppState,
    a: &Authed,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let l = st.svc.ledger(&a.actor(), id).await?;
    let lines = l
        .lines
        .iter()
        .map(|x| LineRow {
            id: x.id,
            at: jst_display(&x.created_at),
            direction: x.direction.label(),
            is_return: x.direction == itaku_service::Direction::Return,
            channel: x.channel.label(),
            records: x.records,
            items: x.items.labels(),
            digest: x.digest.chars().take(16).collect(),
            counterpart: x.counterpart.clone().unwrap_or_else(|| "—".into()),
            receipt: if x.awaiting_receipt() {
                "受領書待ち"
            } else if x.receipt_at.is_some() {
                "受領書あり"
            } else {
                "—"
            },
            waiting: x.awaiting_receipt(),
            operator: x.operator.clone(),
        })
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/ledger");
    let status = if error.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        render(&LedgerPage {
            layout,
            id,
            name: l.contract_name.clone(),
            lines,
            provided: l.provided(),
            returned: l.returned(),
            held: l.held,
            erased: l.erased,
            returned_after_last_provision: l.returned_after_last_provision,
            notice,
            error,
        })?,
    )
        .into_response())
}

pub async fn ledger(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let notice = q
        .returned
        .map(|n| format!("返還を受けました: {n} 人分の結果を区の名簿に記録しました。"));
    ledger_page(&st, &a, id, notice, None).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

pub async fn receive_return(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(_f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    match st.svc.receive_return(&a.actor(), id).await {
        Ok(r) => {
            Ok(Redirect::to(&format!("/ward/ledger/{id}?returned={}", r.persons)).into_response())
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            ledger_page(&st, &a, id, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}
