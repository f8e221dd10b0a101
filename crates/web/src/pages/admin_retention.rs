//! 保存期間: a contract's retention rules, set and withdrawn by the ward's
//! administrator. Each rule becomes a scheduled job (see 定期処理) that
//! either receives the return first — unless the ward waives it here with
//! a reason — then erases the contract's vault with its certificate, or
//! (seed 003) returns the closed events' participants or the aggregated
//! questionnaires and erases only those, each with its certificate.

use super::admin_common::{
    form_date, invalid, path_id, require_admin, respond, subnav, Choice, Failure, Fields,
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
use itaku_service::{
    jst_display, ContractView, RetentionAction, RetentionEvent, RetentionRuleSpec,
    RetentionRuleView, RetentionTrigger,
};
use serde::Deserialize;

pub struct RuleRow {
    pub id: i64,
    pub purpose: String,
    pub trigger: String,
    pub action: &'static str,
    pub waiver: String,
    pub active: bool,
    pub set: String,
    pub jobs: Vec<(i64, String, &'static str)>,
}

impl From<RetentionRuleView> for RuleRow {
    fn from(r: RetentionRuleView) -> Self {
        RuleRow {
            id: r.id,
            purpose: r.purpose_code.unwrap_or_else(|| "契約全体".into()),
            trigger: r.trigger_label,
            action: r.action.label(),
            waiver: r.waiver.unwrap_or_default(),
            active: r.active,
            set: format!("{} {}", jst_display(&r.set_at), r.set_by),
            jobs: r
                .jobs
                .into_iter()
                .map(|j| (j.id, jst_display(&j.run_at), j.state.label()))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin_retention.html")]
struct RetentionPage {
    layout: Layout,
    subnav: Vec<SubNavItem>,
    contract: ContractView,
    rules: Vec<RuleRow>,
    purposes: Vec<Choice>,
    events: Vec<Choice>,
    actions: Vec<Choice>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    set: Option<i64>,
    #[serde(default)]
    withdrawn: Option<i64>,
}

async fn show(
    st: &AppState,
    a: &Authed,
    id: i64,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let contract = st
        .svc
        .contracts(&a.actor())
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(WebError::NotFound)?;
    let rules = st
        .svc
        .retention_rules(&a.actor(), id)
        .await?
        .into_iter()
        .map(RuleRow::from)
        .collect();
    let purposes = contract
        .purposes
        .iter()
        .map(|p| Choice {
            value: p.code.clone(),
            label: p.name.clone(),
            selected: false,
        })
        .collect();
    let events = RetentionEvent::KNOWN
        .iter()
        .map(|(c, l)| Choice {
            value: (*c).into(),
            label: (*l).into(),
            selected: false,
        })
        .collect();
    let actions = RetentionAction::ALL
        .iter()
        .map(|a| Choice {
            value: a.code().into(),
            label: a.label().into(),
            selected: *a == RetentionAction::ReturnThenErase,
        })
        .collect();
    respond(
        status,
        &RetentionPage {
            layout: Layout::for_session(&a.session, &a.ctx.request_id, "/admin"),
            subnav: subnav("/admin/contracts"),
            contract,
            rules,
            purposes,
            events,
            actions,
            notice,
            error,
        },
    )
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    let id = path_id(&id)?;
    let notice = match (q.set, q.withdrawn) {
        (Some(n), _) => Some(format!("保存期間の規則 {n} を設定しました。")),
        (_, Some(n)) => Some(format!("保存期間の規則 {n} を取り下げました。")),
        _ => None,
    };
    show(&st, &a, id, StatusCode::OK, notice, None).await
}

fn spec_of(f: &Fields) -> Result<RetentionRuleSpec, Failure> {
    let days = || -> Result<u32, Failure> {
        let d = f.get("days");
        let d = d.trim();
        if d.is_empty() {
            return Ok(0);
        }
        d.parse::<u32>()
            .map_err(|_| invalid("日数は 0 以上の整数で入力してください"))
    };
    let trigger = match f.get("trigger").as_str() {
        "contract_end" => RetentionTrigger::AfterContractEnd { days: days()? },
        "date" => RetentionTrigger::OnDate {
            date: form_date(&f.get("date"), "実行日")?,
        },
        "event" => RetentionTrigger::AfterEvent {
            event: RetentionEvent::parse(&f.get("event"))?,
            days: days()?,
        },
        _ => {
            return Err(invalid(
                "いつ実行するか（契約終了後・日付・出来事の後）を選んでください",
            ))
        }
    };
    let purpose = f.get("purpose");
    // A form without the field is the whole-contract erasure it used to be.
    let action = match f.get("action").trim() {
        "" => RetentionAction::ReturnThenErase,
        code => RetentionAction::parse(code).map_err(|_| invalid("何を行うかを選んでください"))?,
    };
    Ok(RetentionRuleSpec {
        purpose_code: (!purpose.trim().is_empty()).then(|| purpose.trim().to_owned()),
        trigger,
        action,
        waiver: f.checked("waive").then(|| f.get("waiver")),
    })
}

pub async fn set(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    f: Fields,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let result = async {
        let spec = spec_of(&f)?;
        if f.checked("waive") && f.get("waiver").trim().is_empty() {
            return Err(invalid("返還を待たずに消去する理由を入力してください"));
        }
        Ok::<_, Failure>(st.svc.set_retention_rule(&a.actor(), id, &spec).await?)
    }
    .await;
    match result {
        Ok(rule) => Ok(
            Redirect::to(&format!("/admin/contracts/{id}/retention?set={}", rule.id))
                .into_response(),
        ),
        Err(Failure::Input(status, m)) => show(&st, &a, id, status, None, Some(m)).await,
        Err(Failure::Web(e)) => Err(e),
    }
}

pub async fn withdraw(
    State(st): State<AppState>,
    a: Authed,
    Path((id, rule)): Path<(String, String)>,
    f: Fields,
) -> Result<Response, WebError> {
    require_admin(&a)?;
    f.check_csrf(&a)?;
    let id = path_id(&id)?;
    let rule = path_id(&rule)?;
    match st.svc.withdraw_retention_rule(&a.actor(), id, rule).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/admin/contracts/{id}/retention?withdrawn={rule}"))
                .into_response(),
        ),
        Err(e) => match Failure::from(e) {
            Failure::Input(status, m) => show(&st, &a, id, status, None, Some(m)).await,
            Failure::Web(e) => Err(e),
        },
    }
}
