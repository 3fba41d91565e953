//! `nguon trace ID --back|--forward`: the genealogy of a lot, serial or logistic unit from the
//! database, as an indented tree for a person or as the JSON `GET /api/v1/trace/{id}` answers.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use anyhow::{Context, bail};
use nguon_domain::OrganisationId;
use nguon_store::Store;
use nguon_trace::{Direction, Edge, Identifier, Limits, Node, NodeEvent, Relation, Trace};

use crate::cli::DatabaseArg;
use crate::config::Config;
use crate::database;

/// Arguments of `nguon trace`.
#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// The lot, serial or logistic unit: a Digital Link URI, an EPC URN or an element string.
    pub id: String,
    #[command(flatten)]
    pub direction: DirectionFlags,
    /// text: an indented tree with time, bizStep, organisation and quantity; json: the API's
    /// JSON.
    #[arg(long, value_enum, default_value = "text")]
    pub format: TraceFormat,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Exactly one of `--back` and `--forward`.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct DirectionFlags {
    /// Toward the origins: inputs of transformations, contents of containers.
    #[arg(long)]
    pub back: bool,
    /// Toward the recipients: outputs of transformations, containers packed.
    #[arg(long)]
    pub forward: bool,
}

/// How `nguon trace` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFormat {
    /// An indented tree.
    Text,
    /// The JSON of `GET /api/v1/trace/{id}`.
    Json,
}

/// Walks the genealogy and prints it.
pub async fn run(config: Config, args: TraceArgs) -> anyhow::Result<()> {
    let identifier = Identifier::parse(&args.id).with_context(|| format!("ID {:?}", args.id))?;
    let direction = if args.direction.back {
        Direction::Back
    } else {
        Direction::Forward
    };
    let store = database::open_configured(config, args.database.url).await?;
    let outcome = print(&*store, &identifier, direction, args.format).await;
    store.close().await;
    outcome
}

async fn print(
    store: &dyn Store,
    identifier: &Identifier,
    direction: Direction,
    format: TraceFormat,
) -> anyhow::Result<()> {
    let Some(trace) = nguon_trace::trace(store, identifier, direction, Limits::default())
        .await
        .context("cannot read the events")?
    else {
        bail!("no event names {identifier}");
    };
    match format {
        TraceFormat::Json => println!("{}", serde_json::to_string_pretty(&trace)?),
        TraceFormat::Text => {
            let names = organisation_names(store, &trace).await?;
            print!("{}", tree(&trace, &names));
        }
    }
    Ok(())
}

/// The name of every organisation owning an event of the trace: a person reads names, not ids.
async fn organisation_names(
    store: &dyn Store,
    trace: &Trace,
) -> anyhow::Result<BTreeMap<OrganisationId, String>> {
    let mut names = BTreeMap::new();
    for node in &trace.nodes {
        for event in &node.events {
            if let Entry::Vacant(entry) = names.entry(event.owner) {
                let organisation = store
                    .organisation(event.owner)
                    .await
                    .with_context(|| format!("cannot read organisation {}", event.owner))?;
                entry.insert(organisation.name.to_string());
            }
        }
    }
    Ok(names)
}

/// The trace as a tree, depth first: each node with its events under the first node shown that
/// leads to it; a node reached again (a merge or a cycle) is named with "(see above)".
fn tree(trace: &Trace, names: &BTreeMap<OrganisationId, String>) -> String {
    let nodes: HashMap<&Identifier, &Node> = trace
        .nodes
        .iter()
        .map(|node| (&node.identifier, node))
        .collect();
    let mut edges: HashMap<&Identifier, Vec<&Edge>> = HashMap::new();
    for edge in &trace.edges {
        edges.entry(&edge.from).or_default().push(edge);
    }
    let mut out = String::new();
    let mut shown: HashSet<&Identifier> = HashSet::new();
    // An explicit stack rather than recursion: a chain may be thousands of steps long.
    let mut stack: Vec<(Option<Relation>, &Identifier, usize)> = vec![(None, &trace.start, 0)];
    while let Some((relation, identifier, indent)) = stack.pop() {
        let pad = "  ".repeat(indent);
        let label = relation
            .map(|r| format!("{} ", words(r)))
            .unwrap_or_default();
        let first_time = shown.insert(identifier);
        let (true, Some(node)) = (first_time, nodes.get(identifier)) else {
            let _ = writeln!(out, "{pad}{label}{identifier} (see above)");
            continue;
        };
        let _ = writeln!(out, "{pad}{label}{identifier} [{}]", node.kind.as_str());
        for event in &node.events {
            let _ = writeln!(out, "{pad}    {}", event_line(event, names));
        }
        let children = edges.get(identifier).into_iter().flatten();
        let children: Vec<_> = children
            .map(|edge| (Some(edge.relation), &edge.to, indent + 1))
            .collect();
        stack.extend(children.into_iter().rev());
    }
    if trace.truncated {
        out.push_str("… truncated: the genealogy goes on beyond what is shown\n");
    }
    out
}

/// `time  bizStep  organisation  quantity`.
fn event_line(event: &NodeEvent, names: &BTreeMap<OrganisationId, String>) -> String {
    let time = nguon_epcis::model::format_timestamp(event.event_time);
    let step = event
        .biz_step
        .as_deref()
        .map(|s| {
            s.strip_prefix("https://ref.gs1.org/cbv/BizStep-")
                .unwrap_or(s)
        })
        .unwrap_or(event.event_type.as_str());
    let owner = names
        .get(&event.owner)
        .cloned()
        .unwrap_or_else(|| event.owner.to_string());
    let mut line = format!("{time}  {step}  {owner}");
    if let Some(quantity) = &event.quantity {
        let _ = write!(line, "  {}", quantity.amount);
        if let Some(uom) = &quantity.uom {
            let _ = write!(line, " {uom}");
        }
    }
    line
}

/// How a relation reads in the tree.
fn words(relation: Relation) -> &'static str {
    match relation {
        Relation::TransformedInto => "transformed into",
        Relation::MadeFrom => "made from",
        Relation::PackedInto => "packed into",
        Relation::Contains => "contains",
        Relation::UnpackedInto => "unpacked into",
        Relation::UnpackedFrom => "unpacked from",
    }
}
