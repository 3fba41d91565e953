//! EPCIS 2.0 and 1.2 XML into event trees. Attributes become children, the 1.2 `extension` and
//! `baseExtension` wrappers are dissolved into their parent, and names in a foreign namespace
//! become `{namespace}localName`.

use roxmltree::{Document as XmlDocument, Node as XmlNode, ParsingOptions};

use super::tree::{Document, Event, Node};
use super::{HashError, MAX_DEPTH};
use crate::vocab::STANDARD_VALUE_PREFIXES;

/// Namespaces of the EPCIS schemas themselves: an element in one of them is a standard field,
/// whether the document qualifies it or (as usual) leaves it unqualified.
const EPCIS_NAMESPACES: [&str; 4] = [
    "urn:epcglobal:epcis:xsd:1",
    "urn:epcglobal:epcis:xsd:2",
    "urn:epcglobal:epcis-query:xsd:1",
    "urn:epcglobal:epcis-query:xsd:2",
];

fn qualified_name(namespace: Option<&str>, local: &str) -> String {
    match namespace {
        Some(ns) if !EPCIS_NAMESPACES.contains(&ns) => format!("{{{ns}}}{local}"),
        _ => local.to_owned(),
    }
}

/// The 1.2 wrappers that carry no meaning of their own.
fn is_wrapper(element: XmlNode) -> bool {
    let name = element.tag_name();
    matches!(name.name(), "extension" | "baseExtension")
        && name
            .namespace()
            .is_none_or(|ns| EPCIS_NAMESPACES.contains(&ns))
}

/// `gs1:` and `cbv:` (and `epcis:`) values as full URIs: the XML binding writes measurement
/// types and CBV terms such as `gs1:Temperature` this way.
fn expand_value(text: &str) -> String {
    let text = text.trim();
    STANDARD_VALUE_PREFIXES
        .iter()
        .find_map(|(prefix, iri)| {
            text.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(|local| format!("{iri}{local}"))
        })
        .unwrap_or_else(|| text.to_owned())
}

/// The text before an element's first child element (comments and processing instructions
/// skipped), as the XML binding puts a value there.
fn own_text(element: XmlNode) -> String {
    let mut text = String::new();
    for child in element.children() {
        if child.is_element() {
            break;
        }
        if child.is_text() {
            text.push_str(child.text().unwrap_or_default());
        }
    }
    text
}

/// Whether the document type declaration has an internal subset (`<!DOCTYPE x [ … ]>`), the only
/// place entities can be declared. A bare `<!DOCTYPE project>`, which GS1's own example files
/// carry, declares nothing and is accepted; an internal subset is refused so that no entity is
/// ever expanded (no "billion laughs").
fn has_internal_subset(text: &str) -> bool {
    let Some(start) = text.find("<!DOCTYPE") else {
        return false;
    };
    let mut quote = None;
    for c in text[start..].chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => return true,
            (None, '>') => return false,
            _ => {}
        }
    }
    false
}

/// Reads an `EPCISDocument` or `EPCISQueryDocument`, 2.0 or 1.2.
pub(crate) fn read_document(text: &str) -> Result<Document, HashError> {
    if has_internal_subset(text) {
        return Err(HashError::Xml(
            "a document type declaration with an internal subset (entity declarations) is refused"
                .to_owned(),
        ));
    }
    let options = ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    };
    let xml = XmlDocument::parse_with_options(text, options)
        .map_err(|e| HashError::Xml(e.to_string()))?;
    let event_list = xml
        .root_element()
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "EventList")
        .ok_or(HashError::NoEventList(
            "expected EPCISBody/EventList or EPCISBody/QueryResults/resultsBody/EventList",
        ))?;

    let mut elements = Vec::new();
    collect_events(event_list, &mut elements);
    let events = elements
        .into_iter()
        .enumerate()
        .map(|(index, element)| read_event(element, index))
        .collect::<Result<_, _>>()?;

    // `ignoreFields` (in any namespace) outside the event list names fields to leave out.
    let mut ignored_fields = Vec::new();
    for list in xml.root_element().descendants().filter(|n| {
        n.is_element()
            && n.tag_name().name() == "ignoreFields"
            && !n.ancestors().any(|a| a == event_list)
    }) {
        for field in list.children().filter(XmlNode::is_element) {
            let name = field.tag_name();
            ignored_fields.push(qualified_name(name.namespace(), name.name()));
        }
    }
    Ok(Document {
        events,
        ignored_fields,
    })
}

/// The event elements of an event list; in 1.2 some sit inside an `extension` wrapper.
fn collect_events<'a, 'input>(list: XmlNode<'a, 'input>, out: &mut Vec<XmlNode<'a, 'input>>) {
    for child in list.children().filter(XmlNode::is_element) {
        if is_wrapper(child) {
            collect_events(child, out);
        } else {
            out.push(child);
        }
    }
}

fn read_event(element: XmlNode, index: usize) -> Result<Event, HashError> {
    let name = element.tag_name();
    let mut fields = Vec::new();
    children(element, index, 0, &mut fields)?;
    Ok(Event {
        kind: qualified_name(name.namespace(), name.name()),
        fields,
    })
}

/// The attributes and child elements of `element` as nodes, wrappers dissolved.
fn children(
    element: XmlNode,
    index: usize,
    depth: usize,
    out: &mut Vec<Node>,
) -> Result<(), HashError> {
    if depth > MAX_DEPTH {
        return Err(HashError::TooDeep {
            index,
            field: element.tag_name().name().to_owned(),
        });
    }
    for attribute in element.attributes() {
        out.push(Node::leaf(
            qualified_name(attribute.namespace(), attribute.name()),
            expand_value(attribute.value()),
        ));
    }
    for child in element.children().filter(XmlNode::is_element) {
        if is_wrapper(child) {
            children(child, index, depth + 1, out)?;
            continue;
        }
        let name = child.tag_name();
        let mut node = Node::leaf(
            qualified_name(name.namespace(), name.name()),
            expand_value(&own_text(child)),
        );
        children(child, index, depth + 1, &mut node.children)?;
        out.push(node);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_become_children_and_wrappers_dissolve() {
        let document = read_document(
            r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:1"
                    xmlns:ex="https://ex.example/">
                <EPCISBody><EventList>
                    <ObjectEvent>
                        <eventTime>2020-01-01T00:00:00Z</eventTime>
                        <baseExtension><eventID>x</eventID></baseExtension>
                        <extension><quantityList><quantityElement>
                            <epcClass>c</epcClass><quantity>1</quantity>
                        </quantityElement></quantityList></extension>
                        <ex:f ex:a="1"><!-- note -->v</ex:f>
                    </ObjectEvent>
                    <extension><TransformationEvent/></extension>
                </EventList></EPCISBody>
            </epcis:EPCISDocument>"#,
        )
        .unwrap();
        assert_eq!(document.events.len(), 2);
        assert_eq!(document.events[1].kind, "TransformationEvent");
        let names: Vec<&str> = document.events[0]
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "eventTime",
                "eventID",
                "quantityList",
                "{https://ex.example/}f"
            ]
        );
        assert_eq!(
            document.events[0].fields[3],
            Node {
                name: "{https://ex.example/}f".into(),
                text: "v".into(),
                children: vec![Node::leaf("{https://ex.example/}a", "1")],
            }
        );
    }

    #[test]
    fn standard_prefixes_expand_in_values() {
        assert_eq!(
            expand_value(" gs1:Temperature "),
            "https://gs1.org/voc/Temperature"
        );
        assert_eq!(expand_value("cbv:Comp-x"), "https://ref.gs1.org/cbv/Comp-x");
        assert_eq!(expand_value("gs1x:y"), "gs1x:y");
    }

    #[test]
    fn entity_declarations_are_refused_and_a_bare_doctype_is_not() {
        for document in [
            r#"<!DOCTYPE a [<!ENTITY x "y">]><a><EventList/></a>"#,
            r#"<!DOCTYPE a SYSTEM "x>y" [<!ENTITY x "y">]><a><EventList/></a>"#,
        ] {
            let error = read_document(document).unwrap_err();
            assert!(matches!(error, HashError::Xml(_)), "{error}");
        }
        let document = read_document(
            r#"<?xml version="1.0"?><!DOCTYPE project><a><EventList><ObjectEvent/></EventList></a>"#,
        )
        .unwrap();
        assert_eq!(document.events.len(), 1);
    }
}
