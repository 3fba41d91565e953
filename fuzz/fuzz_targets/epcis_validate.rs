//! Schema and CBV validation of any text: never panics, never more issues than the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_epcis::validate::{MAX_ISSUES, validate_json_ld};

fuzz_target!(|input: &str| {
    if let Err(issues) = validate_json_ld(input) {
        assert!(!issues.is_empty() && issues.len() <= MAX_ISSUES);
    }
});
