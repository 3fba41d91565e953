//! A generator of realistic EPCIS 2.0 JSON-LD for the farmed-shrimp chain: hatchery → pond →
//! collecting agent → processor → export, with lots, quantities, water-quality sensor readings,
//! serialised cartons packed on SSCC pallets, both identifier spellings (EPC URN and Digital
//! Link) and a namespaced extension. Every cycle (one pond crop) makes [`EVENTS_PER_CYCLE`]
//! events with its own lots, serials and pallet; cycle numbers make them unique.

use nguon_gs1::mod10_check_digit;
use serde_json::{Value, json};

/// Events one cycle makes.
pub const EVENTS_PER_CYCLE: u32 = 12;

/// The GS1 company prefix of the generated enterprise (Vietnam's 893, nine digits).
const COMPANY_PREFIX: &str = "893123456";

/// Cartons packed on one pallet.
const CARTONS_PER_PALLET: u32 = 8;

/// A GTIN-14 for item `item` (three digits) of the company.
fn gtin(item: u32) -> String {
    let body = format!("0{COMPANY_PREFIX}{item:03}");
    let check = mod10_check_digit(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// A GLN for location `n`.
fn gln(n: u32) -> String {
    let body = format!("{COMPANY_PREFIX}{n:03}");
    let check = mod10_check_digit(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// The SSCC of pallet `n`.
fn sscc(n: u32) -> String {
    let body = format!("0{COMPANY_PREFIX}{n:07}");
    let check = mod10_check_digit(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// Identifiers a cycle names, for queries.
#[derive(Debug, Clone)]
pub struct CycleKeys {
    /// One carton serial, as a Digital Link URI.
    pub carton: String,
    /// The pallet, as a Digital Link URI.
    pub pallet: String,
    /// The harvested pond lot, as a Digital Link URI.
    pub pond_lot: String,
}

/// The identifiers cycle `cycle` uses.
pub fn cycle_keys(cycle: u32) -> CycleKeys {
    CycleKeys {
        carton: format!("https://id.gs1.org/01/{}/21/C{cycle}-1", gtin(3)),
        pallet: format!("https://id.gs1.org/00/{}", sscc(cycle)),
        pond_lot: format!("https://id.gs1.org/01/{}/10/AO{cycle}", gtin(2)),
    }
}

/// The event time of step `step` of cycle `cycle`: cycles start a minute apart from
/// 2026-01-01, steps an hour apart.
pub fn event_time(cycle: u32, step: u32) -> time::OffsetDateTime {
    time::macros::datetime!(2026-01-01 00:00:00 +07:00)
        + time::Duration::minutes(i64::from(cycle))
        + time::Duration::hours(i64::from(step))
}

fn common(kind: &str, cycle: u32, step: u32, biz_step: &str, place: u32) -> Value {
    let time = event_time(cycle, step)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    json!({
        "type": kind,
        "eventTime": time,
        "eventTimeZoneOffset": "+07:00",
        "bizStep": biz_step,
        "readPoint": {"id": format!("urn:epc:id:sgln:{COMPANY_PREFIX}.{place:03}.0")},
        "bizLocation": {"id": format!("https://id.gs1.org/414/{}", gln(place))},
    })
}

/// `base` with the members of `fields` added or replaced (both JSON objects).
pub(crate) fn with(mut base: Value, fields: Value) -> Value {
    if let (Value::Object(base), Value::Object(fields)) = (&mut base, fields) {
        base.extend(fields);
    }
    base
}

fn quantity(class: &str, amount: f64, uom: &str) -> Value {
    json!({"epcClass": class, "quantity": amount, "uom": uom})
}

/// The events of one cycle.
pub fn cycle_events(cycle: u32) -> Vec<Value> {
    let keys = cycle_keys(cycle);
    let seed_lot = format!("urn:epc:class:lgtin:{COMPANY_PREFIX}.0001.PL{cycle}");
    let pond_lot = keys.pond_lot.clone();
    let frozen_lot = format!("https://id.gs1.org/01/{}/10/F{cycle}", gtin(3));
    let cartons: Vec<String> = (1..=CARTONS_PER_PALLET)
        .map(|n| format!("https://id.gs1.org/01/{}/21/C{cycle}-{n}", gtin(3)))
        .collect();
    let party = |n: u32| format!("https://id.gs1.org/417/{}", gln(n));
    let reading =
        |kind: &str, value: f64, uom: &str| json!({"type": kind, "value": value, "uom": uom});
    let mut events = vec![
        with(
            common("ObjectEvent", cycle, 0, "commissioning", 1),
            json!({
                "action": "ADD",
                "quantityList": [quantity(&seed_lot, 200_000.0, "H87")],
                "ilmd": {"nguon:broodstockOrigin": "Hawaii SPF", "nguon:hatchDate": "2025-12-20"},
            }),
        ),
        with(
            common("ObjectEvent", cycle, 1, "shipping", 1),
            json!({
                "action": "OBSERVE",
                "quantityList": [quantity(&seed_lot, 200_000.0, "H87")],
                "bizTransactionList": [{"type": "po", "bizTransaction": format!("urn:epcglobal:cbv:bt:{}:PO{cycle}", gln(2))}],
                "sourceList": [{"type": "owning_party", "source": party(1)}],
                "destinationList": [{"type": "owning_party", "destination": party(2)}],
            }),
        ),
        with(
            common("TransformationEvent", cycle, 2, "commissioning", 2),
            json!({
                "inputQuantityList": [quantity(&seed_lot, 200_000.0, "H87")],
                "outputQuantityList": [quantity(&pond_lot, 0.0, "KGM")],
                "ilmd": {"nguon:pond": format!("Ao {}", cycle % 40 + 1)},
            }),
        ),
    ];
    for (step, (temperature, oxygen)) in [(28.5, 5.2), (29.1, 4.8), (30.2, 4.1)]
        .into_iter()
        .enumerate()
    {
        events.push(with(common("ObjectEvent", cycle, 3 + step as u32, "sensor_reporting", 2), json!({
            "action": "OBSERVE",
            "quantityList": [quantity(&pond_lot, 0.0, "KGM")],
            "sensorElementList": [{
                "sensorMetadata": {"deviceID": format!("urn:epc:id:giai:{COMPANY_PREFIX}.S{}", cycle % 40 + 1)},
                "sensorReport": [reading("Temperature", temperature, "CEL"), reading("MassConcentration", oxygen, "M1")],
            }],
        })));
    }
    let harvest = 1_800.0 + f64::from(cycle % 400);
    events.extend([
        with(common("ObjectEvent", cycle, 6, "collecting", 2), json!({
            "action": "OBSERVE",
            "quantityList": [quantity(&pond_lot, harvest, "KGM")],
        })),
        with(common("ObjectEvent", cycle, 7, "shipping", 2), json!({
            "action": "OBSERVE",
            "quantityList": [quantity(&pond_lot, harvest, "KGM")],
            "sourceList": [{"type": "possessing_party", "source": party(2)}],
            "destinationList": [{"type": "possessing_party", "destination": party(3)}],
        })),
        with(common("ObjectEvent", cycle, 8, "receiving", 3), json!({
            "action": "OBSERVE",
            "quantityList": [quantity(&pond_lot, harvest - 12.0, "KGM")],
        })),
        with(common("TransformationEvent", cycle, 9, "commissioning", 4), json!({
            "inputQuantityList": [quantity(&pond_lot, harvest - 12.0, "KGM")],
            "outputQuantityList": [quantity(&frozen_lot, (harvest - 12.0) * 0.62, "KGM")],
            "ilmd": {"nguon:itemExpirationDate": "2027-06-30"},
        })),
        with(common("AggregationEvent", cycle, 10, "packing", 4), json!({
            "action": "ADD",
            "parentID": keys.pallet,
            "childEPCs": cartons,
        })),
        with(common("ObjectEvent", cycle, 11, "shipping", 4), json!({
            "action": "OBSERVE",
            "epcList": [keys.pallet],
            "bizTransactionList": [{"type": "inv", "bizTransaction": format!("urn:epcglobal:cbv:bt:{}:INV{cycle}", gln(9))}],
            "destinationList": [{"type": "owning_party", "destination": party(9)}],
        })),
    ]);
    events
}

/// A capture document holding the cycles `cycles`.
pub fn document(cycles: std::ops::Range<u32>) -> String {
    let events: Vec<Value> = cycles.flat_map(cycle_events).collect();
    json!({
        "@context": [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"nguon": "https://nguon.example.vn/epcis/"}
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-01T00:00:00+07:00",
        "epcisBody": {"eventList": events},
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_documents_are_valid_epcis() {
        let text = document(0..3);
        nguon_epcis::validate::validate_json_ld(&text).expect("valid EPCIS 2.0");
        let hashes = nguon_epcis::hash::event_hashes(&text, nguon_epcis::hash::Format::JsonLd)
            .expect("hash");
        assert_eq!(hashes.len(), 3 * EVENTS_PER_CYCLE as usize);
        let mut unique: Vec<_> = hashes.iter().map(|h| h.hash.clone()).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), hashes.len(), "every event is distinct");
    }
}
