//! Reading a stored event back against its template: which stage it records, and which of that
//! stage's required KDEs it lacks. An event captured through a diary form has them all; one
//! pushed by a vendor system or a partner may not, and the data-quality score counts the gaps.

use std::collections::BTreeMap;

use nguon_epcis::model::format_timestamp;
use nguon_epcis::model::{Event, EventBody, Extension, ExtensionValue, QName, QuantityElement};

use crate::template::{EventKind, KdeType, ListKind, Target};
use crate::{ChainTemplate, Kde, OrganisationKind, Stage};

impl ChainTemplate {
    /// The stage whose event shape (type, action, business step) `event` has. When several
    /// stages share a shape, the one the event fills best.
    pub fn stage_of(&self, event: &Event) -> Option<&Stage> {
        self.stages()
            .iter()
            .filter(|stage| stage.records(event))
            .min_by_key(|stage| stage.missing(event).len())
    }

    /// The stages recorded by events of this shape, recorded by an organisation of `kind`: for
    /// counts read per shape, where the events themselves are not at hand. Stages whose
    /// organisation kinds include `kind` come first, then the rest, each in chain order, so the
    /// first is the best guess (a farm's receiving, not a processor's).
    pub fn stages_of_shape(&self, shape: &ShapeKey<'_>, kind: OrganisationKind) -> Vec<&Stage> {
        let (mut own, other): (Vec<&Stage>, Vec<&Stage>) = self
            .stages()
            .iter()
            .filter(|stage| stage.has_shape(shape))
            .partition(|stage| stage.organisations().contains(&kind));
        own.extend(other);
        own
    }
}

/// An event's shape as a store keeps it in columns: what [`Stage::records`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeKey<'a> {
    /// The event type (`ObjectEvent`, …).
    pub event_type: &'a str,
    /// The action (`ADD`, `OBSERVE`, `DELETE`); none for transformations.
    pub action: Option<&'a str>,
    /// The business step, normalised as events keep it.
    pub biz_step: Option<&'a str>,
}

impl Stage {
    /// Whether `event` has this stage's event type, action and business step.
    pub fn records(&self, event: &Event) -> bool {
        self.has_shape(&ShapeKey {
            event_type: kind_of(&event.body).as_str(),
            action: event.body.action().map(|action| action.as_str()),
            biz_step: event.biz_step.as_deref(),
        })
    }

    /// Whether events of `shape` are this stage's: the same type, action and business step.
    pub fn has_shape(&self, shape: &ShapeKey<'_>) -> bool {
        let own = self.event();
        shape.event_type == own.kind().as_str()
            && shape.action == own.action().map(|action| action.as_str())
            && shape.biz_step == Some(own.biz_step())
    }

    /// The required KDEs of this stage with nothing where they go in `event`.
    pub fn missing(&self, event: &Event) -> Vec<&Kde> {
        self.kdes()
            .iter()
            .filter(|kde| kde.required() && !self.holds(kde, event))
            .collect()
    }

    /// The form values that make `event` again, KDE key → text as a form or an import row
    /// holds it: what an export writes so that its file imports back. KDEs with nothing in the
    /// event are left out. Two lot KDEs filling the same list cannot be told apart; the first
    /// gets the list.
    pub fn form_values(&self, event: &Event) -> BTreeMap<String, String> {
        let ranges = self.lot_ranges(event);
        let mut values = BTreeMap::new();
        for kde in self.kdes() {
            let value = match kde.target() {
                Target::Lots(list) => ranges.get(kde.key()).map(|&(start, end, first)| {
                    let (epcs, quantities) = lists(&event.body, *list);
                    let instances: &[String] = if first { epcs } else { &[] };
                    quantities[start..end]
                        .iter()
                        .map(|q| q.epc_class.as_str())
                        .chain(instances.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join("\n")
                }),
                Target::ParentId => parent(&event.body).map(str::to_owned),
                Target::LotQuantity(lot) => {
                    match (self.kde(lot).map(Kde::target), ranges.get(lot.as_str())) {
                        (Some(Target::Lots(list)), Some(&(start, end, _))) => {
                            let (_, quantities) = lists(&event.body, *list);
                            let amounts: Option<Vec<String>> = quantities[start..end]
                                .iter()
                                .map(|q| {
                                    let amount = q.quantity.as_deref()?;
                                    Some(match q.uom.as_deref() {
                                        Some(uom) => format!("{amount} {uom}"),
                                        None => amount.to_owned(),
                                    })
                                })
                                .collect();
                            amounts.map(|a| a.join("\n"))
                        }
                        _ => None,
                    }
                }
                Target::BizLocation => event.biz_location.as_ref().map(|l| l.id.clone()),
                Target::ReadPoint => event.read_point.as_ref().map(|l| l.id.clone()),
                // The owner's own entry comes first; a KDE's entry of the same type after it.
                Target::Source(kind) => typed(&event.source_list, kind),
                Target::Destination(kind) => typed(&event.destination_list, kind),
                Target::BizTransaction(kind) => event
                    .biz_transaction_list
                    .iter()
                    .find(|t| kind.is_none() || t.kind == *kind)
                    .map(|t| match kde.value() {
                        KdeType::Text { .. } => document_number(&t.value),
                        _ => t.value.clone(),
                    }),
                Target::CertificationInfo => event.certification_info.first().cloned(),
                Target::EventTime => Some(match kde.value() {
                    KdeType::Date => event.event_time.date().to_string(),
                    _ => format_timestamp(event.event_time),
                }),
                Target::Sensor { measurement, .. } => event
                    .sensor_element_list
                    .iter()
                    .flat_map(|element| &element.reports)
                    .find(|report| report.kind.as_deref() == Some(measurement))
                    .and_then(|report| report.value.clone().or(report.string_value.clone())),
                Target::Extension(name) => field(&event.extensions, name),
                Target::Ilmd(name) => ilmd(&event.body).and_then(|fields| field(fields, name)),
            };
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                values.insert(kde.key().to_owned(), value);
            }
        }
        values
    }

    /// Which part of its list's quantity elements each lot KDE filled, as (start, end, whether
    /// it is the list's first KDE, which also gets the instance identifiers). The form places
    /// lots in KDE order, so the parts follow one another: a single-lot KDE has one element, a
    /// multiple one what the single-lot KDEs after it leave.
    fn lot_ranges(&self, event: &Event) -> BTreeMap<&str, (usize, usize, bool)> {
        let mut ranges = BTreeMap::new();
        let lot_kdes: Vec<(&Kde, ListKind)> = self
            .kdes()
            .iter()
            .filter_map(|kde| match kde.target() {
                Target::Lots(list) => Some((kde, *list)),
                _ => None,
            })
            .collect();
        for (index, (kde, list)) in lot_kdes.iter().enumerate() {
            let (_, quantities) = lists(&event.body, *list);
            let same_list = |(_, other): &&(&Kde, ListKind)| other == list;
            let start = lot_kdes[..index]
                .iter()
                .filter(same_list)
                .filter_map(|(k, _)| ranges.get(k.key()).map(|&(_, end, _)| end))
                .max()
                .unwrap_or(0);
            let singles_after = lot_kdes[index + 1..]
                .iter()
                .filter(same_list)
                .filter(|(k, _)| k.required() && !is_multiple(k))
                .count();
            let left = quantities.len().saturating_sub(start);
            let take = if is_multiple(kde) {
                left.saturating_sub(singles_after)
            } else {
                left.min(1)
            };
            let first = !lot_kdes[..index].iter().any(|entry| same_list(&entry));
            if take > 0 || first {
                ranges.insert(kde.key(), (start, start + take, first));
            }
        }
        ranges
    }

    fn holds(&self, kde: &Kde, event: &Event) -> bool {
        match kde.target() {
            Target::Lots(list) => {
                let (epcs, quantities) = lists(&event.body, *list);
                !epcs.is_empty() || !quantities.is_empty()
            }
            Target::ParentId => parent(&event.body).is_some(),
            Target::LotQuantity(lot) => match self.kde(lot).map(Kde::target) {
                Some(Target::Lots(list)) => {
                    let (_, quantities) = lists(&event.body, *list);
                    !quantities.is_empty() && quantities.iter().all(|q| q.quantity.is_some())
                }
                _ => false,
            },
            Target::BizLocation => event.biz_location.is_some(),
            Target::ReadPoint => event.read_point.is_some(),
            Target::Source(kind) => event
                .source_list
                .iter()
                .any(|s| s.kind.as_deref() == Some(kind)),
            Target::Destination(kind) => event
                .destination_list
                .iter()
                .any(|d| d.kind.as_deref() == Some(kind)),
            Target::BizTransaction(kind) => event
                .biz_transaction_list
                .iter()
                .any(|t| kind.is_none() || t.kind == *kind),
            Target::Ilmd(name) => ilmd(&event.body).is_some_and(|fields| {
                fields
                    .iter()
                    .any(|f| f.name.namespace == name.namespace && f.name.local == name.local)
            }),
            Target::Extension(name) => event
                .extensions
                .iter()
                .any(|f| f.name.namespace == name.namespace && f.name.local == name.local),
            Target::Sensor { measurement, .. } => event
                .sensor_element_list
                .iter()
                .flat_map(|element| &element.reports)
                .any(|report| report.kind.as_deref() == Some(measurement)),
            Target::CertificationInfo => !event.certification_info.is_empty(),
            // Every event has a time.
            Target::EventTime => true,
        }
    }
}

fn is_multiple(kde: &Kde) -> bool {
    matches!(kde.value(), KdeType::Lot { multiple: true, .. })
}

/// The value of the last entry of `kind`: the one a KDE added after the owner's own.
fn typed(list: &[nguon_epcis::model::TypedValue], kind: &str) -> Option<String> {
    list.iter()
        .rfind(|entry| entry.kind.as_deref() == Some(kind))
        .map(|entry| entry.value.clone())
}

/// The number a form typed for a business document: the end of the
/// `urn:epcglobal:cbv:bt:{GLN}:{number}` the form made of it, percent-decoded.
fn document_number(value: &str) -> String {
    let Some(rest) = value.strip_prefix("urn:epcglobal:cbv:bt:") else {
        return value.to_owned();
    };
    let encoded = rest.split_once(':').map_or(rest, |(_, number)| number);
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(decoded).unwrap_or_else(|_| encoded.to_owned())
}

/// An extension field's value as form text: a point as `latitude, longitude`, an amount as
/// `value unit`.
fn field(fields: &[Extension], name: &QName) -> Option<String> {
    let found = fields
        .iter()
        .find(|f| f.name.namespace == name.namespace && f.name.local == name.local)?;
    match &found.value {
        ExtensionValue::Text(text) | ExtensionValue::Number(text) => Some(text.clone()),
        ExtensionValue::Fields(children) => {
            let child = |local: &str| {
                children
                    .iter()
                    .find(|c| c.name.local == local)
                    .and_then(|c| match &c.value {
                        ExtensionValue::Text(t) | ExtensionValue::Number(t) => Some(t.clone()),
                        _ => None,
                    })
            };
            match (
                child("latitude"),
                child("longitude"),
                child("value"),
                child("uom"),
            ) {
                (Some(lat), Some(lon), _, _) => Some(format!("{lat}, {lon}")),
                (_, _, Some(value), Some(uom)) => Some(format!("{value} {uom}")),
                _ => None,
            }
        }
        _ => None,
    }
}

fn kind_of(body: &EventBody) -> EventKind {
    match body {
        EventBody::Object { .. } => EventKind::Object,
        EventBody::Aggregation { .. } => EventKind::Aggregation,
        EventBody::Transaction { .. } => EventKind::Transaction,
        EventBody::Transformation { .. } => EventKind::Transformation,
        EventBody::Association { .. } => EventKind::Association,
    }
}

fn lists(body: &EventBody, list: ListKind) -> (&[String], &[QuantityElement]) {
    match (body, list) {
        (
            EventBody::Object {
                epc_list,
                quantity_list,
                ..
            }
            | EventBody::Transaction {
                epc_list,
                quantity_list,
                ..
            },
            ListKind::Plain,
        ) => (epc_list, quantity_list),
        (
            EventBody::Aggregation {
                child_epcs,
                child_quantity_list,
                ..
            }
            | EventBody::Association {
                child_epcs,
                child_quantity_list,
                ..
            },
            ListKind::Child,
        ) => (child_epcs, child_quantity_list),
        (
            EventBody::Transformation {
                input_epc_list,
                input_quantity_list,
                ..
            },
            ListKind::Input,
        ) => (input_epc_list, input_quantity_list),
        (
            EventBody::Transformation {
                output_epc_list,
                output_quantity_list,
                ..
            },
            ListKind::Output,
        ) => (output_epc_list, output_quantity_list),
        _ => (&[], &[]),
    }
}

fn parent(body: &EventBody) -> Option<&str> {
    match body {
        EventBody::Aggregation { parent_id, .. } | EventBody::Transaction { parent_id, .. } => {
            parent_id.as_deref()
        }
        EventBody::Association { parent_id, .. } => Some(parent_id.as_str()),
        _ => None,
    }
}

fn ilmd(body: &EventBody) -> Option<&[nguon_epcis::model::Extension]> {
    match body {
        EventBody::Object { ilmd, .. } | EventBody::Transformation { ilmd, .. } => ilmd.as_deref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::{Capture, Catalogue};

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn an_event_made_by_a_form_is_read_back_as_its_stage_and_a_gap_is_named() {
        let catalogue = Catalogue::embedded().unwrap();
        let shrimp = catalogue.get("farmed-shrimp").unwrap();
        let capture = Capture {
            owner: nguon_gs1::Gln::parse("8935000009000").unwrap(),
            event_time: time::macros::datetime!(2026-05-04 08:15 +07:00),
        };
        let treatment = form(&[
            ("pond", "(414)8935000000076"),
            ("stock_lot", "(01)08935000001004(10)PL-01"),
            ("substance", "Zeolite"),
            ("substance_kind", "chemical"),
            ("dose", "20 kg/1 000 m³"),
        ]);
        let mut event = shrimp.event("treatment", &treatment, &capture).unwrap();
        let stage = shrimp.stage_of(&event).expect("the treatment stage");
        assert_eq!(stage.id(), "treatment");
        assert!(stage.missing(&event).is_empty());

        event.biz_location = None;
        event.read_point = None;
        let missing: Vec<_> = stage.missing(&event).iter().map(|k| k.key()).collect();
        assert_eq!(missing, ["pond"]);

        event.biz_step = Some("https://ref.gs1.org/cbv/BizStep-inspecting".into());
        assert!(!stage.records(&event));
    }

    #[test]
    fn the_form_values_of_an_event_make_the_same_event_again() {
        let catalogue = Catalogue::embedded().unwrap();
        let shrimp = catalogue.get("farmed-shrimp").unwrap();
        let capture = Capture {
            owner: nguon_gs1::Gln::parse("8935000009000").unwrap(),
            event_time: time::macros::datetime!(2026-05-04 08:15 +07:00),
        };
        let harvest = form(&[
            ("pond", "(414)8935000000076"),
            ("seed_lot", "(01)08935000001004(10)PL-01"),
            (
                "feed_lots",
                "(01)08935000002001(10)F-1\n(01)08935000002001(10)F-2",
            ),
            ("harvest_lot", "(01)08935000003008(10)H-01"),
            ("harvest_weight", "1200,5 KGM"),
            ("aquaculture_method", "Intensive"),
            ("production_method", "AQUACULTURE"),
            ("harvest_start", "04/05/2026"),
            ("pond_location", "9.2851, 105.7244"),
            ("farm_certificate", "https://example.vn/vietgap/42"),
        ]);
        let event = shrimp
            .event("harvest", &harvest, &capture)
            .unwrap_or_else(|e| panic!("harvest: {e:?}"));
        let values = shrimp.stage("harvest").unwrap().form_values(&event);
        assert_eq!(
            values["feed_lots"].lines().count(),
            2,
            "the multiple-lot field gets the lots the single one leaves"
        );
        assert_eq!(values["harvest_weight"], "1200.5 KGM");
        let again = shrimp
            .event("harvest", &values, &capture)
            .unwrap_or_else(|e| panic!("harvest: {e:?} from {values:?}"));
        assert_eq!(again, event);
    }

    #[test]
    fn a_shape_read_from_columns_finds_the_stage_the_owner_kind_records() {
        use crate::{OrganisationKind, ShapeKey};
        let catalogue = Catalogue::embedded().unwrap();
        let shrimp = catalogue.get("farmed-shrimp").unwrap();
        let receiving = ShapeKey {
            event_type: "ObjectEvent",
            action: Some("OBSERVE"),
            biz_step: Some(shrimp.stage("stocking").unwrap().event().biz_step()),
        };
        let ids = |kind| {
            shrimp
                .stages_of_shape(&receiving, kind)
                .iter()
                .map(|stage| stage.id())
                .collect::<Vec<_>>()
        };
        // Every receiving stage matches; the ones a cooperative records come first.
        assert_eq!(
            ids(OrganisationKind::Cooperative),
            ["stocking", "collector_receiving", "processor_receiving"]
        );
        assert_eq!(ids(OrganisationKind::Enterprise)[0], "stocking");
        let harvest = ShapeKey {
            event_type: "TransformationEvent",
            action: None,
            biz_step: Some(crate::FARM_HARVEST),
        };
        assert_eq!(
            shrimp.stages_of_shape(&harvest, OrganisationKind::Household)[0].id(),
            "harvest"
        );
        // The action is part of the shape.
        let added = ShapeKey {
            action: Some("ADD"),
            ..receiving
        };
        assert!(
            shrimp
                .stages_of_shape(&added, OrganisationKind::Household)
                .is_empty()
        );
    }
}
