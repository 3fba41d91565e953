//! `nguon serve`: open the database, listen, serve until SIGTERM or Ctrl-C, then shut down
//! cleanly: stop accepting, let requests in flight finish, close the database.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use std::sync::Arc;

use nguon_integrity::{ProvinceKey, sign_checkpoints};
use nguon_store::Store;
use nguon_web::{AppState, EpcisSettings};
use tokio::net::TcpListener;

use crate::cli::ServeArgs;
use crate::config::{Config, Flags};
use crate::database;

/// Runs the server until a shutdown signal.
pub async fn run(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    let config = config.with_flags(Flags {
        database_url: args.database.url,
        listen: args.listen,
        ..Flags::default()
    });
    config.log_effective();
    config.sync.settings().map_err(anyhow::Error::msg)?;
    // Handlers first: a SIGTERM that arrives while the database opens must still be honoured.
    let shutdown = shutdown_signal()?;
    let (signing_key, created) = ProvinceKey::load_or_create(&config.integrity.signing_key)?;
    if created {
        tracing::warn!(
            path = %config.integrity.signing_key.display(),
            fingerprint = %signing_key.public().fingerprint(),
            "new signing key written; keep a copy off the database server"
        );
    }
    let signing_key = Arc::new(signing_key);
    // The database first, so a bad URL fails before the port is taken.
    let store = database::open(&config.database_url).await?;
    let listener = match TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            store.close().await;
            return Err(error).with_context(|| format!("cannot listen on {}", config.listen));
        }
    };
    let metrics = match start_metrics(&config, &store).await {
        Ok(metrics) => metrics,
        Err(error) => {
            store.close().await;
            return Err(error);
        }
    };
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    // Tests and scripts read the real port from this line when they ask for port 0.
    tracing::info!("listening on http://{address}");
    // A job still running was cut off by a crash or kill. Its events were stored in one
    // transaction, either completely or not at all, but the stop may have come between that
    // commit and the job's own update, so the message cannot say which: sending the document
    // again is safe either way (stored events are refused as duplicates, or skipped in proceed
    // mode).
    match store
        .fail_interrupted_capture_jobs(
            "the server stopped before this job finished: its events were stored completely or \
             not at all; query them, or send the document again (events already stored are \
             refused as duplicates, or skipped with GS1-Capture-Error-Behaviour: proceed)",
        )
        .await
    {
        Ok(0) => {}
        Ok(count) => tracing::warn!(
            count,
            "capture jobs interrupted by the last stop marked failed"
        ),
        Err(error) => tracing::error!(%error, "cannot mark interrupted capture jobs"),
    }
    match nguon_web::catalogue::seed(store.as_ref()).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(
            count,
            "product-group catalogue seeded with the Plan 140 groups"
        ),
        Err(error) => tracing::error!(%error, "cannot seed the product-group catalogue"),
    }
    let state = AppState {
        signing_key: Some(signing_key.public()),
        ..app_state(&config, store.clone())
    };
    let checkpoints = spawn_checkpoints(store.clone(), signing_key, &config);
    let delivery =
        nguon_web::epcis::subscriptions::spawn_delivery(state.clone(), Default::default());
    let (stop_sync, sync_stopped) = tokio::sync::watch::channel(false);
    let sync = nguon_sync::spawn_workers(store.clone(), &config.sync, sync_stopped)?;
    if !sync.is_empty() {
        tracing::info!(targets = sync.len(), "sync workers started");
    }
    let served = nguon_web::serve(listener, state, shutdown).await;
    delivery.abort();
    if let Some(checkpoints) = checkpoints {
        checkpoints.abort();
    }
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    // Workers finish the delivery in hand; one cut off by a kill is resent under the same
    // idempotency key once its lease ends.
    let _ = stop_sync.send(true);
    for worker in sync {
        let _ = worker.await;
    }
    store.close().await;
    served.context("the HTTP server failed")?;
    tracing::info!("stopped");
    Ok(())
}

/// With `[metrics] listen` set: installs the Prometheus recorder and serves `GET /metrics` on
/// that address in a task of its own; without it, nothing (metrics recorded elsewhere in the
/// process then go nowhere, at no cost).
async fn start_metrics(
    config: &Config,
    store: &Arc<dyn Store>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<std::io::Result<()>>>> {
    let Some(listen) = config.metrics.listen else {
        return Ok(None);
    };
    let handle = nguon_web::metrics::install().context("cannot install the metrics recorder")?;
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen for metrics on {listen}"))?;
    let address = listener
        .local_addr()
        .context("cannot read the metrics address")?;
    tracing::info!("metrics on http://{address}/metrics");
    Ok(Some(tokio::spawn(nguon_web::metrics::serve(
        listener,
        store.clone(),
        handle,
    ))))
}

/// With `[integrity] checkpoint_minutes` above 0: signs a checkpoint at every chain's head that
/// moved, at start and then every so many minutes, in a task of its own.
fn spawn_checkpoints(
    store: Arc<dyn Store>,
    key: Arc<ProvinceKey>,
    config: &Config,
) -> Option<tokio::task::JoinHandle<()>> {
    let minutes = config.integrity.checkpoint_minutes;
    if minutes == 0 {
        return None;
    }
    tracing::info!(
        fingerprint = %key.public().fingerprint(),
        minutes,
        "checkpoints of the event chains will be signed"
    );
    let mut every = tokio::time::interval(Duration::from_secs(u64::from(minutes) * 60));
    // After a pause (a suspended machine), one checkpoint, not a burst of them.
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    Some(tokio::spawn(async move {
        loop {
            every.tick().await;
            match sign_checkpoints(store.as_ref(), &key).await {
                Ok(0) => {}
                Ok(signed) => tracing::info!(signed, "checkpoints signed"),
                Err(error) => tracing::error!(%error, "cannot sign checkpoints"),
            }
        }
    }))
}

/// The server state over `store` with the configured EPCIS, GS1 and portal settings; `nguon
/// import` uses the same, so a file is checked as the portal would check it.
pub fn app_state(config: &Config, store: Arc<dyn Store>) -> AppState {
    AppState {
        scan_log: Arc::new(nguon_web::scan_log::ScanLog::new(Arc::clone(&store))),
        rescorer: Arc::new(nguon_web::quality::Rescorer::new(Arc::clone(&store))),
        store,
        epcis: Arc::new(EpcisSettings {
            prefix_lengths: config.gs1.prefix_lengths.clone(),
            capture_limit: config.epcis.capture_limit,
            capture_file_size_limit: config.epcis.capture_file_size_limit,
        }),
        captured: nguon_web::epcis::subscriptions::notifier(),
        ui: Arc::new(nguon_web::ui::UiSettings {
            sync_targets: config.sync.targets.iter().map(|t| t.name.clone()).collect(),
            ..config.portal.settings(&config.province)
        }),
        resolver: Arc::new(config.resolver.settings(config.scans)),
        login_throttle: Arc::default(),
        limits: Arc::new(config.limits.request_limits()),
        resolver_links: Arc::default(),
        public_pages: Arc::default(),
        capture_queue: Arc::new(nguon_web::epcis::capture::CaptureQueue::new(
            config.epcis.capture_backlog,
        )),
        signing_key: None,
    }
    .with_cache_ttl(std::time::Duration::from_secs(
        config.resolver.cache_seconds,
    ))
}

/// Completes on the first SIGTERM or Ctrl-C (SIGINT).
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate =
        signal(SignalKind::terminate()).context("cannot install the SIGTERM handler")?;
    let mut interrupt =
        signal(SignalKind::interrupt()).context("cannot install the Ctrl-C handler")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
            _ = interrupt.recv() => tracing::info!("Ctrl-C received, shutting down"),
        }
    })
}

/// Completes on the first Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received, shutting down");
        }
    })
}
