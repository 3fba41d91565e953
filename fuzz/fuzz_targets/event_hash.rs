//! The event hash over any JSON-LD or XML text: every event read gets a well-formed `ni:` URI.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_epcis::hash::{Format, event_hashes};

fuzz_target!(|input: &str| {
    for format in [Format::JsonLd, Format::Xml] {
        if let Ok(hashes) = event_hashes(input, format) {
            for hash in hashes {
                assert!(
                    hash.hash.starts_with("ni:///sha-256;") && hash.hash.ends_with("?ver=CBV2.0")
                );
            }
        }
    }
});
