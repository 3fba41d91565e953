//! The `Store` trait and the small types its methods take and return.

use async_trait::async_trait;
use nguon_domain::{
    EventId, IdentifierRole, NewEvent, NewOrganisation, Organisation, OrganisationId,
    OrganisationStatus, StoredEvent,
};
use nguon_gs1::CompanyPrefix;
use time::OffsetDateTime;

use crate::StoreError;

/// Everything Nguồn keeps, behind one object-safe trait so the server holds an `Arc<dyn Store>`
/// and does not care which database is underneath.
///
/// Every back end must behave the same; `crates/store-tests` runs one story against each to
/// hold them to it.
#[async_trait]
pub trait Store: Send + Sync {
    /// Checks that the database answers a trivial query (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Closes the connection pool, waiting for connections in use to be returned. Later calls fail
    /// with [`StoreError::Unavailable`].
    async fn close(&self);

    /// Registers an organisation as pending. A tax code already registered is a
    /// [`StoreError::Conflict`].
    async fn create_organisation(&self, new: &NewOrganisation) -> Result<Organisation, StoreError>;

    /// Fetches one organisation, or [`StoreError::NotFound`].
    async fn organisation(&self, id: OrganisationId) -> Result<Organisation, StoreError>;

    /// Lists organisations in creation (id) order, one page at a time.
    async fn list_organisations(
        &self,
        query: &OrganisationQuery,
    ) -> Result<OrganisationPage, StoreError>;

    /// Moves an organisation to `status` if the domain allows the transition from its current
    /// status. The check and the write are one atomic step, so two officers acting at once cannot
    /// both pass the check against the same old status.
    async fn set_organisation_status(
        &self,
        id: OrganisationId,
        status: OrganisationStatus,
    ) -> Result<Organisation, StoreError>;

    /// Registers a GS1 company prefix to an organisation. Doing it again for the same
    /// organisation changes nothing; a prefix held by another organisation is a
    /// [`StoreError::Conflict`]. Returns the organisation with its prefixes.
    async fn add_company_prefix(
        &self,
        id: OrganisationId,
        prefix: &CompanyPrefix,
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
}

/// Largest number of events [`Store::events_with_identifier`] returns in one call.
pub const MAX_EVENTS_PER_LOOKUP: u32 = 10_000;

/// Which organisations to list, and which page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationQuery {
    /// Only organisations with this status; all when `None`.
    pub status: Option<OrganisationStatus>,
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
}
