//! Who is in the demo province: the organisations whose seasons are recorded (hatchery, farm,
//! collector, processor, mills, cooperatives, workshops, a retailer, the department), and the
//! households and cooperatives around them that are registered without a season yet.

use nguon_domain::{CertificateKind, FacilityKind, OrganisationKind};
use time::Date;
use time::macros::date;

use super::places::*;

/// A certificate a facility holds.
pub struct CertificateSpec {
    /// The scheme.
    pub kind: CertificateKind,
    /// Its number as printed.
    pub number: &'static str,
    /// Who issued it.
    pub issuer: &'static str,
    /// Issued on.
    pub issued: Date,
    /// Expires on.
    pub expires: Date,
}

/// A facility of an organisation; its GLN is the organisation's next location reference.
pub struct FacilitySpec {
    /// What it is.
    pub kind: FacilityKind,
    /// Its name.
    pub name: &'static str,
    /// Width and length in metres, for ponds and fields drawn as outlines; `None` for a building,
    /// located by a point.
    pub size: Option<(f64, f64)>,
    /// Its certificates.
    pub certificates: &'static [CertificateSpec],
}

/// A trade item an organisation makes; its GTIN is the organisation's next item reference.
pub struct ProductSpec {
    /// The Vietnamese name, as on the label.
    pub name_vi: &'static str,
    /// The English name.
    pub name_en: &'static str,
    /// The product group code.
    pub group: &'static str,
    /// The chain template its lots follow.
    pub chain: &'static str,
}

/// One organisation of the demo; `'a` is `'static` but for the members built from [`MEMBERS`].
pub struct OrgSpec<'a> {
    /// How seasons refer to it.
    pub slug: &'static str,
    /// Its registered name.
    pub name: &'static str,
    /// What sort of body it is.
    pub kind: OrganisationKind,
    /// Where it is (an index into [`PLACES`]).
    pub place: usize,
    /// Its facilities.
    pub facilities: &'a [FacilitySpec],
    /// Its products.
    pub products: &'a [ProductSpec],
    /// Left pending, so the approval queue has something in it.
    pub pending: bool,
}

const fn building(kind: FacilityKind, name: &'static str) -> FacilitySpec {
    FacilitySpec {
        kind,
        name,
        size: None,
        certificates: &[],
    }
}

const fn certified(
    kind: FacilityKind,
    name: &'static str,
    size: Option<(f64, f64)>,
    certificates: &'static [CertificateSpec],
) -> FacilitySpec {
    FacilitySpec {
        kind,
        name,
        size,
        certificates,
    }
}

const fn product(
    name_vi: &'static str,
    name_en: &'static str,
    group: &'static str,
    chain: &'static str,
) -> ProductSpec {
    ProductSpec {
        name_vi,
        name_en,
        group,
        chain,
    }
}

const fn org(
    slug: &'static str,
    name: &'static str,
    kind: OrganisationKind,
    place: usize,
    facilities: &'static [FacilitySpec],
    products: &'static [ProductSpec],
) -> OrgSpec<'static> {
    OrgSpec {
        slug,
        name,
        kind,
        place,
        facilities,
        products,
        pending: false,
    }
}

use FacilityKind as F;
use OrganisationKind::{Agency, Cooperative, Enterprise, Household};

/// The organisations whose seasons are recorded, and the department.
pub static CORE: [OrgSpec<'static>; 21] = [
    org(
        "department",
        "Sở Khoa học và Công nghệ tỉnh Cà Mau",
        Agency,
        BAC_LIEU,
        &[],
        &[],
    ),
    org(
        "broodstock",
        "Công ty TNHH Tôm bố mẹ Sao Biển",
        Enterprise,
        NHA_MAT,
        &[building(F::Hatchery, "Trại tôm bố mẹ Nhà Mát")],
        &[product(
            "Tôm thẻ chân trắng bố mẹ SPF",
            "SPF whiteleg shrimp broodstock",
            "shrimp-seed",
            "shrimp-seed",
        )],
    ),
    org(
        "hatchery",
        "Công ty TNHH Tôm giống Vĩnh Trạch",
        Enterprise,
        VINH_TRACH,
        &[certified(
            F::Hatchery,
            "Trại giống số 1",
            None,
            &[CertificateSpec {
                kind: CertificateKind::Quarantine,
                number: "CSGT-95-0021",
                issuer: "Chi cục Chăn nuôi, Thú y và Thủy sản Cà Mau",
                issued: date!(2025 - 12 - 10),
                expires: date!(2026 - 12 - 20),
            }],
        )],
        &[
            product(
                "Ấu trùng Nauplius tôm thẻ",
                "Whiteleg shrimp nauplii",
                "shrimp-seed",
                "shrimp-seed",
            ),
            product(
                "Tôm giống thẻ chân trắng PL12",
                "Whiteleg shrimp post-larvae PL12",
                "shrimp-seed",
                "shrimp-seed",
            ),
        ],
    ),
    org(
        "feedmill",
        "Công ty TNHH Thức ăn Thủy sản Phương Nam",
        Enterprise,
        CHAU_HUNG,
        &[building(F::Plant, "Nhà máy thức ăn Châu Hưng")],
        &[product(
            "Thức ăn tôm thẻ số 3 (40 % đạm)",
            "Shrimp feed no. 3 (40 % protein)",
            "shrimp",
            "farmed-shrimp",
        )],
    ),
    org(
        "farm",
        "Hộ Nguyễn Văn Tám",
        Household,
        VINH_HAU,
        &[
            certified(
                F::Pond,
                "Ao nuôi số 1",
                Some((55.0, 60.0)),
                &[CertificateSpec {
                    kind: CertificateKind::VietGap,
                    number: "VietGAP-TS-12-07-0095-0031",
                    issuer: "Trung tâm Chứng nhận Phù hợp (QUACERT)",
                    issued: date!(2024 - 12 - 20),
                    expires: date!(2026 - 12 - 19),
                }],
            ),
            certified(F::Pond, "Ao lắng", Some((30.0, 40.0)), &[]),
        ],
        &[product(
            "Tôm thẻ chân trắng nguyên liệu",
            "Whiteleg shrimp, raw",
            "shrimp",
            "farmed-shrimp",
        )],
    ),
    org(
        "collector",
        "Hộ kinh doanh Đại lý tôm Bảy Hùng",
        Household,
        HOA_BINH,
        &[building(F::Warehouse, "Vựa tôm Bảy Hùng")],
        &[product(
            "Tôm thẻ nguyên liệu (lô gom)",
            "Whiteleg shrimp, raw, collected lot",
            "shrimp",
            "farmed-shrimp",
        )],
    ),
    org(
        "processor",
        "Công ty CP Chế biến Thủy sản Bạc Liêu Xanh",
        Enterprise,
        BAC_LIEU,
        &[
            certified(
                F::Plant,
                "Nhà máy chế biến số 1",
                None,
                &[
                    CertificateSpec {
                        kind: CertificateKind::Haccp,
                        number: "HACCP-DL-0195",
                        issuer: "NAFIQPM Trung Bộ – Nam Bộ",
                        issued: date!(2025 - 03 - 01),
                        expires: date!(2028 - 02 - 28),
                    },
                    CertificateSpec {
                        kind: CertificateKind::Bap,
                        number: "BAP-P-10452",
                        issuer: "Global Seafood Alliance",
                        issued: date!(2025 - 12 - 01),
                        expires: date!(2026 - 12 - 10),
                    },
                ],
            ),
            building(F::Warehouse, "Kho lạnh Phường 1"),
        ],
        &[product(
            "Tôm thẻ PD đông lạnh IQF",
            "Frozen IQF whiteleg shrimp, peeled and deveined",
            "shrimp",
            "farmed-shrimp",
        )],
    ),
    org(
        "rice_seed",
        "Công ty CP Giống cây trồng Phước Long",
        Enterprise,
        PHUOC_LONG,
        &[building(F::Warehouse, "Kho giống Phước Long")],
        &[product(
            "Lúa giống ST25 cấp xác nhận",
            "ST25 certified rice seed",
            "rice",
            "rice",
        )],
    ),
    org(
        "rice_coop",
        "Hợp tác xã Nông nghiệp Ninh Thạnh Lợi",
        Cooperative,
        NINH_THANH_LOI,
        &[
            certified(
                F::Field,
                "Cánh đồng lớn ấp Cỏ Thum",
                Some((200.0, 250.0)),
                &[],
            ),
            building(F::Warehouse, "Kho lúa HTX"),
            building(F::Plant, "Nhà máy xay xát HTX"),
        ],
        &[
            product(
                "Lúa ST25 vụ đông xuân",
                "ST25 paddy, winter–spring crop",
                "rice",
                "rice",
            ),
            product("Lúa tươi ST25", "ST25 fresh paddy", "rice", "rice"),
            product("Gạo ST25 xát trắng", "ST25 milled rice", "rice", "rice"),
            product(
                "Gạo ST25 Ninh Thạnh Lợi túi 5 kg",
                "Ninh Thanh Loi ST25 rice, 5 kg bag",
                "rice",
                "rice",
            ),
        ],
    ),
    org(
        "retail",
        "Công ty TNHH Thương mại Dịch vụ Hoàng Gia Bạc Liêu",
        Enterprise,
        BAC_LIEU,
        &[building(F::Shop, "Siêu thị Hoàng Gia")],
        &[],
    ),
    org(
        "salt_farmer",
        "Hộ Lê Văn Diêm",
        Household,
        DIEN_HAI,
        &[certified(
            F::SaltField,
            "Ruộng muối trải bạt",
            Some((60.0, 150.0)),
            &[],
        )],
        &[product(
            "Muối hạt thô Bạc Liêu",
            "Bac Lieu raw sea salt",
            "salt",
            "salt",
        )],
    ),
    org(
        "salt_coop",
        "Hợp tác xã Diêm nghiệp Long Điền Đông",
        Cooperative,
        LONG_DIEN_DONG,
        &[
            building(F::Warehouse, "Kho muối HTX"),
            building(F::Plant, "Xưởng muối i-ốt"),
        ],
        &[
            product(
                "Muối i-ốt Bạc Liêu (rời)",
                "Bac Lieu iodised salt, bulk",
                "salt",
                "salt",
            ),
            product(
                "Muối i-ốt Bạc Liêu gói 500 g",
                "Bac Lieu iodised salt, 500 g pack",
                "salt",
                "salt",
            ),
        ],
    ),
    org(
        "fisher",
        "Hộ Trần Văn Biển",
        Household,
        DIEN_HAI,
        &[],
        &[
            product("Cá khoai tươi", "Fresh Bombay duck", "dried-seafood", "kho"),
            product("Cá cơm than tươi", "Fresh anchovy", "fish-sauce", "mam"),
        ],
    ),
    org(
        "kho_maker",
        "Hộ Phạm Thị Nhàn (Cơ sở khô Bảy Nhàn)",
        Household,
        DIEN_HAI,
        &[building(F::DryingYard, "Sân phơi khô Gành Hào")],
        &[
            product("Khô cá khoai", "Dried Bombay duck", "dried-seafood", "kho"),
            product(
                "Khô cá khoai gói 250 g",
                "Dried Bombay duck, 250 g pack",
                "dried-seafood",
                "kho",
            ),
        ],
    ),
    org(
        "mam_maker",
        "Công ty TNHH Nước mắm An Trạch",
        Enterprise,
        AN_TRACH,
        &[building(F::FermentationHouse, "Nhà thùng ủ chượp")],
        &[
            product(
                "Chượp cá cơm (mẻ ủ)",
                "Anchovy fermentation batch",
                "fish-sauce",
                "mam",
            ),
            product(
                "Nước mắm cá cơm 30 độ đạm chai 500 ml",
                "Anchovy fish sauce 30°N, 500 ml",
                "fish-sauce",
                "mam",
            ),
        ],
    ),
    org(
        "veg_coop",
        "Hợp tác xã Măng tây Vĩnh Thịnh",
        Cooperative,
        VINH_THINH,
        &[
            certified(
                F::Field,
                "Ruộng măng tây số 2",
                Some((50.0, 100.0)),
                &[CertificateSpec {
                    kind: CertificateKind::VietGap,
                    number: "VietGAP-TT-05-03-0095-0012",
                    issuer: "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
                    issued: date!(2024 - 01 - 15),
                    expires: date!(2027 - 01 - 14),
                }],
            ),
            building(F::PackingHouse, "Nhà sơ chế HTX"),
        ],
        &[
            product(
                "Măng tây xanh (đang trồng)",
                "Green asparagus crop",
                "asparagus",
                "vegetables",
            ),
            product(
                "Măng tây xanh tươi",
                "Fresh green asparagus",
                "asparagus",
                "vegetables",
            ),
            product(
                "Măng tây xanh Vĩnh Thịnh hộp 500 g",
                "Vinh Thinh green asparagus, 500 g",
                "asparagus",
                "vegetables",
            ),
        ],
    ),
    org(
        "flour",
        "Công ty TNHH Bột mì Mekong",
        Enterprise,
        HO_PHONG,
        &[building(F::Warehouse, "Kho Hộ Phòng")],
        &[
            product("Bột mì đa dụng", "All-purpose wheat flour", "ocop", "ocop"),
            product("Đậu xanh cà vỏ", "Hulled mung beans", "ocop", "ocop"),
        ],
    ),
    org(
        "bakery",
        "Công ty TNHH Bánh pía Thái Hòa Bạc Liêu",
        Enterprise,
        BAC_LIEU,
        &[certified(
            F::Plant,
            "Xưởng bánh pía",
            None,
            &[CertificateSpec {
                kind: CertificateKind::Ocop,
                number: "OCOP-95-2025-041",
                issuer: "UBND tỉnh Bạc Liêu",
                issued: date!(2025 - 01 - 20),
                expires: date!(2028 - 01 - 19),
            }],
        )],
        &[
            product(
                "Bánh pía đậu xanh sầu riêng (mẻ)",
                "Mung bean and durian pia cake batch",
                "ocop",
                "ocop",
            ),
            product(
                "Bánh pía đậu xanh sầu riêng hộp 400 g",
                "Mung bean and durian pia cakes, 400 g box",
                "ocop",
                "ocop",
            ),
        ],
    ),
    org(
        "rice_mill",
        "Công ty TNHH Xay xát Lúa gạo Phước Long",
        Enterprise,
        PHUOC_LONG,
        &[building(F::Plant, "Nhà máy xay xát Phước Long")],
        &[],
    ),
    org(
        "shrimp_coop",
        "Hợp tác xã Thủy sản Vĩnh Hậu",
        Cooperative,
        VINH_HAU,
        &[building(F::Warehouse, "Điểm thu mua HTX")],
        &[],
    ),
    OrgSpec {
        pending: true,
        ..org(
            "kho_company",
            "Công ty TNHH Đặc sản Khô Gành Hào",
            Enterprise,
            LONG_DIEN_DONG,
            &[building(F::DryingYard, "Sân phơi Long Điền Đông")],
            &[],
        )
    },
];

/// Households and cooperatives registered around the seasons: the chain they work in, their
/// main facility, and a name. Every fifth is left pending approval.
pub static MEMBERS: [(FacilityKind, &str, usize, (f64, f64)); 40] = [
    (F::Pond, "Hộ Trần Văn Hải", VINH_HAU, (50.0, 60.0)),
    (F::Pond, "Hộ Lê Thị Hồng", VINH_HAU, (45.0, 55.0)),
    (F::Pond, "Hộ Nguyễn Văn Út", LONG_DIEN_DONG, (60.0, 70.0)),
    (F::Pond, "Hộ Huỳnh Văn Lợi", AN_TRACH, (40.0, 50.0)),
    (F::Pond, "Hộ Võ Thị Mai", HO_PHONG, (50.0, 50.0)),
    (F::Pond, "Hộ Đặng Văn Phúc", LANG_TRON, (55.0, 65.0)),
    (F::Pond, "Hộ Trương Văn Nghĩa", NHA_MAT, (45.0, 60.0)),
    (F::Pond, "Hộ Lý Văn Thành", VINH_TRACH, (50.0, 55.0)),
    (F::Pond, "Hộ Phan Thị Lan", NINH_QUOI, (80.0, 120.0)),
    (F::Pond, "Hộ Tô Văn Sáu", PHUOC_LONG, (70.0, 110.0)),
    (F::Pond, "Hộ Dương Văn Tư", VINH_BINH, (50.0, 60.0)),
    (F::Pond, "Hộ Châu Văn Bảy", HUNG_THANH, (45.0, 50.0)),
    (F::Pond, "Hộ Quách Thị Xuân", CHAU_HUNG, (40.0, 60.0)),
    (F::Pond, "Hộ Lâm Văn Đức", VINH_HAU, (60.0, 60.0)),
    (F::Pond, "Hộ Kiều Văn Tài", LONG_DIEN_DONG, (55.0, 60.0)),
    (
        F::Field,
        "Hộ Nguyễn Văn Lúa",
        NINH_THANH_LOI,
        (150.0, 200.0),
    ),
    (F::Field, "Hộ Trần Thị Bé", NINH_QUOI, (120.0, 180.0)),
    (F::Field, "Hộ Lê Văn Hòa", VINH_THANH, (140.0, 220.0)),
    (F::Field, "Hộ Võ Văn Được", PHUOC_LONG, (100.0, 200.0)),
    (F::Field, "Hộ Huỳnh Thị Thu", NINH_THANH_LOI, (130.0, 160.0)),
    (F::Field, "Hộ Phạm Văn Khánh", VINH_THANH, (160.0, 180.0)),
    (F::Field, "Hộ Đỗ Văn Mùa", NINH_QUOI, (110.0, 190.0)),
    (F::Field, "Hộ Trịnh Văn Gặt", HUNG_THANH, (120.0, 150.0)),
    (F::Field, "Hộ Mai Văn Cấy", VINH_BINH, (100.0, 140.0)),
    (F::SaltField, "Hộ Nguyễn Văn Muối", DIEN_HAI, (60.0, 150.0)),
    (F::SaltField, "Hộ Lê Thị Trắng", DIEN_HAI, (50.0, 140.0)),
    (
        F::SaltField,
        "Hộ Trần Văn Nắng",
        LONG_DIEN_DONG,
        (60.0, 120.0),
    ),
    (F::SaltField, "Hộ Phạm Văn Gió", DIEN_HAI, (55.0, 160.0)),
    (F::SaltField, "Hộ Hồ Thị Cát", LONG_DIEN_DONG, (50.0, 130.0)),
    (F::SaltField, "Hộ Đinh Văn Biển", DIEN_HAI, (65.0, 150.0)),
    (F::Field, "Hộ Trần Văn Măng", VINH_THINH, (40.0, 80.0)),
    (F::Field, "Hộ Lê Thị Xanh", VINH_THINH, (35.0, 90.0)),
    (F::Field, "Hộ Nguyễn Văn Rau", VINH_TRACH, (40.0, 70.0)),
    (F::Field, "Hộ Võ Thị Cải", VINH_THINH, (45.0, 60.0)),
    (F::Field, "Hộ Phan Văn Hẹ", HOA_BINH, (30.0, 60.0)),
    (F::DryingYard, "Hộ Lâm Thị Khô", DIEN_HAI, (20.0, 30.0)),
    (F::DryingYard, "Hộ Trương Văn Phơi", AN_TRACH, (20.0, 25.0)),
    (
        F::FermentationHouse,
        "Hộ Huỳnh Văn Mắm",
        AN_TRACH,
        (15.0, 20.0),
    ),
    (
        F::FermentationHouse,
        "Hộ Lý Thị Chượp",
        DIEN_HAI,
        (15.0, 25.0),
    ),
    (F::Plant, "Hộ Ngô Thị Bánh", BAC_LIEU, (10.0, 20.0)),
];
