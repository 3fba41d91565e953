//! What both back ends share for users, sessions and the audit log: raw rows and their checked
//! conversion, the JSON snapshots written as an audit entry's before and after, and the errors
//! every back end reports the same way.

use nguon_domain::{
    Access, Actor, ApiKey, AuditAction, AuditEntry, AuditEntryId, Email, EntityKind, NewAuditEntry,
    Organisation, OrganisationId, PasswordHash, PersonName, Role, Session, SessionId, User, UserId,
    UserStatus,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// One page of [`crate::Store::search_audit_log`].
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    /// The entries, newest first.
    pub entries: Vec<AuditEntry>,
    /// The cursor of the next (older) page, or `None` on the last page.
    pub next_before: Option<AuditEntryId>,
}

impl AuditPage {
    /// Builds a page from up to `limit + 1` entries, newest first: the extra one only tells that
    /// another page follows.
    pub fn from_fetched(mut entries: Vec<AuditEntry>, limit: u32) -> Self {
        let limit = limit as usize;
        let next_before = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|entry| entry.id)
        } else {
            None
        };
        Self {
            entries,
            next_before,
        }
    }
}

/// The conflict every back end reports for an e-mail address already in use.
pub fn email_taken() -> StoreError {
    StoreError::Conflict {
        what: "email",
        detail: "a user with this address already exists".to_owned(),
    }
}

/// The error every back end reports for an unknown user.
pub fn no_such_user(id: UserId) -> StoreError {
    StoreError::NotFound {
        what: "user",
        id: id.to_string(),
    }
}

/// The error every back end reports for an unknown session.
pub fn no_such_session(id: SessionId) -> StoreError {
    StoreError::NotFound {
        what: "session",
        id: id.to_string(),
    }
}

/// One row of `users`, as read, before any check.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// `id`.
    pub id: Uuid,
    /// `email`.
    pub email: String,
    /// `name`.
    pub name: Option<String>,
    /// `role`.
    pub role: String,
    /// `organisation_id`.
    pub organisation_id: Option<Uuid>,
    /// `status`.
    pub status: String,
    /// `password_hash`.
    pub password_hash: String,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `updated_at`.
    pub updated_at: OffsetDateTime,
}

impl UserRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_user(self) -> Result<User, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored user {id} is invalid: {error}"))
        };
        let organisation = self
            .organisation_id
            .map(OrganisationId::from_uuid)
            .transpose()
            .map_err(|e| corrupt(&e))?;
        let role = Role::parse(&self.role).map_err(|e| corrupt(&e))?;
        Ok(User {
            id: UserId::from_uuid(id).map_err(|e| corrupt(&e))?,
            email: Email::parse(&self.email).map_err(|e| corrupt(&e))?,
            name: self
                .name
                .as_deref()
                .map(PersonName::parse)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            access: Access::new(role, organisation).map_err(|e| corrupt(&e))?,
            status: UserStatus::parse(&self.status).map_err(|e| corrupt(&e))?,
            password_hash: PasswordHash::parse(&self.password_hash).map_err(|e| corrupt(&e))?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// One row of `sessions`, as read, before any check.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// `id`.
    pub id: Uuid,
    /// `user_id`.
    pub user_id: Uuid,
    /// `csrf_token`.
    pub csrf_token: String,
    /// `created_at`.
    pub created_at: OffsetDateTime,
    /// `last_seen_at`.
    pub last_seen_at: OffsetDateTime,
    /// `expires_at`.
    pub expires_at: OffsetDateTime,
    /// `revoked_at`.
    pub revoked_at: Option<OffsetDateTime>,
}

impl SessionRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_session(self) -> Result<Session, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored session {id} is invalid: {error}"))
        };
        Ok(Session {
            id: SessionId::from_uuid(id).map_err(|e| corrupt(&e))?,
            user: UserId::from_uuid(self.user_id).map_err(|e| corrupt(&e))?,
            csrf_token: self.csrf_token,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// One row of `audit_log`, as read, before any check.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    /// `id`.
    pub id: Uuid,
    /// `at`.
    pub at: OffsetDateTime,
    /// `actor`.
    pub actor: String,
    /// `action`.
    pub action: String,
    /// `entity_kind`.
    pub entity_kind: String,
    /// `entity_id`.
    pub entity_id: String,
    /// `organisation_id`.
    pub organisation_id: Option<Uuid>,
    /// `before`, as JSON text.
    pub before: Option<String>,
    /// `after`, as JSON text.
    pub after: Option<String>,
}

impl AuditRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_entry(self) -> Result<AuditEntry, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored audit entry {id} is invalid: {error}"))
        };
        let json = |text: Option<String>| {
            text.map(|text| serde_json::from_str::<Value>(&text))
                .transpose()
                .map_err(|e| corrupt(&e))
        };
        Ok(AuditEntry {
            id: AuditEntryId::from_uuid(id).map_err(|e| corrupt(&e))?,
            at: self.at,
            actor: Actor::parse(&self.actor).map_err(|e| corrupt(&e))?,
            action: AuditAction::parse(&self.action).map_err(|e| corrupt(&e))?,
            entity_kind: EntityKind::parse(&self.entity_kind).map_err(|e| corrupt(&e))?,
            entity_id: self.entity_id,
            organisation: self
                .organisation_id
                .map(OrganisationId::from_uuid)
                .transpose()
                .map_err(|e| corrupt(&e))?,
            before: json(self.before)?,
            after: json(self.after)?,
        })
    }
}

/// The JSON text of an audit entry's before or after, for a text or JSON column.
pub fn audit_json_text(value: &Option<Value>) -> Option<String> {
    value.as_ref().map(Value::to_string)
}

/// Audit entries for changes, with the record as it was and as it became. Snapshots leave out
/// every secret (password hashes, token hashes, CSRF tokens): the log is read by more people than
/// the records are.
pub mod snapshot {
    use super::*;

    /// An organisation as the audit log keeps it.
    pub fn organisation(organisation: &Organisation) -> Value {
        json!({
            "id": organisation.id.to_string(),
            "kind": organisation.kind.as_str(),
            "name": organisation.name.as_str(),
            "status": organisation.status.as_str(),
            "company_prefixes": organisation
                .company_prefixes
                .iter()
                .map(|prefix| prefix.as_str())
                .collect::<Vec<_>>(),
            "address": organisation.address,
        })
    }

    /// An API key as the audit log keeps it.
    pub fn api_key(key: &ApiKey) -> Value {
        let mut value = json!({
            "id": key.id.to_string(),
            "scope": key.scope.kind_str(),
            "organisation": key.scope.owner().map(|owner| owner.to_string()),
            "label": key.label,
            "revoked_at": key.revoked_at.map(timestamp),
        });
        // Only a partner's key names a partner; other keys keep the shape they always had.
        if let Some(partner) = key.scope.partner() {
            value["partner"] = json!(partner.to_string());
        }
        value
    }

    /// A user as the audit log keeps it (a password change shows as `password_changed_at`).
    pub fn user(user: &User) -> Value {
        json!({
            "id": user.id.to_string(),
            "email": user.email.as_str(),
            "name": user.name.as_ref().map(PersonName::as_str),
            "role": user.access.role().as_str(),
            "organisation": user.access.organisation().map(|o| o.to_string()),
            "status": user.status.as_str(),
            "updated_at": timestamp(user.updated_at),
        })
    }

    /// A session as the audit log keeps it.
    pub fn session(session: &Session) -> Value {
        json!({
            "id": session.id.to_string(),
            "user": session.user.to_string(),
            "created_at": timestamp(session.created_at),
            "expires_at": timestamp(session.expires_at),
            "revoked_at": session.revoked_at.map(timestamp),
        })
    }

    /// The entry for a change of an organisation from `before` to `after`.
    pub fn organisation_change(
        actor: Actor,
        action: AuditAction,
        before: Option<&Organisation>,
        after: &Organisation,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor,
            action,
            entity_id: after.id.to_string(),
            organisation: Some(after.id),
            before: before.map(organisation),
            after: Some(organisation(after)),
        }
    }

    /// The entry for a change of an API key from `before` to `after`.
    pub fn api_key_change(
        actor: Actor,
        action: AuditAction,
        before: Option<&ApiKey>,
        after: &ApiKey,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor,
            action,
            entity_id: after.id.to_string(),
            organisation: after.scope.owner(),
            before: before.map(api_key),
            after: Some(api_key(after)),
        }
    }

    /// The entry for a change of a user from `before` to `after`.
    pub fn user_change(
        actor: Actor,
        action: AuditAction,
        before: Option<&User>,
        after: &User,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor,
            action,
            entity_id: after.id.to_string(),
            organisation: after.access.organisation(),
            before: before.map(user),
            after: Some(user(after)),
        }
    }

    /// The entry for a change of a session of a user of `organisation`.
    pub fn session_change(
        actor: Actor,
        action: AuditAction,
        organisation: Option<OrganisationId>,
        before: Option<&Session>,
        after: &Session,
    ) -> NewAuditEntry {
        NewAuditEntry {
            actor,
            action,
            entity_id: after.id.to_string(),
            organisation,
            before: before.map(session),
            after: Some(session(after)),
        }
    }

    fn timestamp(time: OffsetDateTime) -> String {
        time.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| time.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_keep_no_secrets() {
        let now = crate::now_utc();
        let user = User {
            id: UserId::generate(),
            email: Email::parse("hoa@camau.gov.vn").unwrap(),
            name: None,
            access: Access::new(Role::Inspector, None).unwrap(),
            status: UserStatus::Active,
            password_hash: PasswordHash::parse("$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA").unwrap(),
            created_at: now,
            updated_at: now,
        };
        let text = snapshot::user(&user).to_string();
        assert!(text.contains("hoa@camau.gov.vn") && text.contains("inspector"));
        assert!(!text.contains("argon2"), "{text}");
        let session = Session {
            id: SessionId::generate(),
            user: user.id,
            csrf_token: "csrf-secret".into(),
            created_at: now,
            last_seen_at: now,
            expires_at: now,
            revoked_at: None,
        };
        assert!(
            !snapshot::session(&session)
                .to_string()
                .contains("csrf-secret")
        );
    }
}
