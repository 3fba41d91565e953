//! The walk: identifiers are nodes, the events linking them are edges, visited breadth first
//! from the start, once each.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use nguon_domain::{
    Action, EventType, IdentifierRole, LinkKind, NewEvent, OrganisationId, StoredEvent,
};
use nguon_epcis::identifier::index_form;
use nguon_epcis::json_ld::{Lineage, read_stored_event, read_stored_lineage};
use nguon_epcis::model::{Event, QuantityElement, TypedValue};
use nguon_store::{Store, StoreError};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Identifier, IdentifierKind};

/// Most events read for one identifier: the store's largest answer. A node with this many is
/// reported as possibly incomplete (`truncated`).
pub const MAX_EVENTS_PER_IDENTIFIER: u32 = 10_000;

/// Where the walk reads events from: every [`Store`], or a fixed set in tests.
#[async_trait]
pub trait EventSource: Send + Sync {
    /// The events of every organisation naming `identifier` in any role, in capture order, at
    /// most [`MAX_EVENTS_PER_IDENTIFIER`].
    async fn events_naming(&self, identifier: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// The events naming any of `identifiers`, each once, in capture order: for each identifier
    /// what [`EventSource::events_naming`] gives. A store answers a level of a walk, or all of
    /// one read ahead, in one call.
    async fn events_naming_any(
        &self,
        identifiers: &[Identifier],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut seen = HashSet::new();
        let mut events = Vec::new();
        for identifier in identifiers {
            for event in self.events_naming(identifier.as_str()).await? {
                if seen.insert((event.event.owner, event.sequence)) {
                    events.push(event);
                }
            }
        }
        events.sort_by_key(|event| event.sequence);
        Ok(events)
    }

    /// The identifiers a walk from `start` in `direction` within `limits` is likely to reach, so
    /// that their events can be read in one call before it starts: possibly not all of them,
    /// and none from a source that keeps no link index. The walk reads anything missing itself.
    async fn reachable(
        &self,
        _start: &Identifier,
        _direction: Direction,
        _limits: Limits,
    ) -> Result<Vec<Identifier>, StoreError> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl<S: Store + ?Sized> EventSource for S {
    async fn events_naming(&self, identifier: &str) -> Result<Vec<StoredEvent>, StoreError> {
        self.events_with_identifier(identifier, &[], MAX_EVENTS_PER_IDENTIFIER)
            .await
    }

    async fn events_naming_any(
        &self,
        identifiers: &[Identifier],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let keys: Vec<String> = identifiers.iter().map(|i| i.as_str().to_owned()).collect();
        Store::events_naming_any(self, &keys, MAX_EVENTS_PER_IDENTIFIER).await
    }

    async fn reachable(
        &self,
        start: &Identifier,
        direction: Direction,
        limits: Limits,
    ) -> Result<Vec<Identifier>, StoreError> {
        // A walk of `max_nodes` nodes goes no deeper than that. Rows beyond twice the nodes
        // would be identifiers met again at other depths, or ones the walk cuts.
        let nodes = u32::try_from(limits.max_nodes).unwrap_or(u32::MAX);
        let found = self
            .linked_identifiers(
                start.as_str(),
                direction,
                limits.max_depth.min(nodes),
                nodes.saturating_mul(2),
            )
            .await?;
        Ok(found.iter().map(|id| Identifier::indexed(id)).collect())
    }
}

/// Which way to walk.
pub use nguon_domain::TraceDirection as Direction;

/// How far a walk may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most nodes, the start included; reaching it sets `truncated`.
    pub max_nodes: usize,
    /// Most steps from the start; nodes this far away are shown but not followed further.
    pub max_depth: u32,
}

impl Default for Limits {
    /// 10,000 nodes, which bounds the store calls of one trace; no depth limit.
    fn default() -> Self {
        Self {
            max_nodes: 10_000,
            max_depth: u32::MAX,
        }
    }
}

/// How one identifier leads to the next, read in the direction walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Forward through a transformation: an input to an output.
    TransformedInto,
    /// Back through a transformation: an output to an input.
    MadeFrom,
    /// Forward through aggregation ADD or OBSERVE: a child to its container.
    PackedInto,
    /// Back through aggregation ADD or OBSERVE: a container to its children.
    Contains,
    /// Forward through aggregation DELETE: a container to the children taken out.
    UnpackedInto,
    /// Back through aggregation DELETE: a child to the container it was taken out of.
    UnpackedFrom,
}

impl Relation {
    /// How a link of `kind` reads when walked in `direction`.
    fn of(kind: LinkKind, direction: Direction) -> Self {
        match (kind, direction) {
            (LinkKind::Transformation, Direction::Forward) => Self::TransformedInto,
            (LinkKind::Transformation, Direction::Back) => Self::MadeFrom,
            (LinkKind::Packing, Direction::Forward) => Self::PackedInto,
            (LinkKind::Packing, Direction::Back) => Self::Contains,
            (LinkKind::Unpacking, Direction::Forward) => Self::UnpackedInto,
            (LinkKind::Unpacking, Direction::Back) => Self::UnpackedFrom,
        }
    }
}

/// An amount of a class-level identifier in one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// The amount.
    pub amount: f64,
    /// The UN/CEFACT unit code (`KGM`, `H87`…); absent for a count of trade items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uom: Option<String>,
}

/// A typed value of an event: a source, a destination or a business transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// The CBV type (`owning_party`, `po`…), when given.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The party, location or transaction identifier.
    pub value: String,
}

/// One event naming a node, with what it says about that identifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeEvent {
    /// The eventID.
    pub event_id: String,
    /// The EPCIS event type.
    pub event_type: EventType,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub event_time: OffsetDateTime,
    /// The action; transformations have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    /// The business step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_step: Option<String>,
    /// The organisation that captured it.
    pub owner: OrganisationId,
    /// Where it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_point: Option<String>,
    /// Where the identifier was afterwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_location: Option<String>,
    /// How the identifier takes part (`epc`, `input`, `parent`…).
    pub roles: Vec<IdentifierRole>,
    /// The identifier's quantity, for a class-level identifier; an instance counts as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// Who or where it came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Reference>,
    /// Who or where it went to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Reference>,
    /// Orders, invoices and despatch advices it travelled under.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub biz_transactions: Vec<Reference>,
}

/// One identifier reached, with every event naming it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// The identifier, in index form.
    pub identifier: Identifier,
    /// What it names.
    pub kind: IdentifierKind,
    /// Steps from the start.
    pub depth: u32,
    /// The organisations it passed between: owners of its events in time order, a repeat only
    /// when it came back.
    pub organisations: Vec<OrganisationId>,
    /// Its events, in event-time order.
    pub events: Vec<NodeEvent>,
}

/// A step of the walk: `from` leads to `to` through one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    /// The identifier walked from.
    pub from: Identifier,
    /// The identifier reached.
    pub to: Identifier,
    /// How.
    pub relation: Relation,
    /// The linking event.
    pub event_id: String,
    /// When the linking event happened.
    #[serde(with = "time::serde::rfc3339")]
    pub event_time: OffsetDateTime,
    /// Who captured the linking event.
    pub owner: OrganisationId,
    /// How much of `to` the linking event names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
}

/// The result of a walk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// Where it started.
    pub start: Identifier,
    /// Which way it went.
    pub direction: Direction,
    /// Every identifier reached, breadth first, the start first.
    pub nodes: Vec<Node>,
    /// Every step taken, including those to nodes reached before (merges and cycles).
    pub edges: Vec<Edge>,
    /// Set when the node limit stopped the walk or an identifier had more events than are read:
    /// the genealogy goes on beyond what is shown.
    pub truncated: bool,
}

/// Walks from `start` in `direction`, within `limits`. `None` when no event names `start`.
///
/// The walk first asks the source which identifiers it will likely reach and reads all their
/// events in one call: two round trips for a whole trace on a store with a link index. Then,
/// level by level, it reads in one call the events of any identifier not read yet. Each event's
/// document is read once however many nodes it links. A stored event whose document cannot be
/// read back is an internal error: the store only keeps documents that were read once.
pub async fn trace<S: EventSource + ?Sized>(
    source: &S,
    start: &Identifier,
    direction: Direction,
    limits: Limits,
) -> Result<Option<Trace>, StoreError> {
    let mut walk = Walk {
        trace: Trace {
            start: start.clone(),
            direction,
            nodes: Vec::new(),
            edges: Vec::new(),
            truncated: false,
        },
        limits,
        seen: HashSet::from([start.clone()]),
        read: HashMap::new(),
        index_forms: HashMap::new(),
    };
    let mut held = Held::default();
    let ahead = source.reachable(start, direction, limits).await?;
    if !ahead.is_empty() {
        held.add(source.events_naming_any(&ahead).await?, &ahead);
    }
    let mut level = vec![start.clone()];
    let mut depth = 0;
    while !level.is_empty() {
        let missing: Vec<Identifier> = level
            .iter()
            .filter(|identifier| !held.knows(identifier))
            .cloned()
            .collect();
        if !missing.is_empty() {
            held.add(source.events_naming_any(&missing).await?, &missing);
        }
        if depth == 0 && held.naming(start).next().is_none() {
            return Ok(None);
        }
        let mut next = Vec::new();
        for identifier in level {
            let stored: Vec<&StoredEvent> = held.naming(&identifier).collect();
            walk.visit(identifier, &stored, depth, &mut next)?;
        }
        level = next;
        depth += 1;
    }
    Ok(Some(walk.trace))
}

/// The events read so far, each once, and for each identifier asked about, the first
/// [`MAX_EVENTS_PER_IDENTIFIER`] naming it, in capture order.
#[derive(Default)]
struct Held {
    events: Vec<StoredEvent>,
    /// Where each event is in `events`, by owner and store sequence.
    positions: HashMap<(OrganisationId, i64), usize>,
    /// The events of each identifier asked about, as positions in `events`.
    by_identifier: HashMap<String, Vec<usize>>,
}

impl Held {
    /// Whether the events naming `identifier` were read.
    fn knows(&self, identifier: &Identifier) -> bool {
        self.by_identifier.contains_key(identifier.as_str())
    }

    /// The events naming `identifier`, in capture order; none if it was not asked about.
    fn naming(&self, identifier: &Identifier) -> impl Iterator<Item = &StoredEvent> {
        self.by_identifier
            .get(identifier.as_str())
            .into_iter()
            .flatten()
            .map(|&position| &self.events[position])
    }

    /// Keeps `events`, a source's answer (in capture order) for `asked`.
    fn add(&mut self, events: Vec<StoredEvent>, asked: &[Identifier]) {
        let mut new: HashSet<&str> = HashSet::new();
        for identifier in asked {
            if let Entry::Vacant(unknown) = self.by_identifier.entry(identifier.as_str().to_owned())
            {
                unknown.insert(Vec::new());
                new.insert(identifier.as_str());
            }
        }
        for event in events {
            let position = match self.positions.entry((event.event.owner, event.sequence)) {
                Entry::Occupied(held) => *held.get(),
                Entry::Vacant(unheld) => {
                    self.events.push(event);
                    *unheld.insert(self.events.len() - 1)
                }
            };
            let mut named: Vec<&str> = Vec::new();
            for (_, value) in &self.events[position].event.identifiers {
                if new.contains(value.as_str()) && !named.contains(&value.as_str()) {
                    named.push(value);
                }
            }
            for value in named {
                if let Some(list) = self.by_identifier.get_mut(value)
                    && list.len() < MAX_EVENTS_PER_IDENTIFIER as usize
                {
                    list.push(position);
                }
            }
        }
    }
}

/// A walk in progress.
struct Walk {
    trace: Trace,
    limits: Limits,
    /// Identifiers already queued, the start included.
    seen: HashSet<Identifier>,
    /// Events already read back, by owner and store sequence.
    read: HashMap<(OrganisationId, i64), ReadEvent>,
    /// The index form of each quantity class met: a lot's class is in most of its events, and
    /// finding the index form parses the identifier.
    index_forms: HashMap<String, String>,
}

impl Walk {
    /// Adds the node for `identifier` at `depth` with its `stored` events, and queues in `next`
    /// the identifiers they lead to that were not seen yet.
    fn visit(
        &mut self,
        identifier: Identifier,
        stored: &[&StoredEvent],
        depth: u32,
        next: &mut Vec<Identifier>,
    ) -> Result<(), StoreError> {
        let trace = &mut self.trace;
        trace.truncated |= stored.len() >= MAX_EVENTS_PER_IDENTIFIER as usize;
        let mut events = Vec::with_capacity(stored.len());
        for stored in stored {
            let key = (stored.event.owner, stored.sequence);
            let model = match self.read.entry(key) {
                Entry::Occupied(read) => read.into_mut(),
                Entry::Vacant(unread) => unread.insert(ReadEvent::new(
                    read_lineage(&stored.event)?,
                    &mut self.index_forms,
                )),
            };
            if depth < self.limits.max_depth {
                for (relation, to) in links(&stored.event, &identifier, trace.direction) {
                    if self.seen.insert(to.clone()) {
                        if self.seen.len() > self.limits.max_nodes {
                            self.seen.remove(&to);
                            trace.truncated = true;
                            continue;
                        }
                        next.push(to.clone());
                    }
                    trace.edges.push(Edge {
                        quantity: model.quantity_of(to.as_str()),
                        from: identifier.clone(),
                        to,
                        relation,
                        event_id: stored.event.event_id.to_string(),
                        event_time: stored.event.event_time,
                        owner: stored.event.owner,
                    });
                }
            }
            events.push(node_event(&stored.event, model, &identifier));
        }
        events.sort_by_key(|event| event.event_time);
        let mut organisations: Vec<OrganisationId> = events.iter().map(|e| e.owner).collect();
        organisations.dedup();
        trace.nodes.push(Node {
            kind: identifier.kind(),
            identifier,
            depth,
            organisations,
            events,
        });
        Ok(())
    }
}

/// The typed event behind a stored one.
pub(crate) fn read_back(event: &NewEvent) -> Result<Event, StoreError> {
    read_stored_event(&event.document).map_err(|issues| {
        let reasons: Vec<String> = issues
            .iter()
            .map(|issue| format!("{} {}", issue.path, issue.message))
            .collect();
        unreadable(event, &reasons.join("; "))
    })
}

/// What a walk shows of a stored event: its lists of references and quantities.
fn read_lineage(event: &NewEvent) -> Result<Lineage, StoreError> {
    read_stored_lineage(&event.document).map_err(|reason| unreadable(event, &reason))
}

/// The error for a stored event whose document cannot be read back, for `reason`.
fn unreadable(event: &NewEvent, reason: &str) -> StoreError {
    StoreError::Internal(format!(
        "stored event {} cannot be read back: {reason}",
        event.event_id
    ))
}

/// The identifiers `event` leads to from `identifier` in `direction`, each once, by the links
/// it makes ([`NewEvent::lot_links`]).
fn links(
    event: &NewEvent,
    identifier: &Identifier,
    direction: Direction,
) -> Vec<(Relation, Identifier)> {
    event
        .lot_links()
        .filter_map(|link| {
            let (from, to) = link.step(direction);
            (from == identifier.as_str())
                .then(|| (Relation::of(link.kind, direction), Identifier::indexed(to)))
        })
        .collect()
}

/// What `event` says about `identifier`.
fn node_event(event: &NewEvent, read: &ReadEvent, identifier: &Identifier) -> NodeEvent {
    let lineage = &read.lineage;
    let references = |values: &[TypedValue]| {
        values
            .iter()
            .map(|v| Reference {
                kind: v.kind.clone(),
                value: v.value.clone(),
            })
            .collect()
    };
    NodeEvent {
        event_id: event.event_id.to_string(),
        event_type: event.event_type,
        event_time: event.event_time,
        action: event.action,
        biz_step: event.biz_step.clone(),
        owner: event.owner,
        read_point: event.read_point.clone(),
        biz_location: event.biz_location.clone(),
        roles: event
            .identifiers
            .iter()
            .filter(|(_, value)| value == identifier.as_str())
            .map(|(role, _)| *role)
            .collect(),
        quantity: read.quantity_of(identifier.as_str()),
        sources: references(&lineage.source_list),
        destinations: references(&lineage.destination_list),
        biz_transactions: references(&lineage.biz_transaction_list),
    }
}

/// The quantity a quantity list of `event` gives `identifier`, if one names it with an amount.
pub(crate) fn quantity_of(event: &Event, identifier: &str) -> Option<Quantity> {
    event
        .body
        .quantity_elements()
        .find(|element| index_form(&element.epc_class) == identifier)
        .and_then(amount_of)
}

/// The amount and unit of `element`, if it has an amount.
fn amount_of(element: &QuantityElement) -> Option<Quantity> {
    Some(Quantity {
        amount: element.quantity.as_deref()?.parse().ok()?,
        uom: element.uom.clone(),
    })
}

/// What a walk has read back of an event, with its quantity elements' classes in index form: a
/// walk asks for them once per node and per edge, and each ask would otherwise parse every class.
struct ReadEvent {
    lineage: Lineage,
    quantities: Vec<(String, Option<Quantity>)>,
}

impl ReadEvent {
    /// Reads `lineage`, finding index forms through `index_forms`, which it extends.
    fn new(lineage: Lineage, index_forms: &mut HashMap<String, String>) -> Self {
        let quantities = lineage
            .quantities
            .iter()
            .map(|element| {
                // Looked up by reference: an entry would copy the class for every hit.
                let class = match index_forms.get(&element.epc_class) {
                    Some(class) => class.clone(),
                    None => {
                        let class = index_form(&element.epc_class);
                        index_forms.insert(element.epc_class.clone(), class.clone());
                        class
                    }
                };
                (class, amount_of(element))
            })
            .collect();
        Self {
            lineage,
            quantities,
        }
    }

    /// [`quantity_of`] for this event.
    fn quantity_of(&self, identifier: &str) -> Option<Quantity> {
        self.quantities
            .iter()
            .find(|(class, _)| class == identifier)
            .and_then(|(_, quantity)| quantity.clone())
    }
}

/// One identifier reached in one step, with who linked it and who held it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The supplier's or recipient's identifier.
    pub identifier: Identifier,
    /// What it names.
    pub kind: IdentifierKind,
    /// How it is linked, read from the identifier viewed.
    pub relation: Relation,
    /// The linking event.
    pub event_id: String,
    /// When the linking event happened.
    #[serde(with = "time::serde::rfc3339")]
    pub event_time: OffsetDateTime,
    /// Who captured the linking event.
    pub owner: OrganisationId,
    /// How much of it the linking event names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
    /// The organisations it passed between, in time order.
    pub organisations: Vec<OrganisationId>,
}

/// One step back and one step forward from an identifier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneStep {
    /// The identifier viewed, in index form.
    pub identifier: Identifier,
    /// What it names.
    pub kind: IdentifierKind,
    /// The organisations it passed between, in time order.
    pub organisations: Vec<OrganisationId>,
    /// What it was made from or taken out of.
    pub suppliers: Vec<Step>,
    /// What was made from it or packed it.
    pub recipients: Vec<Step>,
    /// Set when a neighbour list was cut at the node limit.
    pub truncated: bool,
}

/// The immediate suppliers and recipients of `identifier`; `None` when no event names it.
pub async fn one_step<S: EventSource + ?Sized>(
    source: &S,
    identifier: &Identifier,
) -> Result<Option<OneStep>, StoreError> {
    let limits = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    let Some(back) = trace(source, identifier, Direction::Back, limits).await? else {
        return Ok(None);
    };
    let forward = trace(source, identifier, Direction::Forward, limits).await?;
    let organisations = back.nodes[0].organisations.clone();
    let truncated = back.truncated || forward.as_ref().is_some_and(|t| t.truncated);
    Ok(Some(OneStep {
        identifier: identifier.clone(),
        kind: identifier.kind(),
        organisations,
        suppliers: steps(back),
        recipients: forward.map(steps).unwrap_or_default(),
        truncated,
    }))
}

/// The edges of a one-step walk, each with the organisations of the node it reaches.
fn steps(trace: Trace) -> Vec<Step> {
    let organisations: HashMap<&Identifier, &Vec<OrganisationId>> = trace
        .nodes
        .iter()
        .map(|node| (&node.identifier, &node.organisations))
        .collect();
    trace
        .edges
        .iter()
        .map(|edge| Step {
            kind: edge.to.kind(),
            identifier: edge.to.clone(),
            relation: edge.relation,
            event_id: edge.event_id.clone(),
            event_time: edge.event_time,
            owner: edge.owner,
            quantity: edge.quantity.clone(),
            organisations: organisations
                .get(&edge.to)
                .map(|o| o.to_vec())
                .unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn reached(trace: &Trace) -> Vec<&str> {
        trace.nodes.iter().map(|n| n.identifier.as_str()).collect()
    }

    #[tokio::test]
    async fn forward_from_the_seed_lot_reaches_every_output_and_the_pallet() {
        let (hatchery, farm) = (OrganisationId::generate(), OrganisationId::generate());
        let events = shrimp_chain(hatchery, farm);
        let trace = trace(&events, &id(SEED), Direction::Forward, Limits::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            reached(&trace),
            [SEED, POND, FROZEN, CARTON_1, CARTON_2, PALLET]
        );
        assert!(!trace.truncated);
        let depths: Vec<u32> = trace.nodes.iter().map(|n| n.depth).collect();
        assert_eq!(depths, [0, 1, 2, 3, 3, 4]);
        let relations: Vec<(&str, Relation)> = trace
            .edges
            .iter()
            .map(|e| (e.to.as_str(), e.relation))
            .collect();
        assert_eq!(
            relations,
            [
                (POND, Relation::TransformedInto),
                (FROZEN, Relation::TransformedInto),
                (CARTON_1, Relation::TransformedInto),
                (CARTON_2, Relation::TransformedInto),
                (PALLET, Relation::PackedInto),
                (PALLET, Relation::PackedInto),
            ]
        );
        assert_eq!(
            trace.edges[0].quantity,
            Some(Quantity {
                amount: 1_800.0,
                uom: Some("KGM".into())
            })
        );
        let pond = &trace.nodes[1];
        assert_eq!(pond.kind, IdentifierKind::Lot);
        assert_eq!(
            pond.organisations,
            [farm, hatchery],
            "shipped by the farm, received by the processor"
        );
        let received = &pond.events[2];
        assert_eq!(
            received.biz_step.as_deref(),
            Some("https://ref.gs1.org/cbv/BizStep-receiving")
        );
        assert_eq!(
            received.quantity,
            Some(Quantity {
                amount: 1_788.0,
                uom: Some("KGM".into())
            })
        );
        assert_eq!(received.roles, [IdentifierRole::EpcClass]);
        assert_eq!(trace.nodes[5].kind, IdentifierKind::LogisticUnit);
        assert_eq!(trace.nodes[3].kind, IdentifierKind::Serial);
    }

    #[tokio::test]
    async fn back_from_a_carton_reaches_the_seed_lot_and_a_pallet_its_cartons() {
        let events = shrimp_chain(OrganisationId::generate(), OrganisationId::generate());
        let back = trace(&events, &id(CARTON_2), Direction::Back, Limits::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reached(&back), [CARTON_2, FROZEN, POND, SEED]);
        assert!(back.edges.iter().all(|e| e.relation == Relation::MadeFrom));
        let seed = back.nodes.last().unwrap();
        assert_eq!(
            seed.events[0].quantity.as_ref().unwrap().uom.as_deref(),
            Some("H87")
        );

        let pallet = trace(&events, &id(PALLET), Direction::Back, Limits::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            reached(&pallet),
            [PALLET, CARTON_1, CARTON_2, FROZEN, POND, SEED]
        );
        assert_eq!(pallet.edges[0].relation, Relation::Contains);
    }

    #[tokio::test]
    async fn unpacking_leads_forward_to_the_children_and_back_to_the_container() {
        let owner = OrganisationId::generate();
        let mut events = Events::default();
        events
            .add(owner, 1, aggregate("ADD", PALLET, &[CARTON_1, CARTON_2]))
            .add(owner, 2, aggregate("DELETE", PALLET, &[CARTON_1, CARTON_2]));
        let forward = trace(&events, &id(PALLET), Direction::Forward, Limits::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reached(&forward), [PALLET, CARTON_1, CARTON_2]);
        let from_pallet: Vec<Relation> = forward
            .edges
            .iter()
            .filter(|e| e.from.as_str() == PALLET)
            .map(|e| e.relation)
            .collect();
        assert_eq!(from_pallet, [Relation::UnpackedInto; 2]);
        let back = trace(&events, &id(CARTON_1), Direction::Back, Limits::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reached(&back), [CARTON_1, PALLET, CARTON_2]);
        assert_eq!(back.edges[0].relation, Relation::UnpackedFrom);
        assert_eq!(back.edges[1].relation, Relation::Contains);
    }

    /// Bad data with a cycle: the seed lot stocks a pond whose harvest is made back into the
    /// seed lot, beside a frozen lot.
    fn seed_pond_cycle(owner: OrganisationId) -> Events {
        let mut events = Events::default();
        events
            .add(
                owner,
                1,
                transform(
                    json!({"inputQuantityList": [lot(SEED, 1.0, "KGM")]}),
                    json!({"outputQuantityList": [lot(POND, 1.0, "KGM")]}),
                ),
            )
            .add(
                owner,
                2,
                transform(
                    json!({"inputQuantityList": [lot(POND, 1.0, "KGM")]}),
                    json!({"outputQuantityList": [lot(SEED, 1.0, "KGM"), lot(FROZEN, 1.0, "KGM")]}),
                ),
            );
        events
    }

    #[tokio::test]
    async fn cycles_end_and_the_node_limit_truncates() {
        let owner = OrganisationId::generate();
        let events = seed_pond_cycle(owner);
        let cycle = trace(&events, &id(SEED), Direction::Forward, Limits::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(reached(&cycle), [SEED, POND, FROZEN]);
        assert_eq!(
            cycle.edges.len(),
            3,
            "the step back to the seed lot is kept as an edge"
        );
        assert!(!cycle.truncated);

        let cut = trace(
            &events,
            &id(SEED),
            Direction::Forward,
            Limits {
                max_nodes: 2,
                max_depth: u32::MAX,
            },
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(reached(&cut), [SEED, POND]);
        assert!(cut.truncated);
        assert!(
            cut.edges.iter().all(|e| e.to.as_str() != FROZEN),
            "no edge to a node left out"
        );
    }

    #[tokio::test]
    async fn reading_ahead_all_part_or_beyond_the_limits_walks_the_same() {
        let owner = OrganisationId::generate();
        let mut cycle = seed_pond_cycle(owner);
        cycle
            .add(owner, 3, aggregate("ADD", PALLET, &[CARTON_1]))
            .add(owner, 4, aggregate("DELETE", PALLET, &[CARTON_1]));
        let chain = shrimp_chain(owner, OrganisationId::generate());
        let cut = Limits {
            max_nodes: 2,
            max_depth: u32::MAX,
        };
        let shallow = Limits {
            max_nodes: 10_000,
            max_depth: 1,
        };
        let mut compared = 0;
        for events in [&chain, &cycle] {
            for start in [SEED, POND, FROZEN, CARTON_1, CARTON_2, PALLET] {
                for direction in [Direction::Back, Direction::Forward] {
                    for limits in [Limits::default(), cut, shallow] {
                        let plain = trace(events, &id(start), direction, limits).await.unwrap();
                        for keep in [1, 2, usize::MAX] {
                            let ahead = ReadAhead {
                                events,
                                keep,
                                reads: AtomicUsize::new(0),
                            };
                            let read = trace(&ahead, &id(start), direction, limits).await.unwrap();
                            assert_eq!(read, plain, "{start} {direction:?} {limits:?} {keep}");
                            compared += usize::from(plain.is_some());
                        }
                    }
                }
            }
        }
        assert!(compared > 100, "{compared} walks compared");

        let whole = ReadAhead {
            events: &chain,
            keep: usize::MAX,
            reads: AtomicUsize::new(0),
        };
        let back = trace(&whole, &id(PALLET), Direction::Back, Limits::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(back.nodes.len(), 6);
        assert_eq!(
            whole.reads.load(Ordering::Relaxed),
            1,
            "everything read ahead in one call"
        );
    }

    #[tokio::test]
    async fn nothing_naming_the_start_is_none() {
        let events = shrimp_chain(OrganisationId::generate(), OrganisationId::generate());
        let unknown = id("https://id.gs1.org/01/08931234560010/10/NOPE");
        assert_eq!(
            trace(&events, &unknown, Direction::Back, Limits::default())
                .await
                .unwrap(),
            None
        );
        assert_eq!(one_step(&events, &unknown).await.unwrap(), None);
    }

    #[tokio::test]
    async fn one_step_names_the_immediate_suppliers_and_recipients() {
        let (hatchery, farm) = (OrganisationId::generate(), OrganisationId::generate());
        let events = shrimp_chain(hatchery, farm);
        let view = one_step(&events, &id(POND)).await.unwrap().unwrap();
        assert_eq!(view.organisations, [farm, hatchery]);
        let suppliers: Vec<(&str, Relation, OrganisationId)> = view
            .suppliers
            .iter()
            .map(|s| (s.identifier.as_str(), s.relation, s.owner))
            .collect();
        assert_eq!(suppliers, [(SEED, Relation::MadeFrom, farm)]);
        assert_eq!(view.suppliers[0].organisations, [hatchery, farm]);
        let recipients: Vec<(&str, Relation, OrganisationId)> = view
            .recipients
            .iter()
            .map(|s| (s.identifier.as_str(), s.relation, s.owner))
            .collect();
        assert_eq!(recipients, [(FROZEN, Relation::TransformedInto, hatchery)]);
        assert_eq!(
            view.recipients[0].quantity.as_ref().unwrap().amount,
            1_108.0
        );
        assert!(!view.truncated);
    }
}
