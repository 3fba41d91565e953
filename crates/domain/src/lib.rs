//! Nguồn domain types: the tenant registry (organisations, their kinds, statuses, names and tax
//! codes) and what is kept about each EPCIS event. Every type is parsed once at the edge and valid by construction ("parse, don't
//! validate"), so code that holds one never checks it again. Pure: no I/O.

#![warn(missing_docs)]

mod error;
mod event;
mod id;
mod name;
mod organisation;
mod status;
mod tax_code;

pub use error::DomainError;
pub use event::{Action, EventHash, EventId, EventType, IdentifierRole, NewEvent, StoredEvent};
pub use id::OrganisationId;
pub use name::OrganisationName;
pub use organisation::{NewOrganisation, Organisation, OrganisationKind};
pub use status::OrganisationStatus;
pub use tax_code::{TaxCode, TaxCodeForm};
