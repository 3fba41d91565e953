//! The JSON-LD reader over any text: never panics, and a document it accepts is written as one it
//! accepts again and reads back as the same model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_epcis::json_ld::{WriteOptions, read_document, write_document};
use nguon_epcis::model::EpcFormat;
use nguon_epcis::validate::MAX_ISSUES;
use nguon_gs1::PrefixLengths;

fuzz_target!(|input: &str| {
    match read_document(input) {
        Err(issues) => assert!(!issues.is_empty() && issues.len() <= MAX_ISSUES),
        Ok(document) => {
            let lengths = PrefixLengths::builtin();
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
