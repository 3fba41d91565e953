//! Genealogy over stored EPCIS events, for lots (GTIN + lot), serials (SGTIN) and logistic units
//! (SSCC): [`trace`] walks backward to every origin or forward to every last recipient through
//! transformations, aggregation and disaggregation; [`one_step`] gives the immediate suppliers
//! and recipients of one identifier.
//!
//! Shipping and receiving need no edge of their own: the store finds the events of every
//! organisation naming an identifier, so the sender's shipping event and the recipient's
//! receiving event land on the same node, whose `organisations` list the hand-over in time order.
//!
//! [`checks`] judges a genealogy: mass balance, timeline, withdrawal periods, missing links and
//! cycles. [`quality`] scores a lot's records out of 100. [`recall`] drills from a lot to everything affected downstream and the sources
//! upstream.
//!
//! The walk reads events through [`EventSource`], which every [`nguon_store::Store`] is, so it
//! is tested without a database and served over any back end.

pub mod checks;
mod identifier;
pub mod quality;
pub mod recall;
#[cfg(test)]
mod testing;
mod walk;

pub use identifier::{Identifier, IdentifierError, IdentifierKind};
pub use nguon_domain::units::amount_text;
pub use walk::{
    Direction, Edge, EventSource, Limits, MAX_EVENTS_PER_IDENTIFIER, Node, NodeEvent, OneStep,
    Quantity, Reference, Relation, Step, Trace, one_step, trace,
};
