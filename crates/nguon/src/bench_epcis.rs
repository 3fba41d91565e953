//! `nguon bench-epcis`: end-to-end EPCIS figures on a scratch database, through a real `nguon
//! serve` process: HTTP capture throughput (documents posted, jobs polled until stored), query
//! latency percentiles for three typical queries, and the server's resident memory.
//!
//! Baselines measured in the same run: the latency of `GET /healthz` (the HTTP round trip with no
//! database work), so query figures can be read against the machine's noise; and the rate at
//! which the store alone appends the same events, parsed and indexed beforehand, so capture
//! throughput can be read against what the database can take on this machine.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use nguon_domain::{
    Actor, ApiKeyScope, NewApiKey, NewOrganisation, OrganisationKind, OrganisationName, TaxCode,
};
use nguon_store::{DatabaseUrl, PostgresUrl};
use nguon_store_postgres::ScratchDatabase;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;

use crate::bench_cmd::{ScratchStore, median, micros, percentile, ratio};
use crate::chain_data::{self, EVENTS_PER_CYCLE};
use crate::database;

/// Arguments of `nguon bench-epcis`.
#[derive(Debug, clap::Args)]
pub struct BenchEpcisArgs {
    /// Benchmark PostgreSQL: a URL of a server where this role may create databases (a scratch
    /// database is created and dropped). Without it, a scratch SQLite file in the temp directory.
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,

    /// Events captured per run (rounded up to whole documents).
    #[arg(long, default_value_t = 100_000)]
    pub events: u32,

    /// Events per capture document (rounded to whole chain cycles of 12 events).
    #[arg(long, default_value_t = 1_000)]
    pub document_events: u32,

    /// Documents in flight at once.
    #[arg(long, default_value_t = 2)]
    pub concurrency: usize,

    /// Requests per query kind.
    #[arg(long, default_value_t = 1_000)]
    pub queries: u32,

    /// Runs, each on a fresh database; medians are reported.
    #[arg(long, default_value_t = 3)]
    pub runs: u32,
}

/// What one run measured.
#[derive(Debug, Clone)]
struct Figures {
    events_per_second: f64,
    /// The same events appended straight to a fresh store, already parsed and indexed: the
    /// ceiling HTTP capture can approach.
    store_events_per_second: f64,
    /// (name, p50, p99) per query kind, then the baseline.
    latencies: Vec<(&'static str, Duration, Duration)>,
    rss_kib: u64,
    peak_rss_kib: u64,
}

/// Runs the benchmark, printing a line per run and the medians.
pub async fn run(args: BenchEpcisArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.events > 0 && args.runs > 0 && args.concurrency > 0 && args.queries > 0,
        "--events, --runs, --concurrency and --queries must be at least 1"
    );
    let cycles_per_document = args.document_events.div_ceil(EVENTS_PER_CYCLE).max(1);
    let documents = args
        .events
        .div_ceil(cycles_per_document * EVENTS_PER_CYCLE)
        .max(1);
    let total_events = documents * cycles_per_document * EVENTS_PER_CYCLE;
    println!(
        "epcis bench: {} ; {documents} documents of {} events ({total_events} events), {} in flight, {} requests per query, {} runs",
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        cycles_per_document * EVENTS_PER_CYCLE,
        args.concurrency,
        args.queries,
        args.runs
    );
    let postgres = args
        .postgres
        .as_deref()
        .map(crate::bench_cmd::parse_postgres)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--postgres {e}"))?;
    let mut all = Vec::new();
    for run in 1..=args.runs {
        let figures = match &postgres {
            Some(url) => {
                let scratch = ScratchDatabase::create(url, "nguon_bench")
                    .await
                    .context("cannot create the scratch database")?;
                measure(
                    &DatabaseUrl::Postgres(scratch.url().clone()),
                    &args,
                    documents,
                    cycles_per_document,
                )
                .await
            }
            None => {
                let dir = tempfile::tempdir()?;
                let url = DatabaseUrl::parse(&dir.path().join("bench.db").to_string_lossy())?;
                measure(&url, &args, documents, cycles_per_document).await
            }
        }?;
        let figures = Figures {
            store_events_per_second: store_ceiling(
                postgres.as_ref(),
                documents,
                cycles_per_document,
            )
            .await?,
            ..figures
        };
        let latencies: Vec<String> = figures
            .latencies
            .iter()
            .map(|(name, p50, p99)| format!("{name} p50 {} p99 {}", micros(*p50), micros(*p99)))
            .collect();
        println!(
            "run {run}: capture {:.0} events/s (store-only append {:.0} events/s, capture/store {:.0} %); {}; RSS {} MiB (peak {} MiB)",
            figures.events_per_second,
            figures.store_events_per_second,
            100.0 * figures.events_per_second / figures.store_events_per_second,
            latencies.join("; "),
            figures.rss_kib / 1024,
            figures.peak_rss_kib / 1024
        );
        all.push(figures);
    }
    let mut line = format!(
        "median: capture {:.0} events/s; store-only append {:.0} events/s; capture/store {:.0} %",
        median(all.iter().map(|f| f.events_per_second).collect()),
        median(all.iter().map(|f| f.store_events_per_second).collect()),
        median(
            all.iter()
                .map(|f| 100.0 * f.events_per_second / f.store_events_per_second)
                .collect()
        ),
    );
    let baseline = median(
        all.iter()
            .map(|f| f.latencies.last().map_or(0.0, |l| l.1.as_secs_f64()))
            .collect(),
    );
    for index in 0..all[0].latencies.len() {
        let name = all[0].latencies[index].0;
        let p50 = median(
            all.iter()
                .map(|f| f.latencies[index].1.as_secs_f64())
                .collect(),
        );
        let p99 = median(
            all.iter()
                .map(|f| f.latencies[index].2.as_secs_f64())
                .collect(),
        );
        line.push_str(&format!(
            "; {name} p50 {:.0} µs p99 {:.0} µs ({:.1}x baseline)",
            p50 * 1e6,
            p99 * 1e6,
            ratio(
                Duration::from_secs_f64(p50),
                Duration::from_secs_f64(baseline)
            )
        ));
    }
    line.push_str(&format!(
        "; RSS {:.0} MiB",
        median(all.iter().map(|f| f.rss_kib as f64 / 1024.0).collect())
    ));
    println!("{line}");
    Ok(())
}

/// One run: prepare the database, start the server, capture, query, read its memory, stop it.
async fn measure(
    url: &DatabaseUrl,
    args: &BenchEpcisArgs,
    documents: u32,
    cycles_per_document: u32,
) -> anyhow::Result<Figures> {
    let token = prepare(url).await?;
    let metrics = free_local_address()?;
    let (mut server, address) =
        start_server(url, &[("NGUON_METRICS__LISTEN", metrics.clone())]).await?;
    let pid = server.id().context("the server exited at once")?;
    let figures = async {
        let events_per_second =
            capture(&address, &token, args, documents, cycles_per_document).await?;
        // The queries are measured alone, not beside the rescoring the captures queued.
        let started = Instant::now();
        rescoring_settled(&metrics).await?;
        println!(
            "  lots rescored after the captures in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let cycles = documents * cycles_per_document;
        let latencies = query(&address, &token, args.queries, cycles).await?;
        let (rss_kib, peak_rss_kib) = memory(pid)?;
        anyhow::Ok(Figures {
            events_per_second,
            store_events_per_second: f64::NAN,
            latencies,
            rss_kib,
            peak_rss_kib,
        })
    }
    .await;
    server.start_kill().ok();
    server.wait().await.ok();
    figures
}

/// Starts `nguon serve` on `url` on a free port, with `env` added to its environment, and
/// returns the child and the address it listens on. The child is killed when dropped, so a
/// benchmark that fails leaves no server.
pub(crate) async fn start_server(
    url: &DatabaseUrl,
    env: &[(&str, String)],
) -> anyhow::Result<(tokio::process::Child, String)> {
    // The URL goes in the environment: a command line would show its password to every user.
    let database = match url {
        DatabaseUrl::Sqlite(path) => path.to_string_lossy().into_owned(),
        DatabaseUrl::Postgres(postgres) => postgres.expose().to_owned(),
    };
    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("NGUON_DATABASE_URL", database)
        // The benchmarks measure the server, not the rates a production API key or client
        // address is held to.
        .env("NGUON_LIMITS__CAPTURES_PER_MINUTE", "0")
        .env("NGUON_LIMITS__SCANS_PER_MINUTE", "0")
        // Warnings and the line saying where it listens, never a line per request: under load
        // that would measure the logger.
        .env("RUST_LOG", "warn,nguon::serve=info")
        .envs(env.iter().map(|(name, value)| (name, value)))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start nguon serve")?;
    let address = listening_address(&mut server).await?;
    Ok((server, address))
}

/// Appends the documents' events, parsed and indexed beforehand as capture would, to a fresh
/// store one document per transaction; returns events stored per second.
async fn store_ceiling(
    postgres: Option<&PostgresUrl>,
    documents: u32,
    cycles_per_document: u32,
) -> anyhow::Result<f64> {
    let scratch = ScratchStore::open(postgres).await?;
    let store = scratch.store.clone();
    let owner = store
        .create_organisation(&bench_organisation()?, Actor::Cli)
        .await?
        .id;
    let lengths = nguon_gs1::PrefixLengths::builtin();
    let mut batches = Vec::new();
    for d in 0..documents {
        let text = chain_data::document(d * cycles_per_document..(d + 1) * cycles_per_document);
        let document = nguon_epcis::json_ld::read_document(&text)
            .map_err(|issues| anyhow::anyhow!("generated document is invalid: {issues:?}"))?;
        let events = document
            .events
            .iter()
            .map(|event| {
                nguon_web::epcis::index::new_event(owner, event, None, &lengths)
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        batches.push(events);
    }
    let started = Instant::now();
    let mut stored = 0;
    for batch in &batches {
        store.append_events(batch).await?;
        stored += batch.len();
    }
    let rate = stored as f64 / started.elapsed().as_secs_f64();
    store.close().await;
    Ok(rate)
}

/// The organisation that captures the benchmark's events.
fn bench_organisation() -> anyhow::Result<NewOrganisation> {
    Ok(NewOrganisation::new(
        OrganisationKind::Enterprise,
        OrganisationName::parse("Công ty Thủy sản Bench")?,
        TaxCode::parse("1900000001")?,
    )?)
}

/// Registers the benchmark's organisation and returns an API key for it.
async fn prepare(url: &DatabaseUrl) -> anyhow::Result<String> {
    let store = database::open(url).await?;
    let organisation = store
        .create_organisation(&bench_organisation()?, Actor::Cli)
        .await?;
    let (token, token_hash) = nguon_web::auth::generate_token()?;
    store
        .create_api_key(
            &NewApiKey {
                scope: ApiKeyScope::Organisation(organisation.id),
                label: "bench".to_owned(),
                token_hash,
            },
            Actor::Cli,
        )
        .await?;
    store.close().await;
    Ok(token)
}

/// A local address no one listens on now: for a listener of the server's own, which has no
/// `:0` to report back.
fn free_local_address() -> anyhow::Result<String> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(probe.local_addr()?.to_string())
}

/// Waits until the server's rescoring backlog (its Prometheus gauge) is empty.
async fn rescoring_settled(metrics: &str) -> anyhow::Result<()> {
    let gauge = format!("{} ", nguon_web::quality::RESCORE_BACKLOG);
    let deadline = Instant::now() + Duration::from_secs(1_800);
    let mut sender = connect(metrics).await?;
    loop {
        let request = Request::get("/metrics")
            .header("host", metrics)
            .body(Full::new(Bytes::new()))?;
        let (status, _, body) = send(&mut sender, request).await?;
        if status != 200 {
            bail!("the metrics listener answered {status}");
        }
        let text = String::from_utf8_lossy(&body);
        // Absent until a capture names a lot: nothing queued then.
        let left = text
            .lines()
            .find_map(|line| line.strip_prefix(&gauge))
            .map_or(Ok(0.0), |value| value.trim().parse::<f64>())
            .context("the rescoring gauge is not a number")?;
        if left == 0.0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{left} lots still queued for rescoring after 30 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads the server's log until it says where it listens.
async fn listening_address(server: &mut tokio::process::Child) -> anyhow::Result<String> {
    let stdout = server.stdout.take().context("no server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return anyhow::Ok(
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
        bail!("the server stopped before listening")
    })
    .await
    .context("the server did not start within 30 s")??;
    // Keep draining the log so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(found)
}

/// An HTTP/1.1 connection to the server.
pub(crate) async fn connect(address: &str) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Sends one request and returns the status, the `Location` header and the body.
pub(crate) async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<(u16, Option<String>, Bytes)> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, location, body))
}

fn get(address: &str, token: &str, path: &str) -> anyhow::Result<Request<Full<Bytes>>> {
    Ok(Request::get(path)
        .header("host", address)
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))?)
}

/// Posts every document (`concurrency` at a time) and waits until every job has finished;
/// returns events stored per second over the whole span.
async fn capture(
    address: &str,
    token: &str,
    args: &BenchEpcisArgs,
    documents: u32,
    cycles_per_document: u32,
) -> anyhow::Result<f64> {
    let bodies: Vec<Bytes> = (0..documents)
        .map(|d| {
            Bytes::from(chain_data::document(
                d * cycles_per_document..(d + 1) * cycles_per_document,
            ))
        })
        .collect();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..args.concurrency {
        let mine: Vec<Bytes> = bodies
            .iter()
            .skip(worker)
            .step_by(args.concurrency)
            .cloned()
            .collect();
        let (address, token) = (address.to_owned(), token.to_owned());
        workers.spawn(async move {
            let mut sender = connect(&address).await?;
            for body in mine {
                let request = Request::post("/epcis/capture")
                    .header("host", &address)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/ld+json")
                    .body(Full::new(body))?;
                let (status, location, text) = send(&mut sender, request).await?;
                if status != 202 {
                    bail!(
                        "capture answered {status}: {}",
                        String::from_utf8_lossy(&text)
                    );
                }
                let location = location.context("202 without Location")?;
                wait_for_job(&mut sender, &address, &token, &location).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    let events = f64::from(documents * cycles_per_document * EVENTS_PER_CYCLE);
    Ok(events / started.elapsed().as_secs_f64())
}

/// Polls a capture job until it finishes; a failed job fails the benchmark.
async fn wait_for_job(
    sender: &mut SendRequest<Full<Bytes>>,
    address: &str,
    token: &str,
    location: &str,
) -> anyhow::Result<()> {
    loop {
        let (status, _, body) = send(sender, get(address, token, location)?).await?;
        let job: serde_json::Value = serde_json::from_slice(&body)
            .with_context(|| format!("job status {status} is not JSON"))?;
        if job["running"] == false {
            if job["success"] != true {
                bail!("capture job failed: {job}");
            }
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Measures each query kind, then the `/healthz` baseline.
async fn query(
    address: &str,
    token: &str,
    requests: u32,
    cycles: u32,
) -> anyhow::Result<Vec<(&'static str, Duration, Duration)>> {
    let mut sender = connect(address).await?;
    let mut random = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next_cycle = move || {
        // xorshift: reproducible spread over the cycles without a dependency.
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        (random % u64::from(cycles)) as u32
    };
    let kinds: [(&'static str, &dyn Fn(u32) -> String); 4] = [
        ("one-EPC history", &|cycle| {
            format!(
                "/epcis/events?MATCH_anyEPC={}",
                encode(&chain_data::cycle_keys(cycle).carton)
            )
        }),
        ("time range + bizStep", &|cycle| {
            let from = chain_data::event_time(cycle, 0);
            let to = from + time::Duration::hours(6);
            format!(
                "/epcis/events?EQ_bizStep=shipping&GE_eventTime={}&LT_eventTime={}&perPage=50",
                encode(
                    &from
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                ),
                encode(
                    &to.format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default()
                )
            )
        }),
        ("MATCH_anyEPCClass", &|cycle| {
            format!(
                "/epcis/events?MATCH_anyEPCClass={}",
                encode(&chain_data::cycle_keys(cycle).pond_lot)
            )
        }),
        ("baseline GET /healthz", &|_| "/healthz".to_owned()),
    ];
    let mut figures = Vec::new();
    for (name, path) in kinds {
        let mut samples = Vec::with_capacity(requests as usize);
        for _ in 0..requests {
            let request = get(address, token, &path(next_cycle()))?;
            let started = Instant::now();
            let (status, _, body) = send(&mut sender, request).await?;
            samples.push(started.elapsed());
            if status != 200 {
                bail!(
                    "{name} answered {status}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
        }
        figures.push((
            name,
            percentile(&mut samples, 50),
            percentile(&mut samples, 99),
        ));
    }
    Ok(figures)
}

fn encode(value: &str) -> String {
    nguon_gs1::percent_encode(value)
}

/// The server's resident and peak resident memory, from `/proc`.
fn memory(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("cannot read the server's memory (needs Linux /proc)")?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}
