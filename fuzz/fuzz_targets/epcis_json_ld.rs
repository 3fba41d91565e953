//! The JSON-LD reader over any text: never panics, and a document it accepts is written as one it
//! accepts again and reads back as the same model. Each of its events, written as a repository
//! stores it, gives the same lineage (what a trace shows) as the whole stored event.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_epcis::json_ld::{
    Lineage, WriteOptions, read_document, read_stored_event, read_stored_lineage, write_document,
    write_event,
};
use nguon_epcis::model::{EpcFormat, Event};
use nguon_epcis::validate::MAX_ISSUES;
use nguon_gs1::PrefixLengths;

fuzz_target!(|input: &str| {
    match read_document(input) {
        Err(issues) => assert!(!issues.is_empty() && issues.len() <= MAX_ISSUES),
        Ok(document) => {
            let lengths = PrefixLengths::builtin();
            for event in &document.events {
                check_stored_lineage(event, &lengths);
            }
            let options = WriteOptions {
                epc_format: EpcFormat::NoPreference,
                prefix_lengths: &lengths,
            };
            let written = write_document(&document, &options).to_string();
            match read_document(&written) {
                Ok(again) => {
                    // JSON-LD is EPCIS 2.0 or later: a lower version is written as "2.0".
                    assert!(
                        again.schema_version == document.schema_version
                            || again.schema_version == "2.0",
                        "{written}"
                    );
                    let expected = nguon_epcis::model::Document {
                        schema_version: again.schema_version.clone(),
                        ..document
                    };
                    assert_eq!(again, expected, "{written}");
                }
                Err(issues) => panic!("written document refused: {issues:?}\n{written}"),
            }
        }
    }
});

/// `event` written as a repository stores it reads back whole, and its lineage is the whole
/// event's lists.
fn check_stored_lineage(event: &Event, lengths: &PrefixLengths) {
    let options = WriteOptions {
        epc_format: EpcFormat::NeverTranslates,
        prefix_lengths: lengths,
    };
    let stored = write_event(event, &options).to_string();
    let whole = read_stored_event(&stored)
        .unwrap_or_else(|issues| panic!("stored event refused: {issues:?}\n{stored}"));
    let lineage = read_stored_lineage(&stored)
        .unwrap_or_else(|reason| panic!("lineage refused: {reason}\n{stored}"));
    assert_eq!(lineage, Lineage::of(&whole), "{stored}");
}
