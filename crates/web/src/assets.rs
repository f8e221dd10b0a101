//! Embedded static files, so the binary alone serves a working page.

use crate::AppState;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "itaku.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/itaku.css"),
    ),
    (
        "calls.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/calls.js"),
    ),
    (
        "tainou.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/tainou.js"),
    ),
    (
        "anketo.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/anketo.js"),
    ),
    (
        "seminar_pow.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/seminar_pow.js"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/htmx.min.js"),
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset))
}

async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
