//! Paper questionnaires keyed twice: the keyboard-first entry screen (sheet
//! number, then one field per question; Enter moves on), the sheets'
//! states, and the settlement of a mismatched sheet by a third person with
//! both passes side by side.

use super::anketo::{here, layout};
use super::render;
use super::tainou::{back, Flash};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use itaku_service::questionnaires::{QuestionnaireView, RawAnswers, SheetDiff, SheetView};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/c/{contract}/{purpose}/questionnaires/{id}/entry",
            get(entry).post(key),
        )
        .route(
            "/c/{contract}/{purpose}/questionnaires/{id}/settle/{sheet}",
            get(settle_form).post(settle),
        )
}

/// Form fields `q{id}` (repeated for checkboxes) → raw answers.
pub(crate) fn raw_answers(form: &[(String, String)]) -> RawAnswers {
    let mut raw = RawAnswers::new();
    for (k, v) in form {
        if let Some(id) = k.strip_prefix('q').and_then(|s| s.parse::<i64>().ok()) {
            raw.entry(id).or_default().push(v.clone());
        }
    }
    raw
}

fn csrf(form: &[(String, String)]) -> Option<&str> {
    form.iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "anketo_entry.html")]
struct EntryPage {
    layout: Layout,
    base: String,
    q: QuestionnaireView,
    sheets: Vec<SheetView>,
    next_sheet: i64,
    notice: Option<String>,
    error: Option<String>,
}

async fn entry(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let q = st.svc.questionnaire(&h.actor, id).await?;
    let sheets = st.svc.questionnaire_sheets(&h.actor, id).await?;
    let next_sheet =
        f.q.parse()
            .unwrap_or_else(|_| sheets.iter().map(|s| s.sheet_no).max().unwrap_or(0) + 1);
    Ok(render(&EntryPage {
        layout: layout(&a),
        base: h.base,
        q,
        sheets,
        next_sheet,
        notice: f.notice,
        error: f.error,
    })?
    .into_response())
}

async fn key(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    a.check_csrf(csrf(&form))?;
    let h = here(&a, contract, &purpose);
    let sheet: i64 = form
        .iter()
        .find(|(k, _)| k == "sheet")
        .and_then(|(_, v)| itaku_jp::fold_width(v).trim().parse().ok())
        .unwrap_or(0);
    let r = st
        .svc
        .key_sheet(&h.actor, id, sheet, &raw_answers(&form))
        .await
        .map(|o| match o.state {
            "waiting" => {
                format!("用紙 {sheet} の1回目を保存しました。2回目は別の担当者が入力します。")
            }
            "agreed" => format!("用紙 {sheet} は1回目と一致し、登録しました。"),
            _ => format!(
                "用紙 {sheet} は1回目と {} 問違います。第三者の照合を待ちます。",
                o.differences
            ),
        });
    back(&format!("{}/{id}/entry", h.base), r)
}

#[derive(Template)]
#[template(path = "anketo_settle.html")]
struct SettlePage {
    layout: Layout,
    base: String,
    id: i64,
    sheet: i64,
    diffs: Vec<SheetDiff>,
    error: Option<String>,
}

async fn settle_form(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, sheet)): Path<(i64, String, i64, i64)>,
    Query(f): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    match st.svc.sheet_differences(&h.actor, id, sheet).await {
        Ok(diffs) => Ok(render(&SettlePage {
            layout: layout(&a),
            base: h.base,
            id,
            sheet,
            diffs,
            error: f.error,
        })?
        .into_response()),
        Err(e) => back(&format!("{}/{id}/entry", h.base), Err(e)),
    }
}

async fn settle(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, sheet)): Path<(i64, String, i64, i64)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    a.check_csrf(csrf(&form))?;
    let h = here(&a, contract, &purpose);
    let picks: BTreeMap<i64, u8> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix('c')?.parse().ok()?, v.parse().ok()?)))
        .collect();
    match st.svc.settle_sheet(&h.actor, id, sheet, &picks).await {
        Ok(_) => back(
            &format!("{}/{id}/entry", h.base),
            Ok(format!("用紙 {sheet} を照合して登録しました。")),
        ),
        Err(e) => back(&format!("{}/{id}/settle/{sheet}", h.base), Err(e)),
    }
}
