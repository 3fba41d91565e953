//! The storage boundary of Nguồn: the [`Store`] trait that every back end implements, its one
//! error type [`StoreError`], the query and page types it uses, and [`DatabaseUrl`], which picks
//! a back end from a connection string.

#![warn(missing_docs)]

mod accounts;
mod backup;
mod chain;
mod error;
mod event;
mod outreach;
mod partners;
mod plan;
mod privacy;
mod quality;
mod query;
mod recall;
mod record;
mod registry;
mod resolver;
mod stamps;
mod store;
mod subscription;
mod sync;
mod url;

pub use accounts::{
    AuditPage, AuditRecord, SessionRecord, UserRecord, audit_json_text, email_taken,
    no_such_session, no_such_user, snapshot,
};
pub use backup::{
    BackupManifest, EventDigest, MANIFEST_FORMAT, event_digest, refuse_existing_file,
};
pub use chain::{
    ChainEntry, ChainHead, ChainRow, ChainStore, ChainedEvent, Checkpoint, Link, MAX_CHAIN_PAGE,
    UnchainedEvent, chain_owner, extend_chains, genesis_link, link_from_bytes, next_link,
};
pub use error::{StoreError, io_reason};
pub use event::{
    EventRecord, ExistingEvent, MAX_IDENTIFIERS_PER_EVENT, MAX_LINKS_PER_EVENT, SkipPlan,
    check_batch, event_already_captured, first_already_captured, identifier_set, indexed_links,
    plan_skipping, storage_problem,
};
pub use outreach::{
    GuidanceRow, MAX_GUIDANCE, MAX_TRAININGS, OutreachStore, TrainingRow, guidance_audit,
    no_such_guidance, no_such_participant, no_such_training, training_audit,
};
pub use partners::{
    GrantFilter, GrantRecord, PartnerRecord, PartnerStore, grant_already_live, grant_audit,
    no_such_grant, no_such_partner, partner_audit, partner_name_taken,
};
pub use plan::{
    Dimension, DimensionTally, OrganisationTally, PlanStore, ShapeRow, ShapeTally, count_of,
    organisation_tally, product_chain,
};
pub use privacy::{
    ConsentRecord, MAX_LISTED_EVENTS, PrivacyStore, RetentionDue, already_erased, consent_audit,
    consent_fields_column, consent_of, erasure_audit, erasure_withdrawal, personal_data_export,
    retention_due,
};
pub use quality::{
    LotQualityRecord, MAX_QUALITY_PAGE, OrganisationQualityRecord, QualityStore, breakdown_json,
    quality_page,
};
pub use query::{
    MAX_HIERARCHY_DEPTH, QueriedEventRecord, event_fetch_limit, event_page, prefix_upper_bound,
};
pub use recall::{
    MAX_RECALLS_PAGE, RecallRecord, RecallStore, RecalledLotRecord, no_such_recall,
    recall_status_conflict, recalls_page, status_columns,
};
pub use record::{
    ApiKeyRecord, CaptureJobRecord, OrganisationColumns, OrganisationRecord, attributes_from_json,
    attributes_json, errors_json, last_of_each_element,
};
pub use registry::{
    MAX_RECORDS_PAGE, RecordQuery, RecordRow, RecordWrite, Registry, RegistryStore, image_audit,
    image_from_columns, no_such_image, no_such_record, record_key_fixed, record_key_taken,
};
pub use resolver::{
    ONE_DEFAULT_INDEX, ResolverLinkRecord, ResolverStore, default_link_taken,
    no_such_resolver_link, resolver_link_audit, resolver_link_taken,
};
pub use stamps::{
    MAX_STAMP_RUNS_PAGE, SCAN_INSERT, SCAN_TALLY_GROUPS, SCAN_TALLY_SELECT, SCANS_PER_INSERT,
    STAMP_TOTALS, ScanTallyRow, StampRunRecord, StampStore, no_such_stamp_run, scan_tally,
    stamp_cap_exceeded, stamp_run_audit, stamp_runs_page, stamp_total,
};
pub use store::{
    AppendOutcome, EventPage, EventResource, MAX_CAPTURE_JOBS_PAGE, MAX_EVENTS_PER_LOOKUP,
    MAX_LINKED_ROWS, MAX_RESOURCE_PAGE, OrganisationFilter, OrganisationPage, OrganisationQuery,
    QueriedEvent, Store, company_prefix_candidates, now_utc,
};
pub use subscription::{
    MAX_SUBSCRIPTION_ERROR, NamedQueryRecord, SubscriptionRecord, no_such_query,
    no_such_subscription, query_name_taken, schedule_json, subscription_error,
};
pub use sync::{
    DELIVERY_SELECT, DeliveryQuery, DeliveryRow, MAX_DELIVERIES_PAGE, OutcomeColumns, SyncStore,
    event_runs, no_such_delivery, not_failed, outbox_subject, retry_audit, subject_columns,
};
pub use url::{DatabaseUrl, InvalidDatabaseUrl, PostgresUrl};
