//! Checks over a genealogy: each [`Finding`] names its rule, its severity, what is wrong in
//! English and Vietnamese, and the events and identifiers that cause it.
//!
//! [`check`] is pure over one [`Trace`] and the stored events its nodes hold; [`run`] walks both
//! ways from an identifier, keeps every event it reads, and checks both walks.
//!
//! # Treatments and harvests
//!
//! A veterinary drug, chemical or pesticide applied to a pond or field is an `ObjectEvent`
//! (action `OBSERVE`) with bizStep [`TREATING`], the pond or field as `bizLocation` (or
//! `readPoint`), and the stock in it (the seed or planting lot) in its `quantityList`, so a walk
//! through that lot reads the treatment. Its extension fields, in the [`NGUON_NS`] namespace:
//! `substance` (text, the active ingredient or product name), `substanceKind`
//! (`veterinary_drug`, `chemical` or `pesticide`), `dose` (text, as written on the record) and
//! `withdrawalDays` (number: the withdrawal period of a drug, the pre-harvest interval of a
//! pesticide). A harvest is an event with bizStep `urn:gdst:bizStep:farmHarvest` (shrimp, as
//! GDST writes it) or [`HARVESTING`] (rice, salt, vegetables) at the same location.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use nguon_domain::{Action, EventType, IdentifierRole, NewEvent, OrganisationId, StoredEvent};
use nguon_epcis::model::{Event, EventBody, ExtensionValue, QuantityElement};
use nguon_store::StoreError;
use serde::Serialize;
use time::OffsetDateTime;

use crate::walk::{quantity_of, read_back};
use crate::{Direction, EventSource, Identifier, Limits, Relation, Trace, trace};
use nguon_domain::units::{Dimension, amount_text, to_base};

/// The namespace of Nguồn's EPCIS extension fields and business steps.
pub const NGUON_NS: &str = "https://nguon.example.vn/epcis/";

/// The bizStep of a treatment applied to a pond or field.
pub const TREATING: &str = "https://nguon.example.vn/epcis/treating";

/// The bizStep of a harvest outside seafood, where GDST's `farmHarvest` does not apply.
pub const HARVESTING: &str = "https://nguon.example.vn/epcis/harvesting";

/// The business steps that harvest a pond or field.
const HARVEST_STEPS: [&str; 2] = ["urn:gdst:bizStep:farmHarvest", HARVESTING];

/// Where every CBV business step URI starts.
const CBV_STEP: &str = "https://ref.gs1.org/cbv/BizStep-";

/// How far quantities may drift before a mass balance is an error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// The fraction by which a transformation's outputs may exceed its inputs: weighing error,
    /// glaze water, brine taken up.
    pub transformation_gain: f64,
    /// The fraction by which what an organisation uses or ships of a lot may exceed what it
    /// made or received: scales at two sites disagree.
    pub lot_overdraw: f64,
}

impl Default for Tolerances {
    /// 2 % gain per transformation (a farm scale against a plant scale, light glazing) and 1 %
    /// overdraw per lot (one scale weighing in and out), until chain templates set their own.
    fn default() -> Self {
        Self {
            transformation_gain: 0.02,
            lot_overdraw: 0.01,
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The records cannot all be true, or the food may be unsafe.
    Error,
    /// A record is probably missing.
    Warning,
    /// Worth knowing; nothing is wrong.
    Info,
}

/// The rule a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Rule {
    /// A transformation's outputs exceed its inputs.
    #[serde(rename = "mass_balance.transformation")]
    TransformationBalance,
    /// An organisation used or shipped more of a lot than it made or received.
    #[serde(rename = "mass_balance.lot")]
    LotBalance,
    /// An organisation used or shipped a lot it never recorded making or receiving.
    #[serde(rename = "mass_balance.no_inbound")]
    NoInbound,
    /// Quantities in units that do not convert into each other, or without an amount.
    #[serde(rename = "mass_balance.units")]
    IncomparableUnits,
    /// An event on an identifier before the event that created it.
    #[serde(rename = "timeline.before_creation")]
    BeforeCreation,
    /// Shipping before the lot was produced.
    #[serde(rename = "timeline.shipped_before_produced")]
    ShippedBeforeProduced,
    /// An organisation used or shipped a lot before it received it (harvest before stocking).
    #[serde(rename = "timeline.used_before_receipt")]
    UsedBeforeReceipt,
    /// A receipt no shipment matches.
    #[serde(rename = "timeline.receipt_without_shipment")]
    ReceiptWithoutShipment,
    /// A receipt before every shipment it matches.
    #[serde(rename = "timeline.received_before_shipped")]
    ReceivedBeforeShipped,
    /// A harvest within the withdrawal period or pre-harvest interval of a treatment.
    #[serde(rename = "safety.withdrawal_period")]
    WithdrawalPeriod,
    /// A treatment without a usable withdrawal period.
    #[serde(rename = "safety.treatment_incomplete")]
    TreatmentIncomplete,
    /// An identifier with no event bringing it into being or receiving it.
    #[serde(rename = "link.no_origin")]
    NoOrigin,
    /// An identifier never used, shipped, packed, sold or destroyed.
    #[serde(rename = "link.no_destination")]
    NoDestination,
    /// Identifiers made from, or packed in, each other in a circle.
    #[serde(rename = "genealogy.cycle")]
    Cycle,
    /// The walk was cut, so the checks cover part of the genealogy.
    #[serde(rename = "genealogy.truncated")]
    Truncated,
}

/// What a finding says, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Message {
    /// English.
    pub en: String,
    /// Vietnamese.
    pub vi: String,
}

/// One thing the checks found.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The rule, as a stable code (`mass_balance.lot`…).
    pub rule: Rule,
    /// How serious it is.
    pub severity: Severity,
    /// What is wrong.
    pub message: Message,
    /// The events that cause it.
    pub event_ids: Vec<String>,
    /// The identifiers concerned, in index form.
    pub identifiers: Vec<String>,
}

impl Finding {
    fn new(rule: Rule, severity: Severity, en: String, vi: String) -> Self {
        Self {
            rule,
            severity,
            message: Message { en, vi },
            event_ids: Vec::new(),
            identifiers: Vec::new(),
        }
    }

    fn events<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> Self {
        self.event_ids.extend(ids.into_iter().map(str::to_owned));
        self
    }

    fn identifiers<'a>(mut self, ids: impl IntoIterator<Item = &'a str>) -> Self {
        self.identifiers.extend(ids.into_iter().map(str::to_owned));
        self
    }
}

/// The findings for an identifier, from walks both ways.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checked {
    /// Where the walks started.
    pub start: Identifier,
    /// Errors first, then warnings, then information.
    pub findings: Vec<Finding>,
}

/// Walks back and forward from `start` within `limits` and checks both walks against every
/// event read. `None` when no event names `start`.
pub async fn run<S: EventSource + ?Sized>(
    source: &S,
    start: &Identifier,
    limits: Limits,
    tolerances: &Tolerances,
) -> Result<Option<Checked>, StoreError> {
    Ok(examine(source, start, limits, tolerances)
        .await?
        .map(|examined| examined.checked))
}

/// Both walks from an identifier, every event they read, and the findings over them: what
/// [`run`] answers, kept whole for the data-quality score.
#[derive(Debug, Clone)]
pub struct Examined {
    /// The walk toward the origins; its first node is the start.
    pub back: Trace,
    /// The walk toward the recipients.
    pub forward: Option<Trace>,
    /// Every event either walk read, once each, in no particular order.
    pub events: Vec<StoredEvent>,
    /// The findings over both walks.
    pub checked: Checked,
}

/// [`run`], keeping the walks and the events read. `None` when no event names `start`.
pub async fn examine<S: EventSource + ?Sized>(
    source: &S,
    start: &Identifier,
    limits: Limits,
    tolerances: &Tolerances,
) -> Result<Option<Examined>, StoreError> {
    let recording = Recording {
        source,
        events: Mutex::default(),
    };
    let Some(back) = trace(&recording, start, Direction::Back, limits).await? else {
        return Ok(None);
    };
    let forward = trace(&recording, start, Direction::Forward, limits).await?;
    // Only the events of the nodes walked: a read ahead may reach beyond a node limit.
    let walked: HashSet<(OrganisationId, &str)> = std::iter::once(&back)
        .chain(forward.as_ref())
        .flat_map(|walk| &walk.nodes)
        .flat_map(|node| &node.events)
        .map(|event| (event.owner, event.event_id.as_str()))
        .collect();
    let events: Vec<StoredEvent> = recording
        .events
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .into_iter()
        .filter(|((owner, event_id), _)| walked.contains(&(*owner, event_id.as_str())))
        .map(|(_, event)| event)
        .collect();
    let mut seen = HashSet::new();
    let mut findings: Vec<Finding> = std::iter::once(&back)
        .chain(forward.as_ref())
        .flat_map(|walk| check(walk, &events, tolerances))
        .filter(|finding| seen.insert(finding.clone()))
        .collect();
    sort(&mut findings);
    Ok(Some(Examined {
        back,
        forward,
        events,
        checked: Checked {
            start: start.clone(),
            findings,
        },
    }))
}

/// An [`EventSource`] that keeps every event it passes on, once each.
struct Recording<'a, S: ?Sized> {
    source: &'a S,
    events: Mutex<HashMap<(OrganisationId, String), StoredEvent>>,
}

impl<S: ?Sized> Recording<'_, S> {
    /// Keeps `events`, once each.
    fn keep(&self, events: &[StoredEvent]) {
        let mut kept = self
            .events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for event in events {
            kept.entry((event.event.owner, event.event.event_id.to_string()))
                .or_insert_with(|| event.clone());
        }
    }
}

#[async_trait]
impl<S: EventSource + ?Sized> EventSource for Recording<'_, S> {
    async fn events_naming(&self, identifier: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let events = self.source.events_naming(identifier).await?;
        self.keep(&events);
        Ok(events)
    }

    async fn events_naming_any(
        &self,
        identifiers: &[Identifier],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let events = self.source.events_naming_any(identifiers).await?;
        self.keep(&events);
        Ok(events)
    }

    async fn reachable(
        &self,
        start: &Identifier,
        direction: Direction,
        limits: Limits,
    ) -> Result<Vec<Identifier>, StoreError> {
        self.source.reachable(start, direction, limits).await
    }
}

/// The findings for `trace`, given the stored events of its nodes (others are ignored).
/// Errors first, then warnings, then information.
pub fn check(trace: &Trace, events: &[StoredEvent], tolerances: &Tolerances) -> Vec<Finding> {
    let facts: Vec<Fact> = events
        .iter()
        .filter_map(|stored| {
            read_back(&stored.event).ok().map(|model| Fact {
                event: &stored.event,
                model,
            })
        })
        .collect();
    let mut findings = Vec::new();
    for fact in &facts {
        if fact.event.event_type == EventType::TransformationEvent {
            findings.extend(transformation_balance(fact, tolerances));
        }
    }
    for node in &trace.nodes {
        let mentions = mentions(&facts, node.identifier.as_str());
        if mentions.is_empty() {
            continue;
        }
        let id = node.identifier.as_str();
        findings.extend(lot_balance(id, &mentions, tolerances));
        findings.extend(timeline(id, &mentions));
        findings.extend(links(id, &mentions));
    }
    findings.extend(withdrawal(&facts));
    findings.extend(cycles(trace));
    if trace.truncated {
        findings.push(Finding::new(
            Rule::Truncated,
            Severity::Info,
            "The genealogy goes on beyond what was read; these checks cover the part read.".into(),
            "Chuỗi truy xuất còn dài hơn phần đã đọc; kết quả kiểm tra chỉ áp dụng cho phần đã đọc."
                .into(),
        ).identifiers([trace.start.as_str()]));
    }
    sort(&mut findings);
    findings
}

fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, a.rule, &a.event_ids, &a.identifiers).cmp(&(
            b.severity,
            b.rule,
            &b.event_ids,
            &b.identifiers,
        ))
    });
}

/// A stored event with its typed form.
struct Fact<'a> {
    event: &'a NewEvent,
    model: Event,
}

impl Fact<'_> {
    fn id(&self) -> &str {
        self.event.event_id.as_str()
    }

    fn time(&self) -> OffsetDateTime {
        self.event.event_time
    }

    /// The CBV business step's bare word (`shipping`), or the step as written if not CBV.
    fn step(&self) -> Option<&str> {
        let step = self.event.biz_step.as_deref()?;
        Some(step.strip_prefix(CBV_STEP).unwrap_or(step))
    }

    fn location(&self) -> Option<&str> {
        self.event
            .biz_location
            .as_deref()
            .or(self.event.read_point.as_deref())
    }

    /// A Nguồn extension field at event level.
    fn extension(&self, local: &str) -> Option<&ExtensionValue> {
        self.model
            .extensions
            .iter()
            .find(|e| e.name.namespace == NGUON_NS && e.name.local == local)
            .map(|e| &e.value)
    }

    /// Every identifier the event names in one of `roles`.
    fn named(&self, roles: &[IdentifierRole]) -> Vec<&str> {
        self.event
            .identifiers
            .iter()
            .filter(|(role, _)| roles.contains(role))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Source, destination and business-transaction values.
    fn references(&self) -> HashSet<&str> {
        self.model
            .source_list
            .iter()
            .chain(&self.model.destination_list)
            .chain(&self.model.biz_transaction_list)
            .map(|reference| reference.value.as_str())
            .collect()
    }
}

/// What an event does to one identifier it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Made: commissioned, harvested, a transformation output, a container packed.
    Created,
    /// Received from someone.
    Received,
    /// A transformation input.
    Consumed,
    /// Shipped to someone.
    Shipped,
    /// Sold to a consumer, destroyed or decommissioned.
    Ended,
    /// Packed into a container, which carries it on.
    Packed,
    /// A container emptied, its contents going on.
    Unpacked,
    /// Taken out of a container.
    TakenOut,
    /// Seen, measured or treated.
    Observed,
}

impl Part {
    fn of(event: &NewEvent, roles: &[IdentifierRole], step: Option<&str>) -> Self {
        use IdentifierRole::{Input, InputClass, Output, OutputClass, Parent};
        let has = |wanted: &[IdentifierRole]| roles.iter().any(|role| wanted.contains(role));
        match (event.event_type, event.action) {
            (EventType::TransformationEvent, _) if has(&[Output, OutputClass]) => Self::Created,
            (EventType::TransformationEvent, _) if has(&[Input, InputClass]) => Self::Consumed,
            (EventType::AggregationEvent, Some(Action::Delete)) if has(&[Parent]) => Self::Unpacked,
            (EventType::AggregationEvent, Some(Action::Add)) if has(&[Parent]) => Self::Created,
            (EventType::AggregationEvent, Some(Action::Delete)) => Self::TakenOut,
            (EventType::AggregationEvent, _) if !has(&[Parent]) => Self::Packed,
            (EventType::ObjectEvent, Some(Action::Add)) => Self::Created,
            (EventType::ObjectEvent, Some(Action::Delete)) => Self::Ended,
            (EventType::ObjectEvent, _) => match step {
                Some("receiving") => Self::Received,
                Some("shipping") => Self::Shipped,
                Some("retail_selling" | "destroying" | "decommissioning") => Self::Ended,
                _ => Self::Observed,
            },
            _ => Self::Observed,
        }
    }

    fn is_origin(self) -> bool {
        matches!(self, Self::Created | Self::Received | Self::TakenOut)
    }

    fn is_onward(self) -> bool {
        matches!(
            self,
            Self::Consumed | Self::Shipped | Self::Ended | Self::Packed | Self::Unpacked
        )
    }

    fn is_inbound(self) -> bool {
        matches!(self, Self::Created | Self::Received)
    }

    fn is_outbound(self) -> bool {
        matches!(self, Self::Consumed | Self::Shipped | Self::Ended)
    }
}

/// One event naming one identifier.
struct Mention<'f, 'a> {
    fact: &'f Fact<'a>,
    part: Part,
    /// The class-level quantity it gives the identifier: `None` for an instance or no class
    /// role, `Some(None)` for a class without an amount.
    quantity: Option<Option<(f64, Option<String>)>>,
}

fn mentions<'f, 'a>(facts: &'f [Fact<'a>], identifier: &str) -> Vec<Mention<'f, 'a>> {
    let mut found: Vec<Mention> = facts
        .iter()
        .filter_map(|fact| {
            let roles: Vec<IdentifierRole> = fact
                .event
                .identifiers
                .iter()
                .filter(|(_, value)| value == identifier)
                .map(|(role, _)| *role)
                .collect();
            if roles.is_empty() {
                return None;
            }
            let class = roles.iter().any(|role| {
                matches!(
                    role,
                    IdentifierRole::EpcClass
                        | IdentifierRole::InputClass
                        | IdentifierRole::OutputClass
                )
            });
            Some(Mention {
                fact,
                part: Part::of(fact.event, &roles, fact.step()),
                quantity: class
                    .then(|| quantity_of(&fact.model, identifier).map(|q| (q.amount, q.uom))),
            })
        })
        .collect();
    found.sort_by_key(|mention| mention.fact.time());
    found
}

/// A sum of amounts in one dimension, or why there is none.
enum Total {
    Sum(Dimension, f64),
    Incomparable,
}

/// Adds amounts in their base unit; `Incomparable` when one has no amount, an unknown unit or
/// another dimension.
fn total<'q>(amounts: impl IntoIterator<Item = Option<(f64, Option<&'q str>)>>) -> Total {
    let mut sum: Option<(Dimension, f64)> = None;
    for amount in amounts {
        let Some((dimension, base)) = amount.and_then(|(amount, uom)| to_base(amount, uom)) else {
            return Total::Incomparable;
        };
        sum = match sum {
            None => Some((dimension, base)),
            Some((d, s)) if d == dimension => Some((d, s + base)),
            Some(_) => return Total::Incomparable,
        };
    }
    sum.map_or(Total::Incomparable, |(d, s)| Total::Sum(d, s))
}

fn incomparable(what_en: &str, what_vi: &str) -> Finding {
    Finding::new(
        Rule::IncomparableUnits,
        Severity::Info,
        format!(
            "The mass balance of {what_en} is not checked: an amount is missing or zero where it came in, or the units do not convert into each other."
        ),
        format!(
            "Không kiểm tra cân bằng khối lượng của {what_vi}: thiếu số lượng hoặc số lượng đầu vào bằng 0, hoặc các đơn vị không quy đổi được cho nhau."
        ),
    )
}

/// Outputs against inputs of one transformation.
fn transformation_balance(fact: &Fact, tolerances: &Tolerances) -> Option<Finding> {
    let EventBody::Transformation {
        input_epc_list,
        input_quantity_list,
        output_epc_list,
        output_quantity_list,
        ..
    } = &fact.model.body
    else {
        return None;
    };
    if (input_epc_list.is_empty() && input_quantity_list.is_empty())
        || (output_epc_list.is_empty() && output_quantity_list.is_empty())
    {
        return None;
    }
    // An instance is one piece.
    let side = |epcs: &[String], classes: &'_ [QuantityElement]| -> Total {
        let elements = classes.iter().map(|element| {
            let amount = element.quantity.as_deref()?.parse::<f64>().ok()?;
            Some((amount, element.uom.as_deref()))
        });
        total(epcs.iter().map(|_| Some((1.0, None))).chain(elements))
    };
    let identifiers = fact.named(&[
        IdentifierRole::Input,
        IdentifierRole::InputClass,
        IdentifierRole::Output,
        IdentifierRole::OutputClass,
    ]);
    let finding = match (
        side(input_epc_list, input_quantity_list),
        side(output_epc_list, output_quantity_list),
    ) {
        (Total::Sum(d_in, inputs), Total::Sum(d_out, outputs)) if d_in == d_out => {
            if outputs <= inputs * (1.0 + tolerances.transformation_gain) {
                return None;
            }
            let (en, vi) = d_in.symbol();
            Finding::new(
                Rule::TransformationBalance,
                Severity::Error,
                format!(
                    "The transformation puts out {} {en} from {} {en} of inputs, more than the {}% tolerance allows.",
                    amount_text(outputs),
                    amount_text(inputs),
                    amount_text(tolerances.transformation_gain * 100.0)
                ),
                format!(
                    "Công đoạn chế biến tạo ra {} {vi} từ {} {vi} nguyên liệu, vượt dung sai {}%.",
                    amount_text(outputs),
                    amount_text(inputs),
                    amount_text(tolerances.transformation_gain * 100.0)
                ),
            )
        }
        _ => incomparable("this transformation", "công đoạn chế biến này"),
    };
    Some(finding.events([fact.id()]).identifiers(identifiers))
}

/// Per organisation: what it used or shipped of a lot against what it made or received.
fn lot_balance(identifier: &str, mentions: &[Mention], tolerances: &Tolerances) -> Vec<Finding> {
    let mut owners: Vec<OrganisationId> = Vec::new();
    for mention in mentions.iter().filter(|m| m.quantity.is_some()) {
        if !owners.contains(&mention.fact.event.owner) {
            owners.push(mention.fact.event.owner);
        }
    }
    let mut findings = Vec::new();
    for owner in owners {
        let of = |wanted: fn(Part) -> bool| -> Vec<&Mention> {
            mentions
                .iter()
                .filter(|m| m.fact.event.owner == owner && m.quantity.is_some() && wanted(m.part))
                .collect()
        };
        let (inbound, outbound) = (of(Part::is_inbound), of(Part::is_outbound));
        if outbound.is_empty() {
            continue;
        }
        let ids = |list: &[&Mention]| -> Vec<String> {
            list.iter().map(|m| m.fact.id().to_owned()).collect()
        };
        if inbound.is_empty() {
            findings.push(
                Finding::new(
                    Rule::NoInbound,
                    Severity::Warning,
                    format!(
                        "Organisation {owner} used or shipped this lot but recorded neither making nor receiving it."
                    ),
                    format!(
                        "Tổ chức {owner} đã sử dụng hoặc xuất lô này nhưng không ghi nhận việc sản xuất hay tiếp nhận lô."
                    ),
                )
                .events(ids(&outbound).iter().map(String::as_str))
                .identifiers([identifier]),
            );
            continue;
        }
        let amounts = |list: &[&Mention]| -> Total {
            total(list.iter().map(|m| {
                m.quantity
                    .as_ref()
                    .and_then(|q| q.as_ref())
                    .map(|(amount, uom)| (*amount, uom.as_deref()))
            }))
        };
        let all: Vec<String> = ids(&inbound).into_iter().chain(ids(&outbound)).collect();
        let finding = match (amounts(&inbound), amounts(&outbound)) {
            // A lot recorded with zero at its making (a pond stocked before anything can be
            // weighed) grows afterwards: nothing to compare against.
            (Total::Sum(d_in, got), Total::Sum(d_out, gone)) if d_in == d_out && got > 0.0 => {
                if gone <= got * (1.0 + tolerances.lot_overdraw) {
                    continue;
                }
                let (en, vi) = d_in.symbol();
                Finding::new(
                    Rule::LotBalance,
                    Severity::Error,
                    format!(
                        "Organisation {owner} used or shipped {} {en} of this lot but made or received {} {en}.",
                        amount_text(gone),
                        amount_text(got)
                    ),
                    format!(
                        "Tổ chức {owner} đã sử dụng hoặc xuất {} {vi} của lô này nhưng chỉ sản xuất hoặc tiếp nhận {} {vi}.",
                        amount_text(gone),
                        amount_text(got)
                    ),
                )
            }
            _ => incomparable("this lot", "lô này"),
        };
        findings.push(
            finding
                .events(all.iter().map(String::as_str))
                .identifiers([identifier]),
        );
    }
    findings
}

fn date(time: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute()
    )
}

/// Events out of order for one identifier.
fn timeline(identifier: &str, mentions: &[Mention]) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Mentions are in time order, so the first creation is the earliest.
    if let Some(created) = mentions.iter().find(|m| m.part == Part::Created) {
        for early in mentions
            .iter()
            .filter(|m| m.part != Part::Created && m.fact.time() < created.fact.time())
        {
            let (rule, en, vi) = if early.part == Part::Shipped {
                (Rule::ShippedBeforeProduced, "shipped", "được xuất đi")
            } else {
                (Rule::BeforeCreation, "recorded", "có sự kiện")
            };
            findings.push(
                Finding::new(
                    rule,
                    Severity::Error,
                    format!(
                        "It is {en} on {} but only made on {}.",
                        date(early.fact.time()),
                        date(created.fact.time())
                    ),
                    format!(
                        "Lô {vi} vào {} nhưng đến {} mới được tạo ra.",
                        date(early.fact.time()),
                        date(created.fact.time())
                    ),
                )
                .events([early.fact.id(), created.fact.id()])
                .identifiers([identifier]),
            );
        }
    }
    let mut owners: Vec<OrganisationId> = mentions.iter().map(|m| m.fact.event.owner).collect();
    owners.sort();
    owners.dedup();
    for owner in owners {
        let own: Vec<&Mention> = mentions
            .iter()
            .filter(|m| m.fact.event.owner == owner)
            .collect();
        if own.iter().any(|m| m.part == Part::Created) {
            continue;
        }
        let Some(received) = own.iter().find(|m| m.part == Part::Received) else {
            continue;
        };
        for early in own
            .iter()
            .filter(|m| m.part.is_outbound() && m.fact.time() < received.fact.time())
        {
            findings.push(
                Finding::new(
                    Rule::UsedBeforeReceipt,
                    Severity::Error,
                    format!(
                        "Organisation {owner} used or shipped it on {} but received it only on {}.",
                        date(early.fact.time()),
                        date(received.fact.time())
                    ),
                    format!(
                        "Tổ chức {owner} đã sử dụng hoặc xuất lô vào {} nhưng đến {} mới tiếp nhận.",
                        date(early.fact.time()),
                        date(received.fact.time())
                    ),
                )
                .events([early.fact.id(), received.fact.id()])
                .identifiers([identifier]),
            );
        }
    }
    let shipments: Vec<&Mention> = mentions
        .iter()
        .filter(|m| m.part == Part::Shipped)
        .collect();
    for receipt in mentions.iter().filter(|m| m.part == Part::Received) {
        let references = receipt.fact.references();
        let matching: Vec<&&Mention> = shipments
            .iter()
            .filter(|shipment| {
                references.is_empty() || !shipment.fact.references().is_disjoint(&references)
            })
            .collect();
        let Some(first) = matching.iter().min_by_key(|m| m.fact.time()) else {
            findings.push(
                Finding::new(
                    Rule::ReceiptWithoutShipment,
                    Severity::Warning,
                    format!(
                        "Received on {} with no shipment of it from a matching source, destination or business transaction.",
                        date(receipt.fact.time())
                    ),
                    format!(
                        "Lô được tiếp nhận vào {} nhưng không có sự kiện xuất hàng tương ứng (cùng nơi gửi, nơi nhận hoặc chứng từ).",
                        date(receipt.fact.time())
                    ),
                )
                .events([receipt.fact.id()])
                .identifiers([identifier]),
            );
            continue;
        };
        if first.fact.time() > receipt.fact.time() {
            findings.push(
                Finding::new(
                    Rule::ReceivedBeforeShipped,
                    Severity::Error,
                    format!(
                        "Received on {}, before it was shipped on {}.",
                        date(receipt.fact.time()),
                        date(first.fact.time())
                    ),
                    format!(
                        "Lô được tiếp nhận vào {}, trước khi được xuất đi vào {}.",
                        date(receipt.fact.time()),
                        date(first.fact.time())
                    ),
                )
                .events([receipt.fact.id(), first.fact.id()])
                .identifiers([identifier]),
            );
        }
    }
    findings
}

/// An identifier with no way in or no way on.
fn links(identifier: &str, mentions: &[Mention]) -> Vec<Finding> {
    let ids = || mentions.iter().map(|m| m.fact.id());
    let mut findings = Vec::new();
    if !mentions.iter().any(|m| m.part.is_origin()) {
        findings.push(
            Finding::new(
                Rule::NoOrigin,
                Severity::Warning,
                "No event creates, harvests or receives it: one step back is missing.".into(),
                "Không có sự kiện tạo ra, thu hoạch hay tiếp nhận: thiếu thông tin một bước trước."
                    .into(),
            )
            .events(ids())
            .identifiers([identifier]),
        );
    }
    if !mentions.iter().any(|m| m.part.is_onward()) {
        findings.push(
            Finding::new(
                Rule::NoDestination,
                Severity::Info,
                "It is not yet used, shipped, packed, sold or destroyed: still in stock, or one step forward is missing.".into(),
                "Chưa được sử dụng, xuất đi, đóng gói, bán hay tiêu hủy: còn tồn kho, hoặc thiếu thông tin một bước sau.".into(),
            )
            .events(ids())
            .identifiers([identifier]),
        );
    }
    findings
}

/// Harvests from a pond or field within the withdrawal period of a treatment there.
fn withdrawal(facts: &[Fact]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let harvests: Vec<&Fact> = facts
        .iter()
        .filter(|f| {
            f.event
                .biz_step
                .as_deref()
                .is_some_and(|s| HARVEST_STEPS.contains(&s))
        })
        .collect();
    for treatment in facts
        .iter()
        .filter(|f| f.event.biz_step.as_deref() == Some(TREATING))
    {
        let substance = match treatment.extension("substance") {
            Some(ExtensionValue::Text(text)) => text.as_str(),
            _ => "?",
        };
        let days = match treatment.extension("withdrawalDays") {
            Some(ExtensionValue::Number(n) | ExtensionValue::Text(n)) => {
                n.trim().parse::<u32>().ok()
            }
            _ => None,
        };
        let (Some(days), Some(location)) = (days, treatment.location()) else {
            findings.push(
                Finding::new(
                    Rule::TreatmentIncomplete,
                    Severity::Warning,
                    format!(
                        "The treatment with {substance} on {} has no pond or field, or no withdrawalDays as a whole number of days: harvests after it cannot be checked.",
                        date(treatment.time())
                    ),
                    format!(
                        "Lần sử dụng {substance} ngày {} thiếu ao/ruộng hoặc thiếu số ngày cách ly (withdrawalDays, số nguyên): không kiểm tra được các lần thu hoạch sau đó.",
                        date(treatment.time())
                    ),
                )
                .events([treatment.id()]),
            );
            continue;
        };
        let ends = treatment.time() + time::Duration::days(i64::from(days));
        for harvest in harvests.iter().filter(|h| {
            h.location() == Some(location) && h.time() >= treatment.time() && h.time() < ends
        }) {
            let after = (harvest.time() - treatment.time()).whole_days();
            findings.push(
                Finding::new(
                    Rule::WithdrawalPeriod,
                    Severity::Error,
                    format!(
                        "Harvested from {location} on {}, {after} days after {substance} was applied there on {}; its withdrawal period is {days} days.",
                        date(harvest.time()),
                        date(treatment.time())
                    ),
                    format!(
                        "Thu hoạch tại {location} ngày {}, chỉ {after} ngày sau khi dùng {substance} ngày {}; thời gian ngưng sử dụng (cách ly) là {days} ngày.",
                        date(harvest.time()),
                        date(treatment.time())
                    ),
                )
                .events([treatment.id(), harvest.id()])
                .identifiers(harvest.named(&[
                    IdentifierRole::Output,
                    IdentifierRole::OutputClass,
                    IdentifierRole::Epc,
                    IdentifierRole::EpcClass,
                ])),
            );
        }
    }
    findings
}

/// Identifiers made from themselves, or packed in themselves, through other identifiers.
///
/// Packing and unpacking walk to and fro between a container and its contents, so made-from
/// steps and packed-in steps are looked at apart; within each, Kahn's peeling leaves exactly
/// the identifiers on or between cycles.
fn cycles(trace: &Trace) -> Vec<Finding> {
    let made = |r: Relation| matches!(r, Relation::MadeFrom | Relation::TransformedInto);
    let packed = |r: Relation| matches!(r, Relation::Contains | Relation::PackedInto);
    let mut findings = Vec::new();
    for (kind_en, kind_vi, wanted) in [
        (
            "made from",
            "được làm ra từ",
            &made as &dyn Fn(Relation) -> bool,
        ),
        ("packed in", "được đóng gói trong", &packed),
    ] {
        let mut edges: Vec<(&str, &str, &str)> = trace
            .edges
            .iter()
            .filter(|e| wanted(e.relation))
            .map(|e| (e.from.as_str(), e.to.as_str(), e.event_id.as_str()))
            .collect();
        loop {
            let sources: HashSet<&str> = edges.iter().map(|(from, _, _)| *from).collect();
            let targets: HashSet<&str> = edges.iter().map(|(_, to, _)| *to).collect();
            let before = edges.len();
            edges.retain(|(from, to, _)| targets.contains(from) && sources.contains(to));
            if edges.len() == before {
                break;
            }
        }
        if edges.is_empty() {
            continue;
        }
        let mut identifiers: Vec<&str> = edges.iter().map(|(from, _, _)| *from).collect();
        identifiers.sort_unstable();
        identifiers.dedup();
        let mut events: Vec<&str> = edges.iter().map(|(_, _, event)| *event).collect();
        events.sort_unstable();
        events.dedup();
        findings.push(
            Finding::new(
                Rule::Cycle,
                Severity::Error,
                format!(
                    "These identifiers are {kind_en} each other in a circle: the records contradict each other. The walk stopped at each identifier once."
                ),
                format!(
                    "Các mã này {kind_vi} lẫn nhau theo vòng tròn: dữ liệu mâu thuẫn. Việc truy xuất chỉ đi qua mỗi mã một lần."
                ),
            )
            .events(events)
            .identifiers(identifiers),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use serde_json::{Value, json};

    const POND_GLN: &str = "https://id.gs1.org/414/8931234560027";
    const OTHER_POND_GLN: &str = "https://id.gs1.org/414/8931234560034";

    /// The findings of walks both ways from `start`, as (rule, identifiers) pairs.
    async fn found(events: &Events, start: &str, tolerances: &Tolerances) -> Vec<Finding> {
        run(events, &id(start), Limits::default(), tolerances)
            .await
            .unwrap()
            .unwrap()
            .findings
    }

    fn rules(findings: &[Finding]) -> Vec<(Rule, Vec<&str>)> {
        findings
            .iter()
            .map(|f| (f.rule, f.identifiers.iter().map(String::as_str).collect()))
            .collect()
    }

    fn with(mut body: Value, fields: Value) -> Value {
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().cloned().unwrap());
        body
    }

    #[tokio::test]
    async fn a_sound_chain_has_only_the_findings_its_records_call_for() {
        let (hatchery, farm) = (OrganisationId::generate(), OrganisationId::generate());
        let events = shrimp_chain(hatchery, farm);
        let findings = found(&events, POND, &Tolerances::default()).await;
        assert_eq!(
            rules(&findings),
            [
                (Rule::NoInbound, vec![SEED]),
                (Rule::IncomparableUnits, vec![SEED, POND]),
                (Rule::IncomparableUnits, vec![FROZEN, CARTON_1, CARTON_2]),
                (Rule::NoDestination, vec![PALLET]),
            ],
            "{findings:#?}"
        );
        let no_inbound = &findings[0];
        assert_eq!(no_inbound.severity, Severity::Warning);
        assert!(no_inbound.message.en.contains(&farm.to_string()));
        assert!(
            no_inbound
                .message
                .vi
                .contains("không ghi nhận việc sản xuất hay tiếp nhận")
        );
        assert_eq!(no_inbound.event_ids.len(), 1);
        let json = serde_json::to_value(no_inbound).unwrap();
        assert_eq!(json["rule"], "mass_balance.no_inbound");
        assert_eq!(json["severity"], "warning");
        assert!(json["eventIds"].is_array());
    }

    #[tokio::test]
    async fn outputs_beyond_the_inputs_break_the_transformation_balance_in_any_mass_unit() {
        let owner = OrganisationId::generate();
        let mut events = Events::default();
        events
            .add(
                owner,
                1,
                with(
                    observe(POND, 100.0, "commissioning"),
                    json!({"action": "ADD"}),
                ),
            )
            .add(
                owner,
                2,
                transform(
                    json!({"inputQuantityList": [lot(POND, 100_000.0, "GRM")]}),
                    json!({"outputQuantityList": [lot(FROZEN, 0.15, "TNE")]}),
                ),
            );
        let findings = found(&events, POND, &Tolerances::default()).await;
        let broken: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == Rule::TransformationBalance)
            .collect();
        assert_eq!(broken.len(), 1, "{findings:#?}");
        assert_eq!(broken[0].severity, Severity::Error);
        assert_eq!(
            broken[0].message.en,
            "The transformation puts out 150 kg from 100 kg of inputs, more than the 2% tolerance allows."
        );
        assert_eq!(
            broken[0].message.vi,
            "Công đoạn chế biến tạo ra 150 kg từ 100 kg nguyên liệu, vượt dung sai 2%."
        );
        assert_eq!(broken[0].identifiers, [POND, FROZEN]);
        let generous = Tolerances {
            transformation_gain: 0.6,
            ..Tolerances::default()
        };
        assert!(
            found(&events, POND, &generous)
                .await
                .iter()
                .all(|f| f.rule != Rule::TransformationBalance)
        );
    }

    #[tokio::test]
    async fn using_more_of_a_lot_than_was_made_breaks_its_balance_and_odd_units_are_only_noted() {
        let owner = OrganisationId::generate();
        let mut events = Events::default();
        events
            .add(
                owner,
                1,
                with(
                    observe(POND, 100.0, "commissioning"),
                    json!({"action": "ADD"}),
                ),
            )
            .add(owner, 2, observe(POND, 80.0, "shipping"))
            .add(
                owner,
                3,
                transform(
                    json!({"inputQuantityList": [lot(POND, 66.0, "LBR")]}),
                    json!({"outputQuantityList": [lot(FROZEN, 20.0, "KGM")]}),
                ),
            );
        let findings = found(&events, POND, &Tolerances::default()).await;
        let overdrawn: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == Rule::LotBalance)
            .collect();
        assert_eq!(overdrawn.len(), 1, "{findings:#?}");
        assert!(
            overdrawn[0]
                .message
                .en
                .contains("used or shipped 109.937 kg of this lot but made or received 100 kg"),
            "{}",
            overdrawn[0].message.en
        );
        assert_eq!(overdrawn[0].event_ids.len(), 3);

        let mut litres = Events::default();
        litres
            .add(
                owner,
                1,
                with(
                    observe(POND, 100.0, "commissioning"),
                    json!({"action": "ADD"}),
                ),
            )
            .add(
                owner,
                2,
                with(
                    observe(POND, 80.0, "shipping"),
                    json!({"quantityList": [lot(POND, 80.0, "LTR")]}),
                ),
            );
        let findings = found(&litres, POND, &Tolerances::default()).await;
        assert!(
            findings.iter().all(|f| f.severity != Severity::Error),
            "{findings:#?}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f.rule == Rule::IncomparableUnits && f.identifiers == [POND])
        );
    }

    #[tokio::test]
    async fn events_out_of_order_are_errors_and_a_receipt_without_shipment_a_warning() {
        let (farm, processor) = (OrganisationId::generate(), OrganisationId::generate());
        let po = |n: &str| json!([{"type": "po", "bizTransaction": format!("urn:epcglobal:cbv:bt:8931234560027:{n}")}]);
        let mut events = Events::default();
        events
            // Shipped at 5, made at 6.
            .add(
                farm,
                5,
                with(
                    observe(POND, 100.0, "shipping"),
                    json!({"bizTransactionList": po("PO1")}),
                ),
            )
            .add(
                farm,
                6,
                with(
                    observe(POND, 100.0, "commissioning"),
                    json!({"action": "ADD"}),
                ),
            )
            // Received at 4 under PO1, before it was shipped at 5.
            .add(
                processor,
                4,
                with(
                    observe(POND, 100.0, "receiving"),
                    json!({"bizTransactionList": po("PO1")}),
                ),
            )
            // Processed at 3, before that receipt.
            .add(
                processor,
                3,
                transform(
                    json!({"inputQuantityList": [lot(POND, 100.0, "KGM")]}),
                    json!({"outputQuantityList": [lot(FROZEN, 60.0, "KGM")]}),
                ),
            )
            // Received under PO2, which nobody shipped.
            .add(
                processor,
                7,
                with(
                    observe(POND, 1.0, "receiving"),
                    json!({"bizTransactionList": po("PO2")}),
                ),
            );
        let findings = found(&events, POND, &Tolerances::default()).await;
        let of =
            |rule: Rule| -> Vec<&Finding> { findings.iter().filter(|f| f.rule == rule).collect() };
        let event = |n: i64| format!("urn:uuid:00000000-0000-7000-8000-{n:012}");
        let shipped = of(Rule::ShippedBeforeProduced);
        assert_eq!(shipped.len(), 1, "{findings:#?}");
        assert_eq!(shipped[0].event_ids, [event(1), event(2)]);
        assert_eq!(
            shipped[0].message.en,
            "It is shipped on 2026-01-01 05:00 but only made on 2026-01-01 06:00."
        );
        let before = of(Rule::BeforeCreation);
        assert_eq!(
            before.len(),
            2,
            "the receipt and the processing precede the making"
        );
        let used = of(Rule::UsedBeforeReceipt);
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].event_ids, [event(4), event(3)]);
        assert!(used[0].message.vi.contains("mới tiếp nhận"));
        let early = of(Rule::ReceivedBeforeShipped);
        assert_eq!(early.len(), 1);
        assert_eq!(early[0].event_ids, [event(3), event(1)]);
        let orphan = of(Rule::ReceiptWithoutShipment);
        assert_eq!(orphan.len(), 1);
        assert_eq!(orphan[0].event_ids, [event(5)]);
        assert_eq!(orphan[0].severity, Severity::Warning);
        assert_eq!(findings[0].severity, Severity::Error, "errors come first");
    }

    fn treatment(days: Option<u32>, location: &str) -> Value {
        let mut body = json!({
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"nguon": NGUON_NS}],
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": TREATING,
            "bizLocation": {"id": location},
            "quantityList": [lot(SEED, 200_000.0, "H87")],
            "nguon:substance": "Oxytetracycline",
            "nguon:substanceKind": "veterinary_drug",
            "nguon:dose": "2 g/kg feed",
        });
        if let Some(days) = days {
            body["nguon:withdrawalDays"] = json!(days);
        }
        body
    }

    fn harvest(location: &str, output: &str) -> Value {
        with(
            transform(
                json!({"inputQuantityList": [lot(SEED, 200_000.0, "H87")]}),
                json!({"outputQuantityList": [lot(output, 1_800.0, "KGM")]}),
            ),
            json!({"bizStep": "urn:gdst:bizStep:farmHarvest", "bizLocation": {"id": location}}),
        )
    }

    #[tokio::test]
    async fn a_harvest_inside_the_withdrawal_period_of_a_treatment_of_its_pond_is_an_error() {
        let farm = OrganisationId::generate();
        let mut events = Events::default();
        events
            .add_on(
                farm,
                1,
                8,
                with(
                    observe(SEED, 200_000.0, "commissioning"),
                    json!({"action": "ADD"}),
                ),
            )
            .add_on(farm, 2, 8, treatment(Some(10), POND_GLN))
            .add_on(farm, 2, 9, treatment(None, OTHER_POND_GLN))
            // Six days after the treatment: inside ten days.
            .add_on(farm, 8, 8, harvest(POND_GLN, POND))
            // Another pond, treated without a period: only the incomplete record is reported.
            .add_on(farm, 8, 9, harvest(OTHER_POND_GLN, FROZEN));
        let findings = found(&events, SEED, &Tolerances::default()).await;
        let inside: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == Rule::WithdrawalPeriod)
            .collect();
        assert_eq!(inside.len(), 1, "{findings:#?}");
        assert_eq!(inside[0].identifiers, [POND], "the harvested lot");
        assert_eq!(
            inside[0].message.en,
            format!(
                "Harvested from {POND_GLN} on 2026-01-08 08:00, 6 days after Oxytetracycline was applied there on 2026-01-02 08:00; its withdrawal period is 10 days."
            )
        );
        assert!(
            inside[0]
                .message
                .vi
                .contains("thời gian ngưng sử dụng (cách ly) là 10 ngày")
        );
        let incomplete: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.rule == Rule::TreatmentIncomplete)
            .collect();
        assert_eq!(incomplete.len(), 1);
        assert_eq!(
            incomplete[0].event_ids,
            ["urn:uuid:00000000-0000-7000-8000-000000000003"]
        );

        let mut later = Events::default();
        later
            .add_on(
                farm,
                1,
                8,
                with(
                    observe(SEED, 200_000.0, "commissioning"),
                    json!({"action": "ADD"}),
                ),
            )
            .add_on(farm, 2, 8, treatment(Some(10), POND_GLN))
            .add_on(farm, 12, 8, harvest(POND_GLN, POND));
        let findings = found(&later, SEED, &Tolerances::default()).await;
        assert!(
            findings.iter().all(|f| f.rule != Rule::WithdrawalPeriod),
            "{findings:#?}"
        );
    }

    #[tokio::test]
    async fn a_lot_made_from_itself_is_a_cycle_but_packing_and_unpacking_is_not() {
        let owner = OrganisationId::generate();
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
        let findings = found(&events, SEED, &Tolerances::default()).await;
        let cycles: Vec<&Finding> = findings.iter().filter(|f| f.rule == Rule::Cycle).collect();
        assert_eq!(
            cycles.len(),
            1,
            "both walks report the same cycle once: {findings:#?}"
        );
        assert_eq!(cycles[0].identifiers, [SEED, POND]);
        assert_eq!(cycles[0].event_ids.len(), 2);

        let mut packing = Events::default();
        packing
            .add(owner, 1, aggregate("ADD", PALLET, &[CARTON_1, CARTON_2]))
            .add(owner, 2, aggregate("DELETE", PALLET, &[CARTON_1, CARTON_2]));
        let findings = found(&packing, CARTON_1, &Tolerances::default()).await;
        assert_eq!(
            findings,
            [],
            "packed and taken out, every carton and the pallet has a way in and a way on"
        );
    }

    #[tokio::test]
    async fn a_cut_walk_says_the_checks_are_partial_and_unknown_starts_are_none() {
        let events = shrimp_chain(OrganisationId::generate(), OrganisationId::generate());
        let cut = Limits {
            max_nodes: 2,
            max_depth: u32::MAX,
        };
        let checked = run(&events, &id(POND), cut, &Tolerances::default())
            .await
            .unwrap()
            .unwrap();
        assert!(
            checked
                .findings
                .iter()
                .any(|f| f.rule == Rule::Truncated && f.severity == Severity::Info)
        );
        let unknown = id("https://id.gs1.org/01/08931234560010/10/NOPE");
        assert_eq!(
            run(&events, &unknown, Limits::default(), &Tolerances::default())
                .await
                .unwrap(),
            None
        );
    }
}
