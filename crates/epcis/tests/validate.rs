//! `nguon_epcis::validate`: GS1's own EPCIS 2.0 JSON-LD examples pass, hand-made broken documents
//! each yield exactly the expected issue, and no input makes the validator panic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nguon_epcis::validate::{MAX_ISSUES, ValidationIssue, validate_json_ld, validate_value};
use proptest::prelude::*;
use serde_json::{Value, json};

/// GS1's examples (github.com/gs1/EPCIS at 2b888bef), `JSON/` and `JSON-simple-context/`.
fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/epcis-examples")
}

/// Every `.jsonld` file under `dir`, as paths relative to the examples folder, sorted.
fn jsonld_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "jsonld") {
                let rel = p.strip_prefix(examples_dir()).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// The official examples that the official schema itself rejects, with the issues it raises
/// (event indexes written `[i]`). All are in `JSON-simple-context/`, an older variant of the
/// examples for a "simple" @context that GS1 did not keep in step with the schema: its
/// documents carry a blank-node document `id` (`_:document1`, not a URI), `type` inside sensor
/// elements, `persistentDisposition` on event types the schema does not allow it on, object-valued
/// `sourceList` / `destinationList`, and a numeric or missing `schemaVersion`. Every example in
/// `JSON/` (the set with the normative context) passes.
const KNOWN_INVALID: &[(&str, &[&str])] = &[
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-a.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-b.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-c.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-d.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-e.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-f.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-g.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/AssociationEvent/AssociationEvent-h.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/Example-TransactionEvents-2020_07_03y.jsonld",
        &[
            "epcisBody.eventList[i].destinationList must be an array",
            "epcisBody.eventList[i].sourceList must be an array",
        ],
    ),
    (
        "JSON-simple-context/Example-Type-sourceOrDestination,measurement,bizTransaction.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/Example_9.6.1-ObjectEvent-with-pseudo-SBDH-headers.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/Example_9.6.1-ObjectEvent.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/Example_9.6.1-with-comment.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/Example_9.6.2-ObjectEvent.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/Example_9.6.3-AggregationEvent.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/Example_9.6.4-TransformationEvent.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/PersistentDisposition-example.jsonld",
        &[
            "epcisBody.eventList[i].id is not allowed in an AggregationEvent",
            "epcisBody.eventList[i].persistentDisposition is not allowed in an AggregationEvent",
            "id must be a URI",
        ],
    ),
    (
        "JSON-simple-context/WithDigitalLinkID/Example_9.6.1-ObjectEventWithDigitalLink.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithDigitalLinkID/Example_9.6.2-ObjectEventWithDigitalLink.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithDigitalLinkID/Example_9.6.3-AggregationEventWithDigitalLink.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithDigitalLinkID/Example_9.6.4-TransformationEventWithDigitalLink.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithErrorDeclaration/ErrorDeclarationAndCorrectiveEvent.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithErrorDeclaration/Example_9.6.1-ObjectEvent-with-error-declaration.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithFullCombinationOfFields/aggregation_event_all_possible_fields.jsonld",
        &[
            "epcisBody.eventList[i].persistentDisposition is not allowed in an AggregationEvent",
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
        ],
    ),
    (
        "JSON-simple-context/WithFullCombinationOfFields/association_event_all_possible_fields.jsonld",
        &[
            "epcisBody.eventList[i].persistentDisposition is not allowed in an AssociationEvent",
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
        ],
    ),
    (
        "JSON-simple-context/WithFullCombinationOfFields/object_event_all_possible_fields.jsonld",
        &[
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
        ],
    ),
    (
        "JSON-simple-context/WithFullCombinationOfFields/transaction_event_all_possible_fields.jsonld",
        &[
            "epcisBody.eventList[i].persistentDisposition is not allowed in a TransactionEvent",
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
        ],
    ),
    (
        "JSON-simple-context/WithFullCombinationOfFields/transformation_event_all_possible_fields.jsonld",
        &[
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
        ],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample1.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample10.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample12.jsonld",
        &[
            "creationDate is required",
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
            "schemaVersion is required",
        ],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample13.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample14.jsonld",
        &[
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
        ],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample15.jsonld",
        &[
            "epcisBody.eventList[i].sensorElementList[0].type is not allowed in an epcis:SensorElement",
        ],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample17.jsonld",
        &["id must be a URI", "schemaVersion must be a string"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample1b.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample2.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample3.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample4.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample5.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample6.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample7.jsonld",
        &["id must be a URI"],
    ),
    (
        "JSON-simple-context/WithSensorData/SensorDataExample8.jsonld",
        &["id must be a URI"],
    ),
];

fn normalized(issues: &[ValidationIssue]) -> BTreeSet<String> {
    issues
        .iter()
        .map(|i| {
            let mut path = i.path.clone();
            if let Some(index) = i.event_index {
                path = path.replacen(&format!("eventList[{index}]"), "eventList[i]", 1);
            }
            format!("{path} {}", i.message).trim().to_owned()
        })
        .collect()
}

#[test]
fn official_examples_pass_except_the_listed_ones() {
    let files = jsonld_files(&examples_dir());
    assert!(files.len() >= 90, "examples missing: {}", files.len());
    let mut passed = 0;
    for file in &files {
        let text = std::fs::read_to_string(examples_dir().join(file)).unwrap();
        let result = validate_json_ld(&text);
        match KNOWN_INVALID.iter().find(|(name, _)| name == file) {
            None => {
                assert_eq!(result, Ok(()), "{file} should be valid");
                passed += 1;
            }
            Some((_, expected)) => {
                let issues = result.expect_err(file);
                let want: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
                assert_eq!(normalized(&issues), want, "{file}");
            }
        }
    }
    for (name, _) in KNOWN_INVALID {
        assert!(
            files.iter().any(|f| f == name),
            "{name} is listed but missing"
        );
    }
    assert_eq!(passed, files.len() - KNOWN_INVALID.len());
    // All of the normative-context examples pass.
    assert_eq!(jsonld_files(&examples_dir().join("JSON")).len(), 47);
}

/// A small valid document: an ObjectEvent, a TransformationEvent and an AggregationEvent.
fn valid() -> Value {
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-03-01T08:00:00+07:00",
        "epcisBody": {"eventList": [
            {
                "type": "ObjectEvent",
                "eventTime": "2024-03-01T07:30:00+07:00",
                "eventTimeZoneOffset": "+07:00",
                "action": "OBSERVE",
                "epcList": ["https://id.gs1.org/01/08934567000011/21/1"],
                "bizStep": "shipping",
                "quantityList": [
                    {"epcClass": "https://id.gs1.org/01/08934567000028/10/L1", "quantity": 12.5, "uom": "KGM"}
                ]
            },
            {
                "type": "TransformationEvent",
                "eventTime": "2024-03-01T07:40:00+07:00",
                "eventTimeZoneOffset": "+07:00",
                "inputEPCList": ["https://id.gs1.org/01/08934567000011/21/1"],
                "outputQuantityList": [
                    {"epcClass": "https://id.gs1.org/01/08934567000035/10/L2"}
                ]
            },
            {
                "type": "AggregationEvent",
                "eventTime": "2024-03-01T07:50:00+07:00",
                "eventTimeZoneOffset": "+07:00",
                "action": "ADD",
                "parentID": "https://id.gs1.org/00/089345670000000017",
                "childEPCs": ["https://id.gs1.org/01/08934567000011/21/1"]
            }
        ]}
    })
}

/// `valid()` with the value at `pointer` replaced (or removed when `value` is `None`).
fn broken(pointer: &str, value: Option<Value>) -> Value {
    let mut doc = valid();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = doc.pointer_mut(parent).unwrap();
    match (target, value) {
        (Value::Object(map), Some(v)) => {
            map.insert(key.to_owned(), v);
        }
        (Value::Object(map), None) => {
            map.remove(key);
        }
        (Value::Array(items), Some(v)) => items[key.parse::<usize>().unwrap()] = v,
        _ => panic!("bad pointer {pointer}"),
    }
    doc
}

fn one_issue(doc: &Value) -> ValidationIssue {
    let issues = validate_value(doc).expect_err("should be invalid");
    assert_eq!(issues.len(), 1, "{issues:#?}");
    issues.into_iter().next().unwrap()
}

fn expect(doc: Value, event: Option<usize>, path: &str, message: &str) {
    let issue = one_issue(&doc);
    assert_eq!(
        (
            issue.event_index,
            issue.path.as_str(),
            issue.message.as_str()
        ),
        (event, path, message)
    );
}

const E: &str = "/epcisBody/eventList";

#[test]
fn the_hand_made_valid_document_passes() {
    assert_eq!(validate_value(&valid()), Ok(()));
    assert_eq!(validate_json_ld(&format!("\u{feff}{}", valid())), Ok(()));
}

#[test]
fn a_missing_event_field_is_required() {
    expect(
        broken(&format!("{E}/1/eventTime"), None),
        Some(1),
        "epcisBody.eventList[1].eventTime",
        "is required",
    );
}

#[test]
fn a_missing_document_field_is_document_level() {
    expect(
        broken("/schemaVersion", None),
        None,
        "schemaVersion",
        "is required",
    );
}

#[test]
fn an_unknown_action_must_be_one_of_the_three() {
    expect(
        broken(&format!("{E}/0/action"), Some(json!("MOVE"))),
        Some(0),
        "epcisBody.eventList[0].action",
        "must be one of OBSERVE, ADD, DELETE",
    );
}

#[test]
fn action_is_required_in_an_object_event() {
    expect(
        broken(&format!("{E}/0/action"), None),
        Some(0),
        "epcisBody.eventList[0].action",
        "is required",
    );
}

#[test]
fn action_is_not_allowed_in_a_transformation_event() {
    expect(
        broken(&format!("{E}/1/action"), Some(json!("ADD"))),
        Some(1),
        "epcisBody.eventList[1].action",
        "is not allowed in a TransformationEvent",
    );
}

#[test]
fn event_time_must_be_a_date_time() {
    expect(
        broken(&format!("{E}/2/eventTime"), Some(json!("yesterday"))),
        Some(2),
        "epcisBody.eventList[2].eventTime",
        "must be a date-time (e.g. 2024-01-31T09:30:00+07:00)",
    );
}

#[test]
fn the_time_zone_offset_is_bounded() {
    for bad in ["+15:00", "+14:30", "07:00", "+7:00", "+07:60"] {
        expect(
            broken(&format!("{E}/0/eventTimeZoneOffset"), Some(json!(bad))),
            Some(0),
            "epcisBody.eventList[0].eventTimeZoneOffset",
            "must be a time zone offset ±hh:mm within ±14:00",
        );
    }
    for good in ["+14:00", "-14:00", "-03:30", "+00:00"] {
        let doc = broken(&format!("{E}/0/eventTimeZoneOffset"), Some(json!(good)));
        assert_eq!(validate_value(&doc), Ok(()), "{good}");
    }
}

#[test]
fn an_unknown_business_step_names_the_vocabulary() {
    let issue = one_issue(&broken(&format!("{E}/0/bizStep"), Some(json!("flying"))));
    assert_eq!(issue.event_index, Some(0));
    assert_eq!(issue.path, "epcisBody.eventList[0].bizStep");
    assert!(
        issue.message.starts_with("must be a URI")
            && issue.message.contains("be one of accepting, arriving"),
        "{}",
        issue.message
    );
}

#[test]
fn a_quantity_element_needs_its_class() {
    expect(
        broken(&format!("{E}/0/quantityList/0/epcClass"), None),
        Some(0),
        "epcisBody.eventList[0].quantityList[0].epcClass",
        "is required",
    );
}

#[test]
fn a_quantity_is_not_negative() {
    expect(
        broken(&format!("{E}/0/quantityList/0/quantity"), Some(json!(-5))),
        Some(0),
        "epcisBody.eventList[0].quantityList[0].quantity",
        "must not be negative",
    );
}

#[test]
fn a_unit_needs_a_quantity() {
    expect(
        broken(
            &format!("{E}/1/outputQuantityList/0/uom"),
            Some(json!("KGM")),
        ),
        Some(1),
        "epcisBody.eventList[1].outputQuantityList[0].uom",
        "is only allowed together with quantity",
    );
}

#[test]
fn aggregating_needs_a_parent() {
    expect(
        broken(&format!("{E}/2/parentID"), None),
        Some(2),
        "epcisBody.eventList[2].parentID",
        "is required when action is ADD or DELETE",
    );
}

#[test]
fn wrong_types_are_named() {
    expect(
        broken(
            &format!("{E}/0/epcList"),
            Some(json!("urn:epc:id:sgtin:1.2.3")),
        ),
        Some(0),
        "epcisBody.eventList[0].epcList",
        "must be an array",
    );
}

#[test]
fn query_documents_index_their_result_events() {
    let mut doc = valid();
    let events = doc["epcisBody"]["eventList"].take();
    doc["type"] = json!("EPCISQueryDocument");
    doc["epcisBody"] = json!({"queryResults": {
        "queryName": "SimpleEventQuery",
        "resultsBody": {"eventList": events}
    }});
    assert_eq!(validate_value(&doc), Ok(()));
    doc["epcisBody"]["queryResults"]["resultsBody"]["eventList"][1]["action"] = json!("ADD");
    expect(
        doc,
        Some(1),
        "epcisBody.queryResults.resultsBody.eventList[1].action",
        "is not allowed in a TransformationEvent",
    );
}

#[test]
fn text_that_is_not_json_is_one_document_issue() {
    let issues = validate_json_ld("{\"type\": ").unwrap_err();
    assert_eq!(issues.len(), 1);
    assert_eq!((issues[0].event_index, issues[0].path.as_str()), (None, ""));
    assert!(issues[0].message.starts_with("is not valid JSON"));
}

#[test]
fn a_huge_bad_document_is_capped() {
    let mut doc = valid();
    let bad = json!({"type": "ObjectEvent", "action": "MOVE"});
    doc["epcisBody"]["eventList"] = Value::Array(vec![bad; 5000]);
    let issues = validate_value(&doc).unwrap_err();
    assert_eq!(issues.len(), MAX_ISSUES);
    assert_eq!(issues[0].event_index, Some(0));
}

/// Any JSON value, nested a few levels, with EPCIS-looking names and values mixed in so the
/// validator gets past the first checks.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop_oneof![
            Just("EPCISDocument".to_owned()),
            Just("EPCISQueryDocument".to_owned()),
            Just("ObjectEvent".to_owned()),
            Just("TransformationEvent".to_owned()),
            Just("AggregationEvent".to_owned()),
            Just("ADD".to_owned()),
            Just("+07:00".to_owned()),
            ".*",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type".to_owned()),
                        Just("epcisBody".to_owned()),
                        Just("eventList".to_owned()),
                        Just("queryResults".to_owned()),
                        Just("resultsBody".to_owned()),
                        Just("action".to_owned()),
                        Just("quantityList".to_owned()),
                        Just("quantity".to_owned()),
                        Just("uom".to_owned()),
                        "[a-z~/.\\[\\]]{0,6}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn random_json_never_panics(doc in arb_json()) {
        let result = validate_value(&doc);
        if let Err(issues) = result {
            prop_assert!(!issues.is_empty() && issues.len() <= MAX_ISSUES);
        }
    }

    #[test]
    fn random_text_never_panics(text in ".{0,200}") {
        let _ = validate_json_ld(&text);
    }
}
