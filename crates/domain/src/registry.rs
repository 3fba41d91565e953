//! What facilities, products and product groups share as registry records: an id, an owner, an
//! approval status, and typed details that are stored as one JSON document beside their key.
//! GS1 keys in details are `nguon_gs1`'s [`Gln`](nguon_gs1::Gln) and [`Gtin`](nguon_gs1::Gtin).

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use crate::{ApprovalStatus, OrganisationId, RecordId};

/// The kinds of registry record kept as typed documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryKind {
    /// A farm, pond, field, plant, warehouse or shop.
    Facility,
    /// A trade item class with its GTIN.
    Product,
    /// A group of the province's product catalogue.
    ProductGroup,
}

impl RegistryKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Facility => "facility",
            Self::Product => "product",
            Self::ProductGroup => "product_group",
        }
    }

    /// What a record of this kind is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Facility => "facility",
            Self::Product => "product",
            Self::ProductGroup => "product group",
        }
    }

    /// The field that holds its unique key, as messages name it.
    pub fn key_field(self) -> &'static str {
        match self {
            Self::Facility => "GLN",
            Self::Product => "GTIN",
            Self::ProductGroup => "product group",
        }
    }
}

impl fmt::Display for RegistryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The typed details of one kind of registry record.
pub trait RegistryDetails: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Which kind of record these details describe.
    const KIND: RegistryKind;

    /// The key unique across records of this kind: a GLN, a GTIN, a group code.
    fn key(&self) -> String;

    /// The name lists and searches show.
    fn display_name(&self) -> &str;
}

/// A stored registry record: who owns it, where it stands with the province, and its details.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Registered<D> {
    /// Its id.
    pub id: RecordId,
    /// The organisation it belongs to; `None` for the province's own records (product groups).
    pub organisation: Option<OrganisationId>,
    /// Pending until the province approves it.
    pub status: ApprovalStatus,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// What it is.
    pub details: D,
}
