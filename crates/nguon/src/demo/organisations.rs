//! Registers the roster: organisations (approved, or pending for the approval queue) with their
//! company prefixes, facilities with addresses, outlines and certificates, products, and the
//! product groups of the chain templates. Everything goes through the store's registry calls,
//! as the portal's forms do.

use std::collections::HashMap;

use anyhow::Context;
use nguon_chains::Catalogue;
use nguon_domain::{
    Actor, ApprovalStatus, Certificate, FacilityDetails, FacilityKind, Geometry, NewOrganisation,
    OrganisationId, OrganisationKind, OrganisationName, ProductDetails, ProductGroupCode,
    ProductGroupDetails, RecordName, TaxCode,
};
use nguon_gs1::{CompanyPrefix, Gln, Gtin};
use nguon_store::{Registry, Store};

use super::keys::KeyBlock;
use super::places::{PLACES, Seeded, address, near, plot};
use super::roster::{CORE, CertificateSpec, FacilitySpec, MEMBERS, OrgSpec, ProductSpec};

/// A registered organisation, as seasons need it.
pub struct Member {
    /// Its id.
    pub id: OrganisationId,
    /// Where its keys come from.
    pub keys: KeyBlock,
}

/// Every organisation of the demo, by slug, with what was registered.
pub struct Roster {
    members: HashMap<&'static str, Member>,
    /// Organisations registered.
    pub organisations: usize,
    /// Of them, left pending.
    pub pending: usize,
    /// Facilities registered.
    pub facilities: usize,
    /// Products registered.
    pub products: usize,
}

impl Roster {
    /// The organisation `slug` names; the slugs are the roster's own, so a miss is a bug.
    pub fn member(&self, slug: &str) -> &Member {
        self.members
            .get(slug)
            .unwrap_or_else(|| panic!("the demo roster has no organisation {slug:?}"))
    }

    /// The GLN of organisation `slug` as a party.
    pub fn party(&self, slug: &str) -> String {
        self.member(slug).keys.gln(0)
    }

    /// The GLN of facility `n` (from 0, in roster order) of `slug`.
    pub fn facility(&self, slug: &str, n: u32) -> String {
        self.member(slug).keys.gln(n + 1)
    }

    /// The GTIN of product `n` (from 0, in roster order) of `slug`.
    pub fn gtin(&self, slug: &str, n: u32) -> String {
        self.member(slug).keys.gtin(n + 1)
    }
}

/// A 10-digit tax code in the old Bạc Liêu series (19…), or for a household a 12-digit citizen
/// ID number of a person born in Bạc Liêu (province code 095); both differ for every `n`.
fn tax_code(kind: OrganisationKind, n: u32) -> anyhow::Result<TaxCode> {
    let code = match kind {
        OrganisationKind::Household => {
            format!("0950{:02}{:06}", 58 + n % 30, 104_729 + n * 7_919)
        }
        _ => format!("190{:07}", 1_234_567 + n * 10_007),
    };
    Ok(TaxCode::parse(&code)?)
}

/// The generic name of a member household's main facility.
fn facility_name(kind: FacilityKind) -> &'static str {
    match kind {
        FacilityKind::Pond => "Ao nuôi số 1",
        FacilityKind::Field => "Ruộng số 1",
        FacilityKind::SaltField => "Ruộng muối",
        FacilityKind::DryingYard => "Sân phơi",
        FacilityKind::FermentationHouse => "Nhà ủ chượp",
        _ => "Cơ sở sản xuất",
    }
}

/// Registers the template groups, then every organisation of [`CORE`] and [`MEMBERS`].
pub async fn register(
    store: &dyn Store,
    catalogue: &Catalogue,
    random: &mut Seeded,
) -> anyhow::Result<Roster> {
    register_groups(store, catalogue).await?;
    let mut roster = Roster {
        members: HashMap::new(),
        organisations: 0,
        pending: 0,
        facilities: 0,
        products: 0,
    };
    let mut counter = Counter::default();
    for spec in &CORE {
        let member = register_one(store, spec, &mut counter, &mut roster, random).await?;
        roster.members.insert(spec.slug, member);
    }
    for (n, &(kind, name, place, size)) in MEMBERS.iter().enumerate() {
        let facility = FacilitySpec {
            kind,
            name: facility_name(kind),
            size: matches!(
                kind,
                FacilityKind::Pond | FacilityKind::Field | FacilityKind::SaltField
            )
            .then_some(size),
            certificates: &[],
        };
        let spec = OrgSpec {
            slug: "",
            name,
            kind: OrganisationKind::Household,
            place,
            facilities: std::slice::from_ref(&facility),
            products: &[],
            pending: n % 5 == 4,
        };
        register_one(store, &spec, &mut counter, &mut roster, random).await?;
    }
    Ok(roster)
}

/// How many organisations, own prefixes and household blocks were handed out so far.
#[derive(Default)]
struct Counter {
    organisations: u32,
    prefixes: u32,
    households: u32,
}

async fn register_one(
    store: &dyn Store,
    spec: &OrgSpec<'_>,
    counter: &mut Counter,
    roster: &mut Roster,
    random: &mut Seeded,
) -> anyhow::Result<Member> {
    let context = || format!("demo organisation {:?}", spec.name);
    let place = &PLACES[spec.place];
    // The registered seat is in the commune of the organisation's facilities.
    let new = NewOrganisation::new(
        spec.kind,
        OrganisationName::parse(spec.name).with_context(context)?,
        tax_code(spec.kind, counter.organisations)?,
    )
    .with_context(context)?
    .with_address(address(place, 1 + counter.organisations % 40)?);
    counter.organisations += 1;
    let id = store.create_organisation(&new, Actor::Cli).await?.id;
    let status = if spec.pending {
        ApprovalStatus::Pending
    } else {
        store
            .set_organisation_status(id, ApprovalStatus::Approved, Actor::Cli)
            .await?;
        ApprovalStatus::Approved
    };
    let keys = if spec.kind == OrganisationKind::Household {
        counter.households += 1;
        KeyBlock::household(counter.households - 1)
    } else {
        counter.prefixes += 1;
        let keys = KeyBlock::own(counter.prefixes - 1);
        store
            .add_company_prefix(id, &CompanyPrefix::parse(keys.prefix())?, Actor::Cli)
            .await
            .with_context(context)?;
        keys
    };
    for (n, facility) in (1..).zip(spec.facilities) {
        let centre = near(place, random)?;
        let mut details = FacilityDetails::new(
            facility.kind,
            RecordName::parse("facility name", facility.name)?,
            Gln::parse(&keys.gln(n))?,
        );
        details.address = Some(address(place, 10 + n * 7 + counter.organisations)?);
        details.geometry = Some(match facility.size {
            Some((width, length)) => plot(centre, width, length, random)?,
            None => Geometry::Point(centre),
        });
        details.certificates = facility
            .certificates
            .iter()
            .map(certificate)
            .collect::<Result<_, _>>()?;
        store
            .register(Some(id), &details, status, Actor::Cli)
            .await
            .with_context(context)?;
        roster.facilities += 1;
    }
    for (n, product) in (1..).zip(spec.products) {
        register_product(store, id, &keys.gtin(n), product, status).await?;
        roster.products += 1;
    }
    roster.organisations += 1;
    roster.pending += usize::from(spec.pending);
    Ok(Member { id, keys })
}

fn certificate(spec: &CertificateSpec) -> anyhow::Result<Certificate> {
    Ok(Certificate::new(
        spec.kind,
        spec.number,
        spec.issuer,
        spec.issued,
        Some(spec.expires),
        true,
    )?)
}

async fn register_product(
    store: &dyn Store,
    owner: OrganisationId,
    gtin: &str,
    spec: &ProductSpec,
    status: ApprovalStatus,
) -> anyhow::Result<()> {
    let mut details = ProductDetails::new(
        Gtin::parse(gtin)?,
        RecordName::parse("product name", spec.name_vi)?,
        ProductGroupCode::parse(spec.group)?,
    );
    details.name_en = Some(RecordName::parse("English name", spec.name_en)?);
    details.chain = Some(spec.chain.to_owned());
    store
        .register(Some(owner), &details, status, Actor::Cli)
        .await
        .with_context(|| format!("demo product {:?}", spec.name_vi))?;
    Ok(())
}

/// One catalogue group per group code the templates name, registered by the province.
async fn register_groups(store: &dyn Store, catalogue: &Catalogue) -> anyhow::Result<()> {
    let mut seen = Vec::new();
    for template in catalogue.iter() {
        for code in template.product_groups() {
            if seen.contains(code) {
                continue;
            }
            seen.push(code.clone());
            let details = ProductGroupDetails {
                code: ProductGroupCode::parse(code)?,
                name_vi: RecordName::parse("group name", &template.name().vi)?,
                name_en: RecordName::parse("English group name", &template.name().en)?,
                key: true,
                // Plan 140 makes traceability mandatory first for the export chains.
                mandatory: matches!(template.id(), "farmed-shrimp" | "shrimp-seed" | "rice"),
            };
            store
                .register(None, &details, ApprovalStatus::Approved, Actor::Cli)
                .await
                .with_context(|| format!("demo product group {code}"))?;
        }
    }
    Ok(())
}
