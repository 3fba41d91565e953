//! EPCIS 2.0 query parameters (`GET /epcis/events?…`, named query definitions) parsed into the
//! store's [`EventQuery`]. Every parameter of the standard's query language is understood or
//! refused with a `QueryParameterException` naming it; nothing is silently ignored.
//!
//! Generic field parameters (`EQ_ILMD_ex:lot`, `GT_value_CEL`, `EXISTS_errorDeclaration`) become
//! field filters whose names match what [`super::index`] writes: the operator is cut off and an
//! extension's CURIE is expanded to its IRI with the prefixes of the `GS1-Extensions` header.

use std::collections::HashMap;

use nguon_domain::{
    Action, Comparison, Direction, EventCursor, EventQuery, EventType, FieldCondition, FieldFilter,
    IdentifierMatch, IdentifierRole, OrderBy, Owners,
};
use nguon_epcis::identifier::index_form;
use nguon_epcis::model::parse_timestamp;
use nguon_epcis::vocab::{STANDARD_VALUE_PREFIXES, Vocabulary};
use nguon_gs1::urn_to_digital_link;

/// Scopes of extension fields, as the query language spells them after the operator.
const EXTENSION_SCOPES: [&str; 8] = [
    "ILMD_",
    "ERROR_DECLARATION_",
    "SENSORELEMENT_",
    "SENSORMETADATA_",
    "SENSORREPORT_",
    "readPoint_",
    "bizLocation_",
    "",
];

/// Standard field parameters whose values are numbers.
const NUMBER_FIELDS: [&str; 8] = [
    "quantity",
    "value",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percValue",
    "percRank",
];

/// Standard field parameters whose values are times.
const TIME_FIELDS: [&str; 4] = ["errorDeclaration_Time", "time", "startTime", "endTime"];

/// Standard field parameters compared as text, with the vocabulary their values belong to.
const TEXT_FIELDS: [(&str, Option<Vocabulary>); 13] = [
    ("transformationID", None),
    ("persistentDisposition_set", Some(Vocabulary::Disposition)),
    ("persistentDisposition_unset", Some(Vocabulary::Disposition)),
    ("errorReason", Some(Vocabulary::ErrorReason)),
    ("correctiveEventID", None),
    ("type", Some(Vocabulary::MeasurementType)),
    ("deviceID", None),
    ("dataProcessingMethod", None),
    ("microorganism", None),
    ("chemicalSubstance", None),
    ("bizRules", None),
    ("stringValue", None),
    ("hexBinaryValue", None),
];

/// A refused parameter: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// The parameter as the client wrote it.
    pub parameter: String,
    /// The rule it broke.
    pub message: String,
}

/// A parsed query: the store query plus the limits the web layer enforces across pages.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuery {
    /// What the store answers, page by page.
    pub query: EventQuery,
    /// `eventCountLimit`: return at most this many events in all, the first ones in order.
    pub event_count_limit: Option<u32>,
    /// `maxEventCount`: refuse the query if more events than this match.
    pub max_event_count: Option<u32>,
    /// Events already returned by earlier pages (carried in the page token).
    pub already_returned: u32,
}

/// Namespace prefixes for extension CURIEs in parameter names: the standard ones plus those the
/// client declared in `GS1-Extensions` (`ex=https://ns.example.com/epcis/, gdst=…`).
#[derive(Debug, Clone, Default)]
pub struct Prefixes(HashMap<String, String>);

impl Prefixes {
    /// Reads a `GS1-Extensions` header value.
    pub fn from_header(value: Option<&str>) -> Result<Self, ParamError> {
        let mut map: HashMap<String, String> = STANDARD_VALUE_PREFIXES
            .iter()
            .map(|(p, iri)| ((*p).to_owned(), (*iri).to_owned()))
            .collect();
        for entry in value.unwrap_or_default().split(',').map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            let (prefix, iri) = entry.split_once('=').ok_or_else(|| ParamError {
                parameter: "GS1-Extensions".to_owned(),
                message: format!("entry {entry:?} must be prefix=namespace-IRI"),
            })?;
            map.insert(prefix.trim().to_owned(), iri.trim().to_owned());
        }
        Ok(Self(map))
    }

    /// Adds prefixes (from a named query's `@context`).
    pub fn extend(&mut self, pairs: impl IntoIterator<Item = (String, String)>) {
        self.0.extend(pairs);
    }

    fn expand(&self, name: &str) -> Option<String> {
        if name.starts_with("http://") || name.starts_with("https://") || name.starts_with("urn:") {
            return Some(name.to_owned());
        }
        let (prefix, local) = name.split_once(':')?;
        Some(format!("{}{local}", self.0.get(prefix)?))
    }
}

/// Parses query parameters over the events of `owners` (`None`: every organisation, `Some`:
/// one). `params` are decoded name/value pairs in URL order; a repeated parameter is refused, as
/// the standard has none.
pub fn parse(
    params: &[(String, String)],
    owners: impl Into<Owners>,
    prefixes: &Prefixes,
) -> Result<ParsedQuery, ParamError> {
    let mut parsed = ParsedQuery {
        query: EventQuery::new(owners),
        event_count_limit: None,
        max_event_count: None,
        already_returned: 0,
    };
    let mut seen = std::collections::HashSet::new();
    for (name, value) in params {
        if !seen.insert(name.as_str()) {
            return Err(error(name, "is given more than once"));
        }
        apply(&mut parsed, name, value, prefixes)?;
    }
    Ok(parsed)
}

fn error(parameter: &str, message: impl Into<String>) -> ParamError {
    ParamError {
        parameter: parameter.to_owned(),
        message: message.into(),
    }
}

fn list(value: &str) -> Vec<String> {
    value
        .split('|')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

fn time_value(name: &str, value: &str) -> Result<time::OffsetDateTime, ParamError> {
    // A `+` of an offset arrives as a space when the client did not percent-encode it.
    parse_timestamp(&value.replace(' ', "+"))
        .ok_or_else(|| error(name, format!("{value:?} is not a date-time with an offset")))
}

fn count(name: &str, value: &str) -> Result<u32, ParamError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| error(name, format!("{value:?} is not a positive integer")))
}

fn apply(
    parsed: &mut ParsedQuery,
    name: &str,
    value: &str,
    prefixes: &Prefixes,
) -> Result<(), ParamError> {
    let query = &mut parsed.query;
    match name {
        "eventType" => {
            query.event_types = Some(
                list(value)
                    .iter()
                    .map(|t| EventType::parse(t).map_err(|e| error(name, e.to_string())))
                    .collect::<Result<_, _>>()?,
            );
        }
        "GE_eventTime" => query.event_time.ge = Some(time_value(name, value)?),
        "LT_eventTime" => query.event_time.lt = Some(time_value(name, value)?),
        "GE_recordTime" => query.record_time.ge = Some(time_value(name, value)?),
        "LT_recordTime" => query.record_time.lt = Some(time_value(name, value)?),
        "EQ_action" => {
            query.actions = Some(
                list(value)
                    .iter()
                    .map(|a| Action::parse(a).map_err(|e| error(name, e.to_string())))
                    .collect::<Result<_, _>>()?,
            );
        }
        "EQ_bizStep" => query.biz_steps = Some(normalised(value, Vocabulary::BizStep)),
        "EQ_disposition" => query.dispositions = Some(normalised(value, Vocabulary::Disposition)),
        "EQ_readPoint" => query.read_points = Some(locations(value)),
        "EQ_bizLocation" => query.biz_locations = Some(locations(value)),
        "WD_readPoint" => query.read_points_within = Some(locations(value)),
        "WD_bizLocation" => query.biz_locations_within = Some(locations(value)),
        "EQ_eventID" => query.event_ids = Some(list(value)),
        "orderBy" => {
            query.order_by = match value {
                "eventTime" => OrderBy::EventTime,
                "recordTime" => OrderBy::RecordTime,
                _ => {
                    return Err(error(
                        name,
                        format!("{value:?}: only eventTime and recordTime are supported"),
                    ));
                }
            }
        }
        "orderDirection" => {
            query.direction = match value {
                "ASC" => Direction::Ascending,
                "DESC" => Direction::Descending,
                _ => return Err(error(name, format!("{value:?} must be ASC or DESC"))),
            }
        }
        "perPage" => query.limit = count(name, value)?,
        "eventCountLimit" => parsed.event_count_limit = Some(count(name, value)?),
        "maxEventCount" => parsed.max_event_count = Some(count(name, value)?),
        "nextPageToken" => {
            let (cursor, returned) = value.split_once('.').unwrap_or((value, "0"));
            query.after = Some(
                EventCursor::decode(cursor)
                    .map_err(|_| error(name, "is not a token this server issued"))?,
            );
            parsed.already_returned = returned
                .parse()
                .map_err(|_| error(name, "is not a token this server issued"))?;
        }
        _ => {
            if let Some(target) = name.strip_prefix("MATCH_") {
                query
                    .identifiers
                    .push(identifier_match(name, target, value)?);
            } else {
                query.fields.push(field_filter(name, value, prefixes)?);
            }
        }
    }
    Ok(())
}

fn normalised(value: &str, vocabulary: Vocabulary) -> Vec<String> {
    list(value)
        .iter()
        .map(|v| vocabulary.normalise(v))
        .collect()
}

fn locations(value: &str) -> Vec<String> {
    list(value).iter().map(|v| index_form(v)).collect()
}

fn identifier_match(name: &str, target: &str, value: &str) -> Result<IdentifierMatch, ParamError> {
    use IdentifierRole::*;
    let roles = match target {
        "epc" => vec![Epc],
        "parentID" => vec![Parent],
        "inputEPC" => vec![Input],
        "outputEPC" => vec![Output],
        "anyEPC" => vec![Epc, Parent, Input, Output],
        "epcClass" => vec![EpcClass],
        "inputEPCClass" => vec![InputClass],
        "outputEPCClass" => vec![OutputClass],
        "anyEPCClass" => vec![EpcClass, InputClass, OutputClass],
        _ => return Err(error(name, "is not a MATCH_ parameter of EPCIS 2.0")),
    };
    let classes = roles.contains(&EpcClass) || roles.contains(&InputClass);
    let mut matched = IdentifierMatch {
        roles,
        exact: Vec::new(),
        prefixes: Vec::new(),
    };
    for item in list(value) {
        if item.contains('*') {
            let prefixes = pattern_prefixes(&item, classes).ok_or_else(|| {
                error(
                    name,
                    format!("{item:?}: only trailing `*` fields of an EPC pattern are supported"),
                )
            })?;
            // A class pattern on one GTIN also matches the GTIN itself (a class quantity
            // without a lot): the lot prefix without its `/10/`.
            if classes && let Some(gtin) = prefixes.last().and_then(|p| p.strip_suffix("/10/")) {
                matched.exact.push(gtin.to_owned());
            }
            matched.prefixes.extend(prefixes);
        } else {
            matched.exact.push(index_form(&item));
        }
    }
    Ok(matched)
}

/// Marker put in place of a `*` so the URN converter builds the link; the prefix ends where it
/// starts. Letters only, so no GS1 key digit can look like it.
const WILDCARD: &str = "WILDCARDXYZ";

/// The indexed-form prefixes an EPC pattern (`urn:epc:idpat:sgtin:0614141.107346.*`, or a
/// `urn:epc:id:…`/`urn:epc:class:lgtin:…` with a trailing `*`) matches. Class queries match lots
/// of a GTIN (`…/10/`), instance queries its serials (`…/21/`).
fn pattern_prefixes(pattern: &str, classes: bool) -> Option<Vec<String>> {
    let (scheme_part, fields) = pattern.rsplit_once(':')?;
    let scheme = scheme_part.rsplit(':').next()?;
    let parts: Vec<&str> = fields.split('.').collect();
    let stars = parts.iter().rev().take_while(|p| **p == "*").count();
    if stars == 0 || parts[..parts.len() - stars].contains(&"*") {
        return None;
    }
    let fixed = &parts[..parts.len() - stars];
    // Only the company prefix fixed: the key starts with an indicator or extension digit.
    let company_wide = match (scheme, fixed) {
        ("sgtin" | "lgtin", [company_prefix]) => Some(("01", company_prefix)),
        ("sscc", [company_prefix]) => Some(("00", company_prefix)),
        _ => None,
    };
    if let Some((ai, company_prefix)) = company_wide {
        return Some(
            (0..10)
                .map(|digit| format!("https://id.gs1.org/{ai}/{digit}{company_prefix}"))
                .collect(),
        );
    }
    if stars != 1 {
        return None;
    }
    let scheme = if classes && scheme == "sgtin" {
        "lgtin"
    } else {
        scheme
    };
    let kind = if scheme == "lgtin" { "class" } else { "id" };
    let urn = format!("urn:epc:{kind}:{scheme}:{}.{WILDCARD}", fixed.join("."));
    let link = urn_to_digital_link(&urn).ok()?.canonical_id();
    Some(vec![link[..link.find(WILDCARD)?].to_owned()])
}

fn field_filter(name: &str, value: &str, prefixes: &Prefixes) -> Result<FieldFilter, ParamError> {
    let (operator, field) = name
        .split_once('_')
        .ok_or_else(|| error(name, "is not a query parameter of EPCIS 2.0"))?;
    let comparison = match operator {
        "EQ" => Some(Comparison::Eq),
        "GT" => Some(Comparison::Gt),
        "GE" => Some(Comparison::Ge),
        "LT" => Some(Comparison::Lt),
        "LE" => Some(Comparison::Le),
        "EXISTS" => None,
        _ => return Err(error(name, "is not a query parameter of EPCIS 2.0")),
    };
    let field = field_name(field, prefixes)
        .ok_or_else(|| error(name, "names no field this server indexes (for an extension, declare its prefix in GS1-Extensions)"))?;
    let condition = match comparison {
        None => FieldCondition::Exists,
        Some(comparison) => condition(name, &field, comparison, value)?,
    };
    Ok(FieldFilter {
        name: field.name,
        condition,
    })
}

/// An indexed field and how its values compare.
struct Field {
    name: String,
    kind: FieldKind,
}

enum FieldKind {
    Text(Option<Vocabulary>),
    Number,
    Time,
    /// An extension: compared as text by `EQ_`, as a number or time by the others.
    Any,
    /// Presence only (`EXISTS_errorDeclaration`).
    Presence,
}

fn field_name(field: &str, prefixes: &Prefixes) -> Option<Field> {
    let simple = |kind| {
        Some(Field {
            name: field.to_owned(),
            kind,
        })
    };
    if let Some((_, vocabulary)) = TEXT_FIELDS.iter().find(|(n, _)| *n == field) {
        return simple(FieldKind::Text(*vocabulary));
    }
    if TIME_FIELDS.contains(&field) {
        return simple(FieldKind::Time);
    }
    if matches!(field, "errorDeclaration" | "sensorElementList") {
        return simple(FieldKind::Presence);
    }
    if field == "booleanValue" || field == "uriValue" {
        return simple(FieldKind::Text(None));
    }
    let base = field.split_once('_').map_or(field, |(base, _)| base);
    if NUMBER_FIELDS.contains(&base) && (field == base || field[base.len() + 1..].len() <= 4) {
        return simple(FieldKind::Number);
    }
    for (prefix, vocabulary) in [
        ("bizTransaction_", Vocabulary::BizTransactionType),
        ("source_", Vocabulary::SourceDestinationType),
        ("destination_", Vocabulary::SourceDestinationType),
    ] {
        if let Some(kind) = field.strip_prefix(prefix) {
            return Some(Field {
                name: format!("{prefix}{}", vocabulary.normalise(kind)),
                kind: FieldKind::Text(None),
            });
        }
    }
    let (inner, rest) = match field.strip_prefix("INNER_") {
        Some(rest) => ("INNER_", rest),
        None => ("", field),
    };
    let (scope, curie) = EXTENSION_SCOPES
        .iter()
        .find_map(|scope| Some((*scope, rest.strip_prefix(scope)?)))?;
    Some(Field {
        name: format!("{inner}{scope}{}", prefixes.expand(curie)?),
        kind: FieldKind::Any,
    })
}

fn condition(
    name: &str,
    field: &Field,
    comparison: Comparison,
    value: &str,
) -> Result<FieldCondition, ParamError> {
    let number = || {
        value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| FieldCondition::Number(comparison, n))
    };
    let time = || {
        time_value(name, value)
            .ok()
            .map(|t| FieldCondition::Time(comparison, t))
    };
    let found = match (&field.kind, comparison) {
        (FieldKind::Presence, _) => {
            return Err(error(name, "only EXISTS_ applies to this field"));
        }
        (FieldKind::Text(vocabulary), Comparison::Eq) => Some(FieldCondition::TextIn(
            vocabulary.map_or_else(|| list(value), |v| normalised(value, v)),
        )),
        (FieldKind::Text(_), _) => {
            return Err(error(name, "is a text field: only EQ_ and EXISTS_ apply"));
        }
        (FieldKind::Any, Comparison::Eq) => Some(FieldCondition::TextIn(list(value))),
        (FieldKind::Number, _) => number(),
        (FieldKind::Time, _) => time(),
        (FieldKind::Any, _) => number().or_else(time),
    };
    found.ok_or_else(|| {
        error(
            name,
            format!("{value:?} is not a number or a date-time with an offset"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_pairs(pairs: &[(&str, &str)]) -> Result<ParsedQuery, ParamError> {
        let params: Vec<(String, String)> = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        let prefixes =
            Prefixes::from_header(Some("ex=https://ns.example.com/epcis/")).expect("header");
        parse(&params, None, &prefixes)
    }

    #[test]
    fn standard_parameters_fill_the_query() {
        let parsed = parse_pairs(&[
            ("eventType", "ObjectEvent|TransformationEvent"),
            ("GE_eventTime", "2026-01-01T00:00:00 07:00"),
            ("EQ_bizStep", "shipping|urn:epcglobal:cbv:bizstep:receiving"),
            ("EQ_readPoint", "urn:epc:id:sgln:0614141.07346.1234"),
            ("orderDirection", "DESC"),
            ("perPage", "50"),
        ])
        .expect("valid");
        let q = parsed.query;
        assert_eq!(
            q.event_types,
            Some(vec![EventType::ObjectEvent, EventType::TransformationEvent])
        );
        assert_eq!(
            q.event_time.ge,
            Some(time::macros::datetime!(2026-01-01 00:00:00 +07:00))
        );
        assert_eq!(
            q.biz_steps,
            Some(vec![
                "https://ref.gs1.org/cbv/BizStep-shipping".to_owned(),
                "https://ref.gs1.org/cbv/BizStep-receiving".to_owned()
            ])
        );
        assert_eq!(
            q.read_points,
            Some(vec![
                "https://id.gs1.org/414/0614141073467/254/1234".to_owned()
            ])
        );
        assert_eq!(q.direction, Direction::Descending);
        assert_eq!(q.limit, 50);
    }

    #[test]
    fn patterns_become_prefixes() {
        let parsed = parse_pairs(&[
            ("MATCH_epc", "urn:epc:idpat:sgtin:0614141.107346.*"),
            ("MATCH_anyEPCClass", "urn:epc:idpat:sgtin:0614141.107346.*"),
        ])
        .expect("valid");
        let [epc, class] = parsed.query.identifiers.as_slice() else {
            panic!("two matches")
        };
        assert_eq!(epc.prefixes, ["https://id.gs1.org/01/10614141073464/21/"]);
        assert_eq!(class.prefixes, ["https://id.gs1.org/01/10614141073464/10/"]);
        assert_eq!(class.exact, ["https://id.gs1.org/01/10614141073464"]);
        let wide = parse_pairs(&[("MATCH_epc", "urn:epc:idpat:sscc:0614141.*")]).expect("valid");
        assert_eq!(wide.query.identifiers[0].prefixes.len(), 10);
        assert!(parse_pairs(&[("MATCH_epc", "urn:epc:idpat:sgtin:0614141.*.1")]).is_err());
    }

    #[test]
    fn field_parameters_name_indexed_fields() {
        let parsed = parse_pairs(&[
            ("EQ_ILMD_ex:lot", "L1|L2"),
            ("GE_value_CEL", "4.5"),
            ("LT_INNER_ex:harvested", "2026-03-01T00:00:00Z"),
            ("EXISTS_errorDeclaration", ""),
            (
                "EQ_bizTransaction_po",
                "urn:epcglobal:cbv:bt:0614141000005:PO1",
            ),
            ("EQ_type", "Temperature"),
        ])
        .expect("valid");
        let names: Vec<&str> = parsed
            .query
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "ILMD_https://ns.example.com/epcis/lot",
                "value_CEL",
                "INNER_https://ns.example.com/epcis/harvested",
                "errorDeclaration",
                "bizTransaction_https://ref.gs1.org/cbv/BTT-po",
                "type"
            ]
        );
        assert_eq!(
            parsed.query.fields[1].condition,
            FieldCondition::Number(Comparison::Ge, 4.5)
        );
        assert_eq!(
            parsed.query.fields[5].condition,
            FieldCondition::TextIn(vec!["https://gs1.org/voc/Temperature".to_owned()])
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        for (pairs, parameter, message) in [
            (
                vec![("GE_eventTime", "yesterday")],
                "GE_eventTime",
                "\"yesterday\" is not a date-time with an offset",
            ),
            (
                vec![("EQ_ILMD_nope:lot", "1")],
                "EQ_ILMD_nope:lot",
                "names no field this server indexes (for an extension, declare its prefix in GS1-Extensions)",
            ),
            (
                vec![("EQ_action", "MOVE")],
                "EQ_action",
                "action: must be one of ADD, OBSERVE, DELETE; found \"MOVE\"",
            ),
            (
                vec![("perPage", "0")],
                "perPage",
                "\"0\" is not a positive integer",
            ),
            (
                vec![("GT_errorReason", "x")],
                "GT_errorReason",
                "is a text field: only EQ_ and EXISTS_ apply",
            ),
            (
                vec![("foo", "1")],
                "foo",
                "is not a query parameter of EPCIS 2.0",
            ),
            (
                vec![("perPage", "1"), ("perPage", "2")],
                "perPage",
                "is given more than once",
            ),
        ] {
            let failure = parse_pairs(&pairs).expect_err(parameter);
            assert_eq!(failure.parameter, parameter);
            assert_eq!(failure.message, message, "{parameter}");
        }
    }
}
