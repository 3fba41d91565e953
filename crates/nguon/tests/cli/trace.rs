//! `nguon trace`: the genealogy from a database prepared through the store, as a tree and as
//! JSON; unknown and malformed identifiers fail with the reason.

use nguon_domain::{
    Actor, NewOrganisation, OrganisationId, OrganisationKind, OrganisationName, TaxCode,
};
use nguon_gs1::PrefixLengths;
use nguon_store::Store;
use nguon_store_sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::support::{nguon, run};

pub(crate) const SEED: &str = "https://id.gs1.org/01/08931234560010/10/PL9";
pub(crate) const POND: &str = "https://id.gs1.org/01/08931234560027/10/AO9";
pub(crate) const FROZEN: &str = "https://id.gs1.org/01/08931234560034/10/F9";
pub(crate) const CARTON: &str = "https://id.gs1.org/01/08931234560034/21/C9-1";
pub(crate) const PALLET: &str = "https://id.gs1.org/00/089312345600000096";

/// An event of the fixture's day, as JSON-LD.
pub(crate) fn event(kind: &str, hour: u8, biz_step: &str, fields: Value) -> Value {
    let mut event = json!({
        "type": kind,
        "eventTime": format!("2026-02-01T{hour:02}:00:00+07:00"),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": biz_step,
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    });
    event
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().cloned().unwrap());
    event
}

fn kilograms(class: &str, amount: f64) -> Value {
    json!({"epcClass": class, "quantity": amount, "uom": "KGM"})
}

/// A farm that grows a pond lot from a seed lot and a processor that freezes, cartons and
/// palletises it, appended straight into `path`.
pub(crate) async fn prepare(path: &std::path::Path) {
    let store = SqliteStore::open(path).await.expect("open store");
    prepare_in(&store).await;
    store.close().await;
}

/// [`prepare`] into any store; the farm's and the processor's ids.
pub(crate) async fn prepare_in(store: &dyn Store) -> (OrganisationId, OrganisationId) {
    let mut owners: Vec<OrganisationId> = Vec::new();
    for (name, tax_code) in [
        ("Trại tôm Cà Mau", "0300000021"),
        ("Chế biến Sóc Trăng", "0300000022"),
    ] {
        let new = NewOrganisation::new(
            OrganisationKind::Enterprise,
            OrganisationName::parse(name).unwrap(),
            TaxCode::parse(tax_code).unwrap(),
        )
        .unwrap();
        owners.push(
            store
                .create_organisation(&new, Actor::Cli)
                .await
                .unwrap()
                .id,
        );
    }
    let (farm, processor) = (owners[0], owners[1]);
    let chain = [
        (
            farm,
            event(
                "TransformationEvent",
                1,
                "commissioning",
                json!({
            "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:893123456.0001.PL9", "quantity": 50_000.0, "uom": "H87"}],
            "outputQuantityList": [kilograms(POND, 900.0)]}),
            ),
        ),
        (
            farm,
            event(
                "ObjectEvent",
                2,
                "shipping",
                json!({"action": "OBSERVE", "quantityList": [kilograms(POND, 900.0)]}),
            ),
        ),
        (
            processor,
            event(
                "ObjectEvent",
                3,
                "receiving",
                json!({"action": "OBSERVE", "quantityList": [kilograms(POND, 895.0)]}),
            ),
        ),
        (
            processor,
            event(
                "TransformationEvent",
                4,
                "commissioning",
                json!({
            "inputQuantityList": [kilograms(POND, 895.0)], "outputQuantityList": [kilograms(FROZEN, 550.0)]}),
            ),
        ),
        (
            processor,
            event(
                "TransformationEvent",
                5,
                "packing",
                json!({
            "inputQuantityList": [kilograms(FROZEN, 10.0)], "outputEPCList": [CARTON]}),
            ),
        ),
        (
            processor,
            event(
                "AggregationEvent",
                6,
                "packing",
                json!({
            "action": "ADD", "parentID": PALLET, "childEPCs": [CARTON]}),
            ),
        ),
    ];
    append(store, chain).await;
    (farm, processor)
}

/// Stores each JSON-LD event as its owner's, through the store.
pub(crate) async fn append(
    store: &dyn Store,
    events: impl IntoIterator<Item = (OrganisationId, Value)>,
) {
    let events: Vec<_> = events
        .into_iter()
        .map(|(owner, body)| {
            let event = nguon_epcis::json_ld::read_event(&body.to_string()).expect("valid event");
            nguon_web::epcis::index::new_event(owner, &event, None, &PrefixLengths::builtin())
                .expect("indexable event")
        })
        .collect();
    store.append_events(&events).await.expect("append");
}

fn trace(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut command = nguon(dir);
    command
        .arg("trace")
        .args(args)
        .args(["--database", "sqlite://chain.db"]);
    let (status, stdout, stderr) = run(command);
    (status.code(), stdout, stderr)
}

#[test]
fn forward_from_the_seed_lot_prints_the_tree_and_the_json() {
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(prepare(&dir.path().join("chain.db")));

    let (code, stdout, stderr) = trace(dir.path(), &["(01)08931234560010(10)PL9", "--forward"]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("{SEED} [lot]"), "{stdout}");
    assert_eq!(
        lines[1], "    2026-01-31T18:00:00Z  commissioning  Trại tôm Cà Mau  50000 H87",
        "{stdout}"
    );
    for expected in [
        format!("  transformed into {POND} [lot]"),
        "      2026-01-31T20:00:00Z  receiving  Chế biến Sóc Trăng  895 KGM".to_owned(),
        format!("    transformed into {FROZEN} [lot]"),
        format!("      transformed into {CARTON} [serial]"),
        format!("        packed into {PALLET} [logistic_unit]"),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "{expected:?} not in:\n{stdout}"
        );
    }

    let (code, stdout, stderr) = trace(dir.path(), &[SEED, "--forward", "--format", "json"]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("stdout is one JSON document");
    assert_eq!(json["direction"], "forward");
    let reached: Vec<&str> = json["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(reached, [SEED, POND, FROZEN, CARTON, PALLET]);

    let (code, stdout, _) = trace(dir.path(), &[PALLET, "--back", "--format", "json"]);
    assert_eq!(code, Some(0));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json["nodes"].as_array().unwrap().last().unwrap()["identifier"],
        SEED
    );
}

#[test]
fn unknown_and_malformed_identifiers_fail_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = trace(
        dir.path(),
        &["https://id.gs1.org/01/08931234560010/10/NONE", "--back"],
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("no event names https://id.gs1.org/01/08931234560010/10/NONE"),
        "{stderr}"
    );
    let (code, _, stderr) = trace(dir.path(), &["urn:epc:id:sgtin:bad", "--back"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("ID \"urn:epc:id:sgtin:bad\": must be a GS1 identifier"),
        "{stderr}"
    );
    let (code, _, stderr) = trace(dir.path(), &[SEED]);
    assert_eq!(
        code,
        Some(2),
        "one of --back and --forward is required: {stderr}"
    );
}

#[test]
fn checks_print_the_findings_in_vietnamese_and_english_or_as_json() {
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(prepare(&dir.path().join("chain.db")));

    let (code, stdout, stderr) = trace(dir.path(), &[POND, "--checks"]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    // The farm grew the pond lot from a seed lot it never recorded receiving.
    for expected in [
        "warning  link.no_origin",
        "    Không có sự kiện tạo ra, thu hoạch hay tiếp nhận: thiếu thông tin một bước trước.",
        "    No event creates, harvests or receives it: one step back is missing.",
        &format!("    identifier {SEED}"),
        "info  link.no_destination",
    ] {
        assert!(
            stdout.lines().any(|line| line == expected),
            "{expected:?} not in:\n{stdout}"
        );
    }

    let (code, stdout, stderr) = trace(dir.path(), &[POND, "--checks", "--format", "json"]);
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("stdout is one JSON document");
    assert_eq!(json["start"], POND);
    assert_eq!(json["findings"][0]["severity"], "warning", "{json:#}");

    let (code, _, stderr) = trace(dir.path(), &[POND, "--checks", "--back"]);
    assert_eq!(code, Some(2), "--checks walks both ways: {stderr}");
}
