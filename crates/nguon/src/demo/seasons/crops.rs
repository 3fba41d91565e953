//! The 2025–2026 winter–spring ST25 rice crop of a Hồng Dân cooperative, from sowing to 5 kg
//! bags on a supermarket shelf, and a spring asparagus harvest in Vĩnh Thịnh: the one season
//! with a deliberate fault, a harvest four days after a spray with a seven-day pre-harvest
//! interval, so the checks page has something to show.

use super::{Season, Step, to_retail};
use crate::demo::keys::lot;
use crate::demo::organisations::Roster;

/// Field to mill to bag to shop.
pub fn rice(r: &Roster) -> Season {
    let coop = "rice_coop";
    let field = r.facility(coop, 0);
    let seed = lot(&r.gtin("rice_seed", 0), "ST25-XN-2511");
    let crop = lot(&r.gtin(coop, 0), "DX2526-CT01");
    let paddy = lot(&r.gtin(coop, 1), "LT-260310");
    let milled = lot(&r.gtin(coop, 2), "GX-260320");
    let bags = lot(&r.gtin(coop, 3), "ST25-260325");
    let on_field = |stage, time| {
        Step::new(coop, stage, time)
            .kde("field", &field)
            .kde("crop_lot", &crop)
    };
    let steps = vec![
        Step::new(coop, "sowing", at!(2025-12-01 06:00))
            .kde("field", &field)
            .kde("seed_lot", &seed)
            .kde("seed_amount", "500 KGM")
            .kde("crop_lot", &crop)
            .kde("season", "dong_xuan")
            .kde("variety", "ST25")
            .kde("farming_system", "rice")
            .kde("area", "5 HAR")
            .kde("seed_certificate", "GCN-GL-2511-031"),
        on_field("fertilising", at!(2025-12-20 07:00))
            .kde("fertiliser", "NPK 20-20-15")
            .kde("amount", "750 KGM"),
        on_field("treatment", at!(2026-01-25 16:00))
            .kde("substance", "Tricyclazole")
            .kde("substance_kind", "pesticide")
            .kde("dose", "0,5 kg/ha")
            .kde("withdrawal_days", "14")
            .kde("target_pest", "Đạo ôn lá"),
        Step::new(coop, "harvest", at!(2026-03-10 07:00))
            .kde("field", &field)
            .kde("crop_lot", &crop)
            .kde("paddy_lot", &paddy)
            .kde("paddy_weight", "32000 KGM")
            .kde("moisture", "24")
            .kde("field_location", "9.4700, 105.4100"),
        Step::new(coop, "drying_storage", at!(2026-03-13 16:00))
            .kde("warehouse", r.facility(coop, 1))
            .kde("paddy_lot", &paddy)
            .kde("paddy_weight", "32000 KGM")
            .kde("moisture", "14"),
        Step::new(coop, "milling", at!(2026-03-20 07:00))
            .kde("mill", r.facility(coop, 2))
            .kde("paddy_lots", &paddy)
            .kde("paddy_weights", "32000 KGM")
            .kde("rice_lot", &milled)
            .kde("rice_weight", "20500 KGM"),
        Step::new(coop, "packing", at!(2026-03-25 07:00))
            .kde("packing_place", r.facility(coop, 2))
            .kde("rice_lot", &milled)
            .kde("rice_weight", "20000 KGM")
            .kde("packed_lot", &bags)
            .kde("bags", "4000 H87")
            .kde("expiry", "2027-03-25"),
        to_retail(
            r,
            coop,
            2,
            &bags,
            "1200 H87",
            at!(2026-04-02 08:00),
            "HD-0402-118",
        ),
    ];
    Season {
        chain: "rice",
        steps,
        end: bags,
        origin: seed,
    }
}

/// Planting to chilled boxes, with the deliberate pre-harvest-interval fault.
pub fn vegetables(r: &Roster) -> Season {
    let coop = "veg_coop";
    let plot = r.facility(coop, 0);
    let crop = lot(&r.gtin(coop, 0), "MT-2601-R2");
    let harvest = lot(&r.gtin(coop, 1), "MT-260305");
    let boxes = lot(&r.gtin(coop, 2), "MTH-260305");
    let steps = vec![
        Step::new(coop, "planting", at!(2026-01-10 07:00))
            .kde("plot", &plot)
            .kde("crop_lot", &crop)
            .kde("crop", "Măng tây xanh")
            .kde("variety", "UC157")
            .kde("growing_area_code", "VT-96-MT-002")
            .kde("area", "5000 MTK")
            .kde("plot_location", "9.2050, 105.7350"),
        Step::new(coop, "treatment", at!(2026-03-01 16:30))
            .kde("plot", &plot)
            .kde("crop_lot", &crop)
            .kde("substance", "Emamectin benzoate")
            .kde("substance_kind", "pesticide")
            .kde("dose", "0,3 l/ha")
            .kde("withdrawal_days", "7")
            .kde("target_pest", "Sâu xanh da láng"),
        // Four days after the spray: inside its seven-day interval. This is the demo's one
        // deliberate finding.
        Step::new(coop, "harvest", at!(2026-03-05 05:30))
            .kde("plot", &plot)
            .kde("crop_lot", &crop)
            .kde("harvest_lot", &harvest)
            .kde("harvest_weight", "420 KGM"),
        Step::new(coop, "packing", at!(2026-03-05 10:00))
            .kde("packing_house", r.facility(coop, 1))
            .kde("packing_house_code", "CSĐG-96-0017")
            .kde("harvest_lots", &harvest)
            .kde("harvest_weights", "420 KGM")
            .kde("packed_lot", &boxes)
            .kde("packed_amount", "400 KGM")
            .kde("grade", "1")
            .kde("best_before", "2026-03-15"),
        Step::new(coop, "cold_storage", at!(2026-03-05 12:00))
            .kde("cold_store", r.facility(coop, 1))
            .kde("packed_lot", &boxes)
            .kde("temperature", "4")
            .kde("humidity", "92"),
        to_retail(
            r,
            coop,
            1,
            &boxes,
            "400 KGM",
            at!(2026-03-06 05:00),
            "HD-0306-022",
        ),
    ];
    Season {
        chain: "vegetables",
        steps,
        end: boxes,
        origin: crop,
    }
}
