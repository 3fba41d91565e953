//! The `Store` trait and the small types its methods take and return.

use async_trait::async_trait;
use nguon_domain::{
    Access, Actor, Address, AuditQuery, CommuneCode, Email, NewSession, NewUser, PasswordHash,
    Session, SessionId, User, UserId, UserStatus,
};
use nguon_domain::{
    ApiKey, ApiKeyId, ApprovalStatus, CaptureJob, CaptureJobId, EventCursor, EventId, EventQuery,
    IdentifierRole, NamedQuery, NewApiKey, NewCaptureJob, NewEvent, NewNamedQuery, NewOrganisation,
    NewSubscription, Organisation, OrganisationId, OrganisationKind, Owners, QueryName,
    StoredEvent, Subscription, SubscriptionId, TraceDirection, VocabularyElement,
};
use nguon_gs1::CompanyPrefix;
use time::OffsetDateTime;

use crate::{
    AuditPage, ChainStore, OutreachStore, PartnerStore, PlanStore, PrivacyStore, QualityStore,
    RecallStore, RegistryStore, ResolverStore, StampStore, StoreError, SyncStore,
};

/// Everything Nguồn keeps, behind one object-safe trait so the server holds an `Arc<dyn Store>`
/// and does not care which database is underneath.
///
/// Every back end must behave the same; `crates/store-tests` runs one story against each to
/// hold them to it. Recall records are the [`RecallStore`] half and facilities, products and
/// product groups the [`RegistryStore`] half, the Plan 140 aggregates the [`PlanStore`] half,
/// training and guidance the [`OutreachStore`] half, lots' data-quality scores the
/// [`QualityStore`] half, resolver links the [`ResolverStore`] half, stamp runs the
/// [`StampStore`] half, partner systems and their grants the [`PartnerStore`] half, deliveries to
/// the national portal the [`SyncStore`] half, the event chains and their checkpoints the
/// [`ChainStore`] half, households' consent statements and erasures the [`PrivacyStore`] half,
/// each kept in its own file.
#[async_trait]
pub trait Store:
    RecallStore
    + RegistryStore
    + PlanStore
    + OutreachStore
    + QualityStore
    + ResolverStore
    + StampStore
    + SyncStore
    + PartnerStore
    + ChainStore
    + PrivacyStore
    + Send
    + Sync
{
    /// Checks that the database answers a trivial query (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Gathers fresh table statistics for the query planner (`ANALYZE`; on PostgreSQL with
    /// `VACUUM`), as wanted after a bulk load: without them a freshly filled PostgreSQL database
    /// plans identifier lookups as scans, and reads the table in index-only scans, until
    /// autovacuum gets round to it.
    async fn refresh_statistics(&self) -> Result<(), StoreError>;

    /// Closes the connection pool, waiting for connections in use to be returned. Later calls fail
    /// with [`StoreError::Unavailable`].
    async fn close(&self);

    /// Registers an organisation as pending, with its audit entry by `actor`. A tax code already
    /// registered is a [`StoreError::Conflict`].
    async fn create_organisation(
        &self,
        new: &NewOrganisation,
        actor: Actor,
    ) -> Result<Organisation, StoreError>;

    /// Registers organisations as pending, each with its GS1 company prefixes, all in one
    /// transaction with their audit entries: all or nothing, as an import needs. A tax code or
    /// prefix already registered (or twice in the batch) is a [`StoreError::Conflict`], and
    /// nothing is written then.
    async fn create_organisations(
        &self,
        batch: &[(NewOrganisation, Vec<CompanyPrefix>)],
        actor: Actor,
    ) -> Result<Vec<Organisation>, StoreError>;

    /// Fetches one organisation, or [`StoreError::NotFound`].
    async fn organisation(&self, id: OrganisationId) -> Result<Organisation, StoreError>;

    /// Lists organisations in creation (id) order, one page at a time.
    async fn list_organisations(
        &self,
        query: &OrganisationQuery,
    ) -> Result<OrganisationPage, StoreError> {
        self.search_organisations(query, &OrganisationFilter::default())
            .await
    }

    /// Lists organisations as [`Store::list_organisations`] does, keeping only those `filter`
    /// lets through.
    async fn search_organisations(
        &self,
        query: &OrganisationQuery,
        filter: &OrganisationFilter,
    ) -> Result<OrganisationPage, StoreError>;

    /// Moves an organisation to `status` if the domain allows the transition from its current
    /// status. The check and the write are one atomic step, so two officers acting at once cannot
    /// both pass the check against the same old status. Audited as done by `actor`.
    async fn set_organisation_status(
        &self,
        id: OrganisationId,
        status: ApprovalStatus,
        actor: Actor,
    ) -> Result<Organisation, StoreError>;

    /// Sets, changes or (with `None`) clears an organisation's address, audited as done by
    /// `actor` with the address before and after.
    async fn set_organisation_address(
        &self,
        id: OrganisationId,
        address: Option<&Address>,
        actor: Actor,
    ) -> Result<Organisation, StoreError>;

    /// Registers a GS1 company prefix to an organisation. Doing it again for the same
    /// organisation changes nothing; a prefix held by another organisation is a
    /// [`StoreError::Conflict`]. Returns the organisation with its prefixes. A prefix added is
    /// audited as done by `actor`.
    async fn add_company_prefix(
        &self,
        id: OrganisationId,
        prefix: &CompanyPrefix,
        actor: Actor,
    ) -> Result<Organisation, StoreError>;

    /// Finds who owns a GS1 key: the organisation holding the longest registered company prefix
    /// that starts `digits`, with that prefix.
    ///
    /// `digits` are the key's digits from where the company prefix begins: a GTIN-13, a GLN, a
    /// GTIN-14 without its indicator digit, an SSCC without its extension digit. Text that is not
    /// all ASCII digits has no owner (`None`).
    async fn organisation_for_key(
        &self,
        digits: &str,
    ) -> Result<Option<(Organisation, CompanyPrefix)>, StoreError>;

    /// Appends events in one transaction, all or nothing, with one record time, which it
    /// returns. An event that repeats the eventID or hash of an event its owner already has, or
    /// of an earlier event in the batch, is a [`StoreError::Conflict`] naming its position (from
    /// 1); an owner that does not exist is [`StoreError::NotFound`]. Nothing is written then.
    async fn append_events(&self, events: &[NewEvent]) -> Result<OffsetDateTime, StoreError>;

    /// One event of an organisation by eventID, or [`StoreError::NotFound`].
    async fn event(
        &self,
        owner: OrganisationId,
        event_id: &EventId,
    ) -> Result<StoredEvent, StoreError>;

    /// The events, of every organisation, that name `identifier` in one of `roles` (any role
    /// when empty), in capture order, at most `limit` (clamped to 1..=10,000). Traces and
    /// `MATCH_` queries start here.
    async fn events_with_identifier(
        &self,
        identifier: &str,
        roles: &[IdentifierRole],
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The events naming any of `identifiers` in any role, each once, in capture order: for
    /// each identifier its first `limit_each` (clamped to 1..=10,000). One round trip for a
    /// level of a trace, or for all of one read ahead.
    ///
    /// Read as a genealogy walk and the evidence packs use them: without the field index, so
    /// each event's `fields` is empty. That index serves queries only, and the document holds
    /// the same values; leaving it out halves the cost of the read.
    async fn events_naming_any(
        &self,
        identifiers: &[String],
        limit_each: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// The identifiers a genealogy walk from `start` in `direction` reaches through the links
    /// of stored events ([`NewEvent::lot_links`], at most [`MAX_LINKS_PER_EVENT`] per event),
    /// `start` first, then nearest first and in byte order; each once, within `max_depth` links.
    /// The walk ends after `limit` rows (clamped to 1..=[`MAX_LINKED_ROWS`]; an identifier
    /// reached at two depths takes two), so cycles end and the list may be partial: it tells a
    /// trace what to read ahead in one round trip, and the trace reads anything missing itself.
    ///
    /// [`MAX_LINKS_PER_EVENT`]: crate::MAX_LINKS_PER_EVENT
    async fn linked_identifiers(
        &self,
        start: &str,
        direction: TraceDirection,
        max_depth: u32,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;

    /// Every organisation's events with a sequence above `after_sequence`, in capture order, at
    /// most `limit` (clamped to 1..=10,000): backups and integrity checks read the whole log
    /// page by page with it.
    async fn events_after(
        &self,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    /// Appends events for capture's "proceed" mode: an event whose eventID or hash its owner
    /// already has (in the database or earlier in the batch), or that breaks a storage limit, is
    /// skipped and reported by position (from 1) with the reason; the rest are appended in one
    /// transaction with one record time. An owner that does not exist is
    /// [`StoreError::NotFound`], and nothing is written.
    async fn append_events_skipping_conflicts(
        &self,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError>;

    /// One page of the events matching `query`, in its order, with the cursor of the next page.
    /// One statement per page; every filter is served by an index.
    async fn query_events(&self, query: &EventQuery) -> Result<EventPage, StoreError>;

    /// The distinct values of one EPCIS top-level resource (`/eventTypes`, `/epcs`,
    /// `/bizSteps`, …) among the events of `owners`, ascending, after `after`, at most `limit`
    /// (clamped to `1..=MAX_RESOURCE_PAGE`).
    async fn event_resource_values(
        &self,
        owners: &Owners,
        resource: EventResource,
        after: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError>;

    /// Stores a new API key. An organisation key for an organisation that does not exist, or a
    /// partner key for a partner that does not exist, is [`StoreError::NotFound`]; a token hash already stored is a [`StoreError::Conflict`].
    /// Audited as done by `actor`.
    async fn create_api_key(&self, new: &NewApiKey, actor: Actor) -> Result<ApiKey, StoreError>;

    /// The key whose token hashes to `token_hash`, revoked or not (the caller checks
    /// `revoked_at`), or `None`.
    async fn api_key_by_token_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<ApiKey>, StoreError>;

    /// The organisation's keys, revoked ones included, oldest first.
    async fn list_api_keys(&self, owner: OrganisationId) -> Result<Vec<ApiKey>, StoreError>;

    /// Revokes a key and returns it; revoking it again keeps the first revocation time. An
    /// unknown id is [`StoreError::NotFound`]. The first revocation is audited as done by
    /// `actor`.
    async fn revoke_api_key(&self, id: ApiKeyId, actor: Actor) -> Result<ApiKey, StoreError>;

    /// Records a capture job as running. An owner that does not exist is
    /// [`StoreError::NotFound`].
    async fn create_capture_job(&self, new: &NewCaptureJob) -> Result<CaptureJob, StoreError>;

    /// Marks a running job finished with its outcome. A job that is not running is a
    /// [`StoreError::Conflict`]; an unknown id is [`StoreError::NotFound`].
    async fn finish_capture_job(
        &self,
        id: CaptureJobId,
        success: bool,
        captured_count: u32,
        errors: &[String],
    ) -> Result<CaptureJob, StoreError>;

    /// One capture job, if `owner` may see it (any job when `None`); otherwise, or when it does
    /// not exist, [`StoreError::NotFound`].
    async fn capture_job(
        &self,
        owner: Option<OrganisationId>,
        id: CaptureJobId,
    ) -> Result<CaptureJob, StoreError>;

    /// The capture jobs `owner` may see (all when `None`), newest first, older than `after`, at
    /// most `limit` (clamped to `1..=MAX_CAPTURE_JOBS_PAGE`).
    async fn list_capture_jobs(
        &self,
        owner: Option<OrganisationId>,
        after: Option<CaptureJobId>,
        limit: u32,
    ) -> Result<Vec<CaptureJob>, StoreError>;

    /// Marks every job still running as finished and failed with `reason`, and returns how many
    /// there were. Called at start-up: a job running then was cut off by a crash or restart.
    async fn fail_interrupted_capture_jobs(&self, reason: &str) -> Result<u64, StoreError>;

    /// Inserts or replaces vocabulary elements of `owner`: an element's attributes and children
    /// are replaced by the ones given (the last one wins if the same element repeats). An owner
    /// that does not exist is [`StoreError::NotFound`].
    async fn upsert_master_data(
        &self,
        owner: OrganisationId,
        vocabulary: &[VocabularyElement],
    ) -> Result<(), StoreError>;

    /// One vocabulary element of `owner`, or, when `None`, of the organisation that registered
    /// first among those defining it; `None` if nobody does.
    async fn master_data_element(
        &self,
        owner: Option<OrganisationId>,
        vocabulary_type: &str,
        id: &str,
    ) -> Result<Option<VocabularyElement>, StoreError>;

    /// Stores a named query. A name the owner already uses is a [`StoreError::Conflict`]; an
    /// owner that does not exist is [`StoreError::NotFound`].
    async fn create_named_query(&self, new: &NewNamedQuery) -> Result<NamedQuery, StoreError>;

    /// One named query of `owner`, or [`StoreError::NotFound`].
    async fn named_query(
        &self,
        owner: OrganisationId,
        name: &QueryName,
    ) -> Result<NamedQuery, StoreError>;

    /// The named queries of `owner`, by name.
    async fn list_named_queries(
        &self,
        owner: OrganisationId,
    ) -> Result<Vec<NamedQuery>, StoreError>;

    /// Deletes a named query and its subscriptions, in one step; an unknown name is
    /// [`StoreError::NotFound`].
    async fn delete_named_query(
        &self,
        owner: OrganisationId,
        name: &QueryName,
    ) -> Result<(), StoreError>;

    /// Stores a subscription to a named query of its owner; an unknown query is
    /// [`StoreError::NotFound`].
    async fn create_subscription(&self, new: &NewSubscription) -> Result<Subscription, StoreError>;

    /// One subscription, if `owner` has it (any owner's when `None`); otherwise
    /// [`StoreError::NotFound`].
    async fn subscription(
        &self,
        owner: Option<OrganisationId>,
        id: SubscriptionId,
    ) -> Result<Subscription, StoreError>;

    /// The subscriptions of `owner` (every owner's when `None`), to `query_name` only when
    /// given, oldest first.
    async fn list_subscriptions(
        &self,
        owner: Option<OrganisationId>,
        query_name: Option<&QueryName>,
    ) -> Result<Vec<Subscription>, StoreError>;

    /// Deletes a subscription of `owner`; an unknown one is [`StoreError::NotFound`].
    async fn delete_subscription(
        &self,
        owner: OrganisationId,
        id: SubscriptionId,
    ) -> Result<(), StoreError>;

    /// Records a delivery the destination accepted at `notified_at`: moves the cursor to
    /// `delivered` when given (an empty report leaves it) and clears the failures. A
    /// subscription deleted meanwhile is [`StoreError::NotFound`].
    async fn advance_subscription(
        &self,
        id: SubscriptionId,
        delivered: Option<EventCursor>,
        notified_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Records a delivery given up on: counts it and keeps `error` (cut to
    /// [`crate::MAX_SUBSCRIPTION_ERROR`] characters); the cursor stays, so the events are sent
    /// again next time. A subscription deleted meanwhile is [`StoreError::NotFound`].
    async fn record_subscription_failure(
        &self,
        id: SubscriptionId,
        error: &str,
    ) -> Result<(), StoreError>;

    /// Creates an active user, with its audit entry by `actor`. An address already in use is a
    /// [`StoreError::Conflict`]; an organisation that does not exist is
    /// [`StoreError::NotFound`].
    async fn create_user(&self, new: &NewUser, actor: Actor) -> Result<User, StoreError>;

    /// One user, or [`StoreError::NotFound`].
    async fn user(&self, id: UserId) -> Result<User, StoreError>;

    /// The user signing in with `email`, if any.
    async fn user_by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;

    /// The users of `organisation`, or every user when `None`, by e-mail address.
    async fn list_users(
        &self,
        organisation: Option<OrganisationId>,
    ) -> Result<Vec<User>, StoreError>;

    /// Gives a user another role or organisation, audited as done by `actor`.
    async fn set_user_access(
        &self,
        id: UserId,
        access: Access,
        actor: Actor,
    ) -> Result<User, StoreError>;

    /// Enables or disables a user, audited as done by `actor`. Disabling also revokes every
    /// session of the user in the same transaction, so it signs the user out at once.
    async fn set_user_status(
        &self,
        id: UserId,
        status: UserStatus,
        actor: Actor,
    ) -> Result<User, StoreError>;

    /// Replaces a user's password hash and revokes every session of the user except `keep` (the
    /// one that asked for the change), in one transaction, audited as done by `actor`.
    async fn set_user_password(
        &self,
        id: UserId,
        password_hash: &PasswordHash,
        keep: Option<SessionId>,
        actor: Actor,
    ) -> Result<User, StoreError>;

    /// Opens a session, audited as done by its user. A user that does not exist is
    /// [`StoreError::NotFound`].
    async fn create_session(&self, new: &NewSession) -> Result<Session, StoreError>;

    /// The session whose token hashes to `token_hash`, live or not (the caller checks), or
    /// `None`.
    async fn session_by_token_hash(
        &self,
        token_hash: &[u8; 32],
    ) -> Result<Option<Session>, StoreError>;

    /// Records that a session served a request at `at`, which restarts its idle timeout. Not
    /// audited: it is bookkeeping, not a change anyone makes.
    async fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<(), StoreError>;

    /// Revokes a session, audited as done by `actor`; revoking it again changes nothing and keeps
    /// the first time. An unknown id is [`StoreError::NotFound`].
    async fn revoke_session(&self, id: SessionId, actor: Actor) -> Result<Session, StoreError>;

    /// Revokes every live session of a user, each audited as done by `actor`, in one
    /// transaction; returns how many there were.
    async fn revoke_user_sessions(&self, user: UserId, actor: Actor) -> Result<u64, StoreError>;

    /// One page of the audit log, newest first.
    async fn search_audit_log(&self, query: &AuditQuery) -> Result<AuditPage, StoreError>;
}

/// Largest page of [`Store::event_resource_values`].
pub const MAX_RESOURCE_PAGE: u32 = 1_000;

/// Largest page of [`Store::list_capture_jobs`].
pub const MAX_CAPTURE_JOBS_PAGE: u32 = 500;

/// What [`Store::append_events_skipping_conflicts`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The record time of every appended event.
    pub record_time: OffsetDateTime,
    /// The events not appended: position in the batch (from 1) and why.
    pub skipped: Vec<(usize, String)>,
}

/// One page of [`Store::query_events`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPage {
    /// The events, in the query's order.
    pub events: Vec<QueriedEvent>,
    /// Where the next page starts, or `None` when this is the last page.
    pub next: Option<EventCursor>,
}

/// An event as a query returns it: what a response needs, without re-reading identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueriedEvent {
    /// The store sequence (capture order).
    pub sequence: i64,
    /// The organisation that captured it.
    pub owner: OrganisationId,
    /// The eventID.
    pub event_id: EventId,
    /// When it was captured.
    pub record_time: OffsetDateTime,
    /// When it happened.
    pub event_time: OffsetDateTime,
    /// Its canonical JSON-LD.
    pub document: String,
}

/// The EPCIS top-level resources whose values [`Store::event_resource_values`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventResource {
    /// `/eventTypes`.
    EventTypes,
    /// `/epcs`: identifiers in the roles epc, parent, input or output.
    Epcs,
    /// `/bizSteps`.
    BizSteps,
    /// `/bizLocations`.
    BizLocations,
    /// `/readPoints`.
    ReadPoints,
    /// `/dispositions`.
    Dispositions,
}

impl EventResource {
    /// The identifier roles `/epcs` lists: instance-level identifiers, not classes.
    pub const EPC_ROLES: [IdentifierRole; 4] = [
        IdentifierRole::Epc,
        IdentifierRole::Parent,
        IdentifierRole::Input,
        IdentifierRole::Output,
    ];

    /// The `events` column holding the values, for the resources that are one.
    pub fn events_column(self) -> Option<&'static str> {
        match self {
            Self::EventTypes => Some("event_type"),
            Self::Epcs => None,
            Self::BizSteps => Some("biz_step"),
            Self::BizLocations => Some("biz_location"),
            Self::ReadPoints => Some("read_point"),
            Self::Dispositions => Some("disposition"),
        }
    }
}

/// Largest number of events [`Store::events_with_identifier`] returns in one call.
pub const MAX_EVENTS_PER_LOOKUP: u32 = 10_000;

/// Largest number of rows one [`Store::linked_identifiers`] walk produces.
pub const MAX_LINKED_ROWS: u32 = 100_000;

/// Which organisations to list, and which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationQuery {
    /// Only organisations with this status; all when `None`.
    pub status: Option<ApprovalStatus>,
    /// Keyset cursor: only organisations created after this one (the previous page's
    /// [`OrganisationPage::next_after`]).
    pub after: Option<OrganisationId>,
    /// Page size, clamped to `1..=MAX_LIMIT`.
    pub limit: u32,
}

impl OrganisationQuery {
    /// Page size when none is given.
    pub const DEFAULT_LIMIT: u32 = 50;
    /// Largest page served, so one request cannot read the whole registry.
    pub const MAX_LIMIT: u32 = 500;

    /// The page size a back end must use.
    pub fn effective_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }

    /// How many rows a back end fetches: one more than the page, to learn whether another page
    /// follows without a second query.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.effective_limit()) + 1
    }

    /// Builds the page from up to [`Self::fetch_limit`] organisations in id order.
    pub fn page(&self, mut organisations: Vec<Organisation>) -> OrganisationPage {
        let limit = self.effective_limit() as usize;
        let next_after = if organisations.len() > limit {
            organisations.truncate(limit);
            organisations.last().map(|organisation| organisation.id)
        } else {
            None
        };
        OrganisationPage {
            organisations,
            next_after,
        }
    }
}

impl Default for OrganisationQuery {
    fn default() -> Self {
        Self {
            status: None,
            after: None,
            limit: Self::DEFAULT_LIMIT,
        }
    }
}

/// What an organisation list narrows by, beside [`OrganisationQuery`]'s status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationFilter {
    /// Only organisations of this kind.
    pub kind: Option<OrganisationKind>,
    /// Only organisations whose address is in this commune.
    pub commune: Option<CommuneCode>,
    /// Only organisations whose name contains this text (ignoring case and diacritics) or whose
    /// tax code contains it.
    pub text: Option<String>,
}

impl OrganisationFilter {
    /// The `LIKE … ESCAPE '\'` pattern for [`Self::text`], matched against both the folded
    /// name and the tax code; `None` when there is no text to look for.
    pub fn text_pattern(&self) -> Option<String> {
        let folded = nguon_domain::fold_for_search(self.text.as_deref()?);
        if folded.is_empty() {
            return None;
        }
        let mut pattern = String::with_capacity(folded.len() + 2);
        pattern.push('%');
        for c in folded.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Some(pattern)
    }
}

/// One page of organisations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationPage {
    /// The organisations on this page, in id (creation) order.
    pub organisations: Vec<Organisation>,
    /// The cursor for the next page, or `None` when this is the last page.
    pub next_after: Option<OrganisationId>,
}

/// The company prefixes that could own `digits`, longest first: every leading run of
/// 4 to 12 digits. Empty when `digits` is not all ASCII digits. For back ends implementing
/// [`Store::organisation_for_key`].
pub fn company_prefix_candidates(digits: &str) -> Vec<&str> {
    if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Vec::new();
    }
    let longest = digits.len().min(CompanyPrefix::MAX_LEN);
    (CompanyPrefix::MIN_LEN..=longest)
        .rev()
        .map(|len| &digits[..len])
        .collect()
}

/// The current time in UTC, cut to whole microseconds: PostgreSQL keeps no finer precision, and
/// cutting here makes both back ends return exactly the value they stored.
pub fn now_utc() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_leading_runs_longest_first() {
        assert_eq!(
            company_prefix_candidates("8934567890123"),
            [
                "893456789012",
                "89345678901",
                "8934567890",
                "893456789",
                "89345678",
                "8934567",
                "893456",
                "89345",
                "8934"
            ]
        );
        assert_eq!(company_prefix_candidates("89345"), ["89345", "8934"]);
        assert!(company_prefix_candidates("893").is_empty());
        assert!(company_prefix_candidates("").is_empty());
        assert!(company_prefix_candidates("8934x67890123").is_empty());
        assert!(company_prefix_candidates("８９３４５").is_empty());
    }

    #[test]
    fn limits_are_clamped() {
        let query = |limit| OrganisationQuery {
            limit,
            ..OrganisationQuery::default()
        };
        assert_eq!(query(0).effective_limit(), 1);
        assert_eq!(query(20).effective_limit(), 20);
        assert_eq!(
            query(100_000).effective_limit(),
            OrganisationQuery::MAX_LIMIT
        );
        assert_eq!(query(20).fetch_limit(), 21);
        assert_eq!(OrganisationQuery::default().limit, 50);
    }

    #[test]
    fn now_is_whole_microseconds_in_utc() {
        let now = now_utc();
        assert_eq!(now.nanosecond() % 1_000, 0);
        assert!(now.offset().is_utc());
    }

    #[test]
    fn search_text_is_folded_and_taken_literally() {
        let text = |text: &str| OrganisationFilter {
            text: Some(text.to_owned()),
            ..OrganisationFilter::default()
        };
        assert_eq!(
            text("  HTX Tôm  Sạch ").text_pattern().as_deref(),
            Some("%htx tom sach%")
        );
        assert_eq!(
            text("100%_a\\b").text_pattern().as_deref(),
            Some("%100\\%\\_a\\\\b%")
        );
        assert_eq!(text("   ").text_pattern(), None);
        assert_eq!(OrganisationFilter::default().text_pattern(), None);
    }
}
