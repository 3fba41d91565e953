//! Products (trade item classes with their GTIN, the items TT 02/2024 asks a trace page to
//! show), the province's catalogue of product groups, and the images products carry.

use std::fmt;

use nguon_gs1::Gtin;

use crate::registry::{RegistryDetails, RegistryKind};
use crate::text::{one_line, optional_line};
use crate::units::UnitCode;
use crate::{DomainError, MediaId, RecordName, Registered};

/// The code of a product group in the province's catalogue: 2 to 40 lower-case letters, digits
/// and `-` (`tom-nuoi`, `lua-gao`, `ocop`), stable across renames.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ProductGroupCode(String);

impl ProductGroupCode {
    /// Parses a code.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if (2..=40).contains(&input.len()) && input.chars().all(allowed) {
            Ok(Self(input.to_owned()))
        } else {
            Err(DomainError::CodeSyntax {
                field: "product group",
                rule: "must be 2 to 40 lower-case letters, digits or '-'",
                found: input.to_owned(),
            })
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProductGroupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ProductGroupCode {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ProductGroupCode> for String {
    fn from(code: ProductGroupCode) -> Self {
        code.0
    }
}

/// A group of the province's product catalogue, which Plan 140 counts and the dashboard breaks
/// figures down by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProductGroupDetails {
    /// Its code.
    pub code: ProductGroupCode,
    /// Its name in Vietnamese.
    pub name_vi: RecordName,
    /// Its name in English.
    pub name_en: RecordName,
    /// A key product of the province (sản phẩm chủ lực).
    pub key: bool,
    /// Traceability is mandatory for it (thuộc danh mục bắt buộc truy xuất).
    pub mandatory: bool,
}

impl RegistryDetails for ProductGroupDetails {
    const KIND: RegistryKind = RegistryKind::ProductGroup;

    fn key(&self) -> String {
        self.code.as_str().to_owned()
    }

    fn display_name(&self) -> &str {
        self.name_vi.as_str()
    }
}

/// A stored product group.
pub type ProductGroup = Registered<ProductGroupDetails>;

/// How much one trade item holds: a positive amount in a known unit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "NetContentFields")]
pub struct NetContent {
    amount: f64,
    unit: UnitCode,
}

/// [`NetContent`] as read, before its rules are checked.
#[derive(serde::Deserialize)]
struct NetContentFields {
    amount: f64,
    unit: UnitCode,
}

impl TryFrom<NetContentFields> for NetContent {
    type Error = DomainError;

    fn try_from(fields: NetContentFields) -> Result<Self, Self::Error> {
        Self::new(fields.amount, fields.unit)
    }
}

impl NetContent {
    /// Checks the amount is a positive finite number.
    pub fn new(amount: f64, unit: UnitCode) -> Result<Self, DomainError> {
        if amount.is_finite() && amount > 0.0 {
            Ok(Self { amount, unit })
        } else {
            Err(DomainError::OutOfRange {
                field: "net content",
                rule: "a number greater than 0",
                found: amount.to_string(),
            })
        }
    }

    /// Parses the amount as a form posts it (a `.` or a `,` before the decimals).
    pub fn parse(amount: &str, unit: &str) -> Result<Self, DomainError> {
        let text = amount.trim().replace(',', ".");
        let value = text.parse::<f64>().map_err(|_| DomainError::OutOfRange {
            field: "net content",
            rule: "a number greater than 0",
            found: amount.trim().to_owned(),
        })?;
        Self::new(value, UnitCode::parse("net content unit", unit)?)
    }

    /// The amount.
    pub fn amount(self) -> f64 {
        self.amount
    }

    /// The unit.
    pub fn unit(self) -> UnitCode {
        self.unit
    }
}

/// An applied standard as printed on the label: `TCVN 12827:2019`, `QCVN 02-19:2014/BNNPTNT`,
/// `TCCS 01:2024/HTX`, `VietGAP`. One line, 2 to 80 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StandardRef(String);

impl StandardRef {
    /// Parses a reference.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let text = one_line("applied standard", input, 80)?;
        if text.chars().count() < 2 {
            return Err(DomainError::CodeSyntax {
                field: "applied standard",
                rule: "must be a reference such as TCVN 12827:2019",
                found: text,
            });
        }
        Ok(Self(text))
    }

    /// Parses a list separated by `;` or new lines, as a form's text area posts it.
    pub fn parse_list(input: &str) -> Result<Vec<Self>, DomainError> {
        input
            .split([';', '\n'])
            .filter(|part| !part.trim().is_empty())
            .map(Self::parse)
            .collect()
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StandardRef {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<StandardRef> for String {
    fn from(standard: StandardRef) -> Self {
        standard.0
    }
}

/// Parses a whole number in `range` for `field`; blank is `None`.
fn optional_number<T>(
    field: &'static str,
    rule: &'static str,
    input: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<Option<T>, DomainError>
where
    T: std::str::FromStr + PartialOrd,
{
    let input = input.trim();
    if input.is_empty() {
        return Ok(None);
    }
    match input.parse::<T>() {
        Ok(value) if range.contains(&value) => Ok(Some(value)),
        _ => Err(DomainError::OutOfRange {
            field,
            rule,
            found: input.to_owned(),
        }),
    }
}

/// What the registry keeps about a product: the items of TT 02/2024 that do not change from one
/// lot to the next.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProductDetails {
    /// Its GTIN.
    pub gtin: Gtin,
    /// Its name in Vietnamese, as on the label.
    pub name_vi: RecordName,
    /// Its name in English, for export buyers.
    pub name_en: Option<RecordName>,
    /// The brand (nhãn hiệu).
    pub brand: Option<String>,
    /// Net content of one item.
    pub net_content: Option<NetContent>,
    /// Standards it is made to.
    pub standards: Vec<StandardRef>,
    /// Shelf life in days, from production.
    pub shelf_life_days: Option<u16>,
    /// OCOP stars, 1 to 5, when rated.
    pub ocop_stars: Option<u8>,
    /// Its group in the province's catalogue.
    pub group: ProductGroupCode,
    /// The pilot-chain template its lots follow.
    pub chain: Option<String>,
    /// Its images, first shown first.
    pub images: Vec<MediaId>,
}

impl ProductDetails {
    /// A product with only what every product needs; the rest is set field by field.
    pub fn new(gtin: Gtin, name_vi: RecordName, group: ProductGroupCode) -> Self {
        Self {
            gtin,
            name_vi,
            name_en: None,
            brand: None,
            net_content: None,
            standards: Vec::new(),
            shelf_life_days: None,
            ocop_stars: None,
            group,
            chain: None,
            images: Vec::new(),
        }
    }

    /// Sets the optional fields from a form's text (blank clears a field), naming the first
    /// field that breaks its rule.
    pub fn with_form_fields(mut self, form: &ProductForm<'_>) -> Result<Self, DomainError> {
        self.name_en = optional_line("English name", form.name_en, RecordName::MAX_CHARS)?
            .map(|name| RecordName::parse("English name", &name))
            .transpose()?;
        self.brand = optional_line("brand", form.brand, 120)?;
        self.net_content = if form.net_content.trim().is_empty() {
            None
        } else {
            Some(NetContent::parse(form.net_content, form.net_content_unit)?)
        };
        self.standards = StandardRef::parse_list(form.standards)?;
        self.shelf_life_days = optional_number(
            "shelf life",
            "a whole number of days from 1 to 3650",
            form.shelf_life_days,
            1..=3650,
        )?;
        self.ocop_stars = optional_number(
            "OCOP stars",
            "a whole number from 1 to 5",
            form.ocop_stars,
            1..=5,
        )?;
        self.chain = optional_line("chain", form.chain, 60)?;
        Ok(self)
    }
}

/// The optional product fields as text, as a form or an import row holds them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductForm<'a> {
    /// English name.
    pub name_en: &'a str,
    /// Brand.
    pub brand: &'a str,
    /// Net content amount.
    pub net_content: &'a str,
    /// Net content UN/ECE unit code.
    pub net_content_unit: &'a str,
    /// Applied standards separated by `;` or new lines.
    pub standards: &'a str,
    /// Shelf life in days.
    pub shelf_life_days: &'a str,
    /// OCOP stars.
    pub ocop_stars: &'a str,
    /// Chain template id.
    pub chain: &'a str,
}

impl RegistryDetails for ProductDetails {
    const KIND: RegistryKind = RegistryKind::Product;

    fn key(&self) -> String {
        self.gtin.as_str().to_owned()
    }

    fn display_name(&self) -> &str {
        self.name_vi.as_str()
    }
}

/// A stored product.
pub type Product = Registered<ProductDetails>;

/// The image formats the portal accepts and serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    WebP,
}

impl ImageType {
    /// The media type to serve it with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::WebP => "image/webp",
        }
    }

    /// Parses a stored media type.
    pub fn from_media_type(input: &str) -> Result<Self, DomainError> {
        [Self::Png, Self::Jpeg, Self::WebP]
            .into_iter()
            .find(|kind| kind.media_type() == input)
            .ok_or_else(|| DomainError::NotInList {
                field: "image type",
                allowed: "image/png, image/jpeg, image/webp".into(),
                found: input.to_owned(),
            })
    }

    /// Recognises the format by its first bytes, whatever the file name or the browser claims.
    pub(crate) fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::WebP)
        } else {
            None
        }
    }
}

/// An uploaded image that passed the checks: a real PNG, JPEG or WebP file, not too large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    kind: ImageType,
    bytes: Vec<u8>,
}

impl Image {
    /// Largest file accepted: 2 MiB, plenty for a product photo a phone resizes.
    pub const MAX_BYTES: usize = 2 * 1024 * 1024;

    /// Checks the size and recognises the format by content.
    pub fn parse(bytes: Vec<u8>) -> Result<Self, DomainError> {
        let refuse = |found: String| DomainError::ImageFile {
            max: Self::MAX_BYTES,
            found,
        };
        if bytes.len() > Self::MAX_BYTES {
            return Err(refuse(format!("found {} bytes", bytes.len())));
        }
        let kind = ImageType::sniff(&bytes)
            .ok_or_else(|| refuse("the file is not one of those formats".into()))?;
        Ok(Self { kind, bytes })
    }

    /// Its format.
    pub fn kind(&self) -> ImageType {
        self.kind
    }

    /// Its bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product() -> ProductDetails {
        ProductDetails::new(
            Gtin::parse("8934673000017").unwrap(),
            RecordName::parse("name", "Tôm sú đông lạnh").unwrap(),
            ProductGroupCode::parse("tom-nuoi").unwrap(),
        )
    }

    #[test]
    fn form_fields_parse_with_the_rules_of_tt_02() {
        let form = ProductForm {
            name_en: "Frozen black tiger shrimp",
            brand: "Vĩnh Hậu",
            net_content: "1,5",
            net_content_unit: "KGM",
            standards: "TCVN 12827:2019; QCVN 02-19:2014/BNNPTNT\n",
            shelf_life_days: "730",
            ocop_stars: "4",
            chain: "farmed-shrimp",
        };
        let details = product().with_form_fields(&form).unwrap();
        assert_eq!(details.net_content.unwrap().amount(), 1.5);
        assert_eq!(details.standards.len(), 2);
        assert_eq!(details.ocop_stars, Some(4));
        let json = serde_json::to_value(&details).unwrap();
        assert_eq!(json["gtin"], "08934673000017");
        assert_eq!(json["net_content"]["unit"], "KGM");
        assert_eq!(
            serde_json::from_value::<ProductDetails>(json).unwrap(),
            details
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (
                ProductForm {
                    net_content: "0",
                    net_content_unit: "KGM",
                    ..Default::default()
                },
                "net content: must be a number greater than 0; found 0",
            ),
            (
                ProductForm {
                    net_content: "1",
                    net_content_unit: "kg",
                    ..Default::default()
                },
                "net content unit: must be one of KGM",
            ),
            (
                ProductForm {
                    shelf_life_days: "0",
                    ..Default::default()
                },
                "shelf life: must be a whole number of days from 1 to 3650; found 0",
            ),
            (
                ProductForm {
                    ocop_stars: "6",
                    ..Default::default()
                },
                "OCOP stars: must be a whole number from 1 to 5; found 6",
            ),
            (
                ProductForm {
                    standards: "T",
                    ..Default::default()
                },
                "applied standard: must be a reference such as TCVN 12827:2019",
            ),
        ];
        for (form, expected) in cases {
            let error = product().with_form_fields(&form).unwrap_err().to_string();
            assert!(
                error.starts_with(expected),
                "{error} does not start with {expected}"
            );
        }
        assert!(ProductGroupCode::parse("Tôm").is_err());
    }

    #[test]
    fn images_are_recognised_by_content_not_by_name() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        assert_eq!(Image::parse(png).unwrap().kind().media_type(), "image/png");
        let webp = b"RIFF\x10\0\0\0WEBPVP8 ".to_vec();
        assert_eq!(Image::parse(webp).unwrap().kind(), ImageType::WebP);
        let html = b"<script>alert(1)</script>".to_vec();
        assert!(
            Image::parse(html)
                .unwrap_err()
                .to_string()
                .starts_with("image: must be a PNG")
        );
        let huge = [vec![0xFF, 0xD8, 0xFF], vec![0; Image::MAX_BYTES]].concat();
        assert!(
            Image::parse(huge)
                .unwrap_err()
                .to_string()
                .contains("found 2097155 bytes")
        );
    }
}
