//! The 2026 shrimp crop: broodstock to post-larvae at a Vĩnh Trạch hatchery, then one intensive
//! pond in Vĩnh Hậu from stocking to harvest, a collector in Hòa Bình that gives the day's
//! purchase a lot of its own, and a Bạc Liêu plant
//! that peels, freezes, palletises and exports to the United States. The pond's antibiotic
//! treatment ends its withdrawal period weeks before the harvest.

use super::{Season, Step};
use crate::demo::keys::{lot, with_check};
use crate::demo::organisations::Roster;

/// The post-larvae lot the hatchery ships and the farm stocks.
fn post_larvae(r: &Roster) -> String {
    lot(&r.gtin("hatchery", 1), "PL12-2602-03")
}

/// The imported broodstock lot where the shrimp crop starts.
fn broodstock(r: &Roster) -> String {
    lot(&r.gtin("broodstock", 0), "BM-2601")
}

/// Broodstock in, nauplii, post-larvae, a PCR test, shipped to the farm.
pub fn shrimp_seed(r: &Roster) -> Season {
    let hatchery = r.facility("hatchery", 0);
    let nauplii = lot(&r.gtin("hatchery", 0), "N-2601-20");
    let steps = vec![
        Step::new("hatchery", "broodstock_receiving", at!(2026-01-05 09:00))
            .kde("hatchery", &hatchery)
            .kde("broodstock_lot", broodstock(r))
            .kde("broodstock_count", "400 H87")
            .kde("supplier", r.party("broodstock"))
            .kde("broodstock_source", "Imported")
            .kde("species", "Penaeus vannamei")
            .kde("origin_country", "US")
            .kde("quarantine_certificate", "KDNK-2026-0105"),
        Step::new("hatchery", "spawning", at!(2026-01-20 22:00))
            .kde("hatchery", &hatchery)
            .kde("broodstock_lot", broodstock(r))
            .kde("nauplii_lot", &nauplii)
            .kde("nauplii_count", "60000000 H87")
            .kde("tank", "Bể đẻ B2"),
        Step::new("hatchery", "larval_rearing", at!(2026-02-07 07:00))
            .kde("hatchery", &hatchery)
            .kde("nauplii_lot", &nauplii)
            .kde("pl_lot", post_larvae(r))
            .kde("pl_count", "3000000 H87")
            .kde("pl_age", "12")
            .kde("tank", "Bể ương A5"),
        Step::new("hatchery", "pcr_testing", at!(2026-02-08 10:00))
            .kde("hatchery", &hatchery)
            .kde("pl_lot", post_larvae(r))
            .kde("laboratory", r.party("department"))
            .kde("wssv", "negative")
            .kde("ehp", "negative")
            .kde("ahpnd", "negative")
            .kde("test_report", "PCR-BL-2026-0208"),
        Step::new("hatchery", "shipping", at!(2026-02-10 06:00))
            .kde("hatchery", &hatchery)
            .kde("pl_lot", post_larvae(r))
            .kde("pl_count", "300000 H87")
            .kde("farm", r.party("farm"))
            .kde("quarantine_certificate", "KD-2026-0210-01")
            .kde("delivery_note", "PGH-0210"),
    ];
    Season {
        chain: "shrimp-seed",
        steps,
        end: post_larvae(r),
        origin: broodstock(r),
    }
}

/// Stocking to export container.
pub fn farmed_shrimp(r: &Roster) -> Season {
    let pond = r.facility("farm", 0);
    let feed = lot(&r.gtin("feedmill", 0), "TA3-2602");
    let harvest = lot(&r.gtin("farm", 0), "AO1-2605");
    // The collector gives what it buys a lot code of its own, as depots do when they sort and
    // ice a day's purchases.
    let collected = lot(&r.gtin("collector", 0), "BH-0520-07");
    let depot = r.facility("collector", 0);
    let frozen = lot(&r.gtin("processor", 0), "PD-260521");
    let plant = r.facility("processor", 0);
    let cold_store = r.facility("processor", 1);
    let pallets = [1, 2].map(|n| format!("(00){}", r.member("processor").keys.sscc(n)));
    let stock = |stage, time| {
        Step::new("farm", stage, time)
            .kde("pond", &pond)
            .kde("stock_lot", post_larvae(r))
    };
    let reading = |time, ph: &str, salinity: &str, oxygen: &str, temperature: &str| {
        stock("water_quality", time)
            .kde("ph", ph)
            .kde("salinity", salinity)
            .kde("dissolved_oxygen", oxygen)
            .kde("temperature", temperature)
    };
    let feeding = |time, amount: &str| {
        Step::new("farm", "feeding", time)
            .kde("pond", &pond)
            .kde("feed_lot", &feed)
            .kde("feed_amount", amount)
            .kde("protein_source", "Fish By-Product")
    };
    let packing = |pallet: &String| {
        Step::new("processor", "packing", at!(2026-05-21 15:00))
            .kde("plant", &plant)
            .kde("carton", pallet)
            .kde("product_lot", &frozen)
            .kde("net_weight", "1190 KGM")
    };
    let steps = vec![
        Step::new("farm", "stocking", at!(2026-02-10 15:00))
            .kde("pond", &pond)
            .kde("seed_lot", post_larvae(r))
            .kde("seed_count", "300000 H87")
            .kde("hatchery", r.party("hatchery"))
            .kde("culture_method", "intensive")
            .kde("stocking_density", "100")
            .kde("quarantine_certificate", "KD-2026-0210-01"),
        feeding(at!(2026-03-01 06:30), "45 KGM"),
        reading(at!(2026-03-10 06:00), "7.8", "18", "5.2", "28.5"),
        stock("treatment", at!(2026-03-12 16:00))
            .kde("substance", "Zeolite")
            .kde("substance_kind", "chemical")
            .kde("dose", "20 kg/1 000 m³")
            .kde("withdrawal_days", "0")
            .kde("reason", "Hấp thụ khí độc đáy ao"),
        stock("treatment", at!(2026-04-01 07:00))
            .kde("substance", "Oxytetracycline")
            .kde("substance_kind", "veterinary_drug")
            .kde("dose", "3 g/kg thức ăn, 5 ngày")
            .kde("withdrawal_days", "28")
            .kde("reason", "Phòng bệnh hoại tử gan tụy"),
        feeding(at!(2026-04-15 06:30), "120 KGM"),
        reading(at!(2026-05-05 06:00), "8.0", "20", "4.8", "30.5"),
        Step::new("farm", "harvest", at!(2026-05-20 05:30))
            .kde("pond", &pond)
            .kde("seed_lot", post_larvae(r))
            .kde("harvest_lot", &harvest)
            .kde("harvest_weight", "4200 KGM")
            .kde("aquaculture_method", "Intensive")
            .kde("production_method", "AQUACULTURE")
            .kde("harvest_start", "2026-05-20")
            .kde("pond_location", "9.1850, 105.6950"),
        Step::new("collector", "collector_receiving", at!(2026-05-20 09:00))
            .kde("depot", &depot)
            .kde("lot", &harvest)
            .kde("weight", "4185 KGM")
            .kde("farmer", r.party("farm"))
            .kde("receipt", "PM-0520-07"),
        Step::new("collector", "commingling", at!(2026-05-20 11:00))
            .kde("depot", &depot)
            .kde("input_lots", &harvest)
            .kde("input_weights", "4185 KGM")
            .kde("output_lot", &collected)
            .kde("output_weight", "4185 KGM"),
        Step::new("collector", "collector_shipping", at!(2026-05-20 13:00))
            .kde("depot", &depot)
            .kde("lot", &collected)
            .kde("weight", "4185 KGM")
            .kde("buyer", r.party("processor"))
            .kde("vehicle", "94C-123.45")
            .kde("delivery_note", "PGH-0520-07"),
        Step::new("processor", "processor_receiving", at!(2026-05-20 16:30))
            .kde("plant", &plant)
            .kde("lot", &collected)
            .kde("weight", "4180 KGM")
            .kde("supplier", r.party("collector"))
            .kde("temperature", "2.5"),
        Step::new("processor", "processing", at!(2026-05-21 07:00))
            .kde("plant", &plant)
            .kde("raw_lots", &collected)
            .kde("raw_weights", "4180 KGM")
            .kde("product_lot", &frozen)
            .kde("product_weight", "2380 KGM")
            .kde("product_form", "PD")
            .kde("expiry", "2028-05-21"),
        packing(&pallets[0]),
        packing(&pallets[1]),
        Step::new("processor", "cold_storage", at!(2026-05-21 18:00))
            .kde("cold_store", &cold_store)
            .kde("cartons", pallets.join("\n"))
            .kde("temperature", "-20"),
        Step::new("processor", "export_shipping", at!(2026-06-02 08:00))
            .kde("cold_store", &cold_store)
            .kde("cartons", pallets.join("\n"))
            // GS1 US's documentation prefix stands in for the importer's own.
            .kde("buyer", with_check("061414100001"))
            .kde("container", "MSKU1234565")
            .kde("bill_of_lading", "MAEU260602001")
            .kde("invoice", "BLX-EX-2606-01")
            .kde("destination_country", "US"),
    ];
    Season {
        chain: "farmed-shrimp",
        end: pallets[0].clone(),
        origin: broodstock(r),
        steps,
    }
}
