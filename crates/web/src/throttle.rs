//! Sign-in throttling: too many failed sign-ins for one address, or from one client address,
//! within a window block further attempts for that address or client until the window ends,
//! with `429` and `Retry-After`. Counted in memory, per server process: a restart forgets the
//! counts, which only ever lets a blocked caller in sooner.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
