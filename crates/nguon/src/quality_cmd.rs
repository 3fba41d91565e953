//! `nguon quality refresh`: rescores every lot in the database and stores the scores `/quality`
//! shows, so events captured about related lots (upstream or downstream) reach every score.

use anyhow::Context;
use nguon_chains::Catalogue;

use crate::cli::DatabaseArg;
use crate::config::Config;
use crate::database;

/// Arguments of `nguon quality refresh`.
#[derive(Debug, clap::Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub database: DatabaseArg,
}

/// Rescores every lot and prints how many.
pub async fn refresh(config: Config, args: RefreshArgs) -> anyhow::Result<()> {
    let catalogue = Catalogue::embedded().context("the embedded chain templates do not load")?;
    let store = database::open_configured(config, args.database.url).await?;
    let outcome = nguon_trace::quality::refresh_all(&*store, &catalogue)
        .await
        .context("cannot score the lots");
    store.close().await;
    let scored = outcome?;
    println!("đã chấm điểm {scored} lô / {scored} lots scored");
    Ok(())
}
