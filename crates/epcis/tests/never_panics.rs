//! Any input gives a hash or an error, never a panic: arbitrary text, damaged copies of the
//! oracle documents, and random JSON events built from EPCIS field names.

use std::path::Path;

use nguon_epcis::hash::{Format, event_hashes, hash_event_json};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn examples() -> Vec<String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/event-hash/examples");
    let mut documents: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "jsonld" || ext == "xml")
        })
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    documents.sort();
    documents
}

/// Field names and values that reach the interesting branches of the readers.
const NAMES: &[&str] = &[
    "type",
    "eventTime",
    "eventTimeZoneOffset",
    "epcList",
    "childEPCs",
    "quantityList",
    "epcClass",
    "quantity",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "set",
    "readPoint",
    "id",
    "bizTransactionList",
    "bizTransaction",
    "sourceList",
    "source",
    "sensorElementList",
    "sensorMetadata",
    "sensorReport",
    "time",
    "value",
    "component",
    "ilmd",
    "errorDeclaration",
    "@context",
    "ex:a",
    "ex:List",
    "comment",
];
const VALUES: &[&str] = &[
    "urn:epc:id:sgtin:0614141.107346.2017",
    "https://example.com/01/09506000134352/21/1?x",
    "2024-05-01T08:30:00.9999+14:00",
    "shipping",
    "gs1:Temperature",
    "ex:b",
    "1e308",
    "1e309",
    "-0.000",
    "x",
    "urn:epcglobal:cbv:disp:in_transit",
    "urn:epc:id:upui:1234567.098765.%",
    "urn:epc:id:pgln:1.",
    "",
    "%",
    "ex:",
    ":",
    "https://",
    "9999-12-31T23:59:59.9995-14:00",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<i64>().prop_map(Value::from),
        proptest::sample::select(VALUES).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((proptest::sample::select(NAMES), inner), 0..6).prop_map(
                |members| {
                    Value::Object(
                        members
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect::<Map<_, _>>(),
                    )
                }
            ),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = event_hashes(&text, Format::JsonLd);
        let _ = event_hashes(&text, Format::Xml);
        let _ = event_hashes(&text, Format::detect(&text));
    }

    #[test]
    fn damaged_documents_never_panic(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        insert in ".{0,8}",
    ) {
        let documents = examples();
        let document = &documents[which.index(documents.len())];
        let mut start = at.index(document.len());
        while !document.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (start + cut).min(document.len());
        while !document.is_char_boundary(end) {
            end += 1;
        }
        let damaged = format!("{}{insert}{}", &document[..start], &document[end..]);
        let _ = event_hashes(&damaged, Format::detect(&damaged));
    }

    #[test]
    fn random_json_events_never_panic(mut event in json_value(), context in json_value()) {
        let _ = hash_event_json(&event, Some(&context));
        if let Value::Object(members) = &mut event {
            members.insert("type".into(), Value::from("ObjectEvent"));
            members.insert("eventTime".into(), Value::from("2020-01-01T00:00:00Z"));
        }
        let _ = hash_event_json(&event, Some(&context));
    }
}

#[test]
fn very_deep_documents_are_refused_not_overflowed() {
    let mut xml = String::from("<d><EventList><ObjectEvent>");
    xml.push_str(&"<x:a xmlns:x=\"urn:x\">".repeat(2000));
    xml.push_str(&"</x:a>".repeat(2000));
    xml.push_str("</ObjectEvent></EventList></d>");
    assert!(event_hashes(&xml, Format::Xml).is_err());

    let mut event = Value::from("leaf");
    for _ in 0..2000 {
        let mut members = Map::new();
        members.insert("ex:a".into(), event);
        event = Value::Object(members);
    }
    let mut members = Map::new();
    members.insert("type".into(), Value::from("ObjectEvent"));
    members.insert("ex:deep".into(), event);
    assert!(hash_event_json(&Value::Object(members), None).is_err());
}
