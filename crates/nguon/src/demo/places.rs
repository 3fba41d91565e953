//! Where the demo's facilities are: real communes of the old Bạc Liêu province (now Cà Mau),
//! each with its pre-2025 commune kept, and coordinates near the commune's centre. Ponds, fields
//! and salt fields get outlines of a plausible size around a point drawn from the seeded
//! generator, so every run puts them in the same place.

use anyhow::Context;
use nguon_domain::{Address, AdminUnits, CommuneCode, GeoPoint, Geometry};

/// A commune a facility can be in: its current code, the old commune it was, a hamlet or street
/// line, and roughly where its farms are.
pub struct Place {
    /// The current (since 01/07/2025) Cà Mau commune.
    pub commune: &'static str,
    /// The pre-2025 Bạc Liêu commune that went into it.
    pub legacy_commune: &'static str,
    /// The hamlet (ấp) or street line.
    pub street: &'static str,
    /// Latitude of the area's centre.
    pub latitude: f64,
    /// Longitude of the area's centre.
    pub longitude: f64,
}

const fn place(
    commune: &'static str,
    legacy_commune: &'static str,
    street: &'static str,
    latitude: f64,
    longitude: f64,
) -> Place {
    Place {
        commune,
        legacy_commune,
        street,
        latitude,
        longitude,
    }
}

/// Bạc Liêu city, old Phường 1.
pub const BAC_LIEU: usize = 0;
/// Nhà Mát, on the coast south-east of the city.
pub const NHA_MAT: usize = 1;
/// Vĩnh Trạch, hatcheries along the coast.
pub const VINH_TRACH: usize = 2;
/// Ninh Quới, Hồng Dân: rice and shrimp–rice.
pub const NINH_QUOI: usize = 3;
/// Ninh Thạnh Lợi, Hồng Dân: rice.
pub const NINH_THANH_LOI: usize = 4;
/// Phước Long town.
pub const PHUOC_LONG: usize = 5;
/// Vĩnh Thanh, Phước Long: rice.
pub const VINH_THANH: usize = 6;
/// Châu Hưng, Vĩnh Lợi.
pub const CHAU_HUNG: usize = 7;
/// Hưng Thành, Vĩnh Lợi.
pub const HUNG_THANH: usize = 8;
/// Hộ Phòng, Giá Rai.
pub const HO_PHONG: usize = 9;
/// Láng Tròn, Giá Rai.
pub const LANG_TRON: usize = 10;
/// Điền Hải, Đông Hải: salt fields on the coast.
pub const DIEN_HAI: usize = 11;
/// Long Điền Đông, Đông Hải: salt and shrimp.
pub const LONG_DIEN_DONG: usize = 12;
/// An Trạch A, Đông Hải.
pub const AN_TRACH: usize = 13;
/// Hòa Bình town.
pub const HOA_BINH: usize = 14;
/// Vĩnh Hậu, Hòa Bình: coastal shrimp ponds.
pub const VINH_HAU: usize = 15;
/// Vĩnh Thịnh (now in Vĩnh Hậu): asparagus on sandy soil.
pub const VINH_THINH: usize = 16;
/// Vĩnh Bình, Hòa Bình.
pub const VINH_BINH: usize = 17;

/// Every place, indexed by the constants above.
pub static PLACES: [Place; 18] = [
    place(
        "31825",
        "31825",
        "Đường Trần Phú, Phường 1",
        9.2941,
        105.7278,
    ),
    place("31840", "31831", "Ấp Nhà Mát", 9.2330, 105.7740),
    place("31834", "31834", "Ấp Biển Đông A", 9.2650, 105.7830),
    place("31849", "31846", "Ấp Ninh Điền", 9.4950, 105.5150),
    place("31864", "31864", "Ấp Cỏ Thum", 9.4700, 105.4100),
    place("31867", "31867", "Ấp Long Thành", 9.4380, 105.4620),
    place("31882", "31882", "Ấp Vĩnh Lộc", 9.3900, 105.3900),
    place("31900", "31900", "Ấp Nhà Việc", 9.3350, 105.7250),
    place("31906", "31906", "Ấp Thạnh Hưng", 9.3620, 105.6500),
    place("31942", "31945", "Khóm 2, Hộ Phòng", 9.2300, 105.4600),
    place("31951", "31951", "Khóm 1, Láng Tròn", 9.2700, 105.4300),
    place("31985", "31985", "Ấp Diêm Điền", 9.1150, 105.5050),
    place("31975", "31975", "Ấp Cây Giang", 9.1450, 105.5500),
    place("31988", "31988", "Ấp An Khoa", 9.1850, 105.5200),
    place("31891", "31891", "Ấp Thị Trấn A", 9.2830, 105.6300),
    place("31927", "31927", "Ấp Thống Nhất", 9.1850, 105.6950),
    place("31927", "31936", "Ấp Vĩnh Tiến", 9.2050, 105.7350),
    place("31918", "31918", "Ấp Vĩnh Bình", 9.3000, 105.6000),
];

/// The address of `place`, with its old commune (and so its old district) kept.
pub fn address(place: &Place, house: u32) -> anyhow::Result<Address> {
    let units = AdminUnits::embedded();
    let street = format!("Số {house}, {}", place.street);
    Address::new(units, &street, CommuneCode::parse(place.commune)?)
        .and_then(|address| {
            address.with_legacy_commune(units, CommuneCode::parse(place.legacy_commune)?)
        })
        .with_context(|| format!("demo address in commune {}", place.commune))
}

/// SplitMix64: a few lines, no dependency, and the same numbers on every platform, which is all
/// a demo needs to be reproducible.
pub struct Seeded(u64);

impl Seeded {
    /// A generator from a fixed seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A number in `0.0..1.0`.
    pub fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A number in `low..high`.
    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }
}

/// A point within about 2.5 km of the place's centre.
pub fn near(place: &Place, random: &mut Seeded) -> anyhow::Result<GeoPoint> {
    Ok(GeoPoint::new(
        place.latitude + random.between(-0.022, 0.022),
        place.longitude + random.between(-0.022, 0.022),
    )?)
}

/// A four-sided plot of roughly `width` by `length` metres around `centre`, a little skewed as
/// dug ponds and diked fields are.
pub fn plot(
    centre: GeoPoint,
    width: f64,
    length: f64,
    random: &mut Seeded,
) -> anyhow::Result<Geometry> {
    // One degree of latitude is about 110.6 km here; a degree of longitude about 109.2 km.
    let (half_lat, half_lon) = (length / 2.0 / 110_600.0, width / 2.0 / 109_200.0);
    let corners = [(-1.0, -1.0), (-1.0, 1.0), (1.0, 1.0), (1.0, -1.0)];
    let points = corners
        .into_iter()
        .map(|(lat, lon)| {
            let skew = random.between(0.9, 1.1);
            GeoPoint::new(
                centre.latitude() + lat * half_lat * skew,
                centre.longitude() + lon * half_lon * skew,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Geometry::polygon(points)?)
}
