//! Recalls: a decision to pull goods back, with its reason, the lot or serial it started from,
//! every identifier the drill found, and a status that only moves forward.

use std::fmt;

use serde::Serialize;
use time::OffsetDateTime;

use crate::{ApiKeyId, DomainError, OrganisationId, RecallId};

/// Where a recall stands.
///
/// It moves one step at a time and never back: `open` (decided, affected holders not yet
/// told) → `notified` (every holder told, TT 17/2021's 24 hours met or not) → `closed` (the
/// goods are fixed, re-purposed, re-exported or destroyed). A wrongly raised recall is still
/// notified and closed, so the record shows who was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecallStatus {
    /// Decided; holders not yet told.
    Open,
    /// Every holder told.
    Notified,
    /// Dealt with.
    Closed,
}

impl RecallStatus {
    /// Every status, in order.
    pub const ALL: [Self; 3] = [Self::Open, Self::Notified, Self::Closed];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Notified => "notified",
            Self::Closed => "closed",
        }
    }

    /// Parses the stored name (lower case, exact).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == input)
            .ok_or_else(|| DomainError::UnknownRecallStatus {
                found: input.to_owned(),
            })
    }

    /// The status a recall must have to move to `self`; `None` for `open`, where every recall
    /// starts.
    pub fn previous(self) -> Option<Self> {
        match self {
            Self::Open => None,
            Self::Notified => Some(Self::Open),
            Self::Closed => Some(Self::Notified),
        }
    }

    /// Returns `to` if it is the next step after `self`, or an error naming both and the rule.
    pub fn change_to(self, to: Self) -> Result<Self, DomainError> {
        if to.previous() == Some(self) {
            Ok(to)
        } else {
            Err(DomainError::RecallStatusTransition { from: self, to })
        }
    }
}

impl fmt::Display for RecallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why goods are recalled: free text for the holders, 1 to [`RecallReason::MAX_CHARS`]
/// characters once trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RecallReason(String);

impl RecallReason {
    /// Longest reason kept.
    pub const MAX_CHARS: usize = 2_000;

    /// Trims and checks the length.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let trimmed = input.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(DomainError::RecallReasonLength { found: chars });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an identifier is in a recall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecallRole {
    /// The start or downstream of it: to be pulled back.
    Affected,
    /// Upstream of the start: a possible cause, to be examined.
    Suspect,
}

impl RecallRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Affected => "affected",
            Self::Suspect => "suspect",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input {
            "affected" => Ok(Self::Affected),
            "suspect" => Ok(Self::Suspect),
            _ => Err(DomainError::UnknownRecallRole {
                found: input.to_owned(),
            }),
        }
    }
}

/// One identifier a recall names, as the drill found it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecalledLot {
    /// The identifier, in index form.
    pub identifier: String,
    /// Affected or suspect.
    pub role: RecallRole,
    /// What it names: `lot`, `serial`, `logistic_unit` or `other`.
    pub kind: String,
    /// Who held it when the drill ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<OrganisationId>,
    /// How much that holder had.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// The quantity's UN/ECE unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uom: Option<String>,
}

/// A recall to store, status `open`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecall {
    /// Its id.
    pub id: RecallId,
    /// Why.
    pub reason: RecallReason,
    /// The identifier the drill started from, in index form.
    pub start: String,
    /// The key that raised it.
    pub created_by: ApiKeyId,
    /// Every identifier the drill found, each once per role.
    pub lots: Vec<RecalledLot>,
}

/// A stored recall, without its lots.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recall {
    /// Its id.
    pub id: RecallId,
    /// Why.
    pub reason: RecallReason,
    /// The identifier the drill started from.
    pub start: String,
    /// Where it stands.
    pub status: RecallStatus,
    /// When it was raised.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The key that raised it.
    pub created_by: ApiKeyId,
    /// When it became `notified`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub notified_at: Option<OffsetDateTime>,
    /// The key that marked it `notified`.
    pub notified_by: Option<ApiKeyId>,
    /// When it became `closed`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// The key that closed it.
    pub closed_by: Option<ApiKeyId>,
    /// How many identifiers it names.
    pub lot_count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecallStatus::{Closed, Notified, Open};

    #[test]
    fn a_recall_moves_forward_one_step_at_a_time() {
        for from in RecallStatus::ALL {
            assert_eq!(RecallStatus::parse(from.as_str()), Ok(from));
            for to in RecallStatus::ALL {
                let allowed = matches!((from, to), (Open, Notified) | (Notified, Closed));
                assert_eq!(from.change_to(to).is_ok(), allowed, "{from} -> {to}");
            }
        }
        let refused = Open.change_to(Closed).unwrap_err().to_string();
        assert_eq!(
            refused,
            "recall status: cannot change from open to closed; a recall moves open → notified → closed, one step at a time"
        );
        assert!(RecallStatus::parse("Open").is_err());
    }

    #[test]
    fn a_reason_is_trimmed_and_neither_empty_nor_too_long() {
        assert_eq!(
            RecallReason::parse("  Dư lượng kháng sinh  ")
                .unwrap()
                .as_str(),
            "Dư lượng kháng sinh"
        );
        assert_eq!(
            RecallReason::parse(" ").unwrap_err().to_string(),
            "reason: must be 1 to 2000 characters, found 0"
        );
        assert!(RecallReason::parse(&"ư".repeat(2_000)).is_ok());
        assert!(RecallReason::parse(&"ư".repeat(2_001)).is_err());
        assert_eq!(RecallRole::parse("suspect"), Ok(RecallRole::Suspect));
        assert!(RecallRole::parse("other").is_err());
    }
}
