//! `nguon bench-public`: what a shopper's scan costs, measured with `wrk` (the Debian package)
//! against a real `nguon serve` on a scratch database that holds the deep, commingled shrimp
//! chain of `nguon bench-trace`: the resolver's `307` for a lot (`/01/{gtin}/10/{lot}`, asked
//! for as a browser would, with `Accept: text/html`) and the public page it leads to
//! (`/p/01/{gtin}/10/{lot}`), for a lot on the last level, whose backward walk crosses every
//! level of the chain. Run on demand, never in the test suite; the figures go into the README.
//!
//! Baseline in the same run: an axum hello-world answering `GET /`, served inside this process
//! on its tokio runtime (not as a child), measured by the same `wrk` command. On a small machine
//! `wrk` and the server share the cores, so the resolver is judged by its ratio to the baseline
//! rather than by a bare rate.
//!
//! `wrk` asks for one URL over and over, so the same lot's pages stay in the database's cache
//! and the scan log grows by one row per page view for that one lot, written in batches after
//! the answers. After the rounds the server is stopped with SIGTERM and the log is counted: it
//! must hold every view `wrk` saw answered.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use nguon_domain::{Actor, ApprovalStatus, ProductDetails, ProductGroupCode, RecordName};
use nguon_gs1::{DigitalLink, Gtin};
use nguon_store::{PostgresUrl, Registry};

use crate::bench_cmd::{ScratchStore, median};
use crate::bench_epcis::{connect, send, start_server};
use crate::bench_trace::{
    DEPTH, EVENTS_PER_LOT, STAGES, load, lot_uri, lots_per_level, organisation_name,
};

/// The resolver's target: at least this share of the hello-world baseline's requests per second.
const RESOLVER_TARGET_RATIO: f64 = 0.50;

/// The public page's targets: requests per second, and the p99 latency to stay under.
const PAGE_TARGET_RATE: f64 = 2_000.0;
const PAGE_TARGET_P99: Duration = Duration::from_millis(50);

/// What the hello-world baseline answers.
const HELLO: &str = "Hello, World!";

/// Arguments of `nguon bench-public`.
#[derive(Debug, clap::Args)]
pub struct BenchPublicArgs {
    /// Benchmark PostgreSQL: a URL of a server where this role may create databases (a scratch
    /// database is created and dropped). Without it, a scratch SQLite file in the temp directory.
    #[arg(long, value_name = "URL", value_parser = crate::bench_cmd::parse_postgres)]
    pub postgres: Option<PostgresUrl>,

    /// Events stored before measuring (rounded up to whole lots on every level).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u32,

    /// Rounds over the same database, each measuring every URL once; medians are reported.
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,

    /// Open connections `wrk` keeps (`-c`), shared by its two threads.
    #[arg(long, default_value_t = 32)]
    pub connections: u32,

    /// Length of each `wrk` run in seconds (`-d`).
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
}

/// What one `wrk` run reported.
#[derive(Debug, Clone, Copy, PartialEq)]
struct WrkFigures {
    /// Requests completed over the run.
    requests: u64,
    requests_per_second: f64,
    p50: Duration,
    p99: Duration,
    /// Responses with a status outside 2xx and 3xx.
    non_success: u64,
    /// Connect, read and write errors and timeouts.
    socket_errors: u64,
    /// The timeouts among them: requests wrk gave up on (after 2 s) are missing from the
    /// latency distribution, so the percentiles are too kind when there are any.
    timeouts: u64,
}

/// The three URLs, in the order each round measures them.
const TARGETS: [&str; 3] = ["hello-world baseline", "resolver 307", "public page"];

/// Loads the chain, starts both servers, checks the answers, runs the rounds and prints one line
/// per round and the medians with the verdicts.
pub async fn run(args: BenchPublicArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.events > 0 && args.rounds > 0 && args.seconds > 0,
        "--events, --rounds and --seconds must be at least 1"
    );
    anyhow::ensure!(
        args.connections >= 2,
        "--connections must be at least 2 (one per wrk thread)"
    );
    // Before the load, which takes minutes: a missing wrk should fail at once.
    check_wrk().await?;
    let width = lots_per_level(args.events);
    println!(
        "public bench: {}; {} levels × {width} lots, {} events; wrk -t2 -c{} -d{}s × {} rounds",
        match &args.postgres {
            Some(url) => format!("PostgreSQL scratch database on {url}"),
            None => "SQLite scratch file".to_owned(),
        },
        DEPTH + 1,
        (DEPTH + 1) * width * EVENTS_PER_LOT,
        args.connections,
        args.seconds,
        args.rounds
    );
    let scratch = ScratchStore::open(args.postgres.as_ref()).await?;
    let started = Instant::now();
    let owners = load(scratch.store.as_ref(), width).await?;
    // A lot in the middle of the last level: its walk back meets a full fan-in on every level.
    let lot = lot_uri(DEPTH, width / 2);
    let link = DigitalLink::parse(&lot)?;
    register_product(
        scratch.store.as_ref(),
        owners[DEPTH as usize],
        link.key().as_str(),
    )
    .await?;
    scratch.store.refresh_statistics().await?;
    println!("loaded in {:.1} s", started.elapsed().as_secs_f64());
    // The server opens the database itself; this process keeps only the scratch location.
    scratch.store.close().await;

    let measured_from = time::OffsetDateTime::now_utc();
    let (mut server, address) = start_server(&scratch.url, &[]).await?;
    let hello = hello_world().await?;
    let outcome = async {
        let resolver_path = lot
            .strip_prefix(nguon_gs1::CANONICAL_BASE)
            .context("lot URIs are canonical")?
            .to_owned();
        let page_url = nguon_web::ui::public_page::href(&format!("http://{address}"), &lot);
        check_answers(&address, &resolver_path, &page_url).await?;
        let urls = [
            format!("http://{}/", hello.address),
            format!("http://{address}{resolver_path}"),
            page_url,
        ];
        let mut rounds: Vec<[WrkFigures; 3]> = Vec::new();
        for round in 1..=args.rounds {
            let mut figures = Vec::new();
            for url in &urls {
                figures.push(wrk(&args, url).await?);
            }
            let figures: [WrkFigures; 3] = figures
                .try_into()
                .map_err(|_| anyhow::anyhow!("one wrk run per URL"))?;
            println!("round {round}: {}", describe(&figures));
            rounds.push(figures);
        }
        summarise(&rounds);
        anyhow::Ok(rounds.iter().map(|[.., page]| page.requests).sum::<u64>())
    }
    .await;
    hello.task.abort();
    let answered = match outcome {
        Ok(answered) => answered,
        Err(error) => {
            server.start_kill().ok();
            server.wait().await.ok();
            return Err(error);
        }
    };
    // A graceful stop writes the views still queued; then every view wrk saw answered must be
    // in the log (a few more were answered as wrk closed its connections).
    stop(&mut server).await?;
    let store = crate::database::open(&scratch.url).await?;
    let logged = store
        .scan_tallies(None, measured_from)
        .await?
        .iter()
        .filter(|tally| tally.lot.as_deref() == link.get("10") && tally.serial.is_none())
        .map(|tally| tally.scans)
        .sum::<u64>();
    store.close().await;
    println!("scan log: {logged} views of the page logged; wrk counted {answered} answered");
    anyhow::ensure!(
        logged > answered,
        "the scan log lost views: {logged} logged, {answered} answered"
    );
    Ok(())
}

/// Stops `server` with SIGTERM, as a service manager would, and waits for it to exit.
async fn stop(server: &mut tokio::process::Child) -> anyhow::Result<()> {
    let pid = server.id().context("the server is still running")?;
    let sent = tokio::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .context("cannot run kill")?;
    anyhow::ensure!(sent.success(), "kill -TERM {pid} failed");
    let status = tokio::time::timeout(Duration::from_secs(30), server.wait())
        .await
        .context("nguon serve did not stop within 30 s of SIGTERM")??;
    anyhow::ensure!(status.success(), "nguon serve stopped with {status}");
    Ok(())
}

/// Fails with the way to install `wrk` when it is not on the `PATH`.
async fn check_wrk() -> anyhow::Result<()> {
    // `wrk -v` prints its version (and exits with 1); only a missing program is an error here.
    match tokio::process::Command::new("wrk").arg("-v").output().await {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            bail!("wrk is not installed; install it with `apt-get install wrk`")
        }
        Err(error) => Err(error).context("cannot run wrk"),
        Ok(_) => Ok(()),
    }
}

/// Registers the product whose GTIN the last level's lots carry, approved, so the resolver has
/// a product to send a browser to its public page.
async fn register_product(
    store: &dyn nguon_store::Store,
    owner: nguon_domain::OrganisationId,
    gtin: &str,
) -> anyhow::Result<()> {
    let details = ProductDetails::new(
        Gtin::parse(gtin)?,
        RecordName::parse("product name", STAGES[DEPTH as usize])?,
        ProductGroupCode::parse("tom-nuoi")?,
    );
    store
        .register(Some(owner), &details, ApprovalStatus::Approved, Actor::Cli)
        .await?;
    Ok(())
}

/// The hello-world server: its address and the task serving it.
struct HelloWorld {
    address: std::net::SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts the baseline on a free port of this process's runtime.
async fn hello_world() -> anyhow::Result<HelloWorld> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let app = axum::Router::new().route("/", axum::routing::get(|| async { HELLO }));
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(HelloWorld { address, task })
}

/// One request to each URL, so `wrk` never measures an error page: the resolver must answer
/// `307` to the public page, and the page `200` with the product and the chain's first stage
/// (proof that the walk back crossed every level).
async fn check_answers(address: &str, resolver_path: &str, page_url: &str) -> anyhow::Result<()> {
    let mut sender = connect(address).await?;
    let get = |path: &str| {
        Request::get(path)
            .header("host", address)
            .header("accept", "text/html")
            .body(Full::new(Bytes::new()))
    };
    let (status, location, body) = send(&mut sender, get(resolver_path)?).await?;
    if status != 307 || location.as_deref() != Some(page_url) {
        bail!(
            "the resolver answered {status} with Location {location:?} for {resolver_path}, expected 307 to {page_url}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    let page_path = page_url
        .strip_prefix(&format!("http://{address}"))
        .context("the page is on this server")?;
    let (status, _, body) = send(&mut sender, get(page_path)?).await?;
    let text = String::from_utf8_lossy(&body);
    let first_stage = organisation_name(0);
    if status != 200 || !text.contains(STAGES[DEPTH as usize]) || !text.contains(&first_stage) {
        bail!(
            "the public page {page_path} answered {status} without the product or the first stage ({first_stage}): {}",
            text.chars().take(2_000).collect::<String>()
        );
    }
    println!(
        "checked: resolver 307 → {page_path}; public page 200, {} KiB",
        body.len() / 1024
    );
    Ok(())
}

/// Runs `wrk` on `url` and reads its report.
async fn wrk(args: &BenchPublicArgs, url: &str) -> anyhow::Result<WrkFigures> {
    let output = tokio::process::Command::new("wrk")
        .args([
            "-t2".to_owned(),
            format!("-c{}", args.connections),
            format!("-d{}s", args.seconds),
            "--latency".to_owned(),
            // What a phone's browser sends; the resolver picks the HTML page for it.
            "-H".to_owned(),
            "Accept: text/html".to_owned(),
            url.to_owned(),
        ])
        .output()
        .await
        .context("cannot run wrk")?;
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed on {url}: {}{report}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let figures = parse_wrk(&report)
        .with_context(|| format!("cannot read wrk's report on {url}:\n{report}"))?;
    // Concurrent requests share the server, so when each takes longer than the run none
    // completes, and wrk reports zero latencies rather than an error.
    if figures.requests == 0 {
        bail!(
            "no request to {url} completed in {} s with {} connections open; give it more --seconds or fewer --connections",
            args.seconds,
            args.connections
        );
    }
    Ok(figures)
}

/// Reads requests per second, the 50 % and 99 % latencies and the error counts from the report
/// of `wrk --latency`. The error lines appear only when there are errors.
fn parse_wrk(report: &str) -> anyhow::Result<WrkFigures> {
    let (mut requests, mut requests_per_second) = (None, None);
    let (mut p50, mut p99) = (None, None);
    let (mut non_success, mut socket_errors, mut timeouts) = (0, 0, 0);
    for line in report.lines().map(str::trim) {
        if let Some((count, _)) = line.split_once(" requests in ") {
            requests = Some(count.parse::<u64>()?);
        } else if let Some(rate) = line.strip_prefix("Requests/sec:") {
            requests_per_second = Some(rate.trim().parse::<f64>()?);
        } else if let Some(latency) = line.strip_prefix("50%") {
            p50 = Some(wrk_duration(latency.trim())?);
        } else if let Some(latency) = line.strip_prefix("99%") {
            p99 = Some(wrk_duration(latency.trim())?);
        } else if let Some(count) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_success = count.trim().parse()?;
        } else if let Some(errors) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            for part in errors.split(',') {
                let mut words = part.split_whitespace();
                let kind = words.next().context("a socket error kind")?;
                let count = words
                    .next()
                    .context("a socket error count")?
                    .parse::<u64>()?;
                socket_errors += count;
                if kind == "timeout" {
                    timeouts += count;
                }
            }
        }
    }
    Ok(WrkFigures {
        requests: requests.context("no \"requests in\" line")?,
        requests_per_second: requests_per_second.context("no Requests/sec line")?,
        p50: p50.context("no 50% latency line (was --latency given?)")?,
        p99: p99.context("no 99% latency line (was --latency given?)")?,
        non_success,
        socket_errors,
        timeouts,
    })
}

/// A latency as `wrk` prints it: a number and `us`, `ms`, `s`, `m` or `h`.
fn wrk_duration(text: &str) -> anyhow::Result<Duration> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .with_context(|| format!("no unit in {text:?}"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse()?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3_600.0,
        _ => bail!("unknown unit {unit:?} in {text:?}"),
    };
    Ok(Duration::from_secs_f64(seconds))
}

/// Milliseconds, for reports.
fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// One round's line: each URL's rate and latencies, and any errors.
fn describe(figures: &[WrkFigures; 3]) -> String {
    let parts: Vec<String> = TARGETS
        .iter()
        .zip(figures)
        .map(|(name, f)| {
            let mut part = format!(
                "{name} {:.0} req/s p50 {:.2} ms p99 {:.2} ms",
                f.requests_per_second,
                ms(f.p50),
                ms(f.p99)
            );
            if f.non_success > 0 || f.socket_errors > 0 {
                part.push_str(&format!(
                    " ({} non-2xx/3xx responses, {} socket errors of which {} timeouts)",
                    f.non_success, f.socket_errors, f.timeouts
                ));
            }
            part
        })
        .collect();
    format!(
        "{}; resolver/baseline {:.2}",
        parts.join("; "),
        figures[1].requests_per_second / figures[0].requests_per_second
    )
}

/// Prints the medians over the rounds and the verdicts against the targets.
fn summarise(rounds: &[[WrkFigures; 3]]) {
    let of = |index: usize, key: fn(&WrkFigures) -> f64| {
        median(rounds.iter().map(|r| key(&r[index])).collect())
    };
    for (index, name) in TARGETS.iter().enumerate() {
        println!(
            "median {name}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
            of(index, |f| f.requests_per_second),
            of(index, |f| ms(f.p50)),
            of(index, |f| ms(f.p99)),
        );
    }
    let resolver_ratio = median(
        rounds
            .iter()
            .map(|r| r[1].requests_per_second / r[0].requests_per_second)
            .collect(),
    );
    println!(
        "resolver/baseline {resolver_ratio:.2} (target ≥ {RESOLVER_TARGET_RATIO:.2}): {}",
        verdict(resolver_ratio >= RESOLVER_TARGET_RATIO)
    );
    let (page_rate, page_p99) = (of(2, |f| f.requests_per_second), of(2, |f| ms(f.p99)));
    println!(
        "public page {page_rate:.0} req/s (target ≥ {PAGE_TARGET_RATE:.0}), p99 {page_p99:.2} ms (target < {:.0} ms): {}",
        ms(PAGE_TARGET_P99),
        verdict(page_rate >= PAGE_TARGET_RATE && page_p99 < ms(PAGE_TARGET_P99))
    );
    let errors: u64 = rounds
        .iter()
        .flatten()
        .map(|f| f.non_success + f.socket_errors)
        .sum();
    if errors > 0 {
        println!(
            "warning: {errors} non-2xx/3xx responses or socket errors over the rounds (see the round lines); timed-out requests are missing from the percentiles"
        );
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as wrk 4.1 prints it with `--latency`, errors included.
    const REPORT: &str = "Running 10s test @ http://127.0.0.1:40000/p/01/08937654320087/10/L8-13889
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    15.20ms    3.10ms   1.02s    91.00%
    Req/Sec     1.05k    80.00     1.20k    70.00%
  Latency Distribution
     50%  812.00us
     75%   16.10ms
     90%   18.00ms
     99%    1.50s
  20980 requests in 10.01s, 2.10GB read
  Socket errors: connect 0, read 2, write 0, timeout 5
  Non-2xx or 3xx responses: 3
Requests/sec:   2096.01
Transfer/sec:    214.80MB
";

    #[test]
    fn wrk_reports_are_read_with_their_units_and_errors() {
        let figures = parse_wrk(REPORT).unwrap();
        assert_eq!(
            figures,
            WrkFigures {
                requests: 20980,
                requests_per_second: 2096.01,
                p50: Duration::from_micros(812),
                p99: Duration::from_millis(1_500),
                non_success: 3,
                socket_errors: 7,
                timeouts: 5,
            }
        );
    }

    #[test]
    fn a_report_without_latencies_is_refused() {
        let error =
            parse_wrk("  5 requests in 1.00s, 1.00KB read\nRequests/sec: 5.0\n").unwrap_err();
        assert!(error.to_string().contains("50%"), "{error}");
        assert_eq!(wrk_duration("2.50m").unwrap(), Duration::from_secs(150));
        assert!(wrk_duration("3.0d").is_err());
    }
}
