//! Lot-bound product labels (stamps) for Nguồn: a barcode carrying a GS1 Digital Link or element
//! string, a Vietnamese title and a few short lines. This first part names the symbologies and
//! the label stock.

mod error;
mod layout;
mod named;
mod symbology;

pub use error::LabelError;
pub use layout::{Layout, Sheet};
pub use symbology::Symbology;
