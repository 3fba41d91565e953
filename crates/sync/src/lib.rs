//! Nguồn's connector to the national traceability portal and to EPCIS partners: a worker per
//! configured target drains the store's transactional outbox (organisations, products, runs of
//! events with their lots) with retries, backoff and idempotency keys, through an adapter per
//! kind of target. With the `simulator` feature it also holds a portal simulator for tests.

#![warn(missing_docs)]

mod adapter;
mod config;
mod epcis;
mod most;
mod record;
#[cfg(feature = "simulator")]
pub mod simulator;
mod worker;

use std::sync::Arc;

use nguon_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use adapter::{Adapter, Attempt};
pub use config::{
    EpcisConfig, MostPaths, MostPortalConfig, SyncConfig, TargetConfig, TargetKind, WorkerSettings,
};
pub use epcis::{EPCIS_CONTEXT, EpcisEndpoint, document};
pub use most::{ACTIVATED, CONFIRMED, MostPortal};
pub use record::{LotEvents, Record, lots_of};
pub use worker::{Audience, Worker, backoff};

/// Why the workers could not start.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The `[sync]` configuration breaks a rule.
    #[error("{0}")]
    Config(String),
    /// The HTTP client could not be built (no TLS roots on this machine, for example).
    #[error("sync: cannot build the HTTP client: {0}")]
    Client(String),
}

/// The HTTP client every adapter uses: rustls on ring, the configured timeout, no redirects (a
/// portal that redirects a push is misconfigured, and following it could resend a body).
pub fn http_client(settings: &WorkerSettings) -> Result<reqwest::Client, SyncError> {
    // Installing twice is harmless; the first provider wins.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(settings.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("nguon/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| SyncError::Client(error.to_string()))
}

/// The adapter for one configured target.
pub fn adapter(target: &TargetConfig, http: reqwest::Client) -> Box<dyn Adapter> {
    match &target.kind {
        TargetKind::MostPortal(config) => {
            Box::new(MostPortal::new(target.name.clone(), http, config.clone()))
        }
        TargetKind::Epcis(config) => Box::new(EpcisEndpoint::new(
            target.name.clone(),
            http,
            config.clone(),
        )),
    }
}

/// Starts one worker per configured target; they stop when `shutdown` turns true.
pub fn spawn_workers(
    store: Arc<dyn Store>,
    config: &SyncConfig,
    shutdown: watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, SyncError> {
    let settings = config.settings().map_err(SyncError::Config)?;
    if config.targets.is_empty() {
        return Ok(Vec::new());
    }
    let http = http_client(&settings)?;
    Ok(config
        .targets
        .iter()
        .map(|target| {
            let worker = Worker::new(
                store.clone(),
                target.name.clone(),
                adapter(target, http.clone()),
                Audience::of(target),
                settings,
            );
            tokio::spawn(worker.run(shutdown.clone()))
        })
        .collect())
}
