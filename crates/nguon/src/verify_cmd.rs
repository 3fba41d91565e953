//! `nguon verify`: checks the event chains and their signed checkpoints and names every row
//! that was edited, deleted or reordered in the database; `--checkpoint` then signs new
//! checkpoints, only when nothing was found.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use nguon_integrity::{KeyError, ProvinceKey, PublicKey, sign_checkpoints, verify};
use nguon_store::Store;

use crate::admin_cmd::find_organisation;
use crate::cli::DatabaseArg;
use crate::config::Config;
use crate::database;

/// The exit code when anything was found (1 is kept for "could not run").
const FOUND: u8 = 3;

/// How `nguon verify` prints its findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// One line per finding, then a summary line.
    #[default]
    Text,
    /// One JSON object: the counts and every finding.
    Json,
}

/// Arguments of `nguon verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub database: DatabaseArg,
    /// Only this organisation's chain, by id or tax code (MST).
    #[arg(long, value_name = "MST_OR_ID")]
    pub org: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: VerifyFormat,
    /// The province's public key as 64 hexadecimal digits (from /.well-known/nguon-signing-key),
    /// to verify without the signing key file [default: the public half of [integrity]
    /// signing_key].
    #[arg(long, value_name = "HEX", conflicts_with = "checkpoint")]
    pub public_key: Option<String>,
    /// When nothing is found, sign a checkpoint at the head of every chain that moved since its
    /// last one (the key file is made if missing).
    #[arg(long, conflicts_with = "org")]
    pub checkpoint: bool,
}

/// Runs the check; exit code 0 when all is well, [`FOUND`] when anything was found.
pub async fn run(config: Config, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let key_file = config.integrity.signing_key.clone();
    let (public, signing) = match &args.public_key {
        Some(text) => (PublicKey::parse_hex(text).context("--public-key")?, None),
        None => {
            let key = if args.checkpoint {
                load_or_create(&key_file)?
            } else {
                ProvinceKey::load(&key_file).map_err(|error| match error {
                    KeyError::Missing(_) => anyhow::anyhow!(
                        "{error}: verify needs the province's key to check checkpoints; run it \
                         where [integrity] signing_key is, or give --public-key"
                    ),
                    other => other.into(),
                })?
            };
            (key.public(), Some(key))
        }
    };
    let store = database::open_configured(config, args.database.url.clone()).await?;
    let outcome = check(&*store, &public, &args, signing.as_ref()).await;
    store.close().await;
    outcome
}

async fn check(
    store: &dyn Store,
    public: &PublicKey,
    args: &VerifyArgs,
    signing: Option<&ProvinceKey>,
) -> anyhow::Result<ExitCode> {
    let only = match &args.org {
        Some(reference) => Some(find_organisation(store, reference).await?.id),
        None => None,
    };
    let report = verify(store, public, only)
        .await
        .context("cannot read the event chains")?;
    match args.format {
        VerifyFormat::Text => {
            for finding in &report.findings {
                println!("{finding}");
            }
            println!("{}", report.summary());
        }
        VerifyFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    if !report.is_clean() {
        return Ok(ExitCode::from(FOUND));
    }
    if args.checkpoint
        && let Some(key) = signing
    {
        let signed = sign_checkpoints(store, key)
            .await
            .context("cannot store the checkpoints")?;
        // On stderr, so that --format json keeps stdout one JSON document.
        eprintln!(
            "{signed} checkpoints signed with key {}",
            public.fingerprint()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The key at `path`, made there if missing — saying so, since the file must then be kept safe.
pub fn load_or_create(path: &Path) -> anyhow::Result<ProvinceKey> {
    let (key, created) = ProvinceKey::load_or_create(path)?;
    if created {
        eprintln!(
            "new signing key written to {} (fingerprint {}); keep a copy off the database server",
            path.display(),
            key.public().fingerprint()
        );
    }
    Ok(key)
}
