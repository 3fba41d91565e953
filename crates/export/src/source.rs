//! Where exports read from: the events (through the trace crate's [`EventSource`]), master data,
//! organisation names and events by time. Every [`Store`] is one; tests hold events in memory.

use async_trait::async_trait;
use nguon_domain::{
    EventQuery, FacilityDetails, OrganisationId, PersonalField, PublicIdentity, TimeRange,
    VocabularyElement, publishes,
};
use nguon_gs1::{DigitalLink, KeyKind};
use nguon_store::{Registry, Store, StoreError};
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

    /// An organisation's name as exports may show it (a household's cut to initials unless it
    /// consented), or `None` when there is no such organisation.
    async fn organisation_name(&self, id: OrganisationId) -> Result<Option<String>, StoreError>;

    /// Whether the street lines of place `id`'s master data may be exported: not for a
    /// registered facility of a household that did not consent to publishing its address.
    async fn place_street_shown(&self, id: &str) -> Result<bool, StoreError>;

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
            Ok(organisation) => {
                let consent = self.current_consent(id).await?;
                Ok(Some(
                    PublicIdentity::of(&organisation, consent.as_ref()).name,
                ))
            }
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    async fn place_street_shown(&self, id: &str) -> Result<bool, StoreError> {
        let Some(gln) = DigitalLink::parse(id)
            .ok()
            .filter(|link| link.key().kind() == KeyKind::Gln)
            .map(|link| link.key().as_str().to_owned())
        else {
            return Ok(true);
        };
        let Some(owner) = self
            .find::<FacilityDetails>(&gln)
            .await?
            .and_then(|facility| facility.organisation)
        else {
            return Ok(true);
        };
        let organisation = self.organisation(owner).await?;
        let consent = self.current_consent(owner).await?;
        Ok(publishes(
            &organisation,
            consent.as_ref(),
            PersonalField::Address,
        ))
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
