//! GDST field names and their namespaces. GDST data spells its two namespaces several ways
//! (`urn:epcglobal:cbv:mda` in its XML, `urn:epcglobal:cbv:mda:` through the EPCIS context,
//! `…#` in master data; the GDST IRI with or without a final `/`), so names are compared with
//! the trailing separator ignored.

use crate::model::{Extension, ExtensionValue, QName};

/// The GDST EPCIS extension namespace, as GDST's own documents declare `gdst:`.
pub(super) const GDST: &str = "https://traceability-dialogue.org/epcis";
/// The CBV master-data namespace without its separator.
const CBV_MDA: &str = "urn:epcglobal:cbv:mda";

/// The namespace a GDST field lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ns {
    /// `gdst:`.
    Gdst,
    /// `cbvmda:`.
    CbvMda,
    /// No namespace (the members of a certification).
    Plain,
}

/// A field name in GDST data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Kde {
    ns: Ns,
    local: &'static str,
}

impl Kde {
    /// A `gdst:` field.
    pub const fn gdst(local: &'static str) -> Self {
        Self {
            ns: Ns::Gdst,
            local,
        }
    }

    /// A `cbvmda:` field.
    pub const fn mda(local: &'static str) -> Self {
        Self {
            ns: Ns::CbvMda,
            local,
        }
    }

    /// A field without a namespace.
    pub const fn plain(local: &'static str) -> Self {
        Self {
            ns: Ns::Plain,
            local,
        }
    }

    /// Whether `name` is this field.
    pub fn matches(self, name: &QName) -> bool {
        name.local == self.local && namespace_of(&name.namespace) == Some(self.ns)
    }

    /// The field as GDST writes it: `gdst:productOwner`, `certificationAgency`.
    pub fn curie(self) -> String {
        match self.ns {
            Ns::Gdst => format!("gdst:{}", self.local),
            Ns::CbvMda => format!("cbvmda:{}", self.local),
            Ns::Plain => self.local.to_owned(),
        }
    }

    /// The field's value among `fields`: the first one of this name.
    pub fn find(self, fields: &[Extension]) -> Option<&ExtensionValue> {
        fields
            .iter()
            .find(|field| self.matches(&field.name))
            .map(|field| &field.value)
    }

    /// The field's name in the spelling the exporter writes: `gdst:` with GDST's IRI, `cbvmda:`
    /// left to the EPCIS context (which binds it to `urn:epcglobal:cbv:mda:`).
    pub fn qname(self) -> QName {
        canonical(self.ns, self.local)
    }
}

/// Which GDST namespace `namespace` is, whatever separator it ends with.
pub(super) fn namespace_of(namespace: &str) -> Option<Ns> {
    if namespace.is_empty() {
        return Some(Ns::Plain);
    }
    if namespace.trim_end_matches(['/', '#']) == GDST {
        return Some(Ns::Gdst);
    }
    (namespace.trim_end_matches([':', '#']) == CBV_MDA).then_some(Ns::CbvMda)
}

/// The exporter's spelling of a name in namespace `ns`.
fn canonical(ns: Ns, local: &str) -> QName {
    match ns {
        Ns::Gdst => QName {
            namespace: GDST.to_owned(),
            local: local.to_owned(),
            prefix: Some("gdst".to_owned()),
        },
        Ns::CbvMda => QName::new(format!("{CBV_MDA}:"), local),
        Ns::Plain => QName::new("", local),
    }
}

/// `name` respelled as the exporter writes GDST names; other names are left alone.
pub(super) fn respell(name: &QName) -> QName {
    match namespace_of(&name.namespace) {
        Some(ns @ (Ns::Gdst | Ns::CbvMda)) => canonical(ns, &name.local),
        _ => name.clone(),
    }
}

/// The items of a value that may be written once or repeated (a JSON array, repeated XML
/// elements).
pub(super) fn items(value: &ExtensionValue) -> Vec<&ExtensionValue> {
    match value {
        ExtensionValue::List(items) => items.iter().collect(),
        single => vec![single],
    }
}
