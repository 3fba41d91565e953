//! Locations inside a document: JSON pointers turned into readable paths such as
//! `epcisBody.eventList[3].bizStep`, and the event a location belongs to.

use serde_json::Value;

/// One step into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

/// The steps of a JSON pointer (`/epcisBody/eventList/3`). The document decides whether `3` is
/// an array index or a member name, since a pointer alone cannot tell.
pub(super) fn segments(document: &Value, pointer: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut current = Some(document);
    for raw in pointer.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        match current {
            Some(Value::Array(items)) => match token.parse::<usize>() {
                Ok(i) => {
                    current = items.get(i);
                    out.push(Seg::Index(i));
                }
                Err(_) => {
                    current = None;
                    out.push(Seg::Key(token));
                }
            },
            Some(Value::Object(map)) => {
                current = map.get(&token);
                out.push(Seg::Key(token));
            }
            _ => {
                current = None;
                out.push(Seg::Key(token));
            }
        }
    }
    out
}

/// Renders steps as `a.b[2].c`; a member name that would be ambiguous written bare (it holds a
/// dot, a bracket, a quote or white space, or is empty) is written `["name"]`.
pub(super) fn render(segs: &[Seg]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            Seg::Key(key) => {
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
                    out.push_str("[\"");
                    out.push_str(&key.replace('\\', "\\\\").replace('"', "\\\""));
                    out.push_str("\"]");
                }
            }
        }
    }
    out
}

/// The event list locations of the two document types, as member names.
const EVENT_LISTS: [&[&str]; 2] = [
    &["epcisBody", "eventList"],
    &["epcisBody", "queryResults", "resultsBody", "eventList"],
];

/// The 0-based event index of a location inside an event list, `None` outside one.
pub(super) fn event_index(segs: &[Seg]) -> Option<usize> {
    EVENT_LISTS.iter().find_map(|list| {
        let prefix_matches = segs.len() > list.len()
            && list
                .iter()
                .zip(segs)
                .all(|(want, seg)| matches!(seg, Seg::Key(k) if k == want));
        match segs.get(list.len()) {
            Some(Seg::Index(i)) if prefix_matches => Some(*i),
            _ => None,
        }
    })
}

/// The event lists of a document, each with the steps that lead to it.
pub(super) fn event_lists(document: &Value) -> Vec<(Vec<Seg>, &Vec<Value>)> {
    EVENT_LISTS
        .iter()
        .filter_map(|list| {
            let mut current = document;
            for key in list.iter() {
                current = current.get(key)?;
            }
            let events = current.as_array()?;
            Some((
                list.iter().map(|k| Seg::Key((*k).to_string())).collect(),
                events,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_become_readable_paths_with_event_indexes() {
        let doc = json!({"epcisBody": {"eventList": [{}, {"3": [0, 1, {"a.b": 1}]}]}});
        let segs = segments(&doc, "/epcisBody/eventList/1/3/2/a.b");
        assert_eq!(render(&segs), "epcisBody.eventList[1].3[2][\"a.b\"]");
        assert_eq!(event_index(&segs), Some(1));
        assert_eq!(event_index(&segments(&doc, "/epcisBody")), None);
        assert_eq!(render(&segments(&doc, "")), "");
    }
}
