//! Chains that turn a raw material into a packed product: Đông Hải salt iodised and packed by a
//! cooperative, dried Bombay duck from Gành Hào, anchovy fish sauce fermented for nine months in
//! An Trạch, and an OCOP pia cake from a Bạc Liêu bakery. Each ends on the supermarket's shelf.

use super::{Season, Step, to_retail};
use crate::demo::keys::lot;
use crate::demo::organisations::Roster;

/// Salt field to 500 g packs.
pub fn salt(r: &Roster) -> Season {
    let coop = "salt_coop";
    let raw = lot(&r.gtin("salt_farmer", 0), "MH-2603-01");
    let iodised = lot(&r.gtin(coop, 0), "IOT-260320");
    let packs = lot(&r.gtin(coop, 1), "G500-260322");
    let plant = r.facility(coop, 1);
    let steps = vec![
        Step::new("salt_farmer", "harvest", at!(2026-03-15 15:00))
            .kde("salt_field", r.facility("salt_farmer", 0))
            .kde("raw_lot", &raw)
            .kde("raw_weight", "18000 KGM")
            .kde("season", "2025-2026")
            .kde("method", "tarpaulin"),
        Step::new(coop, "receiving", at!(2026-03-16 08:00))
            .kde("warehouse", r.facility(coop, 0))
            .kde("raw_lot", &raw)
            .kde("raw_weight", "18000 KGM")
            .kde("producer", r.party("salt_farmer")),
        Step::new(coop, "iodising", at!(2026-03-20 07:00))
            .kde("plant", &plant)
            .kde("raw_lots", &raw)
            .kde("raw_weights", "18000 KGM")
            .kde("iodised_lot", &iodised)
            .kde("iodised_weight", "17800 KGM")
            .kde("iodine", "32")
            .kde("sodium_chloride", "97"),
        Step::new(coop, "packing", at!(2026-03-22 07:00))
            .kde("plant", &plant)
            .kde("bulk_lot", &iodised)
            .kde("bulk_weight", "17500 KGM")
            .kde("packed_lot", &packs)
            .kde("packs", "35000 H87")
            .kde("expiry", "2029-03-22"),
        to_retail(
            r,
            coop,
            1,
            &packs,
            "10000 H87",
            at!(2026-04-01 07:30),
            "HD-0401-055",
        ),
    ];
    Season {
        chain: "salt",
        steps,
        end: packs,
        origin: raw,
    }
}

/// Fresh fish from a boat to dried packs.
pub fn kho(r: &Roster) -> Season {
    let maker = "kho_maker";
    let yard = r.facility(maker, 0);
    let fish = lot(&r.gtin("fisher", 0), "CK-260410");
    let dried = lot(&r.gtin(maker, 0), "KCK-260412");
    let packs = lot(&r.gtin(maker, 1), "KCK250-260415");
    let steps = vec![
        Step::new(maker, "raw_receiving", at!(2026-04-10 05:00))
            .kde("site", &yard)
            .kde("raw_lot", &fish)
            .kde("raw_weight", "800 KGM")
            .kde("supplier", r.party("fisher"))
            .kde("origin", "wild_catch")
            .kde("species", "Cá khoai (Harpadon nehereus)")
            .kde("vessel", "BL-92345-TS")
            .kde("catch_area", "FAO 71"),
        Step::new(maker, "drying", at!(2026-04-12 17:00))
            .kde("drying_yard", &yard)
            .kde("raw_lots", &fish)
            .kde("raw_weights", "800 KGM")
            .kde("dried_lot", &dried)
            .kde("dried_weight", "240 KGM")
            .kde("drying_method", "sun")
            .kde("moisture", "22"),
        Step::new(maker, "packing", at!(2026-04-15 08:00))
            .kde("site", &yard)
            .kde("dried_lot", &dried)
            .kde("dried_weight", "240 KGM")
            .kde("packed_lot", &packs)
            .kde("packs", "960 H87")
            .kde("expiry", "2026-10-15"),
        to_retail(
            r,
            maker,
            0,
            &packs,
            "400 H87",
            at!(2026-04-20 06:00),
            "HD-0420-031",
        ),
    ];
    Season {
        chain: "kho",
        steps,
        end: packs,
        origin: fish,
    }
}

/// Anchovy and salt into a wooden barrel in June 2025, bottled in March 2026.
pub fn mam(r: &Roster) -> Season {
    let maker = "mam_maker";
    let house = r.facility(maker, 0);
    let anchovy = lot(&r.gtin("fisher", 1), "CC-250601");
    let salt = lot(&r.gtin("salt_farmer", 0), "MH-2503-02");
    let batch = lot(&r.gtin(maker, 0), "CHUOP-T4-2506");
    let bottles = lot(&r.gtin(maker, 1), "NM30-260310");
    let steps = vec![
        Step::new(maker, "fish_receiving", at!(2025-06-01 05:00))
            .kde("house", &house)
            .kde("fish_lot", &anchovy)
            .kde("fish_weight", "10000 KGM")
            .kde("supplier", r.party("fisher"))
            .kde("species", "Cá cơm than (Stolephorus tri)")
            .kde("vessel", "BL-92345-TS"),
        Step::new(maker, "salt_receiving", at!(2025-06-01 08:00))
            .kde("house", &house)
            .kde("salt_lot", &salt)
            .kde("salt_weight", "3000 KGM")
            .kde("supplier", r.party("salt_farmer")),
        Step::new(maker, "fermentation", at!(2025-06-02 06:00))
            .kde("house", &house)
            .kde("fish_lot", &anchovy)
            .kde("fish_weight", "10000 KGM")
            .kde("salt_lot", &salt)
            .kde("salt_weight", "3000 KGM")
            .kde("batch_lot", &batch)
            .kde("batch_weight", "13000 KGM")
            .kde("tank", "Thùng gỗ số 4")
            .kde("start_date", "2025-06-02"),
        Step::new(maker, "sampling", at!(2026-03-01 09:00))
            .kde("house", &house)
            .kde("batch_lot", &batch)
            .kde("histamine", "180")
            .kde("total_nitrogen", "30")
            .kde("amino_nitrogen", "14")
            .kde("salt_content", "26")
            .kde("lab_report", "KQ-QUATEST-260301"),
        Step::new(maker, "bottling", at!(2026-03-10 07:00))
            .kde("plant", &house)
            .kde("batch_lot", &batch)
            .kde("volume_used", "2400 KGM")
            .kde("bottled_lot", &bottles)
            .kde("bottles", "4000 H87")
            .kde("expiry", "2028-03-10")
            .kde("nitrogen_grade", "30"),
        to_retail(
            r,
            maker,
            0,
            &bottles,
            "1500 H87",
            at!(2026-03-20 07:00),
            "HD-0320-009",
        ),
    ];
    Season {
        chain: "mam",
        steps,
        end: bottles,
        origin: anchovy,
    }
}

/// Flour and mung beans into boxed pia cakes.
pub fn ocop(r: &Roster) -> Season {
    let bakery = "bakery";
    let workshop = r.facility(bakery, 0);
    let flour = lot(&r.gtin("flour", 0), "BM-2604-11");
    let beans = lot(&r.gtin("flour", 1), "DX-2604-03");
    let batch = lot(&r.gtin(bakery, 0), "ME-260415");
    let boxes = lot(&r.gtin(bakery, 1), "PIA400-260415");
    let receive = |raw: &String, amount: &str, time| {
        Step::new(bakery, "raw_receiving", time)
            .kde("workshop", &workshop)
            .kde("raw_lot", raw)
            .kde("raw_amount", amount)
            .kde("supplier", r.party("flour"))
    };
    let steps = vec![
        receive(&flour, "300 KGM", at!(2026-04-13 08:00)),
        receive(&beans, "250 KGM", at!(2026-04-13 08:30)),
        Step::new(bakery, "production", at!(2026-04-15 05:00))
            .kde("workshop", &workshop)
            .kde("raw_lots", format!("{flour}\n{beans}"))
            .kde("raw_amounts", "300 KGM\n250 KGM")
            .kde("batch_lot", &batch)
            .kde("batch_amount", "520 KGM")
            .kde("process", "Nhồi bột, gói nhân, nướng 180 °C"),
        Step::new(bakery, "packing", at!(2026-04-15 14:00))
            .kde("workshop", &workshop)
            .kde("batch_lot", &batch)
            .kde("batch_amount", "520 KGM")
            .kde("packed_lot", &boxes)
            .kde("packs", "1300 H87")
            .kde("expiry", "2026-07-15")
            .kde("ocop_stars", "4")
            .kde("ocop_year", "2025"),
        to_retail(
            r,
            bakery,
            0,
            &boxes,
            "600 H87",
            at!(2026-04-16 07:00),
            "HD-0416-073",
        ),
    ];
    Season {
        chain: "ocop",
        steps,
        end: boxes,
        origin: flour,
    }
}
