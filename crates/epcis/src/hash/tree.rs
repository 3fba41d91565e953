//! The syntax-neutral event tree both readers produce and the pre-hash is computed from.

/// One field of an event, shaped like an element of the EPCIS XML binding: a JSON-LD list is a
/// run of siblings with the same name, an XML attribute is a child without children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// The EPCIS field name (`epcList`, `id`, `type`…) or, for a user extension,
    /// `{namespace}localName`.
    pub name: String,
    /// The value with surrounding white space removed; CURIEs and bare CBV words already
    /// expanded by the reader that knew the context.
    pub text: String,
    /// Child elements and attributes, in no particular order (the pre-hash sorts).
    pub children: Vec<Node>,
}

impl Node {
    /// A field with a value and no children.
    pub fn leaf(name: impl Into<String>, text: impl Into<String>) -> Self {
        Node {
            name: name.into(),
            text: text.into().trim().to_owned(),
            children: Vec::new(),
        }
    }
}

/// One event: its type (`ObjectEvent`…) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    /// The event type.
    pub kind: String,
    /// The fields, in no particular order.
    pub fields: Vec<Node>,
}

/// What a reader gets out of a document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Document {
    /// The events, in document order.
    pub events: Vec<Event>,
    /// Event-level fields the document asks to leave out of the hash (`ignoreFields`), as
    /// `{namespace}localName` or a plain name.
    pub ignored_fields: Vec<String>,
}
