//! Ward staff writing a household's ledger from its page: a history entry
//! of their own (窓口納付相談, 電話, 訪問, …), a correction of an entry (a
//! new entry superseding it, the old one kept and marked), a payment for a
//! fiscal year, and an installment plan with its schedule. The service
//! checks each (dates as on paper, amounts, sums) and says what is wrong.

use super::tainou::back;
use super::ward_common::require_ward_staff;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use itaku_service::tainou::{LineInput, PageInput};
use serde::Deserialize;

/// Installments the plan form offers (blank rows are skipped).
pub const PLAN_ROWS: usize = 12;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ward/tainou/households/{id}/entries", post(add_entry))
        .route(
            "/ward/tainou/households/{id}/entries/{entry}/correct",
            post(correct_entry),
        )
        .route("/ward/tainou/households/{id}/payments", post(add_payment))
        .route("/ward/tainou/households/{id}/plans", post(add_plan))
}

fn ledger_url(id: i64) -> String {
    format!("/ward/tainou/households/{id}")
}

/// One history line as the form sends it; the seven items are `item0`…`item6`
/// in [`itaku_service::tainou::SEVEN`] order.
#[derive(Deserialize, Default)]
pub struct LineForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    item0: String,
    #[serde(default)]
    item1: String,
    #[serde(default)]
    item2: String,
    #[serde(default)]
    item3: String,
    #[serde(default)]
    item4: String,
    #[serde(default)]
    item5: String,
    #[serde(default)]
    item6: String,
    #[serde(default)]
    note: String,
}

impl LineForm {
    fn line(&self) -> LineInput {
        LineInput {
            date: self.date.clone(),
            kind: self.kind.clone(),
            amount: self.amount.clone(),
            items: [
                self.item0.clone(),
                self.item1.clone(),
                self.item2.clone(),
                self.item3.clone(),
                self.item4.clone(),
                self.item5.clone(),
                self.item6.clone(),
            ],
            note: self.note.clone(),
        }
    }
}

async fn add_entry(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<LineForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let line = f.line();
    // A page of one line: its 頁計 is the line's amount (or none).
    let page = PageInput {
        page_total: line.amount.clone(),
        lines: vec![line],
    };
    let r = st
        .svc
        .add_ledger_entries(&a.actor(), id, &page)
        .await
        .map(|_| "交渉経過を記録しました。".to_owned());
    back(&ledger_url(id), r)
}

async fn correct_entry(
    State(st): State<AppState>,
    a: Authed,
    Path((id, entry)): Path<(i64, i64)>,
    Form(f): Form<LineForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let r = st
        .svc
        .correct_ledger_entry(&a.actor(), entry, &f.line())
        .await
        .map(|new| format!("記録 {entry} を訂正しました（訂正後の記録 {new}）。"));
    back(&ledger_url(id), r)
}

#[derive(Deserialize, Default)]
pub struct PaymentForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    fiscal_year: String,
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    plan: String,
}

async fn add_payment(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<PaymentForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let r = async {
        let fy: i32 = f.fiscal_year.trim().parse().map_err(|_| {
            itaku_service::ServiceError::Invalid("納付の年度を選んでください".into())
        })?;
        let plan = f.plan.trim().parse().ok();
        st.svc
            .record_payment(&a.actor(), id, fy, &f.paid_on, &f.amount, plan)
            .await
            .map(|_| "納付を記録しました。".to_owned())
    }
    .await;
    back(&ledger_url(id), r)
}

/// `agreed_on`, `total`, then `due_on_N` / `due_amount_N` for N in 0..PLAN_ROWS.
async fn add_plan(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let field = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    a.check_csrf(Some(&field("_csrf")))?;
    let schedule: Vec<(String, String)> = (0..PLAN_ROWS)
        .map(|n| {
            (
                field(&format!("due_on_{n}")),
                field(&format!("due_amount_{n}")),
            )
        })
        .collect();
    let r = st
        .svc
        .create_plan(
            &a.actor(),
            id,
            &field("agreed_on"),
            &field("total"),
            &schedule,
        )
        .await
        .map(|_| "分割納付の誓約を登録しました。".to_owned());
    back(&ledger_url(id), r)
}
