//! 暗号化パッケージ: sending a provision (ward staff) or a return (the
//! contractor's 責任者) as a package download, receiving a package by
//! upload, and the signed receipts both ways. Each is the same service call
//! `itaku exchange send | receive | receipt` makes; an upload is streamed
//! to a temporary file (removed when the request ends) under a size limit,
//! and a refused package stores nothing.

use super::render;
use crate::ctx::Authed;
use crate::error::WebError;
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use itaku_core::Role;
use itaku_service::{jst_display, Channel, PackageTo, SecretString, ServiceError};
use serde::Deserialize;
use std::io::{Seek, Write};

/// The largest package or receipt the page takes.
pub const PACKAGE_LIMIT: u64 = 1024 * 1024 * 1024;
const RECEIPT_LIMIT: u64 = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    let body = DefaultBodyLimit::max(PACKAGE_LIMIT as usize + 64 * 1024);
    Router::new()
        .route("/exchange", get(page))
        .route("/exchange/send", post(send))
        .route("/exchange/receive", post(receive).layer(body))
        .route("/exchange/receipt", post(receipt).layer(body))
        .route(
            "/exchange/{contract}/receipts/{line}",
            get(download_receipt),
        )
}

pub struct ContractChoice {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

pub struct LineRow {
    pub id: i64,
    pub at: String,
    pub direction: &'static str,
    pub channel: &'static str,
    pub records: i64,
    pub package_id: String,
    pub counterpart: String,
    pub receipt: &'static str,
    pub received: bool,
}

#[derive(Template)]
#[template(path = "exchange.html")]
struct ExchangePage {
    layout: Layout,
    ward: bool,
    contracts: Vec<ContractChoice>,
    contract: Option<i64>,
    partner: String,
    lists: Vec<(i64, String)>,
    lines: Vec<LineRow>,
    stepped_up: bool,
    notice: Option<String>,
    receipt_line: Option<i64>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    contract: Option<i64>,
    #[serde(default)]
    received: Option<i64>,
    #[serde(default)]
    receipt_ok: Option<i64>,
}

/// Ward staff send provisions and take returns; a contractor's 責任者 the
/// other way round. Anyone else is refused by the service too.
fn allowed(a: &Authed) -> Result<bool, WebError> {
    match a.session.user.role {
        Role::WardStaff => Ok(true),
        Role::ContractorResponsible => Ok(false),
        _ => Err(WebError::Service(ServiceError::Denied(
            itaku_service::Denial::RoleNotPermitted,
        ))),
    }
}

/// The actor that reads a contract's ledger: a contractor's user reads it
/// under one of their purposes of that contract.
async fn reader(
    st: &AppState,
    a: &Authed,
    contract: i64,
) -> Result<itaku_service::Actor, WebError> {
    let actor = a.actor();
    if a.session.user.role == Role::WardStaff {
        return Ok(actor);
    }
    let purpose = st
        .svc
        .work_contexts(a.session.user.id)
        .await?
        .into_iter()
        .find(|w| w.contract_id == contract)
        .map(|w| w.purpose_code);
    Ok(actor.in_contract(itaku_core::ContractId(contract), purpose))
}

async fn show(
    st: &AppState,
    a: &Authed,
    chosen: Option<i64>,
    status: StatusCode,
    notice: Option<String>,
    receipt_line: Option<i64>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let ward = allowed(a)?;
    let actor = a.actor();
    let mut contracts: Vec<ContractChoice> = if ward {
        st.svc
            .ledger_contracts(&actor)
            .await?
            .into_iter()
            .map(|c| ContractChoice {
                id: c.id,
                name: c.name,
                selected: false,
            })
            .collect()
    } else {
        let mut v: Vec<ContractChoice> = Vec::new();
        for w in st.svc.work_contexts(a.session.user.id).await? {
            if !v.iter().any(|c| c.id == w.contract_id) {
                v.push(ContractChoice {
                    id: w.contract_id,
                    name: w.contract_name,
                    selected: false,
                });
            }
        }
        v
    };
    let contract = chosen
        .filter(|c| contracts.iter().any(|x| x.id == *c))
        .or_else(|| contracts.first().map(|c| c.id));
    for c in &mut contracts {
        c.selected = Some(c.id) == contract;
    }
    let mut partner = String::new();
    let mut lines = Vec::new();
    if let Some(cid) = contract {
        if let Some(b) = st.svc.exchange_binding(cid).await? {
            partner = format!(
                "{}（参照番号 {}、鍵の指紋 {}）",
                b.partner.org_name, b.exchange_ref, b.partner.fingerprint
            );
        }
        let ledger = st.svc.ledger(&reader(st, a, cid).await?, cid).await?;
        for l in ledger.lines.into_iter().filter(|l| l.package_id.is_some()) {
            lines.push(LineRow {
                id: l.id,
                at: jst_display(&l.created_at),
                direction: l.direction.label(),
                channel: l.channel.label(),
                records: l.records,
                receipt: if l.awaiting_receipt() {
                    "受領書待ち"
                } else if l.receipt_at.is_some() {
                    "受領書あり"
                } else {
                    "—"
                },
                received: l.channel == Channel::PackageReceived,
                package_id: l.package_id.unwrap_or_default(),
                counterpart: l.counterpart.unwrap_or_default(),
            });
        }
    }
    let lists = if ward {
        st.svc
            .target_lists(&actor)
            .await?
            .into_iter()
            .map(|l| (l.id, format!("{}（{} 人）", l.name, l.members)))
            .collect()
    } else {
        Vec::new()
    };
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/exchange");
    Ok((
        status,
        render(&ExchangePage {
            layout,
            ward,
            contracts,
            contract,
            partner,
            lists,
            lines,
            stepped_up: a.session.stepped_up,
            notice,
            receipt_line,
            error,
        })?,
    )
        .into_response())
}

pub async fn page(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let notice = match (q.received, q.receipt_ok) {
        (Some(line), _) => Some(format!(
            "パッケージを取り込みました（台帳 第 {line} 行）。受領書をダウンロードして送り主に返送してください。"
        )),
        (_, Some(line)) => Some(format!(
            "受領書を確認しました: 台帳 第 {line} 行を受領済みにしました。"
        )),
        _ => None,
    };
    show(
        &st,
        &a,
        q.contract,
        StatusCode::OK,
        notice,
        q.received,
        None,
    )
    .await
}

/// A service refusal of the input, shown on the page; anything else is an
/// error page.
async fn refused(
    st: &AppState,
    a: &Authed,
    contract: Option<i64>,
    e: ServiceError,
) -> Result<Response, WebError> {
    let status = match &e {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::StepUpRequired => {
            return Err(WebError::StepUp(format!(
                "/exchange?contract={}",
                contract.unwrap_or_default()
            )))
        }
        _ => return Err(e.into()),
    };
    show(st, a, contract, status, None, None, Some(e.to_string())).await
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    _csrf: String,
    contract: i64,
    #[serde(default)]
    list: Option<String>,
    #[serde(default)]
    passphrase: String,
}

pub async fn send(
    State(st): State<AppState>,
    a: Authed,
    axum::Form(f): axum::Form<SendForm>,
) -> Result<Response, WebError> {
    a.check_csrf(Some(&f._csrf))?;
    let ward = allowed(&a)?;
    // Personal data leaves the installation: password and code again,
    // as for an export.
    if !a.session.stepped_up {
        return Err(WebError::StepUp(format!(
            "/exchange?contract={}",
            f.contract
        )));
    }
    let to = if f.passphrase.is_empty() {
        PackageTo::Partner
    } else {
        PackageTo::Passphrase {
            passphrase: SecretString::from(f.passphrase.clone()),
            work_factor: itaku_service::PACKAGE_WORK_FACTOR,
        }
    };
    let actor = a.actor();
    // Spooled to an unnamed temporary file (already unlinked, gone when
    // closed) and streamed from there: a package of a whole list is as big
    // as the list, and only ciphertext ever reaches the disk.
    let spool = tempfile::tempfile()
        .map_err(|e| WebError::Service(ServiceError::Internal(e.to_string())))?;
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, spool);
    let sent = if ward {
        let list = match f.list.as_deref().map(str::trim).map(str::parse::<i64>) {
            Some(Ok(l)) => l,
            _ => {
                return refused(
                    &st,
                    &a,
                    Some(f.contract),
                    ServiceError::Invalid("提供する名簿を選んでください".into()),
                )
                .await
            }
        };
        st.svc
            .send_provision_package(&actor, f.contract, list, to, &mut out)
            .await
    } else {
        st.svc
            .send_return_package(&actor, f.contract, to, &mut out)
            .await
    };
    let sent = match sent {
        Ok(s) => s,
        Err(e) => return refused(&st, &a, Some(f.contract), e).await,
    };
    let kind = if ward { "provision" } else { "return" };
    let body =
        spooled_body(out).map_err(|e| WebError::Service(ServiceError::Internal(e.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"itaku-{kind}-{}.age\"",
                    sent.package_id
                ),
            ),
            (
                header::HeaderName::from_static("x-itaku-package-id"),
                sent.package_id.clone(),
            ),
        ],
        body,
    )
        .into_response())
}

/// The spooled package from its start, as a streamed response body.
fn spooled_body(out: std::io::BufWriter<std::fs::File>) -> std::io::Result<axum::body::Body> {
    use std::io::Seek;
    let mut file = out.into_inner().map_err(|e| e.into_error())?;
    file.rewind()?;
    let file = tokio::fs::File::from_std(file);
    Ok(axum::body::Body::from_stream(
        tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024),
    ))
}

/// An upload as it arrived: the form's fields and the file, on disk.
struct Upload {
    csrf: String,
    contract: Option<i64>,
    passphrase: String,
    file: Option<(tempfile::NamedTempFile, u64)>,
}

fn unreadable(_: axum::extract::multipart::MultipartError) -> WebError {
    WebError::BadRequest(
        "送信されたファイルを読み取れませんでした。もう一度選んで送ってください。".into(),
    )
}

/// The file is written to a temporary file as it comes, never held whole
/// in memory; past `limit` bytes the upload is refused.
async fn to_temp(
    mut field: Field<'_>,
    limit: u64,
) -> Result<(tempfile::NamedTempFile, u64), WebError> {
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| {
        WebError::Service(ServiceError::Internal(format!(
            "一時ファイルを作れません: {e}"
        )))
    })?;
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(WebError::BadRequest(format!(
                "ファイルが大きすぎます（{} MB まで）。",
                limit / 1024 / 1024
            )));
        }
        tmp.write_all(&chunk).map_err(|e| {
            WebError::Service(ServiceError::Internal(format!(
                "一時ファイルに書けません: {e}"
            )))
        })?;
    }
    tmp.flush().ok();
    tmp.rewind().ok();
    Ok((tmp, size))
}

async fn read_upload(
    mp: Result<Multipart, MultipartRejection>,
    limit: u64,
) -> Result<Upload, WebError> {
    let mut mp =
        mp.map_err(|_| WebError::BadRequest("ファイルを選んで送信してください。".into()))?;
    let mut up = Upload {
        csrf: String::new(),
        contract: None,
        passphrase: String::new(),
        file: None,
    };
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "_csrf" => up.csrf = field.text().await.map_err(unreadable)?,
            "contract" => up.contract = field.text().await.map_err(unreadable)?.trim().parse().ok(),
            "passphrase" => up.passphrase = field.text().await.map_err(unreadable)?,
            "file" => up.file = Some(to_temp(field, limit).await?),
            _ => {}
        }
    }
    Ok(up)
}

pub async fn receive(
    State(st): State<AppState>,
    a: Authed,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    allowed(&a)?;
    let up = read_upload(mp, PACKAGE_LIMIT).await?;
    a.check_csrf(Some(&up.csrf))?;
    let Some(contract) = up.contract else {
        return Err(WebError::BadRequest("契約を選んでください。".into()));
    };
    let Some((tmp, size)) = up.file.filter(|(_, n)| *n > 0) else {
        return refused(
            &st,
            &a,
            Some(contract),
            ServiceError::Invalid("取り込むパッケージのファイルを選んでください".into()),
        )
        .await;
    };
    let pass = (!up.passphrase.is_empty()).then(|| SecretString::from(up.passphrase.clone()));
    let file = tmp.reopen().map_err(|e| {
        WebError::Service(ServiceError::Internal(format!(
            "一時ファイルを開けません: {e}"
        )))
    })?;
    let got = st
        .svc
        .receive_package(
            &a.actor(),
            contract,
            std::io::BufReader::new(file),
            pass.as_ref(),
        )
        .await;
    // The temporary file goes now, whatever happened.
    drop(tmp);
    tracing::debug!(bytes = size, "package upload handled");
    match got {
        Ok(g) => Ok(Redirect::to(&format!(
            "/exchange?contract={contract}&received={}",
            g.ledger_line
        ))
        .into_response()),
        Err(e) => refused(&st, &a, Some(contract), e).await,
    }
}

pub async fn receipt(
    State(st): State<AppState>,
    a: Authed,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    allowed(&a)?;
    let up = read_upload(mp, RECEIPT_LIMIT).await?;
    a.check_csrf(Some(&up.csrf))?;
    let text = match up.file {
        Some((mut tmp, _)) => {
            let mut s = String::new();
            std::io::Read::read_to_string(tmp.as_file_mut(), &mut s).map_err(|_| {
                WebError::BadRequest(
                    "受領書のファイルを読み取れません（JSON を選んでください）。".into(),
                )
            })?;
            s
        }
        None => String::new(),
    };
    match st.svc.accept_receipt(&a.actor(), &text).await {
        Ok(line) => Ok(Redirect::to(&format!(
            "/exchange?contract={}&receipt_ok={}",
            up.contract.unwrap_or_default(),
            line.id
        ))
        .into_response()),
        Err(e) => refused(&st, &a, up.contract, e).await,
    }
}

pub async fn download_receipt(
    State(st): State<AppState>,
    a: Authed,
    Path((contract, line)): Path<(String, String)>,
) -> Result<Response, WebError> {
    allowed(&a)?;
    let contract: i64 = contract.parse().map_err(|_| WebError::NotFound)?;
    let line: i64 = line.parse().map_err(|_| WebError::NotFound)?;
    let json = st
        .svc
        .issued_receipt(&reader(&st, &a, contract).await?, contract, line)
        .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"itaku-receipt-{contract}-{line}.json\""),
            ),
        ],
        json,
    )
        .into_response())
}
