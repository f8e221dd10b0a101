//! 契約: contracts between the ward and a contractor, their designated
//! 取扱責任者 and 取扱者 (per purpose), and the ward's approvals of
//! sub-contractors. Cancelling a contract stays on the overview (admin.rs).

use super::admin_common::{
    form_date, form_id, invalid, path_id, require_admin, respond, subnav, Choice, Failure, Fields,
    SubNavItem,
};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use itaku_core::{IpNet, OrgKind};
use itaku_service::{ContractView, NewContractSpec};
use serde::Deserialize;

#[derive(Default)]
struct ContractForm {
    job_id: String,
    contractor_org_id: String,
    name: String,
    starts_on: String,
    ends_on: String,
    allowed_networks: String,
    requires_client_cert: bool,
}

#[derive(Template)]
#[template(path = "admin_contracts.html")]
struct ContractsPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    error: Option<String>,
    contracts: Vec<ContractView>,
    jobs: Vec<Choice>,
    contractors: Vec<Choice>,
    form: ContractForm,
}

struct StaffRow {
    user_id: i64,
    name: String,
    login: String,
    org_name: String,
    duties: String,
}

struct SubRow {
    org_id: i64,
    name: String,
    approved: bool,
    history: String,
}

#[derive(Template)]
#[template(path = "admin_contract.html")]
struct ContractPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    message: Option<String>,
    error: Option<String>,
    c: ContractView,
    staff: Vec<StaffRow>,
    candidates: Vec<Choice>,
    duties: Vec<Choice>,
    subs: Vec<SubRow>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
}

async fn list(
    st: &AppState,
    a: &Authed,
    status: StatusCode,
    error: Option<String>,
    form: ContractForm,
) -> Result<Response, WebError> {
    require_admin(a)?;
    let actor = a.actor();
    let contracts = st.svc.contracts(&actor).await?;
    let jobs = st
        .svc
        .jobs(&actor)
        .await?
        .into_iter()
        .map(|j| Choice {
            selected: j.id.to_string() == form.job_id,
            value: j.id.to_string(),
            label: j.name,
        })
        .collect();
    let contractors = st
        .svc
        .orgs(&actor)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Contractor)
        .map(|o| Choice {
            selected: o.id.to_string() == form.contractor_org_id,
            value: o.id.to_string(),
            label: o.name,
        })
        .collect();
    respond(
        status,
        &ContractsPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/contracts"),
            message: None,
            error,
            contracts,
            jobs,
            contractors,
            form,
        },
    )
}

pub async fn page(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    list(&st, &a, StatusCode::OK, None, ContractForm::default()).await
}

pub async fn create(
    State(st): State<AppState>,
    a: Authed,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let form = ContractForm {
        job_id: f.get("job_id"),
        contractor_org_id: f.get("contractor_org_id"),
        name: f.get("name"),
        starts_on: f.get("starts_on"),
        ends_on: f.get("ends_on"),
        allowed_networks: f.get("allowed_networks"),
        requires_client_cert: f.checked("requires_client_cert"),
    };
    match try_create(&st, &a, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/admin/contracts/{id}?done=created")).into_response()),
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => list(&st, &a, status, Some(m), form).await,
    }
}

/// 10.0.0.0/8, 192.168.1.10 — separated by commas (any width) or spaces.
fn parse_networks(text: &str) -> Result<Vec<IpNet>, Failure> {
    let folded = itaku_jp::fold_width(text);
    let nets = folded
        .split(|c: char| c == ',' || c == '、' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| IpNet::parse(s).map_err(|e| invalid(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    if nets.is_empty() {
        return Err(invalid(
            "接続を許可するネットワークを1つ以上入力してください（例: 10.20.0.0/16）",
        ));
    }
    Ok(nets)
}

async fn try_create(st: &AppState, a: &Authed, form: &ContractForm) -> Result<i64, Failure> {
    let job_id = form_id(&form.job_id, "業務")?;
    let contractor_org_id = form_id(&form.contractor_org_id, "委託事業者")?;
    let starts_on = form_date(&form.starts_on, "開始日")?;
    let ends_on = form_date(&form.ends_on, "終了日")?;
    let nets = parse_networks(&form.allowed_networks)?;
    let spec = NewContractSpec {
        job_id,
        contractor_org_id,
        name: &form.name,
        starts_on,
        ends_on,
        allowed_networks: &nets,
        requires_client_cert: form.requires_client_cert,
    };
    Ok(st.svc.create_contract(&a.actor(), &spec).await?)
}

async fn one(
    st: &AppState,
    a: &Authed,
    id: i64,
    status: StatusCode,
    message: Option<String>,
    error: Option<String>,
    chosen: (String, String),
) -> Result<Response, WebError> {
    require_admin(a)?;
    let actor = a.actor();
    let c = st
        .svc
        .contracts(&actor)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(WebError::NotFound)?;
    let orgs = st.svc.orgs(&actor).await?;
    let users = st.svc.users(&actor).await?;
    let purpose_name = |code: &str| {
        c.purposes
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    // One row per person: removing takes away every designation they hold here.
    let mut staff: Vec<StaffRow> = Vec::new();
    for s in &c.staff {
        let duty = if s.duty == "responsible" {
            "取扱責任者".to_owned()
        } else {
            format!("取扱者（{}）", purpose_name(&s.purpose_code))
        };
        if let Some(row) = staff.iter_mut().find(|r| r.user_id == s.user_id) {
            row.duties.push('・');
            row.duties.push_str(&duty);
            continue;
        }
        let u = users.iter().find(|u| u.id == s.user_id);
        staff.push(StaffRow {
            user_id: s.user_id,
            name: s.display_name.clone(),
            login: u.map(|u| u.login.clone()).unwrap_or_default(),
            org_name: u.map(|u| u.org_name.clone()).unwrap_or_default(),
            duties: duty,
        });
    }
    let sub_orgs: Vec<_> = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Subcontractor && o.parent_id == Some(c.contractor_org_id))
        .collect();
    let subs = sub_orgs
        .iter()
        .map(|o| {
            let rows: Vec<_> = c
                .subcontractors
                .iter()
                .filter(|s| s.org_id == o.id)
                .collect();
            let history = rows
                .iter()
                .map(|s| match &s.revoked_at {
                    Some(r) => format!(
                        "承認 {}・取消 {}",
                        itaku_service::jst_display(&s.approved_at),
                        itaku_service::jst_display(r)
                    ),
                    None => format!("承認 {}", itaku_service::jst_display(&s.approved_at)),
                })
                .collect::<Vec<_>>()
                .join("／");
            SubRow {
                org_id: o.id,
                name: o.name.clone(),
                approved: rows.iter().any(|s| s.revoked_at.is_none()),
                history,
            }
        })
        .collect();
    let candidates = users
        .iter()
        .filter(|u| {
            u.active
                && (u.org_id == c.contractor_org_id || sub_orgs.iter().any(|o| o.id == u.org_id))
        })
        .map(|u| Choice {
            selected: u.id.to_string() == chosen.0,
            value: u.id.to_string(),
            label: format!(
                "{}（{}・{}・{}）",
                u.display_name, u.login, u.org_name, u.role_label
            ),
        })
        .collect();
    let mut duties = vec![Choice {
        value: "responsible".into(),
        label: "取扱責任者（すべての利用目的）".into(),
        selected: chosen.1 == "responsible",
    }];
    duties.extend(c.purposes.iter().map(|p| {
        let value = format!("handler:{}", p.code);
        Choice {
            selected: chosen.1 == value,
            label: format!("取扱者: {}（{}）", p.name, p.item_labels),
            value,
        }
    }));
    respond(
        status,
        &ContractPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/contracts"),
            message,
            error,
            c,
            staff,
            candidates,
            duties,
            subs,
        },
    )
}

pub async fn detail(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Result<Response, WebError> {
    let id = path_id(&id)?;
    let message = match d.done.as_str() {
        "created" => Some(
            "契約を登録しました。取扱責任者と取扱者を指定し、再委託があれば承認してください。"
                .to_owned(),
        ),
        "staff" => Some("担当者を指定しました。".to_owned()),
        "removed" => Some(
            "指定を外しました。この契約のデータには直ちにアクセスできなくなります。".to_owned(),
        ),
        "approved" => Some("再委託を承認しました。".to_owned()),
        "revoked" => Some(
            "再委託の承認を取り消しました。この再委託先のすべてのセッションを直ちに終了しました。"
                .to_owned(),
        ),
        _ => None,
    };
    one(
        &st,
        &a,
        id,
        StatusCode::OK,
        message,
        None,
        Default::default(),
    )
    .await
}

/// After a change: back to the contract with a message, or the same page
/// with the error and the choice kept.
async fn answer(
    st: &AppState,
    a: &Authed,
    id: i64,
    result: Result<(), Failure>,
    done: &str,
    chosen: (String, String),
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/admin/contracts/{id}?done={done}")).into_response()),
        Err(Failure::Web(e)) => Err(e),
        Err(Failure::Input(status, m)) => one(st, a, id, status, None, Some(m), chosen).await,
    }
}

pub async fn assign(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let chosen = (f.get("user_id"), f.get("duty"));
    let result = async {
        let user = form_id(&chosen.0, "利用者")?;
        let purpose = match chosen.1.as_str() {
            "responsible" => None,
            d => match d.strip_prefix("handler:") {
                Some(p) if !p.is_empty() => Some(p),
                _ => return Err(invalid("担当（取扱責任者または利用目的）を選んでください")),
            },
        };
        st.svc.assign_staff(&a.actor(), id, user, purpose).await?;
        Ok::<(), Failure>(())
    }
    .await;
    answer(&st, &a, id, result, "staff", chosen).await
}

pub async fn remove(
    State(st): State<AppState>,
    a: Authed,
    Path((id, user)): Path<(String, String)>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let (id, user) = (path_id(&id)?, path_id(&user)?);
    let result = st
        .svc
        .remove_staff(&a.actor(), id, user)
        .await
        .map_err(Failure::from);
    answer(&st, &a, id, result, "removed", Default::default()).await
}

pub async fn approve(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let result = async {
        let org = form_id(&f.get("org_id"), "再委託先")?;
        st.svc.approve_subcontract(&a.actor(), id, org).await?;
        Ok::<(), Failure>(())
    }
    .await;
    answer(&st, &a, id, result, "approved", Default::default()).await
}

pub async fn revoke(
    State(st): State<AppState>,
    a: Authed,
    Path((id, org)): Path<(String, String)>,
    f: Fields,
) -> Result<Response, WebError> {
    f.check_csrf(&a)?;
    let (id, org) = (path_id(&id)?, path_id(&org)?);
    let result = st
        .svc
        .revoke_subcontract(&a.actor(), id, org)
        .await
        .map_err(Failure::from);
    answer(&st, &a, id, result, "revoked", Default::default()).await
}
