//! Nguồn domain types: the tenant registry (organisations, their kinds, statuses, names and tax
//! codes), what is kept about each EPCIS event, the parsed event query, API keys, capture jobs,
//! master data, named queries and their subscriptions, portal accounts and the audit log, partner
//! systems and the grants organisations give them, recalls, facilities, products and the
//! province's product groups, and the Vietnamese administrative units that addresses name.
//! Every type is parsed once at the edge and valid by construction ("parse, don't validate"), so
//! code that holds one never checks it again. Pure: no I/O.

#![warn(missing_docs)]

mod account;
mod admin_unit;
mod api_key;
mod audit;
mod capture_job;
mod error;
mod event;
mod facility;
mod id;
mod master_data;
mod name;
mod organisation;
mod outreach;
mod partner;
mod privacy;
mod product;
mod quality;
mod query;
mod recall;
mod registry;
mod resolver;
mod scan;
mod stamp;
mod status;
mod subscription;
mod sync;
mod tax_code;
mod text;
pub mod units;

pub use account::{
    Access, Email, NewSession, NewUser, Password, PasswordHash, PersonName, Role, Session, User,
    UserStatus,
};
pub use admin_unit::{
    Address, AdminUnits, Commune, CommuneCode, CommuneKind, DistrictCode, LegacyCommune,
    LegacyDistrict, LegacyProvince, Province, ProvinceCode, ProvinceKind, Share, fold_for_search,
};
pub use api_key::{ApiKey, ApiKeyScope, NewApiKey};
pub use audit::{Actor, AuditAction, AuditEntry, AuditQuery, EntityKind, NewAuditEntry};
pub use capture_job::{CaptureErrorBehaviour, CaptureJob, NewCaptureJob};

pub use error::DomainError;
pub use event::{
    Action, EventHash, EventId, EventType, IdentifierRole, IndexedField, LinkKind, LotLink,
    NewEvent, StoredEvent, TraceDirection,
};
pub use facility::{
    Certificate, CertificateKind, Facility, FacilityDetails, FacilityKind, GeoPoint, Geometry,
    OfficialCode,
};
pub use id::{
    ApiKeyId, AuditEntryId, CaptureJobId, ConsentId, GrantId, GuidanceId, MediaId, OrganisationId,
    PartnerId, RecallId, RecordId, ResolverLinkId, SessionId, StampRunId, SubscriptionId,
    TrainingId, UserId,
};
pub use master_data::VocabularyElement;
pub use name::OrganisationName;
pub use organisation::{NewOrganisation, Organisation, OrganisationKind};
pub use outreach::{
    DocumentFile, DocumentType, Guidance, NewGuidance, NewTraining, Participant, Training,
};
pub use partner::{Grant, NewPartner, Partner, PartnerKind, PartnerStatus, Permission};
pub use privacy::{
    Consent, ConsentBasis, ERASED_FIELDS, Erasure, ErasureReason, NewConsent, PersonalField,
    Pseudonym, PublicIdentity, RETENTION_FLOOR_DAYS, RetentionPolicy, address_line, publishes,
};
pub use product::{
    Image, ImageType, NetContent, Product, ProductDetails, ProductForm, ProductGroup,
    ProductGroupCode, ProductGroupDetails, StandardRef,
};
pub use quality::{
    Bilingual, LotQuality, OrganisationQuality, QualityLine, QualityScore, QualitySection,
};
pub use query::{
    Comparison, Direction, EventCursor, EventQuery, FieldCondition, FieldFilter, IdentifierMatch,
    MAX_PAGE, OrderBy, Owners, TimeRange,
};
pub use recall::{NewRecall, Recall, RecallReason, RecallRole, RecallStatus, RecalledLot};
pub use registry::{Registered, RegistryDetails, RegistryKind};
pub use resolver::{
    GS1_VOCABULARY, LinkType, MAX_HREF_LEN, MAX_TITLE_LEN, NewResolverLink, ResolverLink, anchor_of,
};
pub use scan::{
    DeviceKind, FlaggedCode, LotScans, NewScan, ScanSignal, ScanTally, ScanThresholds, flag,
    lot_scans,
};
pub use stamp::{
    MAX_STAMPS_PER_RUN, NewStampRun, StampRun, StampState, StampTotal, sequence_number, stamp_cap,
};
pub use status::ApprovalStatus;
pub use subscription::{
    NamedQuery, NewNamedQuery, NewSubscription, QueryName, Schedule, ScheduleText, Subscription,
    Trigger,
};
pub use sync::{
    DeliveryOutcome, EVENTS_PER_OUTBOX_ROW, SubjectKind, SyncDelivery, SyncStatus, SyncSubject,
    SyncTotal, TargetName,
};
pub use tax_code::{TaxCode, TaxCodeForm};
pub use text::{RecordName, one_line, optional_line};
