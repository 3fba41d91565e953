//! Identifiers: organisations, API keys, capture jobs, users, sessions and audit entries, all
//! UUID version 7.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::DomainError;

/// The id of an organisation: a UUID version 7.
///
/// Version 7 ids start with a millisecond timestamp, so they sort in creation order. That keeps
/// B-tree inserts local and lets a list be paged with the id as its keyset cursor. The id is also
/// the key that event tables will be distributed by under Citus, so it never changes.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct OrganisationId(Uuid);

impl OrganisationId {
    /// Makes a fresh id from the current time and random bits.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// Parses the text form (hyphenated, simple, braced or URN).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let uuid =
            Uuid::try_parse(input.trim()).map_err(|_| DomainError::OrganisationIdSyntax {
                found: input.to_owned(),
            })?;
        Self::from_uuid(uuid)
    }

    /// Accepts a UUID read from storage or another typed source, if it is version 7.
    pub fn from_uuid(uuid: Uuid) -> Result<Self, DomainError> {
        match uuid.get_version_num() {
            7 => Ok(Self(uuid)),
            found => Err(DomainError::OrganisationIdVersion { found }),
        }
    }

    /// The UUID, for storage.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for OrganisationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

// Debug shows the same hyphenated text as Display: `OrganisationId(0190…)` reads better in test
// failures than uuid's own Debug wrapped in a tuple struct.
impl fmt::Debug for OrganisationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrganisationId({self})")
    }
}

impl FromStr for OrganisationId {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for OrganisationId {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OrganisationId> for String {
    fn from(id: OrganisationId) -> Self {
        id.to_string()
    }
}

/// Defines a UUIDv7 id type for a record other than an organisation: same rules as
/// [`OrganisationId`] (time-ordered, so it is also a keyset cursor), with errors naming `$what`.
macro_rules! uuid_v7_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Uuid);

        impl $name {
            /// Makes a fresh id from the current time and random bits.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses the text form (hyphenated, simple, braced or URN).
            pub fn parse(input: &str) -> Result<Self, DomainError> {
                let uuid = Uuid::try_parse(input.trim()).map_err(|_| DomainError::IdSyntax {
                    what: $what,
                    found: input.to_owned(),
                })?;
                Self::from_uuid(uuid)
            }

            /// Accepts a UUID read from storage or another typed source, if it is version 7.
            pub fn from_uuid(uuid: Uuid) -> Result<Self, DomainError> {
                match uuid.get_version_num() {
                    7 => Ok(Self(uuid)),
                    found => Err(DomainError::IdVersion { what: $what, found }),
                }
            }

            /// The UUID, for storage.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = DomainError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.to_string()
            }
        }
    };
}

uuid_v7_id!(
    /// The id of a registry record (a facility, a product, a product group): a UUID version 7.
    RecordId,
    "record id"
);

uuid_v7_id!(
    /// The id of a stamp run (one print job of a lot's stamps): a UUID version 7.
    StampRunId,
    "stamp run id"
);

uuid_v7_id!(
    /// The id of a stored resolver link: a UUID version 7.
    ResolverLinkId,
    "resolver link id"
);

uuid_v7_id!(
    /// The id of an uploaded file (a product image): a UUID version 7.
    MediaId,
    "media id"
);

uuid_v7_id!(
    /// The id of an API key: a UUID version 7.
    ApiKeyId,
    "API key id"
);

uuid_v7_id!(
    /// The id of a capture job: a UUID version 7, so jobs list newest first by id alone.
    CaptureJobId,
    "capture job id"
);

uuid_v7_id!(
    /// The id of a training session: a UUID version 7.
    TrainingId,
    "training id"
);

uuid_v7_id!(
    /// The id of one version of a guidance document: a UUID version 7.
    GuidanceId,
    "guidance id"
);

uuid_v7_id!(
    /// The id of a recall: a UUID version 7, so recalls list newest first by id alone.
    RecallId,
    "recall id"
);

uuid_v7_id!(
    /// The id of a query subscription: a UUID version 7.
    SubscriptionId,
    "subscription id"
);

uuid_v7_id!(
    /// The id of a portal user: a UUID version 7.
    UserId,
    "user id"
);

uuid_v7_id!(
    /// The id of a sign-in session (not its secret token): a UUID version 7.
    SessionId,
    "session id"
);

uuid_v7_id!(
    /// The id of a partner system the province registered: a UUID version 7.
    PartnerId,
    "partner id"
);

uuid_v7_id!(
    /// The id of one grant an organisation gave a partner: a UUID version 7.
    GrantId,
    "grant id"
);

uuid_v7_id!(
    /// The id of a household's consent statement: a UUID version 7, so later statements sort
    /// after earlier ones.
    ConsentId,
    "consent id"
);

uuid_v7_id!(
    /// The id of an audit log entry: a UUID version 7, so the log pages newest first by id alone.
    AuditEntryId,
    "audit entry id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_version_7_and_round_trip_through_text() {
        let id = OrganisationId::generate();
        assert_eq!(id.as_uuid().get_version_num(), 7);
        assert_eq!(OrganisationId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let first = OrganisationId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = OrganisationId::generate();
        assert!(first < second);
    }

    #[test]
    fn rejects_text_that_is_not_a_uuid() {
        let err = OrganisationId::parse("org-42").unwrap_err();
        assert!(matches!(err, DomainError::OrganisationIdSyntax { .. }));
        assert!(
            err.to_string()
                .starts_with("organisation id: must be a UUID")
        );
    }

    #[test]
    fn rejects_other_uuid_versions() {
        let v4 = "6f1c2a8e-3b9d-4c7a-8e21-5d4f3a2b1c0e";
        assert_eq!(
            OrganisationId::parse(v4),
            Err(DomainError::OrganisationIdVersion { found: 4 })
        );
    }

    #[test]
    fn other_ids_follow_the_same_rules_and_name_themselves() {
        let id = CaptureJobId::generate();
        assert_eq!(CaptureJobId::parse(&id.to_string()), Ok(id));
        assert_eq!(
            ApiKeyId::parse("nope").unwrap_err().to_string(),
            "API key id: must be a UUID such as 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f, found \"nope\""
        );
        assert_eq!(
            CaptureJobId::parse("6f1c2a8e-3b9d-4c7a-8e21-5d4f3a2b1c0e"),
            Err(DomainError::IdVersion {
                what: "capture job id",
                found: 4
            })
        );
    }

    #[test]
    fn serde_uses_the_text_form_and_checks_it() {
        let id = OrganisationId::generate();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<OrganisationId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<OrganisationId>("\"nope\"").is_err());
    }
}
