//! Raw column values as a back end reads them, and their checked conversion into domain types.
//! Shared so that both back ends apply the same rules to what they read.

use nguon_domain::{
    Address, ApiKey, ApiKeyId, ApiKeyScope, ApprovalStatus, CaptureErrorBehaviour, CaptureJob,
    CaptureJobId, Organisation, OrganisationId, OrganisationKind, OrganisationName, PartnerId,
    TaxCode, VocabularyElement,
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
    /// `organisations.address`, the JSON of an [`Address`].
    pub address: Option<serde_json::Value>,
}

/// The columns an organisation's address and name are written to: the address as JSON, its
/// commune code for the list filter, and the name folded for search. Both back ends write
/// these, so both search the same way.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationColumns {
    /// `address`.
    pub address: Option<serde_json::Value>,
    /// `commune`.
    pub commune: Option<String>,
    /// `search_name`.
    pub search_name: String,
}

impl OrganisationColumns {
    /// The columns of an organisation named `name` at `address`.
    pub fn of(name: &str, address: Option<&Address>) -> Result<Self, StoreError> {
        Ok(Self {
            address: address
                .map(serde_json::to_value)
                .transpose()
                .map_err(|error| {
                    StoreError::Internal(format!("serialising an address: {error}"))
                })?,
            commune: address.map(|a| a.commune().as_str().to_owned()),
            search_name: nguon_domain::fold_for_search(name),
        })
    }
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
            status: ApprovalStatus::parse(&self.status).map_err(|e| corrupt(&e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            company_prefixes: company_prefixes
                .iter()
                .map(|prefix| CompanyPrefix::parse(prefix).map_err(|e| corrupt(&e)))
                .collect::<Result<_, _>>()?,
            address: self
                .address
                .map(serde_json::from_value::<Address>)
                .transpose()
                .map_err(|e| corrupt(&e))?,
        })
    }
}

/// One row of `api_keys`, as read, before any check.
#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    /// `id`.
    pub id: Uuid,
    /// `owner_id`.
    pub owner_id: Option<Uuid>,
    /// `partner_id`.
    pub partner_id: Option<Uuid>,
    /// `scope`.
    pub scope: String,
    /// `label`.
    pub label: String,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `revoked_at`.
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiKeyRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_api_key(self) -> Result<ApiKey, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored API key {id} is invalid: {error}"))
        };
        let owner = self
            .owner_id
            .map(OrganisationId::from_uuid)
            .transpose()
            .map_err(|e| corrupt(&e))?;
        let partner = self
            .partner_id
            .map(PartnerId::from_uuid)
            .transpose()
            .map_err(|e| corrupt(&e))?;
        Ok(ApiKey {
            id: ApiKeyId::from_uuid(id).map_err(|e| corrupt(&e))?,
            scope: ApiKeyScope::from_parts(&self.scope, owner, partner).map_err(|e| corrupt(&e))?,
            label: self.label,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// One row of `capture_jobs`, as read, before any check.
#[derive(Debug, Clone)]
pub struct CaptureJobRecord {
    /// `id`.
    pub id: Uuid,
    /// `owner_id`.
    pub owner_id: Uuid,
    /// `partner_id`.
    pub partner_id: Option<Uuid>,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `finished_at`.
    pub finished_at: Option<OffsetDateTime>,
    /// `running`.
    pub running: bool,
    /// `success`.
    pub success: Option<bool>,
    /// `error_behaviour`.
    pub error_behaviour: String,
    /// `event_count`.
    pub event_count: i64,
    /// `captured_count`.
    pub captured_count: i64,
    /// `errors`: a JSON array of strings.
    pub errors: String,
}

impl CaptureJobRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_capture_job(self) -> Result<CaptureJob, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored capture job {id} is invalid: {error}"))
        };
        Ok(CaptureJob {
            id: CaptureJobId::from_uuid(id).map_err(|e| corrupt(&e))?,
            owner: OrganisationId::from_uuid(self.owner_id).map_err(|e| corrupt(&e))?,
            partner: self
                .partner_id
                .map(PartnerId::from_uuid)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            created_at: self.created_at,
            finished_at: self.finished_at,
            running: self.running,
            success: self.success,
            error_behaviour: CaptureErrorBehaviour::parse(&self.error_behaviour)
                .map_err(|e| corrupt(&e))?,
            event_count: u32::try_from(self.event_count).map_err(|e| corrupt(&e))?,
            captured_count: u32::try_from(self.captured_count).map_err(|e| corrupt(&e))?,
            errors: serde_json::from_str(&self.errors).map_err(|e| corrupt(&e))?,
        })
    }
}

/// The stored form of a capture job's errors: a JSON array of strings.
pub fn errors_json(errors: &[String]) -> String {
    serde_json::Value::from(errors).to_string()
}

/// The stored form of a vocabulary element's attributes: a JSON array of `[id, value]` pairs,
/// the value being the JSON text the caller gave, kept verbatim.
pub fn attributes_json(attributes: &[(String, String)]) -> String {
    serde_json::Value::from(
        attributes
            .iter()
            .map(|(id, value)| serde_json::Value::from(vec![id.as_str(), value.as_str()]))
            .collect::<Vec<_>>(),
    )
    .to_string()
}

/// Reads what [`attributes_json`] wrote.
pub fn attributes_from_json(text: &str) -> Result<Vec<(String, String)>, StoreError> {
    serde_json::from_str(text).map_err(|e| {
        StoreError::Internal(format!(
            "stored master data attributes are not a JSON list of pairs: {e}"
        ))
    })
}

/// The master data elements to write: when one (type, id) repeats in a batch, its last
/// occurrence wins, as if each were upserted in turn (and one statement may not touch a row
/// twice).
pub fn last_of_each_element(vocabulary: &[VocabularyElement]) -> Vec<&VocabularyElement> {
    let mut seen = std::collections::HashSet::new();
    let mut elements: Vec<&VocabularyElement> = vocabulary
        .iter()
        .rev()
        .filter(|e| seen.insert((e.vocabulary_type.as_str(), e.id.as_str())))
        .collect();
    elements.reverse();
    elements
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
            address: None,
        }
    }

    #[test]
    fn converts_a_valid_row() {
        let organisation = record()
            .into_organisation(vec!["8931234".into(), "89356789".into()])
            .unwrap();
        assert_eq!(organisation.kind, OrganisationKind::Cooperative);
        assert_eq!(organisation.status, ApprovalStatus::Approved);
        assert_eq!(organisation.company_prefixes.len(), 2);
    }

    #[test]
    fn json_columns_round_trip() {
        let attributes = vec![
            (
                "urn:epcglobal:cbv:mda#name".to_owned(),
                "\"Ao 3\"".to_owned(),
            ),
            ("https://ns.example.vn/area".to_owned(), "1.5".to_owned()),
        ];
        assert_eq!(
            attributes_from_json(&attributes_json(&attributes)).unwrap(),
            attributes
        );
        assert_eq!(errors_json(&["a \"b\"".to_owned()]), r#"["a \"b\""]"#);
        assert!(attributes_from_json("{}").is_err());
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
            "internal store error: stored organisation 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f is invalid: status: must be one of pending, approved, suspended; found \"deleted\""
        );
        let bad_prefix = record().into_organisation(vec!["89x".into()]).unwrap_err();
        assert!(matches!(bad_prefix, StoreError::Internal(_)));
    }
}
