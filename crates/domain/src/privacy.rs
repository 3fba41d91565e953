//! Personal data of household producers (Law 91/2025/QH15 on personal data protection, in force
//! 01/01/2026): the consent a household gives to publish named personal fields, the one function
//! that turns an organisation and its current consent into what the public and every export may
//! show, the pseudonyms an erasure writes, and the retention policy per product group.
//!
//! Only households hold personal data here: an enterprise's, a cooperative's or an agency's name
//! and address are those of a legal body, published in full.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::{
    Actor, Address, AdminUnits, ConsentId, DomainError, Email, Organisation, OrganisationId,
    OrganisationKind, OrganisationName, ProductGroupCode, TaxCode, UserId, one_line,
};

/// A personal field of a household that may be published only with its consent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum PersonalField {
    /// The household's name, which names a person; without consent it is cut to initials.
    Name,
    /// The street line of its address; without consent only the commune and province show.
    Address,
    /// A contact phone. The registry keeps none today, so no page shows one; the consent is
    /// recorded as given so that a phone kept later is published only with it.
    Phone,
}

impl PersonalField {
    /// Every field.
    pub const ALL: [Self; 3] = [Self::Name, Self::Address, Self::Phone];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Address => "address",
            Self::Phone => "phone",
        }
    }

    /// Parses the stored name (exact).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|field| field.as_str() == input.trim())
            .ok_or_else(|| DomainError::UnknownPersonalField {
                found: input.to_owned(),
            })
    }
}

impl fmt::Display for PersonalField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a consent was recorded: the evidence (a signed form's number, "stated at the commune
/// office on 12/01/2026"), one line of 1 to [`ConsentBasis::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConsentBasis(String);

impl ConsentBasis {
    /// Longest basis accepted, in characters.
    pub const MAX_CHARS: usize = 500;

    /// Parses a basis.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        one_line("basis", input, Self::MAX_CHARS).map(Self)
    }

    /// The basis as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A consent statement to record: the whole set of fields the household now agrees to publish.
/// A withdrawal is a statement with fewer fields, or none; earlier statements stay as history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    /// The household.
    pub organisation: OrganisationId,
    /// The fields it agrees to publish; empty withdraws every consent.
    pub fields: BTreeSet<PersonalField>,
    /// The evidence.
    pub basis: ConsentBasis,
}

impl NewConsent {
    /// A statement for `organisation`, which must be a household: no other kind holds personal
    /// data to consent to.
    pub fn new(
        organisation: &Organisation,
        fields: BTreeSet<PersonalField>,
        basis: ConsentBasis,
    ) -> Result<Self, DomainError> {
        if organisation.kind != OrganisationKind::Household {
            return Err(DomainError::NotAHousehold {
                kind: organisation.kind,
            });
        }
        Ok(Self {
            organisation: organisation.id,
            fields,
            basis,
        })
    }
}

/// A recorded consent statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Its id; later statements have larger ids.
    pub id: ConsentId,
    /// The household.
    pub organisation: OrganisationId,
    /// The fields it agreed to publish; empty for a withdrawal of every consent.
    pub fields: BTreeSet<PersonalField>,
    /// The evidence.
    pub basis: ConsentBasis,
    /// Who recorded it.
    pub recorded_by: Actor,
    /// When.
    pub recorded_at: OffsetDateTime,
}

impl Consent {
    /// Whether the statement allows publishing `field`.
    pub fn allows(&self, field: PersonalField) -> bool {
        self.fields.contains(&field)
    }

    /// The statement as JSON, for the API, the audit log and the data-subject export.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "organisation": self.organisation.to_string(),
            "fields": self.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "basis": self.basis.as_str(),
            "recorded_by": self.recorded_by.to_string(),
            "recorded_at": rfc3339(self.recorded_at),
        })
    }
}

/// What the public and every export may show of an organisation: the whole record for a legal
/// body, and for a household only what its current consent allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicIdentity {
    /// The name, or for a household without consent to it, its initials after the first word
    /// and any lower-case words ("Hộ bà Lê Thị Muối" → "Hộ bà L. T. M.").
    pub name: String,
    /// The tax code; a personal ID number is always masked (no consent covers it).
    pub tax_code: String,
    /// The street line, left out for a household without consent to its address.
    pub street: Option<String>,
    /// The current commune of the address, if one is registered.
    pub address: Option<Address>,
}

/// Whether `field` of `organisation` may be published under `consent`, its current consent
/// statement: always for a legal body, for a household only with consent to that field (a
/// statement of another organisation counts as none).
pub fn publishes(
    organisation: &Organisation,
    consent: Option<&Consent>,
    field: PersonalField,
) -> bool {
    organisation.kind != OrganisationKind::Household
        || consent.is_some_and(|c| c.organisation == organisation.id && c.allows(field))
}

impl PublicIdentity {
    /// The public view of `organisation` under `consent`, its current consent statement.
    pub fn of(organisation: &Organisation, consent: Option<&Consent>) -> Self {
        let shown = |field| publishes(organisation, consent, field);
        let name = if shown(PersonalField::Name) {
            organisation.name.to_string()
        } else {
            initials(organisation.name.as_str())
        };
        Self {
            name,
            tax_code: organisation.tax_code.masked(),
            street: organisation
                .address
                .as_ref()
                .filter(|_| shown(PersonalField::Address))
                .map(|address| address.street().to_owned()),
            address: organisation.address.clone(),
        }
    }

    /// "street, commune, province" with the street only when shown, or `None` without a
    /// registered address.
    pub fn address_line(&self, units: &AdminUnits) -> Option<String> {
        let address = self.address.as_ref()?;
        Some(address_line(self.street.as_deref(), address, units))
    }
}

/// "street, commune, province" of `address`, with `street` only when given: how every public
/// view writes an address once it has decided whether the street may show.
pub fn address_line(street: Option<&str>, address: &Address, units: &AdminUnits) -> String {
    let mut parts: Vec<&str> = street.into_iter().collect();
    if let Ok((commune, province)) = units.commune(address.commune()) {
        parts.push(commune.name());
        parts.push(province.name());
    }
    parts.join(", ")
}

/// A name cut to initials after its first word, keeping lower-case words ("Hộ", "bà", "ông").
fn initials(name: &str) -> String {
    name.split_whitespace()
        .enumerate()
        .map(|(position, word)| {
            let first = word.chars().next().unwrap_or(' ');
            if position == 0 || !first.is_uppercase() {
                word.to_owned()
            } else {
                format!("{first}.")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an erasure writes over a household's personal fields: a stable name and tax code derived
/// from its id (not from what they replace, so they cannot be reversed by guessing), and its
/// address cut to the commune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pseudonym {
    /// "Hộ sản xuất #<8 hex digits>".
    pub name: OrganisationName,
    /// "000" and 9 digits: the shape of a personal ID number, but no province's code is 000, so
    /// it never collides with a real person's.
    pub tax_code: TaxCode,
    /// The address with its street line replaced by [`Address::NO_STREET`].
    pub address: Option<Address>,
}

impl Pseudonym {
    /// The pseudonym of `organisation`, which must be a household.
    pub fn of(organisation: &Organisation) -> Result<Self, DomainError> {
        if organisation.kind != OrganisationKind::Household {
            return Err(DomainError::NotAHousehold {
                kind: organisation.kind,
            });
        }
        let digest = Sha256::digest(organisation.id.as_uuid().as_bytes());
        let short: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let number =
            u64::from_be_bytes(digest[4..12].try_into().unwrap_or_default()) % 1_000_000_000;
        Ok(Self {
            name: OrganisationName::parse(&format!("Hộ sản xuất #{short}"))?,
            tax_code: TaxCode::parse(&format!("000{number:09}"))?,
            address: organisation.address.as_ref().map(Address::without_street),
        })
    }

    /// The sign-in address an erased household's user is left with: it names nobody, and the
    /// reserved `.invalid` domain receives no mail.
    pub fn email_of(user: UserId) -> Email {
        let digest = Sha256::digest(user.as_uuid().as_bytes());
        let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Email::parse(&format!("an-danh-{short}@nguon.invalid"))
            .expect("a hex local part at a dotted domain is an e-mail address")
    }
}

/// Why a household's personal fields were erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErasureReason {
    /// The household (or the province on its behalf) asked.
    Request,
    /// The retention period of its products passed with no activity.
    Retention,
}

impl ErasureReason {
    /// Every reason.
    pub const ALL: [Self; 2] = [Self::Request, Self::Retention];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Retention => "retention",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.as_str() == input)
            .ok_or_else(|| DomainError::UnknownErasureReason {
                found: input.to_owned(),
            })
    }
}

/// The fields an erasure replaces, as its record names them.
pub const ERASED_FIELDS: [&str; 5] = [
    "organisation.name",
    "organisation.tax_code",
    "organisation.address.street",
    "user.email",
    "user.name",
];

/// The record that a household's personal fields were erased: once, for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// The household; its id, events, chain and hashes stay.
    pub organisation: OrganisationId,
    /// Why.
    pub reason: ErasureReason,
    /// Who erased.
    pub erased_by: Actor,
    /// When.
    pub erased_at: OffsetDateTime,
    /// How many of its users were pseudonymised and disabled.
    pub users: u32,
}

impl Erasure {
    /// The record as JSON, for the API, the audit log and the data-subject export.
    pub fn to_json(&self) -> Value {
        json!({
            "organisation": self.organisation.to_string(),
            "reason": self.reason.as_str(),
            "fields": ERASED_FIELDS,
            "users": self.users,
            "erased_by": self.erased_by.to_string(),
            "erased_at": rfc3339(self.erased_at),
        })
    }
}

/// The shortest retention period accepted, in days: FSMA 204 (21 CFR 1.1455(d)) asks for two
/// years of records, so personal fields tied to them are kept at least that long.
pub const RETENTION_FLOOR_DAYS: u32 = 730;

/// How long a household's personal fields are kept after its last activity, per product group
/// (the longest among the groups of its products applies), with a default for the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    default_days: u32,
    by_group: BTreeMap<ProductGroupCode, u32>,
}

impl RetentionPolicy {
    /// A policy; every period must be at least [`RETENTION_FLOOR_DAYS`], and an error names the
    /// config key (`privacy.retention_days`, `privacy.retention.<group>`) that breaks the rule.
    pub fn new(
        default_days: u32,
        by_group: BTreeMap<ProductGroupCode, u32>,
    ) -> Result<Self, DomainError> {
        let short = |key: String, days: u32| DomainError::RetentionTooShort {
            key,
            days,
            floor: RETENTION_FLOOR_DAYS,
        };
        if default_days < RETENTION_FLOOR_DAYS {
            return Err(short("privacy.retention_days".to_owned(), default_days));
        }
        if let Some((group, &days)) = by_group
            .iter()
            .find(|(_, days)| **days < RETENTION_FLOOR_DAYS)
        {
            return Err(short(format!("privacy.retention.{group}"), days));
        }
        Ok(Self {
            default_days,
            by_group,
        })
    }

    /// The period that applies to a household with products in `groups`: the longest of theirs,
    /// or the default when none has its own (or it has no products).
    pub fn days_for<'a>(&self, groups: impl IntoIterator<Item = &'a ProductGroupCode>) -> u32 {
        groups
            .into_iter()
            .filter_map(|group| self.by_group.get(group).copied())
            .max()
            .unwrap_or(self.default_days)
    }

    /// Whether a household last active at `last_activity` is past `days` at `now`.
    pub fn is_past(last_activity: OffsetDateTime, days: u32, now: OffsetDateTime) -> bool {
        now - last_activity > Duration::days(i64::from(days))
    }
}

impl Default for RetentionPolicy {
    /// Five years for every group: the longest period the reference summaries cite for trace
    /// records (VeriGoods' 60 months without an expiry date).
    fn default() -> Self {
        Self {
            default_days: 5 * 365,
            by_group: BTreeMap::new(),
        }
    }
}

fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| time.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApprovalStatus;

    fn household() -> Organisation {
        let units = AdminUnits::embedded();
        let province = units.provinces()[0].code();
        let commune = units.communes_of(province).unwrap()[0].code();
        Organisation {
            id: OrganisationId::parse("0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f").unwrap(),
            kind: OrganisationKind::Household,
            name: OrganisationName::parse("Hộ bà Lê Thị Muối").unwrap(),
            tax_code: TaxCode::parse("096085001234").unwrap(),
            status: ApprovalStatus::Approved,
            created_at: time::macros::datetime!(2026-01-05 08:30:00 UTC),
            updated_at: time::macros::datetime!(2026-01-05 08:30:00 UTC),
            company_prefixes: Vec::new(),
            address: Some(Address::new(units, "Ấp Tân Hưng, số 12", commune).unwrap()),
        }
    }

    fn consent(organisation: &Organisation, fields: &[PersonalField]) -> Consent {
        Consent {
            id: ConsentId::generate(),
            organisation: organisation.id,
            fields: fields.iter().copied().collect(),
            basis: ConsentBasis::parse("Phiếu đồng ý số 12/2026").unwrap(),
            recorded_by: Actor::Cli,
            recorded_at: time::macros::datetime!(2026-02-01 00:00:00 UTC),
        }
    }

    #[test]
    fn a_household_without_consent_shows_initials_commune_and_a_masked_id() {
        let household = household();
        let public = PublicIdentity::of(&household, None);
        assert_eq!(public.name, "Hộ bà L. T. M.");
        assert_eq!(public.street, None);
        assert_eq!(public.tax_code, "0xx…xx34");
        let line = public.address_line(AdminUnits::embedded()).unwrap();
        assert!(!line.contains("Tân Hưng, số 12"), "{line}");
        assert!(!line.is_empty());
    }

    #[test]
    fn consent_shows_exactly_the_fields_it_names() {
        let household = household();
        let name_only = consent(&household, &[PersonalField::Name]);
        let public = PublicIdentity::of(&household, Some(&name_only));
        assert_eq!(public.name, "Hộ bà Lê Thị Muối");
        assert_eq!(public.street, None);
        let both = consent(&household, &[PersonalField::Name, PersonalField::Address]);
        let public = PublicIdentity::of(&household, Some(&both));
        let line = public.address_line(AdminUnits::embedded()).unwrap();
        assert!(line.starts_with("Ấp Tân Hưng, số 12, "), "{line}");
        assert_eq!(public.tax_code, "0xx…xx34", "no consent publishes the ID");
        let withdrawn = consent(&household, &[]);
        assert_eq!(
            PublicIdentity::of(&household, Some(&withdrawn)),
            PublicIdentity::of(&household, None)
        );
    }

    #[test]
    fn another_organisations_consent_counts_as_none() {
        let household = household();
        let mut other = consent(&household, &PersonalField::ALL);
        other.organisation = OrganisationId::generate();
        assert_eq!(
            PublicIdentity::of(&household, Some(&other)).name,
            "Hộ bà L. T. M."
        );
    }

    #[test]
    fn legal_bodies_are_shown_whole() {
        let mut cooperative = household();
        cooperative.kind = OrganisationKind::Cooperative;
        cooperative.name = OrganisationName::parse("HTX Nuôi tôm Tân Hưng").unwrap();
        cooperative.tax_code = TaxCode::parse("2000123456").unwrap();
        let public = PublicIdentity::of(&cooperative, None);
        assert_eq!(public.name, "HTX Nuôi tôm Tân Hưng");
        assert_eq!(public.street.as_deref(), Some("Ấp Tân Hưng, số 12"));
        assert_eq!(public.tax_code, "2000123456");
        let err = NewConsent::new(
            &cooperative,
            BTreeSet::new(),
            ConsentBasis::parse("x").unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "organisation: only a household holds personal data, not a cooperative"
        );
        assert_eq!(Pseudonym::of(&cooperative).unwrap_err(), err);
    }

    #[test]
    fn the_pseudonym_is_stable_and_hides_every_personal_field() {
        let household = household();
        let pseudonym = Pseudonym::of(&household).unwrap();
        assert_eq!(pseudonym, Pseudonym::of(&household).unwrap());
        let name = pseudonym.name.as_str();
        assert!(name.starts_with("Hộ sản xuất #") && name.len() == "Hộ sản xuất #".len() + 8);
        assert!(pseudonym.tax_code.as_str().starts_with("000"));
        assert_eq!(pseudonym.tax_code.as_str().len(), 12);
        let address = pseudonym.address.unwrap();
        assert_eq!(address.street(), Address::NO_STREET);
        assert_eq!(
            Some(address.commune()),
            household.address.as_ref().map(Address::commune)
        );
        let mut other = household;
        other.id = OrganisationId::generate();
        assert_ne!(Pseudonym::of(&other).unwrap().name, pseudonym.name);
        let user = UserId::generate();
        let email = Pseudonym::email_of(user);
        assert_eq!(email, Pseudonym::email_of(user));
        assert!(email.as_str().ends_with("@nguon.invalid"));
    }

    #[test]
    fn fields_and_reasons_round_trip() {
        for field in PersonalField::ALL {
            assert_eq!(PersonalField::parse(field.as_str()), Ok(field));
        }
        assert_eq!(
            PersonalField::parse("cccd").unwrap_err().to_string(),
            "personal field: must be one of name, address, phone; found \"cccd\""
        );
        for reason in ErasureReason::ALL {
            assert_eq!(ErasureReason::parse(reason.as_str()), Ok(reason));
        }
        assert!(ConsentBasis::parse("  ").is_err());
    }

    #[test]
    fn retention_has_a_floor_named_by_its_key() {
        let shrimp = ProductGroupCode::parse("tom-nuoi").unwrap();
        let err = RetentionPolicy::new(729, BTreeMap::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "privacy.retention_days: must be at least 730 days (FSMA 204 keeps records 2 years); found 729"
        );
        let err = RetentionPolicy::new(800, BTreeMap::from([(shrimp.clone(), 365)])).unwrap_err();
        assert!(
            err.to_string().starts_with("privacy.retention.tom-nuoi:"),
            "{err}"
        );
        let rice = ProductGroupCode::parse("lua-gao").unwrap();
        let policy = RetentionPolicy::new(800, BTreeMap::from([(shrimp.clone(), 1825)])).unwrap();
        assert_eq!(policy.days_for([&rice]), 800);
        assert_eq!(policy.days_for([&rice, &shrimp]), 1825);
        assert_eq!(policy.days_for([]), 800);
        let now = time::macros::datetime!(2030-01-01 00:00:00 UTC);
        assert!(RetentionPolicy::is_past(
            now - Duration::days(801),
            800,
            now
        ));
        assert!(!RetentionPolicy::is_past(
            now - Duration::days(800),
            800,
            now
        ));
    }
}
