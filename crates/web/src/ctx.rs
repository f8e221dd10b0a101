//! The request context: request id, client address, and the signed-in
//! session from the `__Host-` cookie. Pages that need a user take `Authed`.

use crate::error::WebError;
use crate::security::RequestId;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use itaku_service::{Actor, SessionInfo};
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "__Host-itaku_session";
pub const PRE_COOKIE: &str = "__Host-itaku_pre";

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// `Secure; HttpOnly; SameSite=Strict; Path=/` — the `__Host-` prefix
/// demands the first and the last, and browsers accept it on localhost.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Strict");
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    c
}

pub struct Ctx {
    pub request_id: String,
    pub ip: Option<IpAddr>,
    pub session_token: Option<String>,
    /// Fingerprint of the terminal certificate this connection presented
    /// (HTTPS with client certificates only).
    pub client_cert: Option<String>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Ctx {
            request_id,
            ip,
            session_token: cookie(parts, SESSION_COOKIE),
            client_cert: parts
                .extensions
                .get::<crate::tls::ClientCert>()
                .map(|c| c.0.clone()),
        })
    }
}

/// A live session; its absence turns into a redirect to the sign-in page
/// (or 401 on the API).
pub struct Authed {
    pub ctx: Ctx,
    pub session: SessionInfo,
    pub token: String,
}

impl Authed {
    pub fn actor(&self) -> Actor {
        let mut a = Actor::user(
            itaku_core::UserId(self.session.user.id),
            self.ctx.ip,
            self.ctx.request_id.clone(),
        )
        // The certificate the session is bound to: session() has checked
        // that this connection presented it.
        .with_cert(self.session.client_cert.clone());
        a.stepped_up = self.session.stepped_up;
        a
    }

    /// State-changing requests must carry the session's CSRF token.
    pub fn check_csrf(&self, presented: Option<&str>) -> Result<(), WebError> {
        match presented {
            Some(t) if constant_eq(t.as_bytes(), self.session.csrf.as_bytes()) => Ok(()),
            _ => Err(WebError::Csrf),
        }
    }
}

pub fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = WebError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        // Inside the nested API router the URI has lost its /api prefix.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|u| u.0.path().to_owned())
            .unwrap_or_else(|| parts.uri.path().to_owned());
        let api = path.starts_with("/api/");
        // A page someone opened (a scanned QR code, a bookmark) is where
        // they go back to after signing in.
        let next = matches!(parts.method.as_str(), "GET" | "HEAD")
            .then(|| {
                parts
                    .extensions
                    .get::<axum::extract::OriginalUri>()
                    .map(|u| &u.0)
                    .unwrap_or(&parts.uri)
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
            })
            .flatten()
            .filter(|p| p != "/" && p != "/dashboard");
        let Some(token) = ctx.session_token.clone() else {
            return Err(if api {
                WebError::ApiUnauthenticated
            } else {
                WebError::SignInRedirect(next)
            });
        };
        // A session bound to a certificate is refused without that one.
        match state.svc.session(&token, ctx.client_cert.as_deref()).await {
            Ok(session) => {
                // Safe methods need nothing more; the rest are checked by the
                // handler (form field) or here (htmx and API header).
                let safe = matches!(parts.method.as_str(), "GET" | "HEAD");
                let a = Authed {
                    ctx,
                    session,
                    token,
                };
                if !safe {
                    if let Some(h) = parts
                        .headers
                        .get("x-csrf-token")
                        .and_then(|v| v.to_str().ok())
                    {
                        a.check_csrf(Some(h))?;
                    } else if api {
                        return Err(WebError::Csrf);
                    }
                }
                Ok(a)
            }
            Err(_) => Err(if api {
                WebError::ApiUnauthenticated
            } else {
                WebError::SignInRedirect(next)
            }),
        }
    }
}
