//! Printing, activating and checking a lot's stamps: what the portal's stamp page and `nguon
//! labels` share. A run is printed only by the organisation that made the lot (or the province
//! and the command line), never past the lot's cap; activation captures the standard
//! commissioning event through the same path as `POST /epcis/events`, deactivation the
//! decommissioning one.

use nguon_domain::{
    Action, Actor, DomainError, NewStampRun, OrganisationId, ProductDetails, StampRun, StampState,
    stamp_cap,
};
use nguon_gs1::{DigitalLink, Gtin, Key, KeyKind};
use nguon_labels::{Label, LabelError, Layout, Symbology};
use nguon_store::{Registry, StoreError};
use nguon_trace::{Direction, Identifier, Limits};
use serde_json::json;

use crate::AppState;
use crate::epcis::capture::{StoreEventError, store_event};

/// A lot's own events are enough to find how much of it was made.
const LOT_ONLY: Limits = Limits {
    max_nodes: 1,
    max_depth: 0,
};

/// Why stamps were not printed or changed.
#[derive(Debug, thiserror::Error)]
pub enum StampError {
    /// No event names the lot.
    #[error("lot: no event names {0}; record the lot before printing its stamps")]
    UnknownLot(String),
    /// The lot was made by another organisation.
    #[error("lot: {0} was made by another organisation; only its maker prints its stamps")]
    NotTheMaker(String),
    /// A rule of the run: the count, the cap, the lot's quantity, the state.
    #[error(transparent)]
    Rule(#[from] DomainError),
    /// The label could not be drawn (a symbology that cannot carry the data, text that cannot be
    /// set).
    #[error(transparent)]
    Label(#[from] LabelError),
    /// The activation event was refused.
    #[error("activation: {0}")]
    Event(String),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for StampError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Domain(rule) => Self::Rule(rule),
            other => Self::Store(other),
        }
    }
}

/// A print run asked for: the lot, how many, and how.
#[derive(Debug, Clone)]
pub struct PrintRequest {
    /// The lot, as GTIN and lot number.
    pub gtin: Gtin,
    /// The lot number.
    pub lot: String,
    /// How many stamps.
    pub count: u32,
    /// The symbol.
    pub symbology: Symbology,
    /// The label stock.
    pub layout: Layout,
}

/// The lot's maker and how many stamps the lot can carry.
pub struct LotCapacity {
    /// The organisation whose event made the lot.
    pub maker: OrganisationId,
    /// The most stamps all its runs may hold.
    pub cap: u64,
    /// The registered product, for the labels' text.
    pub product: Option<ProductDetails>,
}

/// Finds the lot's maker and cap: the quantity its making events give (outputs of a
/// transformation, or the quantity of an `ADD`), counted in pieces or in packs of the product's
/// net content.
pub async fn capacity(state: &AppState, gtin: &Gtin, lot: &str) -> Result<LotCapacity, StampError> {
    let spelled = format!("(01){}(10){lot}", gtin.as_str());
    let identifier = Identifier::parse(&spelled).map_err(|error| {
        StampError::Rule(DomainError::StampCapUnknown {
            reason: error.reason,
        })
    })?;
    let walk = nguon_trace::trace(&*state.store, &identifier, Direction::Back, LOT_ONLY)
        .await?
        .ok_or_else(|| StampError::UnknownLot(spelled.clone()))?;
    let events = &walk.nodes[0].events;
    let making: Vec<_> = events
        .iter()
        .filter(|e| {
            e.roles.contains(&nguon_domain::IdentifierRole::OutputClass)
                || (e.action == Some(Action::Add)
                    && e.roles.contains(&nguon_domain::IdentifierRole::EpcClass))
        })
        .collect();
    let first = making
        .first()
        .copied()
        .or(events.first())
        .expect("a node has events");
    let uom = first.quantity.as_ref().and_then(|q| q.uom.clone());
    let amount: f64 = if making.is_empty() {
        events
            .iter()
            .filter_map(|e| e.quantity.as_ref())
            .filter(|q| q.uom == uom)
            .map(|q| q.amount)
            .fold(0.0, f64::max)
    } else {
        making
            .iter()
            .filter_map(|e| e.quantity.as_ref())
            .filter(|q| q.uom == uom)
            .map(|q| q.amount)
            .sum()
    };
    let product = state
        .store
        .find::<ProductDetails>(gtin.as_str())
        .await?
        .map(|p| p.details);
    let cap = stamp_cap(
        amount,
        uom.as_deref(),
        product.as_ref().and_then(|p| p.net_content),
    )?;
    Ok(LotCapacity {
        maker: first.owner,
        cap,
        product,
    })
}

/// Prints a run for `printer` (`None`: the province or the command line, who may print any
/// lot's): checks the maker and the cap, stores the run, and returns it with its PDF sheet.
pub async fn print(
    state: &AppState,
    request: &PrintRequest,
    printer: Option<OrganisationId>,
    actor: Actor,
) -> Result<(StampRun, Vec<u8>), StampError> {
    NewStampRun::check_count(request.count)?;
    let capacity = capacity(state, &request.gtin, &request.lot).await?;
    if printer.is_some_and(|p| p != capacity.maker) {
        return Err(StampError::NotTheMaker(format!(
            "(01){}(10){}",
            request.gtin.as_str(),
            request.lot
        )));
    }
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret)
        .map_err(|e| StampError::Store(StoreError::Internal(e.to_string())))?;
    let new = NewStampRun {
        organisation: capacity.maker,
        gtin: request.gtin.clone(),
        lot: request.lot.clone(),
        count: request.count,
        secret,
        symbology: request.symbology.as_str().to_owned(),
        layout: request.layout.as_str().to_owned(),
    };
    // Drawn before the run is stored, so a symbol that cannot carry the data stores nothing.
    let draft = StampRun {
        id: nguon_domain::StampRunId::generate(),
        organisation: capacity.maker,
        gtin: new.gtin.clone(),
        lot: new.lot.clone(),
        first: 1,
        count: 1,
        secret,
        symbology: new.symbology.clone(),
        layout: new.layout.clone(),
        printed_by: actor.to_string(),
        printed_at: nguon_store::now_utc(),
        state: StampState::Printed,
        state_changed_at: nguon_store::now_utc(),
    };
    labels(state, &draft, capacity.product.as_ref())?
        .first()
        .map(|label| label.data(request.symbology))
        .transpose()?;
    let run = state.store.print_stamps(&new, capacity.cap, actor).await?;
    let sheet = nguon_labels::pdf(
        &labels(state, &run, capacity.product.as_ref())?,
        request.symbology,
        request.layout,
    )?;
    Ok((run, sheet))
}

/// The labels of a run, in serial order.
pub fn labels(
    state: &AppState,
    run: &StampRun,
    product: Option<&ProductDetails>,
) -> Result<Vec<Label>, StampError> {
    let title = product
        .map(|p| p.name_vi.to_string())
        .unwrap_or_else(|| format!("GTIN {}", run.gtin.as_str()));
    let base = resolver_base(state);
    run.serials()
        .map(|serial| {
            let key =
                Key::parse(KeyKind::Gtin, run.gtin.as_str()).expect("a stored GTIN is a valid key");
            let link =
                DigitalLink::from_key(&key, &[("10", &run.lot), ("21", &serial)]).map_err(|e| {
                    StampError::Rule(DomainError::StampCapUnknown {
                        reason: e.to_string(),
                    })
                })?;
            let lines = [format!("Lô: {}", run.lot), format!("Số sê-ri: {serial}")];
            Ok(Label::new(&link, &base, &title, &lines)?)
        })
        .collect()
}

/// Where the labels' QR codes lead: the configured resolver, else this server on localhost.
fn resolver_base(state: &AppState) -> String {
    state
        .resolver
        .base_url
        .clone()
        .unwrap_or_else(|| "http://localhost:8080".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

/// Activates or deactivates a run: captures its commissioning (`ADD`, active) or
/// decommissioning (`DELETE`, inactive) event naming every serial, then records the state.
pub async fn change_state(
    state: &AppState,
    run: &StampRun,
    to: StampState,
    actor: Actor,
) -> Result<StampRun, StampError> {
    run.state.check_change(to)?;
    let (action, step, disposition) = match to {
        StampState::Active => ("ADD", "commissioning", "active"),
        _ => ("DELETE", "decommissioning", "inactive"),
    };
    let epcs: Vec<String> = run
        .serials()
        .map(|serial| {
            format!(
                "https://id.gs1.org/01/{}/10/{}/21/{serial}",
                run.gtin.as_str(),
                nguon_gs1::percent_encode(&run.lot)
            )
        })
        .collect();
    let now = nguon_store::now_utc();
    let time = now
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| StampError::Event(e.to_string()))?;
    let event = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "ObjectEvent",
        "eventTime": time,
        "eventTimeZoneOffset": "+00:00",
        "action": action,
        "bizStep": step,
        "disposition": disposition,
        "epcList": epcs,
    });
    let event = nguon_epcis::json_ld::read_event(&event.to_string()).map_err(|issues| {
        StampError::Event(
            issues
                .iter()
                .map(|issue| issue.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })?;
    match store_event(state, run.organisation, &event, None).await {
        Ok(_) => {}
        Err(StoreEventError::Store(error)) => return Err(error.into()),
        Err(StoreEventError::Duplicate(what)) => return Err(StampError::Event(what)),
        Err(StoreEventError::Invalid(error)) => return Err(StampError::Event(error.message)),
    }
    Ok(state.store.set_stamp_state(run.id, to, actor).await?)
}
