//! `nguon org add` and `nguon key create`: the smallest registry administration, enough to give
//! an enterprise its API key before the portal's screens exist. Each prints only the value a
//! script needs on stdout (the organisation id, the key), so `KEY=$(nguon key create …)` works.

use anyhow::{Context, bail};
use nguon_domain::{
    Actor, ApiKeyScope, NewApiKey, NewOrganisation, Organisation, OrganisationId, OrganisationKind,
    OrganisationName, TaxCode,
};
use nguon_store::{OrganisationQuery, Store};

use crate::cli::{KeyCreateArgs, OrgAddArgs};
use crate::config::Config;
use crate::database;

/// Registers an organisation (pending approval) and prints its id.
pub async fn org_add(config: Config, args: OrgAddArgs) -> anyhow::Result<()> {
    let kind = OrganisationKind::parse(&args.kind)?;
    let new = NewOrganisation::new(
        kind,
        OrganisationName::parse(&args.name)?,
        TaxCode::parse(&args.tax_code)?,
    )?;
    let store = database::open_configured(config, args.database.url).await?;
    let created = store.create_organisation(&new, Actor::Cli).await;
    store.close().await;
    let organisation = created.context("cannot register the organisation")?;
    println!("{}", organisation.id);
    Ok(())
}

/// Creates an API key for an organisation (or a province-wide reading key) and prints it; the
/// key is not stored and cannot be shown again.
pub async fn key_create(config: Config, args: KeyCreateArgs) -> anyhow::Result<()> {
    let store = database::open_configured(config, args.database.url).await?;
    let outcome = create_key(&*store, args.org.as_deref(), &args.label).await;
    store.close().await;
    println!("{}", outcome?);
    Ok(())
}

async fn create_key(store: &dyn Store, org: Option<&str>, label: &str) -> anyhow::Result<String> {
    let scope = match org {
        Some(reference) => ApiKeyScope::Organisation(find_organisation(store, reference).await?.id),
        None => ApiKeyScope::Province,
    };
    let (token, token_hash) =
        nguon_web::auth::generate_token().context("the system has no source of randomness")?;
    store
        .create_api_key(
            &NewApiKey {
                scope,
                label: label.to_owned(),
                token_hash,
            },
            Actor::Cli,
        )
        .await
        .context("cannot store the key")?;
    Ok(token)
}

/// An organisation by id or by tax code (MST).
async fn find_organisation(store: &dyn Store, reference: &str) -> anyhow::Result<Organisation> {
    if let Ok(id) = OrganisationId::parse(reference) {
        return store
            .organisation(id)
            .await
            .with_context(|| format!("no organisation {reference}"));
    }
    let tax_code = TaxCode::parse(reference)
        .with_context(|| format!("{reference:?} is neither an organisation id nor a tax code"))?;
    let mut query = OrganisationQuery {
        limit: OrganisationQuery::MAX_LIMIT,
        ..OrganisationQuery::default()
    };
    loop {
        let page = store.list_organisations(&query).await?;
        if let Some(found) = page
            .organisations
            .into_iter()
            .find(|o| o.tax_code == tax_code)
        {
            return Ok(found);
        }
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => bail!("no organisation has tax code {reference}"),
        }
    }
}
