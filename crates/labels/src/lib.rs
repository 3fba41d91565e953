//! Lot-bound product labels (stamps) for Nguồn: a barcode carrying a GS1 Digital Link or element
//! string, a Vietnamese title and a few short lines, rendered as SVG, PNG or PDF. Pure: no files,
//! no network, no database; the font (DejaVu Sans) is embedded, so output is the same on every
//! machine.
//!
//! ```
//! use nguon_gs1::DigitalLink;
//! use nguon_labels::{Label, Layout, Symbology};
//!
//! let link = DigitalLink::parse("https://id.gs1.org/01/08934673000017/10/PL7/21/000123")?;
//! let label = Label::new(
//!     &link,
//!     "https://truyxuat.camau.gov.vn",
//!     "Tôm sú đông lạnh – Hợp tác xã Tân Hưng",
//!     &["Lô: PL7", "Số sê-ri: 000123"],
//! )?;
//! assert_eq!(
//!     label.data(Symbology::DigitalLinkQr)?,
//!     "https://truyxuat.camau.gov.vn/01/08934673000017/10/PL7/21/000123"
//! );
//! let sheet = nguon_labels::pdf(&[label], Symbology::DigitalLinkQr, Layout::A4Grid3x8)?;
//! assert!(sheet.starts_with(b"%PDF"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What each symbol encodes
//!
//! A label is built from a Digital Link whose key is a GTIN (01), with a lot (10), optionally a
//! serial (21) and an expiry date (17). [`Label::data`] returns exactly what is encoded:
//!
//! | [`Symbology`] | data |
//! | --- | --- |
//! | `qr` | the uncompressed Digital Link URI on the resolver: `{base}/01/{gtin}/10/{lot}/21/{serial}?17={YYMMDD}` (qualifiers in the order 22, 10, 21; the expiry date as a query attribute) |
//! | `datamatrix` | GS1 DataMatrix: FNC1 first, then the element string with the predefined-length AIs (01) and (17) first, then (10) and (21), a GS after each variable-length value except the last |
//! | `gs1-128` | the same element string in Code 128 with FNC1 first and FNC1 as the separator; at most 48 data characters |
//! | `ean13` | the GTIN-13 alone: a GTIN-14 whose indicator digit is 0, without it; any other indicator is refused |
//!
//! Under bars the human-readable line is printed: `(01)… (17)… (10)… (21)…` for GS1-128, the
//! 13 digits in the usual 1 + 6 + 6 groups for EAN-13. Quiet zones follow each symbology's
//! standard (QR 4 modules, DataMatrix 1, Code 128 10, EAN-13 11 left and 7 right).
//!
//! # Layouts
//!
//! [`Layout`] names the label stock. A4 sheets of die-cut labels — 3 × 8 of 70 × 37 mm,
//! 4 × 10 of 48.5 × 25.4 mm (Avery 3657) and 5 × 13 of 38.1 × 21.2 mm (Avery L7651) — are
//! filled row by row, one PDF page per sheet. Thermal labels of 50 × 30, 40 × 30 and
//! 100 × 50 mm get one page each, the size of the label. On every label a matrix symbol sits
//! on the left with the text to its right; bars sit at the bottom with the text above. Text
//! is wrapped, shrunk and, as a last resort, cut with an ellipsis so that it never leaves the
//! label.

mod compose;
mod error;
mod label;
mod layout;
mod named;
mod render;
mod symbol;
mod symbology;
mod text;

pub use error::LabelError;
pub use label::Label;
pub use layout::{Layout, Sheet};
pub use render::{pdf, png, svg};
pub use symbology::Symbology;
