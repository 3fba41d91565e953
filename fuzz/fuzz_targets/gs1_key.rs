//! Every key kind's parser; the first byte picks the kind.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nguon_gs1::{CompanyPrefix, Key, KeyKind};

fuzz_target!(|input: (u8, &str)| {
    let (selector, value) = input;
    let kind = KeyKind::ALL[usize::from(selector) % KeyKind::ALL.len()];
    if let Ok(key) = Key::parse(kind, value) {
        assert_eq!(Key::parse(kind, key.as_str()).as_ref(), Ok(&key));
    }
    let _ = CompanyPrefix::parse(value);
});
