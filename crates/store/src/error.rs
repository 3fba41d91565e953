//! The store's one error type.

use nguon_domain::DomainError;
use nguon_gs1::CompanyPrefix;

/// Why a store operation failed.
///
/// Messages never contain SQL or driver internals, except [`StoreError::Internal`], which is
/// meant for logs only; the web layer answers it with a bare 500.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record asked for does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked for, e.g. "organisation".
        what: &'static str,
        /// The id or key that was looked for.
        id: String,
    },
    /// The change would break a uniqueness or ownership rule.
    #[error("{what}: {detail}")]
    Conflict {
        /// The field or record the conflict is about, e.g. "tax code".
        what: &'static str,
        /// What collides with what, safe to show to the user.
        detail: String,
    },
    /// A domain rule refused the change (for example a status transition).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The database cannot be reached or opened; retrying later may work.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: a bug, corrupt data or an unexpected driver error. For logs only.
    #[error("internal store error: {0}")]
    Internal(String),
}

impl StoreError {
    /// The conflict every back end reports for a tax code that is already registered. The code
    /// itself is left out: for a household it is a personal ID number.
    pub fn tax_code_taken() -> Self {
        Self::Conflict {
            what: "tax code",
            detail: "an organisation with this tax code is already registered".to_owned(),
        }
    }

    /// The conflict every back end reports for a company prefix held by another organisation.
    pub fn company_prefix_taken(prefix: &CompanyPrefix) -> Self {
        Self::Conflict {
            what: "company prefix",
            detail: format!("{prefix} is already registered to another organisation"),
        }
    }
}

/// A short, lower-case reason for an I/O error without the OS error number, e.g.
/// "connection refused", for one-line messages.
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    let reason = match text.rfind(" (os error ") {
        Some(index) => &text[..index],
        None => text.as_str(),
    };
    let mut chars = reason.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reasons_are_short_and_lower_case() {
        let refused = std::io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&refused), "connection refused");
        let custom = std::io::Error::other("Disk on fire");
        assert_eq!(io_reason(&custom), "disk on fire");
    }

    #[test]
    fn messages_name_what_failed() {
        let not_found = StoreError::NotFound {
            what: "organisation",
            id: "0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f".into(),
        };
        assert_eq!(
            not_found.to_string(),
            "organisation 0190f5c2-8d3a-7b4e-9f10-2a3b4c5d6e7f not found"
        );
        let prefix = CompanyPrefix::parse("8931234").unwrap();
        assert_eq!(
            StoreError::company_prefix_taken(&prefix).to_string(),
            "company prefix: 8931234 is already registered to another organisation"
        );
        assert_eq!(
            StoreError::tax_code_taken().to_string(),
            "tax code: an organisation with this tax code is already registered"
        );
    }
}
