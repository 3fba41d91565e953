//! `nguon bench-trace`: backward and forward genealogy latency on a scratch store that holds a
//! deep, commingled shrimp chain. Run on demand, never in the test suite; the figures go into
//! issue notes.
//!
//! The chain has [`DEPTH`] transformation levels (broodstock → nauplii → post-larvae → nursery →
//! pond harvest → collector batch → raw material → peeled → frozen export lot). Lot `i` of a
//! level is made from lots `i`, `i+1` and `i+2` of the level before ([`FAN_IN`] inputs), so
//! lots share ancestors as they do at collectors, and a complete trace from the last level back
//! to the first (or forward from the first) meets `1 + Σ (2k+1)` lots. Every lot also has a
//! shipping, a receiving and a storing event with a temperature reading, so most of the stored
//! events are not on the genealogy path, as in real data.
//!
//! Each round traces random lots both ways and prints p50/p99, with a baseline from the same
//! round: one identifier lookup, the unit of work a trace repeats; and the FSMA 204 sortable
//! spreadsheet (CSV) of a random mid-chain lot, whose target is under 1 s at 1M events.

use std::time::{Duration, Instant};

use anyhow::Context;
use nguon_domain::{Actor, NewEvent, NewOrganisation, OrganisationId, OrganisationKind};
use nguon_domain::{OrganisationName, TaxCode};
use nguon_gs1::{PrefixLengths, mod10_check_digit};
use nguon_store::{PostgresUrl, Store};
use nguon_trace::{Direction, Identifier, Limits};
use serde_json::{Value, json};

use crate::bench_cmd::{ScratchStore, median, micros, next_random, percentile, ratio};
use crate::chain_data::with;

/// Transformation levels between the first lots and the last.
pub(crate) const DEPTH: u32 = 8;

/// Input lots per transformation.
const FAN_IN: u32 = 3;

/// Events stored per lot: the one that makes it, shipping, receiving and storing.
pub(crate) const EVENTS_PER_LOT: u32 = 4;

/// Events appended per transaction while loading.
const LOAD_BATCH: usize = 1_000;

/// The GS1 company prefix of the generated chain.
const COMPANY_PREFIX: &str = "893765432";

/// The product made at each level, in chain order.
pub(crate) const STAGES: [&str; DEPTH as usize + 1] = [
    "Tôm bố mẹ",
    "Ấu trùng Nauplius",
    "Tôm giống PL12",
    "Tôm ương",
    "Tôm thẻ thu hoạch",
    "Lô thu gom",
    "Nguyên liệu chế biến",
    "Tôm lột vỏ",
    "Tôm đông lạnh xuất khẩu",
];

/// Arguments of `nguon bench-trace`.
#[derive(Debug, clap::Args)]
pub struct BenchTraceArgs {
    /// Benchmark PostgreSQL: a URL of a server where this role may create databases (a scratch
    /// database is created and dropped). Without it, a scratch SQLite file in the temp directory.
    #[arg(long, value_name = "URL", value_parser = crate::bench_cmd::parse_postgres)]
    pub postgres: Option<PostgresUrl>,

    /// Events stored before tracing (rounded up to whole lots on every level).
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u32,

    /// Traces each way per round.
    #[arg(long, default_value_t = 500)]
    pub traces: u32,

    /// Rounds over the same database; medians are reported.
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
}

/// The figures of one round.
#[derive(Debug, Clone, Copy)]
struct RoundFigures {
    backward_p50: Duration,
    backward_p99: Duration,
    forward_p50: Duration,
    forward_p99: Duration,
    lookup_p50: Duration,
    fsma_p50: Duration,
    fsma_p99: Duration,
}

/// Loads the chain, runs the rounds and prints one line per round and the medians.
pub async fn run(args: BenchTraceArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.events > 0 && args.traces > 0 && args.rounds > 0,
        "--events, --traces and --rounds must be at least 1"
    );
    let width = lots_per_level(args.events);
    let target = match &args.postgres {
        Some(url) => format!("PostgreSQL scratch database on {url}"),
        None => "SQLite scratch file".to_owned(),
    };
    println!(
        "trace bench: {target}; {} levels × {width} lots, fan-in {FAN_IN}, {} events; {} traces each way × {} rounds",
        DEPTH + 1,
        (DEPTH + 1) * width * EVENTS_PER_LOT,
        args.traces,
        args.rounds
    );
    let scratch = ScratchStore::open(args.postgres.as_ref()).await?;
    let store = scratch.store.clone();
    let started = Instant::now();
    load(store.as_ref(), width).await?;
    store.refresh_statistics().await?;
    println!("loaded in {:.1} s", started.elapsed().as_secs_f64());

    let expected_nodes = 1 + (1..=DEPTH).map(|k| (2 * k + 1).min(width)).sum::<u32>() as usize;
    let mut rounds = Vec::new();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for round in 1..=args.rounds {
        let mut backward = Vec::new();
        let mut forward = Vec::new();
        let mut lookups = Vec::new();
        let mut sheets = Vec::new();
        for _ in 0..args.traces {
            let lot = u32::try_from(next_random(&mut state) % u64::from(width))?;
            for (level, direction, samples) in [
                (DEPTH, Direction::Back, &mut backward),
                (0, Direction::Forward, &mut forward),
            ] {
                let start = Identifier::parse(&lot_uri(level, lot))?;
                let began = Instant::now();
                let trace =
                    nguon_trace::trace(store.as_ref(), &start, direction, Limits::default())
                        .await?
                        .with_context(|| format!("no event names {}", lot_uri(level, lot)))?;
                samples.push(began.elapsed());
                anyhow::ensure!(
                    trace.nodes.len() == expected_nodes && !trace.truncated,
                    "{direction:?} trace from {} met {} lots, expected {expected_nodes}",
                    lot_uri(level, lot),
                    trace.nodes.len()
                );
            }
            let began = Instant::now();
            store
                .events_with_identifier(&lot_uri(DEPTH / 2, lot), &[], 100)
                .await?;
            lookups.push(began.elapsed());
            // The FSMA 204 sheet of a lot mid-chain: its CTEs one step back and forward, with
            // master data and names, written as CSV (what FDA gets within 24 hours).
            let middle = Identifier::parse(&lot_uri(DEPTH / 2, lot))?;
            let began = Instant::now();
            let sheet = nguon_export::fsma_for_lot(store.as_ref(), &middle).await?;
            let csv = nguon_report::Format::Csv.write(&sheet)?;
            sheets.push(began.elapsed());
            anyhow::ensure!(
                !sheet.rows().is_empty() && !csv.is_empty(),
                "the FSMA sheet of {middle} has no rows"
            );
        }
        let figures = RoundFigures {
            backward_p50: percentile(&mut backward, 50),
            backward_p99: percentile(&mut backward, 99),
            forward_p50: percentile(&mut forward, 50),
            forward_p99: percentile(&mut forward, 99),
            lookup_p50: percentile(&mut lookups, 50),
            fsma_p50: percentile(&mut sheets, 50),
            fsma_p99: percentile(&mut sheets, 99),
        };
        println!(
            "round {round}: backward p50 {} p99 {}; forward p50 {} p99 {}; one lookup p50 {} (backward/lookup {:.1}x); FSMA sheet p50 {} p99 {}",
            micros(figures.backward_p50),
            micros(figures.backward_p99),
            micros(figures.forward_p50),
            micros(figures.forward_p99),
            micros(figures.lookup_p50),
            ratio(figures.backward_p50, figures.lookup_p50),
            micros(figures.fsma_p50),
            micros(figures.fsma_p99),
        );
        rounds.push(figures);
    }
    let ms = |key: fn(&RoundFigures) -> Duration| {
        median(rounds.iter().map(|r| key(r).as_secs_f64() * 1e3).collect())
    };
    println!(
        "median: backward p50 {:.2} ms p99 {:.2} ms; forward p50 {:.2} ms p99 {:.2} ms; lookup p50 {:.3} ms; FSMA sheet p50 {:.2} ms p99 {:.2} ms; {expected_nodes} lots per trace",
        ms(|r| r.backward_p50),
        ms(|r| r.backward_p99),
        ms(|r| r.forward_p50),
        ms(|r| r.forward_p99),
        ms(|r| r.lookup_p50),
        ms(|r| r.fsma_p50),
        ms(|r| r.fsma_p99),
    );
    store.close().await;
    Ok(())
}

/// Lots on each level so that the chain holds at least `events` events (and at least
/// [`FAN_IN`] lots, so every transformation has its inputs).
pub(crate) fn lots_per_level(events: u32) -> u32 {
    events.div_ceil((DEPTH + 1) * EVENTS_PER_LOT).max(FAN_IN)
}

/// The name of the organisation that records level `level`'s events.
pub(crate) fn organisation_name(level: u32) -> String {
    format!("{} — cơ sở đo tải", STAGES[level as usize])
}

/// Stores every level's lots with their events, one organisation per stage; returns the
/// organisations, level by level.
pub(crate) async fn load(store: &dyn Store, width: u32) -> anyhow::Result<Vec<OrganisationId>> {
    let mut owners = Vec::new();
    for level in 0..=DEPTH {
        let organisation = NewOrganisation::new(
            OrganisationKind::Enterprise,
            OrganisationName::parse(&organisation_name(level))?,
            TaxCode::parse(&format!("20100000{level:02}"))?,
        )?;
        owners.push(
            store
                .create_organisation(&organisation, Actor::Cli)
                .await?
                .id,
        );
    }
    let lengths = PrefixLengths::builtin();
    let mut batch = Vec::with_capacity(LOAD_BATCH);
    for level in 0..=DEPTH {
        for lot in 0..width {
            for event in lot_events(level, lot, width) {
                batch.push(stored_form(owners[level as usize], &event, &lengths)?);
            }
            if batch.len() >= LOAD_BATCH {
                store.append_events(&batch).await?;
                batch.clear();
            }
        }
    }
    if !batch.is_empty() {
        store.append_events(&batch).await?;
    }
    Ok(owners)
}

/// What the capture path would store for `event`.
fn stored_form(
    owner: OrganisationId,
    event: &Value,
    lengths: &PrefixLengths,
) -> anyhow::Result<NewEvent> {
    let text = event.to_string();
    let parsed = nguon_epcis::json_ld::read_stored_event(&text)
        .map_err(|issues| anyhow::anyhow!("generated event is invalid: {issues:?}"))?;
    nguon_web::epcis::index::new_event(owner, &parsed, None, lengths).map_err(|e| {
        anyhow::anyhow!(
            "generated event cannot be indexed: {}: {}",
            e.field,
            e.message
        )
    })
}

/// The Digital Link URI of lot `lot` of level `level`.
pub(crate) fn lot_uri(level: u32, lot: u32) -> String {
    let body = format!("0{COMPANY_PREFIX}{level:03}");
    let check = mod10_check_digit(&body).unwrap_or('0');
    format!("https://id.gs1.org/01/{body}{check}/10/L{level}-{lot}")
}

/// The GLN of the organisation and site of level `level`.
fn gln(level: u32) -> String {
    let body = format!("{COMPANY_PREFIX}{level:03}");
    let check = mod10_check_digit(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// The four events of one lot: made (commissioned on the first level, transformed from
/// [`FAN_IN`] lots of the level before otherwise), shipped, received and stored.
fn lot_events(level: u32, lot: u32, width: u32) -> [Value; EVENTS_PER_LOT as usize] {
    let minute = i64::from(level) * 1_440 + i64::from(lot % 1_000);
    let at = |hour: i64| {
        (time::macros::datetime!(2026-01-01 00:00:00 +07:00)
            + time::Duration::minutes(minute)
            + time::Duration::hours(hour))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
    };
    let quantity = |level: u32, lot: u32, kg: f64| json!({"epcClass": lot_uri(level, lot), "quantity": kg, "uom": "KGM"});
    let here = format!("https://id.gs1.org/414/{}", gln(level));
    let next = format!("https://id.gs1.org/414/{}", gln(level + 1));
    let party = |level: u32| format!("https://id.gs1.org/417/{}", gln(level));
    let common = |hour: i64, biz_step: &str, location: &str| {
        json!({
            "eventTime": at(hour),
            "eventTimeZoneOffset": "+07:00",
            "bizStep": biz_step,
            "readPoint": {"id": location},
            "bizLocation": {"id": location},
        })
    };
    let made = if level == 0 {
        with(
            common(0, "commissioning", &here),
            json!({
                "type": "ObjectEvent",
                "action": "ADD",
                "quantityList": [quantity(0, lot, 1_000.0)],
            }),
        )
    } else {
        let inputs: Vec<Value> = (0..FAN_IN)
            .map(|k| quantity(level - 1, (lot + k) % width, 300.0))
            .collect();
        with(
            common(0, "commissioning", &here),
            json!({
                "type": "TransformationEvent",
                "inputQuantityList": inputs,
                "outputQuantityList": [quantity(level, lot, 850.0)],
            }),
        )
    };
    let order = format!("urn:epcglobal:cbv:bt:{}:PO{level}-{lot}", gln(level));
    let moved = |hour: i64, biz_step: &str, location: &str| {
        with(
            common(hour, biz_step, location),
            json!({
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "quantityList": [quantity(level, lot, 850.0)],
                "bizTransactionList": [{"type": "po", "bizTransaction": order}],
                "sourceList": [{"type": "owning_party", "source": party(level)}],
                "destinationList": [{"type": "owning_party", "destination": party(level + 1)}],
            }),
        )
    };
    let stored = with(
        common(3, "storing", &next),
        json!({
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "quantityList": [quantity(level, lot, 850.0)],
            "sensorElementList": [{"sensorReport": [
                {"type": "Temperature", "value": -18.5, "uom": "CEL"}
            ]}],
        }),
    );
    [
        made,
        moved(1, "shipping", &here),
        moved(2, "receiving", &next),
        stored,
    ]
}
