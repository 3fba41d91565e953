//! One-line text fields of registry records: names, brands, certificate numbers.

use std::fmt;

use crate::DomainError;

/// Trims `input` and checks it is one line of 1 to `max` characters, naming `field` in errors.
///
/// Characters are Unicode scalar values, so Vietnamese text gets the same allowance as ASCII.
/// Control characters are refused because these fields are printed on labels and exported to
/// spreadsheets and portals, where a line break would split a record.
pub fn one_line(field: &'static str, input: &str, max: usize) -> Result<String, DomainError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(DomainError::TextEmpty { field });
    }
    let found = trimmed.chars().count();
    if found > max {
        return Err(DomainError::TextTooLong { field, max, found });
    }
    if let Some(index) = trimmed.chars().position(char::is_control) {
        return Err(DomainError::TextControlCharacter {
            field,
            position: index + 1,
        });
    }
    Ok(trimmed.to_owned())
}

/// Like [`one_line`], but blank input is `None`: for optional fields of a form.
pub fn optional_line(
    field: &'static str,
    input: &str,
    max: usize,
) -> Result<Option<String>, DomainError> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        one_line(field, input, max).map(Some)
    }
}

/// The name of a facility, a product or a product group: one line, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordName(String);

impl RecordName {
    /// Longest name accepted, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Parses a name for `field`.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        one_line(field, input, Self::MAX_CHARS).map(Self)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RecordName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RecordName {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse("name", &value)
    }
}

impl From<RecordName> for String {
    fn from(name: RecordName) -> Self {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_trims_and_names_the_field_it_refuses() {
        assert_eq!(
            one_line("brand", "  Tôm Vĩnh Hậu ", 20).unwrap(),
            "Tôm Vĩnh Hậu"
        );
        assert_eq!(
            one_line("brand", "   ", 20),
            Err(DomainError::TextEmpty { field: "brand" })
        );
        assert_eq!(
            one_line("brand", "Tôm\nVĩnh", 20),
            Err(DomainError::TextControlCharacter {
                field: "brand",
                position: 4
            })
        );
        let long = "ệ".repeat(21);
        assert_eq!(
            one_line("brand", &long, 20).unwrap_err().to_string(),
            "brand: must be at most 20 characters, found 21"
        );
        assert_eq!(optional_line("brand", " ", 20), Ok(None));
        assert_eq!(
            RecordName::parse("pond name", "Ao số 3").unwrap().as_str(),
            "Ao số 3"
        );
    }
}
