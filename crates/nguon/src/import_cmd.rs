//! `nguon import KIND FILE --org ID_OR_MST`: imports a CSV or XLSX file of organisations,
//! facilities, products or diary events with the portal's rules (the `nguon_web::import`
//! library), all or nothing, with a progress bar on a terminal; a refused file prints its
//! row-level report on stderr and exits with code 2. `nguon import template KIND` prints a
//! template.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use nguon_domain::Actor;
use nguon_web::import::{self, FileFormat, ImportError, ImportKind, Importer, Phase, Progress};

use crate::admin_cmd::find_organisation;
use crate::cli::{ImportArgs, ImportCommand, TemplateArgs};
use crate::config::Config;
use crate::{database, serve};

/// Runs `nguon import …`.
pub async fn run(config: Config, args: ImportArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(ImportCommand::Template(template)) => print_template(config, template).await,
        None => import_file(config, args).await,
    }
}

fn kind(kind: &str, chain: Option<&str>, stage: Option<&str>) -> anyhow::Result<ImportKind> {
    ImportKind::parse(kind, chain, stage).map_err(|problem| anyhow::anyhow!("{}", problem.en))
}

async fn print_template(config: Config, args: TemplateArgs) -> anyhow::Result<ExitCode> {
    let kind = kind(&args.kind, args.chain.as_deref(), args.stage.as_deref())?;
    let format = FileFormat::parse(&args.format)
        .with_context(|| format!("--format {:?}: must be csv or xlsx", args.format))?;
    let store = database::open_configured(config.clone(), args.database.url).await?;
    let state = serve::app_state(&config, store.clone());
    let bytes = import::template(&state, kind, format).await;
    store.close().await;
    std::io::stdout()
        .write_all(&bytes?)
        .context("cannot write the template to standard output")?;
    Ok(ExitCode::SUCCESS)
}

async fn import_file(config: Config, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let (Some(kind_name), Some(file)) = (&args.kind, &args.file) else {
        bail!("give the kind and the file: nguon import KIND FILE");
    };
    let kind = kind(kind_name, args.chain.as_deref(), args.stage.as_deref())?;
    let format = FileFormat::of_file_name(&file.to_string_lossy()).with_context(|| {
        format!(
            "{}: the file name must end in .csv or .xlsx",
            file.display()
        )
    })?;
    let bytes = read(file)?;
    let store = database::open_configured(config.clone(), args.database.url).await?;
    let outcome = async {
        let organisation = match (&args.org, kind.per_organisation()) {
            (Some(reference), true) => Some(find_organisation(&*store, reference).await?),
            (None, true) => bail!("--org is needed: the organisation the records belong to"),
            (Some(_), false) => bail!("--org is not used for organisations"),
            (None, false) => None,
        };
        let state = serve::app_state(&config, store.clone());
        let importer = Importer {
            state: &state,
            organisation: organisation.as_ref(),
            actor: Actor::Cli,
            by_province: true,
        };
        let bar = Bar::new();
        let started = std::time::Instant::now();
        let result = import::import(importer, kind, format, &bytes, &bar).await;
        state.rescorer.settled().await;
        bar.0.finish_and_clear();
        Ok((result, started.elapsed()))
    }
    .await;
    store.close().await;
    let (result, elapsed) = outcome?;
    match result {
        Ok(imported) => {
            eprintln!(
                "imported {} {} from {} in {:.2} s",
                imported.count,
                kind.name(),
                file.display(),
                elapsed.as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Refused(problems)) => {
            eprintln!(
                "{}: nothing was imported; {} problem(s) / không nhập gì; {} lỗi:",
                file.display(),
                problems.len(),
                problems.len()
            );
            for problem in &problems {
                eprintln!("  {problem}");
            }
            Ok(ExitCode::from(2))
        }
        Err(error) => Err(error).context("the import failed; nothing was stored"),
    }
}

fn read(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
}

/// The progress bar on stderr; hidden when stderr is not a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new() -> Self {
        Self(ProgressBar::new(0))
    }
}

impl Progress for Bar {
    fn start(&self, phase: Phase, total: usize) {
        let label = match phase {
            Phase::Checking => "checking",
            Phase::Writing => "writing",
        };
        if let Ok(style) = ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} {elapsed}")
        {
            self.0.set_style(style.progress_chars("=> "));
        }
        self.0.set_message(label);
        self.0.set_length(total as u64);
        self.0.set_position(0);
    }

    fn advance(&self) {
        self.0.inc(1);
    }
}
