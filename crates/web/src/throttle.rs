//! Throttling, counted in memory per server process (a restart forgets the counts, which only
//! ever lets a blocked caller in sooner). Sign-ins: too many failed sign-ins for one address,
//! or from one client address, within a window block further attempts for that address or
//! client until the window ends. Requests: capture requests per API key and resolver scans per
//! client address are held to a rate. Both answer `429` with `Retry-After`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

/// Failed sign-ins one account may have in a window.
pub const ACCOUNT_FAILURES: u32 = 5;
/// Failed sign-ins one client address may have in a window (several people may share one
/// address behind a provincial office's router).
pub const CLIENT_FAILURES: u32 = 20;
/// How long failures are counted, and how long a block lasts at most.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failures counted since `since`.
#[derive(Debug, Clone, Copy)]
struct Count {
    since: Instant,
    failures: u32,
}

/// What is counted: an account (by its address as typed, folded) or a client address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Account(String),
    Client(IpAddr),
}

impl Subject {
    fn limit(&self) -> u32 {
        match self {
            Self::Account(_) => ACCOUNT_FAILURES,
            Self::Client(_) => CLIENT_FAILURES,
        }
    }
}

/// The failure counts of the process.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    counts: Mutex<HashMap<Subject, Count>>,
}

impl LoginThrottle {
    fn subjects(email: &str, client: Option<IpAddr>) -> Vec<Subject> {
        let mut subjects = vec![Subject::Account(email.trim().to_lowercase())];
        subjects.extend(client.map(Subject::Client));
        subjects
    }

    /// How long until `email` from `client` may try again, if either is blocked now.
    pub fn blocked(&self, email: &str, client: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Windows that ended are dropped here, so the map holds only recent failures.
        counts.retain(|_, count| now.duration_since(count.since) < WINDOW);
        Self::subjects(email, client)
            .iter()
            .filter_map(|subject| {
                let count = counts.get(subject)?;
                (count.failures >= subject.limit())
                    .then(|| WINDOW.saturating_sub(now.duration_since(count.since)))
            })
            .max()
    }

    /// Counts a failed sign-in of `email` from `client`.
    pub fn failed(&self, email: &str, client: Option<IpAddr>) {
        let now = Instant::now();
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for subject in Self::subjects(email, client) {
            let count = counts.entry(subject).or_insert(Count {
                since: now,
                failures: 0,
            });
            count.failures += 1;
        }
    }

    /// Forgets the failures of `email` after it signed in.
    pub fn succeeded(&self, email: &str) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.remove(&Subject::Account(email.trim().to_lowercase()));
    }
}

/// Request rates: capture requests per API key, and resolver scans per client address, each
/// at most so many a minute (a burst of that many, then one every `60 / n` seconds).
#[derive(Debug)]
pub struct RequestLimits {
    capture: Option<DefaultKeyedRateLimiter<[u8; 32]>>,
    scans: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

/// Keys remembered before the limiters forget the ones that are full again.
const REMEMBERED_KEYS: usize = 10_000;

impl RequestLimits {
    /// Limits of `captures_per_minute` per key and `scans_per_minute` per client; `None` for
    /// no limit.
    pub fn new(
        captures_per_minute: Option<NonZeroU32>,
        scans_per_minute: Option<NonZeroU32>,
    ) -> Self {
        Self {
            capture: captures_per_minute.map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            scans: scans_per_minute.map(|n| RateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Counts a capture request made with `authorization` (the header as sent; only its hash
    /// is kept); how long to wait when the key is over its rate.
    pub fn capture(&self, authorization: &[u8]) -> Result<(), Duration> {
        let key: [u8; 32] = Sha256::digest(authorization).into();
        check(self.capture.as_ref(), &key)
    }

    /// Counts a resolver scan from `client`; how long to wait when it is over its rate.
    pub fn scan(&self, client: IpAddr) -> Result<(), Duration> {
        check(self.scans.as_ref(), &client)
    }
}

/// The default rate of both limits, a minute: ten a second on average.
pub const DEFAULT_PER_MINUTE: u32 = 600;

impl Default for RequestLimits {
    /// [`DEFAULT_PER_MINUTE`] capture requests per key and scans per client.
    fn default() -> Self {
        let rate = NonZeroU32::new(DEFAULT_PER_MINUTE);
        Self::new(rate, rate)
    }
}

/// `Retry-After` for `wait`: whole seconds, rounded up, at least one.
pub fn retry_after(wait: Duration) -> axum::http::HeaderValue {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    axum::http::HeaderValue::from(seconds.max(1))
}

/// The `429` problem, with [`retry_after`].
pub fn too_many_requests(wait: Duration, detail: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = crate::error::Problem::new(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        Some(detail.to_owned()),
    )
    .into_response();
    response
        .headers_mut()
        .insert(axum::http::header::RETRY_AFTER, retry_after(wait));
    response
}

fn check<K: Clone + Eq + std::hash::Hash>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), Duration> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    if limiter.len() > REMEMBERED_KEYS {
        limiter.retain_recent();
    }
    limiter
        .check_key(key)
        .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_blocked_after_its_failures_and_freed_by_success() {
        let throttle = LoginThrottle::default();
        let client = Some(IpAddr::from([203, 0, 113, 7]));
        for _ in 0..ACCOUNT_FAILURES {
            assert_eq!(throttle.blocked("Lan@Example.vn", client), None);
            throttle.failed("Lan@Example.vn", client);
        }
        let wait = throttle.blocked(" lan@example.vn", None).expect("blocked");
        assert!(wait <= WINDOW && wait > WINDOW - Duration::from_secs(60));
        assert_eq!(throttle.blocked("other@example.vn", client), None);
        throttle.succeeded("lan@example.vn");
        assert_eq!(throttle.blocked("lan@example.vn", client), None);
    }

    #[test]
    fn a_client_is_blocked_after_failures_across_accounts() {
        let throttle = LoginThrottle::default();
        let client = Some(IpAddr::from([198, 51, 100, 1]));
        for n in 0..CLIENT_FAILURES {
            throttle.failed(&format!("user{n}@example.vn"), client);
        }
        assert!(throttle.blocked("fresh@example.vn", client).is_some());
        assert_eq!(throttle.blocked("fresh@example.vn", None), None);
    }
}
