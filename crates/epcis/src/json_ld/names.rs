//! Namespace prefixes: reading them from `@context`, expanding compact IRIs as the event hash
//! does, and choosing the prefixes a writer declares for extension names.

use serde_json::Value;

use crate::model::QName;
use crate::vocab::{STANDARD_VALUE_PREFIXES, Vocabulary};

/// Keys that are human commentary, not event data (the event hash skips them too).
pub(super) fn is_comment(key: &str) -> bool {
    matches!(
        key,
        "comment" | "rdfs:comment" | "http://www.w3.org/2000/01/rdf-schema#comment"
    )
}

/// `prefix:local`, unless the part after the colon starts with `//`: then it is an absolute IRI
/// such as `https://…`, as JSON-LD reads it.
fn split_curie(text: &str) -> Option<(&str, &str)> {
    let (prefix, local) = text.split_once(':')?;
    (!prefix.is_empty() && !local.starts_with("//")).then_some((prefix, local))
}

fn standard(prefix: &str) -> Option<&'static str> {
    STANDARD_VALUE_PREFIXES
        .iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, iri)| *iri)
}

/// The prefixes the normative EPCIS 2.0 context itself declares. Documents refer to that context,
/// so a field name may use them undeclared (GS1's own examples write `cbvmda:lotNumber`).
const CONTEXT_PREFIXES: [(&str, &str); 8] = [
    ("epcis", "https://ref.gs1.org/epcis/"),
    ("cbv", "https://ref.gs1.org/cbv/"),
    ("cbvmda", "urn:epcglobal:cbv:mda:"),
    ("gs1", "https://gs1.org/voc/"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("dcterms", "http://purl.org/dc/terms/"),
];

/// Why a key cannot name an extension field.
pub(super) enum NameError {
    /// `prefix:local` with a prefix no `@context` in scope declares.
    Undeclared(String),
    /// A plain name (or an absolute IRI) where only `prefix:local` names are extensions.
    NotAnExtension,
    /// `prefix:local` where only `prefix:local` names are extensions, but `@context` binds the
    /// prefix to the empty IRI, which leaves the name without a namespace.
    NoNamespace(String),
}

/// Prefix bindings in scope; a later definition of a prefix replaces an earlier one, as in
/// JSON-LD and in the event hash.
#[derive(Debug, Clone, Default)]
pub(super) struct Prefixes(Vec<(String, String)>);

impl Prefixes {
    /// Adds the prefix definitions of a `@context` value: an object, or an array of objects and
    /// context URLs (URLs declare nothing here; the standard context's terms are built in).
    pub fn add_context(&mut self, context: &Value) {
        match context {
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_object)
                .for_each(|map| self.add_definitions(map)),
            Value::Object(map) => self.add_definitions(map),
            _ => {}
        }
    }

    fn add_definitions(&mut self, map: &serde_json::Map<String, Value>) {
        for (term, definition) in map {
            // Keywords and `prefix:term` type coercions declare no prefix.
            if term.starts_with('@') || term.contains(':') {
                continue;
            }
            let iri = match definition {
                Value::String(iri) => iri,
                Value::Object(definition) => match definition.get("@id") {
                    Some(Value::String(iri)) => iri,
                    _ => continue,
                },
                _ => continue,
            };
            self.0.retain(|(p, _)| p != term);
            self.0.push((term.clone(), iri.clone()));
        }
    }

    /// These bindings plus those of an event's own `@context`.
    pub fn with_context(&self, context: &Value) -> Self {
        let mut scoped = self.clone();
        scoped.add_context(context);
        scoped
    }

    fn get(&self, prefix: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(p, _)| p == prefix)
            .map(|(_, iri)| iri.as_str())
    }

    /// The bindings sorted by prefix: a canonical order, so that a document read, written and
    /// read again lists them the same way whatever order its `@context` had.
    pub fn into_sorted(mut self) -> Vec<(String, String)> {
        self.0.sort();
        self.0
    }

    /// The name of an extension field written `key`. Inside an extension value a plain name is
    /// allowed (it has no namespace, like an unqualified XML element). A prefix only the EPCIS
    /// context declares is not kept as the name's prefix hint, so writers leave it to that
    /// context as the document did: the event hash reads an undeclared prefix differently from
    /// a declared one.
    pub fn name(&self, key: &str, nested: bool) -> Result<QName, NameError> {
        let Some((prefix, local)) = split_curie(key) else {
            return if nested && !key.contains(':') {
                Ok(QName::new("", key))
            } else {
                Err(NameError::NotAnExtension)
            };
        };
        if let Some(iri) = self.get(prefix) {
            if iri.is_empty() {
                // Written back, such a name would be a plain one, which only nests.
                return if nested {
                    Ok(QName::new("", local))
                } else {
                    Err(NameError::NoNamespace(prefix.to_owned()))
                };
            }
            return Ok(QName {
                namespace: iri.to_owned(),
                local: local.to_owned(),
                prefix: Some(prefix.to_owned()),
            });
        }
        CONTEXT_PREFIXES
            .iter()
            .find(|(p, _)| *p == prefix)
            .map(|(_, iri)| QName::new(*iri, local))
            .ok_or_else(|| NameError::Undeclared(prefix.to_owned()))
    }

    /// A compact IRI value expanded with a declared prefix or a standard one (`gs1:`, `cbv:`,
    /// `epcis:`), as the event hash expands it. `None` leaves the value as written: it is no
    /// compact IRI, or its expansion would not be a plain absolute URI that stays put when read
    /// again (a prefix bound to another compact IRI, or to text that is no IRI). That keeps
    /// reading idempotent: what is stored never expands further.
    pub fn expand(&self, text: &str) -> Option<String> {
        let (prefix, local) = split_curie(text)?;
        let iri = self.get(prefix).or_else(|| standard(prefix))?;
        let expanded = format!("{iri}{local}");
        (is_plain_uri(&expanded) && !self.expands(&expanded)).then_some(expanded)
    }

    /// `text` as the reader keeps an identifier: [`Prefixes::expand`]ed, or as written.
    pub fn expanded(&self, text: &str) -> String {
        self.expand(text).unwrap_or_else(|| text.to_owned())
    }

    /// A vocabulary value as the reader keeps it: in its one normal form (see
    /// [`Vocabulary::normalise`]) after any prefix in scope.
    pub fn term(&self, vocabulary: Vocabulary, text: &str) -> String {
        vocabulary.normalise(self.expand(text).as_deref().unwrap_or(text))
    }

    fn expands(&self, text: &str) -> bool {
        split_curie(text).is_some_and(|(p, _)| self.get(p).is_some() || standard(p).is_some())
    }
}

/// Whether `text` is an absolute URI of the conservative kind the schema's `uri` format surely
/// accepts: a scheme, then ASCII URI characters with valid percent escapes, one fragment at
/// most, and a numeric port if any. A writer must never emit a value the schema refuses.
fn is_plain_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_bytes = scheme.bytes();
    let scheme_ok = scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || rest.matches('#').count() > 1 {
        return false;
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let escape = bytes.get(i + 1..i + 3);
            if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?#".contains(&byte)) {
            return false;
        }
        i += 1;
    }
    match rest.strip_prefix("//") {
        Some(after) => {
            let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            host_port
                .split_once(':')
                .is_none_or(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        }
        None => true,
    }
}

/// The prefixes a writer declares in one scope (a document, or an event inside one) on top of
/// those declared around it, so that every extension name can be written `prefix:local`.
pub(super) struct Scope<'a> {
    outer: &'a [(String, String)],
    own: Vec<(String, String)>,
}

impl<'a> Scope<'a> {
    /// The bindings `names` need beyond `outer`. A name's own prefix is declared when it is free
    /// (or, with `shadow`, when `outer` binds it to a namespace no name here is written with),
    /// so `gdst:` stays `gdst:`; otherwise `ns1`, `ns2`… are invented. A name without a prefix
    /// hint may also use a prefix of the EPCIS context, undeclared.
    pub fn new<'n>(
        outer: &'a [(String, String)],
        names: impl Iterator<Item = &'n QName> + Clone,
        shadow: bool,
    ) -> Self {
        let mut scope = Scope {
            outer,
            own: Vec::new(),
        };
        let names = names.filter(|name| !name.namespace.is_empty());
        for name in names.clone() {
            let Some(prefix) = name.prefix.as_deref() else {
                continue;
            };
            if scope.declared(prefix) == Some(name.namespace.as_str())
                || scope.own.iter().any(|(p, _)| p == prefix)
            {
                continue;
            }
            let taken = match outer.iter().rev().find(|(p, _)| p == prefix) {
                None => false,
                Some((_, iri)) => {
                    !shadow
                        || names
                            .clone()
                            .any(|n| &n.namespace == iri && n.prefix.as_deref() == Some(prefix))
                }
            };
            if !taken {
                scope.own.push((prefix.to_owned(), name.namespace.clone()));
            }
        }
        for name in names {
            if scope.prefix_of(name).is_none() {
                let invented = (1..)
                    .map(|n| format!("ns{n}"))
                    .find(|p| scope.lookup(p).is_none())
                    .unwrap_or_default();
                scope.own.push((invented, name.namespace.clone()));
            }
        }
        scope
    }

    /// Declared bindings, innermost first.
    fn bindings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.own
            .iter()
            .chain(self.outer.iter().rev())
            .map(|(p, iri)| (p.as_str(), iri.as_str()))
    }

    fn declared(&self, prefix: &str) -> Option<&str> {
        self.bindings()
            .find(|(p, _)| *p == prefix)
            .map(|(_, iri)| iri)
    }

    /// What a reader of the output takes `prefix` to mean.
    fn lookup(&self, prefix: &str) -> Option<&str> {
        self.bindings()
            .chain(CONTEXT_PREFIXES)
            .find(|(p, _)| *p == prefix)
            .map(|(_, iri)| iri)
    }

    /// The prefix `name` is written with: its own when declared for its namespace here; for a
    /// name read with an EPCIS-context prefix (no hint), that context prefix first, so
    /// `rdfs:x` is not renamed after another prefix the document bound to the same namespace
    /// (which would move it among the sorted keys and change how the event hash reads it);
    /// else the first one that means its namespace.
    fn prefix_of<'s>(&'s self, name: &'s QName) -> Option<&'s str> {
        let namespace = name.namespace.as_str();
        if let Some(prefix) = name.prefix.as_deref()
            && self.declared(prefix) == Some(namespace)
        {
            return Some(prefix);
        }
        let implicit = if name.prefix.is_none() {
            &CONTEXT_PREFIXES[..]
        } else {
            &[]
        };
        implicit
            .iter()
            .copied()
            .chain(self.bindings())
            .find(|(p, iri)| *iri == namespace && self.lookup(p) == Some(namespace))
            .map(|(p, _)| p)
    }

    /// The key `name` is written as; a name without a namespace is written bare.
    pub fn key(&self, name: &QName) -> String {
        match self.prefix_of(name) {
            Some(prefix) if !name.namespace.is_empty() => format!("{prefix}:{}", name.local),
            _ => name.local.clone(),
        }
    }

    /// The bindings this scope adds.
    pub fn own(&self) -> &[(String, String)] {
        &self.own
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes(context: &str) -> Prefixes {
        let mut prefixes = Prefixes::default();
        prefixes.add_context(&serde_json::from_str(context).unwrap());
        prefixes
    }

    #[test]
    fn values_expand_once_and_only_into_plain_uris() {
        let p = prefixes(
            r#"[{"ex": "https://ex.example/", "chain": "ex:", "odd": "not an iri ", "gs1": "urn:x:"}]"#,
        );
        assert_eq!(p.expand("ex:a").as_deref(), Some("https://ex.example/a"));
        assert_eq!(
            p.expand("cbv:Disp-x").as_deref(),
            Some("https://ref.gs1.org/cbv/Disp-x")
        );
        assert_eq!(p.expand("gs1:Mass").as_deref(), Some("urn:x:Mass"));
        assert_eq!(p.expand("chain:a"), None);
        assert_eq!(p.expand("odd:a"), None);
        assert_eq!(p.expand("https://ex.example/a"), None);
        assert_eq!(p.expand("undeclared:a"), None);
    }

    #[test]
    fn plain_uris_are_checked_conservatively() {
        for good in [
            "https://a.example:8080/x?y#z",
            "urn:epc:id:sgtin:1.2.3",
            "ex:%41",
        ] {
            assert!(is_plain_uri(good), "{good}");
        }
        for bad in [
            "no scheme",
            "1x:a",
            "http://a:b/",
            "x:a#b#c",
            "x:%4",
            "x:é",
            "x:a b",
        ] {
            assert!(!is_plain_uri(bad), "{bad}");
        }
    }

    #[test]
    fn writers_reuse_prefixes_and_invent_only_when_needed() {
        let outer = vec![("ex".to_owned(), "https://ex.example/".to_owned())];
        let same = QName {
            prefix: Some("ex".into()),
            ..QName::new("https://ex.example/", "a")
        };
        let other = QName {
            prefix: Some("ex".into()),
            ..QName::new("https://other.example/", "b")
        };
        let bare = QName::new("https://third.example/", "c");
        let names = [&same, &other, &bare];
        let scope = Scope::new(&outer, names.iter().copied(), false);
        assert_eq!(scope.key(&same), "ex:a");
        assert_eq!(scope.key(&other), "ns1:b");
        assert_eq!(scope.key(&bare), "ns2:c");
        let shadowing = Scope::new(&outer, [&other].into_iter(), true);
        assert_eq!(shadowing.key(&other), "ex:b");
        assert_eq!(
            shadowing.own(),
            [("ex".to_owned(), "https://other.example/".to_owned())]
        );
        let empty = Scope::new(&[], std::iter::empty(), true);
        assert_eq!(empty.key(&QName::new("", "x")), "x");
        // The EPCIS context's own prefixes serve names that came without one.
        let standard = QName::new("urn:epcglobal:cbv:mda:", "lotNumber");
        assert_eq!(empty.key(&standard), "cbvmda:lotNumber");
    }
}
