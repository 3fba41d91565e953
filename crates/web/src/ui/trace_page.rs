//! The trace page: search for a lot, serial or logistic unit, then see where it came from and
//! where it went: one step back and one step forward (TT 02/2024, TT 17/2021), the whole tree
//! both ways, the timeline of its own events, and the data-quality score of its records.
//!
//! Province roles may trace any code. An organisation's users may trace the codes whose chain
//! their organisation took part in: the walk both ways from the code must reach one of their
//! organisation's events, so a recall still follows their goods wherever they went, but another
//! organisation's unrelated lot answers 404 exactly like a code nobody recorded. The page names
//! organisations and places from the registry and master data, never by internal ids.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use nguon_domain::OrganisationId;
use nguon_gs1::{DigitalLink, Gtin, KeyKind, percent_encode};
use nguon_trace::{
    Direction, Edge, Identifier, IdentifierKind, Limits, Node, Quantity, Relation, Trace,
};
use serde::Deserialize;
use time::{OffsetDateTime, UtcOffset};

use crate::AppState;
use crate::ui::Chrome;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::pages::UiError;
use crate::ui::quality_page::QualityView;
use crate::ui::session::SignedIn;

/// How far the page walks each way: enough for a season's chain, small enough to read and to
/// render quickly. The API walks further.
const PAGE_LIMITS: Limits = Limits {
    max_nodes: 300,
    max_depth: u32::MAX,
};

/// Tree levels shown unfolded; deeper ones open on a tap.
const OPEN_LEVELS: usize = 3;

/// Vietnam time, UTC+7 all year.
const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+7 is a valid offset"),
};

/// The CBV 2.0 business step URIs' common start; the rest is the term the messages are named by.
const BIZ_STEP_PREFIX: &str = "https://ref.gs1.org/cbv/BizStep-";

/// The master-data vocabulary types whose elements name places.
const LOCATION_TYPES: [&str; 2] = [
    "urn:epcglobal:epcis:vtype:BusinessLocation",
    "urn:epcglobal:epcis:vtype:ReadPoint",
];

/// What the search form sends; every field may be missing.
#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    /// A Digital Link URI, EPC URN, element string or bare SSCC.
    #[serde(default)]
    id: String,
    /// A GTIN, with `lot` or `serial`.
    #[serde(default)]
    gtin: String,
    #[serde(default)]
    lot: String,
    #[serde(default)]
    serial: String,
}

impl SearchForm {
    fn is_empty(&self) -> bool {
        [&self.id, &self.gtin, &self.lot, &self.serial]
            .iter()
            .all(|field| field.trim().is_empty())
    }

    /// The identifier asked for, or the message naming the field and its rule.
    fn identifier(&self, tr: Tr) -> Result<Identifier, String> {
        let (gtin, lot, serial) = (self.gtin.trim(), self.lot.trim(), self.serial.trim());
        if gtin.is_empty() && lot.is_empty() && serial.is_empty() {
            return parse_identifier(tr, &self.id);
        }
        if let Err(error) = Gtin::parse(gtin) {
            return Err(tr.t1("trace-bad-gtin", "reason", &error.to_string()));
        }
        let element_string = match (lot, serial) {
            (lot, "") if !lot.is_empty() => format!("(01){gtin}(10){lot}"),
            ("", serial) if !serial.is_empty() => format!("(01){gtin}(21){serial}"),
            _ => return Err(tr.t("trace-lot-or-serial")),
        };
        Identifier::parse(&element_string)
            .map_err(|error| tr.t1("trace-bad-lot", "reason", &error.reason))
    }
}

/// Reads an identifier as typed or pasted; 18 bare digits are an SSCC, as printed under the
/// barcode of a pallet label.
fn parse_identifier(tr: Tr, input: &str) -> Result<Identifier, String> {
    let input = input.trim();
    let bare_sscc = input.len() == 18 && input.bytes().all(|b| b.is_ascii_digit());
    let spelled = if bare_sscc {
        format!("(00){input}")
    } else {
        input.to_owned()
    };
    Identifier::parse(&spelled).map_err(|error| tr.t1("trace-bad-id", "reason", &error.reason))
}

/// The search page, also shown for a bad or unknown identifier.
#[derive(Template, WebTemplate)]
#[template(path = "trace_search.html")]
struct SearchPage {
    chrome: Chrome,
    form: SearchForm,
    error: Option<String>,
}

/// `GET /trace[?id=…|?gtin=…&lot=…]`: the form; a filled-in one leads to the identifier's page.
pub async fn search(who: SignedIn, Query(form): Query<SearchForm>) -> Response {
    let tr = Tr { lang: who.lang };
    if form.is_empty() {
        return search_page(&who, form, None, StatusCode::OK);
    }
    match form.identifier(tr) {
        Ok(identifier) => Redirect::to(&page_path(&identifier)).into_response(),
        Err(message) => search_page(&who, form, Some(message), StatusCode::BAD_REQUEST),
    }
}

fn search_page(
    who: &SignedIn,
    form: SearchForm,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let page = SearchPage {
        chrome: Chrome::signed_in(who, "/trace"),
        form,
        error,
    };
    (status, page).into_response()
}

/// The path of an identifier's trace page.
fn page_path(identifier: &Identifier) -> String {
    format!("/trace/{}", percent_encode(identifier.as_str()))
}

/// `GET /trace/{identifier}`: the identifier's page; 400 with the rule for one that cannot be
/// read, 404 with the form again for one no event names.
pub async fn page(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Response {
    let tr = Tr { lang: who.lang };
    let form = SearchForm {
        id: id.clone(),
        ..SearchForm::default()
    };
    let identifier = match parse_identifier(tr, &id) {
        Ok(identifier) => identifier,
        Err(message) => return search_page(&who, form, Some(message), StatusCode::BAD_REQUEST),
    };
    match view(&state, &who, &identifier).await {
        Ok(Some(view)) => TracePage {
            chrome: Chrome::signed_in(&who, &page_path(&identifier)),
            form,
            view,
        }
        .into_response(),
        Ok(None) => search_page(
            &who,
            form,
            Some(tr.t("trace-unknown")),
            StatusCode::NOT_FOUND,
        ),
        Err(error) => error.into_page(who.lang),
    }
}

/// An identifier's page.
#[derive(Template, WebTemplate)]
#[template(path = "trace.html")]
struct TracePage {
    chrome: Chrome,
    form: SearchForm,
    view: TraceView,
}

/// Everything the page shows about one identifier.
struct TraceView {
    /// What it is, in words.
    kind: String,
    /// Its key and qualifiers, labelled: GTIN, lot, serial, SSCC.
    facts: Vec<(String, String)>,
    /// The identifier in index form, for copying.
    identifier: String,
    /// The organisations it passed between, in time order.
    organisations: String,
    /// One step back: what it was made from, taken out of, or contains.
    suppliers: Vec<NodeView>,
    /// One step forward: what was made from it or packed it.
    recipients: Vec<NodeView>,
    /// The tree toward the origins.
    back: Vec<TreeItem>,
    /// The tree toward the last recipients.
    forward: Vec<TreeItem>,
    /// Why the trees end early, when a walk stopped at the page's limit.
    truncated: Option<String>,
    /// Its own events, oldest first.
    timeline: Vec<TimelineRow>,
    /// Its data-quality score, computed afresh and stored.
    quality: QualityView,
}

/// One identifier reached, as a line of the one-step lists and the trees.
#[derive(Clone)]
struct NodeView {
    href: String,
    /// How the identifier above leads to it, in words.
    relation: String,
    what: String,
    organisations: String,
    quantity: String,
    place: String,
    time: String,
    /// Its depth in the tree, from 1.
    depth: usize,
    /// Reached already on another branch, so not unfolded again.
    repeat: bool,
}

/// A tree as a flat list, so a template renders nested lists without recursion.
enum TreeItem {
    /// A node without children shown under it.
    Leaf(NodeView),
    /// A node whose children follow, up to the matching [`TreeItem::Close`].
    Open(NodeView),
    /// The end of the children of the last open node.
    Close,
}

/// One event of the identifier itself.
struct TimelineRow {
    time: String,
    stage: String,
    organisation: String,
    place: String,
    quantity: String,
}

/// Walks both ways from `identifier` and puts the page together; `None` when no event names it,
/// or when `who` belongs to an organisation none of whose events the walks reach.
async fn view(
    state: &AppState,
    who: &SignedIn,
    identifier: &Identifier,
) -> Result<Option<TraceView>, UiError> {
    let tr = Tr { lang: who.lang };
    let store = &*state.store;
    let Some(back) = nguon_trace::trace(store, identifier, Direction::Back, PAGE_LIMITS).await?
    else {
        return Ok(None);
    };
    // Events naming the start exist, so the forward walk finds them too; `None` would only
    // mean they vanished in between, which an append-only store does not do.
    let forward = nguon_trace::trace(store, identifier, Direction::Forward, PAGE_LIMITS).await?;
    let walks: Vec<&Trace> = std::iter::once(&back).chain(&forward).collect();
    if !who.user.access.sees_all_organisations()
        && !who
            .user
            .access
            .organisation()
            .is_some_and(|own| crate::trace::reaches(&walks, own))
    {
        return Ok(None);
    }
    // Some: events name the identifier, as the walk just found.
    let quality = nguon_trace::quality::refresh(store, &crate::quality::CHAINS, identifier)
        .await?
        .ok_or_else(|| UiError::Internal(format!("the events of {identifier} vanished")))?;
    let names = Names::of(state, &walks).await?;
    let start = &back.nodes[0];
    let (kind, facts) = describe(tr, identifier);
    let back_tree = tree(tr, &names, &back);
    let forward_tree = forward
        .as_ref()
        .map(|walk| tree(tr, &names, walk))
        .unwrap_or_default();
    Ok(Some(TraceView {
        kind,
        facts,
        identifier: identifier.to_string(),
        organisations: names.organisations(&start.organisations),
        suppliers: first_level(&back_tree),
        recipients: first_level(&forward_tree),
        back: back_tree,
        forward: forward_tree,
        truncated: walks.iter().any(|walk| walk.truncated).then(|| {
            tr.t1(
                "trace-truncated",
                "limit",
                &PAGE_LIMITS.max_nodes.to_string(),
            )
        }),
        timeline: start
            .events
            .iter()
            .map(|event| TimelineRow {
                time: vietnam_time(event.event_time),
                stage: stage(tr, event.biz_step.as_deref()),
                organisation: names.organisation(event.owner),
                place: names.place(event.read_point.as_ref().or(event.biz_location.as_ref())),
                quantity: quantity(tr, event.quantity.as_ref()),
            })
            .collect(),
        quality: QualityView::of(tr, &quality),
    }))
}

/// Organisation and place names, each looked up once.
struct Names {
    organisations: HashMap<OrganisationId, String>,
    places: HashMap<String, String>,
}

impl Names {
    /// The names of every owner and place the walks mention.
    async fn of(state: &AppState, walks: &[&Trace]) -> Result<Self, UiError> {
        let mut names = Self {
            organisations: HashMap::new(),
            places: HashMap::new(),
        };
        let events = walks
            .iter()
            .flat_map(|walk| &walk.nodes)
            .flat_map(|node| &node.events);
        for event in events {
            if let Entry::Vacant(slot) = names.organisations.entry(event.owner) {
                slot.insert(
                    state
                        .store
                        .organisation(event.owner)
                        .await?
                        .name
                        .to_string(),
                );
            }
            for place in [&event.read_point, &event.biz_location]
                .into_iter()
                .flatten()
            {
                if !names.places.contains_key(place) {
                    let name = place_name(state, event.owner, place).await?;
                    names.places.insert(place.clone(), name);
                }
            }
        }
        Ok(names)
    }

    fn organisation(&self, id: OrganisationId) -> String {
        self.organisations
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The organisations joined in hand-over order.
    fn organisations(&self, ids: &[OrganisationId]) -> String {
        ids.iter()
            .map(|id| self.organisation(*id))
            .collect::<Vec<_>>()
            .join(" → ")
    }

    fn place(&self, location: Option<&String>) -> String {
        location
            .map(|l| self.places.get(l).cloned().unwrap_or_else(|| l.clone()))
            .unwrap_or_default()
    }
}

/// A place's name from the master data of the organisation that recorded it (or else anyone's);
/// a GLN in words when nobody named it.
pub(super) async fn place_name(
    state: &AppState,
    owner: OrganisationId,
    location: &str,
) -> Result<String, UiError> {
    for scope in [Some(owner), None] {
        for vocabulary in LOCATION_TYPES {
            let element = state
                .store
                .master_data_element(scope, vocabulary, location)
                .await?;
            let name = element.and_then(|element| {
                element.attributes.into_iter().find_map(|(id, value)| {
                    let is_name = id.rsplit(['#', ':', '/']).next() == Some("name");
                    is_name.then(|| serde_json::from_str::<String>(&value).ok())?
                })
            });
            if let Some(name) = name {
                return Ok(name);
            }
        }
    }
    Ok(gln_code(location).map_or_else(|| location.to_owned(), |code| format!("GLN {code}")))
}

/// A location's GLN, with its extension (AI 254) in brackets; `None` for a location that is no
/// GLN.
pub(super) fn gln_code(location: &str) -> Option<String> {
    let link = DigitalLink::parse(location).ok()?;
    (link.key().kind() == KeyKind::Gln).then(|| match link.get("254") {
        Some(extension) => format!("{} ({extension})", link.key().as_str()),
        None => link.key().as_str().to_owned(),
    })
}

/// What an identifier names, in words, and its labelled parts.
fn describe(tr: Tr, identifier: &Identifier) -> (String, Vec<(String, String)>) {
    let kind = tr.t(&format!("trace-kind-{}", identifier.kind().as_str()));
    let mut facts = Vec::new();
    if let Ok(link) = DigitalLink::parse(identifier.as_str()) {
        let key = link.key();
        facts.push((key.kind().name().to_owned(), key.as_str().to_owned()));
        for (ai, label) in [("10", "trace-lot"), ("21", "trace-serial")] {
            if let Some(value) = link.get(ai) {
                facts.push((tr.t(label), value.to_owned()));
            }
        }
    }
    (kind, facts)
}

/// An identifier in a few words: "Lot PL7 (GTIN …)", "Pallet SSCC …".
pub(super) fn what(tr: Tr, identifier: &Identifier) -> String {
    let Ok(link) = DigitalLink::parse(identifier.as_str()) else {
        return identifier.to_string();
    };
    let key = link.key();
    let key = key.as_str();
    match identifier.kind() {
        IdentifierKind::Lot => tr.tn(
            "trace-what-lot",
            &[("lot", link.get("10").unwrap_or_default()), ("gtin", key)],
        ),
        IdentifierKind::Serial => tr.tn(
            "trace-what-serial",
            &[
                ("serial", link.get("21").unwrap_or_default()),
                ("gtin", key),
            ],
        ),
        IdentifierKind::LogisticUnit => tr.t1("trace-what-sscc", "sscc", key),
        IdentifierKind::Other => identifier.to_string(),
    }
}

/// A walk as a tree under its start, depth first, each identifier unfolded once.
fn tree(tr: Tr, names: &Names, walk: &Trace) -> Vec<TreeItem> {
    let nodes: HashMap<&Identifier, &Node> =
        walk.nodes.iter().map(|n| (&n.identifier, n)).collect();
    let mut children: HashMap<&Identifier, Vec<&Edge>> = HashMap::new();
    for edge in &walk.edges {
        let list = children.entry(&edge.from).or_default();
        // Several events may link the same pair; the first one stands for them.
        if !list.iter().any(|e| e.to == edge.to) {
            list.push(edge);
        }
    }
    let mut items = Vec::new();
    let mut shown = HashSet::from([&walk.start]);
    // Depth first with an explicit stack: (edge, depth), children pushed in reverse so they
    // come out in walk order; `None` closes the node opened before its children.
    let mut stack: Vec<Option<(&Edge, usize)>> = children
        .get(&walk.start)
        .map(|edges| edges.iter().rev().map(|e| Some((*e, 1))).collect())
        .unwrap_or_default();
    while let Some(entry) = stack.pop() {
        let Some((edge, depth)) = entry else {
            items.push(TreeItem::Close);
            continue;
        };
        let repeat = !shown.insert(&edge.to);
        let view = node_view(tr, names, edge, nodes.get(&edge.to).copied(), depth, repeat);
        match children.get(&edge.to).filter(|_| !repeat) {
            Some(below) if !below.is_empty() => {
                items.push(TreeItem::Open(view));
                stack.push(None);
                stack.extend(below.iter().rev().map(|e| Some((*e, depth + 1))));
            }
            _ => items.push(TreeItem::Leaf(view)),
        }
    }
    items
}

/// The tree's first level: the one-step neighbours.
fn first_level(tree: &[TreeItem]) -> Vec<NodeView> {
    tree.iter()
        .filter_map(|item| match item {
            TreeItem::Leaf(node) | TreeItem::Open(node) if node.depth == 1 => Some(node.clone()),
            _ => None,
        })
        .collect()
}

fn node_view(
    tr: Tr,
    names: &Names,
    edge: &Edge,
    node: Option<&Node>,
    depth: usize,
    repeat: bool,
) -> NodeView {
    let relation = match edge.relation {
        Relation::MadeFrom => "trace-relation-made-from",
        Relation::Contains => "trace-relation-contains",
        Relation::UnpackedFrom => "trace-relation-unpacked-from",
        Relation::TransformedInto => "trace-relation-transformed-into",
        Relation::PackedInto => "trace-relation-packed-into",
        Relation::UnpackedInto => "trace-relation-unpacked-into",
    };
    // Where it was last: the place of its latest event that names one.
    let place = node.and_then(|node| {
        node.events
            .iter()
            .rev()
            .find_map(|e| e.biz_location.as_ref().or(e.read_point.as_ref()))
    });
    NodeView {
        href: page_path(&edge.to),
        relation: tr.t(relation),
        what: what(tr, &edge.to),
        organisations: node
            .map(|n| names.organisations(&n.organisations))
            .unwrap_or_default(),
        quantity: quantity(tr, edge.quantity.as_ref()),
        place: names.place(place),
        time: vietnam_time(edge.event_time),
        depth,
        repeat,
    }
}

/// A time in Vietnam, as people there write it: day/month/year, 24-hour clock.
pub(super) fn vietnam_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(VIETNAM);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    )
}

/// A business step in words: a CBV step by its message, a pilot chain's own step by its
/// stage name in the template, any other step as written.
pub(super) fn stage(tr: Tr, biz_step: Option<&str>) -> String {
    let Some(step) = biz_step else {
        return tr.t("trace-step-none");
    };
    step.strip_prefix(BIZ_STEP_PREFIX)
        .and_then(|term| tr.try_t(&format!("step-{term}")))
        .or_else(|| {
            let stage = crate::quality::CHAINS
                .iter()
                .flat_map(|chain| chain.stages())
                .find(|stage| stage.event().biz_step() == step)?;
            Some(match tr.lang {
                Lang::Vi => stage.name().vi.clone(),
                Lang::En => stage.name().en.clone(),
            })
        })
        .unwrap_or_else(|| step.to_owned())
}

/// An amount with its unit in words, numbers written the user's way (1.800,5 kg or 1,800.5 kg).
pub(super) fn quantity(tr: Tr, quantity: Option<&Quantity>) -> String {
    let Some(quantity) = quantity else {
        return String::new();
    };
    let unit = match &quantity.uom {
        Some(code) => tr
            .try_t(&format!("unit-{code}"))
            .unwrap_or_else(|| code.clone()),
        None => tr.t("unit-items"),
    };
    format!("{} {unit}", number(tr.lang, quantity.amount))
}

/// A number with thousands grouped and at most three decimals.
pub(super) fn number(lang: Lang, amount: f64) -> String {
    let (group, decimal) = match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    };
    let text = format!("{:.3}", amount.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    let mut out = String::new();
    if amount < 0.0 {
        out.push('-');
    }
    for (position, digit) in whole.chars().enumerate() {
        if position > 0 && (whole.len() - position) % 3 == 0 {
            out.push(group);
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(decimal);
        out.push_str(fraction);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_the_users_way() {
        assert_eq!(number(Lang::Vi, 199_500.0), "199.500");
        assert_eq!(number(Lang::En, 199_500.0), "199,500");
        assert_eq!(number(Lang::Vi, 1_800.25), "1.800,25");
        assert_eq!(number(Lang::En, 0.5), "0.5");
        assert_eq!(number(Lang::En, 12.0), "12");
        assert_eq!(number(Lang::En, -1_234_567.0), "-1,234,567");
    }

    #[test]
    fn times_are_shown_in_vietnam() {
        let utc = time::macros::datetime!(2026-01-03 23:30 UTC);
        assert_eq!(vietnam_time(utc), "04/01/2026 06:30");
    }

    #[test]
    fn stages_and_units_are_named_in_both_languages() {
        let vi = Tr { lang: Lang::Vi };
        let en = Tr { lang: Lang::En };
        let shipping = Some("https://ref.gs1.org/cbv/BizStep-shipping");
        assert_eq!(stage(vi, shipping), "Xuất hàng");
        assert_eq!(stage(en, shipping), "Shipping");
        assert_eq!(
            stage(en, Some("urn:example:step:grading")),
            "urn:example:step:grading"
        );
        let sowing = Some("https://nguon.example.vn/epcis/sowing");
        assert_eq!(stage(vi, sowing), "Gieo sạ");
        assert_eq!(stage(en, sowing), "Sowing");
        let kg = Quantity {
            amount: 1_788.0,
            uom: Some("KGM".into()),
        };
        assert_eq!(quantity(vi, Some(&kg)), "1.788 kg");
        let odd = Quantity {
            amount: 3.0,
            uom: Some("XYZ".into()),
        };
        assert_eq!(quantity(en, Some(&odd)), "3 XYZ");
    }

    #[test]
    fn searches_name_the_field_and_the_rule() {
        let en = Tr { lang: Lang::En };
        let form = |id: &str, gtin: &str, lot: &str, serial: &str| SearchForm {
            id: id.into(),
            gtin: gtin.into(),
            lot: lot.into(),
            serial: serial.into(),
        };
        let pallet = form("089312345600000072", "", "", "")
            .identifier(en)
            .unwrap();
        assert_eq!(pallet.kind(), IdentifierKind::LogisticUnit);
        let lot = form("", "08931234560010", "PL7", "")
            .identifier(en)
            .unwrap();
        assert_eq!(lot.as_str(), "https://id.gs1.org/01/08931234560010/10/PL7");
        let bad_gtin = form("", "08931234560011", "PL7", "").identifier(en);
        assert!(bad_gtin.unwrap_err().starts_with("GTIN:"));
        let both = form("", "08931234560010", "PL7", "S1").identifier(en);
        assert!(both.unwrap_err().contains("lot number or a serial"));
        let bad = form("hello", "", "", "").identifier(en).unwrap_err();
        assert!(bad.contains("Digital Link"), "{bad}");
    }
}
