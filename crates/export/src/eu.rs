//! The EU traceability record of Regulation (EU) No 931/2011, Article 3: for each dispatch of a
//! lot, the food's description, its quantity, the supplier's and the consignee's names and
//! addresses, the lot reference and the date of dispatch.
//!
//! A dispatch is a shipping event of the lot, or of a carton or pallet it was packed in (the
//! forward walk through packing and through serialisation of the same GTIN).

use nguon_report::{Cell, Column, Table};
use nguon_trace::{Direction, Identifier, IdentifierKind, Relation};

use crate::fsma::Cte;
use crate::record::{Lookups, records_naming, walk};
use crate::{ExportError, ExportSource};

/// The column headers, in order.
pub const EU_COLUMNS: [&str; 11] = [
    "Lot reference",
    "Food description",
    "Quantity",
    "Unit",
    "Date of dispatch",
    "Supplier (dispatched by)",
    "Supplier address",
    "Consignee (dispatched to)",
    "Consignee address",
    "Dispatched unit",
    "Reference document",
];

/// The dispatch record of `lot`: one row per shipping event of it or of what carries it.
pub async fn eu_record<S: ExportSource + ?Sized>(
    source: &S,
    lot: &Identifier,
) -> Result<Table, ExportError> {
    let forward = walk(source, lot, Direction::Forward, u32::MAX).await?;
    let gtin = gtin_of(lot.as_str());
    let mut carriers = vec![lot.clone()];
    for edge in &forward.edges {
        let same_product = gtin.is_some() && gtin_of(edge.to.as_str()) == gtin;
        let carried = match edge.relation {
            Relation::PackedInto => true,
            Relation::TransformedInto => same_product && edge.to.kind() == IdentifierKind::Serial,
            _ => false,
        };
        if carried && carriers.contains(&edge.from) && !carriers.contains(&edge.to) {
            carriers.push(edge.to.clone());
        }
    }
    let records = records_naming(source, &carriers).await?;
    let lookups = Lookups::resolve(source, &records).await?;
    let columns = EU_COLUMNS
        .iter()
        .map(|&h| {
            if h == "Quantity" {
                Column::number(h)
            } else {
                Column::text(h)
            }
        })
        .collect();
    let mut table = Table::new("EU 931/2011 traceability record: dispatch", columns);
    table.note(format!("Lot reference: {lot}"));
    let description = lookups.description(lot.as_str());
    for (at, record) in records.iter().enumerate() {
        if Cte::of(record) != Some(Cte::Shipping) {
            continue;
        }
        // A carton shipped on its pallet is one dispatch: count the outermost unit named.
        let Some(goods) = carriers
            .iter()
            .rev()
            .find_map(|c| record.naming(c.as_str()))
        else {
            continue;
        };
        let site = record.location().and_then(|l| lookups.place(l));
        let receipt = records[at + 1..].iter().find(|r| {
            Cte::of(r) == Some(Cte::Receiving)
                && r.naming(&goods.id).is_some()
                && r.owner != record.owner
        });
        let destination = record
            .event
            .destination_list
            .first()
            .map(|v| v.value.as_str());
        let consignee = destination
            .and_then(|d| lookups.place(d).and_then(|p| p.name.clone()))
            .or_else(|| receipt.map(|r| lookups.organisation(r.owner)))
            .or_else(|| destination.map(str::to_owned));
        let consignee_address = destination
            .and_then(|d| lookups.place(d).and_then(|p| p.address.clone()))
            .or_else(|| {
                receipt
                    .and_then(|r| r.location())
                    .and_then(|l| lookups.place(l))
                    .and_then(|p| p.address.clone())
            });
        let quantity = if goods.id == lot.as_str() {
            goods.quantity.clone()
        } else {
            None
        };
        let references: Vec<&str> = record
            .event
            .biz_transaction_list
            .iter()
            .map(|t| t.value.as_str())
            .collect();
        let cell = |value: Option<String>| value.map_or(Cell::Empty, Cell::Text);
        table.push_row(vec![
            Cell::Text(lot.as_str().to_owned()),
            cell(description.clone()),
            quantity
                .as_ref()
                .map_or(Cell::Empty, |q| Cell::Number(q.amount)),
            cell(quantity.and_then(|q| q.uom)),
            Cell::Text(record.local_date()),
            Cell::Text(lookups.organisation(record.owner)),
            cell(site.and_then(|p| p.address.clone())),
            cell(consignee),
            cell(consignee_address),
            Cell::Text(goods.id.clone()),
            cell((!references.is_empty()).then(|| references.join("; "))),
        ])?;
    }
    if table.rows().is_empty() {
        table.note("No dispatch of this lot is recorded");
    }
    Ok(table)
}

/// The GTIN of a Digital Link identifier.
pub(crate) fn gtin_of(id: &str) -> Option<&str> {
    id.strip_prefix("https://id.gs1.org/01/")
        .map(|rest| rest.split('/').next().unwrap_or(rest))
}
