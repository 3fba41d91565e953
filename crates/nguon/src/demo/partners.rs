//! The demo's partner systems: an ERP vendor that the seafood processor lets capture and read
//! for it, and an export buyer it shares its events with; the buyer's earlier grant to a
//! vegetable cooperative was revoked, so both states show. The vendor gets a key, printed once,
//! for trying the partner API.

use nguon_domain::{Actor, ApiKeyScope, NewApiKey, NewPartner, OrganisationId, Permission};
use nguon_store::Store;

use super::organisations::Roster;

/// The organisation whose admin the demo signs in as: it delegates to the vendor.
const DELEGATING: &str = "processor";

/// What the demo registered.
pub struct Partnered {
    /// The vendor's name.
    pub vendor: String,
    /// The organisation it captures for (to name in `Nguon-Organisation`).
    pub organisation: OrganisationId,
    /// The vendor's API key, shown once.
    pub key: String,
}

/// Registers the partners, their grants and the vendor's key.
pub async fn record(store: &dyn Store, roster: &Roster) -> anyhow::Result<Partnered> {
    let vendor = store
        .create_partner(
            &NewPartner::parse(
                "Giải pháp ERP Mekong",
                "solution_provider",
                "Phòng tích hợp, tichhop@erp-mekong.example.vn",
            )?,
            Actor::Cli,
        )
        .await?;
    let buyer = store
        .create_partner(
            &NewPartner::parse(
                "Ocean Fresh Imports GmbH",
                "data_recipient",
                "Quality team, +49 40 0000 0000",
            )?,
            Actor::Cli,
        )
        .await?;
    let processor = roster.member(DELEGATING).id;
    for permission in [Permission::Capture, Permission::Read] {
        store
            .create_grant(processor, vendor.id, permission, Actor::Cli)
            .await?;
    }
    store
        .create_grant(processor, buyer.id, Permission::Read, Actor::Cli)
        .await?;
    let cooperative = roster.member("veg_coop").id;
    let ended = store
        .create_grant(cooperative, buyer.id, Permission::Read, Actor::Cli)
        .await?;
    store
        .revoke_grant(cooperative, ended.id, Actor::Cli)
        .await?;
    let (key, token_hash) = nguon_web::auth::generate_token()
        .map_err(|error| anyhow::anyhow!("the system has no source of randomness: {error}"))?;
    store
        .create_api_key(
            &NewApiKey {
                scope: ApiKeyScope::Partner(vendor.id),
                label: "máy chủ tích hợp".to_owned(),
                token_hash,
            },
            Actor::Cli,
        )
        .await?;
    Ok(Partnered {
        vendor: vendor.name.to_string(),
        organisation: processor,
        key,
    })
}
