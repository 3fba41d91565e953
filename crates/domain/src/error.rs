//! The crate's one error type. Every message starts with the field it is about and states the rule,
//! so it can be shown to the person who typed the value.

use crate::{
    ApprovalStatus, CommuneCode, DistrictCode, OrganisationKind, ProvinceCode, RecallStatus, Role,
};

/// A value broke a rule of the tenant registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The text is not a UUID at all.
    #[error(
        "organisation id: must be a UUID such as 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f, found {found:?}"
    )]
    OrganisationIdSyntax {
        /// The text that was given.
        found: String,
    },
    /// The UUID is not version 7.
    #[error("organisation id: must be a UUID version 7, found version {found}")]
    OrganisationIdVersion {
        /// The version number of the UUID that was given.
        found: usize,
    },
    /// The organisation kind is not one we know.
    #[error(
        "organisation kind: must be one of enterprise, cooperative, household, agency; found {found:?}"
    )]
    UnknownOrganisationKind {
        /// The text that was given.
        found: String,
    },
    /// The recall status is not one we know.
    #[error("recall status: must be one of open, notified, closed; found {found:?}")]
    UnknownRecallStatus {
        /// The text that was given.
        found: String,
    },
    /// A recall status change that is not the next step.
    #[error(
        "recall status: cannot change from {from} to {to}; a recall moves open → notified → closed, one step at a time"
    )]
    RecallStatusTransition {
        /// The current status.
        from: RecallStatus,
        /// The status that was asked for.
        to: RecallStatus,
    },
    /// A stamp count outside what one run may print.
    #[error("count: must be a whole number from 1 to {max} stamps per print run, found {found}")]
    StampCount {
        /// The most one run may print.
        max: u32,
        /// The count asked for.
        found: String,
    },
    /// More stamps than the lot can carry.
    #[error(
        "count: the lot carries at most {cap} stamps and {issued} are issued, so at most {remaining} more; asked for {asked}"
    )]
    StampCapExceeded {
        /// How many stamps the lot can carry.
        cap: u64,
        /// How many were issued before.
        issued: u64,
        /// How many may still be issued.
        remaining: u64,
        /// How many were asked for.
        asked: u32,
    },
    /// A lot whose quantity cannot be counted in stamps.
    #[error("lot: {reason}")]
    StampCapUnknown {
        /// Why, in words.
        reason: String,
    },
    /// A stamp run moved out of order.
    #[error(
        "stamp run: cannot change from {from} to {to}; stamps go printed → active → deactivated"
    )]
    StampStateTransition {
        /// The current state.
        from: &'static str,
        /// The state asked for.
        to: &'static str,
    },
    /// A recall reason that is empty or too long.
    #[error("reason: must be 1 to 2000 characters, found {found}")]
    RecallReasonLength {
        /// Its length in characters, once trimmed.
        found: usize,
    },
    /// A stored recall role that is not one we know.
    #[error("recall role: must be affected or suspect; found {found:?}")]
    UnknownRecallRole {
        /// The text that was stored.
        found: String,
    },
    /// The approval status is not one we know.
    #[error("status: must be one of pending, approved, suspended; found {found:?}")]
    UnknownApprovalStatus {
        /// The text that was given.
        found: String,
    },
    /// The status change is not one of the allowed transitions.
    #[error(
        "status: cannot change from {from} to {to} (allowed: pending to approved or suspended, approved to suspended, suspended to approved)"
    )]
    StatusTransition {
        /// The current status.
        from: ApprovalStatus,
        /// The status that was asked for.
        to: ApprovalStatus,
    },
    /// The organisation name is empty once surrounding whitespace is removed.
    #[error("organisation name: must not be empty")]
    NameEmpty,
    /// The organisation name is too long.
    #[error("organisation name: must be at most {max} characters, found {found}")]
    NameTooLong {
        /// The largest number of characters allowed.
        max: usize,
        /// The number of characters found, after trimming.
        found: usize,
    },
    /// The organisation name contains a control character (a line break, a tab, ...).
    #[error(
        "organisation name: must not contain control characters such as line breaks or tabs, found one at character {position}"
    )]
    NameControlCharacter {
        /// 1-based position of the character in the trimmed name.
        position: usize,
    },
    /// The tax code does not have one of the accepted shapes.
    #[error(
        "tax code: must be 10 digits, 10 digits + \"-\" + 3 digits (dependent unit), or 12 digits (personal ID number); {problem}"
    )]
    TaxCodeFormat {
        /// What is wrong, without repeating the value (it may be a personal ID number).
        problem: String,
    },
    /// The event type is not one of the five EPCIS types.
    #[error(
        "event type: must be one of ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent; found {found:?}"
    )]
    UnknownEventType {
        /// The text that was given.
        found: String,
    },
    /// The action is not an EPCIS action.
    #[error("action: must be one of ADD, OBSERVE, DELETE; found {found:?}")]
    UnknownAction {
        /// The text that was given.
        found: String,
    },
    /// The identifier role is not one we store.
    #[error(
        "identifier role: must be one of epc, parent, input, output, epc_class, input_class, output_class; found {found:?}"
    )]
    UnknownIdentifierRole {
        /// The text that was given.
        found: String,
    },
    /// The event hash is not a CBV 2.0 `ni:` URI.
    #[error("event hash: must be ni:///sha-256;<64 lower-case hex digits>?ver=CBV2.0")]
    EventHashFormat,
    /// The eventID is not an absolute URI.
    #[error(
        "eventID: must be an absolute URI (such as urn:uuid:…) of at most {max} characters without spaces"
    )]
    EventIdFormat {
        /// The longest eventID accepted.
        max: usize,
    },
    /// A 12-digit personal ID number was given for an organisation that is not a household.
    #[error(
        "tax code: a 12-digit personal ID number is accepted only for a household, not for a {kind}; give the 10-digit tax code (MST)"
    )]
    PersonalIdNotAllowed {
        /// The kind of organisation being registered.
        kind: OrganisationKind,
    },
    /// The text is not a UUID at all (ids other than an organisation's).
    #[error("{what}: must be a UUID such as 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f, found {found:?}")]
    IdSyntax {
        /// Which id, e.g. "API key id".
        what: &'static str,
        /// The text that was given.
        found: String,
    },
    /// The UUID is not version 7 (ids other than an organisation's).
    #[error("{what}: must be a UUID version 7, found version {found}")]
    IdVersion {
        /// Which id, e.g. "capture job id".
        what: &'static str,
        /// The version number of the UUID that was given.
        found: usize,
    },
    /// A paging token is not one this server handed out.
    #[error(
        "nextPageToken: not a token from a previous page of this query; start again without it"
    )]
    EventCursorFormat,
    /// An API key scope name is not one we know.
    #[error("API key scope: must be one of organisation, province, partner; found {found:?}")]
    UnknownApiKeyScope {
        /// The text that was given.
        found: String,
    },
    /// A capture grant for a partner that is not a solution provider.
    #[error(
        "permission: only a solution provider captures on an organisation's behalf; {partner} is a data recipient, so it may only be given read"
    )]
    CaptureNeedsSolutionProvider {
        /// The partner's name.
        partner: String,
    },
    /// A capture error behaviour name is not one we know.
    #[error("capture error behaviour: must be one of rollback, proceed; found {found:?}")]
    UnknownCaptureErrorBehaviour {
        /// The text that was given.
        found: String,
    },
    /// A query name has characters or a length the REST bindings cannot carry in a path.
    #[error(
        "query name: must be 1 to {max} characters of A-Z, a-z, 0-9, '-', '.', '_' or '~'; found {found:?}"
    )]
    QueryNameFormat {
        /// The longest name accepted.
        max: usize,
        /// The name given (cut after `max + 1` characters).
        found: String,
    },
    /// A schedule field is not `*` or a list of numbers and ranges in its range.
    #[error(
        "schedule {field}: must be * or a comma-separated list of numbers and [a-b] ranges from {min} to {max}; found {found:?}"
    )]
    ScheduleField {
        /// The field, as the REST bindings spell it.
        field: &'static str,
        /// Its smallest value.
        min: u32,
        /// Its largest value.
        max: u32,
        /// What was given (cut after 64 characters).
        found: String,
    },
    /// A schedule names no field, so it would never say when to run.
    #[error("schedule: give at least one of second, minute, hour, dayOfMonth, month, dayOfWeek")]
    ScheduleEmpty,
    /// An e-mail address is not one.
    #[error("email: must be an address such as ten@example.vn; {problem}")]
    EmailFormat {
        /// What is wrong with it.
        problem: String,
    },
    /// A role name is not one we know.
    #[error(
        "role: must be one of province_admin, inspector, org_admin, org_staff; found {found:?}"
    )]
    UnknownRole {
        /// The text that was given.
        found: String,
    },
    /// An organisation role was given without its organisation.
    #[error("organisation: the role {role} belongs to one organisation; give the organisation")]
    RoleNeedsOrganisation {
        /// The role given.
        role: Role,
    },
    /// A province role was given with an organisation.
    #[error(
        "organisation: the role {role} belongs to the province, not to an organisation; leave it empty"
    )]
    RoleForbidsOrganisation {
        /// The role given.
        role: Role,
    },
    /// A person's name is empty, too long or has control characters.
    #[error("name: must be 1 to {max} characters without line breaks or tabs")]
    PersonName {
        /// The longest name accepted.
        max: usize,
    },
    /// A user status name is not one we know.
    #[error("user status: must be one of active, disabled; found {found:?}")]
    UnknownUserStatus {
        /// The text that was given.
        found: String,
    },
    /// A password is too short or too long.
    #[error("password: must be {min} to {max} characters long, found {found}")]
    PasswordLength {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
        /// How many were given.
        found: usize,
    },
    /// A stored password hash is not an argon2id PHC string.
    #[error("password hash: must be an argon2id PHC string ($argon2id$…)")]
    PasswordHashFormat,
    /// An audit actor is not `user:<id>`, `api_key:<id>` or `cli`.
    #[error("actor: must be user:<user id>, api_key:<key id> or cli; found {found:?}")]
    ActorFormat {
        /// The text that was given.
        found: String,
    },
    /// An audit entity kind is not one we know.
    #[error(
        "entity kind: must be one of organisation, api_key, user, session, facility, product, product_group, media, training, guidance, resolver_link, stamp_run, partner, grant; found {found:?}"
    )]
    UnknownEntityKind {
        /// The text that was given.
        found: String,
    },
    /// An audit action is not one we record.
    #[error("action: not an audited action; found {found:?}")]
    UnknownAuditAction {
        /// The text that was given.
        found: String,
    },
    /// A text field that must not be empty is empty.
    #[error("{field}: must not be empty")]
    TextEmpty {
        /// The field.
        field: &'static str,
    },
    /// A text field is longer than its limit.
    #[error("{field}: must be at most {max} characters, found {found}")]
    TextTooLong {
        /// The field.
        field: &'static str,
        /// The largest number of characters allowed.
        max: usize,
        /// The number of characters found, after trimming.
        found: usize,
    },
    /// A one-line text field holds a control character such as a line break.
    #[error(
        "{field}: must not contain control characters such as line breaks (character {position})"
    )]
    TextControlCharacter {
        /// The field.
        field: &'static str,
        /// 1-based position of the character in the trimmed text.
        position: usize,
    },
    /// A code field breaks its pattern.
    #[error("{field}: {rule}; found {found:?}")]
    CodeSyntax {
        /// The field.
        field: &'static str,
        /// The pattern, in words.
        rule: &'static str,
        /// The text that was given.
        found: String,
    },
    /// A GS1 key does not follow its rules; the message starts with the key's name (GTIN, GLN…).
    #[error(transparent)]
    Key(#[from] nguon_gs1::KeyError),
    /// A coordinate is out of range or not a number.
    #[error("{field}: {rule}; found {found:?}")]
    Coordinate {
        /// The field.
        field: &'static str,
        /// The rule broken.
        rule: &'static str,
        /// The text or value that was given.
        found: String,
    },
    /// A number is outside its allowed range.
    #[error("{field}: must be {rule}; found {found}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The range, in words.
        rule: &'static str,
        /// The value that was given.
        found: String,
    },
    /// A value is not one of a closed list.
    #[error("{field}: must be one of {allowed}; found {found:?}")]
    NotInList {
        /// The field.
        field: &'static str,
        /// The allowed values.
        allowed: String,
        /// The text that was given.
        found: String,
    },
    /// A certificate expires before it was issued.
    #[error("certificate expiry: {expires} is before the issue date {issued}")]
    CertificateDates {
        /// The issue date.
        issued: time::Date,
        /// The expiry date.
        expires: time::Date,
    },
    /// An uploaded image is not a format the portal serves.
    #[error("image: must be a PNG, JPEG or WebP file of at most {max} bytes; {found}")]
    ImageFile {
        /// The largest size accepted.
        max: usize,
        /// What was wrong.
        found: String,
    },
    /// An uploaded guidance file is not a format the library serves.
    #[error(
        "file: must be a PDF, DOCX, XLSX, PNG, JPEG or WebP file of at most {max} bytes; {found}"
    )]
    DocumentFile {
        /// The largest size accepted.
        max: usize,
        /// What was wrong.
        found: String,
    },
    /// An administrative-unit code does not have its fixed number of digits.
    #[error("{field}: must be exactly {digits} digits, leading zeros included; found {found:?}")]
    AdminCodeFormat {
        /// The field, e.g. "commune code".
        field: &'static str,
        /// How many digits this kind of code has.
        digits: usize,
        /// What was given (cut after 16 characters).
        found: String,
    },
    /// A province code that is not one of the current provinces.
    #[error(
        "province code: must be one of the 34 provinces in force since 01/07/2025, found {code}"
    )]
    UnknownProvince {
        /// The code given.
        code: ProvinceCode,
    },
    /// A commune code that is not a current commune, ward or special zone.
    #[error(
        "commune code: must be a commune, ward or special zone in force since 01/07/2025, found {code}; give a pre-2025 code as the legacy commune code"
    )]
    UnknownCommune {
        /// The code given.
        code: CommuneCode,
    },
    /// A legacy province code that was not in the pre-2025 list.
    #[error(
        "legacy province code: must be one of the 63 provinces before 01/07/2025, found {code}"
    )]
    UnknownLegacyProvince {
        /// The code given.
        code: ProvinceCode,
    },
    /// A legacy district code that was not in the pre-2025 list.
    #[error(
        "legacy district code: must be a district in the last list before 01/07/2025 (GSO, 18/07/2025), found {code}"
    )]
    UnknownLegacyDistrict {
        /// The code given.
        code: DistrictCode,
    },
    /// A legacy commune code that was not in the pre-2025 list.
    #[error(
        "legacy commune code: must be a commune in the last list before 01/07/2025 (GSO, 18/07/2025), found {code}"
    )]
    UnknownLegacyCommune {
        /// The code given.
        code: CommuneCode,
    },
    /// The street line of an address is empty, too long or has control characters.
    #[error("street: must be 1 to {max} characters without line breaks or tabs")]
    AddressStreet {
        /// The longest street line accepted.
        max: usize,
    },
    /// A legacy commune that did not become (part of) the address's current commune.
    #[error(
        "legacy commune code: {legacy} did not go into commune {commune} in the 2025 reorganisation"
    )]
    LegacyCommuneMismatch {
        /// The legacy commune given.
        legacy: CommuneCode,
        /// The current commune of the address.
        commune: CommuneCode,
    },
    /// A legacy district none of whose territory went into the address's current commune.
    #[error(
        "legacy district code: no part of district {legacy} went into commune {commune} in the 2025 reorganisation"
    )]
    LegacyDistrictMismatch {
        /// The legacy district given.
        legacy: DistrictCode,
        /// The current commune of the address.
        commune: CommuneCode,
    },
    /// A legacy commune and legacy district that do not belong together.
    #[error("legacy district code: legacy commune {commune} was in district {actual}, not {given}")]
    LegacyCommuneOutsideDistrict {
        /// The legacy commune.
        commune: CommuneCode,
        /// The district it belonged to.
        actual: DistrictCode,
        /// The district given.
        given: DistrictCode,
    },
    /// A personal field name that is not one of [`crate::PersonalField::ALL`].
    #[error("personal field: must be one of name, address, phone; found {found:?}")]
    UnknownPersonalField {
        /// The text found.
        found: String,
    },
    /// Consent or erasure asked of an organisation that is not a household.
    #[error("organisation: only a household holds personal data, not a {kind}")]
    NotAHousehold {
        /// The organisation's kind.
        kind: OrganisationKind,
    },
    /// An erasure reason that is not one of [`crate::ErasureReason::ALL`].
    #[error("erasure reason: must be request or retention; found {found:?}")]
    UnknownErasureReason {
        /// The text found.
        found: String,
    },
    /// A retention period shorter than the floor.
    #[error("{key}: must be at least {floor} days (FSMA 204 keeps records 2 years); found {days}")]
    RetentionTooShort {
        /// The config key.
        key: String,
        /// The period given.
        days: u32,
        /// The shortest period accepted.
        floor: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_key_errors_keep_the_name_of_the_key() {
        let error = DomainError::from(nguon_gs1::Gtin::parse("8934673000018").unwrap_err());
        let text = error.to_string();
        assert!(text.starts_with("GTIN: check digit"), "{text}");
        let error = DomainError::from(nguon_gs1::Gln::parse("893467300001").unwrap_err());
        assert!(error.to_string().starts_with("GLN: "), "{error}");
    }
}
