//! `nguon trace ID --back|--forward|--checks`: the genealogy of a lot, serial or logistic unit
//! from the database, or the findings of the checks over it, as text for a person or as the JSON
//! `GET /api/v1/trace/{id}` and `GET /api/v1/trace/{id}/checks` answer.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use anyhow::{Context, bail};
use nguon_domain::OrganisationId;
use nguon_store::Store;
use nguon_trace::checks::{Checked, Severity, Tolerances};
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

/// Exactly one of `--back`, `--forward` and `--checks`.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct DirectionFlags {
    /// Toward the origins: inputs of transformations, contents of containers.
    #[arg(long)]
    pub back: bool,
    /// Toward the recipients: outputs of transformations, containers packed.
    #[arg(long)]
    pub forward: bool,
    /// Both ways, printing the checks' findings (mass balance, timeline, withdrawal periods,
    /// missing links, cycles) instead of the genealogy.
    #[arg(long)]
    pub checks: bool,
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
    let store = database::open_configured(config, args.database.url).await?;
    let outcome = if args.direction.checks {
        print_checks(&*store, &identifier, args.format).await
    } else {
        let direction = if args.direction.back {
            Direction::Back
        } else {
            Direction::Forward
        };
        print(&*store, &identifier, direction, args.format).await
    };
    store.close().await;
    outcome
}

async fn print_checks(
    store: &dyn Store,
    identifier: &Identifier,
    format: TraceFormat,
) -> anyhow::Result<()> {
    let Some(checked) =
        nguon_trace::checks::run(store, identifier, Limits::default(), &Tolerances::default())
            .await
            .context("cannot read the events")?
    else {
        bail!("no event names {identifier}");
    };
    match format {
        TraceFormat::Json => println!("{}", serde_json::to_string_pretty(&checked)?),
        TraceFormat::Text => print!("{}", findings_text(&checked)),
    }
    Ok(())
}

/// One block per finding: severity and rule, the Vietnamese then the English message, and what
/// causes it.
fn findings_text(checked: &Checked) -> String {
    if checked.findings.is_empty() {
        return format!("{}: không có phát hiện nào / no findings\n", checked.start);
    }
    let mut out = String::new();
    for finding in &checked.findings {
        let severity = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let rule = serde_json::to_value(finding.rule).unwrap_or_default();
        let _ = writeln!(out, "{severity}  {}", rule.as_str().unwrap_or_default());
        let _ = writeln!(out, "    {}", finding.message.vi);
        let _ = writeln!(out, "    {}", finding.message.en);
        for identifier in &finding.identifiers {
            let _ = writeln!(out, "    identifier {identifier}");
        }
        for event in &finding.event_ids {
            let _ = writeln!(out, "    event {event}");
        }
    }
    out
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
