//! `nguon bench-store`: how fast the store appends events and finds them by identifier, on a
//! scratch database that is thrown away afterwards. Run on demand, never in the test suite; the
//! figures go into issue notes.
//!
//! Each run prints append throughput and lookup latency percentiles, and a baseline measured in
//! the same run: the latency of `ping` (one trivial statement), so a noisy machine shows up in
//! both numbers and the lookup/ping ratio stays comparable between runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use nguon_domain::{
    Action, Actor, EventHash, EventId, EventType, IdentifierRole, NewEvent, NewOrganisation,
    OrganisationKind, OrganisationName, TaxCode,
};
use nguon_store::{DatabaseUrl, PostgresUrl, Store};
use nguon_store_postgres::{PostgresStore, ScratchDatabase};
use nguon_store_sqlite::SqliteStore;

/// Arguments of `nguon bench-store`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Benchmark PostgreSQL: a URL of a server where this role may create databases (a scratch
    /// database is created and dropped). Without it, a scratch SQLite file in the temp directory.
    #[arg(long, value_name = "URL", value_parser = parse_postgres)]
    pub postgres: Option<PostgresUrl>,

    /// Events appended per run.
    #[arg(long, default_value_t = 100_000)]
    pub events: u32,

    /// Events per append call (one transaction each), as a capture job would send them.
    #[arg(long, default_value_t = 1_000)]
    pub batch: u32,

    /// Lookups by a random serial number per run.
    #[arg(long, default_value_t = 10_000)]
    pub lookups: u32,

    /// Runs, each on a fresh database; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
}

pub(crate) fn parse_postgres(text: &str) -> Result<PostgresUrl, String> {
    match nguon_store::DatabaseUrl::parse(text) {
        Ok(nguon_store::DatabaseUrl::Postgres(url)) => Ok(url),
        Ok(_) => Err("must be a postgres:// URL".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// The figures of one run.
#[derive(Debug, Clone, Copy)]
struct RunFigures {
    events_per_second: f64,
    lookup_p50: Duration,
    lookup_p99: Duration,
    ping_p50: Duration,
}

/// Runs the benchmark and prints one line per run and the medians.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.events > 0 && args.batch > 0 && args.runs > 0,
        "--events, --batch and --runs must be at least 1"
    );
    let target = match &args.postgres {
        Some(url) => format!("PostgreSQL scratch database on {url}"),
        None => "SQLite scratch file".to_owned(),
    };
    println!(
        "store bench: {target}; {} events in batches of {}, {} lookups, {} runs",
        args.events, args.batch, args.lookups, args.runs
    );
    let mut figures = Vec::new();
    for run in 1..=args.runs {
        let scratch = ScratchStore::open(args.postgres.as_ref()).await?;
        let result = measure(scratch.store.clone(), &args).await?;
        println!(
            "run {run}: append {:.0} events/s; lookup p50 {} p99 {}; ping p50 {} (lookup/ping {:.1}x)",
            result.events_per_second,
            micros(result.lookup_p50),
            micros(result.lookup_p99),
            micros(result.ping_p50),
            ratio(result.lookup_p50, result.ping_p50),
        );
        figures.push(result);
    }
    let median = |key: fn(&RunFigures) -> f64| median(figures.iter().map(key).collect());
    println!(
        "median: append {:.0} events/s; lookup p50 {:.0} µs p99 {:.0} µs; ping p50 {:.0} µs; lookup/ping {:.1}x",
        median(|f| f.events_per_second),
        median(|f| f.lookup_p50.as_secs_f64() * 1e6),
        median(|f| f.lookup_p99.as_secs_f64() * 1e6),
        median(|f| f.ping_p50.as_secs_f64() * 1e6),
        median(|f| ratio(f.lookup_p50, f.ping_p50)),
    );
    Ok(())
}

async fn measure(store: Arc<dyn Store>, args: &BenchArgs) -> anyhow::Result<RunFigures> {
    let owner = store
        .create_organisation(
            &NewOrganisation::new(
                OrganisationKind::Enterprise,
                OrganisationName::parse("Công ty Đo tải Thủy sản")?,
                TaxCode::parse("2009999999")?,
            )?,
            Actor::Cli,
        )
        .await?
        .id;
    let started = Instant::now();
    let mut next = 0;
    while next < args.events {
        let end = (next + args.batch).min(args.events);
        let batch: Vec<NewEvent> = (next..end)
            .map(|n| bench_event(owner, n))
            .collect::<anyhow::Result<_>>()?;
        store.append_events(&batch).await?;
        next = end;
    }
    let events_per_second = f64::from(args.events) / started.elapsed().as_secs_f64();

    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lookups = Vec::with_capacity(args.lookups as usize);
    for _ in 0..args.lookups {
        let serial =
            serial(u32::try_from(next_random(&mut state) % u64::from(args.events)).unwrap_or(0));
        let started = Instant::now();
        let found = store.events_with_identifier(&serial, &[], 10).await?;
        lookups.push(started.elapsed());
        anyhow::ensure!(
            found.len() == 1,
            "lookup of {serial} found {} events",
            found.len()
        );
    }
    let mut pings = Vec::with_capacity(1_000);
    for _ in 0..1_000 {
        let started = Instant::now();
        store.ping().await?;
        pings.push(started.elapsed());
    }
    store.close().await;
    Ok(RunFigures {
        events_per_second,
        lookup_p50: percentile(&mut lookups, 50),
        lookup_p99: percentile(&mut lookups, 99),
        ping_p50: percentile(&mut pings, 50),
    })
}

/// A store on a throw-away database: a SQLite file in the temp directory, or a PostgreSQL
/// database created for the run. Dropping it deletes the database.
pub(crate) struct ScratchStore {
    /// The store over the scratch database.
    pub store: Arc<dyn Store>,
    /// Where the scratch database is, for a `nguon serve` child to open it too.
    pub url: DatabaseUrl,
    _database: ScratchLocation,
}

/// What to delete when a [`ScratchStore`] is dropped.
enum ScratchLocation {
    Sqlite(std::path::PathBuf),
    Postgres { _dropped_on_drop: ScratchDatabase },
}

impl Drop for ScratchLocation {
    fn drop(&mut self) {
        if let Self::Sqlite(dir) = self {
            std::fs::remove_dir_all(dir).ok();
        }
    }
}

impl ScratchStore {
    /// Opens a fresh store: on PostgreSQL at `postgres` when given, on SQLite otherwise.
    pub(crate) async fn open(postgres: Option<&PostgresUrl>) -> anyhow::Result<Self> {
        match postgres {
            Some(url) => {
                let scratch = ScratchDatabase::create(url, "nguon_bench")
                    .await
                    .context("cannot create the scratch database")?;
                let store = PostgresStore::open(scratch.url()).await?;
                Ok(Self {
                    store: Arc::new(store),
                    url: DatabaseUrl::Postgres(scratch.url().clone()),
                    _database: ScratchLocation::Postgres {
                        _dropped_on_drop: scratch,
                    },
                })
            }
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "nguon-bench-{}",
                    nguon_domain::OrganisationId::generate()
                ));
                std::fs::create_dir_all(&dir)?;
                let location = ScratchLocation::Sqlite(dir.clone());
                let path = dir.join("bench.db");
                let store = SqliteStore::open(&path).await?;
                Ok(Self {
                    store: Arc::new(store),
                    url: DatabaseUrl::Sqlite(path),
                    _database: location,
                })
            }
        }
    }
}

fn serial(n: u32) -> String {
    format!("https://id.gs1.org/01/08934673000017/21/B{n}")
}

/// An event shaped like a farm's daily record: one serial, one lot shared by 50 events, a pond as
/// read point, and a document of about 600 bytes like a real JSON-LD event.
fn bench_event(owner: nguon_domain::OrganisationId, n: u32) -> anyhow::Result<NewEvent> {
    let event_id = format!("urn:uuid:00000000-0000-7000-8000-{n:012}");
    let lot = format!("https://id.gs1.org/01/08934673000017/10/L{}", n / 50);
    let document = format!(
        r#"{{"type":"ObjectEvent","eventID":"{event_id}","eventTime":"2026-03-01T06:30:00.000+07:00","eventTimeZoneOffset":"+07:00","action":"ADD","bizStep":"https://ref.gs1.org/cbv/BizStep-commissioning","disposition":"https://ref.gs1.org/cbv/Disp-active","epcList":["{}"],"quantityList":[{{"epcClass":"{lot}","quantity":12.5,"uom":"KGM"}}],"readPoint":{{"id":"https://id.gs1.org/414/8934673000017/254/AO-3"}},"bizLocation":{{"id":"https://id.gs1.org/414/8934673000017"}}}}"#,
        serial(n)
    );
    Ok(NewEvent {
        owner,
        event_id: EventId::parse(&event_id)?,
        hash: EventHash::parse(&format!(
            "ni:///sha-256;{:064x}?ver=CBV2.0",
            u128::from(n) * 0x1_0000_0001
        ))?,
        event_type: EventType::ObjectEvent,
        event_time: time::OffsetDateTime::from_unix_timestamp(1_772_000_000 + i64::from(n))?,
        event_time_zone_offset: "+07:00".to_owned(),
        action: Some(Action::Add),
        biz_step: Some("https://ref.gs1.org/cbv/BizStep-commissioning".to_owned()),
        disposition: Some("https://ref.gs1.org/cbv/Disp-active".to_owned()),
        read_point: Some("https://id.gs1.org/414/8934673000017/254/AO-3".to_owned()),
        biz_location: Some("https://id.gs1.org/414/8934673000017".to_owned()),
        identifiers: vec![
            (IdentifierRole::Epc, serial(n)),
            (IdentifierRole::EpcClass, lot),
        ],
        fields: Vec::new(),
        document,
    })
}

/// xorshift64, a cheap deterministic generator: a benchmark must not need a random-number crate,
/// and the same arguments must pick the same keys in every run.
pub(crate) fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// The median of the runs' figures (the upper one of an even count); at least one figure.
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The `percent`th percentile of `samples` (sorted in place); zero when there are none.
pub(crate) fn percentile(samples: &mut [Duration], percent: usize) -> Duration {
    samples.sort_unstable();
    let index = (samples.len() * percent / 100).min(samples.len().saturating_sub(1));
    samples.get(index).copied().unwrap_or_default()
}

pub(crate) fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

pub(crate) fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_sorted_rank() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        assert_eq!(percentile(&mut samples, 50), Duration::from_micros(51));
        assert_eq!(percentile(&mut samples, 99), Duration::from_micros(100));
        assert_eq!(percentile(&mut [], 99), Duration::ZERO);
    }

    #[test]
    fn bench_events_are_valid_and_distinct() {
        let owner = nguon_domain::OrganisationId::generate();
        let a = bench_event(owner, 1).unwrap();
        let b = bench_event(owner, 2).unwrap();
        assert_ne!(a.hash, b.hash);
        assert_ne!(a.event_id, b.event_id);
        assert!(
            (550..700).contains(&a.document.len()),
            "{}",
            a.document.len()
        );
        serde_json::from_str::<serde_json::Value>(&a.document).unwrap();
    }
}
