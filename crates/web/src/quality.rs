//! Keeping lots' data-quality scores fresh: the chain templates scores are judged against, and
//! a queue of lots to rescore after the captures that name them, so `/quality` reads stored
//! scores.
//!
//! One task works through the queue, one lot at a time. A lot named again while it waits is
//! not queued twice, so a burst of captures about the same lots costs one rescoring per lot,
//! and the rescoring never competes with the captures for more than one connection.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use nguon_chains::Catalogue;
use nguon_domain::NewEvent;
use nguon_store::Store;
use nguon_trace::Identifier;
use tokio::sync::{Notify, watch};

/// The pilot chains: the embedded templates, checked by their own tests.
pub static CHAINS: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::embedded().expect("the embedded chain templates load"));

/// Lots waiting to be rescored or being rescored, as a Prometheus gauge.
pub const RESCORE_BACKLOG: &str = "nguon_quality_rescore_backlog";

/// The lots waiting, in the order they were named, without repeats.
#[derive(Default)]
struct Waiting {
    order: VecDeque<Identifier>,
    queued: HashSet<Identifier>,
}

/// The rescoring queue and its worker task, started on first use.
pub struct Rescorer {
    store: Arc<dyn Store>,
    waiting: Mutex<Waiting>,
    wake: Notify,
    /// Lots waiting plus the one in hand; [`Rescorer::settled`] waits for 0.
    backlog: watch::Sender<usize>,
    worker: OnceLock<()>,
}

impl Rescorer {
    /// A queue rescoring lots in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            waiting: Mutex::default(),
            wake: Notify::new(),
            backlog: watch::Sender::new(0),
            worker: OnceLock::new(),
        }
    }

    /// Queues every lot `events` name that is not waiting already.
    pub fn enqueue(self: &Arc<Self>, events: &[NewEvent]) {
        let lots = nguon_trace::quality::lots_named(
            events
                .iter()
                .flat_map(|event| &event.identifiers)
                .map(|(_, identifier)| identifier.as_str()),
        );
        if lots.is_empty() {
            return;
        }
        self.worker.get_or_init(|| {
            tokio::spawn(work(Arc::clone(self)));
        });
        let mut waiting = self.lock();
        let mut added = 0;
        for lot in lots {
            if waiting.queued.insert(lot.clone()) {
                waiting.order.push_back(lot);
                added += 1;
            }
        }
        drop(waiting);
        if added > 0 {
            self.change_backlog(|backlog| backlog + added);
            self.wake.notify_one();
        }
    }

    /// Waits until no lot is waiting or in hand.
    pub async fn settled(&self) {
        let mut backlog = self.backlog.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = backlog.wait_for(|&left| left == 0).await;
    }

    /// Lots waiting or in hand.
    pub fn backlog(&self) -> usize {
        *self.backlog.borrow()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        // A panic while the lock was held leaves a queue that is still consistent.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn change_backlog(&self, change: impl FnOnce(usize) -> usize) {
        self.backlog
            .send_modify(|backlog| *backlog = change(*backlog));
        metrics::gauge!(RESCORE_BACKLOG).set(*self.backlog.borrow() as f64);
    }

    /// The next lot to rescore; it stays counted in the backlog until [`Self::done`].
    fn next(&self) -> Option<Identifier> {
        let mut waiting = self.lock();
        let lot = waiting.order.pop_front()?;
        // Named again from now on, it is queued again: this rescoring may miss those events.
        waiting.queued.remove(&lot);
        Some(lot)
    }

    fn done(&self) {
        self.change_backlog(|backlog| backlog.saturating_sub(1));
    }
}

/// Rescores queued lots one after the other. A lot whose score cannot be computed keeps its
/// old one; the failure is logged.
async fn work(rescorer: Arc<Rescorer>) {
    loop {
        while let Some(lot) = rescorer.next() {
            if let Err(error) = nguon_trace::quality::refresh(&*rescorer.store, &CHAINS, &lot).await
            {
                tracing::warn!(%error, lot = lot.as_str(), "the lot could not be rescored");
            }
            rescorer.done();
        }
        rescorer.wake.notified().await;
    }
}
