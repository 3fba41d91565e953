//! Compressed GS1 Digital Link URIs (Digital Link URI syntax §"compression", as implemented by
//! GS1's compression prototype): the AI sequence written as a bit string and rendered in
//! base64url as the last path segment, e.g. `https://id.gs1.org/ARFKk4XBoA`.
//!
//! The bit string is a series of entries. Each starts with two hex nibbles: two decimal digits
//! begin an AI (its length follows from its first two digits), one of the optimisation codes
//! stands for a fixed sequence of AIs, and `F` starts a non-GS1 `key=value` pair. Each value is
//! then written component by component: fixed-length digits as a binary number, variable-length
//! digits as a length then a binary number, and alphanumerics as a 3-bit encoding (digits,
//! lower or upper hex, base64url, 7-bit ASCII), a length unless fixed, then the characters.
//! Component formats come from the syntax dictionary, so only [`OPTIMISATIONS`] is a table here.

use crate::dictionary::{CharSet, Dictionary};
use crate::digital_link::{DigitalLink, DigitalLinkError};
use crate::element::{Element, ElementString};

/// The URI-safe base64 alphabet of compressed paths and base64-encoded values.
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Optimisation codes: one byte standing for a common sequence of AIs (compression prototype's
/// `tableOpt`). The AIs are in string order, which is the order written: the prototype sorts its
/// table's lists in place when it builds the reverse lookup, so `1A` reads (01)(10)(17)(21) and
/// `9D` reads (254)(414), not the order its source lists them in.
const OPTIMISATIONS: [(&str, &[&str]); 56] = [
    ("0A", &["01", "22"]),
    ("0B", &["01", "10"]),
    ("0C", &["01", "21"]),
    ("0D", &["01", "17"]),
    ("0E", &["01", "7003"]),
    ("0F", &["01", "30"]),
    ("1A", &["01", "10", "17", "21"]),
    ("1B", &["01", "15"]),
    ("1C", &["01", "11"]),
    ("1D", &["01", "16"]),
    ("1E", &["01", "91"]),
    ("1F", &["01", "10", "15"]),
    ("2A", &["01", "3100"]),
    ("2B", &["01", "3101"]),
    ("2C", &["01", "3102"]),
    ("2D", &["01", "3103"]),
    ("2E", &["01", "3104"]),
    ("2F", &["01", "3105"]),
    ("3A", &["01", "3200"]),
    ("3B", &["01", "3201"]),
    ("3C", &["01", "3202"]),
    ("3D", &["01", "3203"]),
    ("3E", &["01", "3204"]),
    ("3F", &["01", "3205"]),
    ("9A", &["8010", "8011"]),
    ("9B", &["8017", "8019"]),
    ("9C", &["8018", "8019"]),
    ("9D", &["254", "414"]),
    ("A0", &["01", "3920"]),
    ("A1", &["01", "3921"]),
    ("A2", &["01", "3922"]),
    ("A3", &["01", "3923"]),
    ("A4", &["01", "3924"]),
    ("A5", &["01", "3925"]),
    ("A6", &["01", "3926"]),
    ("A7", &["01", "3927"]),
    ("A8", &["01", "3928"]),
    ("A9", &["01", "3929"]),
    ("C0", &["255", "3900"]),
    ("C1", &["255", "3901"]),
    ("C2", &["255", "3902"]),
    ("C3", &["255", "3903"]),
    ("C4", &["255", "3904"]),
    ("C5", &["255", "3905"]),
    ("C6", &["255", "3906"]),
    ("C7", &["255", "3907"]),
    ("C8", &["255", "3908"]),
    ("C9", &["255", "3909"]),
    ("CA", &["255", "3940"]),
    ("CB", &["255", "3941"]),
    ("CC", &["255", "3942"]),
    ("CD", &["255", "3943"]),
    // Unused by the prototype's encoder but reserved with the same meaning as their twins.
    ("9E", &["8017", "8019"]),
    ("9F", &["8018", "8019"]),
    ("CE", &["255", "3940"]),
    ("CF", &["255", "3941"]),
];

/// Whether a path segment could be a compressed Digital Link: base64url characters only and
/// not all digits (an all-digit segment is an AI or a key).
pub(crate) fn looks_compressed(segment: &str) -> bool {
    segment.len() >= 4
        && segment.bytes().all(|b| BASE64URL.contains(&b))
        && !segment.bytes().all(|b| b.is_ascii_digit())
}

/// What a compressed segment holds: the AIs in the order written and any non-GS1 pairs.
struct Decompressed {
    elements: Vec<(String, String)>,
    other: Vec<(String, String)>,
}

fn failure(reason: impl Into<String>) -> DigitalLinkError {
    DigitalLinkError::Compression(reason.into())
}

/// Reads bits from the start of the decoded segment.
struct Bits {
    bits: Vec<bool>,
    cursor: usize,
}

impl Bits {
    fn from_base64url(segment: &str) -> Result<Self, DigitalLinkError> {
        let mut bits = Vec::with_capacity(segment.len() * 6);
        for c in segment.bytes() {
            let index = BASE64URL
                .iter()
                .position(|&a| a == c)
                .ok_or_else(|| failure(format!("character {:?} is not base64url", c as char)))?;
            bits.extend((0..6).rev().map(|shift| (index >> shift) & 1 == 1));
        }
        Ok(Self { bits, cursor: 0 })
    }

    fn remaining(&self) -> usize {
        self.bits.len() - self.cursor
    }

    fn take(&mut self, count: usize) -> Result<&[bool], DigitalLinkError> {
        if count > self.remaining() {
            return Err(failure("the data ends in the middle of a value"));
        }
        let slice = &self.bits[self.cursor..self.cursor + count];
        self.cursor += count;
        Ok(slice)
    }

    /// A small number (at most 16 bits).
    fn number(&mut self, count: usize) -> Result<usize, DigitalLinkError> {
        Ok(self
            .take(count)?
            .iter()
            .fold(0, |n, &bit| (n << 1) | usize::from(bit)))
    }

    /// `digits` decimal digits written as one binary number, zero-padded to that many digits.
    fn decimal(&mut self, digits: usize) -> Result<String, DigitalLinkError> {
        // Little-endian decimal digits, doubled and incremented bit by bit: any length, exact.
        let mut value: Vec<u8> = Vec::new();
        for &bit in self.take(value_bits(digits))? {
            let mut carry = u8::from(bit);
            for digit in &mut value {
                let doubled = *digit * 2 + carry;
                *digit = doubled % 10;
                carry = doubled / 10;
            }
            if carry > 0 {
                value.push(carry);
            }
        }
        if value.len() > digits {
            return Err(failure(format!(
                "a {digits}-digit number has more digits than its length"
            )));
        }
        value.resize(digits, 0);
        Ok(value.iter().rev().map(|d| char::from(b'0' + d)).collect())
    }

    /// `count` characters in the 3-bit `encoding` the value announced.
    fn characters(&mut self, encoding: usize, count: usize) -> Result<String, DigitalLinkError> {
        let indexed = |bits: &mut Self, width: usize, alphabet: &[u8]| {
            (0..count)
                .map(|_| Ok(char::from(alphabet[bits.number(width)?])))
                .collect::<Result<String, DigitalLinkError>>()
        };
        match encoding {
            0 => self.decimal(count),
            1 => indexed(self, 4, b"0123456789abcdef"),
            2 => indexed(self, 4, b"0123456789ABCDEF"),
            3 => indexed(self, 6, BASE64URL),
            4 => (0..count)
                .map(|_| Ok(char::from(u8::try_from(self.number(7)?).unwrap_or(0))))
                .collect(),
            other => Err(failure(format!("value encoding {other} is not defined"))),
        }
    }
}

/// Bits of a number of `digits` decimal digits, as the prototype counts them:
/// `ceil(digits · log2 10 + 0.01)`.
fn value_bits(digits: usize) -> usize {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "small non-negative lengths; the formula is the standard's"
    )]
    let bits = (digits as f64 * 10f64.ln() / 2f64.ln() + 0.01).ceil() as usize;
    bits
}

/// Bits of a length whose largest value is `max`.
fn length_bits(max: usize) -> usize {
    (usize::BITS - max.leading_zeros()) as usize
}

/// One component of an AI's value as the compression writes it.
enum Part {
    /// Fixed-length digits.
    FixedDigits(usize),
    /// Up to this many digits, length first.
    VariableDigits(usize),
    /// Exactly this many characters, encoding first.
    FixedText(usize),
    /// Up to this many characters, encoding and length first.
    VariableText(usize),
}

/// The parts of `ai`'s value: the dictionary's components, with runs of fixed-length digits
/// merged (the dictionary splits e.g. GRAI's `N1 N13` where compression writes one `N14`) and
/// optional components read as variable-length.
fn parts(ai: &str) -> Result<Vec<Part>, DigitalLinkError> {
    let entry = Dictionary::get()
        .entry(ai)
        .ok_or_else(|| failure(format!("AI ({ai}) is not a GS1 Application Identifier")))?;
    let mut parts: Vec<Part> = Vec::new();
    for component in &entry.components {
        let fixed = component.min == component.max && !component.optional;
        let part = match (component.charset, fixed) {
            (CharSet::Numeric, true) => Part::FixedDigits(component.max),
            (CharSet::Numeric, false) => Part::VariableDigits(component.max),
            (_, true) => Part::FixedText(component.max),
            (_, false) => Part::VariableText(component.max),
        };
        match (parts.last_mut(), part) {
            (Some(Part::FixedDigits(n)), Part::FixedDigits(m)) => *n += m,
            (_, part) => parts.push(part),
        }
    }
    Ok(parts)
}

fn read_value(bits: &mut Bits, ai: &str) -> Result<String, DigitalLinkError> {
    let mut value = String::new();
    for part in parts(ai)? {
        let piece = match part {
            Part::FixedDigits(digits) => bits.decimal(digits)?,
            Part::VariableDigits(max) => {
                let digits = bits.number(length_bits(max))?;
                bits.decimal(digits)?
            }
            Part::FixedText(count) => {
                let encoding = bits.number(3)?;
                bits.characters(encoding, count)?
            }
            Part::VariableText(max) => {
                let encoding = bits.number(3)?;
                let count = bits.number(length_bits(max))?;
                bits.characters(encoding, count)?
            }
        };
        value.push_str(&piece);
    }
    Ok(value)
}

fn hex_digit(nibble: usize) -> char {
    char::from_digit(u32::try_from(nibble).unwrap_or(0), 16)
        .unwrap_or('0')
        .to_ascii_uppercase()
}

/// Decodes one compressed segment.
fn decompress(segment: &str) -> Result<Decompressed, DigitalLinkError> {
    let mut bits = Bits::from_base64url(segment)?;
    let mut out = Decompressed {
        elements: Vec::new(),
        other: Vec::new(),
    };
    // Fewer than a byte left is padding.
    while bits.remaining() > 8 {
        let (h1, h2) = (bits.number(4)?, bits.number(4)?);
        if h1 <= 9 && h2 <= 9 {
            let mut ai = format!("{h1}{h2}");
            let length = Dictionary::get()
                .entries()
                .find(|e| e.ai.starts_with(&ai))
                .map(|e| e.ai.len())
                .ok_or_else(|| failure(format!("no AI starts with {ai}")))?;
            while ai.len() < length {
                let digit = bits.number(4)?;
                if digit > 9 {
                    return Err(failure(format!("AI {ai}… continues with a non-digit")));
                }
                ai.push(hex_digit(digit));
            }
            let value = read_value(&mut bits, &ai)?;
            out.elements.push((ai, value));
        } else if let Some((_, sequence)) = OPTIMISATIONS
            .iter()
            .find(|(code, _)| *code == format!("{}{}", hex_digit(h1), hex_digit(h2)))
        {
            for ai in *sequence {
                let value = read_value(&mut bits, ai)?;
                out.elements.push(((*ai).to_owned(), value));
            }
        } else if h1 == 0xF {
            // A non-GS1 pair: a 7-bit key length whose first 4 bits were h2, the key in
            // base64url, then the value like a variable-length text of up to 127 characters.
            let key_length = (h2 << 3) | bits.number(3)?;
            let key = bits.characters(3, key_length)?;
            let encoding = bits.number(3)?;
            let count = bits.number(7)?;
            let value = bits.characters(encoding, count)?;
            out.other.push((key, value));
        } else {
            return Err(failure(format!(
                "code {}{} is neither an AI nor an optimisation",
                hex_digit(h1),
                hex_digit(h2)
            )));
        }
    }
    Ok(out)
}

impl DigitalLink {
    /// Parses a Digital Link URI, plain or compressed (fully, `…/<compressed>`, or partially,
    /// `…/<key AI>/<key>/<compressed>`). Returns the link and whether it was compressed; the
    /// uncompressed form is `link.to_string()`, with the URI's query string kept.
    pub fn parse_any(uri: &str) -> Result<(Self, bool), DigitalLinkError> {
        let plain = match Self::parse(uri) {
            Ok(link) => return Ok((link, false)),
            Err(error) => error,
        };
        let (without_query, query) = uri
            .split('#')
            .next()
            .unwrap_or_default()
            .split_once('?')
            .unwrap_or((uri.split('#').next().unwrap_or_default(), ""));
        let path = without_query.strip_suffix('/').unwrap_or(without_query);
        let Some((before, last)) = path.rsplit_once('/') else {
            return Err(plain);
        };
        if !looks_compressed(last) || !matches!(plain, DigitalLinkError::NoPrimaryKey) {
            return Err(plain);
        }
        let decompressed = decompress(last)?;
        // Partially compressed: the primary key stays in the path before the segment.
        let partial = before.rsplit_once('/').and_then(|(head, value)| {
            let (base, ai) = head.rsplit_once('/')?;
            let entry = Dictionary::get().entry(ai)?;
            (entry.is_primary_key() && value.bytes().all(|b| b.is_ascii_digit()))
                .then_some((base, ai, value))
        });
        let (base, mut elements) = match partial {
            Some((base, ai, value)) => (base, vec![Element::new(ai, value)?]),
            None => (before, Vec::new()),
        };
        for (ai, value) in &decompressed.elements {
            elements.push(Element::new(ai, value)?);
        }
        let link = Self::from_element_string(&ElementString::new(elements)?, base)?;
        // Re-read the whole uncompressed URI so every rule of plain links applies to it.
        let mut uncompressed = link.to_string();
        let pairs = decompressed
            .other
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::percent_encode(v)))
            .chain(
                query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            );
        for pair in pairs {
            uncompressed.push(if uncompressed.contains('?') { '&' } else { '?' });
            uncompressed.push_str(&pair);
        }
        Ok((Self::parse(&uncompressed)?, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_the_prototype_formulas() {
        assert_eq!(value_bits(14), 47);
        assert_eq!(value_bits(6), 20);
        assert_eq!(value_bits(1), 4);
        assert_eq!(value_bits(0), 1);
        assert_eq!(length_bits(20), 5);
        assert_eq!(length_bits(8), 4);
        assert_eq!(length_bits(90), 7);
    }

    #[test]
    fn segments_that_are_not_compressed_links_say_why() {
        for (uri, reason) in [
            (
                "https://example.com/uwAAAAAA",
                "code BB is neither an AI nor an optimisation",
            ),
            ("https://example.com/ZZZZZZZZ", "no AI starts with 65"),
            ("https://example.com/AR", "no GS1 primary key"),
            (
                "https://example.com/ARFK",
                "the data ends in the middle of a value",
            ),
        ] {
            let error = DigitalLink::parse_any(uri).unwrap_err().to_string();
            assert!(error.contains(reason), "{uri}: {error}");
        }
    }
}
