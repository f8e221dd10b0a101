//! 世帯台帳 (seed 004) for ward staff: search households by name or
//! 記号番号, read one household's ledger (members, years with arrears,
//! installment schedule against payments, the chronological history), and
//! assign and close the entry contract's batches.

use super::render;
use super::ward_common::require_ward_staff;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use itaku_service::tainou::{
    yen, BatchView, EntryKind, EntryView, HouseholdSummary, LedgerView, SEVEN,
};
use itaku_service::ServiceError;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ward/tainou", get(search))
        .route("/ward/tainou/households/{id}", get(ledger))
        .route(
            "/ward/tainou/households/{id}/notes/{entry}/{act}",
            post(review_note),
        )
        .route(
            "/ward/tainou/contracts/{contract}",
            get(batches).post(create_batch),
        )
        .route(
            "/ward/tainou/contracts/{contract}/batches/{batch}/close",
            post(close_batch),
        )
        .merge(super::tainou_entry::routes())
        .merge(super::tainou_ward::routes())
        .merge(super::tainou_settle::routes())
}

pub(crate) fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Back to `to` with a message; refusals a clerk can act on are shown.
pub(crate) fn back(to: &str, r: Result<String, ServiceError>) -> Result<Response, WebError> {
    let sep = if to.contains('?') { '&' } else { '?' };
    match r {
        Ok(n) => Ok(Redirect::to(&format!("{to}{sep}notice={}", enc(&n))).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            Ok(Redirect::to(&format!("{to}{sep}error={}", enc(&e.to_string()))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct Flash {
    #[serde(default)]
    pub notice: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub q: String,
}

#[derive(Template)]
#[template(path = "tainou_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    hits: Option<Vec<HouseholdSummary>>,
    contracts: Vec<(i64, String)>,
}

async fn search(
    State(st): State<AppState>,
    a: Authed,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let q = f.q.trim().to_owned();
    let hits = if q.is_empty() {
        None
    } else {
        Some(st.svc.search_households(&a.actor(), &q, 50).await?)
    };
    Ok(render(&SearchPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/ward/tainou"),
        q,
        hits,
        contracts: st.svc.tainou_entry_contracts().await?,
    })?
    .into_response())
}

/// One history row as the template shows it.
pub(crate) struct HistoryRow {
    pub e: EntryView,
    pub date: String,
    pub kind: String,
    pub kind_code: &'static str,
    /// The amount as typed back into the correction form (digits only).
    pub amount_digits: String,
    /// The seven items' values in `item0`… order (blank ones included).
    pub item_values: Vec<String>,
    pub amount: String,
    pub items: Vec<(&'static str, String)>,
}

pub(crate) fn history_rows(entries: &[EntryView]) -> Vec<HistoryRow> {
    entries
        .iter()
        .map(|e| HistoryRow {
            date: itaku_jp::format_wareki(e.entry_on),
            kind: e.line.kind.label().to_owned(),
            kind_code: e.line.kind.code(),
            amount_digits: e.line.amount.map(|a| a.to_string()).unwrap_or_default(),
            item_values: e.line.items.to_vec(),
            amount: e
                .line
                .amount
                .map(|a| format!("{}円", yen(a)))
                .unwrap_or_default(),
            items: SEVEN
                .iter()
                .zip(e.line.items.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(i, v)| (i.label(), v.clone()))
                .collect(),
            e: e.clone(),
        })
        .collect()
}

/// An installment plan as shown: schedule against payments.
pub(crate) struct PlanRows {
    pub agreed_on: String,
    pub total: String,
    pub paid: String,
    pub overdue: String,
    pub has_overdue: bool,
    /// (納期, 金額, 状態).
    pub dues: Vec<(String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "tainou_ledger.html")]
struct LedgerPage {
    layout: Layout,
    l: LedgerView,
    /// (年度, 賦課額, 納付額, 未納額, 未納あり).
    years: Vec<(String, String, String, String, bool)>,
    total_arrears: String,
    plans: Vec<PlanRows>,
    history: Vec<HistoryRow>,
    held: Vec<itaku_service::tainou::HeldLedgerNote>,
    /// For the forms: (code, label) of each kind of entry.
    kinds: Vec<(&'static str, &'static str)>,
    /// The seven items' labels, in the form's `item0`… order.
    seven: Vec<&'static str>,
    /// (fiscal year, label) with an assessment, newest first.
    fiscal_years: Vec<(i32, String)>,
    /// (plan id, label).
    plan_options: Vec<(i64, String)>,
    plan_rows: Vec<usize>,
    notice: Option<String>,
    error: Option<String>,
}

fn money(n: i64) -> String {
    format!("{}円", yen(n))
}

async fn ledger(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let l = st.svc.read_ledger(&a.actor(), id).await?;
    let held = st.svc.held_ledger_notes(&a.actor(), id).await?;
    let history = history_rows(&l.history);
    let fiscal_years = l
        .years
        .iter()
        .rev()
        .map(|y| (y.fiscal_year, y.label.clone()))
        .collect();
    let plan_options = l
        .plans
        .iter()
        .map(|p| {
            (
                p.id,
                format!(
                    "{} 誓約（{}）",
                    itaku_jp::format_wareki(p.agreed_on),
                    money(p.total)
                ),
            )
        })
        .collect();
    let years = l
        .years
        .iter()
        .map(|y| {
            (
                y.label.clone(),
                money(y.assessed),
                money(y.paid),
                money(y.arrears),
                y.arrears > 0,
            )
        })
        .collect();
    let plans = l
        .plans
        .iter()
        .map(|p| PlanRows {
            agreed_on: itaku_jp::format_wareki(p.agreed_on),
            total: money(p.total),
            paid: money(p.paid),
            overdue: money(p.overdue),
            has_overdue: p.overdue > 0,
            dues: p
                .dues
                .iter()
                .map(|d| (itaku_jp::format_wareki(d.due_on), money(d.amount), d.state))
                .collect(),
        })
        .collect();
    Ok(render(&LedgerPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/ward/tainou"),
        total_arrears: money(l.total_arrears),
        l,
        years,
        plans,
        history,
        held,
        kinds: EntryKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        seven: SEVEN.iter().map(|i| i.label()).collect(),
        fiscal_years,
        plan_options,
        plan_rows: (0..super::tainou_ward::PLAN_ROWS).collect(),
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

async fn review_note(
    State(st): State<AppState>,
    a: Authed,
    Path((id, entry, act)): Path<(i64, i64, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let release = act == "release";
    let r = st
        .svc
        .review_ledger_note(&a.actor(), entry, release)
        .await
        .map(|_| {
            if release {
                "備考を表示するようにしました。".to_owned()
            } else {
                "備考を削除しました。".to_owned()
            }
        });
    back(&format!("/ward/tainou/households/{id}"), r)
}

#[derive(Template)]
#[template(path = "tainou_ward_batches.html")]
struct BatchesPage {
    layout: Layout,
    contract_id: i64,
    contract_name: String,
    batches: Vec<BatchView>,
    progress: itaku_service::tainou::Progress,
    notice: Option<String>,
    error: Option<String>,
}

async fn batches(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<i64>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let batches = st.svc.entry_batches(&a.actor(), contract).await?;
    let progress = st.svc.entry_progress(&a.actor(), contract).await?;
    Ok(render(&BatchesPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/ward/tainou"),
        contract_id: contract,
        contract_name: progress.contract_name.clone(),
        batches,
        progress,
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct BatchForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    era: String,
    #[serde(default)]
    pages: String,
}

async fn create_batch(
    State(st): State<AppState>,
    a: Authed,
    Path(contract): Path<i64>,
    Form(f): Form<BatchForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let r = async {
        let era: itaku_jp::Era = f
            .era
            .parse()
            .map_err(|_| ServiceError::Invalid("元号を選んでください".into()))?;
        let n: usize = itaku_jp::fold_width(f.pages.trim())
            .parse()
            .map_err(|_| ServiceError::Invalid("頁数を数字で入力してください".into()))?;
        let id = st
            .svc
            .create_entry_batch(&a.actor(), contract, &f.name, era, n)
            .await?;
        Ok(format!("束 {id} を委託先に割り当てました。"))
    }
    .await;
    back(&format!("/ward/tainou/contracts/{contract}"), r)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

async fn close_batch(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, batch)): Path<(i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let r = st
        .svc
        .close_entry_batch(&a.actor(), contract, batch)
        .await
        .map(|_| format!("束 {batch} を締め切りました。"));
    back(&format!("/ward/tainou/contracts/{contract}"), r)
}
