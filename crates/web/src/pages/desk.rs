//! The inquiry desk (問合せ窓口) for a contractor's operator: find the
//! caller as you type, Enter opens the first hit, one form per inquiry
//! type, and a form for callers not in the list. Everything shown is the
//! desk purpose's items; every search and record is audited by the service.

use super::desk_queue;
use super::persons::display;
use super::render;
use crate::ctx::Authed;
use crate::error::{public_message, status_of, WebError};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use itaku_core::{ContractId, Item};
use itaku_service::{
    Actor, InquiryKind, InquiryRequest, NewAddress, PersonQuery, PersonView, Screening,
    ServiceError, COLLECTIBLE,
};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Hits shown under the search box.
const HITS: i64 = 20;

/// Read to a caller who is not in the list before anything is asked
/// (個人情報の収集にあたっての利用目的の明示).
pub const PURPOSE_STATEMENT: &str = "これからお伺いするお名前・ご住所・生年月日・性別・お電話番号・ご希望のがん検診の種類は、区のがん検診の受診券の発行、検診のお申込み、制度のご案内とお問合せへの対応のためにだけ使い、区へお伝えします。それ以外の目的には使いません。";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(desk_home))
        .route("/desk/queue", get(desk_queue::queue_home))
        .route("/c/{contract}/{purpose}/desk", get(page))
        .route("/c/{contract}/{purpose}/desk/search", get(search))
        .route("/c/{contract}/{purpose}/desk/open", get(open_first))
        .route("/c/{contract}/{purpose}/desk/persons/{id}", get(caller))
        .route("/c/{contract}/{purpose}/desk/unlisted", get(unlisted))
        .route("/c/{contract}/{purpose}/desk/inquiries", post(record))
        .route("/c/{contract}/{purpose}/desk/queue", get(desk_queue::queue))
        .route(
            "/c/{contract}/{purpose}/desk/notes/{id}/{act}",
            post(desk_queue::review),
        )
        .route(
            "/c/{contract}/{purpose}/desk/reissues/print",
            post(desk_queue::print),
        )
}

pub(super) struct Desk {
    pub actor: Actor,
    pub base: String,
    pub label: String,
    pub item_labels: String,
}

pub(super) async fn desk_of(
    st: &AppState,
    a: &Authed,
    contract: i64,
    purpose: &str,
) -> Result<Desk, WebError> {
    let contexts = st.svc.work_contexts(a.session.user.id).await?;
    // Labels only; access is decided by the service on every operation.
    let (label, item_labels) = contexts
        .iter()
        .find(|c| c.contract_id == contract && c.purpose_code == purpose)
        .map(|c| {
            (
                format!("{}／{}", c.contract_name, c.purpose_name),
                c.item_labels.clone(),
            )
        })
        .unwrap_or_else(|| (format!("契約 {contract}／{purpose}"), String::new()));
    Ok(Desk {
        actor: a
            .actor()
            .in_contract(ContractId(contract), Some(purpose.to_owned())),
        base: format!("/c/{contract}/{purpose}/desk"),
        label,
        item_labels,
    })
}

/// Whether a purpose can work as a desk: it needs the items the desk
/// works on (the voucher number to re-issue, the screening kinds to add).
fn is_desk(c: &itaku_service::WorkContext) -> bool {
    c.item_labels.contains(Item::JushinkenNo.label())
        && c.item_labels.contains(Item::GanKenshinShurui.label())
}

/// The user's desks: one opens at once, several are listed, none is said.
pub(super) async fn desk_choice(
    st: &AppState,
    a: &Authed,
    suffix: &str,
) -> Result<Response, WebError> {
    let contexts: Vec<_> = st
        .svc
        .work_contexts(a.session.user.id)
        .await?
        .into_iter()
        .filter(is_desk)
        .collect();
    if let [c] = contexts.as_slice() {
        return Ok(Redirect::to(&format!(
            "/c/{}/{}/desk{suffix}",
            c.contract_id, c.purpose_code
        ))
        .into_response());
    }
    let links = contexts
        .iter()
        .map(|c| {
            (
                format!("/c/{}/{}/desk{suffix}", c.contract_id, c.purpose_code),
                format!("{}／{}", c.contract_name, c.purpose_name),
            )
        })
        .collect();
    let current = if suffix.is_empty() {
        "/desk"
    } else {
        "/desk/queue"
    };
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, current);
    Ok(render(&ChoicePage { layout, links })?.into_response())
}

#[derive(Template)]
#[template(path = "desk_choice.html")]
struct ChoicePage {
    layout: Layout,
    links: Vec<(String, String)>,
}

async fn desk_home(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    desk_choice(&st, &a, "").await
}

pub struct Hit {
    pub id: i64,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "desk_hits.html")]
struct HitsFragment {
    base: String,
    q: String,
    columns: Vec<&'static str>,
    hits: Vec<Hit>,
    summary: String,
}

pub struct RecentRow {
    pub id: i64,
    pub at: String,
    pub kind: &'static str,
    pub who: String,
    pub person_id: Option<i64>,
    pub detail: String,
    pub note: String,
    pub note_state: &'static str,
    pub held: bool,
    pub operator: String,
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    layout: Layout,
    label: String,
    item_labels: String,
    base: String,
    hits: HitsFragment,
    recent: Vec<RecentRow>,
    notice: Option<String>,
    error: Option<String>,
}

/// Columns in catalogue order, of the items present in the answer.
fn columns_of(people: &[PersonView]) -> Vec<Item> {
    Item::ALL
        .iter()
        .copied()
        .filter(|i| people.iter().any(|p| p.values.contains_key(i)))
        .collect()
}

async fn hits(st: &AppState, d: &Desk, q: &str) -> Result<HitsFragment, WebError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(HitsFragment {
            base: d.base.clone(),
            q: String::new(),
            columns: Vec::new(),
            hits: Vec::new(),
            summary: "氏名（かな・カナ・漢字）、生年月日（S45.3.1 など）、電話番号、受診券整理番号で探します。".into(),
        });
    }
    let people = st
        .svc
        .search_persons(
            &d.actor,
            &PersonQuery {
                text: q.to_owned(),
                limit: HITS,
            },
        )
        .await?;
    let cols = columns_of(&people);
    let summary = if people.is_empty() {
        format!("「{q}」に当たる方は名簿にいません。名簿にない方として受け付けられます。")
    } else {
        format!("「{q}」: {}件（Enter で先頭の方を開きます）", people.len())
    };
    Ok(HitsFragment {
        base: d.base.clone(),
        q: q.to_owned(),
        columns: cols.iter().map(|i| i.label()).collect(),
        hits: people
            .iter()
            .map(|p| Hit {
                id: p.id,
                cells: cols.iter().map(|i| display(*i, p.get(*i))).collect(),
            })
            .collect(),
        summary,
    })
}

#[derive(Deserialize, Default)]
pub struct DeskQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    recorded: Option<i64>,
    #[serde(default)]
    missing: Option<String>,
}

fn recent_rows(list: Vec<itaku_service::InquiryView>) -> Vec<RecentRow> {
    list.into_iter()
        .map(|v| {
            let mut detail = v.screenings.join("・");
            if !v.caller_items.is_empty() {
                detail = format!(
                    "{detail}{}聞き取り: {}{}",
                    if detail.is_empty() { "" } else { "／" },
                    v.caller_items,
                    if v.purpose_read {
                        "（利用目的を説明済み）"
                    } else {
                        ""
                    }
                );
            }
            RecentRow {
                id: v.id,
                at: v.received_at,
                kind: v.kind.label(),
                who: if v.person_id.is_some() {
                    format!("No.{}", v.person_id.unwrap_or_default())
                } else {
                    format!("名簿外: {}", v.caller_name)
                },
                person_id: v.person_id,
                detail,
                note: v.note.unwrap_or_default(),
                note_state: v.note_state.label(),
                held: v.note_state == itaku_service::NoteState::Held,
                operator: v.operator,
            }
        })
        .collect()
}

async fn desk_page(
    st: &AppState,
    a: &Authed,
    d: Desk,
    q: DeskQuery,
    error: Option<String>,
) -> Result<Response, WebError> {
    let hits = hits(st, &d, &q.q).await?;
    let recent = recent_rows(st.svc.desk_inquiries(&d.actor, 30).await?);
    let notice = match (q.recorded, q.missing) {
        (Some(id), _) => recent.iter().find(|r| r.id == id).map(|r| {
            let mut s = format!("受付番号 {id}: {}を記録しました。", r.kind);
            if !r.detail.is_empty() {
                s.push_str(&format!("（{}）", r.detail));
            }
            if r.held {
                s.push_str(" メモは契約で収集が禁じられた内容を含む可能性があるため、取扱責任者の確認まで保留しています。");
            }
            s
        }),
        (None, Some(m)) => Some(format!(
            "「{}」に当たる方は名簿にいません。",
            m.trim()
        )),
        _ => None,
    };
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/desk");
    let status = match &error {
        Some(_) => axum::http::StatusCode::BAD_REQUEST,
        None => axum::http::StatusCode::OK,
    };
    Ok((
        status,
        render(&DeskPage {
            layout,
            label: d.label,
            item_labels: d.item_labels,
            base: d.base,
            hits,
            recent,
            notice,
            error,
        })?,
    )
        .into_response())
}

async fn page(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<DeskQuery>,
) -> Result<Response, WebError> {
    let d = desk_of(&st, &a, contract, &purpose).await?;
    desk_page(&st, &a, d, q, None).await
}

/// The hits alone, for htmx as the operator types.
async fn search(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<DeskQuery>,
) -> Result<Response, WebError> {
    let d = desk_of(&st, &a, contract, &purpose).await?;
    Ok(render(&hits(&st, &d, &q.q).await?)?.into_response())
}

/// Enter in the search box: open the first hit.
async fn open_first(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<DeskQuery>,
) -> Result<Response, WebError> {
    let d = desk_of(&st, &a, contract, &purpose).await?;
    let h = hits(&st, &d, &q.q).await?;
    Ok(match h.hits.first() {
        Some(first) => Redirect::to(&format!("{}/persons/{}", d.base, first.id)),
        None => Redirect::to(&format!("{}?missing={}", d.base, url_encode(q.q.trim()))),
    }
    .into_response())
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub struct ScreeningBox {
    pub code: &'static str,
    pub label: &'static str,
    pub rule: String,
}

fn screening_boxes() -> Vec<ScreeningBox> {
    Screening::ALL
        .iter()
        .map(|s| ScreeningBox {
            code: s.code(),
            label: s.label(),
            rule: format!(
                "年度末{}歳以上{}",
                s.min_age(),
                if s.women_only() { "・女性" } else { "" }
            ),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "desk_caller.html")]
struct CallerPage {
    layout: Layout,
    label: String,
    base: String,
    id: i64,
    fields: Vec<(&'static str, String)>,
    phone: String,
    screenings: Vec<ScreeningBox>,
    error: Option<String>,
}

async fn caller_page(
    st: &AppState,
    a: &Authed,
    d: Desk,
    id: i64,
    error: Option<(axum::http::StatusCode, String)>,
) -> Result<Response, WebError> {
    let p = st.svc.read_person(&d.actor, id).await?;
    let fields = p
        .values
        .iter()
        .map(|(i, v)| (i.label(), display(*i, v)))
        .collect();
    let phone: String = p
        .get(Item::DenwaBango)
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/desk");
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (axum::http::StatusCode::OK, None),
    };
    Ok((
        status,
        render(&CallerPage {
            layout,
            label: d.label,
            base: d.base,
            id,
            fields,
            phone,
            screenings: screening_boxes(),
            error,
        })?,
    )
        .into_response())
}

async fn caller(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
) -> Result<Response, WebError> {
    let d = desk_of(&st, &a, contract, &purpose).await?;
    caller_page(&st, &a, d, id, None).await
}

pub struct CallerField {
    pub code: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "desk_unlisted.html")]
struct UnlistedPage {
    layout: Layout,
    label: String,
    base: String,
    statement: &'static str,
    fields: Vec<CallerField>,
    screenings: Vec<ScreeningBox>,
    error: Option<String>,
}

fn hint(item: Item) -> &'static str {
    match item {
        Item::Seinengappi => "例: S45.3.1／昭和45年3月1日／1970/3/1",
        Item::Seibetsu => "男 または 女",
        Item::YubinBango => "例: 160-8484",
        Item::DenwaBango => "例: 03-5273-3047",
        Item::KanaShimei => "例: ヤマダ タロウ",
        _ => "",
    }
}

fn unlisted_page(
    a: &Authed,
    d: Desk,
    values: &BTreeMap<Item, String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let fields = COLLECTIBLE
        .iter()
        .filter(|i| **i != Item::GanKenshinShurui)
        .map(|i| CallerField {
            code: i.code(),
            label: i.label(),
            hint: hint(*i),
            value: values.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/desk");
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        render(&UnlistedPage {
            layout,
            label: d.label,
            base: d.base,
            statement: PURPOSE_STATEMENT,
            fields,
            screenings: screening_boxes(),
            error,
        })?,
    )
        .into_response())
}

async fn unlisted(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let d = desk_of(&st, &a, contract, &purpose).await?;
    unlisted_page(&a, d, &BTreeMap::new(), None)
}

/// Every inquiry form, as sent.
#[derive(Deserialize, Default)]
pub struct InquiryForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    kind: String,
    /// Text, not a number: the flattened rest makes every value a string.
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    purpose_read: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    s_stomach: Option<String>,
    #[serde(default)]
    s_lung: Option<String>,
    #[serde(default)]
    s_colorectal: Option<String>,
    #[serde(default)]
    s_cervical: Option<String>,
    #[serde(default)]
    s_breast: Option<String>,
    #[serde(default)]
    new_postal_code: String,
    #[serde(default)]
    new_address: String,
    #[serde(default)]
    new_katagaki: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

impl InquiryForm {
    fn person(&self) -> Result<Option<i64>, WebError> {
        let t = self.person_id.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| WebError::BadRequest("対象者の番号が不正です".into()))
    }

    fn screenings(&self) -> Vec<Screening> {
        [
            (&self.s_stomach, Screening::Stomach),
            (&self.s_lung, Screening::Lung),
            (&self.s_colorectal, Screening::Colorectal),
            (&self.s_cervical, Screening::Cervical),
            (&self.s_breast, Screening::Breast),
        ]
        .into_iter()
        .filter(|(v, _)| v.is_some())
        .map(|(_, s)| s)
        .collect()
    }

    /// The caller items typed for a caller not in the list (`i_<code>`).
    fn caller(&self) -> BTreeMap<Item, String> {
        self.rest
            .iter()
            .filter_map(|(k, v)| {
                let code = k.strip_prefix("i_")?;
                let item = Item::parse(code).ok()?;
                Some((item, v.clone()))
            })
            .collect()
    }
}

async fn record(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Form(f): Form<InquiryForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let d = desk_of(&st, &a, contract, &purpose).await?;
    let kind = InquiryKind::parse(&f.kind)?;
    let person = f.person()?;
    let mut req = InquiryRequest::new(kind);
    req.person_id = person;
    req.purpose_read = f.purpose_read.is_some();
    req.note = f.note.clone();
    req.screenings = f.screenings();
    if kind == InquiryKind::AddressChange {
        req.new_address = Some(NewAddress {
            postal_code: f.new_postal_code.clone(),
            address: f.new_address.clone(),
            katagaki: f.new_katagaki.clone(),
        });
    }
    let caller = f.caller();
    if person.is_none() {
        req.caller = caller.clone();
    }
    match st.svc.record_inquiry(&d.actor, &req).await {
        Ok(out) => Ok(Redirect::to(&format!("{}?recorded={}", d.base, out.id)).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict(_))) => {
            let msg = public_message(&e);
            match person {
                Some(id) => caller_page(&st, &a, d, id, Some((status_of(&e), msg))).await,
                None => unlisted_page(&a, d, &caller, Some(msg)),
            }
        }
        Err(e) => Err(e.into()),
    }
}
