//! Audit review for the ward's administrators and inspectors: filters,
//! chain verification status, and CSV export for an inspection.

use super::render;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use itaku_service::{AuditEntryView, AuditQuery, ContractView, ServiceError, UserView};

const LIMIT: i64 = 500;

#[derive(Default)]
pub struct Filter {
    user_id: String,
    contract_id: String,
    record_id: String,
    outcome: String,
    from: String,
    until: String,
}

impl Filter {
    fn query(&self, limit: i64) -> Result<AuditQuery, WebError> {
        let num = |s: &str, what: &str| -> Result<Option<i64>, WebError> {
            match s.trim() {
                "" => Ok(None),
                t => t
                    .parse()
                    .map(Some)
                    .map_err(|_| WebError::BadRequest(format!("{what}は数字で指定してください"))),
            }
        };
        let day = |s: &str, plus: i64| -> Result<Option<String>, WebError> {
            match s.trim() {
                "" => Ok(None),
                t => {
                    let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                        WebError::BadRequest("日付は 2026-11-22 の形で指定してください".into())
                    })?;
                    // Dates are JST days; entries are stored in UTC.
                    let start = d
                        .and_hms_opt(0, 0, 0)
                        .map(|t| t - chrono::Duration::hours(9) + chrono::Duration::days(plus));
                    Ok(start.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()))
                }
            }
        };
        Ok(AuditQuery {
            user_id: num(&self.user_id, "利用者")?,
            contract_id: num(&self.contract_id, "契約")?,
            record_id: num(&self.record_id, "記録No.")?,
            action: None,
            outcome: Some(self.outcome.clone()),
            from: day(&self.from, 0)?,
            until: day(&self.until, 1)?,
            limit,
            offset: 0,
        })
    }
}

struct RowView {
    seq: i64,
    at: String,
    actor: String,
    terminal: String,
    contract: String,
    purpose: String,
    action: String,
    records: String,
    items: String,
    outcome: String,
    outcome_label: &'static str,
    reason: String,
}

fn action_label(code: &str) -> String {
    let known = [
        ("read", "閲覧"),
        ("search", "検索"),
        ("write", "登録・更新"),
        ("export", "出力"),
        ("print", "印刷"),
        ("provision", "提供"),
        ("erase", "消去"),
        ("view_audit", "ログ閲覧"),
        ("administer", "管理"),
        ("receive", "受領"),
        ("return", "返還"),
        ("sign_in", "サインイン"),
        ("sign_out", "サインアウト"),
        ("step_up", "本人確認"),
    ];
    known
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| (*l).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn items_label(codes: &str) -> String {
    itaku_core::ItemSet::parse_codes(codes)
        .map(|s| s.labels())
        .unwrap_or_else(|_| codes.to_owned())
}

fn row_view(e: &AuditEntryView, contracts: &[ContractView]) -> RowView {
    let records = e
        .record_ids
        .iter()
        .take(8)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let more = e.record_ids.len().saturating_sub(8);
    RowView {
        seq: e.seq,
        at: itaku_service::jst_display(&e.at),
        actor: e.actor.clone(),
        terminal: e.terminal.clone(),
        contract: e
            .contract_id
            .map(|c| {
                contracts
                    .iter()
                    .find(|x| x.id == c)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| c.to_string())
            })
            .unwrap_or_default(),
        purpose: e
            .contract_id
            .and_then(|c| contracts.iter().find(|x| x.id == c))
            .and_then(|c| c.purposes.iter().find(|p| p.code == e.purpose))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| e.purpose.clone()),
        action: action_label(&e.action),
        records: if more > 0 {
            format!("{records} ほか{more}件")
        } else {
            records
        },
        items: items_label(&e.items),
        outcome: e.outcome.clone(),
        outcome_label: if e.outcome == "allow" {
            "許可"
        } else {
            "拒否"
        },
        reason: e.reason.clone(),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<RowView>,
    users: Vec<UserView>,
    contracts: Vec<ContractView>,
    verify_ok: bool,
    verify_entries: i64,
    verify_problems: Vec<String>,
    key_fingerprint: String,
    filter_user: String,
    filter_contract: String,
    filter_record: String,
    filter_outcome: String,
    filter_from: String,
    filter_until: String,
    query_string: String,
    limit: i64,
}

/// The raw query is kept for the CSV link; the filter is read from it.
fn parse_filter(raw: &Option<String>) -> Filter {
    let mut f = Filter::default();
    let q = raw.as_deref().unwrap_or_default();
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "user_id" => f.user_id = v,
            "contract_id" => f.contract_id = v,
            "record_id" => f.record_id = v,
            "outcome" => f.outcome = v,
            "from" => f.from = v,
            "until" => f.until = v,
            _ => {}
        }
    }
    f
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let f = parse_filter(&raw);
    let actor = a.actor();
    let entries = st.svc.audit_search(&actor, &f.query(LIMIT)?).await?;
    let users = st.svc.users(&actor).await?;
    let contracts = st.svc.contracts(&actor).await?;
    let report = st.svc.audit_verify(None).await?;
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/audit");
    Ok(render(&AuditPage {
        layout,
        rows: entries.iter().map(|e| row_view(e, &contracts)).collect(),
        users,
        contracts,
        verify_ok: report.ok(),
        verify_entries: report.entries,
        verify_problems: report.problems,
        key_fingerprint: st.svc.audit_public_key_fingerprint(),
        filter_user: f.user_id,
        filter_contract: f.contract_id,
        filter_record: f.record_id,
        filter_outcome: f.outcome,
        filter_from: f.from,
        filter_until: f.until,
        query_string: raw.unwrap_or_default(),
        limit: LIMIT,
    })?
    .into_response())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The filtered log as CSV (UTF-8 with BOM, so Excel opens it), after a
/// fresh step-up: an export is itself audited.
pub async fn export(
    State(st): State<AppState>,
    a: Authed,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    if !a.session.stepped_up {
        return Err(WebError::StepUp(format!(
            "/audit/export.csv?{}",
            raw.unwrap_or_default()
        )));
    }
    let f = parse_filter(&raw);
    let entries = match st.svc.audit_search(&a.actor(), &f.query(100_000)?).await {
        Ok(e) => e,
        Err(ServiceError::StepUpRequired) => return Err(WebError::StepUp("/audit".into())),
        Err(e) => return Err(e.into()),
    };
    let mut out = String::from("\u{feff}連番,日時,利用者ID,利用者,役割,端末,契約,利用目的,操作,記録No.,項目,結果,理由,要求ID\r\n");
    for e in &entries {
        let ids = e
            .record_ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let cells = [
            e.seq.to_string(),
            itaku_service::jst_display(&e.at),
            e.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
            e.actor.clone(),
            e.role.clone(),
            e.terminal.clone(),
            e.contract_id.map(|c| c.to_string()).unwrap_or_default(),
            e.purpose.clone(),
            action_label(&e.action),
            ids,
            items_label(&e.items),
            e.outcome.clone(),
            e.reason.clone(),
            e.request_id.clone(),
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"itaku-audit.csv\"".to_owned(),
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "audit_report.html")]
struct ReportPage {
    layout: Layout,
    rows: Vec<itaku_service::UserAccessReport>,
    from: String,
    until: String,
}

/// Per-user access counts over a period (JST dates).
pub async fn report(
    State(st): State<AppState>,
    a: Authed,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let f = parse_filter(&raw);
    let q = f.query(0)?;
    let mut rows = st.svc.access_report(&a.actor(), q.from, q.until).await?;
    for r in &mut rows {
        r.last_at = itaku_service::jst_display(&r.last_at);
    }
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/audit");
    Ok(render(&ReportPage {
        layout,
        rows,
        from: f.from,
        until: f.until,
    })?
    .into_response())
}
