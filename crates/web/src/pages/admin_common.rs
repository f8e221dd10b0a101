//! What the ward administrator's pages share: their routes, the section
//! menu, forms read field by field (a missing field is an empty one, never a
//! bare rejection), the admin-only gate for pages, and the split between a
//! mistake in the input (shown on the same page, input kept) and everything
//! else (refusals, step-up, internal errors).

use super::{admin_contracts, admin_jobs, admin_orgs, admin_users, render};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use itaku_core::Role;
use itaku_service::{Denial, ServiceError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/orgs",
            get(admin_orgs::page).post(admin_orgs::create),
        )
        .route(
            "/admin/users",
            get(admin_users::page).post(admin_users::create),
        )
        .route("/admin/users/{id}", get(admin_users::detail))
        .route("/admin/users/{id}/active", post(admin_users::set_active))
        .route("/admin/users/{id}/role", post(admin_users::set_role))
        .route("/admin/users/{id}/training", post(admin_users::training))
        .route(
            "/admin/jobs",
            get(admin_jobs::page).post(admin_jobs::create),
        )
        .route("/admin/jobs/{id}/purposes", post(admin_jobs::add_purpose))
        .route(
            "/admin/contracts",
            get(admin_contracts::page).post(admin_contracts::create),
        )
        .route("/admin/contracts/{id}", get(admin_contracts::detail))
        .route("/admin/contracts/{id}/staff", post(admin_contracts::assign))
        .route(
            "/admin/contracts/{id}/staff/{user}/remove",
            post(admin_contracts::remove),
        )
        .route(
            "/admin/contracts/{id}/subcontractors",
            post(admin_contracts::approve),
        )
        .route(
            "/admin/contracts/{id}/subcontractors/{org}/revoke",
            post(admin_contracts::revoke),
        )
}

/// One entry of the menu between the administrator's sections.
pub struct SubNavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub fn subnav(current: &str) -> Vec<SubNavItem> {
    [
        ("/admin", "概要"),
        ("/admin/orgs", "組織"),
        ("/admin/users", "利用者"),
        ("/admin/jobs", "業務と利用目的"),
        ("/admin/contracts", "契約"),
    ]
    .into_iter()
    .map(|(href, label)| SubNavItem {
        href,
        label,
        current: href == current,
    })
    .collect()
}

/// The administrator's pages show their forms to the ward administrator
/// only; every change is refused (and audited) by the service as well.
pub fn require_admin(a: &Authed) -> Result<(), WebError> {
    if a.session.user.role == Role::WardAdmin {
        Ok(())
    } else {
        Err(WebError::Service(ServiceError::Denied(
            Denial::RoleNotPermitted,
        )))
    }
}

/// A submitted form as its pairs, in order; repeated names (checkboxes)
/// keep every value.
pub struct Fields(Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| {
                WebError::BadRequest(
                    "送信された内容を読み取れませんでした。画面を開き直してください。".into(),
                )
            })?;
        Ok(Fields(
            url::form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

impl Fields {
    /// The first value of `name`, or "" when it was not sent.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A checkbox: sent only when ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }

    /// Every administrator's form carries the session's CSRF token.
    pub fn check_csrf(&self, a: &Authed) -> Result<(), WebError> {
        a.check_csrf(Some(&self.get("_csrf")))
    }
}

/// Why a form was not carried out.
pub enum Failure {
    /// The input is wrong: say so on the same page, with the input kept.
    Input(StatusCode, String),
    /// Anything else: a refusal, a needed step-up, an internal error.
    Web(WebError),
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(m) => Failure::Input(StatusCode::BAD_REQUEST, m),
            ServiceError::Conflict(m) => Failure::Input(StatusCode::CONFLICT, m),
            e if e.is_not_found() => Failure::Input(
                StatusCode::NOT_FOUND,
                "指定された対象が見つかりません。画面を開き直してから操作してください。".into(),
            ),
            e => Failure::Web(e.into()),
        }
    }
}

impl From<WebError> for Failure {
    fn from(e: WebError) -> Self {
        Failure::Web(e)
    }
}

pub fn invalid(message: impl Into<String>) -> Failure {
    Failure::Input(StatusCode::BAD_REQUEST, message.into())
}

/// An id in the address; anything else is a page that does not exist.
pub fn path_id(s: &str) -> Result<i64, WebError> {
    s.parse::<i64>().map_err(|_| WebError::NotFound)
}

/// An id chosen in a form.
pub fn form_id(value: &str, what: &str) -> Result<i64, Failure> {
    value
        .trim()
        .parse::<i64>()
        .map_err(|_| invalid(format!("{what}を選んでください")))
}

/// A date as people write them (2026-04-01, 2026/4/1, 令和8年4月1日 …).
pub fn form_date(value: &str, label: &str) -> Result<NaiveDate, Failure> {
    if value.trim().is_empty() {
        return Err(invalid(format!("{label}を入力してください")));
    }
    itaku_jp::parse_date(value).map_err(|e| invalid(format!("{label}{e}")))
}

/// Today in the ward's time zone, by the service's clock.
pub fn today(st: &AppState) -> NaiveDate {
    (st.svc.now() + chrono::Duration::hours(9)).date_naive()
}

/// A rendered page with its status.
pub fn respond(status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
    Ok((status, render(page)?).into_response())
}

/// An option of a select box.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// How a user's training (教育) stands today.
pub struct TrainingState {
    pub label: String,
    /// "ok", "bad" (lapsed or missing where it is needed) or "muted".
    pub class: &'static str,
    pub lapsed: bool,
}

pub fn training_state(valid_until: Option<&str>, needed: bool, today: NaiveDate) -> TrainingState {
    match valid_until.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        Some(d) if d >= today => TrainingState {
            label: format!("有効（{d}まで）"),
            class: "ok",
            lapsed: false,
        },
        Some(d) => TrainingState {
            label: format!("期限切れ（{d}まで）"),
            class: "bad",
            lapsed: true,
        },
        None => TrainingState {
            label: "受講記録なし".into(),
            class: if needed { "bad" } else { "muted" },
            lapsed: false,
        },
    }
}
