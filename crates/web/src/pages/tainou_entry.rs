//! The entry workplace (seed 004): an operator picks a batch and keys the
//! pages the screen hands out, one after another, with the keyboard only.
//! Field order follows the paper 滞納整理票; tainou.js moves on Enter,
//! saves on Ctrl+Enter and names the 区分 as it is typed.

use super::render;
use super::tainou::{back, Flash};
use crate::ctx::Authed;
use crate::error::{public_message, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use itaku_core::ContractId;
use itaku_service::tainou::{BatchView, EntryKind, LineInput, PageInput, PageToKey, SEVEN};
use itaku_service::{Actor, ServiceError, WorkContext};

/// Lines on one paper page (and rows on the entry screen).
pub const LINES: usize = 6;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tainou", get(choose))
        .route("/c/{contract}/{purpose}/tainou", get(index))
        .route(
            "/c/{contract}/{purpose}/tainou/batches/{batch}/key",
            get(key_form),
        )
        .route(
            "/c/{contract}/{purpose}/tainou/batches/{batch}/pages/{page}",
            axum::routing::post(key_submit),
        )
}

pub(crate) struct Here {
    pub actor: Actor,
    pub base: String,
    pub contract: i64,
}

pub(crate) fn here(a: &Authed, contract: i64, purpose: &str) -> Here {
    Here {
        actor: a
            .actor()
            .in_contract(ContractId(contract), Some(purpose.to_owned())),
        base: format!("/c/{contract}/{purpose}/tainou"),
        contract,
    }
}

#[derive(Template)]
#[template(path = "tainou_choose.html")]
struct ChoosePage {
    layout: Layout,
    contexts: Vec<WorkContext>,
}

async fn choose(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    let contexts = st.svc.tainou_contexts(a.session.user.id).await?;
    if let [only] = contexts.as_slice() {
        return Ok(Redirect::to(&format!(
            "/c/{}/{}/tainou",
            only.contract_id, only.purpose_code
        ))
        .into_response());
    }
    Ok(render(&ChoosePage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/tainou"),
        contexts,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "tainou_batches.html")]
struct IndexPage {
    layout: Layout,
    base: String,
    batches: Vec<BatchView>,
    notice: Option<String>,
    error: Option<String>,
}

async fn index(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let batches = st.svc.entry_batches(&h.actor, h.contract).await?;
    Ok(render(&IndexPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/tainou"),
        base: h.base,
        batches,
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

/// One input on the entry screen.
pub(crate) struct Cell {
    pub line: usize,
    pub id: String,
    pub name: String,
    pub label: &'static str,
    pub value: String,
    pub class: &'static str,
    pub mode: &'static str,
}

/// Names of a line's fields, in paper order.
fn field_names() -> Vec<(String, &'static str, &'static str, &'static str)> {
    let mut v = vec![
        ("date".to_owned(), "年月日", "tainou-date", "text"),
        ("kind".to_owned(), "区分", "tainou-kind", "text"),
        ("amount".to_owned(), "金額", "tainou-amount", "numeric"),
    ];
    for (i, item) in SEVEN.iter().enumerate() {
        v.push((format!("k{i}"), item.label(), "tainou-text", "text"));
    }
    v.push(("note".to_owned(), "備考", "tainou-note", "text"));
    v
}

fn cells(lines: &[LineInput]) -> Vec<Vec<Cell>> {
    (0..LINES)
        .map(|n| {
            let l = lines.get(n).cloned().unwrap_or_default();
            field_names()
                .into_iter()
                .map(|(f, label, class, mode)| {
                    let value = match f.as_str() {
                        "date" => l.date.clone(),
                        "kind" => l.kind.clone(),
                        "amount" => l.amount.clone(),
                        "note" => l.note.clone(),
                        k => k[1..]
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| l.items.get(i).cloned())
                            .unwrap_or_default(),
                    };
                    Cell {
                        line: n + 1,
                        id: format!("l{n}-{f}"),
                        name: format!("l{n}_{f}"),
                        label,
                        value,
                        class,
                        mode,
                    }
                })
                .collect()
        })
        .collect()
}

fn page_input(form: &[(String, String)]) -> PageInput {
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let lines = (0..LINES)
        .map(|n| {
            let mut items: [String; 7] = Default::default();
            for (i, slot) in items.iter_mut().enumerate() {
                *slot = get(&format!("l{n}_k{i}"));
            }
            LineInput {
                date: get(&format!("l{n}_date")),
                kind: get(&format!("l{n}_kind")),
                amount: get(&format!("l{n}_amount")),
                items,
                note: get(&format!("l{n}_note")),
            }
        })
        .collect();
    PageInput {
        lines,
        page_total: get("page_total"),
    }
}

#[derive(Template)]
#[template(path = "tainou_key.html")]
struct KeyPage {
    layout: Layout,
    base: String,
    batch_id: i64,
    page: Option<PageToKey>,
    rows: Vec<Vec<Cell>>,
    headers: Vec<&'static str>,
    page_total: String,
    kinds: Vec<(&'static str, &'static str, &'static str)>,
    notice: Option<String>,
    error: Option<String>,
}

fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    EntryKind::ALL
        .iter()
        .map(|k| (k.code(), k.label(), k.reading()))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn key_page(
    a: &Authed,
    h: &Here,
    batch: i64,
    page: Option<PageToKey>,
    input: &PageInput,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    Ok(render(&KeyPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/tainou"),
        base: h.base.clone(),
        batch_id: batch,
        page,
        rows: cells(&input.lines),
        headers: field_names().into_iter().map(|f| f.1).collect(),
        page_total: input.page_total.clone(),
        kinds: kinds(),
        notice,
        error,
    })?
    .into_response())
}

async fn key_form(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, batch)): Path<(i64, String, i64)>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let page = st.svc.next_entry_page(&h.actor, batch).await?;
    key_page(
        &a,
        &h,
        batch,
        page,
        &PageInput::default(),
        f.notice,
        f.error,
    )
}

async fn key_submit(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, batch, page_id)): Path<(i64, String, i64, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let csrf = form
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    a.check_csrf(csrf)?;
    let input = page_input(&form);
    match st.svc.key_page(&h.actor, page_id, &input).await {
        Ok(r) => {
            let mut msg = match r.state {
                "agreed" => "2回目の入力が1回目と一致し、台帳に登録しました。".to_owned(),
                "mismatch" => format!(
                    "2回目の入力が1回目と {} 項目で違います。照合に回しました。",
                    r.differences
                ),
                _ => "1回目の入力を保存しました。".to_owned(),
            };
            if r.held_notes > 0 {
                msg.push_str(&format!(
                    "備考 {} 件は収集してはならない内容の可能性があるため、確認待ちにしました。",
                    r.held_notes
                ));
            }
            back(&format!("{}/batches/{batch}/key", h.base), Ok(msg))
        }
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            // Keep what was typed; show the page again with the reason.
            let page = st.svc.next_entry_page(&h.actor, batch).await?;
            let page = page.filter(|p| p.page_id == page_id);
            if page.is_none() {
                return back(&format!("{}/batches/{batch}/key", h.base), Err(e));
            }
            key_page(&a, &h, batch, page, &input, None, Some(public_message(&e)))
        }
        Err(e) => Err(e.into()),
    }
}
