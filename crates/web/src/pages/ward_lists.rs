//! 名簿の抽出: choose the people of a campaign from the ward's register with
//! a preset (the seeds' target definitions) or conditions built on the page,
//! see how many a rule selects before saving it, and freeze the list with
//! its rule, fiscal year, time and creator.

use super::persons::display;
use super::render;
use super::ward_common::{current_fiscal_year, fiscal_year_label, require_ward_staff};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use itaku_core::Item;
use itaku_service::{extraction_presets, Checkup, Condition, PersonView, Rule, ServiceError};
use serde::Deserialize;

const PAGE: i64 = 50;

/// The conditions form, as sent (every field a string, so nothing is lost
/// when the page is shown again with a message).
#[derive(Deserialize, Default, Clone)]
pub struct RuleForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    pub fy: String,
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub age_min: String,
    #[serde(default)]
    pub age_max: String,
    #[serde(default)]
    pub nhi: String,
    #[serde(default)]
    pub nhi_on: String,
    #[serde(default)]
    pub screened: String,
    #[serde(default)]
    pub count_min: String,
    #[serde(default)]
    pub count_max: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub checkup: String,
    #[serde(default)]
    pub checkup_min: String,
    #[serde(default)]
    pub checkup_max: String,
    #[serde(default)]
    pub phone: String,
}

fn parse_fy(s: &str) -> Result<i32, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("年度を選んでください".into());
    }
    let fy = t
        .parse::<itaku_jp::FiscalYear>()
        .map(|f| chrono::Datelike::year(&f.start()))
        .map_err(|_| format!("年度「{t}」が読み取れません（例: 2026 / 令和8年度）"))?;
    if (1989..=2100).contains(&fy) {
        Ok(fy)
    } else {
        Err(format!("年度「{t}」は指定できません"))
    }
}

fn opt_u32(s: &str, label: &str) -> Result<Option<u32>, String> {
    let t = itaku_jp::fold_width(s.trim());
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>()
        .map(Some)
        .map_err(|_| format!("{label}「{}」は0以上の整数で入力してください", s.trim()))
}

fn opt_f64(s: &str, label: &str) -> Result<Option<f64>, String> {
    let t = itaku_jp::fold_width(s.trim());
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(format!("{label}「{}」は数値で入力してください", s.trim())),
    }
}

fn ordered<T: PartialOrd + Copy>(
    min: Option<T>,
    max: Option<T>,
    label: &str,
) -> Result<(), String> {
    match (min, max) {
        (Some(a), Some(b)) if a > b => Err(format!("{label}の下限が上限より大きくなっています")),
        _ => Ok(()),
    }
}

/// The rule a form describes: a preset of the chosen fiscal year, or the
/// conditions filled in. A message in Japanese when something is off.
pub fn rule_of(f: &RuleForm) -> Result<Rule, String> {
    let fiscal_year = parse_fy(&f.fy)?;
    if !f.preset.is_empty() && f.preset != "custom" {
        return extraction_presets(fiscal_year)
            .into_iter()
            .find(|(k, _, _)| *k == f.preset)
            .map(|(_, _, r)| r)
            .ok_or_else(|| "選んだ抽出条件が見つかりません".into());
    }
    let mut conditions = Vec::new();
    let (min, max) = (opt_u32(&f.age_min, "年齢")?, opt_u32(&f.age_max, "年齢")?);
    ordered(min, max, "年度末年齢")?;
    if min.is_some() || max.is_some() {
        conditions.push(Condition::AgeAtFyEnd { min, max });
    }
    if f.nhi == "yes" {
        let date = if f.nhi_on.trim().is_empty() {
            NaiveDate::from_ymd_opt(fiscal_year, 4, 1).unwrap_or_default()
        } else {
            itaku_jp::parse_date(f.nhi_on.trim()).map_err(|e| format!("国保資格の基準日{e}"))?
        };
        conditions.push(Condition::NhiQualifiedOn { date });
    }
    match f.screened.as_str() {
        "yes" => conditions.push(Condition::ScreenedPrevFy { screened: true }),
        "no" => conditions.push(Condition::ScreenedPrevFy { screened: false }),
        _ => {}
    }
    let (min, max) = (
        opt_u32(&f.count_min, "受診回数")?,
        opt_u32(&f.count_max, "受診回数")?,
    );
    ordered(min, max, "過去5年の受診回数")?;
    if min.is_some() || max.is_some() {
        conditions.push(Condition::ScreeningCount { min, max });
    }
    match f.sex.as_str() {
        "1" | "2" => conditions.push(Condition::Sex {
            code: f.sex.clone(),
        }),
        _ => {}
    }
    let field = match f.checkup.as_str() {
        "bmi" => Some(Checkup::Bmi),
        "sbp" => Some(Checkup::Sbp),
        "hba1c" => Some(Checkup::Hba1c),
        _ => None,
    };
    let (min, max) = (
        opt_f64(&f.checkup_min, "健診結果の値")?,
        opt_f64(&f.checkup_max, "健診結果の値")?,
    );
    ordered(min, max, "健診結果の値")?;
    match field {
        Some(field) if min.is_some() || max.is_some() => {
            conditions.push(Condition::CheckupValue { field, min, max })
        }
        Some(_) => return Err("健診結果の値の下限か上限を入力してください".into()),
        None if min.is_some() || max.is_some() => {
            return Err("健診結果の項目（BMI・収縮期血圧・HbA1c）を選んでください".into())
        }
        None => {}
    }
    match f.phone.as_str() {
        "present" => conditions.push(Condition::Has {
            item: Item::DenwaBango,
            present: true,
        }),
        "absent" => conditions.push(Condition::Has {
            item: Item::DenwaBango,
            present: false,
        }),
        _ => {}
    }
    if conditions.is_empty() {
        return Err("条件を1つ以上指定してください".into());
    }
    Ok(Rule {
        fiscal_year,
        conditions,
    })
}

// ---------------------------------------------------------------- the page

pub struct PresetView {
    pub key: &'static str,
    pub title: &'static str,
    pub description: String,
    pub default_name: String,
}

pub struct ListRow {
    pub id: i64,
    pub name: String,
    pub fiscal_year: String,
    pub description: String,
    pub members: i64,
    pub created_at: String,
    pub creator: String,
}

pub struct FyChoice {
    pub value: i32,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "ward_lists.html")]
struct ListsPage {
    layout: Layout,
    fy: i32,
    fy_label: String,
    fy_end: String,
    fy_choices: Vec<FyChoice>,
    presets: Vec<PresetView>,
    lists: Vec<ListRow>,
    error: Option<String>,
    form: RuleForm,
}

#[derive(Deserialize, Default)]
pub struct FyQuery {
    #[serde(default)]
    fy: String,
}

fn creator(a: &Authed, id: Option<i64>) -> String {
    match id {
        Some(id) if id == a.session.user.id => format!(
            "{}（{}）",
            a.session.user.display_name, a.session.user.login
        ),
        Some(id) => format!("利用者No.{id}"),
        None => "システム".into(),
    }
}

async fn lists_page(
    st: &AppState,
    a: &Authed,
    status: StatusCode,
    fy: i32,
    error: Option<String>,
    form: RuleForm,
) -> Result<Response, WebError> {
    let lists = st.svc.target_lists(&a.actor()).await?;
    let now_fy = current_fiscal_year(st);
    let mut years: Vec<i32> = (now_fy - 2..=now_fy + 1).collect();
    if !years.contains(&fy) {
        years.push(fy);
        years.sort_unstable();
    }
    let presets = extraction_presets(fy)
        .into_iter()
        .map(|(key, title, rule)| PresetView {
            key,
            title,
            description: rule.describe(),
            default_name: format!("{title}（{}）", itaku_jp::FiscalYear::new(fy).label()),
        })
        .collect();
    let lists = lists
        .into_iter()
        .rev()
        .map(|l| ListRow {
            id: l.id,
            name: l.name,
            fiscal_year: itaku_jp::FiscalYear::new(l.fiscal_year as i32).label(),
            description: l.description,
            members: l.members,
            created_at: itaku_service::jst_display(&l.created_at),
            creator: creator(a, l.created_by),
        })
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/lists");
    let body = render(&ListsPage {
        layout,
        fy,
        fy_label: fiscal_year_label(fy),
        fy_end: itaku_jp::format_wareki(itaku_jp::FiscalYear::new(fy).end()),
        fy_choices: years
            .into_iter()
            .map(|y| FyChoice {
                value: y,
                label: fiscal_year_label(y),
                selected: y == fy,
            })
            .collect(),
        presets,
        lists,
        error,
        form,
    })?;
    Ok((status, body).into_response())
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<FyQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let fy = if q.fy.trim().is_empty() {
        current_fiscal_year(&st)
    } else {
        match parse_fy(&q.fy) {
            Ok(fy) => fy,
            Err(m) => return Err(WebError::BadRequest(m)),
        }
    };
    let form = RuleForm {
        fy: fy.to_string(),
        screened: "any".into(),
        phone: "any".into(),
        ..Default::default()
    };
    lists_page(&st, &a, StatusCode::OK, fy, None, form).await
}

#[derive(Template)]
#[template(path = "ward_lists_count.html")]
struct CountFragment {
    count: Option<i64>,
    description: String,
    error: Option<String>,
}

/// 件数を確認 (htmx): how many the rule selects now. Audited as a search.
pub async fn preview(
    State(st): State<AppState>,
    a: Authed,
    Form(f): Form<RuleForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    // A mistake in the form is answered in the fragment (htmx swaps only 2xx).
    let fragment = match rule_of(&f) {
        Err(m) => CountFragment {
            count: None,
            description: String::new(),
            error: Some(m),
        },
        Ok(rule) => match st.svc.preview_rule(&a.actor(), &rule).await {
            Ok(n) => CountFragment {
                count: Some(n),
                description: rule.describe(),
                error: None,
            },
            Err(ServiceError::Invalid(m)) => CountFragment {
                count: None,
                description: String::new(),
                error: Some(m),
            },
            Err(e) => return Err(e.into()),
        },
    };
    Ok(render(&fragment)?.into_response())
}

/// 名簿として確定: freeze the people the rule selects now, with the rule.
pub async fn freeze(
    State(st): State<AppState>,
    a: Authed,
    Form(f): Form<RuleForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let fy = parse_fy(&f.fy).unwrap_or_else(|_| current_fiscal_year(&st));
    let rule = match rule_of(&f) {
        Ok(r) => r,
        Err(m) => return lists_page(&st, &a, StatusCode::BAD_REQUEST, fy, Some(m), f).await,
    };
    match st.svc.freeze_list(&a.actor(), &f.name, &rule).await {
        Ok(list) => Ok(Redirect::to(&format!("/ward/lists/{}", list.id)).into_response()),
        Err(ServiceError::Invalid(m)) => {
            lists_page(&st, &a, StatusCode::BAD_REQUEST, fy, Some(m), f).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- one frozen list

pub struct MemberRow {
    pub id: i64,
    pub cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "ward_list.html")]
struct ListPage {
    layout: Layout,
    id: i64,
    name: String,
    description: String,
    conditions: Vec<String>,
    fiscal_year: String,
    created_at: String,
    creator: String,
    members: i64,
    columns: Vec<&'static str>,
    rows: Vec<MemberRow>,
    next_after: Option<i64>,
    paged: bool,
}

#[derive(Deserialize, Default)]
pub struct AfterQuery {
    #[serde(default)]
    after: i64,
}

/// The items worth a column in a long list, in catalogue order.
fn columns_of(people: &[PersonView]) -> Vec<Item> {
    Item::ALL
        .iter()
        .copied()
        .filter(|i| people.iter().any(|p| p.values.contains_key(i)))
        .filter(|i| {
            matches!(
                i,
                Item::AtenaNo
                    | Item::Shimei
                    | Item::KanaShimei
                    | Item::Seinengappi
                    | Item::Seibetsu
                    | Item::YubinBango
                    | Item::Jusho
                    | Item::Katagaki
                    | Item::DenwaBango
                    | Item::JushinkenNo
                    | Item::JushinRireki
            )
        })
        .collect()
}

pub async fn list(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let (view, people) = st
        .svc
        .target_list_members(&a.actor(), id, q.after.max(0), PAGE)
        .await?;
    let cols = columns_of(&people);
    let rows: Vec<MemberRow> = people
        .iter()
        .map(|p| MemberRow {
            id: p.id,
            cells: cols.iter().map(|i| display(*i, p.get(*i))).collect(),
        })
        .collect();
    let next_after = (people.len() as i64 == PAGE)
        .then(|| people.last().map(|p| p.id))
        .flatten();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/lists");
    Ok(render(&ListPage {
        layout,
        id,
        conditions: view.rule.conditions.iter().map(|c| c.describe()).collect(),
        description: view.description,
        name: view.name,
        fiscal_year: fiscal_year_label(view.fiscal_year as i32),
        created_at: itaku_service::jst_display(&view.created_at),
        creator: creator(&a, view.created_by),
        members: view.members,
        columns: cols.iter().map(|i| i.label()).collect(),
        rows,
        next_after,
        paged: q.after > 0,
    })?
    .into_response())
}
