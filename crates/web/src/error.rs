//! One error type for the web layer. Service errors become a status and a
//! Japanese message; internals are logged, never shown.

use crate::layout::Layout;
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use itaku_service::ServiceError;

#[derive(Debug)]
pub enum WebError {
    Service(ServiceError),
    /// For pages: go and sign in, then back to the page asked for (a
    /// local path, for GET requests only).
    SignInRedirect(Option<String>),
    ApiUnauthenticated,
    StepUp(String),
    Csrf,
    NotFound,
    BadRequest(String),
    Api(ServiceError),
}

impl From<ServiceError> for WebError {
    fn from(e: ServiceError) -> Self {
        WebError::Service(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    title: String,
    message: String,
}

pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::Denied(d) if d.code() == "not_found" => StatusCode::NOT_FOUND,
        ServiceError::Denied(_) => StatusCode::FORBIDDEN,
        ServiceError::SignInFailed | ServiceError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ServiceError::StepUpRequired => StatusCode::FORBIDDEN,
        ServiceError::Invalid(_) | ServiceError::Exchange(_) => StatusCode::BAD_REQUEST,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::AuditFailed => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What a person may read about an error.
pub fn public_message(e: &ServiceError) -> String {
    match status_of(e) {
        StatusCode::INTERNAL_SERVER_ERROR => {
            tracing::error!(error = %e, "internal error");
            "内部エラーが発生しました。時間をおいて再度お試しいただき、続く場合は管理者に連絡してください。".into()
        }
        _ => e.to_string(),
    }
}

fn page(status: StatusCode, title: &str, message: String) -> Response {
    let body = ErrorPage {
        layout: Layout::bare(),
        title: title.into(),
        message,
    }
    .render()
    .unwrap_or_else(|_| "エラーが発生しました".into());
    (status, Html(body)).into_response()
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::SignInRedirect(None) => Redirect::to("/signin").into_response(),
            WebError::SignInRedirect(Some(next)) => {
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/signin?next={next}")).into_response()
            }
            WebError::ApiUnauthenticated => (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": "unauthenticated", "message": "サインインが必要です。"})),
            )
                .into_response(),
            WebError::StepUp(next) => {
                let to = format!("/stepup?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
                (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
            }
            WebError::Csrf => page(
                StatusCode::FORBIDDEN,
                "要求を受け付けられません",
                "画面の有効期限が切れたか、別の画面からの送信です。もう一度画面を開き直してから操作してください。".into(),
            ),
            WebError::NotFound => page(StatusCode::NOT_FOUND, "見つかりません", "該当するページはありません。".into()),
            WebError::BadRequest(m) => page(StatusCode::BAD_REQUEST, "入力に誤りがあります", m),
            WebError::Service(ServiceError::Unauthenticated) => Redirect::to("/signin").into_response(),
            WebError::Service(e) => {
                let status = status_of(&e);
                let title = match status {
                    StatusCode::NOT_FOUND => "見つかりません",
                    StatusCode::FORBIDDEN => "利用できません",
                    StatusCode::BAD_REQUEST => "入力に誤りがあります",
                    _ => "エラー",
                };
                page(status, title, public_message(&e))
            }
            WebError::Api(e) => {
                let status = status_of(&e);
                let code = match &e {
                    ServiceError::Denied(d) => d.code().to_owned(),
                    _ => status.as_u16().to_string(),
                };
                (status, axum::Json(serde_json::json!({"error": code, "message": public_message(&e)}))).into_response()
            }
        }
    }
}
