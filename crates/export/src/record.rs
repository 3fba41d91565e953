//! Events read back into the model, with the goods each names, and the master data they point
//! at, resolved once per export.

use std::collections::{BTreeSet, HashMap};

use nguon_domain::{OrganisationId, TimeRange, VocabularyElement};
use nguon_epcis::identifier::index_form;
use nguon_epcis::json_ld::read_stored_event;
use nguon_epcis::model::{
    Event, EventBody, Extension, ExtensionValue, QuantityElement, TypedValue,
};
use nguon_store::StoreError;
use nguon_trace::{Direction, Identifier, Limits, Quantity, trace};
use time::{OffsetDateTime, UtcOffset};

use crate::ExportError;
use crate::source::{ExportSource, SourceEvent};

/// The CBV location vocabulary.
pub(crate) const LOCATION_VOCABULARY: &str = "urn:epcglobal:epcis:vtype:BusinessLocation";
/// The CBV read-point vocabulary, which some capturers use for their sites.
const READ_POINT_VOCABULARY: &str = "urn:epcglobal:epcis:vtype:ReadPoint";
/// The CBV party vocabulary.
const PARTY_VOCABULARY: &str = "urn:epcglobal:epcis:vtype:Party";
/// The CBV product-class vocabulary.
pub(crate) const CLASS_VOCABULARY: &str = "urn:epcglobal:epcis:vtype:EPCClass";
/// Where CBV master-data attribute names start.
pub(crate) const MDA: &str = "urn:epcglobal:cbv:mda#";

/// How an identifier takes part in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Observed, added, shipped, received: the object of an object or transaction event.
    Object,
    /// Consumed by a transformation.
    Input,
    /// Made by a transformation.
    Output,
    /// Packed into or taken out of a container.
    Child,
}

/// One identifier an event names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Goods {
    /// In index form.
    pub id: String,
    pub role: Role,
    /// Its amount, when a quantity list gives one; an instance has none.
    pub quantity: Option<Quantity>,
}

/// One event, read back, with its owner and goods.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub owner: OrganisationId,
    pub event: Event,
    pub goods: Vec<Goods>,
}

impl Record {
    fn read(source: &SourceEvent) -> Result<Self, StoreError> {
        let event = read_stored_event(&source.document).map_err(|issues| {
            StoreError::Internal(format!(
                "a stored event cannot be read back: {}",
                issues
                    .iter()
                    .map(|i| format!("{} {}", i.path, i.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ))
        })?;
        let goods = goods(&event.body);
        Ok(Self {
            owner: source.owner,
            event,
            goods,
        })
    }

    /// The business step without the CBV prefix (`shipping`), or the full URI of another
    /// vocabulary.
    pub fn step(&self) -> Option<&str> {
        let step = self.event.biz_step.as_deref()?;
        Some(
            step.strip_prefix("https://ref.gs1.org/cbv/BizStep-")
                .unwrap_or(step),
        )
    }

    /// Where it happened: the business location, else the read point, as written.
    pub fn location(&self) -> Option<&str> {
        self.event
            .biz_location
            .as_ref()
            .or(self.event.read_point.as_ref())
            .map(|l| l.id.as_str())
    }

    /// The goods of `id` in it.
    pub fn naming(&self, id: &str) -> Option<&Goods> {
        self.goods.iter().find(|g| g.id == id)
    }

    /// Its date in its own time zone, `YYYY-MM-DD`.
    pub fn local_date(&self) -> String {
        date_text(self.local_time())
    }

    /// Its time in its own time zone.
    pub fn local_time(&self) -> OffsetDateTime {
        let offset = UtcOffset::parse(
            &self.event.event_time_zone_offset,
            time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]"),
        )
        .unwrap_or(UtcOffset::UTC);
        self.event.event_time.to_offset(offset)
    }

    /// A text field of its ILMD whose local name is `local`.
    pub fn ilmd_text(&self, local: &str) -> Option<String> {
        let ilmd = match &self.event.body {
            EventBody::Object { ilmd, .. } | EventBody::Transformation { ilmd, .. } => ilmd,
            _ => return None,
        };
        field_text(ilmd.as_deref()?, local)
    }
}

/// A text or number field named `local` among `fields`, in any namespace.
fn field_text(fields: &[Extension], local: &str) -> Option<String> {
    fields
        .iter()
        .find(|f| f.name.local == local)
        .and_then(|f| match &f.value {
            ExtensionValue::Text(text) | ExtensionValue::Number(text) => Some(text.clone()),
            _ => None,
        })
}

/// `YYYY-MM-DD`.
pub(crate) fn date_text(time: OffsetDateTime) -> String {
    let date = time.date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn goods(body: &EventBody) -> Vec<Goods> {
    let instances = |list: &[String], role| -> Vec<Goods> {
        list.iter()
            .map(|epc| Goods {
                id: index_form(epc),
                role,
                quantity: None,
            })
            .collect()
    };
    let classes = |list: &[QuantityElement], role| -> Vec<Goods> {
        list.iter()
            .map(|q| Goods {
                id: index_form(&q.epc_class),
                role,
                quantity: q
                    .quantity
                    .as_deref()
                    .and_then(|a| a.parse().ok())
                    .map(|amount| Quantity {
                        amount,
                        uom: q.uom.clone(),
                    }),
            })
            .collect()
    };
    match body {
        EventBody::Object {
            epc_list,
            quantity_list,
            ..
        }
        | EventBody::Transaction {
            epc_list,
            quantity_list,
            ..
        } => [
            instances(epc_list, Role::Object),
            classes(quantity_list, Role::Object),
        ]
        .concat(),
        EventBody::Aggregation {
            child_epcs,
            child_quantity_list,
            ..
        }
        | EventBody::Association {
            child_epcs,
            child_quantity_list,
            ..
        } => [
            instances(child_epcs, Role::Child),
            classes(child_quantity_list, Role::Child),
        ]
        .concat(),
        EventBody::Transformation {
            input_epc_list,
            input_quantity_list,
            output_epc_list,
            output_quantity_list,
            ..
        } => [
            instances(input_epc_list, Role::Input),
            classes(input_quantity_list, Role::Input),
            instances(output_epc_list, Role::Output),
            classes(output_quantity_list, Role::Output),
        ]
        .concat(),
    }
}

/// The events naming any of `identifiers`, each once, in event-time order.
pub(crate) async fn records_naming<S: ExportSource + ?Sized>(
    source: &S,
    identifiers: &[Identifier],
) -> Result<Vec<Record>, StoreError> {
    let mut records = source
        .events_naming_any(identifiers)
        .await?
        .into_iter()
        .map(|stored| {
            Record::read(&SourceEvent {
                owner: stored.event.owner,
                document: stored.event.document,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    records.sort_by_key(|r| r.event.event_time);
    Ok(records)
}

/// The events of `owner` (everyone's when `None`) in `range`, in event-time order.
pub(crate) async fn records_in<S: ExportSource + ?Sized>(
    source: &S,
    owner: Option<OrganisationId>,
    range: TimeRange,
    limit: usize,
) -> Result<Vec<Record>, StoreError> {
    source
        .events_in(owner, range, limit)
        .await?
        .iter()
        .map(Record::read)
        .collect()
}

/// The identifiers of a walk from `lot` in `direction`, at most `depth` steps away; an error
/// when no event names the lot.
pub(crate) async fn walk<S: ExportSource + ?Sized>(
    source: &S,
    lot: &Identifier,
    direction: Direction,
    depth: u32,
) -> Result<nguon_trace::Trace, ExportError> {
    let limits = Limits {
        max_depth: depth,
        ..Limits::default()
    };
    trace(source, lot, direction, limits)
        .await?
        .ok_or_else(|| ExportError::UnknownLot(lot.as_str().to_owned()))
}

/// The master-data attributes that locate a home to the street: left out for a household's
/// place unless it consented to publishing its address.
const STREET_ATTRIBUTES: [&str; 2] = ["streetAddressOne", "streetAddressTwo"];

/// A place from master data.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Place {
    pub name: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl Place {
    fn of(attributes: &[(String, String)]) -> Self {
        let text = |name: &str| attribute(attributes, name);
        let address: Vec<String> = [
            "streetAddressOne",
            "streetAddressTwo",
            "city",
            "state",
            "postalCode",
            "countryCode",
        ]
        .into_iter()
        .filter_map(text)
        .collect();
        Self {
            name: text("name"),
            address: (!address.is_empty()).then(|| address.join(", ")),
            latitude: text("latitude").and_then(|t| t.parse().ok()),
            longitude: text("longitude").and_then(|t| t.parse().ok()),
        }
    }

    /// "latitude, longitude", when both are known.
    pub fn coordinates(&self) -> Option<String> {
        Some(format!("{}, {}", self.latitude?, self.longitude?))
    }
}

/// A CBV master-data attribute `local` (`name`, `latitude`…) as text: a JSON string unquoted,
/// a number as written.
pub(crate) fn attribute(attributes: &[(String, String)], local: &str) -> Option<String> {
    let full = format!("{MDA}{local}");
    let (_, value) = attributes
        .iter()
        .find(|(id, _)| *id == full || id.strip_prefix("cbvmda:") == Some(local))?;
    match serde_json::from_str::<serde_json::Value>(value).ok()? {
        serde_json::Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Master data and names for the events of one export, looked up once each.
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    /// Every element found, with its vocabulary type, in the order found.
    elements: Vec<VocabularyElement>,
    places: HashMap<String, Place>,
    classes: HashMap<String, Vec<(String, String)>>,
    organisations: HashMap<OrganisationId, String>,
}

impl Lookups {
    /// Resolves every location, party, product class and owner `records` name.
    pub async fn resolve<S: ExportSource + ?Sized>(
        source: &S,
        records: &[Record],
    ) -> Result<Self, StoreError> {
        let mut places = BTreeSet::new();
        let mut classes = BTreeSet::new();
        let mut owners = BTreeSet::new();
        for record in records {
            owners.insert(record.owner);
            places.extend(
                [&record.event.read_point, &record.event.biz_location]
                    .into_iter()
                    .flatten()
                    .map(|l| l.id.clone()),
            );
            places.extend(
                record
                    .event
                    .source_list
                    .iter()
                    .chain(&record.event.destination_list)
                    .map(|v: &TypedValue| v.value.clone()),
            );
            for goods in &record.goods {
                classes.extend(class_candidates(&goods.id));
            }
        }
        let mut lookups = Self::default();
        for id in places {
            if let Some(mut element) = place(source, &id).await? {
                if !source.place_street_shown(&id).await? {
                    element.attributes.retain(|(attribute, _)| {
                        let local = attribute.rsplit(['#', ':']).next().unwrap_or_default();
                        !STREET_ATTRIBUTES.contains(&local)
                    });
                }
                lookups.places.insert(id, Place::of(&element.attributes));
                lookups.elements.push(element);
            }
        }
        for id in classes {
            if let Some(element) = source.vocabulary_element(CLASS_VOCABULARY, &id).await? {
                lookups.classes.insert(id, element.attributes.clone());
                lookups.elements.push(element);
            }
        }
        for owner in owners {
            if let Some(name) = source.organisation_name(owner).await? {
                lookups.organisations.insert(owner, name);
            }
        }
        Ok(lookups)
    }

    /// Every master-data element found.
    pub fn elements(&self) -> &[VocabularyElement] {
        &self.elements
    }

    /// What master data says of a location or party.
    pub fn place(&self, id: &str) -> Option<&Place> {
        self.places.get(id)
    }

    /// A location or party as "name, address", else as its identifier.
    pub fn describe(&self, id: &str) -> String {
        match self.place(id) {
            Some(Place {
                name: Some(name),
                address: Some(address),
                ..
            }) => format!("{name}, {address}"),
            Some(Place {
                name: Some(name), ..
            }) => format!("{name} ({id})"),
            _ => id.to_owned(),
        }
    }

    /// A product-class attribute of `goods` (`descriptionShort`…), from the lot's own class
    /// or its GTIN's.
    pub fn product(&self, goods: &str, local: &str) -> Option<String> {
        class_candidates(goods)
            .iter()
            .filter_map(|id| self.classes.get(id))
            .find_map(|attributes| attribute(attributes, local))
    }

    /// The product's description: its short description, else its trade item description.
    pub fn description(&self, goods: &str) -> Option<String> {
        self.product(goods, "descriptionShort")
            .or_else(|| self.product(goods, "tradeItemDescription"))
    }

    /// The organisation's registered name, else its id.
    pub fn organisation(&self, id: OrganisationId) -> String {
        self.organisations
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }
}

/// A place's master data: the location vocabulary, then read points, then parties.
async fn place<S: ExportSource + ?Sized>(
    source: &S,
    id: &str,
) -> Result<Option<VocabularyElement>, StoreError> {
    let indexed = index_form(id);
    for vocabulary in [LOCATION_VOCABULARY, READ_POINT_VOCABULARY, PARTY_VOCABULARY] {
        for key in [id, indexed.as_str()] {
            if let Some(element) = source.vocabulary_element(vocabulary, key).await? {
                return Ok(Some(element));
            }
            if key == indexed {
                break;
            }
        }
    }
    Ok(None)
}

/// The class ids master data may describe a lot under: the lot itself, then its GTIN.
fn class_candidates(goods: &str) -> Vec<String> {
    let mut ids = vec![goods.to_owned()];
    if let Some(rest) = goods.strip_prefix("https://id.gs1.org/01/")
        && let Some((gtin, _)) = rest.split_once('/')
    {
        ids.push(format!("https://id.gs1.org/01/{gtin}"));
    }
    ids
}
