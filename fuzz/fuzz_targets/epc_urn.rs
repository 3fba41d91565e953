//! EPC URN parsing and the way back from Digital Link.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_gs1::{PrefixLengths, digital_link_to_urn, urn_to_digital_link};

fuzz_target!(|input: &str| {
    if let Ok(link) = urn_to_digital_link(input) {
        if let Ok(urn) = digital_link_to_urn(&link, &PrefixLengths::builtin()) {
            let again = urn_to_digital_link(&urn).expect("written URN re-parses");
            assert_eq!(again.canonical(), link.canonical());
        }
    }
});
