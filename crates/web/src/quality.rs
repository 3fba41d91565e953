//! Keeping lots' data-quality scores fresh: the chain templates scores are judged against, and
//! rescoring in the background the lots a capture names, so `/quality` reads stored scores.

use std::sync::{Arc, LazyLock};

use nguon_chains::Catalogue;
use nguon_domain::NewEvent;
use nguon_store::Store;

/// The pilot chains: the embedded templates, checked by their own tests.
pub static CHAINS: LazyLock<Catalogue> =
    LazyLock::new(|| Catalogue::embedded().expect("the embedded chain templates load"));

/// Rescores, one after the other and after the response is sent, every lot `events` name.
/// A lot whose score cannot be computed keeps its old one; the failure is logged.
pub fn rescore_in_background(store: Arc<dyn Store>, events: &[NewEvent]) {
    let lots = nguon_trace::quality::lots_named(
        events
            .iter()
            .flat_map(|event| &event.identifiers)
            .map(|(_, identifier)| identifier.as_str()),
    );
    if lots.is_empty() {
        return;
    }
    tokio::spawn(async move {
        for lot in lots {
            if let Err(error) = nguon_trace::quality::refresh(&*store, &CHAINS, &lot).await {
                tracing::warn!(%error, lot = lot.as_str(), "the lot could not be rescored");
            }
        }
    });
}
