//! Parsing of the short names that symbologies and layouts are chosen by (CLI flags, form
//! fields), shared so both give the same error text.

/// A closed set of values, each with a short lower-case name.
pub(crate) trait Named: Copy + 'static {
    /// Every value, in the order the allowed list is shown.
    const ALL: &'static [Self];

    /// The short name.
    fn name(self) -> &'static str;

    /// The value with this name, ignoring case and surrounding blanks.
    fn find(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.name().eq_ignore_ascii_case(name))
    }

    /// The names, comma-separated, for error messages.
    fn allowed() -> String {
        Self::ALL
            .iter()
            .map(|value| value.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
