//! Events held in memory for the crate's tests, indexed as capture indexes them, and a small
//! shrimp chain to walk and check.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use nguon_domain::{
    Action, EventHash, EventId, EventType, IdentifierRole, NewEvent, OrganisationId, StoredEvent,
};
use nguon_epcis::identifier::index_form;
use nguon_epcis::json_ld::read_stored_event;
use nguon_epcis::model::{EventBody, QuantityElement};
use nguon_store::StoreError;
use serde_json::{Value, json};

use crate::{Direction, EventSource, Identifier, Limits};

pub(crate) const SEED: &str = "https://id.gs1.org/01/08931234560010/10/PL1";
pub(crate) const POND: &str = "https://id.gs1.org/01/08931234560027/10/AO1";
pub(crate) const FROZEN: &str = "https://id.gs1.org/01/08931234560034/10/F1";
pub(crate) const CARTON_1: &str = "https://id.gs1.org/01/08931234560034/21/C1";
pub(crate) const CARTON_2: &str = "https://id.gs1.org/01/08931234560034/21/C2";
pub(crate) const PALLET: &str = "https://id.gs1.org/00/089312345600000010";

/// Events held in memory, found as the store finds them: by any role of an identifier.
#[derive(Default)]
pub(crate) struct Events(Vec<StoredEvent>);

#[async_trait]
impl EventSource for Events {
    async fn events_naming(&self, identifier: &str) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self
            .0
            .iter()
            .filter(|e| e.event.identifiers.iter().any(|(_, v)| v == identifier))
            .cloned()
            .collect())
    }
}

/// [`Events`] with a link index: it reads ahead the first `keep` identifiers a walk from the
/// start reaches through every event's links, beyond any limit of the walk, and counts the
/// calls that read events.
pub(crate) struct ReadAhead<'a> {
    pub(crate) events: &'a Events,
    pub(crate) keep: usize,
    pub(crate) reads: AtomicUsize,
}

#[async_trait]
impl EventSource for ReadAhead<'_> {
    async fn events_naming(&self, identifier: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.events.events_naming(identifier).await
    }

    async fn events_naming_any(
        &self,
        identifiers: &[Identifier],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.events.events_naming_any(identifiers).await
    }

    async fn reachable(
        &self,
        start: &Identifier,
        direction: Direction,
        _limits: Limits,
    ) -> Result<Vec<Identifier>, StoreError> {
        let mut reached = vec![start.as_str().to_owned()];
        let mut next = 0;
        while next < reached.len() {
            for stored in &self.events.0 {
                for link in stored.event.lot_links() {
                    let (from, to) = link.step(direction);
                    if from == reached[next] && !reached.iter().any(|r| r == to) {
                        reached.push(to.to_owned());
                    }
                }
            }
            next += 1;
        }
        Ok(reached
            .iter()
            .take(self.keep)
            .map(|r| Identifier::indexed(r))
            .collect())
    }
}

impl Events {
    /// Adds an event of `owner` at hour `hour` of 1 January 2026, from its JSON-LD `body`.
    pub(crate) fn add(&mut self, owner: OrganisationId, hour: u8, body: Value) -> &mut Self {
        self.add_on(owner, 1, hour, body)
    }

    /// Adds an event of `owner` at hour `hour` of day `day` of January 2026.
    pub(crate) fn add_on(
        &mut self,
        owner: OrganisationId,
        day: u8,
        hour: u8,
        body: Value,
    ) -> &mut Self {
        let sequence = self.0.len() as i64 + 1;
        let mut document = body;
        document["eventTime"] = json!(format!("2026-01-{day:02}T{hour:02}:00:00+07:00"));
        document["eventTimeZoneOffset"] = json!("+07:00");
        document["eventID"] = json!(format!("urn:uuid:00000000-0000-7000-8000-{sequence:012}"));
        let text = document.to_string();
        let model = read_stored_event(&text).unwrap_or_else(|e| panic!("{e:?}: {text}"));
        let event = NewEvent {
            owner,
            event_id: EventId::parse(model.event_id.as_deref().unwrap()).unwrap(),
            hash: EventHash::parse(&format!("ni:///sha-256;{sequence:064x}?ver=CBV2.0")).unwrap(),
            event_type: EventType::parse(model.body.type_name()).unwrap(),
            event_time: model.event_time,
            event_time_zone_offset: "+07:00".into(),
            action: model
                .body
                .action()
                .map(|a| Action::parse(a.as_str()).unwrap()),
            biz_step: model.biz_step.clone(),
            disposition: None,
            read_point: model.read_point.as_ref().map(|l| index_form(&l.id)),
            biz_location: model.biz_location.as_ref().map(|l| index_form(&l.id)),
            identifiers: roles(&model.body),
            fields: Vec::new(),
            document: text,
        };
        self.0.push(StoredEvent {
            sequence,
            record_time: event.event_time,
            event,
        });
        self
    }
}

/// The identifiers of an event body with their roles, as capture indexes them.
fn roles(body: &EventBody) -> Vec<(IdentifierRole, String)> {
    use IdentifierRole as R;
    let classes = |list: &[QuantityElement]| -> Vec<String> {
        list.iter().map(|q| q.epc_class.clone()).collect()
    };
    let groups: Vec<(R, Vec<String>)> = match body {
        EventBody::Object {
            epc_list,
            quantity_list,
            ..
        } => vec![
            (R::Epc, epc_list.clone()),
            (R::EpcClass, classes(quantity_list)),
        ],
        EventBody::Aggregation {
            parent_id,
            child_epcs,
            child_quantity_list,
            ..
        } => vec![
            (R::Parent, parent_id.iter().cloned().collect()),
            (R::Epc, child_epcs.clone()),
            (R::EpcClass, classes(child_quantity_list)),
        ],
        EventBody::Transformation {
            input_epc_list,
            input_quantity_list,
            output_epc_list,
            output_quantity_list,
            ..
        } => vec![
            (R::Input, input_epc_list.clone()),
            (R::InputClass, classes(input_quantity_list)),
            (R::Output, output_epc_list.clone()),
            (R::OutputClass, classes(output_quantity_list)),
        ],
        other => panic!("no test uses {}", other.type_name()),
    };
    groups
        .into_iter()
        .flat_map(|(role, values)| values.into_iter().map(move |v| (role, index_form(&v))))
        .collect()
}

pub(crate) fn lot(class: &str, amount: f64, uom: &str) -> Value {
    json!({"epcClass": class, "quantity": amount, "uom": uom})
}

pub(crate) fn transform(inputs: Value, outputs: Value) -> Value {
    json!({"type": "TransformationEvent", "bizStep": "commissioning"})
        .as_object()
        .cloned()
        .map(|mut o| {
            o.extend(inputs.as_object().cloned().unwrap());
            o.extend(outputs.as_object().cloned().unwrap());
            Value::Object(o)
        })
        .unwrap()
}

pub(crate) fn observe(class: &str, amount: f64, biz_step: &str) -> Value {
    json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": biz_step,
           "quantityList": [lot(class, amount, "KGM")]})
}

pub(crate) fn aggregate(action: &str, parent: &str, children: &[&str]) -> Value {
    json!({"type": "AggregationEvent", "action": action, "bizStep": "packing",
           "parentID": parent, "childEPCs": children})
}

/// Hatchery → farm (shipped and received) → processor, who freezes, cartons and palletises;
/// the seed lot is written as an EPC URN, as a hatchery's older system might.
pub(crate) fn shrimp_chain(hatchery: OrganisationId, farm: OrganisationId) -> Events {
    let mut events = Events::default();
    events
        .add(
            hatchery,
            0,
            json!({"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
            "quantityList": [lot("urn:epc:class:lgtin:893123456.0001.PL1", 200_000.0, "H87")]}),
        )
        .add(
            farm,
            1,
            transform(
                json!({"inputQuantityList": [lot(SEED, 200_000.0, "H87")]}),
                json!({"outputQuantityList": [lot(POND, 1_800.0, "KGM")]}),
            ),
        )
        .add(farm, 2, observe(POND, 1_800.0, "shipping"))
        .add(hatchery, 3, observe(POND, 1_788.0, "receiving"))
        .add(
            hatchery,
            4,
            transform(
                json!({"inputQuantityList": [lot(POND, 1_788.0, "KGM")]}),
                json!({"outputQuantityList": [lot(FROZEN, 1_108.0, "KGM")]}),
            ),
        )
        .add(
            hatchery,
            5,
            transform(
                json!({"inputQuantityList": [lot(FROZEN, 20.0, "KGM")]}),
                json!({"outputEPCList": [CARTON_1, CARTON_2]}),
            ),
        )
        .add(hatchery, 6, aggregate("ADD", PALLET, &[CARTON_1, CARTON_2]));
    events
}

pub(crate) fn id(value: &str) -> Identifier {
    Identifier::parse(value).unwrap()
}
