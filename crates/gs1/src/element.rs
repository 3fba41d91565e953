//! GS1 element strings: AI/value pairs checked against the syntax dictionary, read and written in
//! the bracketed human-readable form `(01)…(10)…` and the raw barcode form with FNC1/GS separators.

use std::fmt;

use crate::dictionary::{AiEntry, Dictionary, ai_matches};

/// The GS (group separator) character that ends a variable-length field in a raw element string.
pub const GROUP_SEPARATOR: char = '\u{1d}';

/// An AI element string (or one of its elements) broke a rule of the syntax dictionary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AiError {
    /// The AI is not in the GS1 syntax dictionary.
    #[error("AI ({ai}) is not a GS1 Application Identifier")]
    UnknownAi {
        /// The AI as written.
        ai: String,
    },
    /// The value's length is out of range for the AI.
    #[error("AI ({ai}) {title}: length must be {min}..={max}, found {found}")]
    Length {
        /// The AI.
        ai: String,
        /// Its dictionary title.
        title: String,
        /// Shortest allowed.
        min: usize,
        /// Longest allowed.
        max: usize,
        /// Length found.
        found: usize,
    },
    /// A character outside the component's character set.
    #[error(
        "AI ({ai}) {title}: character {character:?} at position {position} is not allowed ({allowed})"
    )]
    Character {
        /// The AI.
        ai: String,
        /// Its dictionary title.
        title: String,
        /// 1-based position in the value.
        position: usize,
        /// The bad character.
        character: char,
        /// The allowed set, in words.
        allowed: &'static str,
    },
    /// A content rule (check digit, date, code list…) failed.
    #[error("AI ({ai}) {title}: {rule}: {detail}")]
    Rule {
        /// The AI.
        ai: String,
        /// Its dictionary title.
        title: String,
        /// The rule, e.g. `check digit`.
        rule: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// An AI that needs a companion AI appears without it.
    #[error("AI ({ai}) {title} must appear together with {needed}")]
    Missing {
        /// The AI.
        ai: String,
        /// Its dictionary title.
        title: String,
        /// The companions allowed, e.g. `(01) or (02)`.
        needed: String,
    },
    /// Two AIs that may not appear together.
    #[error("AI ({ai}) may not appear together with AI ({other})")]
    Excluded {
        /// The AI.
        ai: String,
        /// The AI it excludes.
        other: String,
    },
    /// The same AI twice with different values.
    #[error("AI ({ai}) appears twice with different values")]
    Conflicting {
        /// The AI.
        ai: String,
    },
    /// The text is not an element string.
    #[error("element string: {detail} at position {position}")]
    Syntax {
        /// 1-based position in the input.
        position: usize,
        /// What was expected.
        detail: String,
    },
}

/// One AI and its value, checked against the dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Element {
    ai: String,
    value: String,
}

impl Element {
    /// Checks `value` against every component rule of `ai`.
    pub fn new(ai: &str, value: &str) -> Result<Self, AiError> {
        validate_value(ai, value)?;
        Ok(Element {
            ai: ai.to_owned(),
            value: value.to_owned(),
        })
    }

    /// The Application Identifier.
    pub fn ai(&self) -> &str {
        &self.ai
    }

    /// The value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The dictionary entry of this element's AI.
    pub fn entry(&self) -> &'static AiEntry {
        Dictionary::get()
            .entry(&self.ai)
            .expect("an Element is only built for a known AI")
    }
}

/// Looks up an AI, or says it does not exist.
pub(crate) fn entry(ai: &str) -> Result<&'static AiEntry, AiError> {
    Dictionary::get()
        .entry(ai)
        .ok_or_else(|| AiError::UnknownAi { ai: ai.to_owned() })
}

/// Checks one value against the format, character sets and linters of its AI.
pub fn validate_value(ai: &str, value: &str) -> Result<&'static AiEntry, AiError> {
    let entry = entry(ai)?;
    let chars: Vec<char> = value.chars().collect();
    let length_error = || AiError::Length {
        ai: ai.to_owned(),
        title: entry.title.clone(),
        min: entry.min_len(),
        max: entry.max_len(),
        found: chars.len(),
    };
    let mut start = 0;
    for component in &entry.components {
        let remaining = chars.len() - start;
        if remaining == 0 && component.optional {
            break;
        }
        let take = if component.min == component.max {
            component.min
        } else {
            remaining.min(component.max)
        };
        if remaining < take || take < component.min || take == 0 {
            return Err(length_error());
        }
        let part = &chars[start..start + take];
        if let Some(offset) = part.iter().position(|c| !component.charset.contains(*c)) {
            return Err(AiError::Character {
                ai: ai.to_owned(),
                title: entry.title.clone(),
                position: start + offset + 1,
                character: part[offset],
                allowed: component.charset.describe(),
            });
        }
        let text: String = part.iter().collect();
        for linter in &component.linters {
            linter.check(&text).map_err(|detail| AiError::Rule {
                ai: ai.to_owned(),
                title: entry.title.clone(),
                rule: linter.rule(),
                detail,
            })?;
        }
        start += take;
    }
    if start != chars.len() {
        return Err(length_error());
    }
    Ok(entry)
}

/// A set of elements that together satisfy the dictionary's pairing rules (`req=` and `ex=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementString {
    elements: Vec<Element>,
}

impl ElementString {
    /// Builds an element string from checked elements, enforcing the pairing rules. Repeated AIs
    /// with the same value are merged; with different values they are an error.
    pub fn new(elements: Vec<Element>) -> Result<Self, AiError> {
        let mut unique: Vec<Element> = Vec::with_capacity(elements.len());
        for element in elements {
            match unique.iter().find(|e| e.ai == element.ai) {
                Some(existing) if existing.value != element.value => {
                    return Err(AiError::Conflicting { ai: element.ai });
                }
                Some(_) => {}
                None => unique.push(element),
            }
        }
        check_pairings(unique.iter().map(|e| e.ai.as_str()))?;
        Ok(ElementString { elements: unique })
    }

    /// Parses either form: bracketed if it starts with `(`, raw otherwise.
    pub fn parse(input: &str) -> Result<Self, AiError> {
        if input.starts_with('(') {
            Self::parse_bracketed(input)
        } else {
            Self::parse_raw(input)
        }
    }

    /// Parses the bracketed form `(01)09506000134352(10)ABC`; a literal `(` in a value is
    /// written `\(`.
    pub fn parse_bracketed(input: &str) -> Result<Self, AiError> {
        let chars: Vec<char> = input.chars().collect();
        let mut elements = Vec::new();
        let mut i = 0;
        if chars.is_empty() {
            return Err(syntax(1, "expected ( but the input is empty"));
        }
        while i < chars.len() {
            if chars[i] != '(' {
                return Err(syntax(i + 1, "expected ("));
            }
            let close = chars[i + 1..]
                .iter()
                .position(|&c| c == ')')
                .map(|p| p + i + 1)
                .ok_or_else(|| syntax(i + 1, "unclosed ("))?;
            let ai: String = chars[i + 1..close].iter().collect();
            if !(2..=4).contains(&ai.len()) || !ai.bytes().all(|b| b.is_ascii_digit()) {
                return Err(syntax(i + 2, "an AI must be 2 to 4 digits"));
            }
            let mut value = String::new();
            let mut j = close + 1;
            while j < chars.len() && chars[j] != '(' {
                if chars[j] == '\\' && chars.get(j + 1) == Some(&'(') {
                    j += 1;
                }
                value.push(chars[j]);
                j += 1;
            }
            elements.push(Element::new(&ai, &value)?);
            i = j;
        }
        Self::new(elements)
    }

    /// Parses the raw form as scanned: an optional symbology identifier (`]C1`, `]d2`, `]Q3`,
    /// `]e0`, `]J1`), then AIs and values, with GS (or `^`) after each variable-length value.
    pub fn parse_raw(input: &str) -> Result<Self, AiError> {
        let body = ["]C1", "]d2", "]Q3", "]e0", "]J1"]
            .iter()
            .find_map(|id| input.strip_prefix(id))
            .unwrap_or(input);
        let offset = input.chars().count() - body.chars().count();
        let chars: Vec<char> = body.chars().collect();
        let is_separator = |c: char| c == GROUP_SEPARATOR || c == '^';
        let mut elements = Vec::new();
        let mut i = 0;
        while i < chars.len() && is_separator(chars[i]) {
            i += 1;
        }
        if i == chars.len() {
            return Err(syntax(offset + 1, "expected an AI but the input is empty"));
        }
        while i < chars.len() {
            let head: String = chars[i..chars.len().min(i + 4)].iter().collect();
            let entry = Dictionary::get().ai_at_start(&head).ok_or_else(|| {
                syntax(offset + i + 1, "no GS1 Application Identifier starts here")
            })?;
            i += entry.ai.len();
            let end = if entry.fixed_length {
                (i + entry.max_len()).min(chars.len())
            } else {
                chars[i..]
                    .iter()
                    .position(|&c| is_separator(c))
                    .map_or(chars.len(), |p| p + i)
            };
            let value: String = chars[i..end].iter().collect();
            elements.push(Element::new(&entry.ai, &value)?);
            i = end;
            while i < chars.len() && is_separator(chars[i]) {
                i += 1;
            }
        }
        Self::new(elements)
    }

    /// The elements in their original order.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The value of one AI, if present.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.ai == ai)
            .map(|e| e.value.as_str())
    }

    /// The raw form: predefined-length elements first, then variable-length ones separated by
    /// GS (a GS1 recommendation that keeps the separator count low). No symbology identifier.
    pub fn raw(&self) -> String {
        let mut ordered: Vec<&Element> = self.elements.iter().collect();
        ordered.sort_by_key(|e| !e.entry().fixed_length);
        let mut out = String::new();
        for (index, element) in ordered.iter().enumerate() {
            out.push_str(&element.ai);
            out.push_str(&element.value);
            if !element.entry().fixed_length && index + 1 < ordered.len() {
                out.push(GROUP_SEPARATOR);
            }
        }
        out
    }
}

impl fmt::Display for ElementString {
    /// The bracketed form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for element in &self.elements {
            write!(f, "({}){}", element.ai, element.value.replace('(', "\\("))?;
        }
        Ok(())
    }
}

fn syntax(position: usize, detail: &str) -> AiError {
    AiError::Syntax {
        position,
        detail: detail.to_owned(),
    }
}

/// Checks the `req=` and `ex=` rules of the dictionary over a set of AIs.
pub(crate) fn check_pairings<'a>(
    ais: impl Iterator<Item = &'a str> + Clone,
) -> Result<(), AiError> {
    let present = |pattern: &str| ais.clone().any(|ai| ai_matches(pattern, ai));
    for ai in ais.clone() {
        let entry = entry(ai)?;
        for pattern in &entry.excludes {
            if let Some(other) = ais
                .clone()
                .find(|other| *other != ai && ai_matches(pattern, other))
            {
                return Err(AiError::Excluded {
                    ai: ai.to_owned(),
                    other: other.to_owned(),
                });
            }
        }
        for rule in &entry.requires {
            if !rule.iter().any(|group| group.iter().all(|p| present(p))) {
                return Err(AiError::Missing {
                    ai: ai.to_owned(),
                    title: entry.title.clone(),
                    needed: rule
                        .iter()
                        .map(|group| {
                            group
                                .iter()
                                .map(|p| format!("({p})"))
                                .collect::<Vec<_>>()
                                .join("+")
                        })
                        .collect::<Vec<_>>()
                        .join(" or "),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_and_raw_forms_round_trip() {
        let parsed =
            ElementString::parse("(01)08934673000017(17)261231(10)TOM-2026/01(21)A\\(1").unwrap();
        assert_eq!(parsed.get("10"), Some("TOM-2026/01"));
        assert_eq!(parsed.get("21"), Some("A(1"));
        assert_eq!(
            parsed.to_string(),
            "(01)08934673000017(17)261231(10)TOM-2026/01(21)A\\(1"
        );
        let raw = parsed.raw();
        assert_eq!(raw, "01089346730000171726123110TOM-2026/01\u{1d}21A(1");
        let back = ElementString::parse_raw(&format!("]d2{raw}")).unwrap();
        assert_eq!(back.get("21"), Some("A(1"));
        assert_eq!(back.elements().len(), 4);
    }

    #[test]
    fn errors_name_the_rule() {
        let err = ElementString::parse("(01)08934673000015").unwrap_err();
        assert!(err.to_string().contains("check digit"), "{err}");
        let err = ElementString::parse("(10)ABC").unwrap_err();
        assert_eq!(
            err.to_string(),
            "AI (10) BATCH/LOT must appear together with (01) or (02) or (03) or (8006) or (8026)"
        );
        let err = ElementString::parse("(01)08934673000017(17)261232").unwrap_err();
        assert!(err.to_string().contains("day 32"), "{err}");
        let err = ElementString::parse("(01)08934673000017(3103)000500(3102)000500").unwrap_err();
        assert!(matches!(err, AiError::Excluded { .. }), "{err}");
        let err = ElementString::parse("(01)08934673000017(10)ABC(10)ABD").unwrap_err();
        assert_eq!(err, AiError::Conflicting { ai: "10".into() });
        let err = ElementString::parse("(01)0893467300001").unwrap_err();
        assert!(matches!(err, AiError::Length { found: 13, .. }), "{err}");
        let err = ElementString::parse("(10)AB~C(01)08934673000017").unwrap_err();
        assert!(
            matches!(
                err,
                AiError::Character {
                    position: 3,
                    character: '~',
                    ..
                }
            ),
            "{err}"
        );
        assert!(ElementString::parse("(23)1").is_err());
        assert!(ElementString::parse("(01").is_err());
        assert!(ElementString::parse("").is_err());
        assert!(ElementString::parse("]C1").is_err());
    }

    #[test]
    fn expiry_day_zero_is_allowed() {
        assert!(ElementString::parse("(01)08934673000017(17)261200").is_ok());
    }

    #[test]
    fn grai_and_itip_components() {
        assert!(ElementString::parse("(8003)04012345000009ABC").is_ok());
        assert!(ElementString::parse("(8003)14012345000009").is_err());
        assert!(ElementString::parse("(8006)089346730000170102(21)1").is_ok());
        assert!(ElementString::parse("(8006)089346730000170302(21)1").is_err());
    }
}
