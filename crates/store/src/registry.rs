//! Facilities, products and product groups: the [`RegistryStore`] half of the store, which keeps
//! each record's typed details as one JSON document beside the columns lists filter on, and
//! [`Registry`], the typed way every caller reads and writes them.

use async_trait::async_trait;
use nguon_domain::{
    Actor, ApprovalStatus, AuditAction, DomainError, Image, ImageType, MediaId, NewAuditEntry,
    OrganisationId, RecordId, Registered, RegistryDetails, RegistryKind,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Largest page of [`RegistryStore::list_records`].
pub const MAX_RECORDS_PAGE: u32 = 500;

/// What a back end writes for a record: the filtered columns and the details as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    /// Which kind of record.
    pub kind: RegistryKind,
    /// Its unique key within the kind.
    pub key: String,
    /// The name lists show.
    pub name: String,
    /// The typed details, serialised.
    pub body: Value,
}

impl RecordWrite {
    /// The columns and document of `details`.
    pub fn of<D: RegistryDetails>(details: &D) -> Result<Self, StoreError> {
        Ok(Self {
            kind: D::KIND,
            key: details.key(),
            name: details.display_name().to_owned(),
            body: serde_json::to_value(details)
                .map_err(|error| StoreError::Internal(format!("serialising a record: {error}")))?,
        })
    }
}

/// One row of `registry_records`, as read, before its details are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    /// `id`.
    pub id: Uuid,
    /// `kind`.
    pub kind: String,
    /// `organisation_id`.
    pub organisation: Option<Uuid>,
    /// `key`.
    pub key: String,
    /// `status`.
    pub status: String,
    /// `body`.
    pub body: Value,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `updated_at`.
    pub updated_at: OffsetDateTime,
}

impl RecordRow {
    /// What the audit log keeps of the record: its columns and its details.
    pub fn snapshot(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "organisation": self.organisation.map(|id| id.to_string()),
            "status": self.status,
            "key": self.key,
            "details": self.body,
        })
    }

    /// The audit entry for `action` on this record, `before` being its previous state.
    pub fn audit(&self, actor: Actor, action: AuditAction, before: Option<&Self>) -> NewAuditEntry {
        NewAuditEntry {
            actor,
            action,
            entity_id: self.id.to_string(),
            organisation: self
                .organisation
                .and_then(|id| OrganisationId::from_uuid(id).ok()),
            before: before.map(Self::snapshot),
            after: Some(self.snapshot()),
        }
    }

    /// Parses every column into typed details; a failure means corrupt data, so
    /// [`StoreError::Internal`].
    pub fn into_registered<D: RegistryDetails>(self) -> Result<Registered<D>, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!(
                "stored {} {id} is invalid: {error}",
                D::KIND.noun()
            ))
        };
        if self.kind != D::KIND.as_str() {
            return Err(corrupt(&format!("it is a {}", self.kind)));
        }
        Ok(Registered {
            id: RecordId::from_uuid(id).map_err(|e| corrupt(&e))?,
            organisation: self
                .organisation
                .map(OrganisationId::from_uuid)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            status: ApprovalStatus::parse(&self.status).map_err(|e| corrupt(&e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            details: serde_json::from_value(self.body).map_err(|e| corrupt(&e))?,
        })
    }
}

/// Which records of one kind to list, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordQuery {
    /// Only this organisation's.
    pub organisation: Option<OrganisationId>,
    /// Only records with this status.
    pub status: Option<ApprovalStatus>,
    /// Only records after this id (the keyset cursor).
    pub after: Option<RecordId>,
    /// At most this many (clamped to `1..=MAX_RECORDS_PAGE`; 0 means the largest page).
    pub limit: u32,
}

impl RecordQuery {
    /// The page size a back end must use.
    pub fn fetch_limit(&self) -> i64 {
        match self.limit {
            0 => i64::from(MAX_RECORDS_PAGE),
            limit => i64::from(limit.min(MAX_RECORDS_PAGE)),
        }
    }
}

/// Registry records and images, untyped. Every [`crate::Store`] is one; callers use [`Registry`].
#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// Stores new records as `status`, each `(id, write)` with its audit entry, all in one
    /// transaction: all or nothing. A key already registered for the kind (or twice in the
    /// batch) is a [`StoreError::Conflict`]; an unknown organisation is
    /// [`StoreError::NotFound`]. Nothing is written then.
    async fn insert_records(
        &self,
        organisation: Option<OrganisationId>,
        status: ApprovalStatus,
        writes: &[(RecordId, RecordWrite)],
        actor: Actor,
    ) -> Result<Vec<RecordRow>, StoreError>;

    /// Replaces a record's details, with its audit entry, in one transaction. The key may not
    /// change (codes are printed): a different key is a [`StoreError::Conflict`].
    async fn update_record(
        &self,
        id: RecordId,
        write: &RecordWrite,
        actor: Actor,
    ) -> Result<RecordRow, StoreError>;

    /// Moves a record of `kind` to `status` if the approval lifecycle allows it, with its audit
    /// entry. A change the lifecycle refuses is a [`StoreError::Domain`].
    async fn set_record_status(
        &self,
        kind: RegistryKind,
        id: RecordId,
        status: ApprovalStatus,
        actor: Actor,
    ) -> Result<RecordRow, StoreError>;

    /// One record of `kind`, or [`StoreError::NotFound`].
    async fn record(&self, kind: RegistryKind, id: RecordId) -> Result<RecordRow, StoreError>;

    /// The record of `kind` with `key`, if any.
    async fn record_by_key(
        &self,
        kind: RegistryKind,
        key: &str,
    ) -> Result<Option<RecordRow>, StoreError>;

    /// Records of `kind`, oldest first.
    async fn list_records(
        &self,
        kind: RegistryKind,
        query: &RecordQuery,
    ) -> Result<Vec<RecordRow>, StoreError>;

    /// Stores an image for `organisation`, with its audit entry.
    async fn store_image(
        &self,
        organisation: OrganisationId,
        image: &Image,
        actor: Actor,
    ) -> Result<MediaId, StoreError>;

    /// An image and the organisation that uploaded it, or [`StoreError::NotFound`].
    async fn image(&self, id: MediaId) -> Result<(OrganisationId, Image), StoreError>;
}

/// The conflict every back end reports for a key already registered.
pub fn record_key_taken(kind: RegistryKind, key: &str) -> StoreError {
    let detail = match kind {
        RegistryKind::ProductGroup => format!("the code {key} is already in the catalogue"),
        _ => format!("{key} is already registered to a {}", kind.noun()),
    };
    StoreError::Conflict {
        what: kind.key_field(),
        detail,
    }
}

/// The conflict every back end reports for an edit that changes a record's key.
pub fn record_key_fixed(kind: RegistryKind, from: &str, to: &str) -> StoreError {
    StoreError::Conflict {
        what: kind.key_field(),
        detail: format!(
            "cannot change from {from} to {to} once registered, since codes may be printed; register a new {} instead",
            kind.noun()
        ),
    }
}

/// The `NotFound` every back end reports for an unknown record.
pub fn no_such_record(kind: RegistryKind, id: RecordId) -> StoreError {
    StoreError::NotFound {
        what: kind.noun(),
        id: id.to_string(),
    }
}

/// The `NotFound` every back end reports for an unknown image.
pub fn no_such_image(id: MediaId) -> StoreError {
    StoreError::NotFound {
        what: "image",
        id: id.to_string(),
    }
}

/// Reads a stored image back; a failure means corrupt data.
pub fn image_from_columns(
    id: Uuid,
    organisation: Uuid,
    media_type: &str,
    bytes: Vec<u8>,
) -> Result<(OrganisationId, Image), StoreError> {
    let corrupt =
        |error: DomainError| StoreError::Internal(format!("stored image {id} is invalid: {error}"));
    let organisation = OrganisationId::from_uuid(organisation).map_err(corrupt)?;
    let image = Image::parse(bytes).map_err(corrupt)?;
    if image.kind() != ImageType::from_media_type(media_type).map_err(corrupt)? {
        return Err(StoreError::Internal(format!(
            "stored image {id} is not the {media_type} it is recorded as"
        )));
    }
    Ok((organisation, image))
}

/// The audit entry of an upload.
pub fn image_audit(
    id: MediaId,
    organisation: OrganisationId,
    image: &Image,
    actor: Actor,
) -> NewAuditEntry {
    NewAuditEntry {
        actor,
        action: AuditAction::MediaUpload,
        entity_id: id.to_string(),
        organisation: Some(organisation),
        before: None,
        after: Some(json!({
            "media_type": image.kind().media_type(),
            "bytes": image.bytes().len(),
        })),
    }
}

/// Typed access to registry records, for every [`RegistryStore`].
#[async_trait]
pub trait Registry: RegistryStore {
    /// Registers `details` for `organisation` (or the province, for `None`) as pending, or as
    /// approved when the province registers it itself.
    async fn register<D: RegistryDetails>(
        &self,
        organisation: Option<OrganisationId>,
        details: &D,
        status: ApprovalStatus,
        actor: Actor,
    ) -> Result<Registered<D>, StoreError> {
        let write = RecordWrite::of(details)?;
        let rows = self
            .insert_records(
                organisation,
                status,
                &[(RecordId::generate(), write)],
                actor,
            )
            .await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| StoreError::Internal("a record insert returned no row".into()))?
            .into_registered()
    }

    /// Registers every one of `details` for `organisation` as `status` in one transaction: all
    /// or nothing, as an import needs.
    async fn register_all<D: RegistryDetails>(
        &self,
        organisation: Option<OrganisationId>,
        details: &[D],
        status: ApprovalStatus,
        actor: Actor,
    ) -> Result<Vec<Registered<D>>, StoreError> {
        let writes = details
            .iter()
            .map(|d| Ok((RecordId::generate(), RecordWrite::of(d)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.insert_records(organisation, status, &writes, actor)
            .await?
            .into_iter()
            .map(RecordRow::into_registered)
            .collect()
    }

    /// Replaces the details of a record; its key may not change.
    async fn edit<D: RegistryDetails>(
        &self,
        id: RecordId,
        details: &D,
        actor: Actor,
    ) -> Result<Registered<D>, StoreError> {
        let write = RecordWrite::of(details)?;
        self.update_record(id, &write, actor)
            .await?
            .into_registered()
    }

    /// Moves a record to `status` along the approval lifecycle.
    async fn review<D: RegistryDetails>(
        &self,
        id: RecordId,
        status: ApprovalStatus,
        actor: Actor,
    ) -> Result<Registered<D>, StoreError> {
        self.set_record_status(D::KIND, id, status, actor)
            .await?
            .into_registered()
    }

    /// One record.
    async fn get<D: RegistryDetails>(&self, id: RecordId) -> Result<Registered<D>, StoreError> {
        self.record(D::KIND, id).await?.into_registered()
    }

    /// The record with `key` (a GLN, a GTIN, a group code), if any.
    async fn find<D: RegistryDetails>(
        &self,
        key: &str,
    ) -> Result<Option<Registered<D>>, StoreError> {
        self.record_by_key(D::KIND, key)
            .await?
            .map(RecordRow::into_registered)
            .transpose()
    }

    /// A page of records.
    async fn list<D: RegistryDetails>(
        &self,
        query: &RecordQuery,
    ) -> Result<Vec<Registered<D>>, StoreError> {
        self.list_records(D::KIND, query)
            .await?
            .into_iter()
            .map(RecordRow::into_registered)
            .collect()
    }
}

impl<S: RegistryStore + ?Sized> Registry for S {}
