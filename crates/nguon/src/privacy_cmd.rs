//! `nguon privacy`: a household's personal data from the server's command line (Law
//! 91/2025/QH15). `export` prints everything held on it as JSON, `erase` pseudonymises it, and
//! `retention` lists (and with `--apply` pseudonymises) the households past the `[privacy]`
//! retention period with no activity.

use anyhow::Context;
use nguon_domain::{Actor, ErasureReason, RetentionPolicy, TaxCode};
use nguon_store::{Store, personal_data_export, retention_due};

use crate::cli::DatabaseArg;
use crate::config::Config;
use crate::database;

#[derive(Debug, clap::Subcommand)]
pub enum PrivacyCommand {
    /// Print everything the system holds on a household as personal data, as JSON.
    Export(OrgArgs),
    /// Pseudonymise a household's personal fields (name, ID number, street, its users' e-mail
    /// addresses and names); its events, chain and hashes stay. Irreversible.
    Erase(OrgArgs),
    /// List the households whose retention period ([privacy] in the config) has passed with no
    /// event captured and no change to their record; with --apply, pseudonymise them.
    Retention(RetentionArgs),
}

/// Arguments naming one household.
#[derive(Debug, clap::Args)]
pub struct OrgArgs {
    /// The household's tax code or 12-digit personal ID number.
    #[arg(long)]
    pub org: String,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Arguments of `nguon privacy retention`.
#[derive(Debug, clap::Args)]
pub struct RetentionArgs {
    /// Pseudonymise the households listed, instead of only listing them.
    #[arg(long)]
    pub apply: bool,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Runs a `nguon privacy` command.
pub async fn run(config: Config, command: PrivacyCommand) -> anyhow::Result<()> {
    let database = match &command {
        PrivacyCommand::Export(args) | PrivacyCommand::Erase(args) => &args.database,
        PrivacyCommand::Retention(args) => &args.database,
    };
    let retention = config.privacy.retention.clone();
    let store = database::open_configured(config, database.url.clone()).await?;
    let outcome = privacy(&*store, &retention, &command).await;
    store.close().await;
    outcome
}

async fn privacy(
    store: &dyn Store,
    retention: &RetentionPolicy,
    command: &PrivacyCommand,
) -> anyhow::Result<()> {
    match command {
        PrivacyCommand::Export(args) => {
            let organisation = household(store, &args.org).await?;
            let export = personal_data_export(store, organisation).await?;
            println!("{}", serde_json::to_string_pretty(&export)?);
        }
        PrivacyCommand::Erase(args) => {
            let organisation = household(store, &args.org).await?;
            let erasure = store
                .erase_personal_data(organisation, ErasureReason::Request, Actor::Cli)
                .await?;
            println!("{}", serde_json::to_string_pretty(&erasure.to_json())?);
        }
        PrivacyCommand::Retention(args) => {
            let now = nguon_store::now_utc();
            let due = retention_due(store, retention, now).await?;
            for household in &due {
                let last = household
                    .last_activity
                    .format(&time::format_description::well_known::Rfc3339)?;
                if args.apply {
                    store
                        .erase_personal_data(
                            household.organisation.id,
                            ErasureReason::Retention,
                            Actor::Cli,
                        )
                        .await?;
                }
                println!(
                    "{}\t{}\tlast activity {last}\tretention {} days{}",
                    household.organisation.id,
                    household.organisation.tax_code.masked(),
                    household.days,
                    if args.apply { "\tpseudonymised" } else { "" }
                );
            }
            eprintln!(
                "{} household(s) past retention{}",
                due.len(),
                if args.apply {
                    ", pseudonymised"
                } else {
                    "; --apply pseudonymises them"
                }
            );
        }
    }
    Ok(())
}

/// The id of the organisation registered under `tax_code`.
async fn household(
    store: &dyn Store,
    tax_code: &str,
) -> anyhow::Result<nguon_domain::OrganisationId> {
    let tax_code = TaxCode::parse(tax_code).with_context(|| format!("--org {tax_code:?}"))?;
    Ok(nguon_export::organisation_by_tax_code(store, &tax_code)
        .await?
        .id)
}
