//! A shrimp chain across three organisations, captured over HTTP as each would send it: a
//! hatchery's seed lot stocked into a farm's pond, the harvest processed into frozen shrimp,
//! packed into serialised cartons on a pallet. Each organisation names its place in the
//! document's master data, as the page shows places by name.

use nguon_domain::OrganisationId;
use serde_json::{Value, json};

use super::TestApp;

/// The seed (post-larvae) lot, as its EPC URN.
pub const SEED_URN: &str = "urn:epc:class:lgtin:893123456.0001.PL7";
/// The seed lot.
pub const SEED: &str = "https://id.gs1.org/01/08931234560010/10/PL7";
/// The pond's harvest lot.
pub const POND: &str = "https://id.gs1.org/01/08931234560027/10/AO7";
/// The frozen shrimp lot.
pub const FROZEN: &str = "https://id.gs1.org/01/08931234560034/10/F7";
/// The two cartons.
pub const CARTONS: [&str; 2] = [
    "https://id.gs1.org/01/08931234560034/21/C7-1",
    "https://id.gs1.org/01/08931234560034/21/C7-2",
];
/// The pallet.
pub const PALLET: &str = "https://id.gs1.org/00/089312345600000072";

/// The organisations' names.
pub const HATCHERY_NAME: &str = "Trại giống Hòa Bình";
/// The farm.
pub const FARM_NAME: &str = "HTX Tôm sinh thái Tân Hưng";
/// The processor.
pub const PROCESSOR_NAME: &str = "Công ty Chế biến Thủy sản Cà Mau";

/// The places' names.
pub const HATCHERY_PLACE: &str = "Khu ương giống số 1";
/// The pond.
pub const POND_PLACE: &str = "Ao nuôi số 3";
/// The processing plant.
pub const PLANT_PLACE: &str = "Nhà máy chế biến Sông Đốc";

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// A place's Digital Link by GLN.
fn gln(gln: &str) -> String {
    format!("https://id.gs1.org/414/{gln}")
}

/// An event of type `kind` on January `day` at `hour`, Vietnam time, at `place`.
fn event(kind: &str, (day, hour): (u8, u8), biz_step: &str, place: &str, fields: Value) -> Value {
    let mut event = json!({
        "type": kind,
        "eventTime": format!("2026-01-{day:02}T{hour:02}:00:00+07:00"),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": biz_step,
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    });
    event
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().cloned().unwrap());
    event
}

fn quantity(class: &str, amount: f64, uom: &str) -> Value {
    json!({"epcClass": class, "quantity": amount, "uom": uom})
}

/// A capture document with the name of one place and `events`.
fn document(place: &str, name: &str, events: Vec<Value>) -> String {
    json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-05T00:00:00+07:00",
        "epcisHeader": {"epcisMasterData": {"vocabularyList": [{
            "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
            "vocabularyElementList": [{"id": place, "attributes": [
                {"id": "urn:epcglobal:cbv:mda#name", "attribute": name}]}],
        }]}},
        "epcisBody": {"eventList": events},
    })
    .to_string()
}

/// A capture document commissioning 500 kg of `lot` at `place`, which its master data names
/// `place_name`.
pub fn commissioning_document(lot: &str, place: &str, place_name: &str) -> String {
    document(
        place,
        place_name,
        vec![event(
            "ObjectEvent",
            (10, 8),
            "commissioning",
            place,
            json!({"action": "ADD", "quantityList": [quantity(lot, 500.0, "KGM")]}),
        )],
    )
}

/// Captures the chain, each organisation with its own key; returns the hatchery, the farm and
/// the processor.
pub async fn shrimp_chain(app: &TestApp) -> [OrganisationId; 3] {
    let (hatchery_id, hatchery) = app.named_organisation(HATCHERY_NAME, "0300000011").await;
    let (farm_id, farm) = app.named_organisation(FARM_NAME, "0300000012").await;
    let (processor_id, processor) = app.named_organisation(PROCESSOR_NAME, "0300000013").await;
    let (hatchery_place, pond, plant) = (
        gln("8931234560010"),
        gln("8931234560027"),
        gln("8931234560034"),
    );
    let seed = |amount| json!([quantity(SEED_URN, amount, "H87")]);
    let parts = [
        (
            &hatchery,
            &hatchery_place,
            HATCHERY_PLACE,
            vec![
                event(
                    "ObjectEvent",
                    (1, 8),
                    "commissioning",
                    &hatchery_place,
                    json!({"action": "ADD", "quantityList": seed(200_000.0)}),
                ),
                event(
                    "ObjectEvent",
                    (1, 9),
                    "shipping",
                    &hatchery_place,
                    json!({"action": "OBSERVE", "quantityList": seed(200_000.0)}),
                ),
            ],
        ),
        (
            &farm,
            &pond,
            POND_PLACE,
            vec![
                event(
                    "ObjectEvent",
                    (1, 14),
                    "receiving",
                    &pond,
                    json!({"action": "OBSERVE", "quantityList": seed(199_500.0)}),
                ),
                event(
                    "TransformationEvent",
                    (1, 15),
                    "commissioning",
                    &pond,
                    json!({
                "inputQuantityList": seed(199_500.0),
                "outputQuantityList": [quantity(POND, 1_800.0, "KGM")]}),
                ),
                event(
                    "ObjectEvent",
                    (3, 6),
                    "shipping",
                    &pond,
                    json!({"action": "OBSERVE",
                "quantityList": [quantity(POND, 1_800.0, "KGM")]}),
                ),
            ],
        ),
        (
            &processor,
            &plant,
            PLANT_PLACE,
            vec![
                event(
                    "ObjectEvent",
                    (3, 10),
                    "receiving",
                    &plant,
                    json!({"action": "OBSERVE",
                "quantityList": [quantity(POND, 1_788.0, "KGM")]}),
                ),
                event(
                    "TransformationEvent",
                    (3, 12),
                    "commissioning",
                    &plant,
                    json!({
                "inputQuantityList": [quantity(POND, 1_788.0, "KGM")],
                "outputQuantityList": [quantity(FROZEN, 1_108.0, "KGM")]}),
                ),
                event(
                    "TransformationEvent",
                    (3, 13),
                    "packing",
                    &plant,
                    json!({
                "inputQuantityList": [quantity(FROZEN, 20.0, "KGM")],
                "outputEPCList": CARTONS}),
                ),
                event(
                    "AggregationEvent",
                    (3, 14),
                    "packing",
                    &plant,
                    json!({"action": "ADD", "parentID": PALLET, "childEPCs": CARTONS}),
                ),
                event(
                    "ObjectEvent",
                    (3, 16),
                    "shipping",
                    &plant,
                    json!({"action": "OBSERVE", "epcList": [PALLET]}),
                ),
            ],
        ),
    ];
    for (key, place, name, events) in parts {
        let job = app
            .capture(
                key,
                "application/ld+json",
                &document(place, name, events),
                &[],
            )
            .await
            .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
        assert_eq!(job["success"], true, "{job}");
    }
    [hatchery_id, farm_id, processor_id]
}
