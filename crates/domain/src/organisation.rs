//! Organisations: the tenants of the registry.

use std::fmt;
use std::str::FromStr;

use nguon_gs1::CompanyPrefix;
use time::OffsetDateTime;

use crate::{
    Address, ApprovalStatus, DomainError, OrganisationId, OrganisationName, TaxCode, TaxCodeForm,
};

/// What sort of body an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrganisationKind {
    /// A company (doanh nghiệp).
    Enterprise,
    /// A cooperative (hợp tác xã, HTX).
    Cooperative,
    /// A household producer (hộ sản xuất / hộ kinh doanh); its records hold personal data.
    Household,
    /// A public agency, such as a provincial department that runs the system.
    Agency,
}

impl OrganisationKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [
        Self::Enterprise,
        Self::Cooperative,
        Self::Household,
        Self::Agency,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::Cooperative => "cooperative",
            Self::Household => "household",
            Self::Agency => "agency",
        }
    }

    /// Parses the stored name (lower case, exact).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| DomainError::UnknownOrganisationKind {
                found: input.to_owned(),
            })
    }
}

impl fmt::Display for OrganisationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrganisationKind {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A registration that has passed every rule and can be stored. It always starts as pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    kind: OrganisationKind,
    name: OrganisationName,
    tax_code: TaxCode,
    address: Option<Address>,
}

impl NewOrganisation {
    /// Checks the rules that join fields: only a household may register with a 12-digit personal
    /// ID number, since enterprises, cooperatives and agencies always have a 10-digit MST.
    pub fn new(
        kind: OrganisationKind,
        name: OrganisationName,
        tax_code: TaxCode,
    ) -> Result<Self, DomainError> {
        if tax_code.form() == TaxCodeForm::PersonalId && kind != OrganisationKind::Household {
            return Err(DomainError::PersonalIdNotAllowed { kind });
        }
        Ok(Self {
            kind,
            name,
            tax_code,
            address: None,
        })
    }

    /// The same registration with the organisation's address.
    pub fn with_address(self, address: Address) -> Self {
        Self {
            address: Some(address),
            ..self
        }
    }

    /// What sort of body registers.
    pub fn kind(&self) -> OrganisationKind {
        self.kind
    }

    /// Its registered name.
    pub fn name(&self) -> &OrganisationName {
        &self.name
    }

    /// Its tax code or, for a household, possibly a personal ID number.
    pub fn tax_code(&self) -> &TaxCode {
        &self.tax_code
    }

    /// Its address, if given.
    pub fn address(&self) -> Option<&Address> {
        self.address.as_ref()
    }
}

/// An organisation as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Organisation {
    /// Its id, fixed for life.
    pub id: OrganisationId,
    /// What sort of body it is.
    pub kind: OrganisationKind,
    /// Its registered name.
    pub name: OrganisationName,
    /// Its tax code (unique in the registry).
    pub tax_code: TaxCode,
    /// Where it stands with the province.
    pub status: ApprovalStatus,
    /// When it registered (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its record last changed (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The GS1 company prefixes registered to it, in ascending order.
    pub company_prefixes: Vec<CompanyPrefix>,
    /// Where it is registered: a street line in a current commune. Left out of JSON when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> OrganisationName {
        OrganisationName::parse("HTX Nuôi tôm Tân Hưng").unwrap()
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(kind.as_str()), Ok(kind));
            assert_eq!(kind.as_str().parse::<OrganisationKind>(), Ok(kind));
        }
        let err = OrganisationKind::parse("company").unwrap_err();
        assert_eq!(
            err.to_string(),
            "organisation kind: must be one of enterprise, cooperative, household, agency; found \"company\""
        );
    }

    #[test]
    fn a_household_may_use_a_personal_id_number() {
        let personal = TaxCode::parse("096085001234").unwrap();
        let new = NewOrganisation::new(OrganisationKind::Household, name(), personal.clone());
        assert_eq!(new.unwrap().tax_code(), &personal);
    }

    #[test]
    fn other_kinds_may_not_use_a_personal_id_number() {
        let personal = TaxCode::parse("096085001234").unwrap();
        for kind in [
            OrganisationKind::Enterprise,
            OrganisationKind::Cooperative,
            OrganisationKind::Agency,
        ] {
            let err = NewOrganisation::new(kind, name(), personal.clone()).unwrap_err();
            assert_eq!(err, DomainError::PersonalIdNotAllowed { kind });
            assert!(
                err.to_string()
                    .starts_with("tax code: a 12-digit personal ID")
            );
        }
    }

    #[test]
    fn every_kind_may_use_a_main_or_dependent_unit_code() {
        for kind in OrganisationKind::ALL {
            for code in ["2000123456", "2000123456-002"] {
                let new =
                    NewOrganisation::new(kind, name(), TaxCode::parse(code).unwrap()).unwrap();
                assert_eq!(new.kind(), kind);
                assert_eq!(new.name(), &name());
            }
        }
    }

    #[test]
    fn serialises_with_rfc3339_times_and_lower_case_names() {
        let organisation = Organisation {
            id: OrganisationId::parse("0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f").unwrap(),
            kind: OrganisationKind::Cooperative,
            name: name(),
            tax_code: TaxCode::parse("2000123456").unwrap(),
            status: ApprovalStatus::Approved,
            created_at: time::macros::datetime!(2026-01-05 08:30:00 UTC),
            updated_at: time::macros::datetime!(2026-01-06 09:00:00.5 UTC),
            company_prefixes: vec![CompanyPrefix::parse("8931234").unwrap()],
            address: None,
        };
        let json = serde_json::to_value(&organisation).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f",
                "kind": "cooperative",
                "name": "HTX Nuôi tôm Tân Hưng",
                "tax_code": "2000123456",
                "status": "approved",
                "created_at": "2026-01-05T08:30:00Z",
                "updated_at": "2026-01-06T09:00:00.5Z",
                "company_prefixes": ["8931234"],
            })
        );
    }
}
