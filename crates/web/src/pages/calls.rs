//! 電話勧奨 (phone outreach): the call lists of a contract, the operator's
//! one-screen-per-call workplace (keyboard first: N for the next person,
//! one key per outcome, Enter to record, Esc to give the person back),
//! live progress per arm and operator, and the 責任者's review of held notes.

use super::admin_common::Fields;
use super::render;
use crate::ctx::Authed;
use crate::error::{public_message, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_core::{ContractId, Item};
use itaku_service::calls::{
    rules::WEEKDAYS, AttemptView, CallListView, CallProgress, HeldCallNote, Hours,
};
use itaku_service::{
    jst_display, Actor, CallCard, CallOutcome, CallReport, CallRules, CampaignState, CodeList,
    ContactCode, NextCall, ServiceError,
};
use serde::Deserialize;

fn actor(a: &Authed, contract: i64, purpose: &str) -> Actor {
    a.actor()
        .in_contract(ContractId(contract), Some(purpose.to_owned()))
}

fn base(contract: i64, purpose: &str) -> String {
    format!("/c/{contract}/{purpose}/calls")
}

fn to(path: String) -> Response {
    Redirect::to(&path).into_response()
}

fn with_notice(path: &str, notice: &str) -> Response {
    to(format!("{path}?notice={}", urlencode(notice)))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: String,
}

pub struct OpenableCampaign {
    pub id: i64,
    pub name: String,
    pub arms: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "calls.html")]
struct ListPage {
    layout: Layout,
    base: String,
    lists: Vec<CallListView>,
    openable: Vec<OpenableCampaign>,
    weekdays: Vec<(usize, &'static str, String)>,
    rules: CallRules,
    notice: Option<String>,
    error: Option<String>,
}

async fn list_page(
    st: &AppState,
    a: &Authed,
    contract: i64,
    purpose: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let who = actor(a, contract, purpose);
    let lists = st.svc.call_lists(&who).await?;
    // Campaigns with arms and no call list yet (reading campaigns needs
    // only the purpose; a refusal just means nothing to open here).
    let mut openable = Vec::new();
    if let Ok(campaigns) = st.svc.campaigns(&who).await {
        for c in campaigns {
            let has_list = lists.iter().any(|l| l.campaign_id == c.id);
            if has_list || matches!(c.state, CampaignState::Draft | CampaignState::Segmented) {
                continue;
            }
            if let Ok(Some(r)) = st.svc.arm_report(&who, c.id).await {
                openable.push(OpenableCampaign {
                    id: c.id,
                    name: c.name.clone(),
                    arms: r
                        .design
                        .arms
                        .iter()
                        .map(|x| (x.code.clone(), x.label.clone()))
                        .collect(),
                });
            }
        }
    }
    let rules = CallRules::default();
    let weekdays = hours_fields(&rules);
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, ""),
        base: base(contract, purpose),
        lists,
        openable,
        weekdays,
        rules,
        notice,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

fn hours_fields(rules: &CallRules) -> Vec<(usize, &'static str, String)> {
    WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, w)| (i, *w, rules.hours[i].map(Hours::label).unwrap_or_default()))
        .collect()
}

pub async fn list(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = (!q.notice.is_empty()).then_some(q.notice);
    list_page(&st, &a, contract, &purpose, notice, None).await
}

#[derive(Deserialize, Default)]
pub struct OpenForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    campaign_arm: String,
    #[serde(default)]
    max_attempts: String,
    #[serde(default)]
    min_gap_minutes: String,
    #[serde(default)]
    hold_minutes: String,
    #[serde(default)]
    h0: String,
    #[serde(default)]
    h1: String,
    #[serde(default)]
    h2: String,
    #[serde(default)]
    h3: String,
    #[serde(default)]
    h4: String,
    #[serde(default)]
    h5: String,
    #[serde(default)]
    h6: String,
}

fn rules_of(f: &OpenForm) -> Result<CallRules, ServiceError> {
    let num = |s: &str, what: &str| -> Result<i64, ServiceError> {
        itaku_jp::fold_width(s.trim())
            .parse::<i64>()
            .map_err(|_| ServiceError::Invalid(format!("{what}を数字で入力してください")))
    };
    let mut hours = [None; 7];
    for (slot, text) in hours
        .iter_mut()
        .zip([&f.h0, &f.h1, &f.h2, &f.h3, &f.h4, &f.h5, &f.h6])
    {
        *slot = Hours::parse(text)?;
    }
    Ok(CallRules {
        max_attempts: u32::try_from(num(&f.max_attempts, "最大発信回数")?).unwrap_or(0),
        min_gap_minutes: num(&f.min_gap_minutes, "発信の最小間隔")?,
        hold_minutes: num(&f.hold_minutes, "担当の保持時間")?,
        hours,
        observe_holidays: true,
    })
}

pub async fn open(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Form(f): Form<OpenForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let who = actor(&a, contract, &purpose);
    let result = async {
        let (campaign, arm) = f
            .campaign_arm
            .split_once('/')
            .and_then(|(c, arm)| Some((c.parse::<i64>().ok()?, arm.to_owned())))
            .ok_or_else(|| ServiceError::Invalid("勧奨と架電する群を選んでください".into()))?;
        let rules = rules_of(&f)?;
        let n = st.svc.open_call_list(&who, campaign, &arm, &rules).await?;
        Ok::<_, ServiceError>((campaign, n))
    }
    .await;
    match result {
        Ok((campaign, n)) => Ok(with_notice(
            &format!("{}/{campaign}", base(contract, &purpose)),
            &format!("架電リストを作成しました（{n} 人）"),
        )),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            list_page(&st, &a, contract, &purpose, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "call_work.html")]
struct WorkPage {
    layout: Layout,
    base: String,
    campaign_id: i64,
    p: CallProgress,
    card: Option<CardView>,
    outcomes: Vec<OutcomeChoice>,
    reasons: Vec<ContactCode>,
    requests: Vec<ContactCode>,
    notice: Option<String>,
    error: Option<String>,
    form: RecordForm,
}

pub struct OutcomeChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub key: char,
    pub aapor: &'static str,
    pub note_required: bool,
}

pub struct CardView {
    pub person_id: i64,
    pub name: String,
    pub kana: String,
    pub phone: String,
    pub tel: String,
    pub birth: String,
    pub sex: String,
    pub age: String,
    pub segment: String,
    pub attempt_no: i64,
    pub max_attempts: u32,
    pub callback_for_me: bool,
    pub held_until: String,
    pub attempts: Vec<AttemptView>,
}

fn card_view(c: CallCard) -> CardView {
    let get = |i: Item| c.values.get(&i).cloned().unwrap_or_default();
    let phone = get(Item::DenwaBango);
    let birth = get(Item::Seinengappi);
    CardView {
        person_id: c.person_id,
        name: get(Item::Shimei),
        kana: get(Item::KanaShimei),
        tel: phone.chars().filter(|ch| ch.is_ascii_digit()).collect(),
        phone,
        birth: itaku_jp::parse_date(&birth)
            .ok()
            .map(|d| format!("{}（{birth}）", itaku_jp::date::format_wareki(d)))
            .unwrap_or(birth),
        sex: get(Item::Seibetsu),
        age: c
            .age
            .map(|a| format!("{a} 歳"))
            .unwrap_or_else(|| "—".into()),
        segment: c.segment.clone().unwrap_or_else(|| "—".into()),
        attempt_no: c.attempt_no,
        max_attempts: c.max_attempts,
        callback_for_me: c.callback_for_me,
        held_until: jst_display(&c.held_until),
        attempts: c.attempts,
    }
}

fn outcome_choices() -> Vec<OutcomeChoice> {
    CallOutcome::ALL
        .iter()
        .map(|o| OutcomeChoice {
            code: o.code(),
            label: o.label(),
            key: o.key(),
            aapor: o.aapor(),
            note_required: o.rule().note_required,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn work_page(
    st: &AppState,
    a: &Authed,
    contract: i64,
    purpose: &str,
    campaign: i64,
    card: Option<CallCard>,
    notice: Option<String>,
    error: Option<String>,
    form: RecordForm,
) -> Result<Response, WebError> {
    let who = actor(a, contract, purpose);
    let p = st.svc.call_progress(&who, campaign).await?;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = WorkPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, ""),
        base: base(contract, purpose),
        campaign_id: campaign,
        p,
        card: card.map(card_view),
        outcomes: outcome_choices(),
        reasons: active(st.svc.contact_codes(CodeList::Reason).await?),
        requests: active(st.svc.contact_codes(CodeList::Request).await?),
        notice,
        error,
        form,
    };
    Ok((status, render(&page)?).into_response())
}

fn active(codes: Vec<ContactCode>) -> Vec<ContactCode> {
    codes.into_iter().filter(|c| c.active).collect()
}

pub async fn work(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, campaign)): Path<(i64, String, i64)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = (!q.notice.is_empty()).then_some(q.notice);
    work_page(
        &st,
        &a,
        contract,
        &purpose,
        campaign,
        None,
        notice,
        None,
        RecordForm::default(),
    )
    .await
}

#[derive(Template)]
#[template(path = "call_progress.html")]
struct ProgressFragment {
    base: String,
    p: CallProgress,
}

/// The progress block alone, for the page's periodic refresh.
pub async fn progress(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, campaign)): Path<(i64, String, i64)>,
) -> Result<Response, WebError> {
    let p = st
        .svc
        .call_progress(&actor(&a, contract, &purpose), campaign)
        .await?;
    Ok(render(&ProgressFragment {
        base: base(contract, &purpose),
        p,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

pub async fn next(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, campaign)): Path<(i64, String, i64)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    take_next(&st, &a, contract, &purpose, campaign, None).await
}

async fn take_next(
    st: &AppState,
    a: &Authed,
    contract: i64,
    purpose: &str,
    campaign: i64,
    recorded: Option<&str>,
) -> Result<Response, WebError> {
    let here = format!("{}/{campaign}", base(contract, purpose));
    let prefix = recorded.map(|r| format!("{r}。")).unwrap_or_default();
    match st
        .svc
        .next_call(&actor(a, contract, purpose), campaign)
        .await?
    {
        NextCall::Card(c) => Ok(to(format!(
            "{here}/p/{}{}",
            c.person_id,
            recorded
                .map(|r| format!("?notice={}", urlencode(r)))
                .unwrap_or_default()
        ))),
        NextCall::Closed { next_open } => Ok(with_notice(
            &here,
            &format!(
                "{prefix}ただいまは発信時間外です。次に発信できるのは {} からです",
                next_open
                    .as_deref()
                    .map(jst_display)
                    .unwrap_or_else(|| "未定".into())
            ),
        )),
        NextCall::NoneDue => Ok(with_notice(
            &here,
            &format!("{prefix}いま発信できる対象者はいません（再発信の予定時刻を待っています）"),
        )),
    }
}

pub async fn card(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, campaign, person)): Path<(i64, String, i64, i64)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let who = actor(&a, contract, &purpose);
    let notice = (!q.notice.is_empty()).then_some(q.notice);
    match st.svc.held_call(&who, campaign, person).await {
        Ok(c) => {
            work_page(
                &st,
                &a,
                contract,
                &purpose,
                campaign,
                Some(c),
                notice,
                None,
                RecordForm::default(),
            )
            .await
        }
        Err(e @ ServiceError::Conflict(_)) => Ok(with_notice(
            &format!("{}/{campaign}", base(contract, &purpose)),
            &e.to_string(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The entry of a call, kept to show again when it is refused.
#[derive(Default, Clone)]
pub struct RecordForm {
    pub outcome: String,
    pub reasons: Vec<String>,
    pub requests: Vec<String>,
    pub note: String,
    pub callback_at: String,
    pub callback_to_me: bool,
    pub then: String,
}

impl RecordForm {
    fn of(f: &Fields) -> Self {
        Self {
            outcome: f.get("outcome"),
            reasons: f.all("reasons"),
            requests: f.all("requests"),
            note: f.get("note"),
            callback_at: f.get("callback_at"),
            callback_to_me: f.checked("callback_to_me"),
            then: f.get("then"),
        }
    }
    pub fn has_reason(&self, code: &str) -> bool {
        self.reasons.iter().any(|c| c == code)
    }
    pub fn has_request(&self, code: &str) -> bool {
        self.requests.iter().any(|c| c == code)
    }
}

pub async fn record(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, campaign, person)): Path<(i64, String, i64, i64)>,
    fields: Fields,
) -> Result<Response, WebError> {
    fields.check_csrf(&a)?;
    let f = RecordForm::of(&fields);
    let who = actor(&a, contract, &purpose);
    let result = async {
        let outcome = CallOutcome::parse(&f.outcome)?;
        let report = CallReport {
            outcome,
            reasons: f.reasons.clone(),
            requests: f.requests.clone(),
            note: f.note.clone(),
            callback_at: (!f.callback_at.trim().is_empty()).then(|| f.callback_at.clone()),
            callback_to_me: f.callback_to_me,
        };
        st.svc.record_call(&who, campaign, person, &report).await
    }
    .await;
    match result {
        Ok(r) => {
            let mut msg = format!("「{}」を記録しました", r.outcome.label());
            if r.note_held {
                msg.push_str(
                    "（メモは収集禁止事項の可能性があるため責任者の確認まで保留しました）",
                );
            }
            if f.then == "stop" {
                Ok(with_notice(
                    &format!("{}/{campaign}", base(contract, &purpose)),
                    &msg,
                ))
            } else {
                take_next(&st, &a, contract, &purpose, campaign, Some(&msg)).await
            }
        }
        Err(e @ ServiceError::Invalid(_)) => {
            // The person stays with the operator: show the card again with the entry.
            let card = st.svc.held_call(&who, campaign, person).await?;
            work_page(
                &st,
                &a,
                contract,
                &purpose,
                campaign,
                Some(card),
                None,
                Some(e.to_string()),
                f,
            )
            .await
        }
        Err(e @ ServiceError::Conflict(_)) => Ok(with_notice(
            &format!("{}/{campaign}", base(contract, &purpose)),
            &public_message(&e),
        )),
        Err(e) => Err(e.into()),
    }
}

pub async fn release(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, campaign, person)): Path<(i64, String, i64, i64)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    st.svc
        .release_call(&actor(&a, contract, &purpose), campaign, person)
        .await?;
    Ok(with_notice(
        &format!("{}/{campaign}", base(contract, &purpose)),
        "対象者を戻しました（ほかの担当者が発信できます）",
    ))
}

#[derive(Template)]
#[template(path = "call_notes.html")]
struct NotesPage {
    layout: Layout,
    base: String,
    notes: Vec<HeldCallNote>,
    notice: Option<String>,
}

pub async fn notes(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notes = st
        .svc
        .held_call_notes(&actor(&a, contract, &purpose))
        .await?;
    let page = NotesPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, ""),
        base: base(contract, &purpose),
        notes,
        notice: (!q.notice.is_empty()).then_some(q.notice),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct ReviewForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    decision: String,
}

pub async fn review(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let release = match f.decision.as_str() {
        "release" => true,
        "delete" => false,
        _ => return Err(ServiceError::Invalid("確認の結果を選んでください".into()).into()),
    };
    st.svc
        .review_call_note(&actor(&a, contract, &purpose), id, release)
        .await?;
    Ok(with_notice(
        &format!("{}/notes", base(contract, &purpose)),
        if release {
            "メモを問題なしとして戻しました"
        } else {
            "メモを削除しました"
        },
    ))
}

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/c/{contract}/{purpose}/calls", get(list))
        .route("/c/{contract}/{purpose}/calls/open", post(open))
        .route("/c/{contract}/{purpose}/calls/notes", get(notes))
        .route("/c/{contract}/{purpose}/calls/notes/{id}", post(review))
        .route("/c/{contract}/{purpose}/calls/{campaign}", get(work))
        .route(
            "/c/{contract}/{purpose}/calls/{campaign}/progress",
            get(progress),
        )
        .route("/c/{contract}/{purpose}/calls/{campaign}/next", post(next))
        .route(
            "/c/{contract}/{purpose}/calls/{campaign}/p/{person}",
            get(card).post(record),
        )
        .route(
            "/c/{contract}/{purpose}/calls/{campaign}/p/{person}/release",
            post(release),
        )
}
