//! GS1 identification for Nguồn: keys and check digits, Application Identifiers driven by the GS1
//! syntax dictionary, element strings, Digital Link URIs and EPC URNs. Pure: no I/O.
//!
//! Every parser returns a typed error naming the rule that was broken and never panics on any
//! input (see the fuzz targets in `fuzz/`).

mod check;
mod company_prefix;
mod compression;
mod dictionary;
mod digital_link;
mod element;
mod epc;
mod error;
mod input;
mod key;
mod linter;

pub use check::{check_character_pair, mod10_check_digit, mod10_is_valid};
pub use company_prefix::CompanyPrefix;
pub use dictionary::{AiEntry, CharSet, Component, Dictionary, is_cset82};
pub use digital_link::{
    CANONICAL_BASE, DigitalLink, DigitalLinkError, percent_encode, percent_encode_keeping,
};
pub use element::{AiError, Element, ElementString, GROUP_SEPARATOR, validate_value};
pub use epc::{EpcError, PrefixLengths, digital_link_to_urn, urn_to_digital_link};
pub use error::KeyError;
pub use input::{Identified, InputError, InputForm, identify};
pub use key::{Gln, Gtin, Key, KeyKind, Sscc};
pub use linter::Linter;
