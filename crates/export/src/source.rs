//! Where exports read from: the events (through the trace crate's [`EventSource`]), master data,
//! organisation names and events by time. Every [`Store`] is one; tests hold events in memory.

use async_trait::async_trait;
use nguon_domain::{EventQuery, OrganisationId, TimeRange, VocabularyElement};
use nguon_store::{Store, StoreError};
use nguon_trace::EventSource;

/// One event as read for an export: who captured it and its stored JSON-LD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEvent {
    /// The organisation that captured it.
    pub owner: OrganisationId,
    /// Its canonical JSON-LD.
    pub document: String,
}

/// What an export reads.
#[async_trait]
pub trait ExportSource: EventSource {
    /// One vocabulary element, of the organisation that registered first among those defining
    /// it, or `None`.
    async fn vocabulary_element(
        &self,
        vocabulary_type: &str,
        id: &str,
    ) -> Result<Option<VocabularyElement>, StoreError>;

    /// An organisation's registered name, or `None` when there is no such organisation.
    async fn organisation_name(&self, id: OrganisationId) -> Result<Option<String>, StoreError>;

    /// The events of `owner` (every organisation's when `None`) whose event time is in
    /// `range`, oldest first, at most `limit`.
    async fn events_in(
        &self,
        owner: Option<OrganisationId>,
        range: TimeRange,
        limit: usize,
    ) -> Result<Vec<SourceEvent>, StoreError>;
}

#[async_trait]
impl<S: Store + ?Sized> ExportSource for S {
    async fn vocabulary_element(
        &self,
        vocabulary_type: &str,
        id: &str,
    ) -> Result<Option<VocabularyElement>, StoreError> {
        self.master_data_element(None, vocabulary_type, id).await
    }

    async fn organisation_name(&self, id: OrganisationId) -> Result<Option<String>, StoreError> {
        match self.organisation(id).await {
            Ok(organisation) => Ok(Some(organisation.name.to_string())),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    async fn events_in(
        &self,
        owner: Option<OrganisationId>,
        range: TimeRange,
        limit: usize,
    ) -> Result<Vec<SourceEvent>, StoreError> {
        let mut query = EventQuery::new(owner);
        query.event_time = range;
        query.limit = nguon_domain::MAX_PAGE;
        let mut events = Vec::new();
        loop {
            let page = self.query_events(&query).await?;
            events.extend(page.events.into_iter().map(|e| SourceEvent {
                owner: e.owner,
                document: e.document,
            }));
            match page.next {
                Some(next) if events.len() < limit => query.after = Some(next),
                _ => break,
            }
        }
        events.truncate(limit);
        Ok(events)
    }
}
