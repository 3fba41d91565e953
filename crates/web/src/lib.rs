//! The Nguồn HTTP server: the axum [`router`] and [`serve`], which runs it until a shutdown
//! signal. Handlers get the store through [`AppState`]; errors become RFC 7807 problems in
//! [`error`].

#![warn(missing_docs)]

pub mod auth;
pub mod epcis;
pub mod error;
mod health;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use nguon_gs1::PrefixLengths;
use nguon_store::Store;
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The storage back end chosen at start-up.
    pub store: Arc<dyn Store>,
    /// EPCIS settings.
    pub epcis: Arc<EpcisSettings>,
}

impl AppState {
    /// State over `store` with default EPCIS settings.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            epcis: Arc::new(EpcisSettings::default()),
        }
    }
}

/// How the EPCIS interface behaves.
#[derive(Debug, Clone)]
pub struct EpcisSettings {
    /// Company-prefix lengths for writing EPC URNs from Digital Link URIs.
    pub prefix_lengths: PrefixLengths,
    /// Most events one capture document may hold.
    pub capture_limit: usize,
    /// Largest capture document, in bytes.
    pub capture_file_size_limit: usize,
}

impl Default for EpcisSettings {
    fn default() -> Self {
        Self {
            prefix_lengths: PrefixLengths::builtin(),
            capture_limit: 10_000,
            capture_file_size_limit: 64 * 1024 * 1024,
        }
    }
}

/// All routes, with request tracing.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/epcis", epcis::routes(state.clone()))
        .fallback(error::no_such_route)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then stops accepting connections
/// and waits for requests in flight to finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
