//! The barcode symbologies a label can carry.

use std::fmt;
use std::str::FromStr;

use crate::LabelError;
use crate::named::Named;

/// The barcode printed on a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Symbology {
    /// QR Code with the GS1 Digital Link URI on the resolver: scannable by any phone camera.
    #[default]
    DigitalLinkQr,
    /// GS1 DataMatrix (FNC1 first) with the element string: for industrial scanners.
    DataMatrix,
    /// EAN-13 with the GTIN-13 only: for retail point-of-sale scanners.
    Ean13,
    /// GS1-128 (Code 128, FNC1 first) with the element string: for logistics scanners.
    Gs1128,
}

impl Symbology {
    /// Every symbology, in the order the allowed names are listed.
    pub const ALL: [Symbology; 4] = [
        Symbology::DigitalLinkQr,
        Symbology::DataMatrix,
        Symbology::Ean13,
        Symbology::Gs1128,
    ];

    /// Parses `qr`, `datamatrix`, `ean13` or `gs1-128` (any case).
    pub fn parse(name: &str) -> Result<Self, LabelError> {
        Self::find(name).ok_or_else(|| LabelError::UnknownSymbology {
            name: name.to_owned(),
            allowed: Self::allowed(),
        })
    }

    /// The short name [`Symbology::parse`] accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Symbology::DigitalLinkQr => "qr",
            Symbology::DataMatrix => "datamatrix",
            Symbology::Ean13 => "ean13",
            Symbology::Gs1128 => "gs1-128",
        }
    }
}

impl Named for Symbology {
    const ALL: &'static [Self] = &Symbology::ALL;

    fn name(self) -> &'static str {
        self.as_str()
    }
}

impl FromStr for Symbology {
    type Err = LabelError;

    fn from_str(name: &str) -> Result<Self, LabelError> {
        Self::parse(name)
    }
}

impl fmt::Display for Symbology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
