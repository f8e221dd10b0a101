use super::render;
use crate::ctx::{constant_eq, cookie, set_cookie, Authed, Ctx, PRE_COOKIE, SESSION_COOKIE};
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_service::{ServiceError, SignIn};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    layout: Layout,
    error: Option<String>,
    pre_csrf: String,
    login: String,
    /// Where to go once signed in (a local path), or empty.
    next: String,
}

#[derive(Template)]
#[template(path = "stepup.html")]
struct StepUpPage {
    layout: Layout,
    error: Option<String>,
    next: String,
    reason: String,
}

/// A pre-session token for the sign-in form (double submit): a login from
/// another site's form is refused.
fn pre_token() -> String {
    itaku_crypto::random_token()
}

pub struct PreCookie(Option<String>);

impl axum::extract::FromRequestParts<AppState> for PreCookie {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PreCookie(cookie(parts, PRE_COOKIE)))
    }
}

fn signin_page(
    ctx: &Ctx,
    pre: String,
    status: StatusCode,
    error: Option<String>,
    login: String,
    next: &str,
) -> Result<Response, WebError> {
    let body = render(&SignInPage {
        layout: Layout::anonymous(&ctx.request_id),
        error,
        pre_csrf: pre.clone(),
        login,
        next: if next.is_empty() {
            String::new()
        } else {
            safe_next(next)
        },
    })?;
    Ok((
        status,
        [(header::SET_COOKIE, set_cookie(PRE_COOKIE, &pre, Some(3600)))],
        body,
    )
        .into_response())
}

pub async fn form(
    ctx: Ctx,
    PreCookie(pre): PreCookie,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    signin_page(
        &ctx,
        pre.unwrap_or_else(pre_token),
        StatusCode::OK,
        None,
        String::new(),
        &q.next,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    _csrf: String,
    login: String,
    password: String,
    totp: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    State(st): State<AppState>,
    ctx: Ctx,
    PreCookie(pre): PreCookie,
    Form(f): Form<SignInForm>,
) -> Result<Response, WebError> {
    let pre_ok = pre
        .as_deref()
        .is_some_and(|p| constant_eq(p.as_bytes(), f._csrf.as_bytes()));
    if !pre_ok {
        return signin_page(
            &ctx,
            pre_token(),
            StatusCode::FORBIDDEN,
            Some("画面の有効期限が切れました。もう一度入力してください。".into()),
            f.login,
            &f.next,
        );
    }
    let attempt = SignIn {
        login: f.login.clone(),
        password: f.password,
        totp: f.totp,
        ip: ctx.ip,
        client_cert: ctx.client_cert.clone(),
        request_id: ctx.request_id.clone(),
        previous_session: ctx.session_token.clone(),
    };
    match st.svc.sign_in(attempt).await {
        Ok(s) => Ok((
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, safe_next(&f.next)),
                (
                    header::SET_COOKIE,
                    set_cookie(SESSION_COOKIE, &s.token, None),
                ),
            ],
        )
            .into_response()),
        Err(e @ (ServiceError::SignInFailed | ServiceError::Invalid(_))) => {
            // A fresh pre-session token after every failure.
            signin_page(
                &ctx,
                pre_token(),
                StatusCode::UNAUTHORIZED,
                Some(e.to_string()),
                f.login,
                &f.next,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

pub async fn signout(
    State(st): State<AppState>,
    a: Authed,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    st.svc.sign_out(&a.token, &a.ctx.request_id).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/signin".to_owned()),
            (header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0))),
            // Whatever the tab kept (htmx history, form state) goes too.
            (
                header::HeaderName::from_static("clear-site-data"),
                "\"cache\", \"storage\"".to_owned(),
            ),
        ],
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths: never an open redirect.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/dashboard".into()
    }
}

pub async fn stepup_form(a: Authed, Query(q): Query<NextQuery>) -> Result<Response, WebError> {
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "");
    Ok(render(&StepUpPage {
        layout,
        error: None,
        next: safe_next(&q.next),
        reason: "出力・消去・権限変更は特に慎重な扱いが必要です。".into(),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct StepUpForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    next: String,
    password: String,
    totp: String,
}

pub async fn stepup_submit(
    State(st): State<AppState>,
    a: Authed,
    Form(f): Form<StepUpForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let next = safe_next(&f.next);
    match st
        .svc
        .step_up(&a.token, &f.password, &f.totp, &a.ctx.request_id)
        .await
    {
        Ok(()) => Ok(Redirect::to(&next).into_response()),
        Err(ServiceError::SignInFailed) => {
            let layout = Layout::for_session(&a.session, &a.ctx.request_id, "");
            let body = render(&StepUpPage {
                layout,
                error: Some(ServiceError::SignInFailed.to_string()),
                next,
                reason: String::new(),
            })?;
            Ok((StatusCode::UNAUTHORIZED, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
