//! EPCIS master data (vocabulary elements), kept per organisation. The location hierarchy in it
//! (`children`) is what `WD_readPoint` and `WD_bizLocation` queries descend.

/// One vocabulary element as captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyElement {
    /// The vocabulary type URI, e.g. `urn:epcglobal:epcis:vtype:BusinessLocation`.
    pub vocabulary_type: String,
    /// The element id, e.g. an SGLN or a Digital Link.
    pub id: String,
    /// Attributes as (attribute id, value as JSON text), in the order given.
    pub attributes: Vec<(String, String)>,
    /// The ids of its direct children; stored as a set and read back in ascending order.
    pub children: Vec<String>,
}
