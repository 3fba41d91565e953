//! The XML reader and writer against GS1's XML examples (`tests/data/epcis-examples/XML`) and the
//! event-hash oracles' XML documents (`tests/data/event-hash`): every document reads, writes as
//! EPCIS 2.0 XML whose events hash exactly as the input's, and reads back into the same model.
//! The CBV 2.0 event hash is the oracle because it sees every field a reader could lose.

use std::fs;
use std::path::{Path, PathBuf};

use nguon_epcis::hash::{Format, HashError, event_hashes};
use nguon_epcis::model::{CbvXmlFormat, Document, EpcFormat, Event, ExtensionValue};
use nguon_epcis::validate::ValidationIssue;
use nguon_epcis::xml::{WriteOptions, read_document, write_document};
use nguon_gs1::PrefixLengths;

/// Files that are not EPCIS documents as the XSD defines them, with the reason; each must be
/// refused.
const REJECTED: [(&str, &str); 6] = [
    (
        "epcis-examples/XML/WithSensorData/SensorDataExamples.xml",
        "events 12 and 13 have the bizStep https://ref.gs1.org/cbv/Bizstep-sensor_reporting \
         (capital S), which is no CBV value; the hash oracles' copy of the file has it right",
    ),
    (
        "epcis-examples/XML/CaptureJob/Example-CaptureJobRunning.xml",
        "an EPCISCaptureJob status document, not an EPCIS document",
    ),
    (
        "epcis-examples/XML/CaptureJob/Example-CaptureJobSuccess.xml",
        "an EPCISCaptureJob status document, not an EPCIS document",
    ),
    (
        "epcis-examples/XML/CaptureJob/Example-CaptureJobWithErrorFile.xml",
        "an EPCISCaptureJob status document, not an EPCIS document",
    ),
    (
        "epcis-examples/XML/CaptureJob/Example-CaptureJobWithErrors.xml",
        "an EPCISCaptureJob status document, not an EPCIS document",
    ),
    (
        "event-hash/examples/epcisXmlQueryDocHavingEventWithIgnoreFields.xml",
        "queryName and resultsBody directly under the root instead of in \
         EPCISBody/QueryResults",
    ),
];

/// Pre-hash parts that the input has and the written document cannot: `<quantity xsi:nil="true"/>`
/// reads as "no quantity", as JSON-LD has it, but the hash counts the XML attribute. For these
/// files the written pre-hash must equal the input's with exactly this part taken out.
const NIL_QUANTITY: (&str, &str) = (
    "epcis-examples/XML/WithErrorDeclaration/ErrorDeclarationAndCorrectiveEvent.xml",
    "inputQuantityListquantityElementquantity{http://www.w3.org/2001/XMLSchema-instance}nil=true",
);

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn xml_files(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            xml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "xml") {
            out.push(path);
        }
    }
}

/// Every XML document under test, named relative to `tests/data`.
fn documents() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for folder in [
        "epcis-examples/XML",
        "event-hash/examples",
        "event-hash/expected_equal",
    ] {
        xml_files(&data().join(folder), &mut files);
    }
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

fn options(epc_format: EpcFormat, cbv_format: CbvXmlFormat) -> WriteOptions<'static> {
    static LENGTHS: std::sync::OnceLock<PrefixLengths> = std::sync::OnceLock::new();
    WriteOptions {
        epc_format,
        cbv_format,
        prefix_lengths: LENGTHS.get_or_init(PrefixLengths::builtin),
    }
}

fn default_options() -> WriteOptions<'static> {
    options(EpcFormat::default(), CbvXmlFormat::default())
}

/// The event hashes of XML text; a document without an event list (master data) has none.
fn hashes(text: &str) -> Result<Vec<(String, String)>, HashError> {
    match event_hashes(text, Format::Xml) {
        Ok(hashes) => Ok(hashes.into_iter().map(|h| (h.hash, h.pre_hash)).collect()),
        Err(HashError::NoEventList(_)) => Ok(Vec::new()),
        Err(error) => Err(error),
    }
}

/// What read → write → read must keep: everything but the namespace list, which the writer may
/// only extend (it declares what it uses), and the schema version, which becomes 2.0.
fn check_round_trip(name: &str, text: &str, first: &Document) -> Vec<String> {
    let mut failures = Vec::new();
    let written = write_document(first, &default_options());
    match (hashes(text), hashes(&written)) {
        (Ok(expected), Ok(ours)) if expected.len() != ours.len() => failures.push(format!(
            "{name}: {} events hashed after writing, {} before",
            ours.len(),
            expected.len()
        )),
        (Ok(expected), Ok(ours)) => {
            for (index, (want, got)) in expected.iter().zip(&ours).enumerate() {
                let explained = name == NIL_QUANTITY.0
                    && want.1.contains(NIL_QUANTITY.1)
                    && want.1.replacen(NIL_QUANTITY.1, "", 1) == got.1;
                if want.0 != got.0 && !explained {
                    failures.push(format!(
                        "{name} event {index}: hash changed\n  input:   {}\n  written: {}",
                        want.1, got.1
                    ));
                }
            }
        }
        (expected, ours) => failures.push(format!(
            "{name}: hashing failed: input {:?}, written {:?}",
            expected.err(),
            ours.err()
        )),
    }
    let second = match read_document(&written) {
        Ok(second) => second,
        Err(issues) => {
            failures.push(format!(
                "{name}: written XML does not read: {issues:?}\n{written}"
            ));
            return failures;
        }
    };
    if second.events != first.events {
        for (index, (a, b)) in first.events.iter().zip(&second.events).enumerate() {
            if a != b {
                failures.push(format!("{name} event {index} changed:\n{a:?}\n{b:?}"));
            }
        }
        if first.events.len() != second.events.len() {
            failures.push(format!("{name}: event count changed"));
        }
    }
    if (&second.kind, &second.header, second.creation_date)
        != (&first.kind, &first.header, first.creation_date)
    {
        failures.push(format!("{name}: kind, header or creation date changed"));
    }
    if second.schema_version != "2.0" {
        failures.push(format!("{name}: written as {}", second.schema_version));
    }
    if let Some(lost) = first
        .namespaces
        .iter()
        .find(|ns| !second.namespaces.contains(ns))
    {
        failures.push(format!("{name}: namespace {lost:?} lost"));
    }
    // From the second reading on, writing is a fixpoint, byte for byte.
    let again = write_document(&second, &default_options());
    if again != written {
        failures.push(format!(
            "{name}: second writing differs\n{written}\n{again}"
        ));
    }
    failures
}

#[test]
fn every_example_round_trips_with_identical_event_hashes() {
    let (mut read, mut events, mut rejected) = (0, 0, 0);
    let mut failures = Vec::new();
    for (name, text) in documents() {
        let result = read_document(&text);
        if let Some((_, reason)) = REJECTED.iter().find(|(file, _)| *file == name) {
            match result {
                Err(issues) => {
                    rejected += 1;
                    eprintln!("{name} refused ({reason}): {}", issues[0]);
                }
                Ok(_) => failures.push(format!("{name} was read, though it is {reason}")),
            }
            continue;
        }
        match result {
            Ok(document) => {
                read += 1;
                events += document.events.len();
                failures.extend(check_round_trip(&name, &text, &document));
            }
            Err(issues) => failures.push(format!("{name}: {issues:#?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{read} documents with {events} events round-tripped, {rejected} refused");
    assert_eq!(rejected, REJECTED.len());
    assert_eq!(read, 58);
    assert_eq!(events, 121);
}

/// An event with its lists in a fixed order: the expected-equal groups differ in list order,
/// which the model keeps (as written) but the hash does not see.
fn sorted(event: &Event) -> String {
    // Times compare as instants; their debug form would show the offset.
    let mut event = event.clone();
    event.event_time = event.event_time.to_offset(time::UtcOffset::UTC);
    let mut lines: Vec<String> = format!("{event:#?}").lines().map(str::to_owned).collect();
    lines.sort();
    lines.join("\n")
}

#[test]
fn expected_equal_groups_read_into_one_model() {
    // Decimal literals are kept as written (`1` vs `1.0`), so this group differs in the model and
    // agrees only in the hash.
    const LITERALS_DIFFER: &str = "numberPrecision.xml";
    let folder = data().join("event-hash/expected_equal");
    let mut files = Vec::new();
    xml_files(&folder, &mut files);
    assert!(files.len() >= 10);
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&file).unwrap();
        // These are EPCIS 1.2 documents (namespace urn:epcglobal:epcis:xsd:1).
        assert!(text.contains("urn:epcglobal:epcis:xsd:1"), "{name}");
        let document = read_document(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let first = sorted(&document.events[0]);
        let all_equal = document.events.iter().all(|event| sorted(event) == first);
        assert_eq!(all_equal, name != LITERALS_DIFFER, "{name}");
    }
}

const EPCIS_2_OBJECT: &str = r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"
    xmlns:ex="https://ns.example.com/epcis/" schemaVersion="2.0"
    creationDate="2024-05-01T08:30:00+07:00">
  <EPCISBody><EventList>
    <ObjectEvent>
      <eventTime>2024-05-01T08:30:00.250+07:00</eventTime>
      <eventTimeZoneOffset>+07:00</eventTimeZoneOffset>
      <eventID>urn:uuid:7c8ad2a6-0f3c-4c62-9d0c-2f8f1b1a1b1a</eventID>
      <errorDeclaration>
        <declarationTime>2024-05-02T08:30:00+07:00</declarationTime>
        <reason>urn:epcglobal:cbv:er:incorrect_data</reason>
      </errorDeclaration>
      <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList>
      <action>ADD</action>
      <bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>
      <disposition>urn:epcglobal:cbv:disp:active</disposition>
      <readPoint><id>urn:epc:id:sgln:0614141.07346.1234</id></readPoint>
      <quantityList><quantityElement>
        <epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass>
        <quantity>200.5</quantity><uom>KGM</uom>
      </quantityElement></quantityList>
      <sourceList>
        <source type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:0614141.00001</source>
      </sourceList>
      <ilmd><ex:lot>L1 &amp; L2</ex:lot></ilmd>
      <ex:note ex:lang="vi">Cá tra &lt;fillet&gt;</ex:note>
    </ObjectEvent>
    <TransformationEvent>
      <eventTime>2024-05-01T09:00:00Z</eventTime>
      <eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
      <inputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></inputEPCList>
      <outputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2018</epc></outputEPCList>
      <transformationID>urn:uuid:1</transformationID>
      <bizStep>urn:epcglobal:cbv:bizstep:repackaging</bizStep>
    </TransformationEvent>
  </EventList></EPCISBody>
</epcis:EPCISDocument>"#;

/// The same two events as EPCIS 1.2 writes them: 2.0 fields inside `extension` and
/// `baseExtension`, the TransformationEvent inside the event list's `extension`.
const EPCIS_1_2_OBJECT: &str = r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1"
    xmlns:ex="https://ns.example.com/epcis/" schemaVersion="1.2"
    creationDate="2024-05-01T01:30:00Z">
  <EPCISBody><EventList>
    <ObjectEvent>
      <eventTime>2024-05-01T01:30:00.250Z</eventTime>
      <eventTimeZoneOffset>+07:00</eventTimeZoneOffset>
      <baseExtension>
        <eventID>urn:uuid:7c8ad2a6-0f3c-4c62-9d0c-2f8f1b1a1b1a</eventID>
        <errorDeclaration>
          <declarationTime>2024-05-02T01:30:00Z</declarationTime>
          <reason>urn:epcglobal:cbv:er:incorrect_data</reason>
        </errorDeclaration>
      </baseExtension>
      <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList>
      <action>ADD</action>
      <bizStep>https://ref.gs1.org/cbv/BizStep-commissioning</bizStep>
      <disposition>urn:epcglobal:cbv:disp:active</disposition>
      <readPoint><id>urn:epc:id:sgln:0614141.07346.1234</id></readPoint>
      <extension>
        <quantityList><quantityElement>
          <epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass>
          <quantity>200.5</quantity><uom>KGM</uom>
        </quantityElement></quantityList>
        <sourceList>
          <source type="urn:epcglobal:cbv:sdt:owning_party">urn:epc:id:pgln:0614141.00001</source>
        </sourceList>
        <ilmd><ex:lot>L1 &amp; L2</ex:lot></ilmd>
      </extension>
      <ex:note ex:lang="vi">Cá tra &lt;fillet&gt;</ex:note>
    </ObjectEvent>
    <extension>
      <TransformationEvent>
        <eventTime>2024-05-01T09:00:00Z</eventTime>
        <eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
        <inputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></inputEPCList>
        <outputEPCList><epc>urn:epc:id:sgtin:0614141.107346.2018</epc></outputEPCList>
        <transformationID>urn:uuid:1</transformationID>
        <bizStep>urn:epcglobal:cbv:bizstep:repackaging</bizStep>
      </TransformationEvent>
    </extension>
  </EventList></EPCISBody>
</epcis:EPCISDocument>"#;

#[test]
fn epcis_1_2_reads_into_the_same_model_as_2_0() {
    let new = read_document(EPCIS_2_OBJECT).unwrap();
    let old = read_document(EPCIS_1_2_OBJECT).unwrap();
    assert_eq!(old.events, new.events);
    assert_eq!(old.schema_version, "1.2");
    let event = &new.events[0];
    assert_eq!(
        event.biz_step.as_deref(),
        Some("https://ref.gs1.org/cbv/BizStep-commissioning")
    );
    assert_eq!(event.extensions[0].name.local, "note");
    assert_eq!(event.extensions[0].name.prefix.as_deref(), Some("ex"));
    assert_eq!(
        event.extensions[0].value,
        ExtensionValue::Attributed {
            text: "Cá tra <fillet>".into(),
            attributes: vec![nguon_epcis::model::Extension {
                name: nguon_epcis::model::QName::new("https://ns.example.com/epcis/", "lang"),
                value: ExtensionValue::Text("vi".into()),
            }],
        }
    );
    assert_eq!(
        hashes(EPCIS_1_2_OBJECT).unwrap(),
        hashes(&write_document(&old, &default_options())).unwrap()
    );
}

#[test]
fn cbv_values_are_written_as_urns_or_web_uris() {
    let document = read_document(EPCIS_2_OBJECT).unwrap();
    let urn = write_document(
        &document,
        &options(EpcFormat::default(), CbvXmlFormat::AlwaysUrn),
    );
    let web = write_document(
        &document,
        &options(EpcFormat::default(), CbvXmlFormat::AlwaysWebUri),
    );
    let default = write_document(&document, &default_options());
    assert_eq!(urn, default);
    assert!(urn.contains("<bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep>"));
    assert!(urn.contains(r#"<source type="urn:epcglobal:cbv:sdt:owning_party">"#));
    assert!(urn.contains("<reason>urn:epcglobal:cbv:er:incorrect_data</reason>"));
    assert!(web.contains("<bizStep>https://ref.gs1.org/cbv/BizStep-commissioning</bizStep>"));
    assert!(web.contains(r#"<source type="https://ref.gs1.org/cbv/SDT-owning_party">"#));
    assert!(!web.contains("urn:epcglobal:cbv:"));
    assert_eq!(
        write_document(
            &document,
            &options(EpcFormat::default(), CbvXmlFormat::NeverTranslates)
        ),
        web
    );
    assert_eq!(hashes(&urn).unwrap(), hashes(&web).unwrap());
    assert_eq!(read_document(&web).unwrap().events, document.events);
}

#[test]
fn epc_format_translates_identifiers() {
    let document = read_document(EPCIS_2_OBJECT).unwrap();
    let link = write_document(
        &document,
        &options(EpcFormat::AlwaysDigitalLink, CbvXmlFormat::default()),
    );
    assert!(link.contains("<epc>https://id.gs1.org/01/10614141073464/21/2017</epc>"));
    assert!(link.contains("<epcClass>https://id.gs1.org/01/04012345123456/10/998877</epcClass>"));
    assert!(!link.contains("urn:epc:id:sgtin"));
    let back = read_document(&link).unwrap();
    let urn = write_document(
        &back,
        &options(EpcFormat::AlwaysEpcUrn, CbvXmlFormat::default()),
    );
    assert!(urn.contains("<epc>urn:epc:id:sgtin:0614141.107346.2017</epc>"));
    assert!(urn.contains("<epcClass>urn:epc:class:lgtin:4012345.012345.998877</epcClass>"));
    for format in [EpcFormat::NoPreference, EpcFormat::NeverTranslates] {
        let written = write_document(&document, &options(format, CbvXmlFormat::default()));
        assert_eq!(read_document(&written).unwrap().events, document.events);
    }
    // The hash compares identifiers in one canonical form, whichever spelling is written.
    assert_eq!(hashes(&link).unwrap(), hashes(&urn).unwrap());
}

#[test]
fn sensor_types_are_gs1_curies_and_extension_namespaces_are_declared() {
    let text = r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
        creationDate="2024-05-01T08:30:00Z"><EPCISBody><EventList><ObjectEvent>
          <eventTime>2024-05-01T08:30:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
          <action>OBSERVE</action>
          <sensorElementList><sensorElement>
            <sensorMetadata time="2024-05-01T08:00:00Z" xmlns:v="urn:vendor" v:fw="1.2"/>
            <sensorReport type="https://gs1.org/voc/Temperature" value="4.5" uom="CEL"
              exception="gs1:ALARM_CONDITION" booleanValue="true"/>
          </sensorElement></sensorElementList>
          <gs1:x xmlns:gs1="urn:not-gs1">clash</gs1:x>
        </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"#;
    let document = read_document(text).unwrap();
    let report = &document.events[0].sensor_element_list[0].reports[0];
    assert_eq!(
        report.exception.as_deref(),
        Some("https://gs1.org/voc/ALARM_CONDITION")
    );
    assert_eq!(report.boolean_value, Some(true));
    let written = write_document(&document, &default_options());
    assert!(
        written.contains(r#"xmlns:gs1="https://gs1.org/voc/""#),
        "{written}"
    );
    assert!(written.contains(r#"type="gs1:Temperature""#), "{written}");
    assert!(written.contains(r#"xmlns:v="urn:vendor""#), "{written}");
    assert!(written.contains(r#"v:fw="1.2""#), "{written}");
    // The document's own `gs1:` meant something else: that name gets an invented prefix.
    assert!(written.contains(r#"xmlns:ns1="urn:not-gs1""#), "{written}");
    assert!(written.contains("<ns1:x>clash</ns1:x>"), "{written}");
    assert_eq!(read_document(&written).unwrap().events, document.events);
    assert_eq!(hashes(text).unwrap(), hashes(&written).unwrap());
}

/// Found by fuzzing (`fuzz/corpus/epcis_xml/namespace-order`): an extension in the EPCIS 1.x
/// namespace is not kept among the document's declared prefixes, so the second write bound it
/// after them and listed the root's declarations in another order.
#[test]
fn writing_is_a_fixpoint_whatever_the_namespaces() {
    let text = one_event(
        "",
    )
    .replace(
        "<action>ADD</action>",
        r#"<action>ADD</action><b:x xmlns:b="urn:b"><a:y xmlns:a="urn:epcglobal:epcis:xsd:1">1</a:y></b:x><c:z xmlns:c="urn:c">2</c:z>"#,
    );
    let first = write_document(&read_document(&text).unwrap(), &default_options());
    let again = read_document(&first).unwrap();
    assert_eq!(write_document(&again, &default_options()), first);
    // Found next (`fuzz/corpus/epcis_xml/xml-attribute-next-to-children`): an `xml:` attribute
    // beside child elements is kept as a field but written back as an attribute, since no
    // element may be in the XML namespace.
    let text = one_event("").replace(
        "<action>ADD</action>",
        r#"<action>ADD</action><b:x xmlns:b="urn:b" xml:lang="vi"><b:y>Tôm sú</b:y></b:x>"#,
    );
    let document = read_document(&text).unwrap();
    let written = write_document(&document, &default_options());
    assert!(written.contains(r#"<b:x xml:lang="vi">"#), "{written}");
    assert_eq!(read_document(&written).unwrap().events, document.events);
    assert_eq!(hashes(&text).unwrap(), hashes(&written).unwrap());
    assert!(
        first.contains(r#"xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:a="urn:epcglobal:epcis:xsd:1" xmlns:b="urn:b" xmlns:c="urn:c""#),
        "{first}"
    );
}

/// Found by fuzzing (`fuzz/corpus/epcis_xml/prefix-declared-empty`): a prefix declared empty
/// (`xmlns:p=""`) puts a name in no namespace, where only standard elements are; kept as an
/// extension, it was written back as an unknown standard element.
#[test]
fn a_prefix_declared_empty_names_no_extension() {
    let text = one_event("").replace(
        "<action>ADD</action>",
        r#"<action>ADD</action><p:x xmlns:p="">1</p:x>"#,
    );
    assert_eq!(
        issues(&text),
        [issue(0, "x", "is not a field of ObjectEvent")]
    );
}

#[test]
fn query_documents_keep_their_query_and_header() {
    let text = r#"<epcisq:EPCISQueryDocument xmlns:epcisq="urn:epcglobal:epcis-query:xsd:2"
        xmlns:sbdh="http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader"
        schemaVersion="2.0" creationDate="2024-05-01T08:30:00Z">
      <EPCISHeader><sbdh:StandardBusinessDocumentHeader>
        <sbdh:HeaderVersion>1.0</sbdh:HeaderVersion>
        <sbdh:Sender><sbdh:Identifier Authority="GS1">urn:epc:id:pgln:0614141.00001</sbdh:Identifier></sbdh:Sender>
        <sbdh:Receiver><sbdh:Identifier>urn:epc:id:pgln:0614141.00002</sbdh:Identifier></sbdh:Receiver>
        <sbdh:DocumentIdentification><sbdh:InstanceIdentifier>42</sbdh:InstanceIdentifier></sbdh:DocumentIdentification>
      </sbdh:StandardBusinessDocumentHeader></EPCISHeader>
      <EPCISBody><epcisq:QueryResults>
        <queryName>SimpleEventQuery</queryName><subscriptionID>s-1</subscriptionID>
        <resultsBody><EventList/></resultsBody>
      </epcisq:QueryResults></EPCISBody></epcisq:EPCISQueryDocument>"#;
    let document = read_document(text).unwrap();
    assert_eq!(
        document.kind,
        nguon_epcis::model::DocumentKind::QueryResult {
            query_name: "SimpleEventQuery".into(),
            subscription_id: Some("s-1".into()),
        }
    );
    assert_eq!(
        document.header.sender.as_deref(),
        Some("urn:epc:id:pgln:0614141.00001")
    );
    assert_eq!(document.header.instance_identifier.as_deref(), Some("42"));
    let written = write_document(&document, &default_options());
    assert!(written.contains("<epcisq:EPCISQueryDocument"), "{written}");
    assert!(written.contains("<epcisq:QueryResults>"), "{written}");
    let again = read_document(&written).unwrap();
    assert_eq!((again.kind, again.header), (document.kind, document.header));
}

fn issues(text: &str) -> Vec<ValidationIssue> {
    read_document(text).expect_err("the document must be refused")
}

fn one_event(fields: &str) -> String {
    format!(
        r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"
            creationDate="2024-05-01T08:30:00Z"><EPCISBody><EventList>
            <ObjectEvent><eventTime>2024-05-01T08:30:00Z</eventTime>
              <eventTimeZoneOffset>+00:00</eventTimeZoneOffset><action>ADD</action></ObjectEvent>
            {fields}
        </EventList></EPCISBody></epcis:EPCISDocument>"#
    )
}

fn issue(event: usize, path: &str, message: &str) -> ValidationIssue {
    ValidationIssue {
        event_index: Some(event),
        path: format!("EPCISBody.EventList[{event}].{path}"),
        message: message.to_owned(),
    }
}

#[test]
fn bad_input_names_the_event_and_the_field() {
    let malformed =
        issues("<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>\n<a></b>");
    assert_eq!(malformed.len(), 1);
    assert_eq!(malformed[0].event_index, None);
    assert!(
        malformed[0].message.contains("not well-formed XML"),
        "{malformed:?}"
    );
    assert!(malformed[0].message.contains("2:4"), "{malformed:?}");

    assert_eq!(
        issues(&one_event(
            "<ObjectEvent><eventTimeZoneOffset>+07:00</eventTimeZoneOffset><action>ADD</action></ObjectEvent>"
        )),
        vec![issue(1, "eventTime", "is required")]
    );
    assert_eq!(
        issues(&one_event(
            "<ObjectEvent><eventTime>2024-05-01T08:30:00Z</eventTime>\
             <eventTimeZoneOffset>+14:30</eventTimeZoneOffset><action>MOVE</action>\
             <bizStep>urn:epcglobal:cbv:bizstep:teleporting</bizStep>\
             <disposition>in_transit</disposition><color>red</color></ObjectEvent>"
        )),
        vec![
            issue(1, "color", "is not a field of ObjectEvent"),
            issue(
                1,
                "eventTimeZoneOffset",
                r#""+14:30" is not a time zone offset from -14:00 to +14:00"#
            ),
            issue(1, "action", r#""MOVE" is not ADD, OBSERVE or DELETE"#),
            issue(
                1,
                "bizStep",
                r#""urn:epcglobal:cbv:bizstep:teleporting" is not a standard CBV value of this field"#
            ),
        ]
    );
    let unknown = issues(&one_event("<ShippingEvent/><QuantityEvent/>"));
    assert_eq!(
        unknown[0],
        ValidationIssue {
            event_index: Some(1),
            path: "EPCISBody.EventList[1]".into(),
            message: "ShippingEvent is not an EPCIS event type".into(),
        }
    );
    assert!(
        unknown[1].message.starts_with("QuantityEvent was removed"),
        "{unknown:?}"
    );
    assert_eq!(
        issues(&one_event(
            "<TransactionEvent><eventTime>yesterday</eventTime>\
             <eventTimeZoneOffset>+07:00</eventTimeZoneOffset><action>ADD</action></TransactionEvent>\
             <AssociationEvent><eventTime>2024-05-01T08:30:00Z</eventTime>\
             <eventTimeZoneOffset>+07:00</eventTimeZoneOffset><action>ADD</action>\
             <errorDeclaration/></AssociationEvent>"
        )),
        vec![
            issue(
                1,
                "eventTime",
                r#""yesterday" is not a date-time like 2024-05-01T08:30:00.000+07:00"#
            ),
            issue(1, "bizTransactionList", "is required"),
            issue(2, "errorDeclaration.declarationTime", "is required"),
            issue(2, "parentID", "is required"),
        ]
    );
    assert_eq!(
        issues(&one_event(
            "<ObjectEvent><eventTime>2024-05-01T08:30:00Z</eventTime>\
            <eventTimeZoneOffset>+07:00</eventTimeZoneOffset><action>ADD</action>\
            <disposition>shipping</disposition></ObjectEvent>"
        )),
        vec![issue(
            1,
            "disposition",
            r#""shipping" is neither a CBV value of this field nor a URI"#
        )]
    );
}

#[test]
fn hostile_input_is_refused_without_panicking() {
    let entities = issues(r#"<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#);
    assert!(entities[0].message.contains("entities"), "{entities:?}");
    let deep = one_event(&format!(
        "<ObjectEvent><eventTime>2024-05-01T08:30:00Z</eventTime>\
         <eventTimeZoneOffset>+07:00</eventTimeZoneOffset><action>ADD</action>\
         <ilmd xmlns:d='urn:d'>{}{}</ilmd></ObjectEvent>",
        "<d:a>".repeat(200),
        "</d:a>".repeat(200)
    ));
    let deep = issues(&deep);
    assert!(deep[0].message.contains("nests deeper than 64"), "{deep:?}");
    let many = one_event(&"<Nothing/>".repeat(500));
    assert_eq!(issues(&many).len(), nguon_epcis::validate::MAX_ISSUES);
    assert!(read_document("<a/>").is_err());
    assert!(read_document("").is_err());
    let fraction = one_event(
        "<ObjectEvent><eventTime>2024-05-01T08:30:00.12345678é</eventTime>\
         <eventTimeZoneOffset>+07:00</eventTimeZoneOffset><action>ADD</action></ObjectEvent>",
    );
    assert_eq!(
        issues(&fraction)[0].path,
        "EPCISBody.EventList[1].eventTime"
    );
}
