//! `nguon_epcis::json_ld`: GS1's EPCIS 2.0 JSON-LD examples and the event-hash oracle documents
//! survive read → write → read unchanged, still validate and still hash the same (as documents
//! and event by event); every accepted spelling of a value reads as one model value; broken input
//! gives issues that name the event and the field.
//!
//! CBV 1.x URNs (`urn:epcglobal:cbv:bizstep:shipping`) are refused by the official JSON Schema,
//! which the reader applies first, so the spellings compared here are the bare word, the `cbv:`
//! compact IRI and the web URI.

use std::fs;
use std::path::{Path, PathBuf};

use nguon_epcis::hash::{Format, event_hashes, hash_event_json};
use nguon_epcis::json_ld::{
    Lineage, WriteOptions, read_document, read_event, read_stored_event, read_stored_lineage,
    write_document, write_event,
};
use nguon_epcis::model::{Document, DocumentKind, EpcFormat, EventBody, ExtensionValue, QName};
use nguon_epcis::validate::{ValidationIssue, validate_value};
use nguon_gs1::PrefixLengths;
use serde_json::{Value, json};

/// Files the reader rejects, with why; only files that are themselves invalid belong here.
const REJECTED: [(&str, &str); 0] = [];

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn jsonld_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            jsonld_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "jsonld") {
            out.push(path);
        }
    }
}

/// Every GS1 example in `epcis-examples/JSON` and every JSON-LD hash oracle document.
fn corpus() -> Vec<(String, String)> {
    let mut files = Vec::new();
    jsonld_files(&data().join("epcis-examples/JSON"), &mut files);
    jsonld_files(&data().join("event-hash"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(data())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn options(epc_format: EpcFormat, lengths: &PrefixLengths) -> WriteOptions<'_> {
    WriteOptions {
        epc_format,
        prefix_lengths: lengths,
    }
}

/// The documents of the corpus the reader accepts, checking the rejected ones are exactly those
/// listed.
fn read_corpus() -> Vec<(String, String, Document)> {
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    for (name, text) in corpus() {
        match read_document(&text) {
            Ok(document) => accepted.push((name, text, document)),
            Err(issues) => rejected.push((name, issues)),
        }
    }
    let names: Vec<&str> = rejected.iter().map(|(name, _)| name.as_str()).collect();
    let listed: Vec<&str> = REJECTED.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, listed, "{rejected:#?}");
    assert_eq!(accepted.len(), 47 + 22 - REJECTED.len());
    accepted
}

#[test]
fn documents_round_trip_valid_with_the_same_hashes() {
    let lengths = PrefixLengths::builtin();
    let mut events = 0;
    for (name, text, document) in read_corpus() {
        let written = write_document(&document, &options(EpcFormat::NoPreference, &lengths));
        assert_eq!(validate_value(&written), Ok(()), "{name}: {written:#}");
        let written_text = written.to_string();
        let before = event_hashes(&text, Format::JsonLd).unwrap();
        let after = event_hashes(&written_text, Format::JsonLd).unwrap();
        assert_eq!(before, after, "{name}: {written:#}");
        assert_eq!(before.len(), document.events.len(), "{name}");
        let again = read_document(&written_text).unwrap_or_else(|e| panic!("{name}: {e:#?}"));
        assert_eq!(again, document, "{name}");
        events += before.len();
    }
    assert_eq!(events, 99);
}

#[test]
fn events_round_trip_one_by_one_with_the_same_hashes() {
    let lengths = PrefixLengths::builtin();
    for (name, text, document) in read_corpus() {
        let original: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        let body = &original["epcisBody"];
        let list = body["eventList"]
            .as_array()
            .or_else(|| body["queryResults"]["resultsBody"]["eventList"].as_array())
            .unwrap();
        for (index, (event, source)) in document.events.iter().zip(list).enumerate() {
            let written = write_event(event, &options(EpcFormat::NoPreference, &lengths));
            assert_eq!(
                validate_value(&written),
                Ok(()),
                "{name}[{index}]: {written:#}"
            );
            let expected = hash_event_json(source, original.get("@context")).unwrap();
            let hash = hash_event_json(&written, written.get("@context")).unwrap();
            assert_eq!(hash, expected, "{name}[{index}]: {written:#}");
            let again = read_event(&written.to_string())
                .unwrap_or_else(|e| panic!("{name}[{index}]: {e:#?}"));
            assert_eq!(&again, event, "{name}[{index}]");
        }
    }
}

#[test]
fn the_stored_lineage_of_every_event_is_what_the_whole_event_holds() {
    let lengths = PrefixLengths::builtin();
    let (mut typed, mut quantities) = (0, 0);
    for (name, _, document) in read_corpus() {
        for (index, event) in document.events.iter().enumerate() {
            // As a repository stores it (`nguon_web::epcis::index::new_event`).
            let stored = write_event(event, &options(EpcFormat::NeverTranslates, &lengths));
            let stored = stored.to_string();
            let whole =
                read_stored_event(&stored).unwrap_or_else(|e| panic!("{name}[{index}]: {e:#?}"));
            let expected = Lineage::of(&whole);
            let lineage =
                read_stored_lineage(&stored).unwrap_or_else(|e| panic!("{name}[{index}]: {e}"));
            assert_eq!(lineage, expected, "{name}[{index}]: {stored}");
            typed += expected.biz_transaction_list.len()
                + expected.source_list.len()
                + expected.destination_list.len();
            quantities += expected.quantities.len();
        }
    }
    // The corpus has typed values and quantities enough for the comparison to mean something.
    assert!(
        typed >= 50 && quantities >= 20,
        "{typed} typed values, {quantities} quantities"
    );
}

#[test]
fn a_stored_lineage_expands_the_prefixes_of_its_own_context() {
    let stored = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://example.com/vn/"}],
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": "2026-03-01T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "quantityList": [{"epcClass": "ex:lot-7", "quantity": 12.50, "uom": "KGM"}],
        "sourceList": [{"type": "ex:collector", "source": "ex:party-1"}],
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8930000000015:1"}],
    })
    .to_string();
    let whole = read_stored_event(&stored).unwrap();
    let lineage = read_stored_lineage(&stored).unwrap();
    assert_eq!(lineage.source_list, whole.source_list);
    assert_eq!(
        lineage.source_list[0].value,
        "https://example.com/vn/party-1"
    );
    assert_eq!(
        lineage.source_list[0].kind.as_deref(),
        Some("https://example.com/vn/collector")
    );
    assert_eq!(
        lineage.biz_transaction_list[0].kind.as_deref(),
        Some("https://ref.gs1.org/cbv/BTT-po")
    );
    assert_eq!(
        lineage.quantities[0].epc_class,
        "https://example.com/vn/lot-7"
    );
    assert_eq!(lineage.quantities[0].quantity.as_deref(), Some("12.5"));
    assert!(
        read_stored_lineage("{\"sourceList\": 3}")
            .unwrap_err()
            .contains("invalid type")
    );
}

/// A one-event document with the given event fields added.
fn document_with(fields: Value) -> String {
    let mut event = json!({
        "type": "ObjectEvent",
        "eventTime": "2024-03-01T07:30:00.250+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"]
    });
    for (key, value) in fields.as_object().unwrap() {
        event[key] = value.clone();
    }
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"ex": "https://ns.example.com/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-03-01T08:00:00+07:00",
        "epcisBody": {"eventList": [event]}
    })
    .to_string()
}

#[test]
fn a_context_prefix_keeps_its_name_when_the_document_aliases_its_namespace() {
    // Found by fuzzing: `rdfs:` comes from the EPCIS context, and the document binds the same
    // namespace to `dfsr`. Writing the key as `dfsr:…` moved it among the (sorted) extensions
    // and changed how the event hash reads it.
    let text = document_with(json!({
        "rdfs:label": "Lô tôm A07",
        "ex:pond": "Ao 7"
    }))
    .replace(
        r#"{"ex":"https://ns.example.com/epcis/"}"#,
        r#"{"ex":"https://ns.example.com/epcis/","dfsr":"http://www.w3.org/2000/01/rdf-schema#"}"#,
    );
    assert!(text.contains("dfsr"), "the alias is declared: {text}");
    let document = read_document(&text).unwrap();
    let lengths = PrefixLengths::builtin();
    let written =
        write_document(&document, &options(EpcFormat::NoPreference, &lengths)).to_string();
    assert!(written.contains(r#""rdfs:label""#), "{written}");
    assert_eq!(read_document(&written).unwrap(), document);
    let hashes = |text: &str| -> Vec<String> {
        event_hashes(text, Format::JsonLd)
            .unwrap()
            .into_iter()
            .map(|h| h.hash)
            .collect()
    };
    assert_eq!(hashes(&written), hashes(&text));
}

#[test]
fn every_spelling_of_a_cbv_value_reads_as_one_uri() {
    let spellings = [
        json!({"bizStep": "shipping", "disposition": "in_transit",
               "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:0614141.00000"}],
               "errorDeclaration": {"declarationTime": "2024-03-02T00:00:00Z", "reason": "incorrect_data"}}),
        json!({"bizStep": "cbv:BizStep-shipping",
               "disposition": "cbv:Disp-in_transit",
               "sourceList": [{"type": "cbv:SDT-owning_party",
                               "source": "urn:epc:id:pgln:0614141.00000"}],
               "errorDeclaration": {"declarationTime": "2024-03-02T00:00:00Z",
                                    "reason": "cbv:ER-incorrect_data"}}),
        json!({"bizStep": "https://ref.gs1.org/cbv/BizStep-shipping",
               "disposition": "https://ref.gs1.org/cbv/Disp-in_transit",
               "sourceList": [{"type": "https://ref.gs1.org/cbv/SDT-owning_party",
                               "source": "urn:epc:id:pgln:0614141.00000"}],
               "errorDeclaration": {"declarationTime": "2024-03-02T00:00:00Z",
                                    "reason": "https://ref.gs1.org/cbv/ER-incorrect_data"}}),
        json!({"bizStep": "urn:epcglobal:cbv:bizstep:shipping",
               "disposition": "urn:epcglobal:cbv:disp:in_transit",
               "sourceList": [{"type": "urn:epcglobal:cbv:sdt:owning_party",
                               "source": "urn:epc:id:pgln:0614141.00000"}],
               "errorDeclaration": {"declarationTime": "2024-03-02T00:00:00Z",
                                    "reason": "urn:epcglobal:cbv:er:incorrect_data"}}),
    ];
    let documents: Vec<Document> = spellings
        .into_iter()
        .map(|fields| read_document(&document_with(fields)).unwrap())
        .collect();
    let event = &documents[0].events[0];
    assert_eq!(
        event.biz_step.as_deref(),
        Some("https://ref.gs1.org/cbv/BizStep-shipping")
    );
    assert_eq!(
        event.source_list[0].kind.as_deref(),
        Some("https://ref.gs1.org/cbv/SDT-owning_party")
    );
    assert!(documents.iter().all(|d| d == &documents[0]));
    let lengths = PrefixLengths::builtin();
    let written = write_event(event, &options(EpcFormat::NoPreference, &lengths));
    assert_eq!(written["bizStep"], "shipping");
    assert_eq!(written["disposition"], "in_transit");
    assert_eq!(written["sourceList"][0]["type"], "owning_party");
    assert_eq!(written["errorDeclaration"]["reason"], "incorrect_data");
    assert_eq!(written["eventTime"], "2024-03-01T07:30:00.250+07:00");
    // A CBV URN that names no standard value is still refused, as the official schema says.
    let found = issues(&document_with(
        json!({"bizStep": "urn:epcglobal:cbv:bizstep:shippin"}),
    ));
    assert_eq!(
        found
            .iter()
            .map(|(e, p, _)| (*e, p.as_str()))
            .collect::<Vec<_>>(),
        [(Some(0), "epcisBody.eventList[0].bizStep")]
    );
}

#[test]
fn identifiers_are_kept_as_written_and_translated_on_request() {
    let urn = "urn:epc:id:sgtin:0614141.107346.2017";
    let link = "https://id.gs1.org/01/10614141073464/21/2017";
    let lengths = PrefixLengths::builtin();
    let read = |epc: &str| {
        let document = read_document(&document_with(json!({"epcList": [epc]}))).unwrap();
        document.events.into_iter().next().unwrap()
    };
    let (from_urn, from_link) = (read(urn), read(link));
    for (event, written_as) in [(&from_urn, urn), (&from_link, link)] {
        let EventBody::Object { epc_list, .. } = &event.body else {
            panic!("{event:?}");
        };
        assert_eq!(epc_list, &[written_as]);
        for (format, expected) in [
            (EpcFormat::AlwaysDigitalLink, link),
            (EpcFormat::AlwaysEpcUrn, urn),
            (EpcFormat::NeverTranslates, written_as),
        ] {
            let written = write_event(event, &options(format, &lengths));
            assert_eq!(written["epcList"], json!([expected]), "{format:?}");
            assert_eq!(validate_value(&written), Ok(()));
        }
    }
    // Translation changes the spelling, not the event: the hash stays.
    let urn_hash = hash_event_json(
        &write_event(&from_urn, &options(EpcFormat::NoPreference, &lengths)),
        None,
    );
    let translated = write_event(&from_urn, &options(EpcFormat::AlwaysDigitalLink, &lengths));
    assert_eq!(hash_event_json(&translated, None), urn_hash);
}

#[test]
fn extensions_keep_their_namespaces_and_value_types() {
    let text = document_with(json!({
        "ex:lot": "L1",
        "ex:weight": 12.50,
        "ex:fresh": true,
        "ex:where": {"ex:site": "ex:site-7", "plain": [1, "two", null]},
        "ex:skipped": null,
        "rdfs:comment": "not data"
    }));
    let document = read_document(&text).unwrap();
    assert_eq!(
        document.namespaces,
        [("ex".to_owned(), "https://ns.example.com/epcis/".to_owned())]
    );
    let extensions = &document.events[0].extensions;
    let names: Vec<&str> = extensions.iter().map(|e| e.name.local.as_str()).collect();
    assert_eq!(names, ["fresh", "lot", "weight", "where"]);
    assert!(
        extensions
            .iter()
            .all(|e| e.name.namespace == "https://ns.example.com/epcis/"
                && e.name.prefix.as_deref() == Some("ex"))
    );
    assert_eq!(extensions[0].value, ExtensionValue::Boolean(true));
    assert_eq!(extensions[2].value, ExtensionValue::Number("12.5".into()));
    let ExtensionValue::Fields(fields) = &extensions[3].value else {
        panic!("{extensions:?}");
    };
    assert_eq!(fields[1].name, QName::new("", "plain"));
    assert_eq!(
        fields[1].value,
        ExtensionValue::List(vec![
            ExtensionValue::Number("1".into()),
            ExtensionValue::Text("two".into())
        ])
    );
    // A compact IRI value is expanded as the event hash expands it.
    assert_eq!(
        fields[0].value,
        ExtensionValue::Text("https://ns.example.com/epcis/site-7".into())
    );

    // Alone, the event declares exactly the prefix it uses; a name without one gets `ns1`.
    let lengths = PrefixLengths::builtin();
    let mut event = document.events[0].clone();
    let written = write_event(&event, &options(EpcFormat::NoPreference, &lengths));
    assert_eq!(
        written["@context"],
        json!(["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
               {"ex": "https://ns.example.com/epcis/"}])
    );
    event.extensions[1].name = QName::new("https://other.example/", "lot");
    let written = write_event(&event, &options(EpcFormat::NoPreference, &lengths));
    assert_eq!(written["@context"][1]["ns1"], "https://other.example/");
    assert_eq!(written["ns1:lot"], "L1");
    // Names are written in key order, so the renamed one moves; nothing else changes.
    let mut again = read_event(&written.to_string()).unwrap();
    let by_name =
        |e: &nguon_epcis::model::Extension| (e.name.namespace.clone(), e.name.local.clone());
    again.extensions.sort_by_key(by_name);
    event.extensions.sort_by_key(by_name);
    assert_eq!(again, event);
}

#[test]
fn query_documents_header_and_master_data_round_trip() {
    let query = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"ex": "https://ns.example.com/epcis/", "cbvmda": "urn:epcglobal:cbv:mda:"}],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-03-01T08:00:00Z",
        "epcisBody": {"queryResults": {
            "queryName": "SimpleEventQuery",
            "subscriptionID": "sub-1",
            "ex:ignoreFields": ["ex:hash"],
            "resultsBody": {
                "eventList": [],
                "vocabularyList": [{
                    "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
                    "vocabularyElementList": [{
                        "id": "urn:epc:id:sgln:0614141.00777.0",
                        "attributes": [
                            {"id": "cbvmda:name", "attribute": "Warehouse 7"},
                            {"id": "cbvmda:sst", "attribute": 201},
                            {"id": "ex:address", "attribute": {"ex:city": "Huế"}},
                            {"id": "ex:flag"}
                        ],
                        "children": ["urn:epc:id:sgln:0614141.00777.1"]
                    }]
                }]
            }
        }}
    })
    .to_string();
    let document = read_document(&query).unwrap();
    assert_eq!(
        document.kind,
        DocumentKind::QueryResult {
            query_name: "SimpleEventQuery".into(),
            subscription_id: Some("sub-1".into())
        }
    );
    let element = &document.header.master_data[0].elements[0];
    assert_eq!(element.attributes[0].id, "urn:epcglobal:cbv:mda:name");
    assert_eq!(
        element.attributes[1].value,
        ExtensionValue::Number("201".into())
    );
    assert_eq!(
        element.attributes[3].value,
        ExtensionValue::Text(String::new())
    );
    assert_eq!(element.children, ["urn:epc:id:sgln:0614141.00777.1"]);
    // Document-level extensions stay as written: an `ignoreFields` list names fields.
    assert_eq!(
        document.header.extensions[0].value,
        ExtensionValue::List(vec![ExtensionValue::Text("ex:hash".into())])
    );
    let lengths = PrefixLengths::builtin();
    let written = write_document(&document, &options(EpcFormat::NoPreference, &lengths));
    assert_eq!(validate_value(&written), Ok(()), "{written:#}");
    assert_eq!(read_document(&written.to_string()), Ok(document));

    let capture = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-03-01T08:00:00Z",
        "sender": "urn:epc:id:pgln:0614141.00000",
        "receiver": "urn:epc:id:pgln:0614142.00000",
        "instanceIdentifier": "1234",
        "epcisHeader": {"epcisMasterData": {"vocabularyList": [{
            "type": "urn:epcglobal:epcis:vtype:EPCClass",
            "vocabularyElementList": [{"id": "urn:epc:idpat:sgtin:0614141.107346.*"}]
        }]}},
        "epcisBody": {"eventList": []}
    })
    .to_string();
    let document = read_document(&capture).unwrap();
    assert_eq!(
        document.header.sender.as_deref(),
        Some("urn:epc:id:pgln:0614141.00000")
    );
    assert_eq!(document.header.instance_identifier.as_deref(), Some("1234"));
    let written = write_document(&document, &options(EpcFormat::NoPreference, &lengths));
    assert_eq!(validate_value(&written), Ok(()), "{written:#}");
    assert_eq!(read_document(&written.to_string()), Ok(document));
}

fn issues(text: &str) -> Vec<(Option<usize>, String, String)> {
    let issues: Vec<ValidationIssue> = read_document(text).expect_err("should be refused");
    issues
        .into_iter()
        .map(|i| (i.event_index, i.path, i.message))
        .collect()
}

fn one(event: Option<usize>, path: &str, message: &str) -> Vec<(Option<usize>, String, String)> {
    vec![(event, path.to_owned(), message.to_owned())]
}

#[test]
fn malformed_json_names_line_and_column() {
    let found = issues("{\n  \"type\": \"EPCISDocument\",\n  oops\n}");
    assert_eq!(found.len(), 1);
    let (event, path, message) = &found[0];
    assert_eq!((event, path.as_str()), (&None, ""));
    assert!(message.starts_with("is not valid JSON"), "{message}");
    assert!(message.contains("line 3 column 3"), "{message}");
}

#[test]
fn broken_fields_name_the_event_and_the_field() {
    let with = |fields: Value| issues(&document_with(fields));
    let at = |field: &str| format!("epcisBody.eventList[0].{field}");
    assert_eq!(
        with(json!({"ex:batch": "B1", "undeclared:batch": "B2"})),
        one(
            Some(0),
            &at("undeclared:batch"),
            "uses the prefix undeclared:, which no @context in scope declares"
        )
    );
    assert_eq!(
        with(json!({"type": "ex:MyEvent"})),
        one(
            Some(0),
            &at("type"),
            "must be one of ObjectEvent, AggregationEvent, TransactionEvent, \
             TransformationEvent, AssociationEvent"
        )
    );
    assert_eq!(
        with(json!({"eventTimeZoneOffset": "+7:00"})),
        one(
            Some(0),
            &at("eventTimeZoneOffset"),
            "must be a time zone offset ±hh:mm within ±14:00"
        )
    );
    assert_eq!(
        with(json!({"action": "MOVE"})),
        one(
            Some(0),
            &at("action"),
            "must be one of OBSERVE, ADD, DELETE"
        )
    );
    for (fields, field) in [
        (json!({"bizStep": "shipped"}), "bizStep"),
        (
            json!({"disposition": "urn:epcglobal:cbv:disp:lost"}),
            "disposition",
        ),
        (json!({"eventTime": 20240301}), "eventTime"),
        (
            json!({"epcList": "urn:epc:id:sgtin:0614141.107346.2017"}),
            "epcList",
        ),
        (json!({"readPoint": {"ex:x": 1}}), "readPoint.id"),
    ] {
        let found = with(fields.clone());
        assert!(
            found
                .iter()
                .any(|(event, path, _)| *event == Some(0) && path == &at(field)),
            "{fields}: {found:#?}"
        );
    }
    let found = issues("[1, 2]");
    assert!(!found.is_empty());
}

#[test]
fn a_bare_event_reads_with_its_own_context() {
    let event = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"gdst": "https://traceability-dialogue.org/epcis"}],
        "type": "TransformationEvent",
        "eventTime": "2024-03-01T07:30:00Z",
        "eventTimeZoneOffset": "+00:00",
        "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877",
                               "quantity": 200, "uom": "KGM"}],
        "outputEPCList": ["urn:epc:id:sgtin:4012345.011111.1"],
        "gdst:productOwner": "urn:gdst:example.org:party:1"
    });
    let read = read_event(&event.to_string()).unwrap();
    assert_eq!(
        read.extensions[0].name,
        QName::new("https://traceability-dialogue.org/epcis", "productOwner")
    );
    let lengths = PrefixLengths::builtin();
    let written = write_event(&read, &options(EpcFormat::NoPreference, &lengths));
    assert_eq!(written["gdst:productOwner"], "urn:gdst:example.org:party:1");
    assert_eq!(
        hash_event_json(&written, written.get("@context")),
        hash_event_json(&event, event.get("@context"))
    );
    let mut broken = event.clone();
    broken["nonsense"] = json!(1);
    broken["gdst:x"] = json!({"nested:y": 1});
    let issues = read_event(&broken.to_string()).unwrap_err();
    let found: Vec<(Option<usize>, &str)> = issues
        .iter()
        .map(|i| (i.event_index, i.path.as_str()))
        .collect();
    assert!(found.contains(&(None, "nonsense")), "{issues:#?}");
}

/// Reads `text`; when it is accepted, checks that writing it gives a valid document that reads
/// back as the same model.
fn assert_round_trips(text: &str, what: &str) {
    let Ok(document) = read_document(text) else {
        return;
    };
    let lengths = PrefixLengths::builtin();
    let written = write_document(&document, &options(EpcFormat::NoPreference, &lengths));
    assert_eq!(validate_value(&written), Ok(()), "{what}: {written:#}");
    assert_eq!(
        read_document(&written.to_string()).as_ref(),
        Ok(&document),
        "{what}: {written:#}"
    );
}

#[test]
fn odd_contexts_still_round_trip() {
    let text = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"chain": "b:", "b": "https://b.example/", "odd": "not an iri",
                      "ex": "https://ns.example.com/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-03-01T08:00:00Z",
        "epcisBody": {"eventList": [{
            "@context": {"ex": "https://redefined.example/", "own": "https://own.example/"},
            "type": "ObjectEvent",
            "eventTime": "2024-03-01T07:30:00Z",
            "eventTimeZoneOffset": "+00:00",
            "action": "OBSERVE",
            "epcList": ["chain:x", "b:x"],
            "ex:a": "odd:y",
            "own:b": ["chain:z", "b:z"],
            "cbvmda:lotNumber": "L1",
            "b:c": {"ex:d": 1}
        }]}
    })
    .to_string();
    let document = read_document(&text).unwrap();
    let event = &document.events[0];
    let EventBody::Object { epc_list, .. } = &event.body else {
        panic!("{event:?}");
    };
    // `chain:x` would expand into another compact IRI, so it stays as written.
    assert_eq!(epc_list, &["chain:x", "https://b.example/x"]);
    assert_eq!(event.extensions[0].name.namespace, "https://b.example/");
    assert_eq!(event.extensions[1].name.namespace, "urn:epcglobal:cbv:mda:");
    assert_eq!(
        event.extensions[2].name.namespace,
        "https://redefined.example/"
    );
    assert_round_trips(&text, "odd contexts");
    let lengths = PrefixLengths::builtin();
    let written = write_document(&document, &options(EpcFormat::NoPreference, &lengths));
    // Only the prefixes the document does not cover are declared by the event.
    assert_eq!(
        written["epcisBody"]["eventList"][0]["@context"],
        json!({"ex": "https://redefined.example/", "own": "https://own.example/"})
    );
    assert_eq!(
        event_hashes(&text, Format::JsonLd).unwrap(),
        event_hashes(&written.to_string(), Format::JsonLd).unwrap()
    );
    // A compact IRI and its expansion are one EPC, kept once (the schema wants them unique).
    let twice = text.replace(r#""chain:x","b:x""#, r#""b:x","https://b.example/x""#);
    let document = read_document(&twice).unwrap();
    let EventBody::Object { epc_list, .. } = &document.events[0].body else {
        panic!("{document:?}");
    };
    assert_eq!(epc_list, &["https://b.example/x"]);
}

/// Found by fuzzing (`fuzz/corpus/epcis_json_ld/empty-iri-prefix`): a prefix `@context` binds to
/// the empty IRI leaves a name without a namespace, which only an extension value may hold.
#[test]
fn a_prefix_bound_to_the_empty_iri_names_only_nested_fields() {
    let text = |fields: Value| {
        document_with(fields).replace(
            r#"{"ex":"https://ns.example.com/epcis/"}"#,
            r#"{"ex":"https://ns.example.com/epcis/","none":""}"#,
        )
    };
    assert_eq!(
        issues(&text(json!({"none:comment": "x"}))),
        one(
            Some(0),
            "epcisBody.eventList[0].none:comment",
            "uses the prefix none:, which @context binds to an empty IRI; \
             an extension field needs a namespace"
        )
    );
    let nested = text(json!({"ex:a": {"none:b": 1}}));
    let document = read_document(&nested).unwrap();
    let ExtensionValue::Fields(fields) = &document.events[0].extensions[0].value else {
        panic!("{document:?}");
    };
    assert_eq!(
        (
            fields[0].name.namespace.as_str(),
            fields[0].name.local.as_str()
        ),
        ("", "b")
    );
    assert_round_trips(&nested, "a nested name with no namespace");
}

#[test]
fn damaged_examples_never_panic_and_accepted_ones_round_trip() {
    for (name, text) in corpus() {
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let step = (boundaries.len() / 80).max(1);
        for &at in boundaries.iter().step_by(step) {
            let mut damaged = text.clone();
            damaged.remove(at);
            assert_round_trips(&damaged, &format!("{name} without byte {at}"));
            assert_round_trips(&text[..at], &format!("{name} cut at {at}"));
        }
    }
}
