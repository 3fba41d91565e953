//! The FDA FSMA 204 electronic sortable spreadsheet (21 CFR 1.1455(c)(3)(ii)): one row per
//! critical tracking event and traceability lot, with the key data elements of 21 CFR
//! 1.1325–1.1350 in English headers.
//!
//! A CTE is read from the EPCIS business step: GDST `farmHarvest` and Nguồn's
//! [`HARVESTING`] are harvesting, Nguồn's [`COOLING`] is cooling, CBV `packing` is initial
//! packing, `shipping`/`departing` shipping, `receiving`/`arriving` receiving, and a
//! transformation (CBV `commissioning`, GDST `commingling` or `processing`, or any other step of
//! a TransformationEvent) is transformation. Other events (sensor readings, storing, treatments)
//! are not CTEs and make no row. A transformation makes one row per output lot, its inputs
//! listed in one cell (so does any TransformationEvent, whatever its step); other CTEs make one
//! row per identifier they name.

use std::collections::HashSet;

use nguon_domain::TimeRange;
use nguon_domain::units::amount_text;
use nguon_epcis::model::EventBody;
use nguon_report::{Cell, Column, Table};
use nguon_trace::checks::HARVESTING;
use nguon_trace::{Direction, Identifier};
use time::OffsetDateTime;

use crate::record::{Lookups, Record, Role, records_in, records_naming, walk};
use crate::{ExportError, ExportSource};

/// The bizStep of cooling a harvested lot before it is packed (FSMA 1.1330).
pub const COOLING: &str = "https://nguon.example.vn/epcis/cooling";

/// The most events a date-range sheet reads: about a year of a large plant's events.
pub const MAX_RANGE_EVENTS: usize = 200_000;

/// A critical tracking event of FSMA 204.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cte {
    /// 21 CFR 1.1325(a): a raw agricultural commodity harvested.
    Harvesting,
    /// 21 CFR 1.1325(b): a harvested commodity cooled before initial packing.
    Cooling,
    /// 21 CFR 1.1330: a raw agricultural commodity packed for the first time.
    InitialPacking,
    /// 21 CFR 1.1340: food shipped.
    Shipping,
    /// 21 CFR 1.1345: food received.
    Receiving,
    /// 21 CFR 1.1350: food transformed into a new lot.
    Transformation,
}

impl Cte {
    /// The CTE of an event, or `None` when it is not one.
    pub(crate) fn of(record: &Record) -> Option<Self> {
        let step = record.step();
        let transformation = matches!(record.event.body, EventBody::Transformation { .. });
        match step {
            Some("urn:gdst:bizStep:farmHarvest" | HARVESTING) => Some(Self::Harvesting),
            Some(COOLING) => Some(Self::Cooling),
            Some("packing") => Some(Self::InitialPacking),
            Some("shipping" | "departing") => Some(Self::Shipping),
            Some("receiving" | "arriving") => Some(Self::Receiving),
            _ if transformation => Some(Self::Transformation),
            _ => None,
        }
    }

    /// As FSMA names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Harvesting => "Harvesting",
            Self::Cooling => "Cooling",
            Self::InitialPacking => "Initial packing",
            Self::Shipping => "Shipping",
            Self::Receiving => "Receiving",
            Self::Transformation => "Transformation",
        }
    }
}

/// The column headers, in order.
pub const FSMA_COLUMNS: [&str; 20] = [
    "Critical tracking event (CTE)",
    "Event date",
    "Event time",
    "Traceability lot code (TLC)",
    "Product description",
    "Quantity",
    "Unit of measure",
    "Location description",
    "Location address",
    "Location coordinates",
    "Harvest growing area (pond, field or container)",
    "TLC source location description",
    "TLC source reference",
    "Ship-from location",
    "Ship-to location",
    "Input traceability lot codes",
    "Reference document type",
    "Reference document number",
    "Firm recording the event",
    "EPCIS event ID",
];

/// The sheet for one traceability lot: every CTE of the lot, of what it was made from (one step
/// back) and of what was made from or packed with it (one step forward).
pub async fn fsma_for_lot<S: ExportSource + ?Sized>(
    source: &S,
    lot: &Identifier,
) -> Result<Table, ExportError> {
    let back = walk(source, lot, Direction::Back, 1).await?;
    let forward = walk(source, lot, Direction::Forward, 1).await?;
    let mut identifiers: Vec<Identifier> = Vec::new();
    for node in back.nodes.iter().chain(&forward.nodes) {
        if !identifiers.contains(&node.identifier) {
            identifiers.push(node.identifier.clone());
        }
    }
    let records = records_naming(source, &identifiers).await?;
    let lookups = Lookups::resolve(source, &records).await?;
    let keep: HashSet<&str> = identifiers.iter().map(Identifier::as_str).collect();
    let mut table = sheet(&records, &lookups, |id| keep.contains(id))?;
    table.note(format!("Traceability lot code: {lot}"));
    table.note("Scope: the lot, one step back and one step forward (21 CFR 1.1455(c)(3)(ii))");
    if back.truncated || forward.truncated {
        table.note("Incomplete: an identifier has more events than are read");
    }
    Ok(table)
}

/// The sheet for every CTE with `from <= event time < to`, at most [`MAX_RANGE_EVENTS`] events.
pub async fn fsma_for_range<S: ExportSource + ?Sized>(
    source: &S,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> Result<Table, ExportError> {
    if to <= from {
        return Err(ExportError::Range);
    }
    let range = TimeRange {
        ge: Some(from),
        lt: Some(to),
    };
    let records = records_in(source, None, range, MAX_RANGE_EVENTS + 1).await?;
    let truncated = records.len() > MAX_RANGE_EVENTS;
    let records = &records[..records.len().min(MAX_RANGE_EVENTS)];
    let lookups = Lookups::resolve(source, records).await?;
    let mut table = sheet(records, &lookups, |_| true)?;
    table.note(format!(
        "Events from {} to {} (end excluded)",
        nguon_epcis::model::format_timestamp(from),
        nguon_epcis::model::format_timestamp(to)
    ));
    if truncated {
        table.note(format!(
            "Incomplete: only the first {MAX_RANGE_EVENTS} events of the range"
        ));
    }
    Ok(table)
}

/// The rows of `records` for the identifiers `keep` accepts.
fn sheet(
    records: &[Record],
    lookups: &Lookups,
    keep: impl Fn(&str) -> bool,
) -> Result<Table, ExportError> {
    let columns = FSMA_COLUMNS
        .iter()
        .map(|&h| {
            if h == "Quantity" {
                Column::number(h)
            } else {
                Column::text(h)
            }
        })
        .collect();
    let mut table = Table::new(
        "FSMA 204 traceability records (sortable spreadsheet)",
        columns,
    );
    for (at, record) in records.iter().enumerate() {
        let Some(cte) = Cte::of(record) else {
            continue;
        };
        // A transformation's row is its new lot; its inputs go in their own column.
        let transformation = matches!(record.event.body, EventBody::Transformation { .. });
        let rows = record
            .goods
            .iter()
            .filter(|g| keep(&g.id) && (!transformation || g.role == Role::Output));
        for goods in rows {
            table.push_row(row(records, at, cte, &goods.id, lookups))?;
        }
    }
    Ok(table)
}

fn text(value: Option<String>) -> Cell {
    value.map_or(Cell::Empty, Cell::Text)
}

/// One row: the CTE `cte` of `records[at]` for identifier `id`.
fn row(records: &[Record], at: usize, cte: Cte, id: &str, lookups: &Lookups) -> Vec<Cell> {
    let record = &records[at];
    let goods = record.naming(id);
    let quantity = goods.and_then(|g| g.quantity.clone());
    let location = record.location();
    let place = location.and_then(|l| lookups.place(l));
    let origin = creation(records, id);
    let growing_area = harvest_area(records, id, lookups);
    let (ship_from, ship_to) = match cte {
        Cte::Shipping => (
            location.map(|l| lookups.describe(l)),
            first_value(&record.event.destination_list, lookups).or_else(|| {
                counterpart(records, at, id, Cte::Receiving)
                    .and_then(Record::location)
                    .map(|l| lookups.describe(l))
            }),
        ),
        Cte::Receiving => (
            first_value(&record.event.source_list, lookups).or_else(|| {
                counterpart(records, at, id, Cte::Shipping)
                    .and_then(Record::location)
                    .map(|l| lookups.describe(l))
            }),
            location.map(|l| lookups.describe(l)),
        ),
        _ => (None, None),
    };
    let inputs: Vec<&str> = record
        .goods
        .iter()
        .filter(|g| g.role == Role::Input)
        .map(|g| g.id.as_str())
        .collect();
    let transactions = &record.event.biz_transaction_list;
    let kinds: Vec<String> = transactions
        .iter()
        .filter_map(|t| t.kind.as_deref())
        .map(|k| {
            k.strip_prefix("https://ref.gs1.org/cbv/BTT-")
                .unwrap_or(k)
                .to_owned()
        })
        .collect();
    let numbers: Vec<&str> = transactions.iter().map(|t| t.value.as_str()).collect();
    let joined = |parts: Vec<String>| (!parts.is_empty()).then(|| parts.join("; "));
    vec![
        Cell::Text(cte.name().into()),
        Cell::Text(record.local_date()),
        Cell::Text(nguon_epcis::model::format_timestamp(record.local_time())),
        Cell::Text(id.to_owned()),
        text(lookups.description(id)),
        quantity
            .as_ref()
            .map_or(Cell::Empty, |q| Cell::Number(q.amount)),
        text(quantity.and_then(|q| q.uom)),
        text(
            place
                .and_then(|p| p.name.clone())
                .or(location.map(str::to_owned)),
        ),
        text(place.and_then(|p| p.address.clone())),
        text(place.and_then(|p| p.coordinates())),
        text(growing_area),
        text(
            origin
                .and_then(Record::location)
                .map(|l| lookups.describe(l)),
        ),
        text(origin.and_then(Record::location).map(str::to_owned)),
        text(ship_from),
        text(ship_to),
        text(joined(inputs.into_iter().map(str::to_owned).collect())),
        text(joined(kinds)),
        text(joined(numbers.into_iter().map(str::to_owned).collect())),
        Cell::Text(lookups.organisation(record.owner)),
        text(record.event.event_id.clone()),
    ]
}

/// The first source or destination, described.
fn first_value(values: &[nguon_epcis::model::TypedValue], lookups: &Lookups) -> Option<String> {
    values.first().map(|v| lookups.describe(&v.value))
}

/// The event that brought `id` into being: a transformation making it, or an ADD or harvest
/// naming it.
pub(crate) fn creation<'a>(records: &'a [Record], id: &str) -> Option<&'a Record> {
    records.iter().find(|r| {
        r.naming(id).is_some_and(|g| match g.role {
            Role::Output => true,
            Role::Object => {
                Cte::of(r) == Some(Cte::Harvesting)
                    || matches!(
                        r.event.body,
                        EventBody::Object {
                            action: nguon_epcis::model::Action::Add,
                            ..
                        }
                    )
            }
            _ => false,
        })
    })
}

/// The pond, field or container a lot was harvested from: the harvest's location name, else
/// the `pond` field its ILMD carries.
pub(crate) fn harvest_area(records: &[Record], id: &str, lookups: &Lookups) -> Option<String> {
    let harvest = records
        .iter()
        .find(|r| Cte::of(r) == Some(Cte::Harvesting) && r.naming(id).is_some())?;
    harvest
        .location()
        .and_then(|l| lookups.place(l))
        .and_then(|p| p.name.clone())
        .or_else(|| harvest.ilmd_text("pond"))
}

/// The receiving matching a shipping of `id` (the first after it), or the shipping matching a
/// receiving (the last before it), by another firm or at another place.
fn counterpart<'a>(records: &'a [Record], at: usize, id: &str, wanted: Cte) -> Option<&'a Record> {
    let this = &records[at];
    let matches = |r: &&Record| {
        Cte::of(r) == Some(wanted)
            && r.naming(id).is_some()
            && (r.owner != this.owner || r.location() != this.location())
    };
    match wanted {
        Cte::Receiving => records[at + 1..].iter().find(matches),
        _ => records[..at].iter().rev().find(matches),
    }
}

/// `amount unit`, as a cell of a text column.
pub(crate) fn amount_cell(quantity: Option<&nguon_trace::Quantity>) -> Cell {
    text(quantity.map(|q| {
        format!(
            "{} {}",
            amount_text(q.amount),
            q.uom.as_deref().unwrap_or("")
        )
        .trim_end()
        .to_owned()
    }))
}

/// Reads the bounds of a date range: `YYYY-MM-DD` (a whole day in Vietnam time, UTC+7, `to`
/// included) or an RFC 3339 time (`to` excluded).
pub fn parse_range(from: &str, to: &str) -> Result<(OffsetDateTime, OffsetDateTime), ExportError> {
    let read =
        |field: &'static str, text: &str, end: bool| -> Result<OffsetDateTime, ExportError> {
            let text = text.trim();
            if let Ok(time) =
                OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            {
                return Ok(time);
            }
            let date = time::Date::parse(
                text,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| ExportError::Date {
                field,
                found: text.to_owned(),
            })?;
            let day = if end {
                date.next_day().unwrap_or(date)
            } else {
                date
            };
            Ok(day.midnight().assume_offset(time::macros::offset!(+7)))
        };
    let (from, to) = (read("from", from, false)?, read("to", to, true)?);
    if to <= from {
        return Err(ExportError::Range);
    }
    Ok((from, to))
}
