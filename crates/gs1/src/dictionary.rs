//! The GS1 Barcode Syntax Dictionary, shipped as data (`data/gs1-syntax-dictionary.txt`) and read
//! once. Every AI rule in this crate — formats, linters, pairing rules, Digital Link primary keys
//! and qualifiers — comes from this table, so a new dictionary release updates the rules without
//! code changes (unless it names a linter we do not know, which a test catches).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::linter::Linter;

const DICTIONARY_TEXT: &str = include_str!("../data/gs1-syntax-dictionary.txt");

/// The character set of one component of an AI's data field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharSet {
    /// `N`: digits.
    Numeric,
    /// `X`: GS1 AI encodable character set 82.
    Cset82,
    /// `Y`: GS1 AI encodable character set 39.
    Cset39,
    /// `Z`: base64url (character set 64).
    Cset64,
}

impl CharSet {
    /// Whether the character belongs to this set.
    pub fn contains(self, c: char) -> bool {
        match self {
            CharSet::Numeric => c.is_ascii_digit(),
            CharSet::Cset82 => is_cset82(c),
            CharSet::Cset39 => c.is_ascii_digit() || c.is_ascii_uppercase() || "#-/".contains(c),
            CharSet::Cset64 => c.is_ascii_alphanumeric() || "-_=".contains(c),
        }
    }

    /// The set described in words, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            CharSet::Numeric => "digits 0-9",
            CharSet::Cset82 => "GS1 character set 82",
            CharSet::Cset39 => "GS1 character set 39 (digits, A-Z, # - /)",
            CharSet::Cset64 => "base64url characters",
        }
    }
}

/// Whether the character is in GS1 AI encodable character set 82.
pub fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

/// One component of an AI's data field, e.g. `N13,csum,gcppos1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Allowed characters.
    pub charset: CharSet,
    /// Minimum length.
    pub min: usize,
    /// Maximum length.
    pub max: usize,
    /// Whether the component may be left out (written `[...]`).
    pub optional: bool,
    /// Content checks applied to the component.
    pub linters: Vec<Linter>,
}

/// A group of AIs (or patterns such as `31nn`) that must all be present together.
pub type AiGroup = Vec<String>;

/// One entry of the dictionary, expanded to a single AI.
#[derive(Debug, Clone)]
pub struct AiEntry {
    /// The Application Identifier, e.g. `01`.
    pub ai: String,
    /// Predefined length: needs no FNC1 separator after it in a raw element string.
    pub fixed_length: bool,
    /// May appear as a Digital Link data attribute (query string).
    pub dl_data_attribute: bool,
    /// The data field, component by component.
    pub components: Vec<Component>,
    /// Each `req=` rule: at least one of its groups must be present in full.
    pub requires: Vec<Vec<AiGroup>>,
    /// AIs and patterns that may not appear together with this AI.
    pub excludes: Vec<String>,
    /// For a Digital Link primary key, the alternative ordered lists of qualifiers it accepts.
    pub dl_qualifiers: Option<Vec<Vec<String>>>,
    /// The short title, e.g. `BATCH/LOT`.
    pub title: String,
}

impl AiEntry {
    /// Minimum length of the whole data field.
    pub fn min_len(&self) -> usize {
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| c.min)
            .sum()
    }

    /// Maximum length of the whole data field.
    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| c.max).sum()
    }

    /// Whether this AI is a Digital Link primary key.
    pub fn is_primary_key(&self) -> bool {
        self.dl_qualifiers.is_some()
    }
}

/// The parsed dictionary.
#[derive(Debug)]
pub struct Dictionary {
    entries: HashMap<String, AiEntry>,
}

impl Dictionary {
    /// The dictionary shipped with this crate.
    pub fn get() -> &'static Dictionary {
        static DICTIONARY: OnceLock<Dictionary> = OnceLock::new();
        DICTIONARY.get_or_init(|| {
            Dictionary::parse(DICTIONARY_TEXT)
                .unwrap_or_else(|e| panic!("embedded GS1 syntax dictionary is invalid: {e}"))
        })
    }

    /// The entry for one AI.
    pub fn entry(&self, ai: &str) -> Option<&AiEntry> {
        self.entries.get(ai)
    }

    /// Every AI in the dictionary, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &AiEntry> {
        self.entries.values()
    }

    /// Finds the AI at the start of `digits` (AIs are prefix-free: at most one matches).
    pub fn ai_at_start(&self, digits: &str) -> Option<&AiEntry> {
        (2..=4)
            .filter_map(|len| digits.get(..len))
            .find_map(|prefix| self.entries.get(prefix))
    }

    fn parse(text: &str) -> Result<Dictionary, String> {
        let mut entries = HashMap::new();
        for (number, line) in text.lines().enumerate() {
            let content = line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let title = line
                .split_once('#')
                .map(|(_, t)| t.trim().to_owned())
                .unwrap_or_default();
            for entry in
                parse_line(content, &title).map_err(|e| format!("line {}: {e}", number + 1))?
            {
                entries.insert(entry.ai.clone(), entry);
            }
        }
        Ok(Dictionary { entries })
    }
}

fn parse_line(content: &str, title: &str) -> Result<Vec<AiEntry>, String> {
    let mut tokens = content.split_whitespace().peekable();
    let ais = expand_ai_range(tokens.next().ok_or("missing AI")?)?;
    let mut fixed_length = false;
    let mut dl_data_attribute = false;
    if let Some(flags) = tokens.next_if(|t| t.chars().all(|c| "*?".contains(c))) {
        fixed_length = flags.contains('*');
        dl_data_attribute = flags.contains('?');
    }
    let mut components = Vec::new();
    let mut requires = Vec::new();
    let mut excludes = Vec::new();
    let mut dl_qualifiers = None;
    for token in tokens {
        if let Some(rule) = token.strip_prefix("req=") {
            requires.push(
                rule.split(',')
                    .map(|group| group.split('+').map(str::to_owned).collect())
                    .collect(),
            );
        } else if let Some(rule) = token.strip_prefix("ex=") {
            excludes.extend(rule.split(',').map(str::to_owned));
        } else if token == "dlpkey" {
            dl_qualifiers = Some(vec![Vec::new()]);
        } else if let Some(rule) = token.strip_prefix("dlpkey=") {
            dl_qualifiers = Some(
                rule.split('|')
                    .map(|alt| alt.split(',').map(str::to_owned).collect())
                    .collect(),
            );
        } else {
            components.push(parse_component(token)?);
        }
    }
    if components.is_empty() {
        return Err("no data field specification".into());
    }
    Ok(ais
        .into_iter()
        .map(|ai| AiEntry {
            ai,
            fixed_length,
            dl_data_attribute,
            components: components.clone(),
            requires: requires.clone(),
            excludes: excludes.clone(),
            dl_qualifiers: dl_qualifiers.clone(),
            title: title.to_owned(),
        })
        .collect())
}

fn expand_ai_range(token: &str) -> Result<Vec<String>, String> {
    match token.split_once('-') {
        None => Ok(vec![token.to_owned()]),
        Some((first, last)) => {
            let start: u32 = first.parse().map_err(|_| format!("bad AI range {token}"))?;
            let end: u32 = last.parse().map_err(|_| format!("bad AI range {token}"))?;
            Ok((start..=end)
                .map(|ai| format!("{ai:0width$}", width = first.len()))
                .collect())
        }
    }
}

fn parse_component(token: &str) -> Result<Component, String> {
    let (spec, optional) = match token.strip_prefix('[') {
        Some(rest) => {
            let (inner, after) = rest
                .split_once(']')
                .ok_or(format!("unclosed [ in {token}"))?;
            (format!("{inner}{after}"), true)
        }
        None => (token.to_owned(), false),
    };
    let mut parts = spec.split(',');
    let kind = parts.next().unwrap_or_default();
    let mut chars = kind.chars();
    let charset = match chars.next() {
        Some('N') => CharSet::Numeric,
        Some('X') => CharSet::Cset82,
        Some('Y') => CharSet::Cset39,
        Some('Z') => CharSet::Cset64,
        _ => return Err(format!("unknown component type in {token}")),
    };
    let length = chars.as_str();
    let (min, max) = match length.strip_prefix("..") {
        Some(max) => (
            1,
            max.parse().map_err(|_| format!("bad length in {token}"))?,
        ),
        None => {
            let n = length
                .parse()
                .map_err(|_| format!("bad length in {token}"))?;
            (n, n)
        }
    };
    let linters = parts
        .map(|name| Linter::from_name(name).ok_or(format!("unknown linter {name}")))
        .collect::<Result<_, _>>()?;
    Ok(Component {
        charset,
        min,
        max,
        optional,
        linters,
    })
}

/// Whether `ai` matches a dictionary pattern such as `31nn` (`n` stands for any digit).
pub fn ai_matches(pattern: &str, ai: &str) -> bool {
    pattern.len() == ai.len()
        && pattern
            .chars()
            .zip(ai.chars())
            .all(|(p, a)| p == a || (p == 'n' && a.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_dictionary_parses_and_knows_the_traceability_ais() {
        let dictionary = Dictionary::get();
        let gtin = dictionary.entry("01").unwrap();
        assert!(gtin.fixed_length && gtin.is_primary_key());
        assert_eq!(
            gtin.dl_qualifiers.as_ref().unwrap(),
            &vec![
                vec!["22".to_string(), "10".into(), "21".into()],
                vec!["235".into()]
            ]
        );
        let lot = dictionary.entry("10").unwrap();
        assert_eq!((lot.min_len(), lot.max_len()), (1, 20));
        assert!(!lot.fixed_length && lot.dl_data_attribute);
        assert_eq!(dictionary.entry("3103").unwrap().excludes, vec!["310n"]);
        assert!(dictionary.entry("3106").is_none());
        assert_eq!(dictionary.entry("8003").unwrap().min_len(), 14);
        assert_eq!(dictionary.entry("8003").unwrap().max_len(), 30);
        assert!(dictionary.entries().count() > 500);
    }

    #[test]
    fn ai_lookup_at_start_is_prefix_free() {
        let dictionary = Dictionary::get();
        assert_eq!(dictionary.ai_at_start("0109506000134352").unwrap().ai, "01");
        assert_eq!(dictionary.ai_at_start("8003012345").unwrap().ai, "8003");
        assert_eq!(dictionary.ai_at_start("414401234").unwrap().ai, "414");
        assert!(dictionary.ai_at_start("23").is_none());
    }

    #[test]
    fn patterns_match_digits_only() {
        assert!(ai_matches("31nn", "3103"));
        assert!(!ai_matches("31nn", "310"));
        assert!(!ai_matches("310n", "3110"));
    }
}
