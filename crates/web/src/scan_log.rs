//! The scan log's writer. A view of a lot's or a product's public page needs nothing back from
//! its log entry, so the entry is queued and written after the answer, many views to one
//! transaction: under a rush of scans the database sees one write per batch instead of one per
//! view. A serial's view still writes at once, since its verdict counts that very scan.
//!
//! Whoever reads the log in this process calls [`ScanLog::flush`] first, so the reports count
//! every view answered before them. A view is an analytics record, not data anyone was promised:
//! a batch the database refuses is retried a few times and then given up with an error in the
//! log, and a killed process loses at most the views still queued.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use nguon_domain::NewScan;
use nguon_store::{SCANS_PER_INSERT, Store};
use tokio::sync::{mpsc, oneshot};

/// Views queued at most; past it, a view waits for the writer instead of piling up memory.
const QUEUE: usize = 20_000;

/// Attempts at writing one batch before it is given up.
const ATTEMPTS: u32 = 5;

/// What the writer is handed.
enum Entry {
    /// A view to log.
    Scan(Box<NewScan>),
    /// A reader waiting for everything queued before it to be written.
    Flush(oneshot::Sender<()>),
}

/// The queue in front of the scan log, and its writer task, started on first use.
pub struct ScanLog {
    store: Arc<dyn Store>,
    queue: OnceLock<mpsc::Sender<Entry>>,
}

impl ScanLog {
    /// A writer into `store`'s scan log.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            queue: OnceLock::new(),
        }
    }

    /// Queues `scan` to be written with the next batch.
    pub async fn log(&self, scan: NewScan) {
        self.send(Entry::Scan(Box::new(scan))).await;
    }

    /// Waits until every view queued before this call is written (or given up).
    pub async fn flush(&self) {
        let Some(queue) = self.queue.get() else {
            return;
        };
        let (done, written) = oneshot::channel();
        if queue.send(Entry::Flush(done)).await.is_ok() {
            // The writer answers every flush it takes; a closed channel means it stopped.
            let _ = written.await;
        }
    }

    async fn send(&self, entry: Entry) {
        let queue = self.queue.get_or_init(|| {
            let (queue, entries) = mpsc::channel(QUEUE);
            tokio::spawn(write_batches(Arc::clone(&self.store), entries));
            queue
        });
        if queue.send(entry).await.is_err() {
            tracing::error!("the scan log's writer has stopped; a view was not logged");
        }
    }
}

/// Writes what is queued: everything waiting when a write starts goes into it (up to
/// [`SCANS_PER_INSERT`]), so batches grow with the load and an idle server writes each view
/// at once.
async fn write_batches(store: Arc<dyn Store>, mut entries: mpsc::Receiver<Entry>) {
    let mut batch = Vec::new();
    let mut flushes = Vec::new();
    while let Some(first) = entries.recv().await {
        let mut next = Some(first);
        while let Some(entry) = next {
            match entry {
                Entry::Scan(scan) => batch.push(*scan),
                Entry::Flush(done) => flushes.push(done),
            }
            next = (batch.len() < SCANS_PER_INSERT)
                .then(|| entries.try_recv().ok())
                .flatten();
        }
        write(&*store, &batch).await;
        batch.clear();
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Writes one batch, retrying with a growing pause while the database refuses it.
async fn write(store: &dyn Store, batch: &[NewScan]) {
    for attempt in 1..=ATTEMPTS {
        match store.record_scans(batch).await {
            Ok(()) => return,
            Err(error) if attempt < ATTEMPTS => {
                tracing::warn!(%error, attempt, scans = batch.len(), "scan log write failed; retrying");
                tokio::time::sleep(Duration::from_millis(200) * 2u32.pow(attempt - 1)).await;
            }
            Err(error) => {
                tracing::error!(%error, scans = batch.len(), "scan log write failed; these views are not logged");
            }
        }
    }
}
