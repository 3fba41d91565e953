//! The entry point behind `nguon gs1`: any input, any form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_gs1::{PrefixLengths, identify};

fuzz_target!(|input: &str| {
    if let Ok(identified) = identify(input, None) {
        let _ = identified.epc_urn(&PrefixLengths::builtin());
        let _ = identified.link.element_string().raw();
    }
});
