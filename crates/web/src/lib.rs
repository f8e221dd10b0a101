//! HTTP for itaku: server-rendered Japanese pages (askama + htmx) and a JSON
//! API, both calling the same service operations. Assets are embedded: the
//! ward's network has no internet, so no page refers to an outside URL.

mod api;
mod assets;
mod ctx;
mod error;
mod imports;
mod layout;
mod pages;
mod security;
pub mod tls;

pub use api::ApiDoc;
pub use tls::{serve_tls, ClientCert};

use axum::Router;
use itaku_service::Service;
use std::net::SocketAddr;

#[derive(Clone)]
pub struct AppState {
    pub svc: Service,
    /// Uploaded lists and running imports (memory only).
    pub imports: imports::ImportStore,
}

/// The whole application: pages, API, assets, with security headers and
/// request ids on every response.
pub fn app(svc: Service) -> Router {
    let state = AppState {
        svc,
        imports: imports::ImportStore::default(),
    };
    Router::new()
        .merge(pages::routes())
        .nest("/api", api::routes())
        .merge(assets::routes())
        .fallback(|| async { error::WebError::NotFound })
        .layer(axum::middleware::from_fn(security::headers))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<_>| {
                let id = req
                    .extensions()
                    .get::<security::RequestId>()
                    .map(|r| r.0.clone())
                    .unwrap_or_default();
                // The route's template, not the address: a registrant's
                // private link (/e/{slug}/r/{token}) is their only key, and
                // logs are read by more people than the audit.
                let path = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_else(|| "(no route)".to_owned());
                tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
            },
        ).on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(axum::middleware::from_fn(security::request_id))
        .with_state(state)
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    svc: Service,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(svc).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
