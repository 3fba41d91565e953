//! Raw column values as a back end reads them, and their checked conversion into domain types.
//! Shared so that both back ends apply the same rules to what they read.

use nguon_domain::{
    Organisation, OrganisationId, OrganisationKind, OrganisationName, OrganisationStatus, TaxCode,
};
use nguon_gs1::CompanyPrefix;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// One row of the `organisations` table, as read, before any check.
#[derive(Debug, Clone)]
pub struct OrganisationRecord {
    /// `organisations.id`.
    pub id: Uuid,
    /// `organisations.kind`.
    pub kind: String,
    /// `organisations.name`.
    pub name: String,
    /// `organisations.tax_code`.
    pub tax_code: String,
    /// `organisations.status`.
    pub status: String,
    /// `organisations.created_at`.
    pub created_at: OffsetDateTime,
    /// `organisations.updated_at`.
    pub updated_at: OffsetDateTime,
}

impl OrganisationRecord {
    /// Parses every column with the domain's rules. A value that fails was written by something
    /// other than this code, so it is reported as [`StoreError::Internal`], not as bad input.
    pub fn into_organisation(
        self,
        company_prefixes: Vec<String>,
    ) -> Result<Organisation, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored organisation {id} is invalid: {error}"))
        };
        Ok(Organisation {
            id: OrganisationId::from_uuid(id).map_err(|e| corrupt(&e))?,
            kind: OrganisationKind::parse(&self.kind).map_err(|e| corrupt(&e))?,
            name: OrganisationName::parse(&self.name).map_err(|e| corrupt(&e))?,
            tax_code: TaxCode::parse(&self.tax_code).map_err(|e| corrupt(&e))?,
            status: OrganisationStatus::parse(&self.status).map_err(|e| corrupt(&e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            company_prefixes: company_prefixes
                .iter()
                .map(|prefix| CompanyPrefix::parse(prefix).map_err(|e| corrupt(&e)))
                .collect::<Result<_, _>>()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> OrganisationRecord {
        OrganisationRecord {
            id: Uuid::parse_str("0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f").unwrap(),
            kind: "cooperative".into(),
            name: "HTX Tôm Cà Mau".into(),
            tax_code: "2000123456".into(),
            status: "approved".into(),
            created_at: time::macros::datetime!(2026-01-05 08:30:00 UTC),
            updated_at: time::macros::datetime!(2026-01-05 08:30:00 UTC),
        }
    }

    #[test]
    fn converts_a_valid_row() {
        let organisation = record()
            .into_organisation(vec!["8931234".into(), "89356789".into()])
            .unwrap();
        assert_eq!(organisation.kind, OrganisationKind::Cooperative);
        assert_eq!(organisation.status, OrganisationStatus::Approved);
        assert_eq!(organisation.company_prefixes.len(), 2);
    }

    #[test]
    fn a_corrupt_row_is_an_internal_error_naming_the_record() {
        let bad = OrganisationRecord {
            status: "deleted".into(),
            ..record()
        };
        let err = bad.into_organisation(Vec::new()).unwrap_err();
        assert!(matches!(err, StoreError::Internal(_)));
        assert_eq!(
            err.to_string(),
            "internal store error: stored organisation 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f is invalid: organisation status: must be one of pending, approved, suspended; found \"deleted\""
        );
        let bad_prefix = record().into_organisation(vec!["89x".into()]).unwrap_err();
        assert!(matches!(bad_prefix, StoreError::Internal(_)));
    }
}
