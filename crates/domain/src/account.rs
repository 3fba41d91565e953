//! Portal accounts: e-mail addresses, roles and what each role may do, passwords and their
//! stored hashes, users and sign-in sessions.
//!
//! Capabilities live on [`Access`] (a role together with its organisation), so every handler asks
//! the same question the same way ("may this person manage the users of that organisation?")
//! instead of matching on roles itself.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use time::{Duration, OffsetDateTime};

use crate::{DomainError, OrganisationId, SessionId, UserId};

/// An e-mail address used to sign in: trimmed and lower-cased, so one person cannot hold two
/// accounts that differ only in letter case.
///
/// The check is deliberately loose (one `@`, something on both sides, a dot in the domain, no
/// spaces): the address is a login name, never used to send mail by this code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Longest address accepted (RFC 5321's path limit).
    pub const MAX_CHARS: usize = 254;

    /// Parses an address.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let address = input.trim().to_lowercase();
        let problem = |problem: &str| DomainError::EmailFormat {
            problem: problem.to_owned(),
        };
        if address.is_empty() {
            return Err(problem("it is empty"));
        }
        if address.chars().count() > Self::MAX_CHARS {
            return Err(problem("it is longer than 254 characters"));
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(problem("it contains a space or a control character"));
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(problem("it has no @"));
        };
        if domain.contains('@') {
            return Err(problem("it has more than one @"));
        }
        if local.is_empty() {
            return Err(problem("nothing comes before the @"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(problem(
                "the part after the @ is not a domain such as example.vn",
            ));
        }
        Ok(Self(address))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a user is in the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A province officer who runs the system: approves organisations, manages every user.
    ProvinceAdmin,
    /// A province officer who reads everything (including the audit log) and changes nothing.
    Inspector,
    /// The administrator of one organisation: manages its users and records.
    OrgAdmin,
    /// A member of one organisation's staff: records its diaries.
    OrgStaff,
}

impl Role {
    /// Every role, province roles first.
    pub const ALL: [Self; 4] = [
        Self::ProvinceAdmin,
        Self::Inspector,
        Self::OrgAdmin,
        Self::OrgStaff,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProvinceAdmin => "province_admin",
            Self::Inspector => "inspector",
            Self::OrgAdmin => "org_admin",
            Self::OrgStaff => "org_staff",
        }
    }

    /// Parses the stored name (exact).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == input.trim())
            .ok_or_else(|| DomainError::UnknownRole {
                found: input.to_owned(),
            })
    }

    /// Whether the role belongs to the province (and so to no organisation).
    pub fn is_province(self) -> bool {
        matches!(self, Self::ProvinceAdmin | Self::Inspector)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role with the organisation it applies to: none for a province role, exactly one for an
/// organisation role. Valid by construction, so a capability check never meets an organisation
/// role without an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Access {
    role: Role,
    organisation: Option<OrganisationId>,
}

impl Access {
    /// Pairs a role with its organisation, refusing an organisation role without one and a
    /// province role with one.
    pub fn new(role: Role, organisation: Option<OrganisationId>) -> Result<Self, DomainError> {
        match (role.is_province(), organisation) {
            (true, Some(_)) => Err(DomainError::RoleForbidsOrganisation { role }),
            (false, None) => Err(DomainError::RoleNeedsOrganisation { role }),
            _ => Ok(Self { role, organisation }),
        }
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The organisation of an organisation role; `None` for a province role.
    pub fn organisation(&self) -> Option<OrganisationId> {
        self.organisation
    }

    /// Whether the holder sees the records of every organisation (province roles).
    pub fn sees_all_organisations(&self) -> bool {
        self.role.is_province()
    }

    /// Whether the holder may see the records of `organisation`.
    pub fn can_see_organisation(&self, organisation: OrganisationId) -> bool {
        self.sees_all_organisations() || self.organisation == Some(organisation)
    }

    /// Whether the holder may register organisations and approve, suspend or reinstate them
    /// (province admins only; inspectors look but do not decide).
    pub fn can_approve_organisations(&self) -> bool {
        self.role == Role::ProvinceAdmin
    }

    /// Whether the holder may change the registered details (the address) of `organisation`:
    /// the province admin for any, an organisation admin for its own.
    pub fn can_edit_organisation(&self, organisation: OrganisationId) -> bool {
        match self.role {
            Role::ProvinceAdmin => true,
            Role::OrgAdmin => self.organisation == Some(organisation),
            Role::Inspector | Role::OrgStaff => false,
        }
    }

    /// Whether the holder may read the personal data the system holds on household
    /// `organisation` (its consent history, the data-subject export): the province's officers
    /// and the household's own users, and nobody else.
    pub fn can_read_personal_data(&self, organisation: OrganisationId) -> bool {
        self.can_see_organisation(organisation)
    }

    /// Whether the holder may record consent statements of household `organisation` and erase
    /// its personal data: the province admin for any, the household's admin for its own.
    pub fn can_manage_personal_data(&self, organisation: OrganisationId) -> bool {
        match self.role {
            Role::ProvinceAdmin => true,
            Role::OrgAdmin => self.organisation == Some(organisation),
            Role::Inspector | Role::OrgStaff => false,
        }
    }

    /// Whether the holder may register partner systems, issue and revoke their API keys, and
    /// suspend or reinstate them (the province admin).
    pub fn can_manage_partners(&self) -> bool {
        self.role == Role::ProvinceAdmin
    }

    /// Whether the holder may give partner systems grants of `organisation`'s data and revoke
    /// them: that organisation's admin only, since sharing its data is its own decision, not the
    /// province's.
    pub fn can_manage_grants(&self, organisation: OrganisationId) -> bool {
        self.role == Role::OrgAdmin && self.organisation == Some(organisation)
    }

    /// Whether the holder may search the audit log (province roles).
    pub fn can_read_audit_log(&self) -> bool {
        self.role.is_province()
    }

    /// Whether the holder may read the Plan 140 dashboard and the training records (province
    /// roles).
    pub fn can_read_plan_dashboard(&self) -> bool {
        self.role.is_province()
    }

    /// Whether the holder may record training sessions and upload guidance documents (the
    /// province admin).
    pub fn can_manage_outreach(&self) -> bool {
        self.role == Role::ProvinceAdmin
    }

    /// Whether the holder may watch the national-portal sync of every organisation: the totals
    /// per target and status and every delivery (province roles; an organisation's users see
    /// only their own deliveries).
    pub fn can_monitor_sync(&self) -> bool {
        self.role.is_province()
    }

    /// Whether the holder may put a failed sync delivery back in the queue (the province admin,
    /// who answers for what reaches the national portal).
    pub fn can_retry_sync(&self) -> bool {
        self.role == Role::ProvinceAdmin
    }

    /// Whether the holder may list and create the users of `scope`: one organisation, or the
    /// province's own users when `None`. A province admin may manage anyone; an organisation
    /// admin only its own organisation's users.
    pub fn can_manage_users(&self, scope: Option<OrganisationId>) -> bool {
        match self.role {
            Role::ProvinceAdmin => true,
            Role::OrgAdmin => scope.is_some() && scope == self.organisation,
            Role::Inspector | Role::OrgStaff => false,
        }
    }

    /// Whether the holder may give `access` to a user: only within the users it may manage, and
    /// an organisation admin never hands out a province role.
    pub fn can_grant(&self, access: &Access) -> bool {
        self.can_manage_users(access.organisation)
    }

    /// Whose users the holder lists when it asks for "all it may manage": every user (`Some(None)`)
    /// for a province admin, its organisation's (`Some(Some(id))`) for an organisation admin, and
    /// nobody's (`None`) otherwise.
    pub fn managed_users(&self) -> Option<Option<OrganisationId>> {
        match self.role {
            Role::ProvinceAdmin => Some(None),
            Role::OrgAdmin => Some(self.organisation),
            Role::Inspector | Role::OrgStaff => None,
        }
    }
}

/// A person's name as shown in the portal: trimmed, 1 to [`PersonName::MAX_CHARS`] characters,
/// no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// Longest name accepted, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses a name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let found = trimmed.chars().count();
        if found == 0 || found > Self::MAX_CHARS || trimmed.chars().any(char::is_control) {
            return Err(DomainError::PersonName {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// May not sign in; the account and its history stay.
    Disabled,
}

impl UserStatus {
    /// Every status.
    pub const ALL: [Self; 2] = [Self::Active, Self::Disabled];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == input)
            .ok_or_else(|| DomainError::UnknownUserStatus {
                found: input.to_owned(),
            })
    }
}

/// A password as typed, before hashing. Kept in a [`SecretString`] so it never reaches a log
/// through `Debug`.
///
/// The only rule is length, as NIST SP 800-63B advises: long passphrases beat composition rules,
/// and an upper bound keeps a hash request cheap to refuse.
#[derive(Debug)]
pub struct Password(SecretString);

impl Password {
    /// Fewest characters accepted.
    pub const MIN_CHARS: usize = 12;
    /// Most characters accepted.
    pub const MAX_CHARS: usize = 128;

    /// Checks the length rule. Surrounding whitespace counts: it was typed on purpose or not at
    /// all, and silently trimming would change the password.
    pub fn parse(input: SecretString) -> Result<Self, DomainError> {
        let found = input.expose_secret().chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&found) {
            return Err(DomainError::PasswordLength {
                min: Self::MIN_CHARS,
                max: Self::MAX_CHARS,
                found,
            });
        }
        Ok(Self(input))
    }

    /// The password text, for the hash function only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// A stored password hash: an argon2id PHC string (`$argon2id$v=19$m=…`). Its `Debug` hides the
/// value: a hash in a log is an offline-guessing target.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Accepts a PHC string of the argon2id family.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        if input.starts_with("$argon2id$") && !input.chars().any(char::is_whitespace) {
            Ok(Self(input.to_owned()))
        } else {
            Err(DomainError::PasswordHashFormat)
        }
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The sign-in address; unique.
    pub email: Email,
    /// The name shown in the portal, if given.
    pub name: Option<PersonName>,
    /// Role and organisation.
    pub access: Access,
    /// The hash of the first password.
    pub password_hash: PasswordHash,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The sign-in address.
    pub email: Email,
    /// The name shown in the portal, if given.
    pub name: Option<PersonName>,
    /// Role and organisation.
    pub access: Access,
    /// Whether the user may sign in.
    pub status: UserStatus,
    /// The current password's hash.
    pub password_hash: PasswordHash,
    /// When the account was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

impl User {
    /// The name to greet the user by: the given name, or else the address.
    pub fn display_name(&self) -> &str {
        self.name
            .as_ref()
            .map_or(self.email.as_str(), PersonName::as_str)
    }
}

/// A session to open at sign-in. The secret token never reaches the store, only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// Who signed in.
    pub user: UserId,
    /// SHA-256 of the session token in the cookie.
    pub token_hash: [u8; 32],
    /// The token every form of this session must carry back.
    pub csrf_token: String,
    /// When the session ends whatever happens.
    pub expires_at: OffsetDateTime,
}

/// A stored sign-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id (not its token).
    pub id: SessionId,
    /// Who signed in.
    pub user: UserId,
    /// The token every form of this session must carry back.
    pub csrf_token: String,
    /// When it was opened.
    pub created_at: OffsetDateTime,
    /// When it last served a request.
    pub last_seen_at: OffsetDateTime,
    /// When it ends whatever happens.
    pub expires_at: OffsetDateTime,
    /// When it was ended by sign-out, a password change or an administrator.
    pub revoked_at: Option<OffsetDateTime>,
}

impl Session {
    /// Whether the session still signs its holder in at `now`: not revoked, not expired, and
    /// used within the last `idle_timeout`.
    pub fn is_live(&self, now: OffsetDateTime, idle_timeout: Duration) -> bool {
        self.revoked_at.is_none() && now < self.expires_at && now - self.last_seen_at < idle_timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Lan.Nguyen@SoKHCN.CaMau.gov.vn ").unwrap();
        assert_eq!(email.as_str(), "lan.nguyen@sokhcn.camau.gov.vn");
    }

    #[test]
    fn bad_emails_name_the_field_and_the_problem() {
        for (input, problem) in [
            ("", "it is empty"),
            ("lan", "it has no @"),
            ("a@b@c.vn", "more than one @"),
            ("@camau.vn", "nothing comes before the @"),
            ("lan@localhost", "not a domain"),
            ("lan nguyen@camau.vn", "space"),
        ] {
            let message = Email::parse(input).unwrap_err().to_string();
            assert!(message.starts_with("email: "), "{message}");
            assert!(message.contains(problem), "{input:?}: {message}");
        }
    }

    #[test]
    fn roles_round_trip_and_unknown_ones_are_named() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert_eq!(
            Role::parse("admin").unwrap_err().to_string(),
            "role: must be one of province_admin, inspector, org_admin, org_staff; found \"admin\""
        );
    }

    #[test]
    fn organisation_roles_need_an_organisation_and_province_roles_refuse_one() {
        let org = OrganisationId::generate();
        assert!(Access::new(Role::OrgStaff, Some(org)).is_ok());
        assert!(Access::new(Role::Inspector, None).is_ok());
        assert_eq!(
            Access::new(Role::OrgAdmin, None),
            Err(DomainError::RoleNeedsOrganisation {
                role: Role::OrgAdmin
            })
        );
        assert_eq!(
            Access::new(Role::ProvinceAdmin, Some(org))
                .unwrap_err()
                .to_string(),
            "organisation: the role province_admin belongs to the province, not to an organisation; leave it empty"
        );
    }

    #[test]
    fn capabilities_follow_the_role_and_its_organisation() {
        let own = OrganisationId::generate();
        let other = OrganisationId::generate();
        let admin = Access::new(Role::ProvinceAdmin, None).unwrap();
        let inspector = Access::new(Role::Inspector, None).unwrap();
        let org_admin = Access::new(Role::OrgAdmin, Some(own)).unwrap();
        let staff = Access::new(Role::OrgStaff, Some(own)).unwrap();

        assert!(admin.can_manage_users(None) && admin.can_manage_users(Some(other)));
        assert!(org_admin.can_manage_users(Some(own)));
        assert!(!org_admin.can_manage_users(Some(other)));
        assert!(!org_admin.can_manage_users(None));
        assert!(!inspector.can_manage_users(Some(own)) && !staff.can_manage_users(Some(own)));

        assert!(admin.can_manage_partners());
        assert!(!inspector.can_manage_partners() && !org_admin.can_manage_partners());
        assert!(org_admin.can_manage_grants(own));
        assert!(!org_admin.can_manage_grants(other));
        assert!(!staff.can_manage_grants(own) && !admin.can_manage_grants(own));

        assert!(admin.can_manage_personal_data(other) && org_admin.can_manage_personal_data(own));
        assert!(!org_admin.can_manage_personal_data(other));
        assert!(!inspector.can_manage_personal_data(own) && !staff.can_manage_personal_data(own));
        assert!(inspector.can_read_personal_data(other) && staff.can_read_personal_data(own));
        assert!(!org_admin.can_read_personal_data(other));

        assert!(org_admin.can_grant(&staff));
        assert!(!org_admin.can_grant(&admin));
        assert!(!org_admin.can_grant(&Access::new(Role::OrgStaff, Some(other)).unwrap()));
        assert!(admin.can_grant(&inspector));

        assert!(admin.can_read_audit_log() && inspector.can_read_audit_log());
        assert!(!org_admin.can_read_audit_log() && !staff.can_read_audit_log());
        assert!(admin.can_approve_organisations());
        assert!(
            ![inspector, org_admin, staff]
                .iter()
                .any(Access::can_approve_organisations)
        );
        assert!(admin.can_monitor_sync() && inspector.can_monitor_sync());
        assert!(!org_admin.can_monitor_sync() && !staff.can_monitor_sync());
        assert!(admin.can_retry_sync());
        assert!(
            ![inspector, org_admin, staff]
                .iter()
                .any(Access::can_retry_sync)
        );
        assert!(inspector.sees_all_organisations() && inspector.can_see_organisation(other));
        assert!(staff.can_see_organisation(own) && !staff.can_see_organisation(other));

        assert_eq!(admin.managed_users(), Some(None));
        assert_eq!(org_admin.managed_users(), Some(Some(own)));
        assert_eq!(staff.managed_users(), None);
    }

    #[test]
    fn passwords_have_a_length_rule_and_hide_in_debug() {
        let short = Password::parse(SecretString::from("ngắn quá")).unwrap_err();
        assert_eq!(
            short.to_string(),
            "password: must be 12 to 128 characters long, found 8"
        );
        let long = "a".repeat(129);
        assert!(Password::parse(SecretString::from(long)).is_err());
        // Twelve characters, counted as characters, not bytes.
        let password = Password::parse(SecretString::from("mật khẩu dài")).unwrap();
        assert_eq!(password.expose(), "mật khẩu dài");
        assert!(!format!("{password:?}").contains("mật"));
    }

    #[test]
    fn password_hashes_are_argon2id_and_hidden_in_debug() {
        let phc = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        let hash = PasswordHash::parse(phc).unwrap();
        assert_eq!(hash.as_str(), phc);
        assert_eq!(format!("{hash:?}"), "PasswordHash(…)");
        assert_eq!(
            PasswordHash::parse("$2b$12$bcrypt"),
            Err(DomainError::PasswordHashFormat)
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            PersonName::parse(" Trần Thị Hoa ").unwrap().as_str(),
            "Trần Thị Hoa"
        );
        assert!(PersonName::parse("  ").is_err());
        assert!(PersonName::parse("a\nb").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn a_session_ends_on_revocation_expiry_or_idleness() {
        let now = OffsetDateTime::now_utc();
        let session = Session {
            id: SessionId::generate(),
            user: UserId::generate(),
            csrf_token: "t".into(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::hours(12),
            revoked_at: None,
        };
        let idle = Duration::minutes(30);
        assert!(session.is_live(now + Duration::minutes(29), idle));
        assert!(!session.is_live(now + Duration::minutes(31), idle));
        assert!(!session.is_live(now + Duration::hours(12), Duration::days(1)));
        let revoked = Session {
            revoked_at: Some(now),
            ..session
        };
        assert!(!revoked.is_live(now, idle));
    }
}
