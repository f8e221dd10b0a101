//! The HTML pages.

mod admin;
mod admin_common;
mod admin_contracts;
mod admin_erasure;
mod admin_jobs;
mod admin_orgs;
mod admin_retention;
mod admin_schedule;
mod admin_users;
mod analysis;
mod anketo;
mod anketo_entry;
mod anketo_public;
mod anketo_results;
mod anketo_returned;
mod audit;
mod calls;
mod campaigns;
mod complaints;
mod dashboard;
mod desk;
mod desk_queue;
mod exchange;
mod persons;
mod public_events;
mod seminar_plan;
mod seminar_qr;
mod seminar_reception;
mod seminars;
mod signin;
mod tainou;
mod tainou_entry;
mod tainou_settle;
mod tainou_ward;
mod visits;
mod ward_codes;
mod ward_common;
mod ward_desk;
mod ward_export;
mod ward_import;
mod ward_ledger;
mod ward_lists;

use crate::error::WebError;
use crate::AppState;
use askama::Template;
use axum::response::Html;
use axum::routing::{get, post};
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::root))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::signout))
        .route(
            "/stepup",
            get(signin::stepup_form).post(signin::stepup_submit),
        )
        .route("/ward/persons", get(persons::ward_list))
        .route("/ward/persons/{id}", get(persons::ward_one))
        .route(
            "/c/{contract}/{purpose}/persons",
            get(persons::contract_list),
        )
        .route(
            "/c/{contract}/{purpose}/persons/{id}",
            get(persons::contract_one),
        )
        .route(
            "/ward/campaigns",
            get(campaigns::ward_list).post(campaigns::create),
        )
        .route("/ward/campaigns/{id}", get(campaigns::ward_detail))
        .route(
            "/ward/campaigns/{id}/segments/preview",
            post(campaigns::ward_preview),
        )
        .route("/ward/campaigns/{id}/{act}", post(campaigns::ward_act))
        .route(
            "/ward/campaigns/{id}/proof/{segment}",
            get(campaigns::ward_proof),
        )
        .route(
            "/ward/campaigns/{id}/proof/{segment}/{which}",
            get(campaigns::ward_proof_png),
        )
        .route(
            "/ward/campaigns/{id}/runs/{run}/{batch}",
            get(campaigns::ward_download),
        )
        .route("/c/{contract}/{purpose}/analysis/{id}", get(analysis::page))
        .route(
            "/c/{contract}/{purpose}/analysis/{id}/report.pdf",
            get(analysis::pdf),
        )
        .route(
            "/c/{contract}/{purpose}/analysis/{id}/tables.csv",
            get(analysis::csv),
        )
        .route(
            "/c/{contract}/{purpose}/campaigns",
            get(campaigns::contract_list),
        )
        .route(
            "/c/{contract}/{purpose}/campaigns/{id}",
            get(campaigns::contract_detail),
        )
        .route(
            "/c/{contract}/{purpose}/campaigns/{id}/segments/preview",
            post(campaigns::contract_preview),
        )
        .route(
            "/c/{contract}/{purpose}/campaigns/{id}/{act}",
            post(campaigns::contract_act),
        )
        .route(
            "/c/{contract}/{purpose}/campaigns/{id}/proof/{segment}",
            get(campaigns::contract_proof),
        )
        .route(
            "/c/{contract}/{purpose}/campaigns/{id}/proof/{segment}/{which}",
            get(campaigns::contract_proof_png),
        )
        .route(
            "/c/{contract}/{purpose}/campaigns/{id}/runs/{run}/{batch}",
            get(campaigns::contract_download),
        )
        .route("/visits", get(visits::choose))
        .route(
            "/c/{contract}/{purpose}/visits",
            get(visits::index).post(visits::create),
        )
        .route(
            "/c/{contract}/{purpose}/visits/record",
            get(visits::record_form).post(visits::record),
        )
        .route("/c/{contract}/{purpose}/visits/notes", get(visits::notes))
        .route(
            "/c/{contract}/{purpose}/visits/notes/{id}/{act}",
            post(visits::review),
        )
        .route(
            "/c/{contract}/{purpose}/visits/prints/{print}/pdf",
            get(visits::pdf),
        )
        .route(
            "/c/{contract}/{purpose}/visits/prints/{print}/out",
            post(visits::sign_out),
        )
        .route(
            "/c/{contract}/{purpose}/visits/handouts/{id}/in",
            post(visits::sign_in),
        )
        .route("/c/{contract}/{purpose}/visits/{id}", get(visits::detail))
        .route(
            "/c/{contract}/{purpose}/visits/{id}/print/{half}",
            post(visits::print),
        )
        .route("/audit", get(audit::page))
        .route("/audit/export.csv", get(audit::export))
        .route("/audit/report", get(audit::report))
        .route("/admin", get(admin::page))
        .route("/admin/contracts/{id}/cancel", post(admin::cancel_contract))
        .route("/admin/sessions/{digest}/end", post(admin::end_session))
        .route("/admin/erasures", get(admin_erasure::list))
        .route(
            "/admin/erasures/{contract}",
            get(admin_erasure::certificate),
        )
        .route(
            "/admin/erasures/{contract}/certificate.json",
            get(admin_erasure::download_json),
        )
        .route(
            "/admin/erasures/{contract}/certificate.pdf",
            get(admin_erasure::download_pdf),
        )
        .route(
            "/admin/contracts/{id}/erase",
            get(admin_erasure::erase_form).post(admin_erasure::erase),
        )
        .route("/admin/schedule", get(admin_schedule::list))
        .route("/admin/schedule/{id}/retry", post(admin_schedule::retry))
        .route(
            "/admin/contracts/{id}/retention",
            get(admin_retention::page).post(admin_retention::set),
        )
        .route(
            "/admin/contracts/{id}/retention/{rule}/withdraw",
            post(admin_retention::withdraw),
        )
        .merge(exchange::routes())
        .merge(calls::routes())
        .merge(ward_codes::routes())
        .merge(admin_common::routes())
        .merge(ward_common::routes())
        .merge(desk::routes())
        .merge(ward_desk::routes())
        .merge(complaints::routes())
        .merge(tainou::routes())
        .merge(anketo::routes())
        .merge(anketo_entry::routes())
        .merge(anketo_public::routes())
        .merge(anketo_results::routes())
        .merge(anketo_returned::routes())
        .merge(seminars::routes())
        .merge(public_events::routes())
}

pub fn render(t: &impl Template) -> Result<Html<String>, WebError> {
    t.render()
        .map(Html)
        .map_err(|e| WebError::Service(itaku_service::ServiceError::Internal(e.to_string())))
}
