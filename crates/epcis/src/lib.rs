//! EPCIS 2.0 for Nguồn: validation of EPCIS 2.0 JSON-LD documents against the official JSON
//! Schema and CBV rules ([`validate`]), and the CBV 2.0 event hash (`ni:///sha-256;…?ver=CBV2.0`) of the
//! events in an EPCIS 2.0 JSON-LD document or an EPCIS 2.0 / 1.2 XML document, capture or query
//! result alike, and the GDST 1.2 seafood profile ([`gdst`]): KDE validation per critical tracking
//! event and GDST JSON-LD export. Pure: no I/O; callers hand in the document text.
//!
//! Every reader returns a typed error naming the event and the field at fault and never panics
//! on any input.

pub mod gdst;
pub mod hash;
pub mod identifier;
pub mod json_ld;
pub mod model;
pub mod validate;
pub mod vocab;
pub mod xml;
