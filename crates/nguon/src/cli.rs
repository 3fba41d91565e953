//! Command-line arguments. Each command has its own `Args` struct here and its own module with a
//! `run` function; adding a command is one `Command` variant and one match arm in `main.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use nguon_store::DatabaseUrl;

use crate::config::{ConfigFile, LogFormat};

/// Nguồn: provincial product traceability on GS1 keys and EPCIS 2.0 events.
#[derive(Debug, Parser)]
#[command(name = "nguon", version)]
pub struct Cli {
    /// Log format on stdout [default: text, or log_format from the configuration]
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    /// Configuration file; must exist when given [default: nguon.toml in the working directory,
    /// if present]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The configuration file to read: the one named by `--config`, which must exist, or the
    /// optional default.
    pub fn config_file(&self) -> ConfigFile {
        match &self.config {
            Some(path) => ConfigFile::required(path.clone()),
            None => ConfigFile::default(),
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP until SIGTERM or Ctrl-C; the database is created and migrated on first start.
    Serve(ServeArgs),
    /// Build a demo province (about 60 organisations, one season per chain, one account per
    /// role) into a new SQLite file, print the sign-ins, then serve it like `serve`.
    Demo(crate::demo::DemoArgs),
    /// Create or update the database schema, then exit.
    Migrate(MigrateArgs),
    /// Read any GS1 input (Digital Link URI, element string, EPC URN, bare key) and print its
    /// forms as JSON; invalid input exits with code 2 and the reason on stderr.
    Gs1(crate::gs1_cmd::Gs1Args),
    /// Print the CBV 2.0 event hash (ni:///sha-256;…?ver=CBV2.0) of every event in an EPCIS
    /// JSON-LD or XML document, one per line; a bad document exits with code 2 and the reason on
    /// stderr.
    EpcisHash(crate::epcis_hash_cmd::EpcisHashArgs),
    /// Measure event append throughput and lookup latency on a scratch database (SQLite, or
    /// PostgreSQL with --postgres), print the figures, and delete it.
    BenchStore(crate::bench_cmd::BenchArgs),
    /// Measure HTTP capture throughput, query latency and server memory through a real `nguon
    /// serve` on a scratch database (SQLite, or PostgreSQL with --postgres) with generated
    /// shrimp-chain events; print the figures and delete the database.
    BenchEpcis(crate::bench_epcis::BenchEpcisArgs),
    /// Measure backward and forward trace latency on a scratch database (SQLite, or PostgreSQL
    /// with --postgres) holding a deep, commingled shrimp chain; print the figures and delete it.
    BenchTrace(crate::bench_trace::BenchTraceArgs),
    /// Measure the resolver's 307 and the public page of a lot deep in a shrimp chain with wrk,
    /// through a real `nguon serve` on a scratch database (SQLite, or PostgreSQL with
    /// --postgres), beside an axum hello-world baseline; print the figures and delete it.
    BenchPublic(crate::bench_public::BenchPublicArgs),
    /// Trace a lot, serial or logistic unit back to its origins (--back) or forward to its
    /// recipients (--forward) across every organisation's events, as an indented tree or the
    /// API's JSON.
    Trace(crate::trace_cmd::TraceArgs),
    /// Recalls: `drill` rehearses one from a lot or serial.
    #[command(subcommand)]
    Recall(RecallCommand),
    /// Write an online, consistent backup of the whole database and its manifest (event digest).
    Backup(crate::backup_cmd::BackupArgs),
    /// Restore a backup into an empty database and check its events against the manifest.
    Restore(crate::backup_cmd::RestoreArgs),
    /// Check every organisation's event chain and its signed checkpoints, naming each row edited,
    /// deleted or reordered in the database; exit code 0 when all is well, 3 when anything is
    /// found.
    Verify(crate::verify_cmd::VerifyArgs),
    /// Regulatory evidence packs: FSMA 204 spreadsheet and plan, EU 931/2011, US SIMP, GDST.
    #[command(subcommand)]
    Export(crate::export_cmd::ExportCommand),
    /// Measure the time from a lot to a complete recall report (drill, CSV, XLSX, PDF) on a
    /// scratch SQLite file of generated shrimp-chain events; print the figures and delete it.
    BenchRecall(crate::bench_recall::BenchRecallArgs),
    /// Households' personal data (Law 91/2025): `export` prints it as JSON, `erase`
    /// pseudonymises it, `retention` lists (and with --apply pseudonymises) those past the
    /// retention period.
    #[command(subcommand)]
    Privacy(crate::privacy_cmd::PrivacyCommand),
    /// Data-quality scores: `refresh` rescores every lot.
    #[command(subcommand)]
    Quality(QualityCommand),
    /// Organisations in the registry.
    #[command(subcommand)]
    Org(OrgCommand),
    /// API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Portal users.
    #[command(subcommand)]
    User(UserCommand),
    /// Import a CSV or XLSX file of organisations, facilities, products or diary events (of one
    /// chain stage) with the portal's rules: all rows or, with every problem listed by row and
    /// column and exit code 2, nothing. `nguon import template KIND` prints a template.
    Import(ImportArgs),
    /// Print a lot's stamps: N new serials (AI 21) numbered on from its earlier runs, never more
    /// than the lot can carry, as a PDF sheet, or one PNG or SVG per stamp; every run is logged.
    /// `nguon labels activate|deactivate RUN` captures the run's (de)commissioning event.
    Labels(crate::labels_cmd::LabelsArgs),
}

/// Arguments of `nguon import`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    /// Print a template instead.
    #[command(subcommand)]
    pub command: Option<ImportCommand>,
    /// organisations, facilities, products or events.
    #[arg(required = true)]
    pub kind: Option<String>,
    /// The file: .csv (UTF-8) or .xlsx (the first sheet).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// The organisation the facilities, products or events belong to, by id or tax code (MST).
    #[arg(long, value_name = "ID_OR_MST")]
    pub org: Option<String>,
    /// For events: the chain template (rice, farmed-shrimp, …).
    #[arg(long)]
    pub chain: Option<String>,
    /// For events: the stage of the chain.
    #[arg(long)]
    pub stage: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// `nguon import template …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Print the template of a kind on stdout: the headers and an example row; as XLSX, with a
    /// sheet explaining every column.
    Template(TemplateArgs),
}

/// Arguments of `nguon import template`.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// organisations, facilities, products or events.
    pub kind: String,
    /// csv or xlsx.
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// For events: the chain template.
    #[arg(long)]
    pub chain: Option<String>,
    /// For events: the stage of the chain.
    #[arg(long)]
    pub stage: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// `nguon user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a portal user and print its id. The password is asked for without echo on a
    /// terminal, or read from the first line of standard input otherwise; there is no default.
    Add(UserAddArgs),
}

/// Arguments of `nguon user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Sign-in address.
    #[arg(long)]
    pub email: String,
    /// province_admin, inspector, org_admin or org_staff.
    #[arg(long)]
    pub role: String,
    /// The organisation of an org_admin or org_staff, by id or tax code (MST).
    #[arg(long, value_name = "ID_OR_MST")]
    pub organisation: Option<String>,
    /// The name shown in the portal.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// `nguon org …`.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Register an organisation (pending approval) and print its id.
    Add(OrgAddArgs),
}

/// `nguon recall …`.
#[derive(Debug, Subcommand)]
pub enum RecallCommand {
    /// Every downstream lot a recall from ID would reach, with holder and quantity, totals per
    /// organisation and the upstream suspects; as text, JSON or the report (CSV, XLSX, PDF).
    /// Nothing is stored.
    Drill(crate::recall_cmd::DrillArgs),
}

/// `nguon quality …`.
#[derive(Debug, Subcommand)]
pub enum QualityCommand {
    /// Rescore every lot the stored events name and store the scores `/quality` shows; run it
    /// after a bulk import, or nightly so events about related lots reach every score.
    Refresh(crate::quality_cmd::RefreshArgs),
}

/// `nguon key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key and print it (only the key, on stdout; it cannot be shown again).
    Create(KeyCreateArgs),
}

/// Arguments of `nguon org add`.
#[derive(Debug, Args)]
pub struct OrgAddArgs {
    /// Registered name.
    #[arg(long)]
    pub name: String,
    /// Tax code (MST), 10 digits, or 10-3 for a branch.
    #[arg(long)]
    pub tax_code: String,
    /// enterprise, cooperative, household or agency.
    #[arg(long, default_value = "enterprise")]
    pub kind: String,
    /// House number, street or hamlet (ấp) of its address; needs --commune.
    #[arg(long, requires = "commune")]
    pub street: Option<String>,
    /// The current commune or ward of its address, in the configured province: the 5-digit
    /// code, or a name that only one commune has ("Vĩnh Hậu", "vinh hau"); needs --street.
    #[arg(long, requires = "street")]
    pub commune: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Arguments of `nguon key create`.
#[derive(Debug, Args)]
pub struct KeyCreateArgs {
    /// The organisation, by id or tax code (MST); without it the key is a province-wide key
    /// that reads every organisation's events and captures none.
    #[arg(long, value_name = "ID_OR_MST")]
    pub org: Option<String>,
    /// What the key is for, to recognise it when revoking.
    #[arg(long, default_value = "cli")]
    pub label: String,
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Arguments of `nguon serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, IP:PORT (port 0 picks a free port) [default: 127.0.0.1:8080]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Arguments of `nguon migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// The `--database` flag, shared by every command that opens the store.
#[derive(Debug, Args)]
pub struct DatabaseArg {
    /// Database: sqlite://PATH, a file path, or postgres://USER@HOST/DB [default: nguon.db].
    /// Prefer NGUON_DATABASE_URL for a URL with a password: command lines are visible to other
    /// users of the machine.
    #[arg(long = "database", value_name = "URL")]
    pub url: Option<DatabaseUrl>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_the_command() {
        let cli = Cli::try_parse_from([
            "nguon",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--database",
            "sqlite://x.db",
        ])
        .unwrap();
        assert_eq!(cli.log_format, Some(LogFormat::Json));
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.listen, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(args.database.url, Some(DatabaseUrl::parse("x.db").unwrap()));
    }

    #[test]
    fn a_bad_database_url_is_refused_with_the_rule() {
        let err = Cli::try_parse_from(["nguon", "migrate", "--database", "mysql://x"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("scheme \"mysql\" is not supported"),
            "{err}"
        );
    }
}
