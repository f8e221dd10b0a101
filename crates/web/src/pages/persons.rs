//! Person lists and details, in the ward's vault or within one contract and
//! purpose. Columns are exactly the items the purpose allows.

use super::render;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use itaku_core::{ContractId, Item};
use itaku_service::{Actor, PersonQuery, PersonView};
use serde::Deserialize;

const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    layout: Layout,
    context_label: String,
    item_labels: String,
    base: String,
    q: String,
    summary: String,
    columns: Vec<&'static str>,
    rows: Vec<Row>,
    next_after: Option<i64>,
    page_size: i64,
}

struct Row {
    id: i64,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    layout: Layout,
    id: i64,
    back: String,
    context_label: String,
    fields: Vec<(&'static str, String)>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: i64,
}

/// How a value is shown: dates also in 和暦, sex as a word.
pub fn display(item: Item, v: &str) -> String {
    match item {
        Item::Seinengappi | Item::ShikakuShutoku | Item::ShikakuSoshitsu | Item::JushinBi => {
            match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => format!("{}（{}）", itaku_jp::format_wareki(d), v),
                Err(_) => v.to_owned(),
            }
        }
        Item::Seibetsu => match v {
            "1" => "男".into(),
            "2" => "女".into(),
            _ => v.to_owned(),
        },
        Item::JushinRireki => match serde_json::from_str::<serde_json::Value>(v) {
            Ok(j) => {
                let prev = match j["prev_fy"].as_bool() {
                    Some(true) => "有",
                    Some(false) => "無",
                    None => "不明",
                };
                let count = j["count_5y"]
                    .as_u64()
                    .map(|n| format!("{n}回"))
                    .unwrap_or_else(|| "不明".into());
                format!("前年度受診 {prev}／過去5年 {count}")
            }
            Err(_) => v.to_owned(),
        },
        Item::KenshinKekka => match serde_json::from_str::<serde_json::Value>(v) {
            Ok(j) => [
                ("BMI", "bmi", ""),
                ("収縮期血圧", "sbp", "mmHg"),
                ("HbA1c", "hba1c", "%"),
            ]
            .iter()
            .filter_map(|(label, key, unit)| {
                j.get(*key)
                    .filter(|x| !x.is_null())
                    .map(|x| format!("{label} {x}{unit}"))
            })
            .collect::<Vec<_>>()
            .join("／"),
            Err(_) => v.to_owned(),
        },
        Item::YubinBango => itaku_jp::PostalCode::parse(v)
            .map(|p| p.to_string())
            .unwrap_or_else(|_| v.to_owned()),
        _ => v.to_owned(),
    }
}

struct Context {
    actor: Actor,
    label: String,
    /// The purpose's items, from the catalogue, for the banner.
    item_labels: String,
    base: String,
    current: &'static str,
}

async fn ward_context(a: &Authed) -> Context {
    Context {
        actor: a.actor(),
        label: "区の名簿（区の保有情報）".into(),
        item_labels: itaku_core::ItemSet::all().labels(),
        base: "/ward/persons".into(),
        current: "/ward/persons",
    }
}

async fn contract_context(
    st: &AppState,
    a: &Authed,
    contract: i64,
    purpose: &str,
) -> Result<Context, WebError> {
    let contexts = st.svc.work_contexts(a.session.user.id).await?;
    // The label comes from the user's own designations; access itself is
    // decided by the service for every operation.
    let (label, item_labels) = match contexts
        .iter()
        .find(|c| c.contract_id == contract && c.purpose_code == purpose)
    {
        Some(c) => (
            format!("{}／{}", c.contract_name, c.purpose_name),
            c.item_labels.clone(),
        ),
        None => (format!("契約 {contract}／{purpose}"), String::new()),
    };
    Ok(Context {
        actor: a
            .actor()
            .in_contract(ContractId(contract), Some(purpose.to_owned())),
        label,
        item_labels,
        base: format!("/c/{contract}/{purpose}/persons"),
        current: "",
    })
}

/// The items present in the answer (the service loaded no others), in
/// catalogue order.
fn columns_of(people: &[PersonView]) -> Vec<Item> {
    let mut cols: Vec<Item> = Item::ALL
        .iter()
        .copied()
        .filter(|i| people.iter().any(|p| p.values.contains_key(i)))
        .collect();
    // Long lists read better without the rarely needed ones in the table.
    cols.retain(|i| {
        !matches!(
            i,
            Item::KokuhoKigoBango
                | Item::ShikakuShutoku
                | Item::ShikakuSoshitsu
                | Item::JushinRireki
        )
    });
    cols
}

async fn list(st: &AppState, a: &Authed, c: Context, q: ListQuery) -> Result<Response, WebError> {
    let (people, next_after, summary) = if q.q.trim().is_empty() {
        let (people, total) = st.svc.list_persons(&c.actor, q.after, PAGE).await?;
        let next = (people.len() as i64 == PAGE)
            .then(|| people.last().map(|p| p.id))
            .flatten();
        let summary = format!("全{total}件中 {}件を表示", people.len());
        (people, next, summary)
    } else {
        let hits = st
            .svc
            .search_persons(
                &c.actor,
                &PersonQuery {
                    text: q.q.clone(),
                    limit: 100,
                },
            )
            .await?;
        let summary = format!("「{}」の検索結果: {}件", q.q.trim(), hits.len());
        (hits, None, summary)
    };
    let cols = columns_of(&people);
    let labels: Vec<&'static str> = cols.iter().map(|i| i.label()).collect();
    let rows = people
        .iter()
        .map(|p| Row {
            id: p.id,
            cells: cols.iter().map(|i| display(*i, p.get(*i))).collect(),
        })
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, c.current);
    Ok(render(&PersonsPage {
        layout,
        context_label: c.label,
        item_labels: c.item_labels,
        base: c.base,
        q: q.q,
        summary,
        columns: labels,
        rows,
        next_after,
        page_size: PAGE,
    })?
    .into_response())
}

async fn one(st: &AppState, a: &Authed, c: Context, id: i64) -> Result<Response, WebError> {
    let p = st.svc.read_person(&c.actor, id).await?;
    let fields = p
        .values
        .iter()
        .map(|(i, v)| (i.label(), display(*i, v)))
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, c.current);
    Ok(render(&PersonPage {
        layout,
        id,
        back: c.base,
        context_label: c.label,
        fields,
    })?
    .into_response())
}

pub async fn ward_list(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let c = ward_context(&a).await;
    list(&st, &a, c, q).await
}

pub async fn ward_one(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let c = ward_context(&a).await;
    one(&st, &a, c, id).await
}

pub async fn contract_list(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose)): Path<(i64, String)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let c = contract_context(&st, &a, contract, &purpose).await?;
    list(&st, &a, c, q).await
}

pub async fn contract_one(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, purpose, id)): Path<(i64, String, i64)>,
) -> Result<Response, WebError> {
    let c = contract_context(&st, &a, contract, &purpose).await?;
    one(&st, &a, c, id).await
}
