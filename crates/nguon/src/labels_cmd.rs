//! `nguon labels --lot ID --count N --format pdf|png|svg`: prints a lot's stamps through the
//! same rules as the portal (the lot's maker, its cap, the run logged and audited);
//! `nguon labels activate|deactivate RUN` captures the run's commissioning or decommissioning
//! event.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use nguon_domain::{Actor, StampRunId, StampState};
use nguon_gs1::{DigitalLink, Gtin};
use nguon_labels::{Layout, Symbology};
use nguon_web::stamps::{self, PrintRequest, StampError};

use crate::cli::DatabaseArg;
use crate::config::Config;
use crate::{database, serve};

/// Arguments of `nguon labels`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LabelsArgs {
    /// Activate or deactivate a run instead.
    #[command(subcommand)]
    pub command: Option<LabelsCommand>,
    /// The lot: (01)GTIN(10)LOT, a Digital Link or an EPC class URN.
    #[arg(long, required = true)]
    pub lot: Option<String>,
    /// How many stamps.
    #[arg(long, required = true)]
    pub count: Option<u32>,
    /// pdf (a sheet), png or svg (one file per stamp).
    #[arg(long, default_value = "pdf")]
    pub format: String,
    /// qr (GS1 Digital Link), datamatrix, ean13 or gs1-128.
    #[arg(long, default_value = "qr")]
    pub symbology: String,
    /// a4-3x8, a4-4x10, a4-5x13, thermal-50x30, thermal-40x30 or thermal-100x50.
    #[arg(long, default_value = "a4-3x8")]
    pub layout: String,
    /// Resolution of PNG files.
    #[arg(long, default_value_t = 300)]
    pub dpi: u32,
    /// The PDF file, or the directory of PNG or SVG files [default: stamps-LOT.pdf or
    /// stamps-LOT/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// `nguon labels activate|deactivate`.
#[derive(Debug, Subcommand)]
pub enum LabelsCommand {
    /// Capture the run's commissioning event: its stamps are on goods.
    Activate(RunArg),
    /// Capture the run's decommissioning event: its stamps are withdrawn.
    Deactivate(RunArg),
}

/// A run, by id.
#[derive(Debug, Args)]
pub struct RunArg {
    /// The run's id, as `nguon labels` printed it.
    pub run: String,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// What to write.
enum Output {
    Pdf,
    Png(u32),
    Svg,
}

pub async fn run(config: Config, args: LabelsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(LabelsCommand::Activate(run)) => change(config, run, StampState::Active).await,
        Some(LabelsCommand::Deactivate(run)) => change(config, run, StampState::Deactivated).await,
        None => print(config, args).await,
    }
}

async fn print(config: Config, args: LabelsArgs) -> anyhow::Result<ExitCode> {
    let (Some(lot), Some(count)) = (&args.lot, args.count) else {
        bail!("give the lot and the count: nguon labels --lot ID --count N");
    };
    let (gtin, lot_number) = lot_of(lot)?;
    let output = match args.format.as_str() {
        "pdf" => Output::Pdf,
        "png" => Output::Png(args.dpi),
        "svg" => Output::Svg,
        other => bail!("--format {other:?}: must be pdf, png or svg"),
    };
    let request = PrintRequest {
        gtin,
        lot: lot_number.clone(),
        count,
        symbology: Symbology::parse(&args.symbology).context("--symbology")?,
        layout: Layout::parse(&args.layout).context("--layout")?,
    };
    let store = database::open_configured(config.clone(), args.database.url).await?;
    let state = serve::app_state(&config, store.clone());
    let printed = stamps::print(&state, &request, None, Actor::Cli).await;
    state.rescorer.settled().await;
    let outcome = match printed {
        Ok((run, sheet)) => {
            let safe_lot: String = lot_number
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let written = match output {
                Output::Pdf => {
                    let path = args
                        .out
                        .unwrap_or_else(|| PathBuf::from(format!("stamps-{safe_lot}.pdf")));
                    std::fs::write(&path, sheet)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    path
                }
                Output::Png(_) | Output::Svg => {
                    let directory = args
                        .out
                        .unwrap_or_else(|| PathBuf::from(format!("stamps-{safe_lot}")));
                    write_each(&state, &run, &request, &output, &directory).await?;
                    directory
                }
            };
            println!(
                "run {}: {} stamps of lot {} ({} to {}), serials {} … {}, written to {}",
                run.id,
                run.count,
                lot_number,
                run.first,
                run.last(),
                run.serial(run.first),
                run.serial(run.last()),
                written.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(StampError::Store(error)) => Err(anyhow::Error::new(error)),
        Err(refused) => {
            eprintln!("{refused}");
            Ok(ExitCode::from(2))
        }
    };
    store.close().await;
    outcome
}

/// Writes one PNG or SVG file per stamp, named by its serial.
async fn write_each(
    state: &nguon_web::AppState,
    run: &nguon_domain::StampRun,
    request: &PrintRequest,
    output: &Output,
    directory: &PathBuf,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    let product = stamps::capacity(state, &request.gtin, &request.lot)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .product;
    let labels =
        stamps::labels(state, run, product.as_ref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (label, serial) in labels.iter().zip(run.serials()) {
        let (bytes, extension) = match output {
            Output::Png(dpi) => (
                nguon_labels::png(label, request.symbology, request.layout, *dpi)?,
                "png",
            ),
            _ => (
                nguon_labels::svg(label, request.symbology, request.layout)?.into_bytes(),
                "svg",
            ),
        };
        let path = directory.join(format!("{serial}.{extension}"));
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

async fn change(config: Config, args: RunArg, to: StampState) -> anyhow::Result<ExitCode> {
    let id = StampRunId::parse(&args.run).context("RUN")?;
    let store = database::open_configured(config.clone(), args.database.url).await?;
    let state = serve::app_state(&config, store.clone());
    let outcome = async {
        let run = store.stamp_run(id).await?;
        match stamps::change_state(&state, &run, to, Actor::Cli).await {
            Ok(run) => {
                println!("run {}: {} stamps now {}", run.id, run.count, run.state);
                Ok(ExitCode::SUCCESS)
            }
            Err(StampError::Store(error)) => Err(anyhow::Error::new(error)),
            Err(refused) => {
                eprintln!("{refused}");
                Ok(ExitCode::from(2))
            }
        }
    }
    .await;
    state.rescorer.settled().await;
    store.close().await;
    outcome
}

/// The GTIN and lot number of a lot in any GS1 spelling.
fn lot_of(input: &str) -> anyhow::Result<(Gtin, String)> {
    let identified = nguon_gs1::identify(input.trim(), None)
        .map_err(|error| anyhow::anyhow!("--lot {input:?}: {error}"))?;
    let link: &DigitalLink = &identified.link;
    let (Ok(gtin), Some(lot)) = (Gtin::parse(link.key().as_str()), link.get("10")) else {
        bail!("--lot {input:?}: must name a lot, a GTIN with a lot number (10)");
    };
    Ok((gtin, lot.to_owned()))
}
