//! One full season per chain, written as the diary forms a farmer, collector or plant would fill
//! in, turned into EPCIS events by the chain templates (the one path from a form to an event)
//! and stored through the same indexing the capture API uses, so hashes, indexes and checks are
//! real.

/// A local time in Vietnam (UTC+7), where every demo diary is kept.
macro_rules! at {
    ($($time:tt)*) => {
        time::macros::datetime!($($time)* +07:00)
    };
}

mod aquaculture;
mod crops;
mod processed;

use std::collections::BTreeMap;

use anyhow::{Context, anyhow};
use nguon_chains::{Capture, Catalogue};
use nguon_domain::NewEvent;
use nguon_gs1::{Gln, PrefixLengths};
use nguon_store::Store;
use time::OffsetDateTime;

use super::organisations::Roster;

/// One filled-in form: who recorded it, which stage, when, and its fields.
pub struct Step {
    org: &'static str,
    stage: &'static str,
    time: OffsetDateTime,
    form: BTreeMap<String, String>,
}

impl Step {
    /// An empty form of `stage`, recorded by `org` at `time`.
    pub fn new(org: &'static str, stage: &'static str, time: OffsetDateTime) -> Self {
        Self {
            org,
            stage,
            time,
            form: BTreeMap::new(),
        }
    }

    /// The form with field `key` set to `value`.
    pub fn kde(mut self, key: &str, value: impl Into<String>) -> Self {
        self.form.insert(key.to_owned(), value.into());
        self
    }
}

/// A chain's season: its steps, and the lot at its end with the lot at its origin, which a
/// backward trace from the end must reach.
pub struct Season {
    /// The chain template.
    pub chain: &'static str,
    /// The forms, in the order they were filled in.
    pub steps: Vec<Step>,
    /// What left the chain: an export pallet or a retail lot, as a GS1 element string.
    pub end: String,
    /// Where it started, as a GS1 element string.
    pub origin: String,
}

/// Every season of the demo, in chain order.
pub fn all(roster: &Roster) -> Vec<Season> {
    vec![
        aquaculture::shrimp_seed(roster),
        aquaculture::farmed_shrimp(roster),
        crops::rice(roster),
        crops::vegetables(roster),
        processed::salt(roster),
        processed::kho(roster),
        processed::mam(roster),
        processed::ocop(roster),
    ]
}

/// Turns every step of `season` into an event through its template and appends them in one
/// transaction, as one capture document would be. Returns the number of events.
pub async fn record(
    store: &dyn Store,
    catalogue: &Catalogue,
    roster: &Roster,
    season: &Season,
    lengths: &PrefixLengths,
) -> anyhow::Result<usize> {
    let template = catalogue
        .get(season.chain)
        .with_context(|| format!("no chain template {:?}", season.chain))?;
    let events = season
        .steps
        .iter()
        .map(|step| {
            let member = roster.member(step.org);
            let capture = Capture {
                owner: Gln::parse(&member.keys.gln(0))?,
                event_time: step.time,
            };
            let event = template
                .event(step.stage, &step.form, &capture)
                .map_err(|errors| {
                    let reasons: Vec<String> = errors.iter().map(|e| e.en()).collect();
                    anyhow!(reasons.join("; "))
                })
                .with_context(|| format!("{} stage {}", season.chain, step.stage))?;
            nguon_web::epcis::index::new_event(member.id, &event, None, lengths)
                .map_err(|error| anyhow!("{}: {}", error.field, error.message))
                .with_context(|| format!("{} stage {}", season.chain, step.stage))
        })
        .collect::<anyhow::Result<Vec<NewEvent>>>()?;
    store
        .append_events(&events)
        .await
        .with_context(|| format!("storing the {} season", season.chain))?;
    Ok(events.len())
}

/// The `shipping` stage every domestic chain ends with: `amount` of `lot` from facility
/// `facility` of `org` to the Bạc Liêu supermarket.
fn to_retail(
    r: &Roster,
    org: &'static str,
    facility: u32,
    lot: &str,
    amount: &str,
    time: OffsetDateTime,
    invoice: &str,
) -> Step {
    Step::new(org, "shipping", time)
        .kde("shipped_from", r.facility(org, facility))
        .kde("lot", lot)
        .kde("amount", amount)
        .kde("buyer", r.party("retail"))
        .kde("delivered_to", r.facility("retail", 0))
        .kde("invoice", invoice)
}
