//! Pilot supply chains as data (DESIGN §6): each chain is a TOML template listing its stages,
//! the EPCIS event each stage records, the key data elements (KDEs) its form asks for and where
//! each goes in the event, plus withdrawal periods and mass-balance tolerances.
//!
//! - [`Catalogue`] loads the embedded pilot chains and a province's own files, checking every
//!   rule and reporting all broken ones with file, stage and field.
//! - [`ChainTemplate::event`] turns a stage's form values into an EPCIS [`Event`] that passes
//!   EPCIS validation, or into field errors in Vietnamese and English.
//!
//! Treatment stages write `substance`, `substanceKind`, `dose` and `withdrawalDays` as extension
//! fields in [`NGUON_NS`] with business step [`TREATING`], and harvests use [`FARM_HARVEST`]
//! or [`HARVESTING`]: exactly what `nguon-trace` reads when it checks withdrawal periods.
//!
//! ```
//! use std::collections::BTreeMap;
//! use nguon_chains::{Capture, Catalogue};
//! use nguon_gs1::Gln;
//!
//! let catalogue = Catalogue::embedded()?;
//! let shrimp = catalogue.get("farmed-shrimp").expect("a pilot chain");
//! let form = BTreeMap::from([
//!     ("pond".to_owned(), "(414)8935000000076".to_owned()),
//!     ("stock_lot".to_owned(), "(01)08935000001004(10)PL-01".to_owned()),
//!     ("substance".to_owned(), "Zeolite".to_owned()),
//!     ("substance_kind".to_owned(), "chemical".to_owned()),
//!     ("dose".to_owned(), "20 kg/1 000 m³".to_owned()),
//! ]);
//! let capture = Capture {
//!     owner: Gln::parse("8935000009000")?,
//!     event_time: time::macros::datetime!(2026-05-04 08:15 +07:00),
//! };
//! // The withdrawal days were left empty: zeolite's default (0 days) is used.
//! let event = shrimp.event("treatment", &form, &capture).expect("a valid form");
//! assert_eq!(event.biz_step.as_deref(), Some(nguon_chains::TREATING));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Event`]: nguon_epcis::model::Event

#![warn(missing_docs)]

mod catalogue;
mod completeness;
mod error;
mod form;
mod load;
mod template;

pub use catalogue::Catalogue;
pub use completeness::ShapeKey;
pub use error::{CatalogueError, TemplateError};
pub use form::{Capture, FieldError, FieldRule};
pub use nguon_domain::units::Unit;
pub use template::{
    CBVMDA_NS, ChainTemplate, ChoiceOption, EventKind, EventShape, FARM_HARVEST, FacilityKind,
    GDST_NS, HARVESTING, Kde, KdeType, ListKind, LotKind, Movement, NGUON_NS, Names,
    OrganisationKind, Pattern, Stage, TREATING, Target, Tolerances, WithdrawalRule,
};
