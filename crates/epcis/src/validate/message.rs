//! JSON Schema errors turned into issues with plain-English rules. The wording is deliberately
//! ours, not the `jsonschema` crate's, so that it stays stable across crate upgrades and reads
//! well for a data clerk: "must be one of OBSERVE, ADD, DELETE", not a dump of the schema.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use super::ValidationIssue;
use super::path::{self, Seg};

/// What an `anyOf` / `oneOf` failure says when no branch can be put in words; dropped when a
/// more specific issue at or inside the same location already explains it.
pub(super) const NO_ALLOWED_FORM: &str = "must match one of the allowed forms";

/// How many values of an `enum` a message lists before it says how many there are in all.
const ENUM_SHOWN: usize = 8;

/// Appends the issue(s) one schema error stands for.
pub(super) fn push_schema_error(
    document: &Value,
    error: &ValidationError<'_>,
    issues: &mut Vec<ValidationIssue>,
) {
    let at = error.instance_path().as_str();
    let segs = path::segments(document, at);
    match error.kind() {
        // A missing field is reported at the field, so the path names what to add.
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            issues.push(issue(child(&segs, name), "is required".to_owned()));
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                issues.push(issue(
                    child(&segs, name.clone()),
                    "is not allowed here".to_owned(),
                ));
            }
        }
        // The schema lists each event type's fields in `propertyNames`; say which type refused
        // the field, since "action is not allowed" is puzzling without it.
        ValidationErrorKind::PropertyNames { error: inner } => {
            let name = match inner.instance().as_ref() {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let owner = document
                .pointer(at)
                .and_then(|v| v.get("type"))
                .and_then(Value::as_str);
            let message = match owner {
                Some(kind) => format!("is not allowed in {}", with_article(kind)),
                None => "is not allowed here".to_owned(),
            };
            issues.push(issue(child(&segs, name), message));
        }
        // Among alternatives, one that got further into the value than the others is what the
        // author meant: report its errors, which point at the actual field at fault.
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            if let Some(branch) = deepest_branch(at, context) {
                for inner in branch {
                    push_schema_error(document, inner, issues);
                }
            } else {
                issues.push(issue(segs, format!("must {}", phrase(at, error.kind()))));
            }
        }
        kind => issues.push(issue(segs, format!("must {}", phrase(at, kind)))),
    }
}

/// An issue at a location.
fn issue(segs: Vec<Seg>, message: String) -> ValidationIssue {
    ValidationIssue {
        event_index: path::event_index(&segs),
        path: path::render(&segs),
        message,
    }
}

/// The location of a member of the object at `segs`.
fn child(segs: &[Seg], name: String) -> Vec<Seg> {
    let mut out = segs.to_vec();
    out.push(Seg::Key(name));
    out
}

/// `an ObjectEvent`, `a TransformationEvent`.
fn with_article(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// The single branch of an `anyOf` / `oneOf` whose errors all lie below `at` (it matched the
/// value's shape and failed only inside it), when exactly one branch does.
fn deepest_branch<'e>(
    at: &str,
    context: &'e [Vec<ValidationError<'static>>],
) -> Option<&'e [ValidationError<'static>]> {
    let mut deeper = context.iter().filter(|branch| {
        !branch.is_empty()
            && branch
                .iter()
                .all(|e| e.instance_path().as_str().len() > at.len())
    });
    let first = deeper.next()?;
    if deeper.next().is_some() {
        return None;
    }
    Some(first)
}

/// The rule a schema keyword states, as the words that follow "must".
fn phrase(at: &str, kind: &ValidationErrorKind) -> String {
    match kind {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            alternatives(at, context)
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "match exactly one of the allowed forms, not several".to_owned()
        }
        ValidationErrorKind::Required { property } => {
            format!("have {}", property.as_str().unwrap_or("a required field"))
        }
        ValidationErrorKind::Type { kind } => match kind {
            TypeKind::Single(t) => format!("be {}", type_name(*t)),
            TypeKind::Multiple(set) => {
                let names: Vec<_> = set.iter().map(type_name).collect();
                format!("be {}", names.join(" or "))
            }
        },
        ValidationErrorKind::Enum { options } => match options.as_ref() {
            Value::Array(values) => one_of(values),
            other => format!("be {}", show(other)),
        },
        ValidationErrorKind::Constant { expected_value } => format!("be {}", show(expected_value)),
        ValidationErrorKind::Format { format } => match format.as_str() {
            "date-time" => "be a date-time (e.g. 2024-01-31T09:30:00+07:00)".to_owned(),
            "uri" => "be a URI".to_owned(),
            other => format!("be a valid {other}"),
        },
        ValidationErrorKind::Pattern { pattern } => pattern_phrase(pattern),
        ValidationErrorKind::Minimum { limit } => format!("be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("be at most {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("be greater than {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("be less than {limit}"),
        ValidationErrorKind::MinItems { limit } => format!("have at least {limit} item(s)"),
        ValidationErrorKind::MaxItems { limit } => format!("have at most {limit} item(s)"),
        ValidationErrorKind::MinLength { limit } => {
            format!("be at least {limit} character(s) long")
        }
        ValidationErrorKind::MaxLength { limit } => format!("be at most {limit} character(s) long"),
        ValidationErrorKind::MinProperties { limit } => format!("have at least {limit} field(s)"),
        ValidationErrorKind::MaxProperties { limit } => format!("have at most {limit} field(s)"),
        ValidationErrorKind::UniqueItems => "have no duplicate items".to_owned(),
        ValidationErrorKind::Contains => "contain an item of the required form".to_owned(),
        // `"not": {}` is how the schema forbids a field in some case (e.g. `ilmd` unless the
        // action is ADD).
        ValidationErrorKind::Not { schema } if schema.as_object().is_some_and(|o| o.is_empty()) => {
            "not be present here".to_owned()
        }
        ValidationErrorKind::Not { .. } | ValidationErrorKind::FalseSchema => {
            "not be present here in this form".to_owned()
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            format!("not have the field(s) {}", unexpected.join(", "))
        }
        _ => "match the EPCIS 2.0 schema here".to_owned(),
    }
}

/// "be X, or be Y" from the branches of an `anyOf` / `oneOf` that failed at this very location;
/// a generic phrase when a branch failed deeper inside too.
fn alternatives(at: &str, context: &[Vec<ValidationError<'static>>]) -> String {
    let mut options = Vec::new();
    for branch in context {
        if branch.is_empty() || branch.iter().any(|e| e.instance_path().as_str() != at) {
            return NO_ALLOWED_FORM["must ".len()..].to_owned();
        }
        let parts: Vec<_> = branch.iter().map(|e| phrase(at, e.kind())).collect();
        let text = parts.join(" and ");
        if !options.contains(&text) {
            options.push(text);
        }
    }
    if options.is_empty() {
        NO_ALLOWED_FORM["must ".len()..].to_owned()
    } else {
        options.join(", or ")
    }
}

/// "be one of a, b, c" with a long list shortened.
fn one_of(values: &[Value]) -> String {
    let shown: Vec<_> = values.iter().take(ENUM_SHOWN).map(show).collect();
    if values.len() > ENUM_SHOWN {
        format!(
            "be one of {}, … ({} values in all)",
            shown.join(", "),
            values.len()
        )
    } else if values.len() == 1 {
        format!("be {}", shown.join(""))
    } else {
        format!("be one of {}", shown.join(", "))
    }
}

/// A schema value as written in a message: strings bare, anything else as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "a string", "an object".
fn type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "an array",
        JsonType::Object => "an object",
    }
}

/// The patterns of the EPCIS 2.0 schema, said in words; any other is quoted.
fn pattern_phrase(pattern: &str) -> String {
    let words = match pattern {
        "^([+]|[-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00)$" => {
            "be a time zone offset ±hh:mm within ±14:00"
        }
        "^ADD$" => "be ADD",
        "^DELETE$" => "be DELETE",
        "^OBSERVE$" => "be OBSERVE",
        "^[A-Fa-f0-9]+$" => "be hexadecimal digits",
        "^[A-Z0-9]{2,3}$" => "be a UN/CEFACT unit code (2 or 3 capital letters or digits)",
        "^\\d+(\\.\\d+)*$" => "be a version number such as 2.0",
        "^(?!(urn:epcglobal:cbv|https?:\\/\\/ns\\.gs1\\.org/cbv\\/))" => {
            "be a URI outside the CBV namespace"
        }
        "^(?!(https?:\\/\\/gs1\\.org\\/voc\\/|https?:\\/\\/www\\.gs1\\.org\\/voc\\/))" => {
            "be a URI outside the GS1 Web Vocabulary namespace"
        }
        other => return format!("match the pattern {other}"),
    };
    words.to_owned()
}
