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
//! [`Event`]: nguon_epcis::model::Event

#![warn(missing_docs)]

mod catalogue;
mod error;
mod form;
mod load;
mod template;
mod units;

pub use catalogue::Catalogue;
pub use error::{CatalogueError, TemplateError};
pub use form::{Capture, FieldError, FieldRule};
pub use template::{
    CBVMDA_NS, ChainTemplate, ChoiceOption, EventKind, EventShape, FARM_HARVEST, FacilityKind,
    GDST_NS, HARVESTING, Kde, KdeType, ListKind, LotKind, Movement, NGUON_NS, Names,
    OrganisationKind, Pattern, Stage, TREATING, Target, Tolerances, WithdrawalRule,
};
pub use units::Unit;
