//! A postal address in the current two-level structure, optionally keeping the pre-2025 codes an
//! older record gave.

use super::{AdminUnits, CommuneCode, DistrictCode, ProvinceCode};
use crate::DomainError;

/// An address: a street line (house number, street, hamlet…) and a current commune, plus, for a
/// record written before 01/07/2025, the legacy district and commune it named.
///
/// Every code is checked against an [`AdminUnits`] catalogue when it is set, and the legacy codes
/// must agree with the current commune (the old commune went, at least in part, into it) and with
/// each other. Deserialising checks against [`AdminUnits::embedded`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "AddressRecord", into = "AddressRecord")]
pub struct Address {
    street: String,
    commune: CommuneCode,
    province: ProvinceCode,
    legacy_district: Option<DistrictCode>,
    legacy_commune: Option<CommuneCode>,
}

impl Address {
    /// The longest street line accepted, in characters.
    pub const STREET_MAX: usize = 200;

    /// The street line of an address cut to its commune (a household's after erasure).
    pub const NO_STREET: &'static str = "—";

    /// An address in a current commune, removing surrounding whitespace from the street line.
    pub fn new(
        units: &AdminUnits,
        street: &str,
        commune: CommuneCode,
    ) -> Result<Self, DomainError> {
        let street = street.trim();
        let length = street.chars().count();
        if length == 0 || length > Self::STREET_MAX || street.chars().any(char::is_control) {
            return Err(DomainError::AddressStreet {
                max: Self::STREET_MAX,
            });
        }
        let (_, province) = units.commune(commune)?;
        Ok(Self {
            street: street.to_owned(),
            commune,
            province: province.code(),
            legacy_district: None,
            legacy_commune: None,
        })
    }

    /// Keeps the pre-2025 commune an older record named. It must have gone (at least in part) into
    /// this address's commune; its district is kept too, and must match one set before.
    pub fn with_legacy_commune(
        self,
        units: &AdminUnits,
        old: CommuneCode,
    ) -> Result<Self, DomainError> {
        let legacy = units.legacy_commune(old)?;
        if !legacy
            .successors()
            .iter()
            .any(|&(code, _)| code == self.commune)
        {
            return Err(DomainError::LegacyCommuneMismatch {
                legacy: old,
                commune: self.commune,
            });
        }
        match self.legacy_district {
            Some(given) if given != legacy.district() => {
                Err(DomainError::LegacyCommuneOutsideDistrict {
                    commune: old,
                    actual: legacy.district(),
                    given,
                })
            }
            _ => Ok(Self {
                legacy_district: Some(legacy.district()),
                legacy_commune: Some(old),
                ..self
            }),
        }
    }

    /// Keeps the pre-2025 district an older record named. Some of its territory must have gone
    /// into this address's commune, and it must be the district of a legacy commune set before.
    pub fn with_legacy_district(
        self,
        units: &AdminUnits,
        old: DistrictCode,
    ) -> Result<Self, DomainError> {
        let reached = units
            .resolve_legacy_district(old)?
            .iter()
            .any(|commune| commune.code() == self.commune);
        if !reached {
            return Err(DomainError::LegacyDistrictMismatch {
                legacy: old,
                commune: self.commune,
            });
        }
        match (self.legacy_commune, self.legacy_district) {
            (Some(commune), Some(actual)) if actual != old => {
                Err(DomainError::LegacyCommuneOutsideDistrict {
                    commune,
                    actual,
                    given: old,
                })
            }
            _ => Ok(Self {
                legacy_district: Some(old),
                ..self
            }),
        }
    }

    /// The same address with its street line replaced by [`Address::NO_STREET`]: the commune,
    /// province and legacy codes name an area, not a home, so they stay.
    pub fn without_street(&self) -> Self {
        Self {
            street: Self::NO_STREET.to_owned(),
            ..self.clone()
        }
    }

    /// The street line.
    pub fn street(&self) -> &str {
        &self.street
    }

    /// The current commune.
    pub fn commune(&self) -> CommuneCode {
        self.commune
    }

    /// The current province, that of the commune.
    pub fn province(&self) -> ProvinceCode {
        self.province
    }

    /// The pre-2025 district an older record named, if any.
    pub fn legacy_district(&self) -> Option<DistrictCode> {
        self.legacy_district
    }

    /// The pre-2025 commune an older record named, if any.
    pub fn legacy_commune(&self) -> Option<CommuneCode> {
        self.legacy_commune
    }
}

/// The stored form of an [`Address`]: the province is derived from the commune, so not stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct AddressRecord {
    street: String,
    commune: CommuneCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    legacy_district: Option<DistrictCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    legacy_commune: Option<CommuneCode>,
}

impl TryFrom<AddressRecord> for Address {
    type Error = DomainError;

    fn try_from(record: AddressRecord) -> Result<Self, Self::Error> {
        let units = AdminUnits::embedded();
        let mut address = Self::new(units, &record.street, record.commune)?;
        if let Some(old) = record.legacy_commune {
            address = address.with_legacy_commune(units, old)?;
        }
        if let Some(old) = record.legacy_district {
            address = address.with_legacy_district(units, old)?;
        }
        Ok(address)
    }
}

impl From<Address> for AddressRecord {
    fn from(address: Address) -> Self {
        Self {
            street: address.street,
            commune: address.commune,
            legacy_district: address.legacy_district,
            legacy_commune: address.legacy_commune,
        }
    }
}
