//! `nguon demo`: builds a realistic demo province into a fresh SQLite file and serves it. About
//! sixty organisations of the eight pilot chains with facilities in real communes of the old Bạc
//! Liêu province, one full season per chain recorded through the chain templates, one account
//! per role; the same data on every run (a seeded generator, fixed dates), except the passwords.

mod keys;
mod organisations;
mod outreach;
mod partners;
mod places;
mod roster;
mod seasons;
mod stamps;
mod users;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use nguon_chains::Catalogue;
use nguon_store::DatabaseUrl;
use nguon_web::AppState;

use crate::cli::{DatabaseArg, ServeArgs};
use crate::config::Config;
use crate::{database, serve};

/// Arguments of `nguon demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The SQLite file to create.
    #[arg(long, value_name = "FILE", default_value = "nguon-demo.db")]
    pub database: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Address to serve on, IP:PORT [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Build the database and exit without serving it.
    #[arg(long)]
    pub no_serve: bool,
}

/// The seed of every coordinate the demo draws.
const SEED: u64 = 0x4E47_554F_4E2D_3936;

/// What was built.
struct Built {
    organisations: usize,
    pending: usize,
    facilities: usize,
    products: usize,
    events: usize,
    /// Lots given a data-quality score.
    scored: usize,
    /// Guidance versions and training sessions.
    outreach: outreach::Outreach,
    /// Stamp runs and scans.
    stamped: stamps::Stamped,
    /// Each chain with the lot at its end and the lot at its origin.
    traces: Vec<(&'static str, String, String)>,
    logins: Vec<users::Login>,
    partnered: partners::Partnered,
}

/// Builds the demo into a new file, prints what it made and how to sign in, then serves it
/// unless `--no-serve`.
pub async fn run(config: Config, args: DemoArgs) -> anyhow::Result<()> {
    prepare_file(&args.database, args.force)?;
    let url = DatabaseUrl::Sqlite(args.database.clone());
    let store = database::open(&url).await?;
    let started = Instant::now();
    let state = serve::app_state(&config, store.clone());
    let built = build(&state).await;
    state.rescorer.settled().await;
    store.close().await;
    let built = built?;
    let listen = args.listen.unwrap_or(config.listen);
    print(
        &built,
        &args.database,
        started.elapsed().as_secs_f64(),
        listen,
    );
    if args.no_serve {
        return Ok(());
    }
    serve::run(
        config,
        ServeArgs {
            listen: Some(listen),
            database: DatabaseArg { url: Some(url) },
        },
    )
    .await
}

/// Refuses to build over an existing file unless told to, since it could be someone's real
/// database; with `force`, removes it and SQLite's journal files beside it.
fn prepare_file(path: &Path, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!(
            "{} exists; pass --force to replace it with a new demo database",
            path.display()
        );
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot remove {}", Path::new(&name).display()));
            }
        }
    }
    Ok(())
}

async fn build(state: &AppState) -> anyhow::Result<Built> {
    let store = &*state.store;
    let lengths = &state.epcis.prefix_lengths;
    let catalogue = Catalogue::embedded()?;
    let mut random = places::Seeded::new(SEED);
    let roster = organisations::register(store, &catalogue, &mut random).await?;
    let mut events = 0;
    let mut traces = Vec::new();
    for season in seasons::all(&roster) {
        events += seasons::record(store, &catalogue, &roster, &season, lengths).await?;
        traces.push((season.chain, season.end, season.origin));
    }
    let ends: Vec<&str> = traces.iter().map(|(_, end, _)| end.as_str()).collect();
    let stamped = stamps::record(state, &ends).await?;
    let outreach = outreach::record(store, &catalogue).await?;
    let logins = users::create(store, &roster).await?;
    let partnered = partners::record(store, &roster).await?;
    let scored = nguon_trace::quality::refresh_all(store, &catalogue).await?;
    Ok(Built {
        stamped,
        outreach,
        organisations: roster.organisations,
        pending: roster.pending,
        facilities: roster.facilities,
        products: roster.products,
        events,
        scored,
        traces,
        logins,
        partnered,
    })
}

fn print(built: &Built, file: &Path, seconds: f64, listen: SocketAddr) {
    println!(
        "Built the demo province in {seconds:.2} s into {}: {} organisations ({} pending \
         approval), {} facilities, {} products, {} events over {} chains, {} lots scored for \
         data quality.",
        file.display(),
        built.organisations,
        built.pending,
        built.facilities,
        built.products,
        built.events,
        built.traces.len(),
        built.scored,
    );
    println!(
        "Plan 140: {} guidance documents in the library, {} training sessions recorded.",
        built.outreach.documents, built.outreach.sessions
    );
    println!(
        "Stamps: {} lots carry an activated run of QR stamps; {} scans logged, some of them \
         counterfeit signals (/stamps/scans).",
        built.stamped.runs, built.stamped.scans
    );
    println!("Sign in at http://{listen}/ with one account per role (passwords are shown once):");
    for login in &built.logins {
        println!(
            "  {:<15} {:<32} {}",
            login.role.as_str(),
            login.email,
            login.password
        );
    }
    println!(
        "Partner systems (/admin/partners): {} captures and reads for organisation {} (its \
         admin above manages that at /partners). Its API key, shown once: {}",
        built.partnered.vendor, built.partnered.organisation, built.partnered.key
    );
    println!("Each chain's last lot, traced back (nguon trace ID --back) to its origin:");
    for (chain, end, origin) in &built.traces {
        println!("  {chain:<14} {end} <- {origin}");
    }
}
