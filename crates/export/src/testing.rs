//! Events and master data held in memory for the crate's tests, and a shrimp chain with its
//! master data: pond harvest → processing → packing → shipping → receiving.

use async_trait::async_trait;
use nguon_domain::{
    Action, EventHash, EventId, EventType, IdentifierRole, NewEvent, OrganisationId, StoredEvent,
    TimeRange, VocabularyElement,
};
use nguon_epcis::identifier::index_form;
use nguon_epcis::json_ld::read_stored_event;
use nguon_epcis::model::EventBody;
use nguon_store::StoreError;
use nguon_trace::EventSource;
use serde_json::{Value, json};

use crate::{ExportSource, SourceEvent};

pub(crate) const POND_LOT: &str = "https://id.gs1.org/01/08931234560027/10/AO1";
pub(crate) const FROZEN: &str = "https://id.gs1.org/01/08931234560034/10/F1";
pub(crate) const SEED: &str = "https://id.gs1.org/01/08931234560010/10/PL1";
pub(crate) const PALLET: &str = "https://id.gs1.org/00/089312345600000010";
pub(crate) const POND: &str = "https://id.gs1.org/414/8931234560027";
pub(crate) const PLANT: &str = "https://id.gs1.org/414/8931234560034";
pub(crate) const IMPORTER: &str = "https://id.gs1.org/414/0614141000005";

/// Events, master data and organisation names in memory.
#[derive(Default)]
pub(crate) struct Memory {
    events: Vec<StoredEvent>,
    master: Vec<(String, VocabularyElement)>,
    names: Vec<(OrganisationId, String)>,
}

#[async_trait]
impl EventSource for Memory {
    async fn events_naming(&self, identifier: &str) -> Result<Vec<StoredEvent>, StoreError> {
        Ok(self
            .events
            .iter()
            .filter(|e| e.event.identifiers.iter().any(|(_, v)| v == identifier))
            .cloned()
            .collect())
    }
}

#[async_trait]
impl ExportSource for Memory {
    async fn vocabulary_element(
        &self,
        vocabulary_type: &str,
        id: &str,
    ) -> Result<Option<VocabularyElement>, StoreError> {
        Ok(self
            .master
            .iter()
            .find(|(t, e)| t == vocabulary_type && e.id == id)
            .map(|(_, e)| e.clone()))
    }

    async fn organisation_name(&self, id: OrganisationId) -> Result<Option<String>, StoreError> {
        Ok(self
            .names
            .iter()
            .find(|(o, _)| *o == id)
            .map(|(_, n)| n.clone()))
    }

    async fn place_street_shown(&self, _id: &str) -> Result<bool, StoreError> {
        Ok(true)
    }

    async fn events_in(
        &self,
        owner: Option<OrganisationId>,
        range: TimeRange,
        limit: usize,
    ) -> Result<Vec<SourceEvent>, StoreError> {
        let mut events: Vec<&StoredEvent> = self
            .events
            .iter()
            .filter(|e| owner.is_none_or(|o| e.event.owner == o))
            .filter(|e| range.ge.is_none_or(|ge| e.event.event_time >= ge))
            .filter(|e| range.lt.is_none_or(|lt| e.event.event_time < lt))
            .collect();
        events.sort_by_key(|e| e.event.event_time);
        Ok(events
            .into_iter()
            .take(limit)
            .map(|e| SourceEvent {
                owner: e.event.owner,
                document: e.event.document.clone(),
            })
            .collect())
    }
}

impl Memory {
    /// Names an organisation.
    pub(crate) fn organisation(&mut self, name: &str) -> OrganisationId {
        let id = OrganisationId::generate();
        self.names.push((id, name.to_owned()));
        id
    }

    /// Adds a vocabulary element with CBV attributes given as `(local name, JSON value)`.
    pub(crate) fn element(&mut self, vocabulary: &str, id: &str, attributes: &[(&str, Value)]) {
        self.master.push((
            vocabulary.to_owned(),
            VocabularyElement {
                vocabulary_type: vocabulary.to_owned(),
                id: id.to_owned(),
                attributes: attributes
                    .iter()
                    .map(|(name, value)| {
                        (format!("urn:epcglobal:cbv:mda#{name}"), value.to_string())
                    })
                    .collect(),
                children: Vec::new(),
            },
        ));
    }

    /// Adds an event of `owner` on day `day` of January 2026 at `hour`, from its JSON-LD.
    pub(crate) fn add(
        &mut self,
        owner: OrganisationId,
        day: u8,
        hour: u8,
        body: Value,
    ) -> &mut Self {
        let sequence = self.events.len() as i64 + 1;
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
        self.events.push(StoredEvent {
            sequence,
            record_time: event.event_time,
            event,
        });
        self
    }
}

/// The identifiers of an event with their roles, as capture indexes them.
fn roles(body: &EventBody) -> Vec<(IdentifierRole, String)> {
    use IdentifierRole as R;
    let mut out = Vec::new();
    let mut push = |role, values: Vec<&String>| {
        out.extend(values.into_iter().map(|v| (role, index_form(v))));
    };
    match body {
        EventBody::Object {
            epc_list,
            quantity_list,
            ..
        } => {
            push(R::Epc, epc_list.iter().collect());
            push(
                R::EpcClass,
                quantity_list.iter().map(|q| &q.epc_class).collect(),
            );
        }
        EventBody::Aggregation {
            parent_id,
            child_epcs,
            child_quantity_list,
            ..
        } => {
            push(R::Parent, parent_id.iter().collect());
            push(R::Epc, child_epcs.iter().collect());
            push(
                R::EpcClass,
                child_quantity_list.iter().map(|q| &q.epc_class).collect(),
            );
        }
        EventBody::Transformation {
            input_quantity_list,
            output_quantity_list,
            ..
        } => {
            push(
                R::InputClass,
                input_quantity_list.iter().map(|q| &q.epc_class).collect(),
            );
            push(
                R::OutputClass,
                output_quantity_list.iter().map(|q| &q.epc_class).collect(),
            );
        }
        other => panic!("no test uses {}", other.type_name()),
    }
    out
}

fn lot(class: &str, amount: f64, uom: &str) -> Value {
    json!({"epcClass": class, "quantity": amount, "uom": uom})
}

fn at(place: &str) -> Value {
    json!({"id": place})
}

/// The firms of [`shrimp_chain`].
pub(crate) struct Chain {
    pub memory: Memory,
    pub hatchery: OrganisationId,
    pub farm: OrganisationId,
    pub processor: OrganisationId,
}

/// A hatchery ships seed to a farm, which stocks pond "Ao số 3", harvests it and ships the lot
/// to a processor; the processor receives it, freezes it into a new lot, packs it on a pallet
/// and ships the pallet to an importer.
pub(crate) fn shrimp_chain() -> Chain {
    let mut memory = Memory::default();
    let hatchery = memory.organisation("Trại giống Minh Phú");
    let farm = memory.organisation("HTX Tôm thẻ Cà Mau");
    let processor = memory.organisation("Công ty Chế biến Thủy sản Năm Căn");
    let location = "urn:epcglobal:epcis:vtype:BusinessLocation";
    memory.element(
        location,
        POND,
        &[
            ("name", json!("Ao số 3")),
            ("streetAddressOne", json!("Ấp Tân Điền")),
            ("city", json!("Cà Mau")),
            ("countryCode", json!("VN")),
            ("latitude", json!(8.9617)),
            ("longitude", json!(105.0113)),
        ],
    );
    memory.element(
        location,
        PLANT,
        &[
            ("name", json!("Nhà máy Năm Căn")),
            ("streetAddressOne", json!("Khóm 2, thị trấn Năm Căn")),
            ("city", json!("Cà Mau")),
            ("countryCode", json!("VN")),
        ],
    );
    memory.element(
        location,
        IMPORTER,
        &[
            ("name", json!("Gulf Seafood Imports LLC")),
            ("streetAddressOne", json!("100 Harbor Rd")),
            ("city", json!("Houston")),
            ("countryCode", json!("US")),
        ],
    );
    let class = "urn:epcglobal:epcis:vtype:EPCClass";
    memory.element(
        class,
        "https://id.gs1.org/01/08931234560027",
        &[
            (
                "descriptionShort",
                json!("Tôm thẻ chân trắng tươi / Fresh whiteleg shrimp"),
            ),
            ("speciesForFisheryStatisticsPurposesCode", json!("PNV")),
            (
                "speciesForFisheryStatisticsPurposesName",
                json!("Litopenaeus vannamei"),
            ),
        ],
    );
    memory.element(
        class,
        "https://id.gs1.org/01/08931234560034",
        &[
            ("descriptionShort", json!("Frozen whiteleg shrimp, peeled")),
            ("tradeItemConditionCode", json!("FRO")),
        ],
    );
    memory
        .add(hatchery, 2, 8, json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "quantityList": [lot(SEED, 200_000.0, "H87")]}))
        .add(farm, 3, 7, json!({"type": "TransformationEvent", "bizStep": "commissioning",
            "bizLocation": at(POND),
            "inputQuantityList": [lot(SEED, 200_000.0, "H87")],
            "outputQuantityList": [lot(POND_LOT, 0.0, "KGM")]}))
        .add(farm, 20, 6, json!({"type": "ObjectEvent", "action": "OBSERVE",
            "bizStep": "urn:gdst:bizStep:farmHarvest", "bizLocation": at(POND),
            "quantityList": [lot(POND_LOT, 1_800.0, "KGM")]}))
        .add(farm, 20, 9, json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "bizLocation": at(POND),
            "quantityList": [lot(POND_LOT, 1_800.0, "KGM")],
            "bizTransactionList": [{"type": "desadv", "bizTransaction": "urn:example:desadv:DA-17"}]}))
        .add(processor, 20, 14, json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving",
            "bizLocation": at(PLANT),
            "quantityList": [lot(POND_LOT, 1_788.0, "KGM")]}))
        .add(processor, 21, 8, json!({"type": "TransformationEvent", "bizStep": "commissioning",
            "bizLocation": at(PLANT),
            "inputQuantityList": [lot(POND_LOT, 1_788.0, "KGM")],
            "outputQuantityList": [lot(FROZEN, 1_108.0, "KGM")]}))
        .add(processor, 22, 10, json!({"type": "AggregationEvent", "action": "ADD", "bizStep": "packing",
            "bizLocation": at(PLANT), "parentID": PALLET,
            "childQuantityList": [lot(FROZEN, 1_108.0, "KGM")]}))
        .add(processor, 23, 15, json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "bizLocation": at(PLANT), "epcList": [PALLET],
            "bizTransactionList": [{"type": "inv", "bizTransaction": "urn:example:inv:INV-2026-001"}],
            "destinationList": [{"type": "owning_party", "destination": IMPORTER}]}));
    Chain {
        memory,
        hatchery,
        farm,
        processor,
    }
}
