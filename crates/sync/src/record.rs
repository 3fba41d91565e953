//! What a delivery sends, read from the store as it is now: a target always receives the latest
//! state of a record, so a retry after an edit sends the edit.

use std::collections::BTreeMap;

use nguon_domain::{
    IdentifierRole, Organisation, ProductDetails, Registered, StoredEvent, SyncDelivery,
    SyncSubject,
};
use nguon_gs1::{DigitalLink, Gtin};
use nguon_store::{Registry, Store, StoreError};

/// The record behind a delivery.
#[derive(Debug, Clone)]
pub enum Record {
    /// An organisation's profile.
    Organisation(Organisation),
    /// A product and the organisation that registered it.
    Product {
        /// Who registered it.
        organisation: Organisation,
        /// The product as registered.
        product: Box<Registered<ProductDetails>>,
    },
    /// A run of captured events of one organisation.
    Events {
        /// Whose events they are.
        organisation: Organisation,
        /// The events, in capture order.
        events: Vec<StoredEvent>,
        /// The GTINs among the events' lots that this organisation registered as its products.
        own_gtins: Vec<Gtin>,
    },
}

impl Record {
    /// Reads the record `delivery` carries.
    pub async fn load(store: &dyn Store, delivery: &SyncDelivery) -> Result<Self, StoreError> {
        let organisation = store.organisation(delivery.organisation).await?;
        Ok(match delivery.subject {
            SyncSubject::Organisation => Self::Organisation(organisation),
            SyncSubject::Product(id) => Self::Product {
                organisation,
                product: Box::new(store.get::<ProductDetails>(id).await?),
            },
            SyncSubject::Events { first, last } => {
                let count = u32::try_from(last - first + 1).unwrap_or(u32::MAX);
                let events: Vec<StoredEvent> = store
                    .events_after(first - 1, count)
                    .await?
                    .into_iter()
                    .filter(|stored| {
                        stored.event.owner == organisation.id && stored.sequence <= last
                    })
                    .collect();
                let mut own_gtins: Vec<Gtin> = Vec::new();
                for lot in lots_of(&events) {
                    if own_gtins.contains(&lot.gtin) {
                        continue;
                    }
                    let product = store.find::<ProductDetails>(lot.gtin.as_str()).await?;
                    if product.is_some_and(|p| p.organisation == Some(organisation.id)) {
                        own_gtins.push(lot.gtin);
                    }
                }
                Self::Events {
                    organisation,
                    events,
                    own_gtins,
                }
            }
        })
    }

    /// The organisation the record belongs to.
    pub fn organisation(&self) -> &Organisation {
        match self {
            Self::Organisation(organisation)
            | Self::Product { organisation, .. }
            | Self::Events { organisation, .. } => organisation,
        }
    }
}

/// A lot (GTIN + AI 10) named by an event, with the events that name it, in capture order.
#[derive(Debug, Clone, PartialEq)]
pub struct LotEvents<'a> {
    /// The lot's GTIN.
    pub gtin: Gtin,
    /// The lot number.
    pub lot: String,
    /// Whether an event made the lot (an output, or a class added by an object event) rather than
    /// only moving it.
    pub made_here: bool,
    /// The events that name it.
    pub events: Vec<&'a StoredEvent>,
}

/// The lots `events` name, by GTIN and lot, each with its events: how events reach a portal
/// that keeps lots and their stages rather than raw events.
pub fn lots_of(events: &[StoredEvent]) -> Vec<LotEvents<'_>> {
    let mut lots: BTreeMap<(String, String), LotEvents<'_>> = BTreeMap::new();
    for stored in events {
        for (role, identifier) in &stored.event.identifiers {
            let Ok(link) = DigitalLink::parse(identifier) else {
                continue;
            };
            let (Some(gtin), Some(lot)) = (link.get("01"), link.get("10")) else {
                continue;
            };
            let Ok(gtin) = Gtin::parse(gtin) else {
                continue;
            };
            let made = matches!(role, IdentifierRole::Output | IdentifierRole::OutputClass)
                || (matches!(role, IdentifierRole::EpcClass | IdentifierRole::Epc)
                    && stored.event.action == Some(nguon_domain::Action::Add));
            let entry = lots
                .entry((gtin.as_str().to_owned(), lot.to_owned()))
                .or_insert_with(|| LotEvents {
                    gtin,
                    lot: lot.to_owned(),
                    made_here: false,
                    events: Vec::new(),
                });
            entry.made_here |= made;
            if entry
                .events
                .last()
                .is_none_or(|last| last.sequence != stored.sequence)
            {
                entry.events.push(stored);
            }
        }
    }
    lots.into_values().collect()
}
