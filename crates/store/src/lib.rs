//! The storage boundary of Nguồn: the [`Store`] trait that every back end implements, its one
//! error type [`StoreError`], the query and page types it uses, and [`DatabaseUrl`], which picks
//! a back end from a connection string.

#![warn(missing_docs)]

mod error;
mod event;
mod record;
mod store;
mod url;

pub use error::{StoreError, io_reason};
pub use event::{
    EventRecord, ExistingEvent, MAX_IDENTIFIERS_PER_EVENT, check_batch, event_already_captured,
    identifier_set,
};
pub use record::OrganisationRecord;
pub use store::{
    MAX_EVENTS_PER_LOOKUP, OrganisationPage, OrganisationQuery, Store, company_prefix_candidates,
    now_utc,
};
pub use url::{DatabaseUrl, InvalidDatabaseUrl, PostgresUrl};
