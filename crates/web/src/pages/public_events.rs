//! The public pages of seminars and events (no sign-in): the event with
//! its 利用目的 notice and the form, the registrant's private page with
//! the check-in QR code (and the meeting link for online sessions), and
//! cancellation. Plain Japanese in large type for elderly residents; the
//! layout fits a 375px-wide phone.
//!
//! No CSRF token here (there is no session to bind one to): the form's
//! signed, single-use bot-check challenge plays that part, and the private
//! link's token is what authorises a cancellation. Submissions are
//! rate-limited per client address (`Service::public_attempt`).

use super::render;
use super::seminar_qr::qr_svg;
use crate::ctx::Ctx;
use crate::error::{public_message, status_of, WebError};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use itaku_service::seminars::{
    BotProof, EventView, MyRegistration, RegistrationForm, RegistrationStatus, POW_BITS,
};
use itaku_service::{jst_display, Actor, ServiceError};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/e/{slug}", get(event_page).post(submit))
        .route("/e/{slug}/r/{token}", get(my_page))
        .route("/e/{slug}/r/{token}/cancel", post(cancel))
}

pub struct SessionLine {
    pub id: i64,
    pub label: String,
    pub when: String,
    pub online: bool,
    pub seats_left: i64,
    pub full: bool,
}

#[derive(Template)]
#[template(path = "public_event.html")]
struct EventPage {
    ev: EventView,
    sessions: Vec<SessionLine>,
    open: bool,
    notice: Vec<String>,
    notice_digest: String,
    challenge: String,
    pow_bits: u32,
    name: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "public_registration.html")]
struct MyPage {
    me: MyRegistration,
    when: String,
    status_label: &'static str,
    registered: bool,
    waitlisted: bool,
    cancelled: bool,
    qr: String,
    slug: String,
    token: String,
    /// The event's questionnaire this registrant can answer, if open.
    anketo: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

fn actor(ctx: &Ctx) -> Actor {
    Actor::anonymous(ctx.ip, ctx.request_id.clone())
}

fn when(starts_at: &str) -> String {
    jst_display(starts_at)
}

async fn show_event(
    st: &AppState,
    slug: &str,
    name: String,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let ev = st.svc.public_event(slug).await?;
    let notice = st.svc.registration_notice(&ev).await?;
    let notice_digest = itaku_crypto::sha256_hex(notice.as_bytes());
    let sessions = ev
        .sessions
        .iter()
        .map(|s| SessionLine {
            id: s.id,
            label: s.label.clone(),
            when: when(&s.starts_at),
            online: s.online,
            seats_left: s.seats_left(),
            full: s.full(),
        })
        .collect();
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = EventPage {
        open: ev.open_at(st.svc.now()),
        sessions,
        notice: notice.lines().map(str::to_owned).collect(),
        notice_digest,
        challenge: st.svc.bot_challenge(),
        pow_bits: POW_BITS,
        name,
        error,
        ev,
    };
    Ok((status, render(&page)?).into_response())
}

async fn event_page(
    State(st): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    show_event(&st, &slug, String::new(), None).await
}

#[derive(Deserialize, Default)]
pub struct SubmitForm {
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    notice_digest: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    counter: String,
    /// The honeypot: hidden from people, filled by form-filling scripts.
    #[serde(default)]
    website: String,
}

pub(super) fn too_many() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("retry-after", "600")],
        "送信が続いたため、しばらく受け付けを止めています。10分ほどたってから、もう一度お試しください。",
    )
        .into_response()
}

async fn submit(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<SubmitForm>,
) -> Result<Response, WebError> {
    if !st.svc.public_attempt(ctx.ip).await? {
        return Ok(too_many());
    }
    let form = RegistrationForm {
        session_id: f.session_id.trim().parse().unwrap_or(0),
        name: f.name.clone(),
        notice_digest: f.notice_digest,
        proof: BotProof {
            challenge: f.challenge,
            counter: f.counter,
            honeypot: f.website,
        },
    };
    match st.svc.register(&actor(&ctx), &slug, &form).await {
        Ok(r) => Ok(Redirect::to(&format!("/e/{slug}/r/{}?new=1", r.token)).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show_event(
                &st,
                &slug,
                f.name,
                Some((status_of(&e), public_message(&e))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The address the QR code carries: the host the resident's browser
/// used; plain http only on the machine itself (demo and tests).
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let local =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    format!("{}://{host}", if local { "http" } else { "https" })
}

async fn show_mine(
    st: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    slug: &str,
    token: &str,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let me = st.svc.my_registration(&actor(ctx), token).await?;
    if me.event_slug != slug {
        return Err(ServiceError::not_found().into());
    }
    let ev = st.svc.public_event(slug).await?;
    let url = format!(
        "{}/c/{}/seminars/qr/{}",
        origin(headers),
        ev.contract_id,
        me.qr_token
    );
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let anketo = st
        .svc
        .registrant_questionnaire(&actor(ctx), token)
        .await?
        .map(|q| q.title);
    let page = MyPage {
        anketo,
        when: when(&me.starts_at),
        status_label: me.status.label(),
        registered: me.status == RegistrationStatus::Registered,
        waitlisted: me.status == RegistrationStatus::Waitlisted,
        cancelled: me.status == RegistrationStatus::Cancelled,
        qr: qr_svg(&url)?,
        slug: slug.to_owned(),
        token: token.to_owned(),
        notice,
        error,
        me,
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    new: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

async fn my_page(
    State(st): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((slug, token)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<NewQuery>,
) -> Result<Response, WebError> {
    let notice = match (q.new.as_deref(), q.done.as_deref()) {
        (Some(_), _) => Some("お申し込みを受け付けました。このページのアドレスは、あなた専用です。ブックマークするか、画面を保存してください。".to_owned()),
        (_, Some(_)) => Some("お申し込みを取り消しました。".to_owned()),
        _ => None,
    };
    show_mine(&st, &ctx, &headers, &slug, &token, notice, None).await
}

async fn cancel(
    State(st): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    if !st.svc.public_attempt(ctx.ip).await? {
        return Ok(too_many());
    }
    match st.svc.cancel_registration(&actor(&ctx), &token).await {
        Ok(_) => Ok(Redirect::to(&format!("/e/{slug}/r/{token}?done=1")).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            show_mine(
                &st,
                &ctx,
                &headers,
                &slug,
                &token,
                None,
                Some((status_of(&e), public_message(&e))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
