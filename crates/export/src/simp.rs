//! The US Seafood Import Monitoring Program (SIMP, 50 CFR 300.324) data sheet for a lot: species
//! (FAO 3-alpha code and scientific name), the farm or vessel, where and when it was harvested,
//! the product form, the quantity, and the chain of custody from harvest on.
//!
//! The harvest is found by walking back from the lot to a harvest event (GDST `farmHarvest` or
//! Nguồn's harvesting step); the custodians are the firms that recorded events of the lot and
//! of what it came from or went into, from the harvest on, in time order.

use nguon_domain::OrganisationId;
use nguon_report::{Cell, Column, Table};
use nguon_trace::{Direction, Identifier};

use crate::fsma::{Cte, amount_cell};
use crate::record::{Lookups, Record, Role, records_naming, walk};
use crate::{ExportError, ExportSource};

/// The data sheet of `lot`: one row per data element, then one per custodian.
pub async fn simp_sheet<S: ExportSource + ?Sized>(
    source: &S,
    lot: &Identifier,
) -> Result<Table, ExportError> {
    let back = walk(source, lot, Direction::Back, u32::MAX).await?;
    let forward = walk(source, lot, Direction::Forward, u32::MAX).await?;
    let mut identifiers: Vec<Identifier> = Vec::new();
    for node in back.nodes.iter().chain(&forward.nodes) {
        if !identifiers.contains(&node.identifier) {
            identifiers.push(node.identifier.clone());
        }
    }
    let records = records_naming(source, &identifiers).await?;
    let lookups = Lookups::resolve(source, &records).await?;
    let upstream: Vec<&str> = back.nodes.iter().map(|n| n.identifier.as_str()).collect();
    // The latest harvest of the lot or anything it came from.
    let harvest = records.iter().rev().find(|r| {
        Cte::of(r) == Some(Cte::Harvesting) && upstream.iter().any(|id| r.naming(id).is_some())
    });
    let harvested: Option<&str> = harvest.and_then(|h| {
        h.goods
            .iter()
            .find(|g| g.role != Role::Input && upstream.contains(&g.id.as_str()))
            .map(|g| g.id.as_str())
    });
    // Species and form: the lot's own class, else the harvested lot's.
    let product = |local: &str| {
        lookups
            .product(lot.as_str(), local)
            .or_else(|| harvested.and_then(|h| lookups.product(h, local)))
    };
    let harvest_site = harvest.and_then(|h| h.location());
    let place = harvest_site.and_then(|l| lookups.place(l));
    let farm = place
        .and_then(|p| p.name.clone())
        .or_else(|| harvest.and_then(|h| h.ilmd_text("vesselName")))
        .or_else(|| harvest.and_then(|h| h.ilmd_text("pond")));
    let quantity = held(&records, lot.as_str());
    let mut table = Table::new(
        "US SIMP data sheet",
        vec![Column::text("Data element"), Column::text("Value")],
    );
    table.note(format!("Lot: {lot}"));
    let fields: [(&str, Option<String>); 9] = [
        ("Product description", lookups.description(lot.as_str())),
        (
            "Species FAO 3-alpha code",
            product("speciesForFisheryStatisticsPurposesCode"),
        ),
        (
            "Species scientific name",
            product("speciesForFisheryStatisticsPurposesName"),
        ),
        ("Farm or vessel", farm),
        (
            "Harvest location",
            harvest_site.map(|l| lookups.describe(l)),
        ),
        ("Harvest coordinates", place.and_then(|p| p.coordinates())),
        ("Harvest date", harvest.map(Record::local_date)),
        ("Product form", product("tradeItemConditionCode")),
        (
            "Quantity and weight",
            match amount_cell(quantity.as_ref()) {
                Cell::Text(text) => Some(text),
                _ => None,
            },
        ),
    ];
    for (name, value) in fields {
        table.push_row(vec![
            Cell::Text(name.into()),
            value.map_or(Cell::Empty, Cell::Text),
        ])?;
    }
    let since = harvest.map(|h| h.event.event_time);
    for (n, (owner, first, last)) in custody(&records, since).into_iter().enumerate() {
        let dates = if first == last {
            first
        } else {
            format!("{first} to {last}")
        };
        table.push_row(vec![
            Cell::Text(format!("Custodian {}", n + 1)),
            Cell::Text(format!("{}: {dates}", lookups.organisation(owner))),
        ])?;
    }
    Ok(table)
}

/// The latest amount of `lot` recorded other than as a transformation input.
fn held(records: &[Record], lot: &str) -> Option<nguon_trace::Quantity> {
    records
        .iter()
        .rev()
        .filter_map(|r| r.naming(lot))
        .filter(|g| g.role != Role::Input)
        .find_map(|g| g.quantity.clone())
}

/// Each firm holding the goods from `since` on, in the order it first recorded them, with its
/// first and last dates; a firm that held them again after another is listed again.
fn custody(
    records: &[Record],
    since: Option<time::OffsetDateTime>,
) -> Vec<(OrganisationId, String, String)> {
    let mut custodians: Vec<(OrganisationId, String, String)> = Vec::new();
    for record in records
        .iter()
        .filter(|r| since.is_none_or(|s| r.event.event_time >= s))
    {
        let date = record.local_date();
        match custodians.last_mut() {
            Some((owner, _, last)) if *owner == record.owner => *last = date,
            _ => custodians.push((record.owner, date.clone(), date)),
        }
    }
    custodians
}
