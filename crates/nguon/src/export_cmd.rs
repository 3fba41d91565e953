//! `nguon export …`: regulatory evidence packs from the database — the FSMA 204 sortable
//! spreadsheet (`fsma`) and traceability plan (`plan`), the EU 931/2011 dispatch record (`eu`),
//! the US SIMP data sheet (`simp`) and a lot's GDST document (`gdst`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use nguon_domain::TaxCode;
use nguon_report::Format;
use nguon_store::Store;
use nguon_trace::Identifier;

use crate::cli::DatabaseArg;
use crate::config::Config;
use crate::database;

/// `nguon export …`.
#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// The FSMA 204 electronic sortable spreadsheet: for one lot (its CTEs one step back and
    /// forward) or for every CTE in a date range.
    Fsma(FsmaArgs),
    /// The FSMA 204 traceability plan of an organisation, with its farm map, as PDF.
    Plan(PlanArgs),
    /// The EU 931/2011 dispatch record of a lot.
    Eu(LotArgs),
    /// The US SIMP data sheet of a lot.
    Simp(LotArgs),
    /// A lot's whole genealogy as a GDST 1.2 EPCIS 2.0 JSON-LD document.
    Gdst(GdstArgs),
}

/// Arguments of `nguon export fsma`.
#[derive(Debug, clap::Args)]
pub struct FsmaArgs {
    /// The traceability lot code: a Digital Link URI, an EPC URN or an element string.
    #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present = "from")]
    pub lot: Option<String>,
    /// Start of the range: YYYY-MM-DD (Vietnam time) or an RFC 3339 time.
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// End of the range: YYYY-MM-DD (that day included) or an RFC 3339 time (excluded).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// csv or xlsx.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SheetFormat,
    /// Write to this file instead of stdout (required for xlsx).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// The formats of the FSMA spreadsheet, which FDA asks for sortable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SheetFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

/// Arguments of `nguon export plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The organisation's tax code.
    #[arg(long)]
    pub org: String,
    /// The PDF to write.
    #[arg(long, value_name = "FILE.pdf")]
    pub output: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Arguments of `nguon export eu` and `nguon export simp`.
#[derive(Debug, clap::Args)]
pub struct LotArgs {
    /// The lot: a Digital Link URI, an EPC URN or an element string.
    #[arg(long)]
    pub lot: String,
    /// csv, xlsx or pdf.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: TableFormat,
    /// Write to this file instead of stdout (required for xlsx and pdf).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// The formats of a lot record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// A PDF.
    Pdf,
}

/// Arguments of `nguon export gdst`.
#[derive(Debug, clap::Args)]
pub struct GdstArgs {
    /// The lot: a Digital Link URI, an EPC URN or an element string.
    #[arg(long)]
    pub lot: String,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Runs one export.
pub async fn run(config: Config, command: ExportCommand) -> anyhow::Result<()> {
    let database = match &command {
        ExportCommand::Fsma(args) => &args.database,
        ExportCommand::Plan(args) => &args.database,
        ExportCommand::Eu(args) | ExportCommand::Simp(args) => &args.database,
        ExportCommand::Gdst(args) => &args.database,
    };
    let store = database::open_configured(config, database.url.clone()).await?;
    let outcome = export(&*store, &command).await;
    store.close().await;
    outcome
}

async fn export(store: &dyn Store, command: &ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::Fsma(args) => {
            let format = match args.format {
                SheetFormat::Csv => Format::Csv,
                SheetFormat::Xlsx => Format::Xlsx,
            };
            needs_file(format, args.output.as_deref())?;
            let table = match (&args.lot, &args.from, &args.to) {
                (Some(lot), _, _) => nguon_export::fsma_for_lot(store, &lot_id(lot)?).await?,
                (None, Some(from), Some(to)) => {
                    let (from, to) = nguon_export::parse_range(from, to)?;
                    nguon_export::fsma_for_range(store, from, to).await?
                }
                _ => bail!("give --lot ID, or --from DATE and --to DATE"),
            };
            emit(&format.write(&table)?, args.output.as_deref())
        }
        ExportCommand::Plan(args) => {
            let tax_code =
                TaxCode::parse(&args.org).with_context(|| format!("--org {:?}", args.org))?;
            let organisation = nguon_export::organisation_by_tax_code(store, &tax_code).await?;
            let plan = nguon_export::gather_plan(store, &organisation).await?;
            emit(&plan.pdf()?, Some(&args.output))
        }
        ExportCommand::Eu(args) | ExportCommand::Simp(args) => {
            let format = match args.format {
                TableFormat::Csv => Format::Csv,
                TableFormat::Xlsx => Format::Xlsx,
                TableFormat::Pdf => Format::Pdf,
            };
            needs_file(format, args.output.as_deref())?;
            let lot = lot_id(&args.lot)?;
            let table = if matches!(command, ExportCommand::Eu(_)) {
                nguon_export::eu_record(store, &lot).await?
            } else {
                nguon_export::simp_sheet(store, &lot).await?
            };
            emit(&format.write(&table)?, args.output.as_deref())
        }
        ExportCommand::Gdst(args) => {
            let document =
                nguon_export::gdst_for_lot(store, &lot_id(&args.lot)?, nguon_store::now_utc())
                    .await?;
            let mut bytes = serde_json::to_vec_pretty(&document)?;
            bytes.push(b'\n');
            emit(&bytes, args.output.as_deref())
        }
    }
}

fn lot_id(text: &str) -> anyhow::Result<Identifier> {
    Identifier::parse(text).with_context(|| format!("--lot {text:?}"))
}

fn needs_file(format: Format, output: Option<&Path>) -> anyhow::Result<()> {
    if format != Format::Csv && output.is_none() {
        bail!(
            "--output FILE is required for --format {}",
            format.extension()
        );
    }
    Ok(())
}

fn emit(bytes: &[u8], output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            use std::io::Write as _;
            Ok(std::io::stdout().write_all(bytes)?)
        }
    }
}
