//! The ward's coded lists for contact work (未受診の理由, 要望): operators
//! choose from them on calls, visits and at the desk. Codes are retired,
//! never deleted, so old records keep their meaning.

use super::admin_common::Fields;
use super::render;
use super::ward_common::require_ward_staff;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_service::{CodeList, ContactCode, ServiceError};
use serde::Deserialize;

pub struct ListView {
    pub code: &'static str,
    pub label: &'static str,
    pub codes: Vec<ContactCode>,
    pub next_position: i64,
}

#[derive(Template)]
#[template(path = "ward_codes.html")]
struct Page {
    layout: Layout,
    lists: Vec<ListView>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

async fn page(
    st: &AppState,
    a: &Authed,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let mut lists = Vec::new();
    for list in CodeList::ALL {
        let codes = st.svc.contact_codes(list).await?;
        lists.push(ListView {
            code: list.code(),
            label: list.label(),
            next_position: codes.iter().map(|c| c.position).max().unwrap_or(0) + 1,
            codes,
        });
    }
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/codes");
    Ok((
        status,
        render(&Page {
            layout,
            lists,
            notice,
            error,
        })?,
    )
        .into_response())
}

pub async fn show(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    page(&st, &a, (!q.notice.is_empty()).then_some(q.notice), None).await
}

pub async fn save(State(st): State<AppState>, a: Authed, f: Fields) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    require_ward_staff(&st, &a).await?;
    let result = async {
        let list = CodeList::parse(&f.get("list"))?;
        let position = itaku_jp::fold_width(f.get("position").trim())
            .parse::<i64>()
            .map_err(|_| ServiceError::Invalid("表示順を数字で入力してください".into()))?;
        let code = ContactCode {
            list,
            code: f.get("code"),
            label: f.get("label"),
            position,
            active: f.checked("active"),
        };
        st.svc.save_contact_code(&a.actor(), &code).await?;
        Ok::<_, ServiceError>(code)
    }
    .await;
    match result {
        Ok(c) => Ok(Redirect::to(&format!(
            "/ward/codes?notice={}",
            url::form_urlencoded::byte_serialize(
                format!("「{}」を保存しました", c.label.trim()).as_bytes()
            )
            .collect::<String>()
        ))
        .into_response()),
        Err(e @ ServiceError::Invalid(_)) => page(&st, &a, None, Some(e.to_string())).await,
        Err(e) => Err(e.into()),
    }
}

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ward/codes", axum::routing::get(show).post(save))
}
