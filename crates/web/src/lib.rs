//! The Nguồn HTTP server: the axum [`router`] (the EPCIS API, its OpenAPI document and the
//! portal's pages in [`ui`]) and [`serve`], which runs it until a shutdown signal. Handlers get
//! the store through [`AppState`]; API errors become RFC 7807 problems in [`error`].

#![warn(missing_docs)]

pub mod auth;
pub mod cache;
pub mod catalogue;
pub mod epcis;
pub mod error;
pub mod exports;
mod health;
pub mod import;
pub mod integrity;
pub mod metrics;
pub mod partners_api;
pub mod password;
pub mod privacy_api;
pub mod quality;
pub mod recall;
pub mod registry_api;
pub mod resolver;
pub mod resolver_api;
pub mod scan_log;
pub mod scans;
pub mod schema;
pub mod security;
pub mod stamps;
pub mod sync_api;
pub mod throttle;
pub mod trace;
pub mod ui;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use nguon_gs1::PrefixLengths;
use nguon_store::Store;
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::ApiError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The storage back end chosen at start-up.
    pub store: Arc<dyn Store>,
    /// EPCIS settings.
    pub epcis: Arc<EpcisSettings>,
    /// Fired with the owner after every capture that stored events: wakes WebSocket streams and
    /// webhook deliveries ([`epcis::subscriptions::notifier`]).
    pub captured: tokio::sync::broadcast::Sender<nguon_domain::OrganisationId>,
    /// Portal session settings.
    pub ui: Arc<ui::UiSettings>,
    /// How the GS1 resolver presents itself.
    pub resolver: Arc<resolver::ResolverSettings>,
    /// Failed sign-ins, to slow down password guessing.
    pub login_throttle: Arc<throttle::LoginThrottle>,
    /// Request rates per API key on capture and per client on the resolver.
    pub limits: Arc<throttle::RequestLimits>,
    /// The resolver's links per scanned level, kept as long as configured (`with_cache_ttl`).
    pub resolver_links: Arc<cache::TtlCache<String, Arc<resolver::Resolved>>>,
    /// The public page's chain per code and language, for as long.
    pub public_pages: Arc<cache::TtlCache<String, Arc<ui::public_page::Chain>>>,
    /// Capture jobs accepted and not finished: how many store at once and how many events wait.
    pub capture_queue: Arc<epcis::capture::CaptureQueue>,
    /// The public pages' views of lots and products, written in batches after the answer.
    pub scan_log: Arc<scan_log::ScanLog>,
    /// The lots captures named, rescored one at a time after the answer.
    pub rescorer: Arc<quality::Rescorer>,
    /// The public half of the province's checkpoint signing key, published at
    /// [`integrity::SIGNING_KEY_PATH`] and on the public page; `None` publishes none.
    pub signing_key: Option<nguon_integrity::PublicKey>,
}

impl AppState {
    /// State over `store` with default EPCIS settings.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            epcis: Arc::new(EpcisSettings::default()),
            captured: epcis::subscriptions::notifier(),
            ui: Arc::new(ui::UiSettings::default()),
            resolver: Arc::new(resolver::ResolverSettings::default()),
            login_throttle: Arc::default(),
            limits: Arc::default(),
            resolver_links: Arc::default(),
            public_pages: Arc::default(),
            capture_queue: Arc::default(),
            scan_log: Arc::new(scan_log::ScanLog::new(Arc::clone(&store))),
            rescorer: Arc::new(quality::Rescorer::new(Arc::clone(&store))),
            store,
            signing_key: None,
        }
    }

    /// The state with caches that keep resolver links and public pages for `ttl`.
    pub fn with_cache_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.resolver_links = Arc::new(cache::TtlCache::new(ttl));
        self.public_pages = Arc::new(cache::TtlCache::new(ttl));
        self
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

/// All routes, with request tracing, and the OpenAPI document generated from them at
/// `/api/openapi.json`.
pub fn router(state: AppState) -> Router {
    let (routes, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(integrity::signing_key))
        .routes(routes!(trace::trace))
        .routes(routes!(trace::one_step))
        .routes(routes!(trace::checks))
        .routes(routes!(trace::quality))
        .routes(routes!(recall::raise, recall::list))
        .routes(routes!(recall::one))
        .routes(routes!(recall::set_status))
        .routes(routes!(recall::report_csv))
        .routes(routes!(recall::report_xlsx))
        .routes(routes!(recall::report_pdf))
        .routes(routes!(exports::fsma))
        .routes(routes!(exports::plan))
        .routes(routes!(exports::eu))
        .routes(routes!(exports::simp))
        .routes(routes!(exports::gdst))
        .routes(routes!(
            registry_api::list_facilities,
            registry_api::create_facility
        ))
        .routes(routes!(
            registry_api::facility,
            registry_api::replace_facility
        ))
        .routes(routes!(registry_api::review_facility))
        .routes(routes!(
            registry_api::list_products,
            registry_api::create_product
        ))
        .routes(routes!(
            registry_api::product,
            registry_api::replace_product
        ))
        .routes(routes!(registry_api::review_product))
        .routes(routes!(
            registry_api::list_product_groups,
            registry_api::create_product_group
        ))
        .routes(routes!(
            registry_api::product_group,
            registry_api::replace_product_group
        ))
        .routes(routes!(partners_api::list_partners))
        .routes(routes!(
            partners_api::list_grants,
            partners_api::create_grant
        ))
        .routes(routes!(partners_api::revoke_grant))
        .routes(routes!(
            privacy_api::list_consents,
            privacy_api::record_consent
        ))
        .routes(routes!(privacy_api::personal_data))
        .routes(routes!(privacy_api::erase))
        .routes(routes!(scans::signals))
        .routes(routes!(sync_api::list))
        .routes(routes!(sync_api::retry))
        .routes(routes!(resolver_api::list_links, resolver_api::create_link))
        .routes(routes!(
            resolver_api::link,
            resolver_api::replace_link,
            resolver_api::delete_link
        ))
        .nest("/epcis", epcis::routes(state.clone()))
        .split_for_parts();
    // Written once: the document is fixed for the life of the process.
    let api: Arc<str> = serde_json::to_string(&api)
        .expect("an OpenAPI document serialises")
        .into();
    // The portal's pages are merged after the split, so they stay out of the OpenAPI document.
    routes
        .merge(ui::routes())
        .route(
            "/api/openapi.json",
            get(move || {
                let api = api.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        api.to_string(),
                    )
                }
            }),
        )
        .route("/.well-known/gs1resolver", get(resolver::description))
        // Unmatched paths may be GS1 Digital Links; the resolver answers the rest with a 404.
        .fallback(resolver::fallback)
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// The OpenAPI document's fixed parts; paths come from the handlers' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Nguồn",
        description = "Provincial product traceability on GS1 keys: the EPCIS 2.0 REST bindings under /epcis (capture, queries, top-level resources), traceability (genealogy, one step back and forward, checks), recalls with their reports, and operations probes. Every error is an RFC 7807 problem."
    ),
    modifiers(&ApiKeyScheme)
)]
struct ApiDoc;

/// Declares the `api_key` bearer scheme the EPCIS operations require.
struct ApiKeyScheme;

impl utoipa::Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme(
                "api_key",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .description(Some(
                            "An organisation's, the province's or a partner system's API key: `Authorization: Bearer nguon_…` (created with `nguon key create`, or issued to a partner on the province's partner page)",
                        ))
                        .build(),
                ),
            );
    }
}

/// How long a stopping server goes on rescoring the lots captures named.
const RESCORING_AT_SHUTDOWN: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves [`router`] on `listener` until `shutdown` completes, then stops accepting connections,
/// waits for requests in flight to finish, writes the queued scan log and finishes the queued
/// rescoring (for at most [`RESCORING_AT_SHUTDOWN`]).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let scan_log = Arc::clone(&state.scan_log);
    let rescorer = Arc::clone(&state.rescorer);
    // The client's address feeds the sign-in throttle.
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    scan_log.flush().await;
    // A lot left unscored keeps its old score until the next capture that names it.
    if tokio::time::timeout(RESCORING_AT_SHUTDOWN, rescorer.settled())
        .await
        .is_err()
    {
        tracing::warn!(
            lots = rescorer.backlog(),
            "stopped before every captured lot was rescored; they keep their old scores"
        );
    }
    Ok(())
}
