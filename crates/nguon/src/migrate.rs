//! `nguon migrate`: bring the database schema up to date and exit, for deployments that migrate
//! in a separate step before starting new server processes.

use anyhow::Context;

use crate::cli::MigrateArgs;
use crate::config::{Config, Flags};
use crate::database;

/// Opens the database, which applies pending migrations, and closes it again.
pub async fn run(config: Config, args: MigrateArgs) -> anyhow::Result<()> {
    let config = config.with_flags(Flags {
        database_url: args.database.url,
        ..Flags::default()
    });
    config.log_effective();
    let store = database::open(&config.database_url).await?;
    let seeded = nguon_web::catalogue::seed(store.as_ref()).await;
    store.close().await;
    let seeded = seeded.context("cannot seed the product-group catalogue")?;
    if seeded > 0 {
        tracing::info!(
            count = seeded,
            "product-group catalogue seeded with the Plan 140 groups"
        );
    }
    tracing::info!(database_url = %config.database_url, "database schema is up to date");
    Ok(())
}
