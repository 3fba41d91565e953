//! Prometheus metrics, served on a listener of their own so the scrape endpoint is never
//! exposed with the portal: [`install`] installs the process-wide recorder the `metrics` facade
//! writes to (the sync worker records its attempts, request times and lag through it, and the
//! rescoring queue its backlog), and
//! [`render`] answers a scrape after setting the sync gauges from the store.
//!
//! Gauges are read from the store at each scrape rather than kept up to date by the code that
//! changes deliveries: several `nguon serve` replicas and the worker share one database, and
//! only the database knows the whole queue.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use nguon_domain::{SyncStatus, TargetName};
use nguon_store::{Store, StoreError};
use tokio::net::TcpListener;

/// Deliveries per target and status, from the store at each scrape.
pub const DELIVERIES: &str = "nguon_sync_deliveries";
/// Age in seconds of the oldest delivery per target and status, from the store at each scrape.
pub const OLDEST_SECONDS: &str = "nguon_sync_oldest_seconds";
/// Outbox rows a target has not taken yet, from the store at each scrape.
pub const BACKLOG: &str = "nguon_sync_backlog";
/// The worker's attempts per target and outcome (accepted, confirmed, retry, failed).
pub const ATTEMPTS_TOTAL: &str = "nguon_sync_attempts_total";
/// The worker's HTTP exchanges with a target, in seconds.
pub const REQUEST_SECONDS: &str = "nguon_sync_request_seconds";
/// From a change being recorded to a target accepting it, in seconds.
pub const LAG_SECONDS: &str = "nguon_sync_lag_seconds";

/// Bucket bounds of [`REQUEST_SECONDS`]: a portal answers in tens of milliseconds to tens of
/// seconds.
const REQUEST_BUCKETS: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Bucket bounds of [`LAG_SECONDS`]: from a second to a day (a change held behind a failed one
/// waits for a person).
const LAG_BUCKETS: [f64; 10] = [
    1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3_600.0, 14_400.0, 43_200.0, 86_400.0,
];

/// How often histogram samples are folded in while nobody scrapes, so memory stays bounded.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The recorder's configuration: the latency metrics as real Prometheus histograms (buckets
/// add up across replicas; the summaries the exporter makes by default do not).
fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.to_owned()), &REQUEST_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(LAG_SECONDS.to_owned()), &LAG_BUCKETS)
}

/// Installs the process-wide Prometheus recorder and describes the sync metrics; fails if a
/// recorder is installed already.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = builder()?.install_recorder()?;
    metrics::describe_gauge!(DELIVERIES, "Sync deliveries per target and status");
    metrics::describe_gauge!(
        OLDEST_SECONDS,
        metrics::Unit::Seconds,
        "Age of the oldest sync delivery per target and status"
    );
    metrics::describe_gauge!(BACKLOG, "Outbox rows a sync target has not taken yet");
    metrics::describe_gauge!(
        crate::quality::RESCORE_BACKLOG,
        "Lots this server has queued for rescoring after captures and not finished yet"
    );
    metrics::describe_counter!(
        ATTEMPTS_TOTAL,
        "Sync attempts per target and outcome (accepted, confirmed, retry, failed)"
    );
    metrics::describe_histogram!(
        REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "One HTTP exchange with a sync target"
    );
    metrics::describe_histogram!(
        LAG_SECONDS,
        metrics::Unit::Seconds,
        "From a change being recorded to its acceptance by a target"
    );
    Ok(handle)
}

/// Sets the sync gauges from `store` and renders every metric in the Prometheus text format.
/// Every status of every target with deliveries gets a value, 0 included, so a count that
/// drops to nothing reads 0 rather than keeping its last value.
pub async fn render(store: &dyn Store, handle: &PrometheusHandle) -> Result<String, StoreError> {
    let totals = store.sync_totals().await?;
    let now = nguon_store::now_utc();
    let mut targets: Vec<&TargetName> = totals.iter().map(|total| &total.target).collect();
    targets.sort();
    targets.dedup();
    for target in targets {
        for status in SyncStatus::ALL {
            let total = totals
                .iter()
                .find(|total| &total.target == target && total.status == status);
            let labels = [
                ("target", target.to_string()),
                ("status", status.to_string()),
            ];
            metrics::gauge!(DELIVERIES, &labels).set(total.map_or(0.0, |t| t.count as f64));
            metrics::gauge!(OLDEST_SECONDS, &labels)
                .set(total.map_or(0.0, |t| (now - t.oldest).as_seconds_f64().max(0.0)));
        }
        let backlog = store.outbox_backlog(target).await?;
        metrics::gauge!(BACKLOG, "target" => target.to_string()).set(backlog as f64);
    }
    handle.run_upkeep();
    Ok(handle.render())
}

/// What the metrics listener's handler needs.
#[derive(Clone)]
struct Scrape {
    store: Arc<dyn Store>,
    handle: PrometheusHandle,
}

/// The metrics listener's routes: `GET /metrics` in the Prometheus text format.
pub fn router(store: Arc<dyn Store>, handle: PrometheusHandle) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape { store, handle })
}

/// `GET /metrics`.
async fn scrape(State(scrape): State<Scrape>) -> Response {
    match render(&*scrape.store, &scrape.handle).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            // A scrape that fails is better than one with made-up gauges; the reason is logged.
            tracing::warn!(%error, "metrics scrape: cannot read the sync queue");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Serves [`router`] on `listener` until the future is dropped, and folds histogram samples in
/// between scrapes.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    handle: PrometheusHandle,
) -> std::io::Result<()> {
    let upkeep = handle.clone();
    // In the same future as the server, so dropping it (at shutdown) stops both.
    let upkeep = async move {
        let mut every = tokio::time::interval(UPKEEP_EVERY);
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    };
    tokio::select! {
        served = std::future::IntoFuture::into_future(axum::serve(listener, router(store, handle))) => served,
        () = upkeep => Ok(()),
    }
}
