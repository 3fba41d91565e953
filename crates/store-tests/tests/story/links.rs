//! The story's genealogy-links chapter: what a trace reads ahead with.

use std::sync::Arc;

use nguon_domain::TraceDirection::{Back, Forward};
use nguon_domain::{
    Action, EventType, IdentifierRole, IndexedField, OrganisationId, TraceDirection,
};
use nguon_store::Store;

use super::{POND7, STORE, event};

/// A transformation links its output to its inputs, packing a container to its contents,
/// unpacking a child to the container it left; an object event links nothing, a pair made twice
/// is kept once, and a cycle in bad data ends. Last, so no earlier chapter counts these events.
pub async fn links_chapter(
    store: &Arc<dyn Store>,
    farm: OrganisationId,
    processor: OrganisationId,
) {
    const SEED: &str = "urn:epc:class:lgtin:0614141.700001.SEED";
    const FEED: &str = "urn:epc:class:lgtin:0614141.700002.FEED";
    const HARVEST: &str = "urn:epc:class:lgtin:0614141.700003.HARVEST";
    const CARTON: &str = "urn:epc:id:sgtin:0614141.700004.1";
    const PALLET: &str = "urn:epc:id:sscc:0614141.7000050000";
    use IdentifierRole::{Epc, EpcClass, InputClass, OutputClass, Parent};
    let mut events = [
        event(
            farm,
            700_001,
            EventType::TransformationEvent,
            None,
            POND7,
            &[
                (InputClass, SEED),
                (InputClass, FEED),
                (OutputClass, HARVEST),
            ],
        ),
        event(
            processor,
            700_002,
            EventType::AggregationEvent,
            Some(Action::Add),
            STORE,
            &[(Parent, PALLET), (Epc, CARTON), (EpcClass, HARVEST)],
        ),
        event(
            processor,
            700_003,
            EventType::AggregationEvent,
            Some(Action::Delete),
            STORE,
            &[(Parent, PALLET), (Epc, CARTON)],
        ),
        event(
            processor,
            700_004,
            EventType::ObjectEvent,
            Some(Action::Observe),
            STORE,
            &[(EpcClass, HARVEST), (EpcClass, FEED)],
        ),
        // Bad data: the harvest made back into the seed lot it came from.
        event(
            farm,
            700_005,
            EventType::TransformationEvent,
            None,
            POND7,
            &[(InputClass, HARVEST), (OutputClass, SEED)],
        ),
    ];
    events[0].fields = vec![IndexedField::number("quantity_KGM", 850.0)];
    store
        .append_events(&events)
        .await
        .expect("append linked events");
    // The pallet seen again with its carton, in a batch of its own: the pair is there already.
    let observed = event(
        processor,
        700_006,
        EventType::AggregationEvent,
        Some(Action::Observe),
        STORE,
        &[(Parent, PALLET), (Epc, CARTON)],
    );
    store
        .append_events(std::slice::from_ref(&observed))
        .await
        .expect("a link made again is no conflict");

    let linked = |start: &'static str, direction: TraceDirection, max_depth: u32, limit: u32| {
        let store = store.clone();
        async move {
            store
                .linked_identifiers(start, direction, max_depth, limit)
                .await
                .expect("walk the links")
        }
    };
    assert_eq!(
        linked(PALLET, Back, 10, 100).await,
        [PALLET, HARVEST, CARTON, SEED, FEED],
        "nearest first, then in byte order; the unpacking leads back to the pallet, seen already"
    );
    assert_eq!(
        linked(SEED, Forward, u32::MAX, 10_000).await,
        [SEED, HARVEST, PALLET, CARTON],
        "the cycle back to the seed lot ends"
    );
    assert_eq!(
        linked(FEED, Forward, 10, 100).await,
        [FEED, HARVEST, SEED, PALLET, CARTON],
        "the object event naming the feed and the harvest links nothing"
    );
    assert_eq!(linked(SEED, Forward, 1, 100).await, [SEED, HARVEST]);
    assert_eq!(linked(HARVEST, Back, 0, 100).await, [HARVEST]);
    assert_eq!(
        linked(PALLET, Back, 10, 2).await,
        [PALLET, HARVEST],
        "at most 2 rows, the start first"
    );
    let unknown = "urn:epc:class:lgtin:0614141.700009.NONE";
    assert_eq!(linked(unknown, Back, 10, 100).await, [unknown]);

    // Reading ahead: the events of the identifiers reached, each once, in capture order, and
    // for each identifier only its first ones when cut.
    let event_ids = |found: Vec<nguon_domain::StoredEvent>| -> Vec<String> {
        found.iter().map(|e| e.event.event_id.to_string()).collect()
    };
    let all: Vec<String> = events
        .iter()
        .chain([&observed])
        .map(|e| e.event_id.to_string())
        .collect();
    let wanted = [HARVEST.to_owned(), CARTON.to_owned()];
    assert_eq!(
        event_ids(store.events_naming_any(&wanted, 10).await.unwrap()),
        all
    );
    assert_eq!(
        event_ids(store.events_naming_any(&wanted, 1).await.unwrap()),
        all[..2],
        "the harvest's first event and the carton's"
    );
    // Without the field index, everything else as stored.
    let lean = store
        .events_naming_any(&[HARVEST.to_owned()], 10)
        .await
        .unwrap();
    let full = store
        .events_with_identifier(HARVEST, &[], 10)
        .await
        .unwrap();
    assert_eq!(
        full[0].event.fields.len(),
        1,
        "the harvest's field is stored"
    );
    assert_eq!(lean.len(), full.len());
    for (lean, mut full) in lean.into_iter().zip(full) {
        full.event.fields.clear();
        assert_eq!(lean, full);
    }
}
