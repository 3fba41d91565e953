//! Approval statuses of registry records (organisations, facilities, products) and the transitions between them.

use std::fmt;
use std::str::FromStr;

use crate::DomainError;

/// Where a registry record (an organisation, a facility, a product) stands with the province.
///
/// Allowed transitions:
///
/// | from      | to                     | why |
/// |-----------|------------------------|-----|
/// | pending   | approved               | the province checked the registration |
/// | pending   | suspended              | the registration is refused or under investigation before approval |
/// | approved  | suspended              | a recall, fraud or lapsed licence stops its capture |
/// | suspended | approved               | the matter is settled |
///
/// Nothing goes back to pending: pending means "never reviewed", and that cannot become true again.
/// A change to the same status is refused too, so a caller learns that its request changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    /// Registered, not yet reviewed by the province.
    Pending,
    /// Reviewed and allowed to capture events and print codes.
    Approved,
    /// Stopped by the province; its existing codes still resolve.
    Suspended,
}

impl ApprovalStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Approved, Self::Suspended];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Suspended => "suspended",
        }
    }

    /// Parses the stored name (lower case, exact).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == input)
            .ok_or_else(|| DomainError::UnknownApprovalStatus {
                found: input.to_owned(),
            })
    }

    /// Whether the table above allows going from `self` to `to`.
    pub fn can_change_to(self, to: Self) -> bool {
        use ApprovalStatus::{Approved, Pending, Suspended};
        matches!(
            (self, to),
            (Pending, Approved)
                | (Pending, Suspended)
                | (Approved, Suspended)
                | (Suspended, Approved)
        )
    }

    /// Returns `to` if the transition is allowed, or an error naming both statuses.
    pub fn change_to(self, to: Self) -> Result<Self, DomainError> {
        if self.can_change_to(to) {
            Ok(to)
        } else {
            Err(DomainError::StatusTransition { from: self, to })
        }
    }
}

impl fmt::Display for ApprovalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApprovalStatus {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApprovalStatus::{Approved, Pending, Suspended};
    use proptest::prelude::*;

    #[test]
    fn names_round_trip() {
        for status in ApprovalStatus::ALL {
            assert_eq!(ApprovalStatus::parse(status.as_str()), Ok(status));
        }
        assert_eq!(
            ApprovalStatus::parse("Approved"),
            Err(DomainError::UnknownApprovalStatus {
                found: "Approved".into()
            })
        );
    }

    #[test]
    fn allowed_transitions_are_exactly_the_table() {
        let allowed = [
            (Pending, Approved),
            (Pending, Suspended),
            (Approved, Suspended),
            (Suspended, Approved),
        ];
        for from in ApprovalStatus::ALL {
            for to in ApprovalStatus::ALL {
                assert_eq!(
                    from.can_change_to(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn a_refused_transition_names_both_statuses() {
        let err = Approved.change_to(Pending).unwrap_err();
        assert_eq!(
            err,
            DomainError::StatusTransition {
                from: Approved,
                to: Pending
            }
        );
        assert!(
            err.to_string()
                .starts_with("status: cannot change from approved to pending"),
            "{err}"
        );
    }

    #[test]
    fn serde_uses_lower_case_names() {
        assert_eq!(serde_json::to_string(&Suspended).unwrap(), "\"suspended\"");
        assert_eq!(
            serde_json::from_str::<ApprovalStatus>("\"pending\"").unwrap(),
            Pending
        );
    }

    fn any_status() -> impl Strategy<Value = ApprovalStatus> {
        prop::sample::select(ApprovalStatus::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn once_reviewed_an_organisation_never_returns_to_pending(
            requests in prop::collection::vec(any_status(), 0..20)
        ) {
            let mut status = Pending;
            let mut reviewed = false;
            for to in requests {
                if let Ok(next) = status.change_to(to) {
                    prop_assert_ne!(next, status);
                    status = next;
                    reviewed = true;
                }
                prop_assert!(!(reviewed && status == Pending));
            }
        }
    }
}
