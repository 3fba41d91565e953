//! The embedded administrative-unit catalogue against facts taken from the official lists.
//!
//! The Cà Mau expectations below are copied from `ca-mau-communes.csv` (derived from the NSO list
//! and the NSO conversion table; see `data/admin-units/SOURCES.md`), so the test does not read
//! anything outside the repository.

use std::collections::{BTreeMap, BTreeSet};

use nguon_domain::{
    Address, AdminUnits, CommuneCode, CommuneKind, DistrictCode, DomainError, ProvinceCode,
    ProvinceKind, Share,
};

fn province(code: &str) -> ProvinceCode {
    ProvinceCode::parse(code).unwrap()
}

fn commune(code: &str) -> CommuneCode {
    CommuneCode::parse(code).unwrap()
}

fn district(code: &str) -> DistrictCode {
    DistrictCode::parse(code).unwrap()
}

fn units() -> &'static AdminUnits {
    AdminUnits::embedded()
}

/// The 64 communes of Cà Mau (1655/NQ-UBTVQH15): code, full name, old province (95 Bạc Liêu or
/// 96 Cà Mau).
const CA_MAU: [(&str, &str, &str); 64] = [
    ("31825", "Phường Bạc Liêu", "95"),
    ("31834", "Phường Vĩnh Trạch", "95"),
    ("31840", "Phường Hiệp Thành", "95"),
    ("31843", "Xã Hồng Dân", "95"),
    ("31849", "Xã Ninh Quới", "95"),
    ("31858", "Xã Vĩnh Lộc", "95"),
    ("31864", "Xã Ninh Thạnh Lợi", "95"),
    ("31867", "Xã Phước Long", "95"),
    ("31876", "Xã Vĩnh Phước", "95"),
    ("31882", "Xã Vĩnh Thanh", "95"),
    ("31885", "Xã Phong Hiệp", "95"),
    ("31891", "Xã Hòa Bình", "95"),
    ("31894", "Xã Châu Thới", "95"),
    ("31900", "Xã Vĩnh Lợi", "95"),
    ("31906", "Xã Hưng Hội", "95"),
    ("31918", "Xã Vĩnh Mỹ", "95"),
    ("31927", "Xã Vĩnh Hậu", "95"),
    ("31942", "Phường Giá Rai", "95"),
    ("31951", "Phường Láng Tròn", "95"),
    ("31957", "Xã Phong Thạnh", "95"),
    ("31972", "Xã Gành Hào", "95"),
    ("31975", "Xã Đông Hải", "95"),
    ("31985", "Xã Long Điền", "95"),
    ("31988", "Xã An Trạch", "95"),
    ("31993", "Xã Định Thành", "95"),
    ("32002", "Phường An Xuyên", "96"),
    ("32014", "Phường Lý Văn Lâm", "96"),
    ("32025", "Phường Tân Thành", "96"),
    ("32041", "Phường Hòa Thành", "96"),
    ("32044", "Xã Nguyễn Phích", "96"),
    ("32047", "Xã U Minh", "96"),
    ("32059", "Xã Khánh An", "96"),
    ("32062", "Xã Khánh Lâm", "96"),
    ("32065", "Xã Thới Bình", "96"),
    ("32069", "Xã Biển Bạch", "96"),
    ("32071", "Xã Trí Phải", "96"),
    ("32083", "Xã Tân Lộc", "96"),
    ("32092", "Xã Hồ Thị Kỷ", "96"),
    ("32095", "Xã Trần Văn Thời", "96"),
    ("32098", "Xã Sông Đốc", "96"),
    ("32104", "Xã Đá Bạc", "96"),
    ("32110", "Xã Khánh Bình", "96"),
    ("32119", "Xã Khánh Hưng", "96"),
    ("32128", "Xã Cái Nước", "96"),
    ("32134", "Xã Lương Thế Trân", "96"),
    ("32137", "Xã Tân Hưng", "96"),
    ("32140", "Xã Hưng Mỹ", "96"),
    ("32152", "Xã Đầm Dơi", "96"),
    ("32155", "Xã Tạ An Khương", "96"),
    ("32161", "Xã Trần Phán", "96"),
    ("32167", "Xã Tân Thuận", "96"),
    ("32182", "Xã Quách Phẩm", "96"),
    ("32185", "Xã Thanh Tùng", "96"),
    ("32188", "Xã Tân Tiến", "96"),
    ("32191", "Xã Năm Căn", "96"),
    ("32201", "Xã Đất Mới", "96"),
    ("32206", "Xã Tam Giang", "96"),
    ("32212", "Xã Cái Đôi Vàm", "96"),
    ("32214", "Xã Phú Mỹ", "96"),
    ("32218", "Xã Phú Tân", "96"),
    ("32227", "Xã Nguyễn Việt Khái", "96"),
    ("32236", "Xã Tân Ân", "96"),
    ("32244", "Xã Phan Ngọc Hiển", "96"),
    ("32248", "Xã Đất Mũi", "96"),
];

/// Successors as `code` or `code~` (partly), as in the conversion table.
fn successors_of(old: &str) -> Vec<String> {
    units()
        .resolve_legacy_commune(commune(old))
        .unwrap()
        .into_iter()
        .map(|(c, share)| match share {
            Share::Whole => c.code().to_string(),
            Share::Part => format!("{}~", c.code()),
        })
        .collect()
}

#[test]
fn current_list_has_34_provinces_and_3321_communes() {
    let units = units();
    assert_eq!(units.provinces().len(), 34);
    let communes: Vec<_> = units
        .provinces()
        .iter()
        .flat_map(|p| units.communes_of(p.code()).unwrap())
        .collect();
    assert_eq!(communes.len(), 3321);
    let count = |kind| communes.iter().filter(|c| c.kind() == kind).count();
    // The July 2025 NSO list has 2,621 xã and 687 phường; ten Đồng Nai xã became phường in 2026.
    assert_eq!(count(CommuneKind::Commune), 2611);
    assert_eq!(count(CommuneKind::Ward), 697);
    assert_eq!(count(CommuneKind::SpecialZone), 13);
    let codes: BTreeSet<_> = communes.iter().map(|c| c.code()).collect();
    assert_eq!(codes.len(), 3321, "commune codes are unique nationwide");
    assert!(
        communes
            .iter()
            .all(|c| units.province(c.province()).is_ok())
    );
}

#[test]
fn ca_mau_has_its_64_communes_with_official_codes_and_names() {
    let units = units();
    let ca_mau = units.province(province("96")).unwrap();
    assert_eq!(ca_mau.to_string(), "Tỉnh Cà Mau");
    assert_eq!(ca_mau.kind(), ProvinceKind::Province);
    let found: Vec<(String, String)> = units
        .communes_of(ca_mau.code())
        .unwrap()
        .iter()
        .map(|c| (c.code().to_string(), c.to_string()))
        .collect();
    let mut expected: Vec<(String, String)> = CA_MAU
        .iter()
        .map(|&(code, name, _)| (code.to_owned(), name.to_owned()))
        .collect();
    expected.sort();
    assert_eq!(found, expected);
    let (giá_rai, its_province) = units.commune(commune("31942")).unwrap();
    assert_eq!(
        (giá_rai.name(), giá_rai.kind(), its_province.name()),
        ("Giá Rai", CommuneKind::Ward, "Cà Mau")
    );
    assert!(units.is_commune_of(commune("31942"), province("96")));
    assert!(!units.is_commune_of(commune("31942"), province("01")));
    assert!(!units.is_commune_of(commune("99999"), province("96")));
}

#[test]
fn every_old_code_resolves_to_existing_current_communes() {
    let units = units();
    let mut reached = BTreeSet::new();
    let mut old_communes = 0;
    // Old province -> the current provinces its communes went into.
    let mut provinces: BTreeMap<ProvinceCode, BTreeSet<ProvinceCode>> = BTreeMap::new();
    for old_province in ["01", "95", "96"] {
        assert!(units.legacy_province(province(old_province)).is_ok());
    }
    for code in 0..100_000 {
        let Ok(old) = units.legacy_commune(commune(&format!("{code:05}"))) else {
            continue;
        };
        old_communes += 1;
        let successors = units.resolve_legacy_commune(old.code()).unwrap();
        assert!(!successors.is_empty(), "{} has no successor", old.code());
        let district = units.legacy_district(old.district()).unwrap();
        assert!(units.legacy_province(district.province()).is_ok());
        for (current, _) in successors {
            assert!(units.commune(current.code()).is_ok());
            reached.insert(current.code());
            provinces
                .entry(district.province())
                .or_default()
                .insert(current.province());
        }
    }
    assert_eq!(old_communes, 10_035);
    // NQ 202/2025/QH15 merged whole provinces: 63 old ones, each entirely into one of the 34.
    assert_eq!(provinces.len(), 63);
    assert!(
        provinces.values().all(|targets| targets.len() == 1),
        "{provinces:?}"
    );
    let targets: BTreeSet<_> = provinces.values().flatten().collect();
    assert_eq!(targets.len(), 34);
    assert_eq!(provinces[&province("95")], [province("96")].into());
    let mut districts = 0;
    for code in 0..1000 {
        if let Ok(successors) = units.resolve_legacy_district(district(&format!("{code:03}"))) {
            districts += 1;
            assert!(
                !successors.is_empty(),
                "district {code:03} has no successor"
            );
            reached.extend(successors.iter().map(|c| c.code()));
        }
    }
    assert_eq!(districts, 696);
    // Every current commune took the territory of some old commune or district.
    assert_eq!(reached.len(), 3321);
}

#[test]
fn old_bac_lieu_went_entirely_into_ca_mau() {
    let units = units();
    assert_eq!(
        units.legacy_province(province("95")).unwrap().name(),
        "Tỉnh Bạc Liêu"
    );
    let from_bac_lieu: BTreeSet<&str> = CA_MAU
        .iter()
        .filter(|&&(_, _, old)| old == "95")
        .map(|&(code, _, _)| code)
        .collect();
    assert_eq!(from_bac_lieu.len(), 25);
    let mut old_communes = 0;
    let mut districts = BTreeSet::new();
    for code in 31_813..31_999 {
        let Ok(old) = units.legacy_commune(commune(&code.to_string())) else {
            continue;
        };
        old_communes += 1;
        districts.insert(old.district().to_string());
        assert_eq!(
            units.legacy_district(old.district()).unwrap().province(),
            province("95")
        );
        for (current, _) in units.resolve_legacy_commune(old.code()).unwrap() {
            assert_eq!(current.province(), province("96"));
            assert!(from_bac_lieu.contains(current.code().as_str()));
        }
    }
    assert_eq!(old_communes, 64);
    assert_eq!(
        districts,
        ["954", "956", "957", "958", "959", "960", "961"]
            .map(str::to_owned)
            .into()
    );
}

#[test]
fn old_communes_of_gia_rai_resolve_into_three_ca_mau_communes() {
    let units = units();
    let gia_rai = units.legacy_district(district("959")).unwrap();
    assert_eq!(gia_rai.name(), "Thị xã Giá Rai");
    let resolved: Vec<String> = units
        .resolve_legacy_district(gia_rai.code())
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        resolved,
        ["Phường Giá Rai", "Phường Láng Tròn", "Xã Phong Thạnh"]
    );
    let old = units.legacy_commune(commune("31963")).unwrap();
    assert_eq!(
        (old.name(), old.district()),
        ("Xã Phong Thạnh A", district("959"))
    );
    assert_eq!(successors_of("31963"), ["31942"]);
    assert_eq!(successors_of("31945"), ["31942"]);
    assert_eq!(successors_of("31948"), ["31951"]);
    assert_eq!(successors_of("31969"), ["31957"]);
}

#[test]
fn split_communes_give_every_part() {
    // Xã Canh Liên (Bình Định): the rest stayed as Canh Liên, a part went to Canh Vinh.
    assert_eq!(successors_of("21997"), ["21997~", "22006~"]);
    assert_eq!(successors_of("00553"), ["00136~", "00541~", "00565~"]);
}

#[test]
fn island_districts_without_communes_became_special_zones() {
    let units = units();
    for (old_district, zone) in [
        ("318", "Đặc khu Bạch Long Vĩ"),
        ("471", "Đặc khu Cồn Cỏ"),
        ("498", "Đặc khu Hoàng Sa"),
        ("536", "Đặc khu Lý Sơn"),
        ("755", "Đặc khu Côn Đảo"),
    ] {
        let resolved = units
            .resolve_legacy_district(district(old_district))
            .unwrap();
        let names: Vec<String> = resolved.iter().map(ToString::to_string).collect();
        assert_eq!(names, [zone], "district {old_district}");
    }
    // Kim Sơn's coastal alluvial area belonged to no commune; it went into Xã Kim Đông.
    let kim_son = units.resolve_legacy_district(district("376")).unwrap();
    assert!(kim_son.iter().any(|c| c.code() == commune("14698")));
}

#[test]
fn known_upstream_errors_are_corrected() {
    // Wrong old codes in the conversion table: each row is moved to the right old commune, and
    // the commune whose code was borrowed keeps only its own successors.
    assert_eq!(successors_of("01651"), ["01648"]); // Xã Mỹ Hưng → Xã Phục Hòa
    assert_eq!(successors_of("01615"), ["01636"]); // Xã Hồng Quang → Xã Bế Văn Đàn
    assert_eq!(successors_of("02482"), ["02494"]); // Xã Phú Thịnh → Xã Thái Bình
    assert_eq!(successors_of("02485"), ["02458"]); // Xã Công Đa → Xã Trung Sơn
    assert_eq!(successors_of("00556"), ["00541~", "00562~"]); // Xã Đặng Xá
    assert!(!successors_of("00553").contains(&"00562~".to_owned())); // Xã Cổ Bi
    let units = units();
    assert_eq!(
        units.legacy_commune(commune("01651")).unwrap().name(),
        "Xã Mỹ Hưng"
    );
    // Old provinces come from the GSO list, not from the table's mislabelled cells.
    let phuong_4 = units.legacy_commune(commune("27691")).unwrap();
    let tan_an = units.legacy_district(phuong_4.district()).unwrap();
    assert_eq!(tan_an.name(), "Thành phố Tân An");
    assert_eq!(
        units.legacy_province(tan_an.province()).unwrap().name(),
        "Tỉnh Long An"
    );
    let tien_hai = units.legacy_commune(commune("30781")).unwrap();
    let ha_tien = units.legacy_district(tien_hai.district()).unwrap();
    assert_eq!(
        units.legacy_province(ha_tien.province()).unwrap().name(),
        "Tỉnh Kiên Giang"
    );
    // Xã Ba Chẽ has the NSO code 06970, not 06978.
    let (ba_che, quang_ninh) = units.commune(commune("06970")).unwrap();
    assert_eq!(
        (ba_che.to_string(), quang_ninh.name()),
        ("Xã Ba Chẽ".to_owned(), "Quảng Ninh")
    );
    assert!(units.commune(commune("06978")).is_err());
}

#[test]
fn search_ignores_diacritics_case_and_spacing() {
    let units = units();
    let ca_mau = province("96");
    let names = |text: &str| -> Vec<String> {
        units
            .search(ca_mau, text)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(names("vinh hau"), ["Xã Vĩnh Hậu"]);
    assert_eq!(names("  VĨNH   HẬU "), ["Xã Vĩnh Hậu"]);
    assert_eq!(names("xa vinh hau"), ["Xã Vĩnh Hậu"]);
    assert_eq!(names("phong thanh"), ["Xã Phong Thạnh"]);
    assert_eq!(names("PHONG"), ["Xã Phong Hiệp", "Xã Phong Thạnh"]);
    assert_eq!(names("gia"), ["Phường Giá Rai", "Xã Tam Giang"]);
    // Names starting with the text first, then names with a later word starting with it, then
    // names merely containing it; alphabetically (ignoring diacritics) within each group.
    let an = names("an");
    assert_eq!(
        an[..5],
        [
            "Xã An Trạch",
            "Phường An Xuyên",
            "Xã Khánh An",
            "Xã Tạ An Khương",
            "Xã Tân Ân"
        ]
    );
    assert_eq!(an.len(), 31);
    assert!(names("").is_empty());
    assert!(names("zzz").is_empty());
    // Only the given province is searched: Vĩnh Hậu in An Giang (91) is another commune.
    let in_an_giang = units.search(province("91"), "vinh hau").unwrap();
    assert_eq!(in_an_giang.len(), 1);
    assert_eq!(in_an_giang[0].code(), commune("30367"));
    assert_eq!(
        units.search(province("95"), "vinh hau").unwrap_err(),
        DomainError::UnknownProvince {
            code: province("95")
        }
    );
}

#[test]
fn unknown_codes_are_rejected_with_the_field_and_rule() {
    let units = units();
    let message = |err: DomainError| err.to_string();
    assert_eq!(
        message(units.province(province("95")).unwrap_err()),
        "province code: must be one of the 34 provinces in force since 01/07/2025, found 95"
    );
    // Old Phường Hộ Phòng (31945) is no longer a current commune, only a legacy one.
    let err = units.commune(commune("31945")).unwrap_err();
    assert!(message(err).starts_with("commune code: must be a commune, ward or special zone"));
    assert!(units.legacy_commune(commune("31945")).is_ok());
    assert_eq!(
        units.resolve_legacy_commune(commune("99999")).unwrap_err(),
        DomainError::UnknownLegacyCommune {
            code: commune("99999")
        }
    );
    assert_eq!(
        units.resolve_legacy_district(district("999")).unwrap_err(),
        DomainError::UnknownLegacyDistrict {
            code: district("999")
        }
    );
    assert!(message(CommuneCode::parse("3194A").unwrap_err()).starts_with("commune code:"));
}

#[test]
fn address_checks_its_codes_exist_and_agree() {
    let units = units();
    let address = Address::new(units, " Số 12, ấp 3 ", commune("31942")).unwrap();
    assert_eq!(
        (
            address.street(),
            address.province(),
            address.legacy_district()
        ),
        ("Số 12, ấp 3", province("96"), None)
    );
    // An older record naming Xã Phong Thạnh A, thị xã Giá Rai.
    let older = address
        .clone()
        .with_legacy_commune(units, commune("31963"))
        .unwrap();
    assert_eq!(older.legacy_district(), Some(district("959")));
    assert_eq!(older.legacy_commune(), Some(commune("31963")));
    assert_eq!(
        older
            .clone()
            .with_legacy_district(units, district("959"))
            .unwrap(),
        older
    );
    assert_eq!(
        older
            .clone()
            .with_legacy_district(units, district("954"))
            .unwrap_err(),
        DomainError::LegacyDistrictMismatch {
            legacy: district("954"),
            commune: commune("31942")
        }
    );
    // Xã Tân Phong went into Xã Phong Thạnh, not Phường Giá Rai.
    assert_eq!(
        address
            .clone()
            .with_legacy_commune(units, commune("31957"))
            .unwrap_err(),
        DomainError::LegacyCommuneMismatch {
            legacy: commune("31957"),
            commune: commune("31942")
        }
    );
    assert!(matches!(
        Address::new(units, "Số 1", commune("31945")),
        Err(DomainError::UnknownCommune { .. })
    ));
    for street in ["", "   ", "Số 1\nấp 2"] {
        assert_eq!(
            Address::new(units, street, commune("31942")).unwrap_err(),
            DomainError::AddressStreet {
                max: Address::STREET_MAX
            }
        );
    }
    let long = "a".repeat(Address::STREET_MAX + 1);
    assert!(Address::new(units, &long, commune("31942")).is_err());
    assert!(Address::new(units, &long[1..], commune("31942")).is_ok());
}

#[test]
fn legacy_commune_must_lie_in_the_legacy_district_given() {
    let units = units();
    // Xã Hòa Bình (31891) took Xã Long Thạnh from huyện Vĩnh Lợi (958) and Thị trấn Hòa Bình from
    // huyện Hoà Bình (961), so either district fits the address, but each old commune fits one.
    let address = Address::new(units, "Số 1", commune("31891")).unwrap();
    let in_958 = address
        .clone()
        .with_legacy_district(units, district("958"))
        .unwrap();
    let in_961 = address
        .with_legacy_district(units, district("961"))
        .unwrap();
    assert_eq!(in_958.legacy_commune(), None);
    let expected = DomainError::LegacyCommuneOutsideDistrict {
        commune: commune("31891"),
        actual: district("961"),
        given: district("958"),
    };
    assert_eq!(
        in_958
            .with_legacy_commune(units, commune("31891"))
            .unwrap_err(),
        expected
    );
    let both = in_961.with_legacy_commune(units, commune("31891")).unwrap();
    assert_eq!(both.legacy_district(), Some(district("961")));
    assert_eq!(
        both.with_legacy_district(units, district("958"))
            .unwrap_err(),
        expected
    );
    assert_eq!(
        expected.to_string(),
        "legacy district code: legacy commune 31891 was in district 961, not 958"
    );
}

#[test]
fn address_round_trips_through_json_and_rechecks_on_the_way_in() {
    let units = units();
    let address = Address::new(units, "Số 12", commune("31942"))
        .unwrap()
        .with_legacy_commune(units, commune("31963"))
        .unwrap();
    let json = serde_json::to_string(&address).unwrap();
    assert_eq!(
        json,
        r#"{"street":"Số 12","commune":"31942","legacy_district":"959","legacy_commune":"31963"}"#
    );
    assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), address);
    let wrong = r#"{"street":"Số 12","commune":"31942","legacy_commune":"31957"}"#;
    let err = serde_json::from_str::<Address>(wrong)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("legacy commune code: 31957 did not go into commune 31942"),
        "{err}"
    );
}
