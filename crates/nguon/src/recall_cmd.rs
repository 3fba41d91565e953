//! `nguon recall drill ID`: the recall drill from the database — every affected downstream lot
//! with its holder and quantity, totals per organisation, and the upstream suspects — as text,
//! JSON, or the recall report (CSV, XLSX, PDF). Nothing is stored: a drill rehearses a recall.
//!
//! `--timing` measures the time from lot to complete report: the drill, then all three formats,
//! printed on stderr.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use nguon_domain::OrganisationId;
use nguon_report::{Format, ReportError, Table};
use nguon_store::Store;
use nguon_trace::recall::Drill;
use nguon_trace::{Identifier, Limits, amount_text};
use nguon_web::recall::{lots_table, organisation_names, recalled_lots, totals_notes};

use crate::cli::DatabaseArg;
use crate::config::Config;
use crate::database;

/// Arguments of `nguon recall drill`.
#[derive(Debug, clap::Args)]
pub struct DrillArgs {
    /// The lot or serial: a Digital Link URI, an EPC URN or an element string.
    pub id: String,
    /// text: affected lots, totals and suspects; json: the drill as the API gives it; csv, xlsx,
    /// pdf: the recall report.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DrillFormat,
    /// Write to this file instead of stdout (required for xlsx and pdf).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print on stderr how long the drill and each report format took.
    #[arg(long)]
    pub timing: bool,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// How `nguon recall drill` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DrillFormat {
    /// Affected lots, totals per organisation and suspects, for a person.
    Text,
    /// The drill's JSON.
    Json,
    /// The recall report as CSV.
    Csv,
    /// The recall report as an Excel workbook.
    Xlsx,
    /// The recall report as PDF.
    Pdf,
}

impl DrillFormat {
    fn report(self) -> Option<Format> {
        match self {
            Self::Text | Self::Json => None,
            Self::Csv => Some(Format::Csv),
            Self::Xlsx => Some(Format::Xlsx),
            Self::Pdf => Some(Format::Pdf),
        }
    }
}

/// Runs the drill and prints or writes it.
pub async fn run(config: Config, args: DrillArgs) -> anyhow::Result<()> {
    let start = Identifier::parse(&args.id).with_context(|| format!("ID {:?}", args.id))?;
    if matches!(args.format, DrillFormat::Xlsx | DrillFormat::Pdf) && args.output.is_none() {
        bail!("--output FILE is required for --format xlsx and pdf");
    }
    let store = database::open_configured(config, args.database.url.clone()).await?;
    let outcome = drill_and_print(&*store, &start, &args).await;
    store.close().await;
    outcome
}

async fn drill_and_print(
    store: &dyn Store,
    start: &Identifier,
    args: &DrillArgs,
) -> anyhow::Result<()> {
    let began = Instant::now();
    let Some(drill) = nguon_trace::recall::drill(store, start, Limits::default())
        .await
        .context("cannot read the events")?
    else {
        bail!("no event names {start}");
    };
    let lots = recalled_lots(&drill);
    let names = organisation_names(store, &lots)
        .await
        .context("cannot read the organisations")?;
    let drilled = began.elapsed();
    let table = report_table(&drill, &names)?;
    if args.timing {
        eprintln!("{}", timing(drilled, &table, lots.len())?);
    }
    let bytes = match args.format.report() {
        Some(format) => format.write(&table)?,
        None if args.format == DrillFormat::Json => {
            let mut json = serde_json::to_vec_pretty(&drill)?;
            json.push(b'\n');
            json
        }
        None => text(&drill, &names).into_bytes(),
    };
    match &args.output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            use std::io::Write as _;
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

/// The recall report of a drill, with its totals above the table.
pub(crate) fn report_table(
    drill: &Drill,
    names: &BTreeMap<OrganisationId, String>,
) -> Result<Table, ReportError> {
    let mut notes = vec![
        format!("Bắt đầu từ / Started from: {}", drill.start),
        format!(
            "Lập lúc / Drilled: {}",
            nguon_epcis::model::format_timestamp(nguon_store::now_utc())
        ),
    ];
    notes.extend(totals_notes(drill, names));
    if drill.truncated {
        notes.push(
            "Chưa đầy đủ: chuỗi dài hơn giới hạn / Incomplete: the chain exceeds the limits".into(),
        );
    }
    lots_table(
        "Diễn tập thu hồi / Recall drill",
        notes,
        &recalled_lots(drill),
        names,
    )
}

/// Writes the report in every format and says how long each took, after the drill.
fn timing(drilled: Duration, table: &Table, identifiers: usize) -> anyhow::Result<String> {
    let mut line = format!(
        "timing: {identifiers} identifiers; drill {:.1} ms",
        drilled.as_secs_f64() * 1e3
    );
    let mut total = drilled;
    for format in Format::ALL {
        let began = Instant::now();
        let bytes = format.write(table)?;
        let took = began.elapsed();
        total += took;
        let _ = write!(
            line,
            ", {} {:.1} ms ({} bytes)",
            format.extension(),
            took.as_secs_f64() * 1e3,
            bytes.len()
        );
    }
    let _ = write!(
        line,
        "; lot to complete report {:.1} ms",
        total.as_secs_f64() * 1e3
    );
    Ok(line)
}

fn text(drill: &Drill, names: &BTreeMap<OrganisationId, String>) -> String {
    let name = |id: &OrganisationId| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let mut out = format!("recall drill from {}\n", drill.start);
    let _ = writeln!(out, "affected ({}):", drill.affected.len());
    for row in &drill.affected {
        let quantity = row
            .quantity
            .as_ref()
            .map(|q| {
                format!(
                    "  {} {}",
                    amount_text(q.amount),
                    q.uom.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_default();
        let form = if row.in_this_form {
            ""
        } else {
            "  (made into or packed in the next)"
        };
        let _ = writeln!(
            out,
            "  {} [{}]  {}{quantity}{form}",
            row.identifier,
            row.kind.as_str(),
            name(&row.organisation)
        );
    }
    let _ = writeln!(out, "totals:");
    for total in &drill.totals {
        let _ = writeln!(
            out,
            "  {}: {} {} ({} identifiers)",
            name(&total.organisation),
            amount_text(total.amount),
            total.uom.as_deref().unwrap_or(""),
            total.count
        );
    }
    let _ = writeln!(out, "suspects ({}):", drill.suspects.len());
    for suspect in &drill.suspects {
        let _ = writeln!(out, "  {} [{}]", suspect.identifier, suspect.kind.as_str());
        for other in &suspect.other_downstream {
            let _ = writeln!(out, "    also went into {other}");
        }
    }
    if drill.truncated {
        out.push_str("… truncated: there may be more\n");
    }
    out
}
