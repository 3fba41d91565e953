//! Typed errors for GS1 keys. Each variant names the rule that was broken so a user can fix the
//! input; AI-level errors live in [`crate::AiError`].

use crate::element::AiError;

/// A GS1 key or company prefix broke a syntax rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Wrong number of characters.
    #[error("{key}: length must be {expected}, found {found}")]
    Length {
        /// Which key was being read.
        key: &'static str,
        /// The lengths allowed.
        expected: String,
        /// The length found.
        found: usize,
    },
    /// A character outside the allowed set.
    #[error("{key}: character {character:?} at position {position} is not allowed ({allowed})")]
    Character {
        /// Which key was being read.
        key: &'static str,
        /// 1-based position of the bad character.
        position: usize,
        /// The bad character.
        character: char,
        /// The allowed set, in words.
        allowed: &'static str,
    },
    /// The check digit (or check character pair) does not match the data.
    #[error("{key}: check digit {detail}")]
    CheckDigit {
        /// Which key was being read.
        key: &'static str,
        /// Expected and found values.
        detail: String,
    },
    /// Another content rule failed (company prefix position, piece/total…).
    #[error("{key}: {rule}: {detail}")]
    Rule {
        /// Which key was being read.
        key: &'static str,
        /// The rule.
        rule: &'static str,
        /// What is wrong.
        detail: String,
    },
}

impl KeyError {
    /// Restates an AI-level error about a key's value in terms of the key.
    pub(crate) fn from_ai(key: &'static str, error: AiError) -> Self {
        match error {
            AiError::Length {
                min, max, found, ..
            } => KeyError::Length {
                key,
                expected: if min == max {
                    format!("{min}")
                } else {
                    format!("{min} to {max}")
                },
                found,
            },
            AiError::Character {
                position,
                character,
                allowed,
                ..
            } => KeyError::Character {
                key,
                position,
                character,
                allowed,
            },
            AiError::Rule { rule, detail, .. } if rule.starts_with("check") => {
                KeyError::CheckDigit { key, detail }
            }
            AiError::Rule { rule, detail, .. } => KeyError::Rule { key, rule, detail },
            other => KeyError::Rule {
                key,
                rule: "syntax",
                detail: other.to_string(),
            },
        }
    }
}
