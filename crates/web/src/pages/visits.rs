//! 訪問勧奨 (home visits): visit lists by 町丁目, the two halves printed
//! as PDFs, the 授受簿 with its end-of-day alarm, outcomes by visit code,
//! and the 責任者's review of held notes. Every page works in one
//! contract and purpose (/c/{contract}/{purpose}/visits); the service
//! decides and audits every step.

use super::admin_common::Fields;
use super::render;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_core::ContractId;
use itaku_service::{
    Actor, AreaCount, Half, HeldNote, NewVisitList, ServiceError, VisitAlarm, VisitEntry,
    VisitListView, VisitOutcome, VisitSource, VisitTargetView, WorkContext,
};
use serde::Deserialize;

struct Here {
    actor: Actor,
    base: String,
}

fn here(a: &Authed, contract: i64, purpose: &str) -> Here {
    Here {
        actor: a
            .actor()
            .in_contract(ContractId(contract), Some(purpose.to_owned())),
        base: format!("/c/{contract}/{purpose}/visits"),
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Back to `to` with a message; a refusal a clerk can act on is shown on
/// the page, anything else is an error page.
fn back(to: &str, r: Result<String, ServiceError>) -> Result<Response, WebError> {
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
    notice: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    campaign: Option<i64>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

/// /visits: the contract(s) the user does visit work in.
#[derive(Template)]
#[template(path = "visits_choose.html")]
struct ChoosePage {
    layout: Layout,
    contexts: Vec<WorkContext>,
}

pub async fn choose(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    let contexts = st.svc.visit_contexts(a.session.user.id).await?;
    if let [only] = contexts.as_slice() {
        return Ok(Redirect::to(&format!(
            "/c/{}/{}/visits",
            only.contract_id, only.purpose_code
        ))
        .into_response());
    }
    Ok(render(&ChoosePage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/visits"),
        contexts,
    })?
    .into_response())
}

struct CampaignChoice {
    id: i64,
    name: String,
    sources: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "visits_index.html")]
struct IndexPage {
    layout: Layout,
    base: String,
    alarms: Vec<VisitAlarm>,
    lists: Vec<VisitListView>,
    campaigns: Vec<CampaignChoice>,
    chosen_campaign: i64,
    chosen_source: String,
    areas: Vec<AreaCount>,
    notice: Option<String>,
    error: Option<String>,
}

pub async fn index(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    // The end-of-day check runs whenever the page is opened.
    let alarms = st.svc.visit_alarms(&h.actor).await?;
    let lists = st.svc.visit_lists(&h.actor).await?;
    let campaigns = st
        .svc
        .visit_campaigns(&h.actor)
        .await?
        .into_iter()
        .map(|(id, name, arms)| {
            let mut sources: Vec<(String, String)> = arms
                .into_iter()
                .map(|(code, label)| (format!("arm:{code}"), format!("割付群「{label}」")))
                .collect();
            sources.push((
                "not_reached".into(),
                "電話で連絡がつかなかった方（電話番号のない方を含む）".into(),
            ));
            CampaignChoice { id, name, sources }
        })
        .collect();
    let mut error = q.error.clone();
    let areas = match (q.campaign, q.source.as_deref()) {
        (Some(c), Some(s)) => match VisitSource::parse(s) {
            Ok(src) => match st.svc.visit_areas(&h.actor, c, &src).await {
                Ok(a) => a,
                Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
                    error = Some(e.to_string());
                    Vec::new()
                }
                Err(e) => return Err(e.into()),
            },
            Err(e) => {
                error = Some(e.to_string());
                Vec::new()
            }
        },
        _ => Vec::new(),
    };
    Ok(render(&IndexPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/visits"),
        base: h.base,
        alarms,
        lists,
        campaigns,
        chosen_campaign: q.campaign.unwrap_or_default(),
        chosen_source: q.source.unwrap_or_default(),
        areas,
        notice: q.notice,
        error,
    })?
    .into_response())
}

pub async fn create(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    f: Fields,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f.get("_csrf")))?;
    let h = here(&a, contract, &purpose);
    let campaign = f.get("campaign").parse::<i64>().unwrap_or_default();
    let req = VisitSource::parse(&f.get("source")).map(|source| NewVisitList {
        campaign_id: campaign,
        source,
        areas: f.all("area"),
    });
    let created = match req {
        Ok(r) => st.svc.create_visit_list(&h.actor, &r).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => Ok(Redirect::to(&format!(
            "{}/{id}?notice={}",
            h.base,
            enc("訪問名簿を作成しました。名前の票と住所の票を印刷してください。")
        ))
        .into_response()),
        Err(e) => back(
            &format!(
                "{}?campaign={campaign}&source={}",
                h.base,
                enc(&f.get("source"))
            ),
            Err(e),
        ),
    }
}

#[derive(Template)]
#[template(path = "visits_list.html")]
struct ListPage {
    layout: Layout,
    base: String,
    l: VisitListView,
    printed: Option<i64>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    printed: Option<i64>,
}

pub async fn detail(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let l = st.svc.visit_list(&h.actor, id).await?;
    Ok(render(&ListPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/visits"),
        base: h.base,
        l,
        printed: q.printed,
        notice: q.notice,
        error: q.error,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    _csrf: String,
}

pub async fn print(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, half)): Path<(i64, String, i64, String)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let h = here(&a, contract, &purpose);
    let half = Half::parse(&half)?;
    match st.svc.print_visit_half(&h.actor, id, half).await {
        Ok((p, _)) => Ok(Redirect::to(&format!(
            "{}/{id}?printed={}&notice={}",
            h.base,
            p.id,
            enc(&format!(
                "{}（{}）を印刷しました（{}枚）。PDFを開いて印刷し、持ち出すときは授受簿に記録してください。",
                p.half_label, p.run_ref, p.sheets
            ))
        ))
        .into_response()),
        Err(e) => back(&format!("{}/{id}", h.base), Err(e)),
    }
}

pub async fn pdf(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, print)): Path<(i64, String, i64)>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let file = st.svc.visit_print_file(&h.actor, print).await?;
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", file.filename),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        file.bytes,
    )
        .into_response())
}

pub async fn sign_out(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, print)): Path<(i64, String, i64)>,
    f: Fields,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f.get("_csrf")))?;
    let h = here(&a, contract, &purpose);
    let list = f.get("list").parse::<i64>().unwrap_or_default();
    let sheets = f.get("sheets").trim().parse::<i64>().unwrap_or(-1);
    let visitor = f.get("visitor");
    let r = st
        .svc
        .sign_out_visit_half(&h.actor, print, &visitor, sheets)
        .await
        .map(|_| {
            format!(
                "{} さんへの持出し（{sheets}枚）を授受簿に記録しました。",
                visitor.trim()
            )
        });
    back(&format!("{}/{list}", h.base), r)
}

pub async fn sign_in(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, handout)): Path<(i64, String, i64)>,
    f: Fields,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f.get("_csrf")))?;
    let h = here(&a, contract, &purpose);
    let list = f.get("list").parse::<i64>().unwrap_or_default();
    let sheets = f.get("sheets").trim().parse::<i64>().unwrap_or(-1);
    let r = st
        .svc
        .sign_in_visit_half(&h.actor, handout, sheets, &f.get("note"))
        .await
        .map(|_| format!("返却（{sheets}枚）を授受簿に記録しました。"));
    back(&format!("{}/{list}", h.base), r)
}

struct Choice {
    code: String,
    label: String,
}

#[derive(Template)]
#[template(path = "visits_record.html")]
struct RecordPage {
    layout: Layout,
    base: String,
    code: String,
    target: Option<VisitTargetView>,
    outcomes: Vec<(&'static str, &'static str, bool, bool, bool)>,
    reasons: Vec<Choice>,
    requests: Vec<Choice>,
    notice: Option<String>,
    error: Option<String>,
}

async fn choices(st: &AppState, list: itaku_service::CodeList) -> Result<Vec<Choice>, WebError> {
    Ok(st
        .svc
        .contact_codes(list)
        .await?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| Choice {
            code: c.code,
            label: c.label,
        })
        .collect())
}

pub async fn record_form(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let code = q.code.clone().unwrap_or_default();
    let mut error = q.error.clone();
    let target = if code.trim().is_empty() {
        None
    } else {
        match st.svc.visit_target(&h.actor, &code).await {
            Ok(t) => Some(t),
            Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
                error = Some(e.to_string());
                None
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(render(&RecordPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/visits"),
        base: h.base,
        code: target.as_ref().map(|t| t.code.clone()).unwrap_or(code),
        target,
        outcomes: VisitOutcome::ALL
            .into_iter()
            .map(|o| {
                (
                    o.code(),
                    o.label(),
                    o.revisit(),
                    o.contacted(),
                    o.note_required(),
                )
            })
            .collect(),
        reasons: choices(&st, itaku_service::CodeList::Reason).await?,
        requests: choices(&st, itaku_service::CodeList::Request).await?,
        notice: q.notice,
        error,
    })?
    .into_response())
}

pub async fn record(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    f: Fields,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f.get("_csrf")))?;
    let h = here(&a, contract, &purpose);
    let entry = VisitEntry {
        code: f.get("code"),
        outcome: f.get("outcome"),
        reasons: f.all("reason"),
        requests: f.all("request"),
        note: f.get("note"),
    };
    let r = st.svc.record_visit(&h.actor, &entry).await.map(|held| {
        if held {
            "訪問結果を記録しました。メモに収集できない情報が含まれる可能性があるため、責任者の確認まで保留します。".to_owned()
        } else {
            "訪問結果を記録しました。".to_owned()
        }
    });
    let to = match &r {
        // After a save, the next code; after a refusal, the same one.
        Ok(_) => format!("{}/record", h.base),
        Err(_) => format!("{}/record?code={}", h.base, enc(&entry.code)),
    };
    back(&to, r)
}

#[derive(Template)]
#[template(path = "visits_notes.html")]
struct NotesPage {
    layout: Layout,
    base: String,
    notes: Vec<HeldNote>,
    notice: Option<String>,
    error: Option<String>,
}

pub async fn notes(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<Flash>,
) -> Result<Response, WebError> {
    let h = here(&a, contract, &purpose);
    let notes = st.svc.held_visit_notes(&h.actor).await?;
    Ok(render(&NotesPage {
        layout: Layout::for_session(&a.session, &a.ctx.request_id, "/visits"),
        base: h.base,
        notes,
        notice: q.notice,
        error: q.error,
    })?
    .into_response())
}

pub async fn review(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id, act)): Path<(i64, String, i64, String)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let h = here(&a, contract, &purpose);
    let release = match act.as_str() {
        "release" => true,
        "delete" => false,
        _ => return Err(WebError::NotFound),
    };
    let r = st
        .svc
        .review_visit_note(&h.actor, id, release)
        .await
        .map(|_| {
            if release {
                "メモを確認し、表示できるようにしました。".to_owned()
            } else {
                "メモを削除しました。".to_owned()
            }
        });
    back(&format!("{}/notes", h.base), r)
}

/// Open end-of-day alarms of every contract the user is 責任者 of, for the
/// dashboard (each check is the same audited one the visit page runs).
pub async fn dashboard_alarms(
    st: &AppState,
    a: &Authed,
) -> Result<Vec<(String, VisitAlarm)>, WebError> {
    if a.session.user.role != itaku_core::Role::ContractorResponsible {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for w in st.svc.visit_contexts(a.session.user.id).await? {
        let base = format!("/c/{}/{}/visits", w.contract_id, w.purpose_code);
        let actor = a
            .actor()
            .in_contract(ContractId(w.contract_id), Some(w.purpose_code.clone()));
        // A contract the policy refuses today (ended, training lapsed)
        // shows its own refusal on the visit page; the home page still opens.
        if let Ok(alarms) = st.svc.visit_alarms(&actor).await {
            out.extend(alarms.into_iter().map(|al| (base.clone(), al)));
        }
    }
    Ok(out)
}
