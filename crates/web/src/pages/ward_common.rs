//! What the ward staff's work pages share (取込, 取込設定, 名簿の抽出, 出力):
//! their routes, the gate that shows them to ward staff only, and small
//! helpers. Every operation on personal data is also decided and audited by
//! the service; the gate only keeps other roles from forms they cannot use.

use super::{ward_export, ward_import, ward_ledger, ward_lists};
use crate::ctx::Authed;
use crate::error::WebError;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use itaku_core::Role;
use itaku_service::{Denial, ServiceError};

/// The largest target list the page accepts (a million rows of the
/// sample's layout are about 200 MB).
pub const UPLOAD_LIMIT: usize = 512 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ward/import", get(ward_import::form))
        .route(
            "/ward/import/upload",
            post(ward_import::upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/ward/import/uploads/{token}", get(ward_import::preview))
        .route("/ward/import/uploads/{token}/run", post(ward_import::run))
        .route(
            "/ward/import/uploads/{token}/discard",
            post(ward_import::discard),
        )
        .route("/ward/import/jobs/{id}", get(ward_import::job))
        .route(
            "/ward/import/jobs/{id}/progress",
            get(ward_import::progress),
        )
        .route(
            "/ward/import/jobs/{id}/report.json",
            get(ward_import::report_json),
        )
        .route(
            "/ward/import/profiles",
            get(ward_import::profiles).post(ward_import::save_profile),
        )
        .route("/ward/import/profiles/edit", get(ward_import::edit_profile))
        .route("/ward/import/profiles/new", get(ward_import::new_profile))
        .route("/ward/lists", get(ward_lists::page))
        .route("/ward/lists/preview", post(ward_lists::preview))
        .route("/ward/lists/freeze", post(ward_lists::freeze))
        .route("/ward/lists/{id}", get(ward_lists::list))
        .route("/ward/ledger", get(ward_ledger::index))
        .route("/ward/ledger/{id}", get(ward_ledger::ledger))
        .route(
            "/ward/ledger/{id}/return",
            post(ward_ledger::receive_return),
        )
        .route("/ward/export", get(ward_export::page))
        .route("/ward/export/download", get(ward_export::download))
}

/// Ward staff only. A contractor's user is told the page does not exist
/// (the ward's register is not theirs to know of); the ward's other roles
/// are told they may not use it.
/// Only ward staff do this work. Anyone else is refused by the service, so
/// the refusal is audited: contractors as if the page did not exist (404),
/// the ward's other roles with 403.
pub async fn require_ward_staff(st: &AppState, a: &Authed) -> Result<(), WebError> {
    if a.session.user.role == Role::WardStaff {
        return Ok(());
    }
    st.svc.refuse_ward_work(&a.actor(), "ward page").await?;
    Err(WebError::Service(ServiceError::Denied(
        Denial::RoleNotPermitted,
    )))
}

/// The fiscal year the ward's calendar is in today (JST, by the service's clock).
pub fn current_fiscal_year(st: &AppState) -> i32 {
    let today = (st.svc.now() + chrono::Duration::hours(9)).date_naive();
    chrono::Datelike::year(&itaku_jp::FiscalYear::of(today).start())
}

/// 令和8年度 (2026).
pub fn fiscal_year_label(fy: i32) -> String {
    format!("{}（{fy}年度）", itaku_jp::FiscalYear::new(fy).label())
}

/// Now, in the ward's time zone, for display.
pub fn jst_now(st: &AppState) -> String {
    (st.svc.now() + chrono::Duration::hours(9))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
