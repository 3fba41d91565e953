//! A small time-bounded cache for what every scan of a popular code would otherwise recompute:
//! the resolver's links and the public page's chain. An entry lives `ttl`, so a capture, a
//! recall or a new link shows within that time whoever wrote it (this process, the CLI or
//! another server on the same database). Concurrent misses of one key wait for a single
//! computation instead of each walking the chain.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

/// Entries held at most; past it, expired entries are dropped, and if none had expired, all.
const CAPACITY: usize = 20_000;

/// When an entry was made, and its value once computed.
type Entry<V> = (Instant, Arc<OnceCell<V>>);

/// Values of type `V` by key `K`, each kept for the cache's time to live.
pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// A cache whose entries live `ttl`; a zero `ttl` caches nothing.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value of `key`: the cached one while it is fresh, else what `compute` gives (shared
    /// with every caller asking meanwhile). An error is returned and not cached.
    pub async fn get_or_compute<E, F, Fut>(&self, key: K, compute: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if self.ttl.is_zero() {
            return compute().await;
        }
        let cell = self.cell(key);
        cell.get_or_try_init(compute).await.cloned()
    }

    /// The cell of `key`, fresh or new.
    fn cell(&self, key: K) -> Arc<OnceCell<V>> {
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((born, cell)) = entries.get(&key)
            && now.duration_since(*born) < self.ttl
        {
            return Arc::clone(cell);
        }
        if entries.len() >= CAPACITY {
            entries.retain(|_, (born, _)| now.duration_since(*born) < self.ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        let cell = Arc::new(OnceCell::new());
        entries.insert(key, (now, Arc::clone(&cell)));
        cell
    }
}

impl<K, V> Default for TtlCache<K, V> {
    /// A cache that keeps nothing.
    fn default() -> Self {
        Self {
            ttl: Duration::ZERO,
            entries: Mutex::new(HashMap::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_fresh_entry_is_computed_once_and_errors_are_not_kept() {
        let cache: TtlCache<&str, u32> = TtlCache::new(Duration::from_secs(60));
        let runs = AtomicU32::new(0);
        let compute = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<u32, ()>(7)
        };
        let (a, b) = tokio::join!(
            cache.get_or_compute("lot", compute),
            cache.get_or_compute("lot", compute)
        );
        assert_eq!((a, b), (Ok(7), Ok(7)));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "one computation for both");
        assert_eq!(cache.get_or_compute("lot", compute).await, Ok(7));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let failed = cache.get_or_compute("other", || async { Err::<u32, &str>("down") });
        assert_eq!(failed.await, Err("down"));
        assert_eq!(cache.get_or_compute("other", compute).await, Ok(7));
    }

    #[tokio::test]
    async fn entries_expire_and_a_zero_ttl_caches_nothing() {
        let cache: TtlCache<u8, u32> = TtlCache::new(Duration::from_millis(30));
        let runs = AtomicU32::new(0);
        let compute = || async { Ok::<u32, ()>(runs.fetch_add(1, Ordering::SeqCst)) };
        assert_eq!(cache.get_or_compute(1, compute).await, Ok(0));
        assert_eq!(cache.get_or_compute(1, compute).await, Ok(0));
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(cache.get_or_compute(1, compute).await, Ok(1));
        let off: TtlCache<u8, u32> = TtlCache::new(Duration::ZERO);
        assert_eq!(off.get_or_compute(1, compute).await, Ok(2));
        assert_eq!(off.get_or_compute(1, compute).await, Ok(3));
    }
}
