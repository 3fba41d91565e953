//! Where a value sits in the document, kept as borrowed steps and only rendered when an issue
//! names it, so reading a valid document allocates no paths.

use std::fmt::Write as _;

#[derive(Clone, Copy)]
enum Step<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

/// A location: its last step and where that step was taken from.
#[derive(Clone, Copy)]
pub(super) struct At<'a> {
    parent: Option<&'a At<'a>>,
    step: Step<'a>,
}

impl<'a> At<'a> {
    /// The document (or bare event) itself.
    pub const ROOT: At<'static> = At {
        parent: None,
        step: Step::Root,
    };

    /// The member `key` of the value here.
    pub fn key(&'a self, key: &'a str) -> At<'a> {
        At {
            parent: Some(self),
            step: Step::Key(key),
        }
    }

    /// The item `index` of the array here.
    pub fn index(&'a self, index: usize) -> At<'a> {
        At {
            parent: Some(self),
            step: Step::Index(index),
        }
    }

    /// The location written as `validate` writes it (`epcisBody.eventList[3].bizStep`), so
    /// issues from both read alike; a member name that would be ambiguous bare is `["a.b"]`.
    pub fn render(&self) -> String {
        let mut steps = Vec::new();
        let mut at = Some(self);
        while let Some(here) = at {
            steps.push(here.step);
            at = here.parent;
        }
        let mut out = String::new();
        for step in steps.into_iter().rev() {
            match step {
                Step::Root => {}
                Step::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Step::Key(key) => {
                    let plain = !key.is_empty()
                        && !key
                            .chars()
                            .any(|c| matches!(c, '.' | '[' | ']' | '"') || c.is_whitespace());
                    if plain {
                        if !out.is_empty() {
                            out.push('.');
                        }
                        out.push_str(key);
                    } else {
                        let _ = write!(
                            out,
                            "[\"{}\"]",
                            key.replace('\\', "\\\\").replace('"', "\\\"")
                        );
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_validation_paths() {
        let body = At::ROOT.key("epcisBody");
        let list = body.key("eventList");
        let event = list.index(3);
        assert_eq!(
            event.key("bizStep").render(),
            "epcisBody.eventList[3].bizStep"
        );
        assert_eq!(
            event.key("ex:a.b").render(),
            "epcisBody.eventList[3][\"ex:a.b\"]"
        );
        assert_eq!(At::ROOT.render(), "");
    }
}
