//! Bracketed and raw element strings, and the round trip between them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_gs1::ElementString;

fuzz_target!(|input: &str| {
    if let Ok(elements) = ElementString::parse(input) {
        let bracketed = ElementString::parse_bracketed(&elements.to_string())
            .expect("bracketed form re-parses");
        assert_eq!(bracketed, elements);
        // The raw form puts predefined-length AIs first, so compare as sets.
        let raw = ElementString::parse_raw(&elements.raw()).expect("raw form re-parses");
        assert_eq!(raw.elements().len(), elements.elements().len());
        assert!(
            raw.elements()
                .iter()
                .all(|e| elements.get(e.ai()) == Some(e.value()))
        );
    }
});
