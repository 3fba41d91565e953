//! Training sessions and the guidance library: the [`OutreachStore`] half of the store, and the
//! row types and audit entries both back ends share.

use async_trait::async_trait;
use nguon_domain::{
    Actor, AuditAction, DocumentFile, DocumentType, DomainError, Guidance, GuidanceId,
    NewAuditEntry, NewGuidance, NewTraining, OrganisationId, Participant, ProductGroupCode,
    RecordName, Training, TrainingId,
};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::StoreError;

/// Most training sessions [`OutreachStore::list_trainings`] returns.
pub const MAX_TRAININGS: u32 = 1_000;

/// Most guidance versions [`OutreachStore::list_guidance`] returns.
pub const MAX_GUIDANCE: u32 = 2_000;

/// Training records and guidance documents. Every [`crate::Store`] is one.
#[async_trait]
pub trait OutreachStore: Send + Sync {
    /// Records a training session and its participants, with the audit entry, in one
    /// transaction. An unknown organisation is [`StoreError::NotFound`].
    async fn create_training(
        &self,
        new: &NewTraining,
        actor: Actor,
    ) -> Result<Training, StoreError>;

    /// Replaces a session's details and participants, with the audit entry (before and after),
    /// in one transaction. An unknown session or organisation is [`StoreError::NotFound`].
    async fn update_training(
        &self,
        id: TrainingId,
        new: &NewTraining,
        actor: Actor,
    ) -> Result<Training, StoreError>;

    /// One session, or [`StoreError::NotFound`].
    async fn training(&self, id: TrainingId) -> Result<Training, StoreError>;

    /// The sessions, latest held first, at most [`MAX_TRAININGS`].
    async fn list_trainings(&self) -> Result<Vec<Training>, StoreError>;

    /// How many distinct organisations attended at least one session.
    async fn organisations_reached(&self) -> Result<u64, StoreError>;

    /// Adds a guidance document as the next version of its title (version 1 for a new title),
    /// with the audit entry, in one transaction.
    async fn add_guidance(&self, new: &NewGuidance, actor: Actor) -> Result<Guidance, StoreError>;

    /// Every version of every document, without the bytes: by title, latest version first, at
    /// most [`MAX_GUIDANCE`].
    async fn list_guidance(&self) -> Result<Vec<Guidance>, StoreError>;

    /// One version with its file, or [`StoreError::NotFound`].
    async fn guidance_file(&self, id: GuidanceId) -> Result<(Guidance, DocumentFile), StoreError>;
}

/// The `NotFound` every back end reports for an unknown session.
pub fn no_such_training(id: TrainingId) -> StoreError {
    StoreError::NotFound {
        what: "training session",
        id: id.to_string(),
    }
}

/// The `NotFound` every back end reports for an unknown guidance version.
pub fn no_such_guidance(id: GuidanceId) -> StoreError {
    StoreError::NotFound {
        what: "guidance document",
        id: id.to_string(),
    }
}

/// The `NotFound` every back end reports for a participant that is not a registered
/// organisation.
pub fn no_such_participant(new: &NewTraining) -> StoreError {
    StoreError::NotFound {
        what: "organisation",
        id: new
            .participants
            .iter()
            .map(|p| p.organisation.to_string())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn corrupt(what: &str, id: Uuid, error: &dyn std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("stored {what} {id} is invalid: {error}"))
}

fn group_of(code: Option<String>) -> Result<Option<ProductGroupCode>, DomainError> {
    code.as_deref().map(ProductGroupCode::parse).transpose()
}

/// The columns of a `training_sessions` row, as read.
#[derive(Debug, Clone)]
pub struct TrainingRow {
    /// `id`.
    pub id: Uuid,
    /// `title`.
    pub title: String,
    /// `held_on`.
    pub held_on: Date,
    /// `place`.
    pub place: String,
    /// `product_group`.
    pub product_group: Option<String>,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `updated_at`.
    pub updated_at: OffsetDateTime,
}

impl TrainingRow {
    /// Parses the row and its participants (organisation, people); a failure means corrupt data.
    pub fn into_training(self, participants: Vec<(Uuid, i64)>) -> Result<Training, StoreError> {
        let id = self.id;
        let bad = |error: &dyn std::fmt::Display| corrupt("training session", id, error);
        let participants = participants
            .into_iter()
            .map(|(organisation, people)| {
                let organisation = OrganisationId::from_uuid(organisation).map_err(|e| bad(&e))?;
                let people = u32::try_from(people).map_err(|e| bad(&e))?;
                Participant::new(organisation, people).map_err(|e| bad(&e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let details = NewTraining::new(
            RecordName::parse("title", &self.title).map_err(|e| bad(&e))?,
            self.held_on,
            RecordName::parse("place", &self.place).map_err(|e| bad(&e))?,
            group_of(self.product_group).map_err(|e| bad(&e))?,
            participants,
        )
        .map_err(|e| bad(&e))?;
        Ok(Training {
            id: TrainingId::from_uuid(id).map_err(|e| bad(&e))?,
            details,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// What the audit log keeps of a session.
fn training_snapshot(training: &Training) -> Value {
    let details = &training.details;
    json!({
        "title": details.title.as_str(),
        "held_on": details.held_on.to_string(),
        "place": details.place.as_str(),
        "product_group": details.product_group.as_ref().map(ProductGroupCode::as_str),
        "participants": details.participants.iter().map(|p| json!({
            "organisation": p.organisation.to_string(),
            "people": p.people(),
        })).collect::<Vec<_>>(),
    })
}

/// The audit entry of a session recorded (`before` is `None`) or changed.
pub fn training_audit(after: &Training, before: Option<&Training>, actor: Actor) -> NewAuditEntry {
    NewAuditEntry {
        actor,
        action: match before {
            None => AuditAction::TrainingCreate,
            Some(_) => AuditAction::TrainingUpdate,
        },
        entity_id: after.id.to_string(),
        organisation: None,
        before: before.map(training_snapshot),
        after: Some(training_snapshot(after)),
    }
}

/// The columns of a `guidance_documents` row, as read (without the bytes).
#[derive(Debug, Clone)]
pub struct GuidanceRow {
    /// `id`.
    pub id: Uuid,
    /// `title`.
    pub title: String,
    /// `version`.
    pub version: i64,
    /// `product_group`.
    pub product_group: Option<String>,
    /// `file_name`.
    pub file_name: String,
    /// `media_type`.
    pub media_type: String,
    /// The length of `bytes`.
    pub size: i64,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `created_by`.
    pub created_by: String,
}

impl GuidanceRow {
    /// Parses the row; a failure means corrupt data.
    pub fn into_guidance(self) -> Result<Guidance, StoreError> {
        let id = self.id;
        let bad = |error: &dyn std::fmt::Display| corrupt("guidance document", id, error);
        Ok(Guidance {
            id: GuidanceId::from_uuid(id).map_err(|e| bad(&e))?,
            title: RecordName::parse("title", &self.title).map_err(|e| bad(&e))?,
            version: u32::try_from(self.version).map_err(|e| bad(&e))?,
            product_group: group_of(self.product_group).map_err(|e| bad(&e))?,
            file_name: RecordName::parse("file name", &self.file_name).map_err(|e| bad(&e))?,
            kind: DocumentType::from_media_type(&self.media_type).map_err(|e| bad(&e))?,
            size: u64::try_from(self.size).map_err(|e| bad(&e))?,
            created_at: self.created_at,
            created_by: Actor::parse(&self.created_by).map_err(|e| bad(&e))?,
        })
    }

    /// Parses the row and its bytes, checking they are still the format recorded.
    pub fn with_file(self, bytes: Vec<u8>) -> Result<(Guidance, DocumentFile), StoreError> {
        let guidance = self.into_guidance()?;
        let id = guidance.id.as_uuid();
        let file = DocumentFile::parse(bytes).map_err(|e| corrupt("guidance document", id, &e))?;
        if file.kind() != guidance.kind {
            return Err(corrupt(
                "guidance document",
                id,
                &"the file is not the format recorded",
            ));
        }
        Ok((guidance, file))
    }
}

/// The audit entry of an upload.
pub fn guidance_audit(guidance: &Guidance) -> NewAuditEntry {
    NewAuditEntry {
        actor: guidance.created_by,
        action: AuditAction::GuidanceUpload,
        entity_id: guidance.id.to_string(),
        organisation: None,
        before: None,
        after: Some(json!({
            "title": guidance.title.as_str(),
            "version": guidance.version,
            "product_group": guidance.product_group.as_ref().map(ProductGroupCode::as_str),
            "file_name": guidance.file_name.as_str(),
            "media_type": guidance.kind.media_type(),
            "bytes": guidance.size,
        })),
    }
}
