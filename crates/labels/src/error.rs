//! The one error type of the crate: each variant names the field or symbology at fault and the
//! rule it broke, so a CLI or web form can show it as is.

use nguon_gs1::DigitalLinkError;

/// A label could not be built or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// A symbology name outside the allowed list.
    #[error("unknown symbology {name:?}; allowed: {allowed}")]
    UnknownSymbology {
        /// The name given.
        name: String,
        /// The allowed names, comma-separated.
        allowed: String,
    },
    /// A layout name outside the allowed list.
    #[error("unknown label layout {name:?}; allowed: {allowed}")]
    UnknownLayout {
        /// The name given.
        name: String,
        /// The allowed names, comma-separated.
        allowed: String,
    },
    /// The Digital Link identifies something other than a trade item.
    #[error(
        "the Digital Link must have a GTIN (01) as its primary key, found {found}: labels identify trade items"
    )]
    NotAGtin {
        /// The key kind found, e.g. `SSCC (00)`.
        found: String,
    },
    /// The Digital Link has no lot.
    #[error("the Digital Link must carry a lot, AI (10): labels are bound to a lot")]
    MissingLot,
    /// The Digital Link carries an AI that labels do not print.
    #[error("AI ({ai}) is not printed on labels; allowed: (01), (10), (21), (17)")]
    UnsupportedAi {
        /// The AI.
        ai: String,
    },
    /// The resolver base URL cannot carry a Digital Link.
    #[error("resolver base URL {base:?}: {rule}")]
    ResolverBase {
        /// The URL given.
        base: String,
        /// What is wrong with it.
        rule: String,
    },
    /// The Digital Link on the resolver base broke a Digital Link rule.
    #[error("Digital Link: {0}")]
    DigitalLink(#[from] DigitalLinkError),
    /// A text field broke a rule.
    #[error("{field}: {rule}")]
    Text {
        /// `title` or `line N` (1-based).
        field: String,
        /// What is wrong with it.
        rule: String,
    },
    /// The data cannot be carried by the chosen symbology.
    #[error("{symbology}: {rule}")]
    Symbology {
        /// The symbology name, e.g. `ean13`.
        symbology: &'static str,
        /// The rule the data broke.
        rule: String,
    },
    /// The PNG resolution is outside the supported range.
    #[error("resolution {dpi} dpi is outside {min}..={max} dpi")]
    Dpi {
        /// The resolution asked for.
        dpi: u32,
        /// Lowest supported.
        min: u32,
        /// Highest supported.
        max: u32,
    },
    /// A PDF was asked for without any label.
    #[error("no labels to print: the PDF needs at least one")]
    NoLabels,
    /// The SVG, PNG or PDF writer failed.
    #[error("rendering the {format} failed: {detail}")]
    Render {
        /// `SVG`, `PNG` or `PDF`.
        format: &'static str,
        /// The writer's message.
        detail: String,
    },
}
