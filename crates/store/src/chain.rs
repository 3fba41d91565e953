//! The per-organisation hash chain over captured events and its signed checkpoints: the
//! [`ChainStore`] half of the store, and the link arithmetic both back ends share.
//!
//! Each organisation's events form one chain, numbered from position 1 in the order they were
//! captured. Link n is SHA-256 over link n−1 (32 bytes) followed by the UTF-8 bytes of event n's
//! CBV 2.0 hash as stored (`ni:///sha-256;…?ver=CBV2.0`); link 0, the genesis, is SHA-256 over
//! the organisation's 16-byte UUID. A row edited, deleted or moved directly in the database then
//! breaks a link or leaves a gap, and a signed checkpoint pins a chain's link at a position so
//! that rewriting every later link is caught too.

use std::collections::HashMap;

use async_trait::async_trait;
use nguon_domain::OrganisationId;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::StoreError;

/// A chain link: 32 bytes of SHA-256.
pub type Link = [u8; 32];

/// Largest page of [`ChainStore::chain_entries`] and [`ChainStore::unchained_events`].
pub const MAX_CHAIN_PAGE: u32 = 5_000;

/// Link 0 of `owner`'s chain.
pub fn genesis_link(owner: OrganisationId) -> Link {
    Sha256::digest(owner.as_uuid().as_bytes()).into()
}

/// The link after `previous` for an event whose stored hash is `event_hash`.
pub fn next_link(previous: &Link, event_hash: &str) -> Link {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(event_hash.as_bytes());
    hasher.finalize().into()
}

/// A link read from the database, which must be 32 bytes.
pub fn link_from_bytes(bytes: &[u8]) -> Result<Link, StoreError> {
    bytes.try_into().map_err(|_| {
        StoreError::Internal(format!(
            "a stored chain link is {} bytes, not 32",
            bytes.len()
        ))
    })
}

/// An organisation id read from a chain or checkpoint row.
pub fn chain_owner(uuid: uuid::Uuid) -> Result<OrganisationId, StoreError> {
    OrganisationId::from_uuid(uuid)
        .map_err(|e| StoreError::Internal(format!("a chain row has an invalid owner id: {e}")))
}

/// The last link of one organisation's chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// The organisation.
    pub owner: OrganisationId,
    /// The position of its last event (1 for the first).
    pub position: i64,
    /// The link at that position.
    pub link: Link,
}

/// A chain row to write: `sequence` is the event's capture sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainRow {
    /// The organisation.
    pub owner: OrganisationId,
    /// Its place in the organisation's chain.
    pub position: i64,
    /// The event's sequence number.
    pub sequence: i64,
    /// The link at this position.
    pub link: Link,
}

/// Extends chains by events in the order given, each `(owner, sequence, event hash)`, from the
/// current `heads` (an owner without one starts at its genesis). One SHA-256 per event.
pub fn extend_chains<'a>(
    heads: &[ChainHead],
    events: impl IntoIterator<Item = (OrganisationId, i64, &'a str)>,
) -> Vec<ChainRow> {
    let mut last: HashMap<OrganisationId, (i64, Link)> = heads
        .iter()
        .map(|head| (head.owner, (head.position, head.link)))
        .collect();
    events
        .into_iter()
        .map(|(owner, sequence, hash)| {
            let (position, link) = last.entry(owner).or_insert((0, genesis_link(owner)));
            *position += 1;
            *link = next_link(link, hash);
            ChainRow {
                owner,
                position: *position,
                sequence,
                link: *link,
            }
        })
        .collect()
}

/// One position of a chain as stored, with the event it points at when that row still exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainEntry {
    /// Its place in the organisation's chain.
    pub position: i64,
    /// The sequence number of the event the row points at.
    pub sequence: i64,
    /// The stored link (32 bytes when untouched).
    pub link: Vec<u8>,
    /// The event row, or `None` when no event has that sequence number for this organisation.
    pub event: Option<ChainedEvent>,
}

/// What the chain check reads of an event row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEvent {
    /// The eventID column.
    pub event_id: String,
    /// The event hash column.
    pub event_hash: String,
    /// The stored JSON-LD document.
    pub document: String,
}

/// An event row that no chain row points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnchainedEvent {
    /// Its sequence number.
    pub sequence: i64,
    /// Its eventID column.
    pub event_id: String,
}

/// A signed statement that an organisation's chain had `link` at `position`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The organisation.
    pub owner: OrganisationId,
    /// The position signed for.
    pub position: i64,
    /// The link signed for, as stored (32 bytes when untouched).
    pub link: Vec<u8>,
    /// When it was signed.
    pub signed_at: OffsetDateTime,
    /// The ed25519 signature, as stored (64 bytes when untouched).
    pub signature: Vec<u8>,
}

/// The event chains and their checkpoints. Every [`crate::Store`] is one; chain rows are written
/// by the back ends in the transaction that appends the events.
#[async_trait]
pub trait ChainStore: Send + Sync {
    /// Every organisation that has events, chain rows or checkpoints, in id order.
    async fn chain_owners(&self) -> Result<Vec<OrganisationId>, StoreError>;

    /// The last link of every organisation's chain, in organisation id order.
    async fn chain_heads(&self) -> Result<Vec<ChainHead>, StoreError>;

    /// `owner`'s chain rows after `after_position`, in position order, at most `limit`
    /// (clamped to `1..=MAX_CHAIN_PAGE`), each with its event row if that exists.
    async fn chain_entries(
        &self,
        owner: OrganisationId,
        after_position: i64,
        limit: u32,
    ) -> Result<Vec<ChainEntry>, StoreError>;

    /// `owner`'s event rows after `after_sequence` that no chain row points at, in sequence
    /// order, at most `limit` (clamped to `1..=MAX_CHAIN_PAGE`).
    async fn unchained_events(
        &self,
        owner: OrganisationId,
        after_sequence: i64,
        limit: u32,
    ) -> Result<Vec<UnchainedEvent>, StoreError>;

    /// Stores checkpoints; one already stored for the same organisation and position is kept
    /// and the new one dropped. Returns how many were stored.
    async fn add_checkpoints(&self, checkpoints: &[Checkpoint]) -> Result<u64, StoreError>;

    /// `owner`'s checkpoints in position order.
    async fn checkpoints(&self, owner: OrganisationId) -> Result<Vec<Checkpoint>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(n: u8) -> OrganisationId {
        OrganisationId::parse(&format!("0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e{n:02x}")).unwrap()
    }

    #[test]
    fn chains_start_at_the_owners_genesis_and_number_from_one() {
        let (a, b) = (owner(1), owner(2));
        let rows = extend_chains(&[], [(a, 10, "h1"), (b, 11, "h2"), (a, 12, "h3")]);
        let first = next_link(&genesis_link(a), "h1");
        assert_eq!(
            rows[0],
            ChainRow {
                owner: a,
                position: 1,
                sequence: 10,
                link: first
            }
        );
        assert_eq!(rows[1].position, 1);
        assert_eq!(rows[1].link, next_link(&genesis_link(b), "h2"));
        assert_eq!(rows[2].position, 2);
        assert_eq!(rows[2].link, next_link(&first, "h3"));
        assert_ne!(genesis_link(a), genesis_link(b));
    }

    #[test]
    fn chains_continue_from_their_heads() {
        let a = owner(1);
        let head = ChainHead {
            owner: a,
            position: 7,
            link: [9; 32],
        };
        let rows = extend_chains(&[head], [(a, 40, "h")]);
        assert_eq!(rows[0].position, 8);
        assert_eq!(rows[0].link, next_link(&[9; 32], "h"));
    }

    #[test]
    fn a_link_depends_on_the_order_of_events() {
        let g = genesis_link(owner(3));
        assert_ne!(
            next_link(&next_link(&g, "x"), "y"),
            next_link(&next_link(&g, "y"), "x")
        );
    }

    #[test]
    fn a_stored_link_must_be_32_bytes() {
        assert!(link_from_bytes(&[0; 31]).is_err());
        assert_eq!(link_from_bytes(&[5; 32]).unwrap(), [5; 32]);
    }
}
