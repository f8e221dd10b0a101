//! 取込: a ward user uploads a target list, sees a dry run (the first rows
//! exactly as they will be stored, counts, every rejected row with its
//! reason, 外字, unknown columns, likely duplicates), then imports it in the
//! background and follows its progress to the report. 取込設定: the import
//! profiles, edited as TOML.
//!
//! The file stays in this process's memory only (see `crate::imports`).

use super::persons::display;
use super::render;
use super::ward_common::{jst_now, require_ward_staff, UPLOAD_LIMIT};
use crate::ctx::{Authed, Ctx};
use crate::error::{public_message, WebError};
use crate::imports::{Job, JobState, SampleRow, Upload};
use crate::layout::Layout;
use crate::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderName, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use itaku_core::Item;
use itaku_service::{Actor, Service};
use itaku_service::{ImportProfile, ImportReport, SavedProfile, ServiceError, SHIPPED_PROFILES};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Rows shown in the preview.
const SAMPLE_ROWS: usize = 20;
/// Rejections listed on a page; the JSON report has them all.
const LISTED: usize = 1000;

// ---------------------------------------------------------------- views

pub struct ProfileChoice {
    pub key: String,
    pub label: String,
    pub selected: bool,
}

pub struct RejectionView {
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

pub struct GaijiView {
    pub line: u64,
    pub column: String,
    pub code_point: String,
    pub cp932: String,
}

pub struct LikelyView {
    pub line: u64,
    pub atena_no: String,
    pub other_line: u64,
    pub other_atena_no: String,
}

/// A scan report as the pages show it.
pub struct ScanView {
    pub data_rows: u64,
    pub accepted: u64,
    pub rejected_rows: u64,
    pub duplicate_rows: u64,
    pub rejections: Vec<RejectionView>,
    pub rejections_more: usize,
    pub notes: Vec<RejectionView>,
    pub notes_more: usize,
    pub gaiji: Vec<GaijiView>,
    pub gaiji_more: usize,
    pub unknown_columns: Vec<String>,
    pub likely: Vec<LikelyView>,
    pub likely_more: usize,
}

fn rejection_views(v: &[itaku_import::Rejection]) -> (Vec<RejectionView>, usize) {
    let shown = v
        .iter()
        .take(LISTED)
        .map(|r| RejectionView {
            line: r.line,
            column: r.column.clone(),
            value: r.value.clone(),
            reason: r.reason.clone(),
        })
        .collect();
    (shown, v.len().saturating_sub(LISTED))
}

fn scan_view(r: &ImportReport) -> ScanView {
    let s = &r.scan;
    let (rejections, rejections_more) = rejection_views(&s.rejections);
    let (notes, notes_more) = rejection_views(&s.notes);
    ScanView {
        data_rows: s.data_rows,
        accepted: s.accepted,
        rejected_rows: s.rejected_rows,
        duplicate_rows: s.duplicate_rows,
        rejections,
        rejections_more,
        notes,
        notes_more,
        gaiji: s
            .gaiji
            .iter()
            .take(LISTED)
            .map(|g| GaijiView {
                line: g.line,
                column: g.column.clone(),
                code_point: g.code_point.clone(),
                cp932: g.cp932.clone().unwrap_or_default(),
            })
            .collect(),
        gaiji_more: s.gaiji.len().saturating_sub(LISTED),
        unknown_columns: s.unknown_columns.clone(),
        likely: s
            .likely_duplicates
            .iter()
            .take(LISTED)
            .map(|d| LikelyView {
                line: d.line,
                atena_no: d.atena_no.clone(),
                other_line: d.other_line,
                other_atena_no: d.other_atena_no.clone(),
            })
            .collect(),
        likely_more: s.likely_duplicates.len().saturating_sub(LISTED),
    }
}

/// A profile's label for people: its name, and the key it is saved under.
fn profile_label(p: &SavedProfile) -> String {
    match ImportProfile::from_toml(&p.toml) {
        Ok(parsed) if parsed.name != p.name => format!("{}（{}）", parsed.name, p.name),
        _ => p.name.clone(),
    }
}

fn human_size(n: usize) -> String {
    match n {
        n if n >= 1024 * 1024 => format!("{:.1} MB", n as f64 / (1024.0 * 1024.0)),
        n if n >= 1024 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} バイト"),
    }
}

/// Run an import (or its dry run). The service reads and parses the file
/// on a thread of its own, so a long dry run does not hold up the workers
/// answering other requests.
async fn run_import(
    svc: Service,
    actor: Actor,
    profile: ImportProfile,
    bytes: Bytes,
    dry_run: bool,
    line: Option<Arc<AtomicU64>>,
) -> Result<ImportReport, ServiceError> {
    svc.import_targets(
        &actor,
        &profile,
        std::io::Cursor::new(bytes),
        dry_run,
        |n| {
            if let Some(l) = &line {
                l.store(n, Ordering::Relaxed);
            }
        },
    )
    .await
}

// ---------------------------------------------------------------- upload form

#[derive(Template)]
#[template(path = "ward_import.html")]
struct ImportPage {
    layout: Layout,
    error: Option<String>,
    profiles: Vec<ProfileChoice>,
    jobs: Vec<JobRow>,
    limit_label: String,
}

pub struct JobRow {
    pub id: String,
    pub file_name: String,
    pub profile_name: String,
    pub started_at: String,
    pub state_label: String,
    pub state_class: &'static str,
}

fn job_rows(st: &AppState, owner: i64) -> Vec<JobRow> {
    st.imports
        .jobs_of(owner)
        .into_iter()
        .map(|(id, j)| {
            let (state_label, state_class) = match &j.state {
                JobState::Running => (format!("取込中（{}%）", j.percent()), "muted"),
                JobState::Done(r) => (
                    format!("完了（新規{}件・更新{}件）", r.inserted, r.updated),
                    "active",
                ),
                JobState::Failed(_) => ("失敗（何も登録されていません）".into(), "cancelled"),
            };
            JobRow {
                id,
                file_name: j.file_name,
                profile_name: j.profile_name,
                started_at: j.started_at,
                state_label,
                state_class,
            }
        })
        .collect()
}

async fn form_page(
    st: &AppState,
    a: &Authed,
    status: StatusCode,
    error: Option<String>,
    selected: &str,
) -> Result<Response, WebError> {
    let profiles = st.svc.import_profiles(&a.actor()).await?;
    let profiles = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| ProfileChoice {
            key: p.name.clone(),
            label: profile_label(p),
            selected: if selected.is_empty() {
                i == 0
            } else {
                p.name == selected
            },
        })
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/import");
    let body = render(&ImportPage {
        layout,
        error,
        profiles,
        jobs: job_rows(st, a.session.user.id),
        limit_label: human_size(UPLOAD_LIMIT),
    })?;
    Ok((status, body).into_response())
}

pub async fn form(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    form_page(&st, &a, StatusCode::OK, None, "").await
}

/// The items a profile stores, in catalogue order.
fn profile_items(p: &ImportProfile) -> Vec<Item> {
    let items: Vec<Item> = p
        .item_sources()
        .map(|v| v.into_iter().map(|(i, _)| i).collect())
        .unwrap_or_default();
    Item::ALL
        .iter()
        .copied()
        .filter(|i| items.contains(i))
        .collect()
}

/// The first rows as they will be stored, read by the same scanner the
/// import uses (nothing is stored here).
fn sample_rows(profile: &ImportProfile, bytes: &[u8], items: &[Item]) -> Vec<SampleRow> {
    let Ok(mut scanner) = itaku_import::Scanner::new(bytes, profile) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while out.len() < SAMPLE_ROWS {
        let Some(row) = scanner.next_row() else { break };
        out.push(SampleRow {
            line: row.line,
            cells: items
                .iter()
                .map(|i| {
                    row.values
                        .get(i)
                        .map(|v| display(*i, v))
                        .unwrap_or_default()
                })
                .collect(),
        });
    }
    out
}

pub async fn upload(
    State(st): State<AppState>,
    a: Authed,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let mut mp = mp.map_err(|_| {
        WebError::BadRequest("ファイルを選んで「確認する」を押してください。".into())
    })?;
    // Whoever may not import is refused (and audited) before the file is read.
    let profiles = st.svc.import_profiles(&a.actor()).await?;
    let mut csrf_ok = false;
    let mut key = String::new();
    let mut file: Option<(String, Bytes)> = None;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WebError::BadRequest(format!(
                "ファイルが大きすぎます（上限 {}）。ファイルを分けて取り込んでください。",
                human_size(UPLOAD_LIMIT)
            ))
        } else {
            WebError::BadRequest(
                "送信された内容を読み取れませんでした。画面を開き直してください。".into(),
            )
        }
    };
    while let Some(field) = mp.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "_csrf" => {
                let t = field.text().await.map_err(unreadable)?;
                a.check_csrf(Some(&t))?;
                csrf_ok = true;
            }
            "profile" => key = field.text().await.map_err(unreadable)?,
            "file" => {
                // The token comes first in the form: nothing is read for a forged request.
                if !csrf_ok {
                    return Err(WebError::Csrf);
                }
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(WebError::Csrf);
    }
    let Some(chosen) = profiles.iter().find(|p| p.name == key) else {
        return form_page(
            &st,
            &a,
            StatusCode::BAD_REQUEST,
            Some("取込設定を選んでください。".into()),
            &key,
        )
        .await;
    };
    let (file_name, bytes) = match file {
        Some((n, b)) if !b.is_empty() => (n, b),
        _ => {
            return form_page(
                &st,
                &a,
                StatusCode::BAD_REQUEST,
                Some("取り込むファイルを選んでください（空のファイルは取り込めません）。".into()),
                &key,
            )
            .await
        }
    };
    let profile = match ImportProfile::from_toml(&chosen.toml) {
        Ok(p) => p,
        Err(e) => {
            return form_page(&st, &a, StatusCode::BAD_REQUEST, Some(e.to_string()), &key).await
        }
    };
    // The dry run: everything but storing, audited as such.
    let report = match run_import(
        st.svc.clone(),
        a.actor(),
        profile.clone(),
        bytes.clone(),
        true,
        None,
    )
    .await
    {
        Ok(r) => r,
        Err(ServiceError::Invalid(m)) => {
            return form_page(
                &st,
                &a,
                StatusCode::BAD_REQUEST,
                Some(format!("このファイルは取り込めません: {m}")),
                &key,
            )
            .await
        }
        Err(e) => return Err(e.into()),
    };
    let items = profile_items(&profile);
    let sample = sample_rows(&profile, &bytes, &items);
    let columns = items.iter().map(|i| i.label()).collect();
    let uploaded_at = jst_now(&st);
    let token = st.imports.put_upload(Upload::new(
        a.session.user.id,
        key,
        profile,
        file_name,
        bytes,
        report,
        columns,
        sample,
        uploaded_at,
    ));
    Ok(Redirect::to(&format!("/ward/import/uploads/{token}")).into_response())
}

// ---------------------------------------------------------------- preview

#[derive(Template)]
#[template(path = "ward_import_preview.html")]
struct PreviewPage {
    layout: Layout,
    token: String,
    file_name: String,
    file_size: String,
    profile_name: String,
    profile_key: String,
    uploaded_at: String,
    minutes_left: u64,
    columns: Vec<&'static str>,
    sample: Vec<SampleRow>,
    scan: ScanView,
}

fn gone_page(a: &Authed) -> Result<Response, WebError> {
    #[derive(Template)]
    #[template(path = "ward_import_gone.html")]
    struct Gone {
        layout: Layout,
    }
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/import");
    Ok((StatusCode::NOT_FOUND, render(&Gone { layout })?).into_response())
}

pub async fn preview(
    State(st): State<AppState>,
    a: Authed,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let Some(u) = st.imports.upload(&token, a.session.user.id) else {
        return gone_page(&a);
    };
    st.svc
        .record_file_view(
            &a.actor(),
            &u.profile,
            &format!("preview of upload {}", u.file_name),
        )
        .await?;
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/import");
    Ok(render(&PreviewPage {
        layout,
        token,
        file_size: human_size(u.bytes.len()),
        file_name: u.file_name.clone(),
        profile_name: u.profile.name.clone(),
        profile_key: u.profile_key.clone(),
        uploaded_at: u.uploaded_at.clone(),
        minutes_left: u.minutes_left(),
        columns: u.columns.clone(),
        sample: u.sample.clone(),
        scan: scan_view(&u.report),
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

pub async fn discard(
    State(st): State<AppState>,
    a: Authed,
    Path(token): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    st.imports.take_upload(&token, a.session.user.id);
    Ok(Redirect::to("/ward/import").into_response())
}

/// 取り込む: the real import, in the background; the page follows it.
pub async fn run(
    State(st): State<AppState>,
    a: Authed,
    Path(token): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    let Some(upload) = st.imports.take_upload(&token, a.session.user.id) else {
        return gone_page(&a);
    };
    let started_at = jst_now(&st);
    let (id, line) = st.imports.start_job(
        a.session.user.id,
        itaku_crypto::token_digest(&a.token),
        &upload,
        started_at,
    );
    let svc = st.svc.clone();
    let store = st.imports.clone();
    let actor = a.actor();
    let job_id = id.clone();
    tokio::spawn(async move {
        let result = run_import(
            svc,
            actor,
            upload.profile.clone(),
            upload.bytes.clone(),
            false,
            Some(line),
        )
        .await;
        drop(upload);
        // The file is dropped with `upload` here; only the report stays.
        let state = match result {
            Ok(r) => JobState::Done(Box::new(r)),
            Err(e) => JobState::Failed(public_message(&e)),
        };
        store.finish_job(&job_id, state);
    });
    Ok(Redirect::to(&format!("/ward/import/jobs/{id}")).into_response())
}

// ---------------------------------------------------------------- progress and report

#[derive(Template)]
#[template(path = "ward_import_job.html")]
struct JobPage {
    layout: Layout,
    id: String,
    job: JobInfo,
}

#[derive(Template)]
#[template(path = "ward_import_progress.html")]
struct ProgressFragment {
    id: String,
    job: JobInfo,
}

pub struct JobInfo {
    pub file_name: String,
    pub profile_name: String,
    pub started_at: String,
    pub processed: u64,
    pub total: u64,
    pub percent: u64,
    pub running: bool,
}

fn job_info(j: &Job) -> JobInfo {
    JobInfo {
        file_name: j.file_name.clone(),
        profile_name: j.profile_name.clone(),
        started_at: j.started_at.clone(),
        processed: j.processed(),
        total: j.total_rows,
        percent: j.percent(),
        running: matches!(j.state, JobState::Running),
    }
}

#[derive(Template)]
#[template(path = "ward_import_report.html")]
struct ReportPage {
    layout: Layout,
    id: String,
    job: JobInfo,
    error: Option<String>,
    inserted: i64,
    updated: i64,
    scan: Option<ScanView>,
}

pub async fn job(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let Some(j) = st.imports.job(&id, a.session.user.id) else {
        return Err(WebError::NotFound);
    };
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/import");
    let info = job_info(&j);
    let page = match &j.state {
        JobState::Running => render(&JobPage {
            layout,
            id,
            job: info,
        })?,
        JobState::Done(r) => {
            st.svc
                .record_file_view(
                    &a.actor(),
                    &j.profile,
                    &format!("import report of {}", j.file_name),
                )
                .await?;
            render(&ReportPage {
                layout,
                id,
                job: info,
                error: None,
                inserted: r.inserted,
                updated: r.updated,
                scan: Some(scan_view(r)),
            })?
        }
        JobState::Failed(m) => render(&ReportPage {
            layout,
            id,
            job: info,
            error: Some(m.clone()),
            inserted: 0,
            updated: 0,
            scan: None,
        })?,
    };
    Ok(page.into_response())
}

/// Polled every second by the progress page. Answered to the session that
/// started the import from memory alone: the import holds the database.
pub async fn progress(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let Some(token) = ctx.session_token.as_deref() else {
        return Err(WebError::NotFound);
    };
    let Some(j) = st
        .imports
        .job_for_session(&id, &itaku_crypto::token_digest(token))
    else {
        return Err(WebError::NotFound);
    };
    let info = job_info(&j);
    let running = info.running;
    let body = render(&ProgressFragment {
        id: id.clone(),
        job: info,
    })?;
    if running {
        Ok(body.into_response())
    } else {
        Ok((
            [(
                HeaderName::from_static("hx-redirect"),
                format!("/ward/import/jobs/{id}"),
            )],
            body,
        )
            .into_response())
    }
}

/// The finished import's report as JSON (counts, every rejected row, 外字).
pub async fn report_json(
    State(st): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let Some(j) = st.imports.job(&id, a.session.user.id) else {
        return Err(WebError::NotFound);
    };
    let JobState::Done(r) = &j.state else {
        return Err(WebError::NotFound);
    };
    st.svc
        .record_file_view(
            &a.actor(),
            &j.profile,
            &format!("import report JSON of {}", j.file_name),
        )
        .await?;
    let json = serde_json::to_string_pretty(r)
        .map_err(|e| WebError::Service(ServiceError::Internal(e.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"itaku-import-report.json\"".to_owned(),
            ),
        ],
        json,
    )
        .into_response())
}

// ---------------------------------------------------------------- profiles

pub struct ProfileRow {
    pub key: String,
    pub key_query: String,
    pub name: String,
    pub shipped: bool,
    pub updated_at: String,
    pub encoding: String,
    pub format: String,
    pub items: String,
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "ward_profiles.html")]
struct ProfilesPage {
    layout: Layout,
    saved: Option<String>,
    rows: Vec<ProfileRow>,
}

#[derive(Deserialize, Default)]
pub struct ProfilesQuery {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    name: String,
}

fn query_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn profiles(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<ProfilesQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let list = st.svc.import_profiles(&a.actor()).await?;
    let rows = list
        .iter()
        .map(|p| {
            let parsed = ImportProfile::from_toml(&p.toml);
            let (name, encoding, format, items, problem) = match &parsed {
                Ok(x) => (
                    x.name.clone(),
                    x.encoding.clone(),
                    match x.format {
                        itaku_import::Format::Csv => "CSV（見出し行あり）".to_owned(),
                        itaku_import::Format::Fixed => "固定長".to_owned(),
                    },
                    profile_items(x)
                        .iter()
                        .map(|i| i.label())
                        .collect::<Vec<_>>()
                        .join("・"),
                    None,
                ),
                Err(e) => (
                    p.name.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    Some(e.to_string()),
                ),
            };
            ProfileRow {
                key: p.name.clone(),
                key_query: query_escape(&p.name),
                name,
                shipped: p.shipped,
                updated_at: p
                    .updated_at
                    .as_deref()
                    .map(itaku_service::jst_display)
                    .unwrap_or_default(),
                encoding,
                format,
                items,
                problem,
            }
        })
        .collect();
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/import");
    Ok(render(&ProfilesPage {
        layout,
        saved: (!q.saved.is_empty()).then_some(q.saved),
        rows,
    })?
    .into_response())
}

pub struct ItemHelp {
    pub code: &'static str,
    pub label: &'static str,
    pub note: &'static str,
}

#[derive(Template)]
#[template(path = "ward_profile_edit.html")]
struct EditPage {
    layout: Layout,
    key: String,
    toml: String,
    is_new: bool,
    shipped: bool,
    error: Option<String>,
    items: Vec<ItemHelp>,
}

fn item_help() -> Vec<ItemHelp> {
    Item::ALL
        .iter()
        .map(|i| ItemHelp {
            code: i.code(),
            label: i.label(),
            note: match i {
                Item::AtenaNo => "必須。対象者を識別します",
                Item::KokuhoKigoBango => "列名の配列で記号と番号をつなげられます",
                Item::JushinRireki => "{ prev_fy = \"列\", count_5y = \"列\" }",
                Item::KenshinKekka => "{ bmi = \"列\", sbp = \"列\", hba1c = \"列\" }",
                Item::Seibetsu => "1（男）/ 2（女）。[values.seibetsu] で置換",
                Item::Seinengappi
                | Item::ShikakuShutoku
                | Item::ShikakuSoshitsu
                | Item::JushinBi => "西暦・和暦・元号コード（3450301）どれでも可",
                _ => "",
            },
        })
        .collect()
}

fn edit_page(
    a: &Authed,
    status: StatusCode,
    key: String,
    toml: String,
    is_new: bool,
    shipped: bool,
    error: Option<String>,
) -> Result<Response, WebError> {
    let layout = Layout::for_session(&a.session, &a.ctx.request_id, "/ward/import");
    let body = render(&EditPage {
        layout,
        key,
        toml,
        is_new,
        shipped,
        error,
        items: item_help(),
    })?;
    Ok((status, body).into_response())
}

pub async fn edit_profile(
    State(st): State<AppState>,
    a: Authed,
    Query(q): Query<ProfilesQuery>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    let list = st.svc.import_profiles(&a.actor()).await?;
    let Some(p) = list.into_iter().find(|p| p.name == q.name) else {
        return Err(WebError::NotFound);
    };
    edit_page(&a, StatusCode::OK, p.name, p.toml, false, p.shipped, None)
}

/// A new profile starts from the shipped one.
pub async fn new_profile(State(st): State<AppState>, a: Authed) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    // Refused (and audited) for whoever may not read the profiles.
    st.svc.import_profiles(&a.actor()).await?;
    let toml = SHIPPED_PROFILES
        .first()
        .map(|(_, t)| (*t).to_owned())
        .unwrap_or_default();
    edit_page(&a, StatusCode::OK, String::new(), toml, true, false, None)
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    toml: String,
    #[serde(default)]
    is_new: String,
}

pub async fn save_profile(
    State(st): State<AppState>,
    a: Authed,
    Form(f): Form<ProfileForm>,
) -> Result<Response, WebError> {
    require_ward_staff(&st, &a).await?;
    a.check_csrf(Some(&f._csrf))?;
    // Browsers send CRLF from a textarea; profiles are stored with LF.
    let toml = f.toml.replace("\r\n", "\n");
    match st.svc.save_import_profile(&a.actor(), &f.key, &toml).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/ward/import/profiles?saved={}",
            query_escape(f.key.trim())
        ))
        .into_response()),
        Err(ServiceError::Invalid(m)) => edit_page(
            &a,
            StatusCode::BAD_REQUEST,
            f.key,
            toml,
            !f.is_new.is_empty(),
            false,
            Some(m),
        ),
        Err(e) => Err(e.into()),
    }
}
