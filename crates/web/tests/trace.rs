//! Traceability through the real router over a real SQLite store: a shrimp chain captured by a
//! hatchery, a farm and a processor over HTTP, traced forward and back across all three, the
//! one-step view, a cycle, and bad and unknown identifiers.

mod support;

use axum::http::StatusCode;
use nguon_gs1::percent_encode;
use serde_json::{Value, json};
use support::TestApp;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";
const SEED_URN: &str = "urn:epc:class:lgtin:893123456.0001.PL7";
const SEED: &str = "https://id.gs1.org/01/08931234560010/10/PL7";
const POND: &str = "https://id.gs1.org/01/08931234560027/10/AO7";
const FROZEN: &str = "https://id.gs1.org/01/08931234560034/10/F7";
const CARTON_URN: &str = "urn:epc:id:sgtin:893123456.0003.C7-2";
const CARTON: &str = "https://id.gs1.org/01/08931234560034/21/C7-2";
const OTHER_CARTON: &str = "https://id.gs1.org/01/08931234560034/21/C7-1";
const PALLET: &str = "https://id.gs1.org/00/089312345600000072";

fn document(events: Vec<Value>) -> String {
    json!({
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-05T00:00:00+07:00",
        "epcisBody": {"eventList": events},
    })
    .to_string()
}

/// An event of type `kind` at day `day`, hour `hour`, with `fields`.
fn event(kind: &str, day: u8, hour: u8, biz_step: &str, fields: Value) -> Value {
    let mut event = json!({
        "type": kind,
        "eventTime": format!("2026-01-{day:02}T{hour:02}:00:00+07:00"),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": biz_step,
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

fn party(gln: &str) -> String {
    format!("https://id.gs1.org/417/{gln}")
}

/// Each organisation captures its own part of the chain with its own key.
async fn shrimp_chain(app: &TestApp) -> [(nguon_domain::OrganisationId, String); 3] {
    let hatchery = app.organisation("0300000011").await;
    let farm = app.organisation("0300000012").await;
    let processor = app.organisation("0300000013").await;
    let po = json!([{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8931234560027:PO7"}]);
    let parts = [
        (
            &hatchery.1,
            vec![
                event(
                    "ObjectEvent",
                    1,
                    8,
                    "commissioning",
                    json!({"action": "ADD",
                "quantityList": [quantity(SEED_URN, 200_000.0, "H87")]}),
                ),
                event(
                    "ObjectEvent",
                    1,
                    9,
                    "shipping",
                    json!({"action": "OBSERVE",
                "quantityList": [quantity(SEED_URN, 200_000.0, "H87")], "bizTransactionList": po,
                "sourceList": [{"type": "owning_party", "source": party("8931234560010")}],
                "destinationList": [{"type": "owning_party", "destination": party("8931234560027")}]}),
                ),
            ],
        ),
        (
            &farm.1,
            vec![
                event(
                    "ObjectEvent",
                    1,
                    14,
                    "receiving",
                    json!({"action": "OBSERVE",
                "quantityList": [quantity(SEED, 199_500.0, "H87")], "bizTransactionList": po}),
                ),
                event(
                    "TransformationEvent",
                    1,
                    15,
                    "commissioning",
                    json!({
                "inputQuantityList": [quantity(SEED, 199_500.0, "H87")],
                "outputQuantityList": [quantity(POND, 0.0, "KGM")]}),
                ),
                event(
                    "ObjectEvent",
                    3,
                    6,
                    "shipping",
                    json!({"action": "OBSERVE",
                "quantityList": [quantity(POND, 1_800.0, "KGM")]}),
                ),
            ],
        ),
        (
            &processor.1,
            vec![
                event(
                    "ObjectEvent",
                    3,
                    10,
                    "receiving",
                    json!({"action": "OBSERVE",
                "quantityList": [quantity(POND, 1_788.0, "KGM")]}),
                ),
                event(
                    "TransformationEvent",
                    3,
                    12,
                    "commissioning",
                    json!({
                "inputQuantityList": [quantity(POND, 1_788.0, "KGM")],
                "outputQuantityList": [quantity(FROZEN, 1_108.0, "KGM")]}),
                ),
                event(
                    "TransformationEvent",
                    3,
                    13,
                    "packing",
                    json!({
                "inputQuantityList": [quantity(FROZEN, 20.0, "KGM")],
                "outputEPCList": [OTHER_CARTON, CARTON_URN]}),
                ),
                event(
                    "AggregationEvent",
                    3,
                    14,
                    "packing",
                    json!({"action": "ADD",
                "parentID": PALLET, "childEPCs": [OTHER_CARTON, CARTON]}),
                ),
                event(
                    "ObjectEvent",
                    3,
                    16,
                    "shipping",
                    json!({"action": "OBSERVE", "epcList": [PALLET]}),
                ),
            ],
        ),
    ];
    for (key, events) in parts {
        let job = app
            .capture(key, "application/ld+json", &document(events), &[])
            .await
            .unwrap_or_else(|r| panic!("{} {}", r.status, r.body));
        assert_eq!(job["success"], true, "{job}");
    }
    [hatchery, farm, processor]
}

async fn trace(app: &TestApp, key: &str, id: &str, direction: &str) -> Value {
    let reply = app
        .get(
            key,
            &format!("/api/v1/trace/{}?direction={direction}", percent_encode(id)),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

fn identifiers(trace: &Value) -> Vec<&str> {
    trace["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["identifier"].as_str().unwrap())
        .collect()
}

fn node<'a>(trace: &'a Value, identifier: &str) -> &'a Value {
    trace["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["identifier"] == identifier)
        .unwrap_or_else(|| panic!("{identifier} not reached: {trace}"))
}

#[tokio::test]
async fn forward_from_the_seed_lot_crosses_three_organisations_to_the_pallet() {
    let app = TestApp::new().await;
    let [(hatchery, key), (farm, _), (processor, _)] = shrimp_chain(&app).await;
    // Started from the element string: any spelling finds the events indexed from others.
    let forward = trace(&app, &key, "(01)08931234560010(10)PL7", "forward").await;
    assert_eq!(forward["start"], SEED);
    assert_eq!(forward["direction"], "forward");
    assert_eq!(forward["truncated"], false);
    let reached = identifiers(&forward);
    for expected in [SEED, POND, FROZEN, CARTON, PALLET] {
        assert!(reached.contains(&expected), "{expected} not in {reached:?}");
    }
    assert_eq!(reached.len(), 6, "{reached:?}");

    let seed = node(&forward, SEED);
    assert_eq!(seed["kind"], "lot");
    assert_eq!(seed["organisations"], json!([hatchery, farm]));
    let shipped = &seed["events"][1];
    assert_eq!(
        shipped["bizStep"],
        "https://ref.gs1.org/cbv/BizStep-shipping"
    );
    assert_eq!(
        shipped["quantity"],
        json!({"amount": 200_000.0, "uom": "H87"})
    );
    assert_eq!(shipped["destinations"][0]["value"], party("8931234560027"));
    assert_eq!(
        seed["events"][2]["bizTransactions"],
        shipped["bizTransactions"]
    );

    let pond = node(&forward, POND);
    assert_eq!(pond["depth"], 1);
    assert_eq!(pond["organisations"], json!([farm, processor]));
    let pallet = node(&forward, PALLET);
    assert_eq!(pallet["kind"], "logistic_unit");
    assert_eq!(pallet["depth"], 4);
    assert_eq!(pallet["events"][1]["owner"], json!(processor));

    let relations: Vec<(&str, &str)> = forward["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["to"].as_str().unwrap(), e["relation"].as_str().unwrap()))
        .collect();
    assert!(
        relations.contains(&(FROZEN, "transformed_into")),
        "{relations:?}"
    );
    assert!(
        relations.contains(&(PALLET, "packed_into")),
        "{relations:?}"
    );
}

#[tokio::test]
async fn back_from_a_carton_serial_reaches_the_seed_lot() {
    let app = TestApp::new().await;
    let [(hatchery, _), _, (_, key)] = shrimp_chain(&app).await;
    let back = trace(&app, &key, CARTON_URN, "back").await;
    assert_eq!(back["start"], CARTON);
    assert_eq!(identifiers(&back), [CARTON, FROZEN, POND, SEED]);
    assert_eq!(node(&back, CARTON)["kind"], "serial");
    let seed = node(&back, SEED);
    assert_eq!(seed["depth"], 3);
    assert_eq!(seed["events"][0]["owner"], json!(hatchery));
    assert_eq!(seed["events"][0]["quantity"]["uom"], "H87");
    let last = back["edges"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["relation"], "made_from");
    assert_eq!(last["quantity"], json!({"amount": 199_500.0, "uom": "H87"}));
}

#[tokio::test]
async fn one_step_of_the_pond_lot_names_its_seed_lot_and_frozen_lot() {
    let app = TestApp::new().await;
    let [(hatchery, key), (farm, _), (processor, _)] = shrimp_chain(&app).await;
    let reply = app
        .get(
            &key,
            &format!("/api/v1/trace/{}/one-step", percent_encode(POND)),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view = reply.json();
    assert_eq!(view["identifier"], POND);
    assert_eq!(view["kind"], "lot");
    assert_eq!(view["organisations"], json!([farm, processor]));
    assert_eq!(view["suppliers"].as_array().unwrap().len(), 1, "{view}");
    let supplier = &view["suppliers"][0];
    assert_eq!(supplier["identifier"], SEED);
    assert_eq!(supplier["relation"], "made_from");
    assert_eq!(supplier["owner"], json!(farm));
    assert_eq!(supplier["organisations"], json!([hatchery, farm]));
    assert_eq!(view["recipients"].as_array().unwrap().len(), 1, "{view}");
    let recipient = &view["recipients"][0];
    assert_eq!(recipient["identifier"], FROZEN);
    assert_eq!(recipient["relation"], "transformed_into");
    assert_eq!(recipient["owner"], json!(processor));
    assert_eq!(
        recipient["quantity"],
        json!({"amount": 1_108.0, "uom": "KGM"})
    );
}

#[tokio::test]
async fn a_cycle_of_transformations_ends() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000014").await;
    let (a, b) = (SEED, POND);
    let events = vec![
        event(
            "TransformationEvent",
            2,
            1,
            "commissioning",
            json!({
            "inputQuantityList": [quantity(a, 1.0, "KGM")], "outputQuantityList": [quantity(b, 1.0, "KGM")]}),
        ),
        event(
            "TransformationEvent",
            2,
            2,
            "commissioning",
            json!({
            "inputQuantityList": [quantity(b, 1.0, "KGM")], "outputQuantityList": [quantity(a, 1.0, "KGM")]}),
        ),
    ];
    let job = app
        .capture(&key, "application/ld+json", &document(events), &[])
        .await
        .unwrap();
    assert_eq!(job["success"], true, "{job}");
    for direction in ["forward", "back"] {
        let walked = trace(&app, &key, a, direction).await;
        assert_eq!(identifiers(&walked), [a, b], "{direction}");
        assert_eq!(walked["edges"].as_array().unwrap().len(), 2, "{direction}");
    }
}

#[tokio::test]
async fn bad_identifiers_directions_and_keys_are_refused_and_unknown_ones_are_404() {
    let app = TestApp::new().await;
    let (_, key) = app.organisation("0300000015").await;
    let bad = app
        .get(
            &key,
            &format!(
                "/api/v1/trace/{}?direction=back",
                percent_encode("urn:epc:id:sgtin:bad")
            ),
            &[],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    let detail = bad.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.starts_with("id: must be a GS1 identifier"),
        "{detail}"
    );
    let bad = app
        .get(&key, "/api/v1/trace/not%20an%20id/one-step", &[])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);

    let path = format!("/api/v1/trace/{}", percent_encode(SEED));
    for (query, rule) in [
        ("", "direction: is required"),
        ("?direction=up", "direction: must be back or forward"),
        (
            "?direction=back&direction=forward",
            "direction: must be given once",
        ),
    ] {
        let reply = app.get(&key, &format!("{path}{query}"), &[]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            reply.json()["detail"].as_str().unwrap().starts_with(rule),
            "{}",
            reply.body
        );
    }

    let unknown = app.get(&key, &format!("{path}?direction=back"), &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert_eq!(
        unknown.json()["detail"],
        format!("identifier {SEED} not found")
    );
    let unknown = app.get(&key, &format!("{path}/one-step"), &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);

    let no_key = app
        .get("nguon_nope", &format!("{path}?direction=back"), &[])
        .await;
    assert_eq!(no_key.status, StatusCode::UNAUTHORIZED);
}

async fn checks(app: &TestApp, key: &str, id: &str) -> Value {
    let reply = app
        .get(
            key,
            &format!("/api/v1/trace/{}/checks", percent_encode(id)),
            &[],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn checks_of_a_sound_chain_only_note_what_cannot_be_compared_and_bad_data_is_reported() {
    let app = TestApp::new().await;
    let [_, (farm, farm_key), _] = shrimp_chain(&app).await;
    let checked = checks(&app, &farm_key, CARTON_URN).await;
    assert_eq!(checked["start"], CARTON);
    let findings = checked["findings"].as_array().unwrap();
    let rules: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    // Pieces of seed into a pond weighed at zero, zero kilograms before harvest, and
    // kilograms into cartons counted in pieces: nothing wrong, nothing to compare.
    assert_eq!(
        rules,
        [
            ("mass_balance.units", "info"),
            ("mass_balance.units", "info"),
            ("mass_balance.units", "info"),
        ],
        "{checked:#}"
    );
    assert!(
        findings[0]["message"]["vi"]
            .as_str()
            .unwrap()
            .contains("Không kiểm tra cân bằng")
    );

    // The farm sends more than it recorded harvesting, and a receipt nobody shipped.
    let extra = vec![
        event(
            "ObjectEvent",
            4,
            6,
            "shipping",
            json!({"action": "OBSERVE", "quantityList": [quantity(FROZEN, 2_000.0, "KGM")]}),
        ),
        event(
            "ObjectEvent",
            4,
            7,
            "receiving",
            json!({"action": "OBSERVE", "quantityList": [quantity(SEED, 10.0, "H87")],
                   "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8931234560027:PO8"}]}),
        ),
    ];
    let job = app
        .capture(&farm_key, "application/ld+json", &document(extra), &[])
        .await
        .unwrap();
    assert_eq!(job["success"], true, "{job}");
    let checked = checks(&app, &farm_key, POND).await;
    let found: Vec<(&str, &str)> = checked["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert!(
        found.contains(&("mass_balance.no_inbound", "warning")),
        "{checked:#}"
    );
    assert!(
        found.contains(&("timeline.receipt_without_shipment", "warning")),
        "{checked:#}"
    );
    let farm_finding = checked["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "mass_balance.no_inbound")
        .unwrap();
    assert!(
        farm_finding["message"]["en"]
            .as_str()
            .unwrap()
            .contains(&farm.to_string())
    );
    assert_eq!(farm_finding["identifiers"], json!([FROZEN]));

    let unknown = app
        .get(
            &farm_key,
            &format!(
                "/api/v1/trace/{}/checks",
                percent_encode("urn:epc:id:sgtin:893123456.0003.NOPE")
            ),
            &[],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    let bad = app.get(&farm_key, "/api/v1/trace/nope/checks", &[]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let no_key = app
        .get(
            "nguon_nope",
            &format!("/api/v1/trace/{}/checks", percent_encode(POND)),
            &[],
        )
        .await;
    assert_eq!(no_key.status, StatusCode::UNAUTHORIZED);
}
