//! `nguon bench-recall`: the time from a lot to a complete recall report (the drill, then CSV,
//! XLSX and PDF) on a scratch SQLite file of generated shrimp-chain events. Run on demand, never
//! in the test suite.
//!
//! The chain is [`crate::chain_data`]'s, with one change that makes recalls wide: every
//! [`PONDS_PER_SEED_LOT`] consecutive cycles stock their ponds from one hatchery seed lot, as a
//! hatchery batch is sold to many farms. A drill from that seed lot reaches every pond lot and
//! frozen lot made from it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use nguon_domain::{Actor, NewEvent, NewOrganisation, OrganisationKind, OrganisationName, TaxCode};
use nguon_gs1::PrefixLengths;
use nguon_report::Format;
use nguon_store::Store;
use nguon_store_sqlite::SqliteStore;
use nguon_trace::{Identifier, Limits};
use nguon_web::recall::{organisation_names, recalled_lots};
use serde_json::json;

use crate::bench_cmd::{micros, percentile};
use crate::chain_data::{self, EVENTS_PER_CYCLE};
use crate::recall_cmd::report_table;

/// Cycles (ponds) stocked from one seed lot.
pub const PONDS_PER_SEED_LOT: u32 = 50;

/// Events per append call.
const BATCH: usize = 1_000;

/// Who captures each of a cycle's events, by position: the hatchery commissions and ships the
/// seed, the farm stocks, measures, collects and ships, the processor does the rest.
const OWNER_OF_STEP: [usize; EVENTS_PER_CYCLE as usize] = [0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2];

/// Arguments of `nguon bench-recall`.
#[derive(Debug, clap::Args)]
pub struct BenchRecallArgs {
    /// Cycles generated; each is one pond crop of 12 events.
    #[arg(long, default_value_t = 10_000)]
    pub cycles: u32,
    /// Drills timed, from seed lots spread over the cycles.
    #[arg(long, default_value_t = 30)]
    pub drills: u32,
}

/// Loads the chain, times the drills and prints the figures.
pub async fn run(args: BenchRecallArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.cycles >= PONDS_PER_SEED_LOT && args.drills > 0,
        "--cycles must be at least {PONDS_PER_SEED_LOT} and --drills at least 1"
    );
    let dir = std::env::temp_dir().join(format!(
        "nguon-bench-recall-{}",
        nguon_domain::OrganisationId::generate()
    ));
    std::fs::create_dir_all(&dir)?;
    let store = SqliteStore::open(&dir.join("bench.db")).await?;
    let result = measure(Arc::new(store), &args).await;
    std::fs::remove_dir_all(&dir).ok();
    result
}

async fn measure(store: Arc<dyn Store>, args: &BenchRecallArgs) -> anyhow::Result<()> {
    let mut owners = Vec::new();
    for (name, tax_code) in [
        ("Trại giống Tôm thẻ chân trắng Cà Mau", "2008000001"),
        ("HTX Nuôi tôm Tân Hưng", "2008000002"),
        ("Công ty Chế biến Thủy sản Sông Đốc", "2008000003"),
    ] {
        let new = NewOrganisation::new(
            OrganisationKind::Enterprise,
            OrganisationName::parse(name)?,
            TaxCode::parse(tax_code)?,
        )?;
        owners.push(store.create_organisation(&new, Actor::Cli).await?.id);
    }
    let started = Instant::now();
    let mut batch: Vec<NewEvent> = Vec::with_capacity(BATCH);
    for cycle in 0..args.cycles {
        for (step, event) in chain_data::cycle_events(cycle).into_iter().enumerate() {
            batch.push(indexed(owners[OWNER_OF_STEP[step]], cycle, event)?);
            if batch.len() == BATCH {
                store.append_events(&batch).await?;
                batch.clear();
            }
        }
    }
    if !batch.is_empty() {
        store.append_events(&batch).await?;
    }
    let events = u64::from(args.cycles) * u64::from(EVENTS_PER_CYCLE);
    println!(
        "recall bench: SQLite scratch file; {} cycles, {events} events loaded in {:.1} s; {PONDS_PER_SEED_LOT} ponds per seed lot",
        args.cycles,
        started.elapsed().as_secs_f64()
    );
    let groups = args.cycles / PONDS_PER_SEED_LOT;
    let mut stages: [Vec<Duration>; 5] = Default::default();
    let mut identifiers = 0;
    for n in 0..args.drills {
        let group = u64::from(n) * u64::from(groups) / u64::from(args.drills);
        let seed = format!(
            "urn:epc:class:lgtin:893123456.0001.PL{}",
            group * u64::from(PONDS_PER_SEED_LOT)
        );
        let start = Identifier::parse(&seed)?;
        let began = Instant::now();
        let drill = nguon_trace::recall::drill(&*store, &start, Limits::default())
            .await?
            .with_context(|| format!("no event names {seed}"))?;
        let lots = recalled_lots(&drill);
        let names = organisation_names(&*store, &lots).await?;
        let table = report_table(&drill, &names)?;
        stages[0].push(began.elapsed());
        for (stage, format) in Format::ALL.into_iter().enumerate() {
            let began = Instant::now();
            format.write(&table)?;
            stages[stage + 1].push(began.elapsed());
        }
        identifiers = lots.len();
    }
    let totals: Vec<Duration> = (0..stages[0].len())
        .map(|i| stages[..4].iter().map(|s| s[i]).sum())
        .collect();
    stages[4] = totals;
    for (label, samples) in ["drill", "csv", "xlsx", "pdf", "lot to complete report"]
        .iter()
        .zip(stages.iter_mut())
    {
        let p50 = percentile(samples, 50);
        let p99 = percentile(samples, 99);
        println!("{label}: p50 {} p99 {}", micros(p50), micros(p99));
    }
    println!("{} drills, {identifiers} identifiers each", args.drills);
    Ok(())
}

/// Event `event` of cycle `cycle`, captured by `owner`, its seed lot shared with the other
/// cycles of its group.
fn indexed(
    owner: nguon_domain::OrganisationId,
    cycle: u32,
    mut event: serde_json::Value,
) -> anyhow::Result<NewEvent> {
    event["@context"] = json!([
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        {"nguon": "https://nguon.example.vn/epcis/"}
    ]);
    let group = cycle / PONDS_PER_SEED_LOT * PONDS_PER_SEED_LOT;
    let text = event
        .to_string()
        .replace(&format!(".PL{cycle}\""), &format!(".PL{group}\""));
    let event = nguon_epcis::json_ld::read_event(&text)
        .map_err(|issues| anyhow::anyhow!("generated event is invalid: {issues:?}"))?;
    nguon_web::epcis::index::new_event(owner, &event, None, &PrefixLengths::builtin())
        .map_err(|error| anyhow::anyhow!("{}: {}", error.field, error.message))
}
