//! `nguon org add`, `nguon key create` and `nguon user add`: the smallest registry
//! administration, enough to give an enterprise its API key and the province its first portal
//! administrator. Each prints only the value a script needs on stdout (the organisation id, the
//! key, the user id), so `KEY=$(nguon key create …)` works.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use nguon_domain::{
    Access, Actor, Address, AdminUnits, ApiKeyScope, Commune, CommuneCode, Email, NewApiKey,
    NewOrganisation, NewUser, Organisation, OrganisationId, OrganisationKind, OrganisationName,
    Password, PersonName, ProvinceCode, Role, TaxCode,
};
use nguon_store::{OrganisationQuery, Store};

use secrecy::SecretString;

use crate::cli::{KeyCreateArgs, OrgAddArgs, UserAddArgs};
use crate::config::Config;
use crate::database;

/// Registers an organisation (pending approval) and prints its id.
pub async fn org_add(config: Config, args: OrgAddArgs) -> anyhow::Result<()> {
    let kind = OrganisationKind::parse(&args.kind)?;
    let mut new = NewOrganisation::new(
        kind,
        OrganisationName::parse(&args.name)?,
        TaxCode::parse(&args.tax_code)?,
    )?;
    // clap makes --street and --commune come together.
    if let (Some(street), Some(commune)) = (&args.street, &args.commune) {
        let commune = province_commune(config.province.code, commune)?;
        new = new.with_address(Address::new(AdminUnits::embedded(), street, commune)?);
    }
    let store = database::open_configured(config, args.database.url).await?;
    let created = store.create_organisation(&new, Actor::Cli).await;
    store.close().await;
    let organisation = created.context("cannot register the organisation")?;
    println!("{}", organisation.id);
    Ok(())
}

/// The commune of `province` that `text` names: its code, or a name only one commune has.
fn province_commune(province: ProvinceCode, text: &str) -> anyhow::Result<CommuneCode> {
    let units = AdminUnits::embedded();
    if let Ok(code) = CommuneCode::parse(text.trim()) {
        if units.is_commune_of(code, province) {
            return Ok(code);
        }
        bail!("--commune: {code} is not a current commune of province {province}");
    }
    let found = units.search(province, text)?;
    let exact: Vec<&Commune> = found
        .iter()
        .copied()
        .filter(|c| nguon_domain::fold_for_search(c.name()) == nguon_domain::fold_for_search(text))
        .collect();
    match (exact.as_slice(), found.as_slice()) {
        ([one], _) | ([], [one]) => Ok(one.code()),
        ([], []) => bail!("--commune: no current commune of province {province} is named {text:?}"),
        _ => bail!(
            "--commune: {text:?} names several communes ({}); give the 5-digit code",
            found
                .iter()
                .map(|c| format!("{} {c}", c.code().as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
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
pub async fn find_organisation(store: &dyn Store, reference: &str) -> anyhow::Result<Organisation> {
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

/// Creates a portal user and prints its id. Every argument and the password are checked before
/// the database is opened; the password is never taken from the command line, where other users
/// of the machine could read it.
pub async fn user_add(config: Config, args: UserAddArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email)?;
    let role = Role::parse(&args.role)?;
    let name = args.name.as_deref().map(PersonName::parse).transpose()?;
    let password = Password::parse(read_password()?)?;
    let password_hash = nguon_web::password::hash(password).await?;
    let store = database::open_configured(config, args.database.url).await?;
    let outcome = async {
        let organisation = match args.organisation.as_deref() {
            Some(reference) => Some(find_organisation(&*store, reference).await?.id),
            None => None,
        };
        let new = NewUser {
            email,
            name,
            access: Access::new(role, organisation)?,
            password_hash,
        };
        store
            .create_user(&new, Actor::Cli)
            .await
            .context("cannot create the user")
    }
    .await;
    store.close().await;
    println!("{}", outcome?.id);
    Ok(())
}

/// The password: asked twice without echo on a terminal, else the first line of standard input
/// (without its line ending), so `printf '%s\n' "$PW" | nguon user add …` works in scripts.
fn read_password() -> anyhow::Result<SecretString> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (12 to 128 characters): ")
            .context("cannot read the password")?;
        let again =
            rpassword::prompt_password("Password again: ").context("cannot read the password")?;
        if first != again {
            bail!("password: the two entries differ");
        }
        return Ok(SecretString::from(first));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(SecretString::from(password.to_owned()))
}
