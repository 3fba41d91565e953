//! Reading a stored event back against its template: which stage it records, and which of that
//! stage's required KDEs it lacks. An event captured through a diary form has them all; one
//! pushed by a vendor system or a partner may not, and the data-quality score counts the gaps.

use nguon_epcis::model::{Event, EventBody, QuantityElement};

use crate::template::{EventKind, ListKind, Target};
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
