//! EPCIS XML reading of any text, and writing what was read: the written document reads back
//! into the same events, and writing is a fixpoint from then on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_epcis::model::{CbvXmlFormat, EpcFormat};
use nguon_epcis::validate::MAX_ISSUES;
use nguon_epcis::xml::{WriteOptions, read_document, write_document};
use nguon_gs1::PrefixLengths;

fuzz_target!(|input: &str| {
    let document = match read_document(input) {
        Ok(document) => document,
        Err(issues) => {
            assert!(!issues.is_empty() && issues.len() <= MAX_ISSUES);
            return;
        }
    };
    let lengths = PrefixLengths::builtin();
    let options = WriteOptions {
        epc_format: EpcFormat::NoPreference,
        cbv_format: CbvXmlFormat::NoPreference,
        prefix_lengths: &lengths,
    };
    let written = write_document(&document, &options);
    let again = read_document(&written).expect("written XML reads back");
    assert_eq!(again.events, document.events);
    assert_eq!(again.header, document.header);
    assert_eq!(again.kind, document.kind);
    assert_eq!(write_document(&again, &options), written);
});
