//! Capture jobs: the record of one EPCIS capture request, which runs after the request has been
//! answered (`202 Accepted`) and is polled at `/capture/{id}`.

use time::OffsetDateTime;

use crate::{CaptureJobId, DomainError, OrganisationId, PartnerId};

/// What a capture does when some events fail (EPCIS `GS1-Capture-Error-Behaviour`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureErrorBehaviour {
    /// Capture nothing if any event fails.
    Rollback,
    /// Capture the events that pass, report the others.
    Proceed,
}

impl CaptureErrorBehaviour {
    /// Every behaviour.
    pub const ALL: [Self; 2] = [Self::Rollback, Self::Proceed];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollback => "rollback",
            Self::Proceed => "proceed",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|b| b.as_str() == input)
            .ok_or_else(|| DomainError::UnknownCaptureErrorBehaviour {
                found: input.to_owned(),
            })
    }
}

/// A job to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCaptureJob {
    /// The organisation capturing.
    pub owner: OrganisationId,
    /// The partner system that sent the document on the owner's behalf, if one did.
    pub partner: Option<PartnerId>,
    /// Rollback or proceed.
    pub error_behaviour: CaptureErrorBehaviour,
    /// How many events the request carries.
    pub event_count: u32,
}

/// A stored capture job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureJob {
    /// Its id.
    pub id: CaptureJobId,
    /// The organisation capturing.
    pub owner: OrganisationId,
    /// The partner system that sent the document on the owner's behalf, if one did.
    pub partner: Option<PartnerId>,
    /// When the request was accepted.
    pub created_at: OffsetDateTime,
    /// When it finished, if it has.
    pub finished_at: Option<OffsetDateTime>,
    /// Still working.
    pub running: bool,
    /// Whether it succeeded, once finished.
    pub success: Option<bool>,
    /// Rollback or proceed.
    pub error_behaviour: CaptureErrorBehaviour,
    /// How many events the request carries.
    pub event_count: u32,
    /// How many were captured.
    pub captured_count: u32,
    /// What went wrong, one message per problem.
    pub errors: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviours_round_trip() {
        for b in CaptureErrorBehaviour::ALL {
            assert_eq!(CaptureErrorBehaviour::parse(b.as_str()), Ok(b));
        }
        assert!(CaptureErrorBehaviour::parse("ROLLBACK").is_err());
    }
}
