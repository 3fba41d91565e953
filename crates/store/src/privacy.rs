//! Households' personal data: the [`PrivacyStore`] half of the store (consent statements and
//! erasures), what both back ends share to read and audit them, and the two reads built on the
//! whole [`Store`]: the data-subject export and the households past retention.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use nguon_domain::{
    Actor, AuditAction, AuditQuery, Consent, ConsentBasis, ConsentId, Erasure, ErasureReason,
    EventQuery, FacilityDetails, NewAuditEntry, NewConsent, Organisation, OrganisationId,
    OrganisationKind, PersonalField, ProductDetails, RetentionPolicy,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{RecordQuery, Registry, Store, StoreError, snapshot};

/// Consent statements and erasures of households. Every [`crate::Store`] is one.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Records a consent statement, with its audit entry, in one transaction. An unknown
    /// organisation is [`StoreError::NotFound`]; an erased one is a [`StoreError::Conflict`]
    /// (its personal fields are gone, so there is nothing left to publish).
    async fn record_consent(&self, new: &NewConsent, actor: Actor) -> Result<Consent, StoreError>;

    /// Every consent statement of `organisation`, newest first: the first is the current one.
    async fn consents(&self, organisation: OrganisationId) -> Result<Vec<Consent>, StoreError>;

    /// Pseudonymises a household's personal fields in one transaction: its name, tax code and
    /// street line become its [`nguon_domain::Pseudonym`]; its users get a pseudonymous
    /// address, lose their name, are disabled and signed out; a statement withdrawing every
    /// consent is added; the erasure is recorded and audited. The organisation's id, events,
    /// chain and hashes stay. Not a household is [`StoreError::Domain`]; erased already is a
    /// [`StoreError::Conflict`].
    async fn erase_personal_data(
        &self,
        organisation: OrganisationId,
        reason: ErasureReason,
        actor: Actor,
    ) -> Result<Erasure, StoreError>;

    /// The erasure of `organisation`, if it was erased.
    async fn erasure(&self, organisation: OrganisationId) -> Result<Option<Erasure>, StoreError>;

    /// When each organisation that has events last captured one (its latest record time).
    async fn last_capture_times(
        &self,
    ) -> Result<BTreeMap<OrganisationId, OffsetDateTime>, StoreError>;

    /// The current consent statement of `organisation`, if it ever gave one.
    async fn current_consent(
        &self,
        organisation: OrganisationId,
    ) -> Result<Option<Consent>, StoreError> {
        Ok(self.consents(organisation).await?.into_iter().next())
    }
}

/// One row of `consents`, as read, before any check.
#[derive(Debug, Clone)]
pub struct ConsentRecord {
    /// `id`.
    pub id: Uuid,
    /// `organisation_id`.
    pub organisation_id: Uuid,
    /// `fields`: the field names separated by spaces, in order.
    pub fields: String,
    /// `basis`.
    pub basis: String,
    /// `recorded_by`.
    pub recorded_by: String,
    /// `recorded_at`.
    pub recorded_at: OffsetDateTime,
}

impl ConsentRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_consent(self) -> Result<Consent, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored consent {id} is invalid: {error}"))
        };
        Ok(Consent {
            id: ConsentId::from_uuid(id).map_err(|e| corrupt(&e))?,
            organisation: OrganisationId::from_uuid(self.organisation_id)
                .map_err(|e| corrupt(&e))?,
            fields: self
                .fields
                .split_whitespace()
                .map(PersonalField::parse)
                .collect::<Result<BTreeSet<_>, _>>()
                .map_err(|e| corrupt(&e))?,
            basis: ConsentBasis::parse(&self.basis).map_err(|e| corrupt(&e))?,
            recorded_by: Actor::parse(&self.recorded_by).map_err(|e| corrupt(&e))?,
            recorded_at: self.recorded_at,
        })
    }
}

/// The stored form of a statement's fields: their names separated by spaces, in order.
pub fn consent_fields_column(consent: &Consent) -> String {
    consent
        .fields
        .iter()
        .map(|field| field.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The statement an erasure adds: every consent withdrawn.
pub fn erasure_withdrawal(
    organisation: OrganisationId,
    actor: Actor,
    at: OffsetDateTime,
) -> Consent {
    Consent {
        id: ConsentId::generate(),
        organisation,
        fields: BTreeSet::new(),
        basis: ConsentBasis::parse("personal data erased")
            .expect("a fixed one-line basis is valid"),
        recorded_by: actor,
        recorded_at: at,
    }
}

/// A new consent statement as stored: its id and time assigned.
pub fn consent_of(new: &NewConsent, actor: Actor, at: OffsetDateTime) -> Consent {
    Consent {
        id: ConsentId::generate(),
        organisation: new.organisation,
        fields: new.fields.clone(),
        basis: new.basis.clone(),
        recorded_by: actor,
        recorded_at: at,
    }
}

/// The audit entry of a consent statement.
pub fn consent_audit(consent: &Consent) -> NewAuditEntry {
    NewAuditEntry {
        actor: consent.recorded_by,
        action: AuditAction::ConsentRecord,
        entity_id: consent.organisation.to_string(),
        organisation: Some(consent.organisation),
        before: None,
        after: Some(consent.to_json()),
    }
}

/// The audit entry of an erasure: what was replaced and by what pseudonym, never the values it
/// replaced (the entry would keep what the erasure removed).
pub fn erasure_audit(erasure: &Erasure, erased: &Organisation) -> NewAuditEntry {
    let mut after = erasure.to_json();
    after["organisation_record"] = snapshot::organisation(erased);
    NewAuditEntry {
        actor: erasure.erased_by,
        action: AuditAction::PersonalDataErase,
        entity_id: erasure.organisation.to_string(),
        organisation: Some(erasure.organisation),
        before: None,
        after: Some(after),
    }
}

/// The conflict every back end reports for an organisation erased already.
pub fn already_erased(organisation: OrganisationId) -> StoreError {
    StoreError::Conflict {
        what: "organisation",
        detail: format!(
            "the personal data of organisation {organisation} was erased already; an erasure is irreversible"
        ),
    }
}

/// Most event ids the data-subject export lists per facility; the count is always whole.
pub const MAX_LISTED_EVENTS: usize = 1_000;

/// Everything the system holds on an organisation as personal data, as JSON: its record, its
/// users (without password hashes), its consent history and erasure, every audit entry filed
/// under it, its facilities with the count and ids of events at them, and how many events it
/// captured. Meant for households, whose record names a person; a legal body's export still
/// holds its users' accounts. For the organisation itself and the province.
pub async fn personal_data_export(
    store: &dyn Store,
    id: OrganisationId,
) -> Result<Value, StoreError> {
    let organisation = store.organisation(id).await?;
    let users: Vec<Value> = store
        .list_users(Some(id))
        .await?
        .iter()
        .map(snapshot::user)
        .collect();
    let consents: Vec<Value> = store
        .consents(id)
        .await?
        .iter()
        .map(Consent::to_json)
        .collect();
    let erasure = store.erasure(id).await?.map(|e| e.to_json());
    let mut audit = Vec::new();
    let mut query = AuditQuery {
        organisation: Some(id),
        limit: AuditQuery::MAX_LIMIT,
        ..AuditQuery::default()
    };
    loop {
        let page = store.search_audit_log(&query).await?;
        audit.extend(page.entries.iter().map(|entry| {
            json!({
                "id": entry.id.to_string(),
                "at": rfc3339(entry.at),
                "actor": entry.actor.to_string(),
                "action": entry.action.as_str(),
                "entity": entry.entity_kind.as_str(),
                "entity_id": entry.entity_id,
                "before": entry.before,
                "after": entry.after,
            })
        }));
        match page.next_before {
            Some(before) => query.before = Some(before),
            None => break,
        }
    }
    let mut facilities = Vec::new();
    for facility in all_of::<FacilityDetails>(store, id).await? {
        let location = format!("{}/414/{}", nguon_gs1::CANONICAL_BASE, facility.details.gln);
        let (count, ids) = events_at(store, &location).await?;
        facilities.push(json!({
            "id": facility.id.to_string(),
            "name": facility.details.name.as_str(),
            "gln": facility.details.gln.to_string(),
            "address": facility.details.address,
            "events": { "count": count, "ids": ids },
        }));
    }
    let mut captured = 0usize;
    let mut query = EventQuery::new(Some(id));
    query.limit = nguon_domain::MAX_PAGE;
    loop {
        let page = store.query_events(&query).await?;
        captured += page.events.len();
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    Ok(json!({
        "organisation": organisation_json(&organisation),
        "users": users,
        "consents": consents,
        "erasure": erasure,
        "audit_entries": audit,
        "facilities": facilities,
        "events_captured": captured,
    }))
}

/// The organisation record whole, tax code included (the export goes to the data subject).
fn organisation_json(organisation: &Organisation) -> Value {
    let mut value = snapshot::organisation(organisation);
    value["tax_code"] = json!(organisation.tax_code.as_str());
    value["created_at"] = json!(rfc3339(organisation.created_at));
    value["updated_at"] = json!(rfc3339(organisation.updated_at));
    value
}

/// Every registered record of kind `D` of `organisation`.
async fn all_of<D: nguon_domain::RegistryDetails>(
    store: &dyn Store,
    organisation: OrganisationId,
) -> Result<Vec<nguon_domain::Registered<D>>, StoreError> {
    let mut all = Vec::new();
    let mut query = RecordQuery {
        organisation: Some(organisation),
        ..RecordQuery::default()
    };
    loop {
        let page = store.list::<D>(&query).await?;
        let Some(last) = page.last().map(|record| record.id) else {
            break;
        };
        all.extend(page);
        query.after = Some(last);
    }
    Ok(all)
}

/// How many events, of any organisation, happened at `location` (as business location or read
/// point), with the ids of the first [`MAX_LISTED_EVENTS`].
async fn events_at(store: &dyn Store, location: &str) -> Result<(usize, Vec<String>), StoreError> {
    let mut seen = BTreeSet::new();
    for read_point in [false, true] {
        let mut query = EventQuery::new(nguon_domain::Owners::All);
        if read_point {
            query.read_points = Some(vec![location.to_owned()]);
        } else {
            query.biz_locations = Some(vec![location.to_owned()]);
        }
        query.limit = nguon_domain::MAX_PAGE;
        loop {
            let page = store.query_events(&query).await?;
            seen.extend(page.events.iter().map(|event| event.event_id.to_string()));
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
    }
    let count = seen.len();
    Ok((count, seen.into_iter().take(MAX_LISTED_EVENTS).collect()))
}

/// A household the retention policy reaches: not erased, no event captured and no change to its
/// record within the period its products' groups set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionDue {
    /// The household.
    pub organisation: Organisation,
    /// The period that applies, in days.
    pub days: u32,
    /// Its last activity: its latest captured event, else the last change to its record.
    pub last_activity: OffsetDateTime,
}

/// The households past `policy` at `now`, oldest activity first.
pub async fn retention_due(
    store: &dyn Store,
    policy: &RetentionPolicy,
    now: OffsetDateTime,
) -> Result<Vec<RetentionDue>, StoreError> {
    let captures = store.last_capture_times().await?;
    let mut due = Vec::new();
    let mut query = crate::OrganisationQuery {
        status: None,
        after: None,
        limit: crate::OrganisationQuery::MAX_LIMIT,
    };
    let filter = crate::OrganisationFilter {
        kind: Some(OrganisationKind::Household),
        ..crate::OrganisationFilter::default()
    };
    loop {
        let page = store.search_organisations(&query, &filter).await?;
        for organisation in page.organisations {
            if store.erasure(organisation.id).await?.is_some() {
                continue;
            }
            let groups: BTreeSet<_> = all_of::<ProductDetails>(store, organisation.id)
                .await?
                .into_iter()
                .map(|product| product.details.group)
                .collect();
            let days = policy.days_for(&groups);
            let last_activity = captures
                .get(&organisation.id)
                .copied()
                .map_or(organisation.updated_at, |at| {
                    at.max(organisation.updated_at)
                });
            if RetentionPolicy::is_past(last_activity, days, now) {
                due.push(RetentionDue {
                    organisation,
                    days,
                    last_activity,
                });
            }
        }
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => break,
        }
    }
    due.sort_by_key(|d| d.last_activity);
    Ok(due)
}

fn rfc3339(time: OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| time.to_string())
}
