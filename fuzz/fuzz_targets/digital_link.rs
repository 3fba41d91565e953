//! Digital Link parsing, and re-parsing of every form it writes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_gs1::{DigitalLink, PrefixLengths, digital_link_to_urn};

fuzz_target!(|input: &str| {
    if let Ok(link) = DigitalLink::parse(input) {
        let canonical = DigitalLink::parse(&link.canonical()).expect("canonical form re-parses");
        assert_eq!(canonical.canonical(), link.canonical());
        DigitalLink::parse(&link.to_string()).expect("own form re-parses");
        let _ = digital_link_to_urn(&link, &PrefixLengths::builtin());
    }
});
