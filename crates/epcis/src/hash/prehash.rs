//! The canonical pre-hash string of one event.

use super::canon::{canonical_timestamp, canonical_value};
use super::tree::{Event, Node};
use super::{HashError, MAX_DEPTH};

/// How a field in the canonical order is written.
#[derive(Clone, Copy)]
enum Shape {
    /// `name=value`, the value in normal form.
    Value,
    /// `name=value`, the value a time stamp in UTC.
    Time,
    /// `name` followed by its children in this order, then its other children sorted.
    Group(&'static [Field]),
}

#[derive(Clone, Copy)]
struct Field {
    name: &'static str,
    shape: Shape,
}

const fn value(name: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Value,
    }
}

const fn time(name: &'static str) -> Field {
    Field {
        name,
        shape: Shape::Time,
    }
}

const fn group(name: &'static str, fields: &'static [Field]) -> Field {
    Field {
        name,
        shape: Shape::Group(fields),
    }
}

const EPCS: &[Field] = &[value("epc")];
const QUANTITY: &[Field] = &[group(
    "quantityElement",
    &[value("epcClass"), value("quantity"), value("uom")],
)];
const SENSOR_METADATA: &[Field] = &[
    time("time"),
    time("startTime"),
    time("endTime"),
    value("deviceID"),
    value("deviceMetadata"),
    value("rawData"),
    value("dataProcessingMethod"),
    value("bizRules"),
];
const SENSOR_REPORT: &[Field] = &[
    value("type"),
    value("exception"),
    value("deviceID"),
    value("deviceMetadata"),
    value("rawData"),
    value("dataProcessingMethod"),
    time("time"),
    value("microorganism"),
    value("chemicalSubstance"),
    value("value"),
    value("component"),
    value("stringValue"),
    value("booleanValue"),
    value("hexBinaryValue"),
    value("uriValue"),
    value("minValue"),
    value("maxValue"),
    value("meanValue"),
    value("sDev"),
    value("percRank"),
    value("percValue"),
    value("uom"),
    value("coordinateReferenceSystem"),
];

/// The fields written in a fixed order after `eventType`. Everything else at event level
/// (business transactions, sources, destinations, ILMD, extensions) follows, sorted as strings.
const EVENT_ORDER: &[Field] = &[
    time("eventTime"),
    value("eventTimeZoneOffset"),
    value("certificationInfo"),
    value("parentID"),
    group("epcList", EPCS),
    group("inputEPCList", EPCS),
    group("childEPCs", EPCS),
    group("quantityList", QUANTITY),
    group("childQuantityList", QUANTITY),
    group("inputQuantityList", QUANTITY),
    group("outputEPCList", EPCS),
    group("outputQuantityList", QUANTITY),
    value("action"),
    value("transformationID"),
    value("bizStep"),
    value("disposition"),
    group("persistentDisposition", &[value("set"), value("unset")]),
    group("readPoint", &[value("id")]),
    group("bizLocation", &[value("id")]),
    group(
        "sensorElementList",
        &[group(
            "sensorElement",
            &[
                group("sensorMetadata", SENSOR_METADATA),
                group("sensorReport", SENSOR_REPORT),
            ],
        )],
    ),
];

/// Event fields that never take part in the hash: they are set by whoever stores the event or
/// declare an error about it, and an error declaration must keep the original event's hash.
const NOT_HASHED: [&str; 4] = ["eventID", "recordTime", "errorDeclaration", "type"];

/// Lists whose items carry a `type`, written type first, then the item.
const TYPED_LISTS: [(&str, &str); 3] = [
    ("bizTransactionList", "bizTransaction"),
    ("sourceList", "source"),
    ("destinationList", "destination"),
];

struct Context<'a> {
    index: usize,
    ignored: &'a [String],
}

impl Context<'_> {
    fn too_deep(&self, path: &str) -> HashError {
        HashError::TooDeep {
            index: self.index,
            field: path.split('.').next().unwrap_or_default().to_owned(),
        }
    }
}

/// The pre-hash string of an event: `eventType=…`, the fields in canonical order, then the rest.
pub(crate) fn pre_hash(
    event: &Event,
    index: usize,
    ignored: &[String],
) -> Result<String, HashError> {
    let context = Context { index, ignored };
    let mut out = format!("eventType={}", event.kind);
    let (ordered_part, leftovers) = ordered(&event.fields, EVENT_ORDER, "", 0, &context)?;
    out.push_str(&ordered_part);
    let mut rest = Vec::new();
    for field in leftovers.iter().chain(event.fields.iter().filter(|field| {
        let name = field.name.as_str();
        !EVENT_ORDER.iter().any(|f| f.name == name)
            && !NOT_HASHED.contains(&name)
            && !context.ignored.iter().any(|ignored| ignored == name)
    })) {
        rest.push(
            match TYPED_LISTS.iter().find(|(list, _)| *list == field.name) {
                Some((_, item)) => typed_list(field, item, &context)?,
                None => generic(field, 0, &context)?,
            },
        );
    }
    rest.sort();
    out.extend(rest);
    Ok(out)
}

/// The fields of `order` found among `children`, each field's occurrences sorted, and what is
/// left of them: a standard structure keeps the children that are neither in its order nor an
/// extension, and those are hashed again among the event's other fields (as the reference
/// implementation does, and its examples require).
fn ordered(
    children: &[Node],
    order: &[Field],
    path: &str,
    depth: usize,
    context: &Context,
) -> Result<(String, Vec<Node>), HashError> {
    let mut out = String::new();
    let mut leftovers = Vec::new();
    for field in order {
        let mut parts = Vec::new();
        for child in children.iter().filter(|c| c.name == field.name) {
            let (part, leftover) = in_order(child, field, path, depth, context)?;
            if !part.is_empty() {
                parts.push(part);
            }
            leftovers.extend(leftover);
        }
        parts.sort();
        out.extend(parts);
    }
    Ok((out, leftovers))
}

/// One field of the canonical order (empty when it has neither a value nor children) and what
/// is left of it for the rest of the event.
fn in_order(
    node: &Node,
    field: &Field,
    path: &str,
    depth: usize,
    context: &Context,
) -> Result<(String, Option<Node>), HashError> {
    let path = if path.is_empty() {
        node.name.clone()
    } else {
        format!("{path}.{}", node.name)
    };
    if depth > MAX_DEPTH {
        return Err(context.too_deep(&path));
    }
    let value = match field.shape {
        Shape::Time if !node.text.is_empty() => {
            canonical_timestamp(&node.text).ok_or_else(|| HashError::BadTimestamp {
                index: context.index,
                field: path.clone(),
                value: node.text.clone(),
            })?
        }
        _ => canonical_value(&node.text),
    };
    let mut body = String::new();
    let leftover = match field.shape {
        Shape::Group(sub) => {
            let (ordered_part, mut rest) = ordered(&node.children, sub, &path, depth + 1, context)?;
            body.push_str(&ordered_part);
            let others = node
                .children
                .iter()
                .filter(|c| !sub.iter().any(|f| f.name == c.name));
            let (extensions, unknown): (Vec<&Node>, Vec<&Node>) =
                others.partition(|c| c.name.starts_with('{'));
            // Extensions of a standard structure come after its standard fields.
            body.push_str(&generic_list(extensions, depth + 1, context)?);
            rest.extend(unknown.into_iter().cloned());
            (!rest.is_empty()).then(|| Node {
                name: node.name.clone(),
                text: node.text.clone(),
                children: rest,
            })
        }
        // A plain value with children of its own is not understood here and is hashed again
        // whole among the event's other fields.
        _ => (!node.children.is_empty()).then(|| node.clone()),
    };
    if value.is_empty() && body.is_empty() {
        return Ok((String::new(), leftover));
    }
    let mut out = node.name.clone();
    if !value.is_empty() {
        out.push('=');
        out.push_str(&value);
    }
    out.push_str(&body);
    Ok((out, leftover))
}

/// `bizTransactionList`, `sourceList` or `destinationList`: each item as `type=…` then
/// `bizTransaction=…` (or `source=…`, `destination=…`), items sorted.
fn typed_list(list: &Node, item: &str, context: &Context) -> Result<String, HashError> {
    let mut parts = Vec::new();
    for child in &list.children {
        if child.name != item {
            parts.push(generic(child, 1, context)?);
            continue;
        }
        let mut types: Vec<String> = child
            .children
            .iter()
            .filter(|c| c.name == "type")
            .map(|c| format!("type={}", canonical_value(&c.text)))
            .collect();
        types.sort();
        let mut part = types.concat();
        part.push_str(item);
        let value = canonical_value(&child.text);
        if !value.is_empty() {
            part.push('=');
            part.push_str(&value);
        }
        let extras = child.children.iter().filter(|c| c.name != "type").collect();
        part.push_str(&generic_list(extras, 2, context)?);
        parts.push(part);
    }
    parts.sort();
    Ok(format!("{}{}", list.name, parts.concat()))
}

/// Any field outside the canonical order: `name`, `=value` if it has one, then its children
/// written the same way and sorted.
fn generic(node: &Node, depth: usize, context: &Context) -> Result<String, HashError> {
    if depth > MAX_DEPTH {
        return Err(context.too_deep(&node.name));
    }
    let mut out = node.name.clone();
    let value = canonical_value(&node.text);
    if !value.is_empty() {
        out.push('=');
        out.push_str(&value);
    }
    out.push_str(&generic_list(
        node.children.iter().collect(),
        depth + 1,
        context,
    )?);
    Ok(out)
}

fn generic_list(nodes: Vec<&Node>, depth: usize, context: &Context) -> Result<String, HashError> {
    let mut parts = nodes
        .into_iter()
        .map(|node| generic(node, depth, context))
        .collect::<Result<Vec<_>, _>>()?;
    parts.sort();
    Ok(parts.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, text: &str, children: Vec<Node>) -> Node {
        Node {
            name: name.into(),
            text: text.into(),
            children,
        }
    }

    #[test]
    fn ordered_fields_then_the_rest_sorted() {
        let event = Event {
            kind: "ObjectEvent".into(),
            fields: vec![
                node("{https://x.example/}b", "2", vec![]),
                node(
                    "sourceList",
                    "",
                    vec![node(
                        "source",
                        "urn:epc:id:pgln:4012345.00000",
                        vec![node("type", "urn:epcglobal:cbv:sdt:owning_party", vec![])],
                    )],
                ),
                node("action", "OBSERVE", vec![]),
                node(
                    "readPoint",
                    "",
                    vec![
                        node("{https://x.example/}a", "1", vec![]),
                        node("id", "urn:epc:id:sgln:4012345.00005.0", vec![]),
                    ],
                ),
                node("eventTime", "2020-01-01T01:00:00+01:00", vec![]),
                node("recordTime", "2020-01-01T01:00:00+01:00", vec![]),
                node("{https://x.example/}c", "3", vec![]),
            ],
        };
        let ignored = ["{https://x.example/}c".to_owned()];
        assert_eq!(
            pre_hash(&event, 0, &ignored).unwrap(),
            "eventType=ObjectEventeventTime=2020-01-01T00:00:00.000Zaction=OBSERVE\
             readPointid=https://id.gs1.org/414/4012345000054{https://x.example/}a=1\
             sourceListtype=https://ref.gs1.org/cbv/SDT-owning_party\
             source=https://id.gs1.org/417/4012345000009{https://x.example/}b=2"
        );
    }

    #[test]
    fn empty_standard_fields_vanish_and_empty_extensions_stay() {
        let event = Event {
            kind: "ObjectEvent".into(),
            fields: vec![
                node("epcList", "", vec![]),
                node("{https://x.example/}flag", "", vec![]),
            ],
        };
        assert_eq!(
            pre_hash(&event, 0, &[]).unwrap(),
            "eventType=ObjectEvent{https://x.example/}flag"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let mut deep = node("{https://x.example/}leaf", "1", vec![]);
        for _ in 0..200 {
            deep = node("{https://x.example/}n", "", vec![deep]);
        }
        let event = Event {
            kind: "ObjectEvent".into(),
            fields: vec![deep],
        };
        assert!(matches!(
            pre_hash(&event, 3, &[]),
            Err(HashError::TooDeep { index: 3, .. })
        ));
    }
}
