//! Partner systems and the grants organisations give them ("federation in").
//!
//! The province registers a partner: a solution provider (iCheck, TE-FOOD, an ERP vendor) that
//! captures EPCIS events for several organisations, or a data recipient (an export buyer, an
//! importer, a partner province) that reads what is shared with it. A partner gets nothing by
//! being registered: each organisation grants it, explicitly and revocably, the right to capture
//! on its behalf and/or to read its events, and a partner acts for an organisation only while
//! such a grant is live.

use std::fmt;

use time::OffsetDateTime;

use crate::{DomainError, GrantId, OrganisationId, PartnerId, RecordName, one_line};

/// What a partner system is to the province.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerKind {
    /// A vendor platform that captures events for the organisations using it.
    SolutionProvider,
    /// A party that only reads what organisations share with it.
    DataRecipient,
}

impl PartnerKind {
    /// Every kind.
    pub const ALL: [Self; 2] = [Self::SolutionProvider, Self::DataRecipient];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SolutionProvider => "solution_provider",
            Self::DataRecipient => "data_recipient",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input.trim())
            .ok_or_else(|| DomainError::NotInList {
                field: "kind",
                allowed: "solution_provider, data_recipient".to_owned(),
                found: input.to_owned(),
            })
    }

    /// Whether a partner of this kind may be given `permission`: anyone may read what is shared
    /// with it, but only a solution provider captures, since a data recipient's events would
    /// have no system of record behind them.
    pub fn may_hold(self, permission: Permission) -> bool {
        match permission {
            Permission::Read => true,
            Permission::Capture => self == Self::SolutionProvider,
        }
    }
}

impl fmt::Display for PartnerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a partner's keys work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartnerStatus {
    /// Its keys authenticate; its grants apply.
    Active,
    /// The province stopped it: its keys authenticate nothing, its grants stay for later.
    Suspended,
}

impl PartnerStatus {
    /// Every status.
    pub const ALL: [Self; 2] = [Self::Active, Self::Suspended];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == input.trim())
            .ok_or_else(|| DomainError::NotInList {
                field: "status",
                allowed: "active, suspended".to_owned(),
                found: input.to_owned(),
            })
    }
}

/// A partner to register, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPartner {
    /// Its name, unique among partners ("TE-FOOD Việt Nam").
    pub name: RecordName,
    /// Solution provider or data recipient.
    pub kind: PartnerKind,
    /// Who to call about it: a person, an e-mail address, a phone number, on one line.
    pub contact: String,
}

impl NewPartner {
    /// Longest contact line kept, in characters.
    pub const MAX_CONTACT_CHARS: usize = 200;

    /// Checks each field; an error names the field and the rule.
    pub fn parse(name: &str, kind: &str, contact: &str) -> Result<Self, DomainError> {
        Ok(Self {
            name: RecordName::parse("name", name)?,
            kind: PartnerKind::parse(kind)?,
            contact: one_line("contact", contact, Self::MAX_CONTACT_CHARS)?,
        })
    }
}

/// A registered partner system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// Its id.
    pub id: PartnerId,
    /// Its name.
    pub name: RecordName,
    /// Solution provider or data recipient.
    pub kind: PartnerKind,
    /// Who to call about it.
    pub contact: String,
    /// Whether its keys work.
    pub status: PartnerStatus,
    /// When it was registered.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

impl Partner {
    /// Checks that this partner may be given `permission`, naming it and the rule otherwise.
    pub fn check_grantable(&self, permission: Permission) -> Result<(), DomainError> {
        if self.kind.may_hold(permission) {
            Ok(())
        } else {
            Err(DomainError::CaptureNeedsSolutionProvider {
                partner: self.name.to_string(),
            })
        }
    }
}

/// What an organisation lets a partner do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Capture EPCIS events owned by the organisation.
    Capture,
    /// Read the organisation's events through the EPCIS query interface.
    Read,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Self; 2] = [Self::Capture, Self::Read];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Capture => "capture",
            Self::Read => "read",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|permission| permission.as_str() == input.trim())
            .ok_or_else(|| DomainError::NotInList {
                field: "permission",
                allowed: "capture, read".to_owned(),
                found: input.to_owned(),
            })
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One permission an organisation gave a partner. A revoked grant is kept, so the organisation
/// and the province can see what was shared and when it stopped; granting again makes a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Its id.
    pub id: GrantId,
    /// The organisation that gave it.
    pub organisation: OrganisationId,
    /// The partner it was given to.
    pub partner: PartnerId,
    /// What it allows.
    pub permission: Permission,
    /// When it was given.
    pub granted_at: OffsetDateTime,
    /// When it was revoked; a revoked grant allows nothing.
    pub revoked_at: Option<OffsetDateTime>,
}

impl Grant {
    /// Whether it still allows what it names.
    pub fn is_live(&self) -> bool {
        self.revoked_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_name_the_field() {
        for kind in PartnerKind::ALL {
            assert_eq!(PartnerKind::parse(kind.as_str()), Ok(kind));
        }
        for status in PartnerStatus::ALL {
            assert_eq!(PartnerStatus::parse(status.as_str()), Ok(status));
        }
        for permission in Permission::ALL {
            assert_eq!(Permission::parse(permission.as_str()), Ok(permission));
        }
        assert_eq!(
            Permission::parse("write").unwrap_err().to_string(),
            "permission: must be one of capture, read; found \"write\""
        );
        assert!(
            PartnerKind::parse("vendor")
                .unwrap_err()
                .to_string()
                .starts_with("kind: ")
        );
    }

    #[test]
    fn only_solution_providers_capture() {
        let partner = |kind| Partner {
            id: PartnerId::generate(),
            name: RecordName::parse("name", "Đối tác").unwrap(),
            kind,
            contact: "lienhe@example.vn".into(),
            status: PartnerStatus::Active,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        };
        let provider = partner(PartnerKind::SolutionProvider);
        let buyer = partner(PartnerKind::DataRecipient);
        assert_eq!(provider.check_grantable(Permission::Capture), Ok(()));
        assert_eq!(provider.check_grantable(Permission::Read), Ok(()));
        assert_eq!(buyer.check_grantable(Permission::Read), Ok(()));
        assert_eq!(
            buyer
                .check_grantable(Permission::Capture)
                .unwrap_err()
                .to_string(),
            "permission: only a solution provider captures on an organisation's behalf; Đối tác is a data recipient, so it may only be given read"
        );
    }

    #[test]
    fn a_new_partner_names_the_field_it_breaks() {
        let partner =
            NewPartner::parse(" TE-FOOD ", "solution_provider", " ops@te-food.vn ").expect("valid");
        assert_eq!(partner.name.as_str(), "TE-FOOD");
        assert_eq!(partner.contact, "ops@te-food.vn");
        assert!(
            NewPartner::parse("", "solution_provider", "x")
                .unwrap_err()
                .to_string()
                .starts_with("name: ")
        );
        assert!(
            NewPartner::parse("A", "solution_provider", "")
                .unwrap_err()
                .to_string()
                .starts_with("contact: ")
        );
        assert!(
            NewPartner::parse("A", "bank", "x")
                .unwrap_err()
                .to_string()
                .starts_with("kind: ")
        );
    }
}
