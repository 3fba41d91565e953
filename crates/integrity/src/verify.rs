//! `verify`: walks every organisation's chain and names each row that no longer agrees with it.
//!
//! Each link is checked against the stored link before it, so one edited row is one finding and
//! the rows after it are still checked; a checkpoint then pins the stored links themselves, so a
//! chain rewritten from some point on fails at the next checkpoint.

use std::collections::BTreeMap;
use std::fmt;

use nguon_domain::OrganisationId;
use nguon_store::{
    ChainEntry, Checkpoint, Link, MAX_CHAIN_PAGE, Store, StoreError, genesis_link, next_link,
};
use serde::Serialize;

use crate::PublicKey;

/// What is wrong with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The document no longer yields the stored hash, and the chain holds the stored hash: the
    /// document was edited.
    DocumentEdited,
    /// The document yields a hash the chain holds, but the stored hash differs: the hash was
    /// edited.
    HashEdited,
    /// Neither the stored hash nor the document's agrees with the document or the chain.
    EventEdited,
    /// The stored hash is not the document's, and a gap before the row leaves the chain unable
    /// to tell which of the two was edited.
    HashMismatch,
    /// The document is no longer an EPCIS event that can be hashed.
    DocumentUnreadable {
        /// Why it cannot be hashed.
        reason: String,
    },
    /// Hash and document agree, but the link does not follow from the link before: the row was
    /// moved, inserted, or its document and hash were both rewritten.
    LinkMismatch,
    /// Positions are missing from the chain: rows were deleted.
    PositionsMissing {
        /// The first missing position.
        from: i64,
        /// The last missing position.
        to: i64,
    },
    /// A chain position points at an event row that does not exist: the event was deleted.
    EventMissing,
    /// An event row is in no chain: it was added behind the store's back.
    Unchained,
    /// A checkpoint's signature is not the province key's over its organisation, position and
    /// link: it was forged or altered.
    CheckpointForged,
    /// A validly signed checkpoint's link differs from the chain's link at its position.
    CheckpointMismatch,
    /// A validly signed checkpoint lies past the chain's end: rows were deleted from its end.
    CheckpointPastEnd {
        /// The last position the chain still has (0 for none).
        chain_ends_at: i64,
    },
}

/// One thing found, with the row it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The organisation whose chain it is.
    pub organisation: OrganisationId,
    /// The chain position (or checkpoint position), when the row has one.
    pub position: Option<i64>,
    /// The event's sequence number, when known.
    pub sequence: Option<i64>,
    /// The event's eventID, when its row still exists.
    #[serde(rename = "eventID")]
    pub event_id: Option<String>,
    /// What is wrong.
    #[serde(flatten)]
    pub problem: Problem,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "organisation {}", self.organisation)?;
        if let Some(position) = self.position {
            write!(f, " position {position}")?;
        }
        if let Some(sequence) = self.sequence {
            write!(f, " (sequence {sequence})")?;
        }
        if let Some(event_id) = &self.event_id {
            write!(f, " event {event_id}")?;
        }
        f.write_str(": ")?;
        match &self.problem {
            Problem::DocumentEdited => {
                f.write_str("document edited: it no longer yields the chained event hash")
            }
            Problem::HashEdited => {
                f.write_str("event hash edited: the chain holds the hash of the document")
            }
            Problem::EventEdited => {
                f.write_str("event edited: neither its hash nor its document matches the chain")
            }
            Problem::HashMismatch => f.write_str(
                "document or event hash edited: they no longer match, and the gap before this \
                 row hides which",
            ),
            Problem::DocumentUnreadable { reason } => {
                write!(
                    f,
                    "document edited: it is no longer a hashable event ({reason})"
                )
            }
            Problem::LinkMismatch => f.write_str(
                "link mismatch: the row was reordered or inserted, or its document and hash \
                 were both rewritten",
            ),
            Problem::PositionsMissing { from, to } if from == to => {
                write!(f, "position {from} missing: a row was deleted")
            }
            Problem::PositionsMissing { from, to } => {
                write!(f, "positions {from} to {to} missing: rows were deleted")
            }
            Problem::EventMissing => f.write_str("event row deleted: the chain points at nothing"),
            Problem::Unchained => f.write_str("event in no chain: it was added outside the store"),
            Problem::CheckpointForged => {
                f.write_str("checkpoint signature invalid: forged or altered")
            }
            Problem::CheckpointMismatch => f.write_str(
                "checkpoint link differs from the chain: the chain was rewritten up to here",
            ),
            Problem::CheckpointPastEnd { chain_ends_at } => write!(
                f,
                "checkpoint past the chain's end at position {chain_ends_at}: rows were \
                 deleted from the end"
            ),
        }
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Chains walked (organisations).
    pub chains: u64,
    /// Chain positions walked.
    pub events: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Everything found, by organisation, then chain order, then checkpoints.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// One line: the counts, and how many findings.
    pub fn summary(&self) -> String {
        let verified = format!(
            "{} events in {} chains verified, {} checkpoints",
            self.events, self.chains, self.checkpoints
        );
        match self.findings.len() {
            0 => verified,
            1 => format!("{verified}: 1 problem found"),
            n => format!("{verified}: {n} problems found"),
        }
    }
}

/// Checks the chain of `only` (every organisation's, without it): each event's hash against its
/// document, each link against the one before, that positions run 1, 2, 3… without a gap, that
/// every event row is chained, and each checkpoint's signature under `key` and its link.
pub async fn verify(
    store: &dyn Store,
    key: &PublicKey,
    only: Option<OrganisationId>,
) -> Result<VerifyReport, StoreError> {
    let owners = match only {
        Some(owner) => vec![owner],
        None => store.chain_owners().await?,
    };
    let mut report = VerifyReport::default();
    for owner in owners {
        verify_chain(store, key, owner, &mut report).await?;
    }
    Ok(report)
}

/// One organisation's chain, its unchained events and its checkpoints.
async fn verify_chain(
    store: &dyn Store,
    key: &PublicKey,
    owner: OrganisationId,
    report: &mut VerifyReport,
) -> Result<(), StoreError> {
    report.chains += 1;
    let mut checkpoints: BTreeMap<i64, Checkpoint> = BTreeMap::new();
    for checkpoint in store.checkpoints(owner).await? {
        report.checkpoints += 1;
        if key.signed(&checkpoint) {
            checkpoints.insert(checkpoint.position, checkpoint);
        } else {
            report.findings.push(Finding {
                organisation: owner,
                position: Some(checkpoint.position),
                sequence: None,
                event_id: None,
                problem: Problem::CheckpointForged,
            });
        }
    }
    // The link before the next position: unknown after a gap or an unreadable stored link.
    let mut previous: Option<Link> = Some(genesis_link(owner));
    let mut last_position = 0;
    loop {
        let page = store
            .chain_entries(owner, last_position, MAX_CHAIN_PAGE)
            .await?;
        if page.is_empty() {
            break;
        }
        for entry in page {
            if entry.position != last_position + 1 {
                report.findings.push(Finding {
                    organisation: owner,
                    position: Some(last_position + 1),
                    sequence: None,
                    event_id: None,
                    problem: Problem::PositionsMissing {
                        from: last_position + 1,
                        to: entry.position - 1,
                    },
                });
                previous = None;
            }
            report.events += 1;
            if let Some(problem) = check_entry(&entry, previous.as_ref()) {
                report.findings.push(Finding {
                    organisation: owner,
                    position: Some(entry.position),
                    sequence: Some(entry.sequence),
                    event_id: entry.event.as_ref().map(|event| event.event_id.clone()),
                    problem,
                });
            }
            if let Some(checkpoint) = checkpoints.remove(&entry.position)
                && checkpoint.link != entry.link
            {
                report.findings.push(Finding {
                    organisation: owner,
                    position: Some(entry.position),
                    sequence: Some(entry.sequence),
                    event_id: entry.event.as_ref().map(|event| event.event_id.clone()),
                    problem: Problem::CheckpointMismatch,
                });
            }
            previous = entry.link.as_slice().try_into().ok();
            last_position = entry.position;
        }
    }
    // Checkpoints left were not met in the walk: inside a gap (already reported) or past the end.
    for (position, _) in checkpoints.range(last_position + 1..) {
        report.findings.push(Finding {
            organisation: owner,
            position: Some(*position),
            sequence: None,
            event_id: None,
            problem: Problem::CheckpointPastEnd {
                chain_ends_at: last_position,
            },
        });
    }
    let mut after = 0;
    loop {
        let page = store.unchained_events(owner, after, MAX_CHAIN_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.sequence;
        report
            .findings
            .extend(page.into_iter().map(|event| Finding {
                organisation: owner,
                position: None,
                sequence: Some(event.sequence),
                event_id: Some(event.event_id),
                problem: Problem::Unchained,
            }));
    }
    Ok(())
}

/// What is wrong with one chain position, given the stored link before it (`None` when that is
/// unknown, after a gap).
fn check_entry(entry: &ChainEntry, previous: Option<&Link>) -> Option<Problem> {
    let Some(event) = &entry.event else {
        return Some(Problem::EventMissing);
    };
    let follows = |hash: &str| previous.map(|previous| entry.link == next_link(previous, hash));
    let recomputed = match document_hash(&event.document) {
        Ok(hash) => hash,
        Err(reason) => return Some(Problem::DocumentUnreadable { reason }),
    };
    if recomputed == event.event_hash {
        return (follows(&event.event_hash) == Some(false)).then_some(Problem::LinkMismatch);
    }
    Some(match (follows(&event.event_hash), follows(&recomputed)) {
        (Some(true), _) => Problem::DocumentEdited,
        (_, Some(true)) => Problem::HashEdited,
        (None, _) => Problem::HashMismatch,
        _ => Problem::EventEdited,
    })
}

/// The CBV 2.0 hash of a stored JSON-LD event document.
fn document_hash(document: &str) -> Result<String, String> {
    let value: serde_json::Value =
        serde_json::from_str(document).map_err(|e| format!("not JSON: {e}"))?;
    nguon_epcis::hash::hash_event_json(&value, value.get("@context"))
        .map(|hash| hash.hash)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use nguon_store::ChainedEvent;

    use super::*;

    const DOCUMENT: &str = r#"{"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "ObjectEvent", "eventTime": "2026-02-01T08:00:00+07:00",
        "eventTimeZoneOffset": "+07:00", "action": "OBSERVE",
        "epcList": ["https://id.gs1.org/01/08931234560010/21/A1"]}"#;

    /// Position 1 of a chain whose event holds `document` and `hash`, linked with `chained`.
    fn entry(document: &str, hash: &str, chained: &str) -> (ChainEntry, Link) {
        let genesis = [3; 32];
        let entry = ChainEntry {
            position: 1,
            sequence: 9,
            link: next_link(&genesis, chained).to_vec(),
            event: Some(ChainedEvent {
                event_id: "urn:uuid:x".to_owned(),
                event_hash: hash.to_owned(),
                document: document.to_owned(),
            }),
        };
        (entry, genesis)
    }

    #[test]
    fn each_kind_of_edit_is_told_apart() {
        let hash = document_hash(DOCUMENT).unwrap();
        let other = document_hash(&DOCUMENT.replace("A1", "A2")).unwrap();
        let (clean, genesis) = entry(DOCUMENT, &hash, &hash);
        assert_eq!(check_entry(&clean, Some(&genesis)), None);
        let edited_document = DOCUMENT.replace("A1", "A2");
        let (document, _) = entry(&edited_document, &hash, &hash);
        assert_eq!(
            check_entry(&document, Some(&genesis)),
            Some(Problem::DocumentEdited)
        );
        let (stored_hash, _) = entry(DOCUMENT, &other, &hash);
        assert_eq!(
            check_entry(&stored_hash, Some(&genesis)),
            Some(Problem::HashEdited)
        );
        let (both_apart, _) = entry(&edited_document, &hash, "something else");
        assert_eq!(
            check_entry(&both_apart, Some(&genesis)),
            Some(Problem::EventEdited)
        );
        let (moved, _) = entry(DOCUMENT, &hash, &other);
        assert_eq!(
            check_entry(&moved, Some(&genesis)),
            Some(Problem::LinkMismatch)
        );
        // After a gap the link before is unknown: only the hash can still be checked.
        assert_eq!(check_entry(&moved, None), None);
        assert_eq!(check_entry(&document, None), Some(Problem::HashMismatch));
    }

    #[test]
    fn a_missing_event_or_an_unreadable_document_is_named() {
        let (mut gone, genesis) = entry(DOCUMENT, "h", "h");
        gone.event = None;
        assert_eq!(
            check_entry(&gone, Some(&genesis)),
            Some(Problem::EventMissing)
        );
        let (garbled, _) = entry("{not json", "h", "h");
        assert!(matches!(
            check_entry(&garbled, Some(&genesis)),
            Some(Problem::DocumentUnreadable { reason }) if reason.starts_with("not JSON")
        ));
    }

    #[test]
    fn findings_read_as_one_line_naming_the_row() {
        let finding = Finding {
            organisation: OrganisationId::parse("0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f").unwrap(),
            position: Some(4),
            sequence: Some(17),
            event_id: Some("urn:uuid:e".to_owned()),
            problem: Problem::PositionsMissing { from: 2, to: 3 },
        };
        assert_eq!(
            finding.to_string(),
            "organisation 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f position 4 (sequence 17) event \
             urn:uuid:e: positions 2 to 3 missing: rows were deleted"
        );
        let report = VerifyReport {
            chains: 2,
            events: 9,
            checkpoints: 1,
            findings: vec![finding],
        };
        assert_eq!(
            report.summary(),
            "9 events in 2 chains verified, 1 checkpoints: 1 problem found"
        );
    }
}
