//! Facilities: the hatcheries, ponds, fields, salt fields, drying yards, fermentation houses,
//! plants, packing houses, warehouses and shops where events happen, with where they are and the
//! certificates they hold.

use std::fmt;

use time::Date;

use nguon_gs1::Gln;

use crate::registry::{RegistryDetails, RegistryKind};
use crate::text::one_line;
use crate::{Address, DomainError, RecordName, Registered};

/// What a facility is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// A shrimp hatchery (trại sản xuất giống).
    Hatchery,
    /// A pond (ao nuôi).
    Pond,
    /// A rice, vegetable or asparagus field (ruộng, vườn).
    Field,
    /// A salt field (ruộng muối).
    SaltField,
    /// A drying yard for khô (sân phơi).
    DryingYard,
    /// A fish-sauce fermentation house (nhà thùng).
    FermentationHouse,
    /// A processing plant or mill (nhà máy, cơ sở chế biến).
    Plant,
    /// A packing house (cơ sở đóng gói).
    PackingHouse,
    /// A warehouse, cold store or collector's depot (kho, đại lý thu mua).
    Warehouse,
    /// A shop (cửa hàng).
    Shop,
}

impl FacilityKind {
    /// Every kind, in the order a form lists them.
    pub const ALL: [Self; 10] = [
        Self::Hatchery,
        Self::Pond,
        Self::Field,
        Self::SaltField,
        Self::DryingYard,
        Self::FermentationHouse,
        Self::Plant,
        Self::PackingHouse,
        Self::Warehouse,
        Self::Shop,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hatchery => "hatchery",
            Self::Pond => "pond",
            Self::Field => "field",
            Self::SaltField => "salt_field",
            Self::DryingYard => "drying_yard",
            Self::FermentationHouse => "fermentation_house",
            Self::Plant => "plant",
            Self::PackingHouse => "packing_house",
            Self::Warehouse => "warehouse",
            Self::Shop => "shop",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| DomainError::NotInList {
                field: "facility kind",
                allowed: Self::ALL.map(Self::as_str).join(", "),
                found: input.to_owned(),
            })
    }
}

impl fmt::Display for FacilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A point on the WGS 84 ellipsoid, in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "[f64; 2]", into = "[f64; 2]")]
pub struct GeoPoint {
    latitude: f64,
    longitude: f64,
}

impl GeoPoint {
    /// Checks that both are finite and in range.
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, DomainError> {
        let check = |value: f64, limit: f64, rule| {
            if value.is_finite() && value.abs() <= limit {
                Ok(value)
            } else {
                Err(DomainError::Coordinate {
                    field: "location",
                    rule,
                    found: value.to_string(),
                })
            }
        };
        Ok(Self {
            latitude: check(latitude, 90.0, "latitude must be between -90 and 90")?,
            longitude: check(longitude, 180.0, "longitude must be between -180 and 180")?,
        })
    }

    /// Parses `"latitude, longitude"` in decimal degrees, as a phone's GPS or a map app gives it.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let malformed = || DomainError::Coordinate {
            field: "location",
            rule: "must be latitude, longitude in decimal degrees such as 9.2851, 105.7244",
            found: input.trim().to_owned(),
        };
        let (latitude, longitude) = input.split_once(',').ok_or_else(malformed)?;
        let number = |text: &str| text.trim().parse::<f64>().map_err(|_| malformed());
        Self::new(number(latitude)?, number(longitude)?)
    }

    /// Degrees north.
    pub fn latitude(self) -> f64 {
        self.latitude
    }

    /// Degrees east.
    pub fn longitude(self) -> f64 {
        self.longitude
    }
}

impl fmt::Display for GeoPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}, {:.6}", self.latitude, self.longitude)
    }
}

impl TryFrom<[f64; 2]> for GeoPoint {
    type Error = DomainError;

    /// GeoJSON order: longitude first.
    fn try_from([longitude, latitude]: [f64; 2]) -> Result<Self, Self::Error> {
        Self::new(latitude, longitude)
    }
}

impl From<GeoPoint> for [f64; 2] {
    fn from(point: GeoPoint) -> Self {
        [point.longitude, point.latitude]
    }
}

/// Where a facility is: one point, or the outline of a pond or field.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", content = "coordinates", try_from = "GeometryShape")]
pub enum Geometry {
    /// A single point (the gate of a plant, the centre of a small pond).
    Point(GeoPoint),
    /// An outline of 3 to [`Geometry::MAX_VERTICES`] distinct points, not repeated at the end.
    Polygon(Vec<GeoPoint>),
}

/// [`Geometry`] as read, before its vertex count is checked.
#[derive(serde::Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum GeometryShape {
    Point(GeoPoint),
    Polygon(Vec<GeoPoint>),
}

impl TryFrom<GeometryShape> for Geometry {
    type Error = DomainError;

    fn try_from(shape: GeometryShape) -> Result<Self, Self::Error> {
        match shape {
            GeometryShape::Point(point) => Ok(Self::Point(point)),
            GeometryShape::Polygon(points) => Self::polygon(points),
        }
    }
}

impl Geometry {
    /// Most vertices an outline may have.
    pub const MAX_VERTICES: usize = 500;

    /// An outline; a last point equal to the first (as GeoJSON closes rings) is dropped.
    pub fn polygon(mut points: Vec<GeoPoint>) -> Result<Self, DomainError> {
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        if !(3..=Self::MAX_VERTICES).contains(&points.len()) {
            return Err(DomainError::Coordinate {
                field: "outline",
                rule: "must have 3 to 500 distinct points",
                found: points.len().to_string(),
            });
        }
        Ok(Self::Polygon(points))
    }

    /// Parses one point (`lat, lon`) or an outline of points separated by `;` or new lines.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let points = input
            .split([';', '\n'])
            .filter(|part| !part.trim().is_empty())
            .map(GeoPoint::parse)
            .collect::<Result<Vec<_>, _>>()?;
        match points.as_slice() {
            [point] => Ok(Self::Point(*point)),
            _ => Self::polygon(points),
        }
    }

    /// The point a map marks: the point itself, or the mean of the outline's vertices (close
    /// enough for ponds and fields a few hundred metres across).
    pub fn centre(&self) -> GeoPoint {
        match self {
            Self::Point(point) => *point,
            Self::Polygon(points) => {
                let count = points.len() as f64;
                let (latitude, longitude) = points.iter().fold((0.0, 0.0), |(la, lo), p| {
                    (la + p.latitude, lo + p.longitude)
                });
                GeoPoint {
                    latitude: latitude / count,
                    longitude: longitude / count,
                }
            }
        }
    }

    /// The text form [`Geometry::parse`] reads back.
    pub fn to_text(&self) -> String {
        match self {
            Self::Point(point) => point.to_string(),
            Self::Polygon(points) => points
                .iter()
                .map(GeoPoint::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// A code the authorities assign: a growing-area or farming-area code (mã số vùng trồng / vùng
/// nuôi), a packing-house code, a food-safety licence number. 1 to 40 characters of letters,
/// digits, `-`, `.`, `/` and `_`, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficialCode(String);

impl OfficialCode {
    /// Parses a code for `field`.
    pub fn parse(field: &'static str, input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_');
        if (1..=40).contains(&input.len()) && input.chars().all(allowed) {
            Ok(Self(input.to_owned()))
        } else {
            Err(DomainError::CodeSyntax {
                field,
                rule: "must be 1 to 40 letters, digits, '-', '.', '/' or '_'",
                found: input.to_owned(),
            })
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OfficialCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OfficialCode {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse("code", &value)
    }
}

impl From<OfficialCode> for String {
    fn from(code: OfficialCode) -> Self {
        code.0
    }
}

/// The schemes a certificate can be issued under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// VietGAP (TCVN 11892 and its sector standards).
    VietGap,
    /// GLOBALG.A.P.
    GlobalGap,
    /// Aquaculture Stewardship Council.
    Asc,
    /// Best Aquaculture Practices.
    Bap,
    /// Organic (TCVN 11041, EU, USDA).
    Organic,
    /// HACCP or ISO 22000.
    Haccp,
    /// The certificate of a facility eligible for food safety (giấy chứng nhận cơ sở đủ điều kiện ATTP).
    FoodSafety,
    /// A disease-free or quarantine certificate (WSSV, EHP, AHPND tests of a hatchery).
    Quarantine,
    /// An OCOP rating.
    Ocop,
    /// Anything else, named in the issuer field.
    Other,
}

impl CertificateKind {
    /// Every kind, in the order a form lists them.
    pub const ALL: [Self; 10] = [
        Self::VietGap,
        Self::GlobalGap,
        Self::Asc,
        Self::Bap,
        Self::Organic,
        Self::Haccp,
        Self::FoodSafety,
        Self::Quarantine,
        Self::Ocop,
        Self::Other,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VietGap => "viet_gap",
            Self::GlobalGap => "global_gap",
            Self::Asc => "asc",
            Self::Bap => "bap",
            Self::Organic => "organic",
            Self::Haccp => "haccp",
            Self::FoodSafety => "food_safety",
            Self::Quarantine => "quarantine",
            Self::Ocop => "ocop",
            Self::Other => "other",
        }
    }

    /// Parses the stored name.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let input = input.trim();
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| DomainError::NotInList {
                field: "certificate kind",
                allowed: Self::ALL.map(Self::as_str).join(", "),
                found: input.to_owned(),
            })
    }
}

/// A certificate a facility holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "CertificateFields")]
pub struct Certificate {
    kind: CertificateKind,
    number: String,
    issuer: String,
    issued_on: Date,
    expires_on: Option<Date>,
    verified: bool,
}

/// [`Certificate`] as read, before its rules are checked.
#[derive(serde::Deserialize)]
struct CertificateFields {
    kind: CertificateKind,
    number: String,
    issuer: String,
    issued_on: Date,
    expires_on: Option<Date>,
    verified: bool,
}

impl TryFrom<CertificateFields> for Certificate {
    type Error = DomainError;

    fn try_from(fields: CertificateFields) -> Result<Self, Self::Error> {
        Self::new(
            fields.kind,
            &fields.number,
            &fields.issuer,
            fields.issued_on,
            fields.expires_on,
            fields.verified,
        )
    }
}

impl Certificate {
    /// Checks the number and issuer are one line and the expiry is not before the issue date.
    /// `verified` means the province checked the original; otherwise it is self-declared.
    pub fn new(
        kind: CertificateKind,
        number: &str,
        issuer: &str,
        issued_on: Date,
        expires_on: Option<Date>,
        verified: bool,
    ) -> Result<Self, DomainError> {
        if let Some(expires) = expires_on
            && expires < issued_on
        {
            return Err(DomainError::CertificateDates {
                issued: issued_on,
                expires,
            });
        }
        Ok(Self {
            kind,
            number: one_line("certificate number", number, 60)?,
            issuer: one_line("certificate issuer", issuer, 200)?,
            issued_on,
            expires_on,
            verified,
        })
    }

    /// The scheme.
    pub fn kind(&self) -> CertificateKind {
        self.kind
    }

    /// The certificate's number.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// Who issued it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// When it was issued.
    pub fn issued_on(&self) -> Date {
        self.issued_on
    }

    /// When it expires, if it does.
    pub fn expires_on(&self) -> Option<Date> {
        self.expires_on
    }

    /// Whether the province checked the original (otherwise it is self-declared).
    pub fn verified(&self) -> bool {
        self.verified
    }

    /// Whether it is no longer valid on `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.expires_on.is_some_and(|expires| expires < today)
    }

    /// Whether it is still valid on `today` but expires within `days` days: time to renew.
    pub fn expires_within(&self, today: Date, days: i64) -> bool {
        self.expires_on.is_some_and(|expires| {
            expires >= today && expires <= today + time::Duration::days(days)
        })
    }
}

/// What the registry keeps about a facility.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FacilityDetails {
    /// What it is.
    pub kind: FacilityKind,
    /// Its name as its owner uses it ("Ao số 3", "Nhà máy Vĩnh Hậu").
    pub name: RecordName,
    /// Its GLN, from the owner's company prefix or allocated from the province's.
    pub gln: Gln,
    /// Where it is by address: street or hamlet (ấp) in a current commune.
    pub address: Option<Address>,
    /// Where it is.
    pub geometry: Option<Geometry>,
    /// Its growing-area, farming-area or packing-house code, when the authorities assigned one.
    pub official_code: Option<OfficialCode>,
    /// Certificates it holds.
    pub certificates: Vec<Certificate>,
}

impl FacilityDetails {
    /// A facility with only what every facility needs; the rest is set field by field.
    pub fn new(kind: FacilityKind, name: RecordName, gln: Gln) -> Self {
        Self {
            kind,
            name,
            gln,
            address: None,
            geometry: None,
            official_code: None,
            certificates: Vec::new(),
        }
    }
}

impl RegistryDetails for FacilityDetails {
    const KIND: RegistryKind = RegistryKind::Facility;

    fn key(&self) -> String {
        self.gln.as_str().to_owned()
    }

    fn display_name(&self) -> &str {
        self.name.as_str()
    }
}

/// A stored facility.
pub type Facility = Registered<FacilityDetails>;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn points_and_outlines_parse_from_what_a_phone_or_a_map_gives() {
        let point = Geometry::parse("9.2851, 105.7244").unwrap();
        assert_eq!(
            point,
            Geometry::Point(GeoPoint::new(9.2851, 105.7244).unwrap())
        );
        let outline = Geometry::parse("9.0,105.0; 9.0,105.002\n9.002,105.002; 9.0,105.0").unwrap();
        let Geometry::Polygon(points) = &outline else {
            panic!("not an outline: {outline:?}")
        };
        assert_eq!(points.len(), 3, "the closing point is dropped");
        let centre = outline.centre();
        assert!((centre.latitude() - 9.000_666).abs() < 1e-5);
        assert_eq!(Geometry::parse(&outline.to_text()).unwrap(), outline);
        let json = serde_json::to_value(&outline).unwrap();
        assert_eq!(json["type"], "Polygon");
        assert_eq!(json["coordinates"][0], serde_json::json!([105.0, 9.0]));
        assert_eq!(serde_json::from_value::<Geometry>(json).unwrap(), outline);
    }

    #[test]
    fn bad_coordinates_name_the_rule() {
        assert_eq!(
            Geometry::parse("95, 105").unwrap_err().to_string(),
            "location: latitude must be between -90 and 90; found \"95\""
        );
        assert!(
            Geometry::parse("9.2851 105.7244")
                .unwrap_err()
                .to_string()
                .starts_with("location: must be latitude, longitude")
        );
        assert_eq!(
            Geometry::parse("9,105; 9,106").unwrap_err().to_string(),
            "outline: must have 3 to 500 distinct points; found \"2\""
        );
        let json = serde_json::json!({"type": "Polygon", "coordinates": [[105.0, 9.0]]});
        assert!(serde_json::from_value::<Geometry>(json).is_err());
    }

    #[test]
    fn certificates_check_dates_and_tell_when_to_renew() {
        let certificate = Certificate::new(
            CertificateKind::VietGap,
            "VietGAP-TS-11-12-0042",
            "Trung tâm Chứng nhận Phù hợp (QUACERT)",
            date!(2025 - 03 - 01),
            Some(date!(2027 - 03 - 01)),
            true,
        )
        .unwrap();
        assert!(certificate.expires_within(date!(2027 - 02 - 01), 30));
        assert!(!certificate.expires_within(date!(2026 - 11 - 29), 30));
        assert!(certificate.expired(date!(2027 - 03 - 02)));
        let json = serde_json::to_value(&certificate).unwrap();
        assert_eq!(
            serde_json::from_value::<Certificate>(json).unwrap(),
            certificate
        );
        let backwards = Certificate::new(
            CertificateKind::Asc,
            "ASC-1",
            "ASC",
            date!(2026 - 01 - 01),
            Some(date!(2025 - 01 - 01)),
            false,
        );
        assert_eq!(
            backwards.unwrap_err().to_string(),
            "certificate expiry: 2025-01-01 is before the issue date 2026-01-01"
        );
    }

    #[test]
    fn official_codes_and_kinds_name_their_field() {
        assert!(OfficialCode::parse("growing-area code", "VN-BLOC-0012").is_ok());
        assert!(
            OfficialCode::parse("growing-area code", "VN BLOC")
                .unwrap_err()
                .to_string()
                .starts_with("growing-area code: must be 1 to 40")
        );
        assert_eq!(
            FacilityKind::parse("salt_field"),
            Ok(FacilityKind::SaltField)
        );
        assert!(
            FacilityKind::parse("farm")
                .unwrap_err()
                .to_string()
                .starts_with("facility kind: must be one of hatchery, pond")
        );
    }
}
