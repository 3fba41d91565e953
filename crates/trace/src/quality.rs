//! The data-quality score of a lot: how completely its records follow its chain template and
//! carry the 10 items of TT 02/2024, less what the genealogy checks found.
//!
//! # How the score is made
//!
//! A lot starts at 100 and loses points for each gap below; the score never goes under 0. Every
//! gap is one line of the breakdown, in Vietnamese and English, with the points it cost.
//!
//! | Gap | Points off |
//! |---|---|
//! | **Stages** — the template's first stage (where the chain begins: stocking, sowing, receiving the raw material…) has no event in the lot's genealogy | [`FIRST_STAGE_MISSING`] = 10 |
//! | **Stages** — any other stage of the template, up to the furthest stage the genealogy records, has no event | [`STAGE_MISSING`] = 3 each |
//! | **Stages** — the lot's product is not registered or names no chain template, so stages cannot be judged | [`NO_TEMPLATE`] = 20 |
//! | **KDEs** — a required key data element of a recorded stage is missing from one or more of that stage's events | [`KDE_MISSING`] = 2 per stage and KDE, however many events lack it |
//! | **TT 02/2024** — one of its 10 items is missing (see below) | [`TT02_ITEM_MISSING`] = 4 each |
//! | **Findings** — each error of the genealogy checks (mass balance, timeline, withdrawal period…) | [`ERROR_FINDING`] = 10 each |
//! | **Findings** — each warning (a record probably missing: no origin, no matching shipment…) | [`WARNING_FINDING`] = 4 each |
//! | **Findings** — information (the walk was cut…) | 0 |
//!
//! The genealogy is both walks from the lot, within [`QUALITY_LIMITS`]: back to its origins and
//! forward to its recipients. A stage is recorded when an event of the genealogy has its event
//! type, action and business step.
//!
//! The 10 items of TT 02/2024 (Điều 6 khoản 3), and where each is looked for:
//! 1. product name: the product registry holds the lot's GTIN;
//! 2. product image: the product has an image;
//! 3. producer's name: the product's organisation (or the owner of the lot's first event);
//! 4. producer's address: a facility of the producer's, registered with an address, where the
//!    lot's own events happened;
//! 5. stages with product code, location code and time: every event of the genealogy names a
//!    location, and every location is a facility in the registry;
//! 6. production time: an event makes the lot (a transformation output or an `ADD`);
//! 7. trace code: the lot is a GS1 code (GTIN with lot or serial, TCVN 13274);
//! 8. brand: the product has a brand;
//! 9. shelf life: the product has one;
//! 10. applied standards: the product names at least one.

use std::collections::{BTreeSet, HashSet};

use nguon_chains::{Catalogue, ChainTemplate};
use nguon_domain::{
    Action, AdminUnits, Bilingual, FacilityDetails, IdentifierRole, LotQuality, NewEvent,
    OrganisationId, ProductDetails, QualityLine, QualityScore, QualitySection, Registered,
};
use nguon_epcis::model::Event;
use nguon_gs1::{DigitalLink, KeyKind};
use nguon_store::{MAX_QUALITY_PAGE, Registry, Store, StoreError, now_utc};

use crate::checks::{Finding, Severity, Tolerances, examine};
use crate::walk::read_back;
use crate::{Identifier, IdentifierKind, Limits, NodeEvent};

/// Points off when the template's first stage has no event.
pub const FIRST_STAGE_MISSING: u8 = 10;
/// Points off for each other template stage, up to the furthest recorded, with no event.
pub const STAGE_MISSING: u8 = 3;
/// Points off when no chain template applies to the lot.
pub const NO_TEMPLATE: u8 = 20;
/// Points off per stage and required KDE missing from that stage's events.
pub const KDE_MISSING: u8 = 2;
/// Points off per missing item of TT 02/2024.
pub const TT02_ITEM_MISSING: u8 = 4;
/// Points off per error found by the genealogy checks.
pub const ERROR_FINDING: u8 = 10;
/// Points off per warning found by the genealogy checks.
pub const WARNING_FINDING: u8 = 4;

/// How far the walks of a score go: a season's chain and more, bounded so that scoring after
/// every capture stays cheap.
pub const QUALITY_LIMITS: Limits = Limits {
    max_nodes: 2_000,
    max_depth: u32::MAX,
};

/// A stored event with its typed form.
#[derive(Debug, Clone)]
pub struct ReadEvent {
    /// As stored: owner, time, locations, identifiers.
    pub stored: NewEvent,
    /// As EPCIS: what the chain template's stages are matched against.
    pub model: Event,
}

/// Everything a lot's score is made from, gathered by [`assess`] or by a test.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The lot.
    pub lot: &'a Identifier,
    /// Its product's chain template.
    pub template: Option<&'a ChainTemplate>,
    /// Every event of its genealogy, both ways.
    pub events: &'a [ReadEvent],
    /// Its own events.
    pub own_events: &'a [NodeEvent],
    /// Its product, when the registry has the GTIN.
    pub product: Option<&'a ProductDetails>,
    /// The producer's name.
    pub producer: Option<&'a str>,
    /// The producer's address, from a registered facility where the lot's events happened.
    pub producer_address: Option<&'a str>,
    /// The event locations (index form) the facility registry knows.
    pub registered_locations: &'a HashSet<String>,
    /// What the genealogy checks found.
    pub findings: &'a [Finding],
}

/// The lot's score with every line of its breakdown. Pure: the same evidence, the same score.
pub fn score(evidence: &Evidence<'_>) -> QualityScore {
    let mut lines = stages(evidence);
    lines.extend(tt02(evidence));
    lines.extend(evidence.findings.iter().map(finding_line));
    QualityScore::of(
        evidence.template.map(|template| template.id().to_owned()),
        lines,
    )
}

/// The stage lines and, for each recorded stage, its KDE lines.
fn stages(evidence: &Evidence<'_>) -> Vec<QualityLine> {
    let Some(template) = evidence.template else {
        let reason = match evidence.product {
            Some(_) => Bilingual::new(
                "Sản phẩm chưa chọn quy trình (mẫu chuỗi) nào.",
                "The product names no chain template.",
            ),
            None => Bilingual::new(
                "Sản phẩm của lô chưa đăng ký, nên không biết quy trình.",
                "The lot's product is not registered, so its chain is unknown.",
            ),
        };
        return vec![QualityLine {
            section: QualitySection::Stages,
            code: "template".into(),
            label: Bilingual::new("Quy trình sản xuất", "Chain template"),
            present: false,
            reason: Some(reason),
            deduction: NO_TEMPLATE,
        }];
    };
    let stages = template.stages();
    // Each event under the stage it fills best, as positions in the template.
    let recorded: Vec<(usize, &ReadEvent)> = evidence
        .events
        .iter()
        .filter_map(|event| {
            let stage = template.stage_of(&event.model)?;
            let position = stages.iter().position(|s| s.id() == stage.id())?;
            Some((position, event))
        })
        .collect();
    let furthest = recorded.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let mut stage_lines = Vec::new();
    let mut kde_lines = Vec::new();
    for (position, stage) in stages.iter().enumerate().take(furthest + 1) {
        let events: Vec<&ReadEvent> = recorded
            .iter()
            .filter(|(n, _)| *n == position)
            .map(|(_, e)| *e)
            .collect();
        let missing_cost = if position == 0 {
            FIRST_STAGE_MISSING
        } else {
            STAGE_MISSING
        };
        stage_lines.push(QualityLine {
            section: QualitySection::Stages,
            code: stage.id().to_owned(),
            label: Bilingual::new(&stage.name().vi, &stage.name().en),
            present: !events.is_empty(),
            reason: events.is_empty().then(|| {
                Bilingual::new(
                    "Chuỗi của lô không có sự kiện nào ghi công đoạn này.",
                    "No event of the lot's genealogy records this stage.",
                )
            }),
            deduction: if events.is_empty() { missing_cost } else { 0 },
        });
        if events.is_empty() {
            continue;
        }
        let required = stage.kdes().iter().filter(|k| k.required()).count();
        let mut complete = true;
        for kde in stage.kdes().iter().filter(|k| k.required()) {
            let lacking = events
                .iter()
                .filter(|e| stage.missing(&e.model).iter().any(|m| m.key() == kde.key()))
                .count();
            if lacking == 0 {
                continue;
            }
            complete = false;
            let (of, total) = (lacking.to_string(), events.len().to_string());
            kde_lines.push(QualityLine {
                section: QualitySection::Kdes,
                code: format!("{}/{}", stage.id(), kde.key()),
                label: Bilingual::new(
                    format!("{}: {}", stage.name().vi, kde.name().vi),
                    format!("{}: {}", stage.name().en, kde.name().en),
                ),
                present: false,
                reason: Some(Bilingual::new(
                    format!("Thiếu ở {of} trên {total} sự kiện."),
                    format!("Missing from {of} of {total} events."),
                )),
                deduction: KDE_MISSING,
            });
        }
        if complete {
            kde_lines.push(QualityLine {
                section: QualitySection::Kdes,
                code: stage.id().to_owned(),
                label: Bilingual::new(
                    format!(
                        "{}: đủ {required} thông tin bắt buộc trong {} sự kiện",
                        stage.name().vi,
                        events.len()
                    ),
                    format!(
                        "{}: all {required} required KDEs in {} events",
                        stage.name().en,
                        events.len()
                    ),
                ),
                present: true,
                reason: None,
                deduction: 0,
            });
        }
    }
    stage_lines.extend(kde_lines);
    stage_lines
}

/// One TT 02/2024 item: its number, its name, and why it is missing, if it is.
fn item(number: u8, label: Bilingual, missing: Option<Bilingual>) -> QualityLine {
    QualityLine {
        section: QualitySection::Tt02,
        code: format!("tt02.{number}"),
        label,
        present: missing.is_none(),
        deduction: if missing.is_some() {
            TT02_ITEM_MISSING
        } else {
            0
        },
        reason: missing,
    }
}

/// The 10 items of TT 02/2024.
fn tt02(evidence: &Evidence<'_>) -> Vec<QualityLine> {
    let product = evidence.product;
    let unregistered = || {
        Bilingual::new(
            "Sản phẩm (GTIN) của lô chưa có trong danh mục sản phẩm.",
            "The lot's product (GTIN) is not in the product registry.",
        )
    };
    // A product field: missing with `reason` when blank, or with `unregistered` when there is
    // no product to look in.
    let field = |has: fn(&ProductDetails) -> bool, vi: &str, en: &str| match product {
        Some(p) if has(p) => None,
        Some(_) => Some(Bilingual::new(vi, en)),
        None => Some(unregistered()),
    };
    let gs1 = matches!(
        evidence.lot.kind(),
        IdentifierKind::Lot | IdentifierKind::Serial
    );
    vec![
        item(
            1,
            Bilingual::new("Tên sản phẩm", "Product name"),
            product.is_none().then(unregistered),
        ),
        item(
            2,
            Bilingual::new("Hình ảnh sản phẩm", "Product image"),
            field(
                |p| !p.images.is_empty(),
                "Sản phẩm chưa có hình ảnh.",
                "The product has no image.",
            ),
        ),
        item(
            3,
            Bilingual::new("Tên đơn vị sản xuất, kinh doanh", "Producer's name"),
            evidence.producer.is_none().then(|| {
                Bilingual::new(
                    "Không xác định được đơn vị sản xuất.",
                    "The producer cannot be found.",
                )
            }),
        ),
        item(
            4,
            Bilingual::new("Địa chỉ đơn vị sản xuất, kinh doanh", "Producer's address"),
            evidence.producer_address.is_none().then(|| {
                Bilingual::new(
                    "Không có cơ sở đã đăng ký địa chỉ của đơn vị sản xuất tại nơi lô được ghi nhận.",
                    "No facility of the producer's with a registered address is where the lot's events happened.",
                )
            }),
        ),
        item(
            5,
            Bilingual::new(
                "Các công đoạn: mã sản phẩm, mã địa điểm, thời gian",
                "Stages: product code, location code, time",
            ),
            locations(evidence),
        ),
        item(
            6,
            Bilingual::new("Thời gian sản xuất", "Production time"),
            (!made(evidence.own_events)).then(|| {
                Bilingual::new(
                    "Không có sự kiện nào ghi nhận việc tạo ra lô này.",
                    "No event records the making of this lot.",
                )
            }),
        ),
        item(
            7,
            Bilingual::new("Mã truy xuất nguồn gốc", "Trace code"),
            (!gs1).then(|| {
                Bilingual::new(
                    "Mã không phải mã GS1 (GTIN kèm số lô hoặc số sê-ri) theo TCVN 13274.",
                    "The code is not a GS1 code (GTIN with lot or serial) as TCVN 13274 asks.",
                )
            }),
        ),
        item(
            8,
            Bilingual::new("Thương hiệu, nhãn hiệu", "Brand"),
            field(
                |p| p.brand.is_some(),
                "Sản phẩm chưa có nhãn hiệu.",
                "The product has no brand.",
            ),
        ),
        item(
            9,
            Bilingual::new("Thời hạn sử dụng", "Shelf life"),
            field(
                |p| p.shelf_life_days.is_some(),
                "Sản phẩm chưa có thời hạn sử dụng.",
                "The product has no shelf life.",
            ),
        ),
        item(
            10,
            Bilingual::new("Tiêu chuẩn, quy chuẩn áp dụng", "Applied standards"),
            field(
                |p| !p.standards.is_empty(),
                "Sản phẩm chưa khai tiêu chuẩn áp dụng (TCVN, QCVN, TCCS…).",
                "The product names no applied standard (TCVN, QCVN, TCCS…).",
            ),
        ),
    ]
}

/// Item 5: why some event of the genealogy lacks a registered location, if one does.
fn locations(evidence: &Evidence<'_>) -> Option<Bilingual> {
    let unplaced = evidence
        .events
        .iter()
        .filter(|e| e.stored.biz_location.is_none() && e.stored.read_point.is_none())
        .count();
    if unplaced > 0 {
        let n = unplaced.to_string();
        return Some(Bilingual::new(
            format!("{n} sự kiện không có mã địa điểm."),
            format!("{n} events name no location."),
        ));
    }
    let unknown: BTreeSet<&str> = evidence
        .events
        .iter()
        .flat_map(|e| [&e.stored.biz_location, &e.stored.read_point])
        .flatten()
        .map(String::as_str)
        .filter(|location| !evidence.registered_locations.contains(*location))
        .collect();
    let first = unknown.iter().next()?;
    let n = unknown.len().to_string();
    Some(Bilingual::new(
        format!("{n} địa điểm không có trong danh mục cơ sở, ví dụ {first}."),
        format!("{n} locations are not registered facilities, such as {first}."),
    ))
}

/// Whether one of the lot's own events makes it.
fn made(own_events: &[NodeEvent]) -> bool {
    own_events.iter().any(|event| {
        event
            .roles
            .iter()
            .any(|role| matches!(role, IdentifierRole::Output | IdentifierRole::OutputClass))
            || event.action == Some(Action::Add)
    })
}

/// A finding as a line: its message, its rule, and the points its severity costs.
fn finding_line(finding: &Finding) -> QualityLine {
    let (deduction, vi, en) = match finding.severity {
        Severity::Error => (ERROR_FINDING, "Lỗi", "Error"),
        Severity::Warning => (WARNING_FINDING, "Cảnh báo", "Warning"),
        Severity::Info => (0, "Thông tin", "Information"),
    };
    QualityLine {
        section: QualitySection::Findings,
        code: serde_json::to_value(finding.rule)
            .ok()
            .and_then(|code| code.as_str().map(str::to_owned))
            .unwrap_or_default(),
        label: Bilingual::new(vi, en),
        present: false,
        reason: Some(Bilingual::new(&finding.message.vi, &finding.message.en)),
        deduction,
    }
}

/// Walks both ways from `lot`, gathers its registry records and scores it: `None` when no
/// event names `lot`. Not stored; [`refresh`] stores it.
pub async fn assess(
    store: &dyn Store,
    catalogue: &Catalogue,
    lot: &Identifier,
) -> Result<Option<LotQuality>, StoreError> {
    let Some(examined) = examine(store, lot, QUALITY_LIMITS, &Tolerances::default()).await? else {
        return Ok(None);
    };
    let events = examined
        .events
        .into_iter()
        .map(|stored| {
            let model = read_back(&stored.event)?;
            Ok(ReadEvent {
                stored: stored.event,
                model,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let own_events = &examined.back.nodes[0].events;
    let product = match DigitalLink::parse(lot.as_str()) {
        Ok(link) if link.key().kind() == KeyKind::Gtin => {
            store.find::<ProductDetails>(link.key().as_str()).await?
        }
        _ => None,
    };
    let organisation: Option<OrganisationId> = product
        .as_ref()
        .and_then(|p| p.organisation)
        .or_else(|| own_events.first().map(|e| e.owner));
    let producer = match organisation {
        Some(id) => Some(store.organisation(id).await?.name.to_string()),
        None => None,
    };
    let mut registered_locations = HashSet::new();
    let mut producer_address = None;
    let places: BTreeSet<&String> = events
        .iter()
        .flat_map(|e| [&e.stored.biz_location, &e.stored.read_point])
        .flatten()
        .collect();
    let own_places: HashSet<&String> = own_events
        .iter()
        .filter(|e| Some(e.owner) == organisation)
        .flat_map(|e| [&e.biz_location, &e.read_point])
        .flatten()
        .collect();
    for place in places {
        let Some(facility) = facility(store, place).await? else {
            continue;
        };
        registered_locations.insert(place.clone());
        if producer_address.is_none()
            && own_places.contains(place)
            && facility.organisation == organisation
            && let Some(address) = &facility.details.address
        {
            producer_address = Some(address_text(address));
        }
    }
    let template = product
        .as_ref()
        .and_then(|p| p.details.chain.as_deref())
        .and_then(|id| catalogue.get(id));
    let score = score(&Evidence {
        lot,
        template,
        events: &events,
        own_events,
        product: product.as_ref().map(|p| &p.details),
        producer: producer.as_deref(),
        producer_address: producer_address.as_deref(),
        registered_locations: &registered_locations,
        findings: &examined.checked.findings,
    });
    Ok(Some(LotQuality {
        identifier: lot.as_str().to_owned(),
        organisation,
        score,
        computed_at: now_utc(),
    }))
}

/// [`assess`], then stores the score in place of the one before.
pub async fn refresh(
    store: &dyn Store,
    catalogue: &Catalogue,
    lot: &Identifier,
) -> Result<Option<LotQuality>, StoreError> {
    let quality = assess(store, catalogue, lot).await?;
    if let Some(quality) = &quality {
        store.save_lot_quality(quality).await?;
    }
    Ok(quality)
}

/// Rescores and stores every lot stored events name, page by page in identifier order; returns
/// how many lots were scored. What `nguon quality refresh` and the demo run.
pub async fn refresh_all(store: &dyn Store, catalogue: &Catalogue) -> Result<usize, StoreError> {
    let mut scored = 0;
    let mut after: Option<String> = None;
    loop {
        let page = store
            .lot_identifiers(after.as_deref(), MAX_QUALITY_PAGE)
            .await?;
        for lot in page.iter().filter_map(|id| Identifier::parse(id).ok()) {
            if refresh(store, catalogue, &lot).await?.is_some() {
                scored += 1;
            }
        }
        match page.last() {
            Some(last) if page.len() == MAX_QUALITY_PAGE as usize => after = Some(last.clone()),
            _ => return Ok(scored),
        }
    }
}

/// The lots among `identifiers` (index form), once each: what a capture asks to rescore.
pub fn lots_named<'a>(identifiers: impl IntoIterator<Item = &'a str>) -> Vec<Identifier> {
    let unique: BTreeSet<&str> = identifiers.into_iter().collect();
    unique
        .into_iter()
        .filter_map(|id| Identifier::parse(id).ok())
        .filter(|id| id.kind() == IdentifierKind::Lot)
        .collect()
}

/// The registered facility a location (a GLN Digital Link, with or without extension) is.
async fn facility(
    store: &dyn Store,
    location: &str,
) -> Result<Option<Registered<FacilityDetails>>, StoreError> {
    match DigitalLink::parse(location) {
        Ok(link) if link.key().kind() == KeyKind::Gln => {
            store.find::<FacilityDetails>(link.key().as_str()).await
        }
        _ => Ok(None),
    }
}

/// An address as written on a label: street, commune, province.
fn address_text(address: &nguon_domain::Address) -> String {
    match AdminUnits::embedded().commune(address.commune()) {
        Ok((commune, province)) => format!(
            "{}, {}, {}",
            address.street(),
            commune.name(),
            province.name()
        ),
        Err(_) => address.street().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use nguon_chains::Capture;
    use nguon_domain::{
        EventHash, EventId, EventType, MediaId, ProductGroupCode, RecordName, StandardRef,
    };
    use nguon_gs1::{Gln, Gtin};
    use time::macros::datetime;

    use super::*;
    use crate::checks::{Message, Rule};

    const POND: &str = "https://id.gs1.org/414/8935000000076";

    /// A treatment of pond 76, as the farmed-shrimp diary form makes it.
    fn treatment(template: &ChainTemplate) -> ReadEvent {
        let form: BTreeMap<String, String> = [
            ("pond", "(414)8935000000076"),
            ("stock_lot", "(01)08935000001004(10)PL-01"),
            ("substance", "Zeolite"),
            ("substance_kind", "chemical"),
            ("dose", "20 kg/1 000 m³"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let capture = Capture {
            owner: Gln::parse("8935000009000").unwrap(),
            event_time: datetime!(2026-05-04 08:15 +07:00),
        };
        let model = template.event("treatment", &form, &capture).unwrap();
        let stored = NewEvent {
            owner: OrganisationId::generate(),
            event_id: EventId::parse("urn:uuid:00000000-0000-7000-8000-000000000001").unwrap(),
            hash: EventHash::parse(&format!("ni:///sha-256;{:064x}?ver=CBV2.0", 1)).unwrap(),
            event_type: EventType::ObjectEvent,
            event_time: model.event_time,
            event_time_zone_offset: "+07:00".into(),
            action: Some(Action::Observe),
            biz_step: model.biz_step.clone(),
            disposition: None,
            read_point: None,
            biz_location: Some(POND.into()),
            identifiers: Vec::new(),
            fields: Vec::new(),
            document: String::new(),
        };
        ReadEvent { stored, model }
    }

    /// A product with every item TT 02/2024 takes from the registry.
    fn product() -> ProductDetails {
        let mut product = ProductDetails::new(
            Gtin::parse("08935000001004").unwrap(),
            RecordName::parse("name", "Tôm thẻ chân trắng").unwrap(),
            ProductGroupCode::parse("tom-nuoi").unwrap(),
        );
        product.brand = Some("Tôm Bạc Liêu".into());
        product.shelf_life_days = Some(365);
        product.standards = vec![StandardRef::parse("VietGAP").unwrap()];
        product.images = vec![MediaId::generate()];
        product.chain = Some("farmed-shrimp".into());
        product
    }

    /// The lot's making: a transformation naming it as output.
    fn made_here() -> NodeEvent {
        NodeEvent {
            event_id: "urn:uuid:00000000-0000-7000-8000-000000000002".into(),
            event_type: EventType::TransformationEvent,
            event_time: datetime!(2026-06-01 06:00 +07:00),
            action: None,
            biz_step: Some(FARM_HARVEST_STEP.into()),
            owner: OrganisationId::generate(),
            read_point: None,
            biz_location: Some(POND.into()),
            roles: vec![IdentifierRole::OutputClass],
            quantity: None,
            sources: Vec::new(),
            destinations: Vec::new(),
            biz_transactions: Vec::new(),
        }
    }

    const FARM_HARVEST_STEP: &str = "urn:gdst:bizStep:farmHarvest";

    fn finding(severity: Severity) -> Finding {
        Finding {
            rule: Rule::LotBalance,
            severity,
            message: Message {
                en: "More was shipped than made.".into(),
                vi: "Xuất nhiều hơn lượng đã sản xuất.".into(),
            },
            event_ids: Vec::new(),
            identifiers: Vec::new(),
        }
    }

    fn deductions(score: &QualityScore, section: QualitySection) -> u32 {
        score.section(section).map(|l| u32::from(l.deduction)).sum()
    }

    #[test]
    fn a_complete_record_loses_only_the_stages_it_skipped() {
        let catalogue = Catalogue::embedded().unwrap();
        let shrimp = catalogue.get("farmed-shrimp").unwrap();
        let lot = Identifier::parse("https://id.gs1.org/01/08935000001004/10/PL-01").unwrap();
        let events = [treatment(shrimp)];
        let own = [made_here()];
        let product = product();
        let registered = HashSet::from([POND.to_owned()]);
        let evidence = Evidence {
            lot: &lot,
            template: Some(shrimp),
            events: &events,
            own_events: &own,
            product: Some(&product),
            producer: Some("HTX Tân Hưng"),
            producer_address: Some("Ấp 3, Xã Vĩnh Hậu, Cà Mau"),
            registered_locations: &registered,
            findings: &[],
        };
        let full = score(&evidence);
        // Treatment is the third stage: stocking (the first) and feeding before it are missing.
        let missing: Vec<(&str, u8)> = full
            .section(QualitySection::Stages)
            .filter(|l| !l.present)
            .map(|l| (l.code.as_str(), l.deduction))
            .collect();
        assert_eq!(
            missing,
            [
                ("stocking", FIRST_STAGE_MISSING),
                ("feeding", STAGE_MISSING)
            ]
        );
        assert_eq!(deductions(&full, QualitySection::Kdes), 0);
        assert_eq!(full.section(QualitySection::Tt02).count(), 10);
        assert!(full.section(QualitySection::Tt02).all(|l| l.present));
        assert_eq!(full.score, 100 - FIRST_STAGE_MISSING - STAGE_MISSING);
        assert_eq!(full.chain.as_deref(), Some("farmed-shrimp"));

        // Each finding costs what its severity says; information costs nothing.
        let findings = [
            finding(Severity::Error),
            finding(Severity::Warning),
            finding(Severity::Info),
        ];
        let found = score(&Evidence {
            findings: &findings,
            ..evidence
        });
        assert_eq!(found.score, full.score - ERROR_FINDING - WARNING_FINDING);
        let first = found.section(QualitySection::Findings).next().unwrap();
        assert_eq!(first.code, "mass_balance.lot");
        assert_eq!(
            first.reason.as_ref().unwrap().vi,
            "Xuất nhiều hơn lượng đã sản xuất."
        );
    }

    #[test]
    fn each_missing_kde_costs_its_points_once_per_stage() {
        let catalogue = Catalogue::embedded().unwrap();
        let shrimp = catalogue.get("farmed-shrimp").unwrap();
        let lot = Identifier::parse("https://id.gs1.org/01/08935000001004/10/PL-01").unwrap();
        let mut bare = treatment(shrimp);
        bare.model.extensions.clear();
        let events = [treatment(shrimp), bare.clone(), bare];
        let own = [made_here()];
        let registered = HashSet::from([POND.to_owned()]);
        let product = product();
        let scored = score(&Evidence {
            lot: &lot,
            template: Some(shrimp),
            events: &events,
            own_events: &own,
            product: Some(&product),
            producer: Some("HTX Tân Hưng"),
            producer_address: Some("Ấp 3"),
            registered_locations: &registered,
            findings: &[],
        });
        let gaps: Vec<&QualityLine> = scored
            .section(QualitySection::Kdes)
            .filter(|l| !l.present)
            .collect();
        assert!(!gaps.is_empty());
        assert!(gaps.iter().all(|l| l.deduction == KDE_MISSING));
        assert!(gaps.iter().any(|l| l.code == "treatment/substance"));
        assert_eq!(
            gaps[0].reason.as_ref().unwrap().en,
            "Missing from 2 of 3 events."
        );
        let kde_points = KDE_MISSING * u8::try_from(gaps.len()).unwrap();
        assert_eq!(
            scored.score,
            100 - FIRST_STAGE_MISSING - STAGE_MISSING - kde_points
        );
    }

    #[test]
    fn an_unregistered_product_misses_its_template_and_its_registry_items() {
        let lot = Identifier::parse("https://id.gs1.org/01/08935000001004/10/PL-01").unwrap();
        let private = Identifier::parse("urn:example:lot:77").unwrap();
        let registered = HashSet::new();
        let evidence = Evidence {
            lot: &lot,
            template: None,
            events: &[],
            own_events: &[],
            product: None,
            producer: Some("HTX Tân Hưng"),
            producer_address: None,
            registered_locations: &registered,
            findings: &[],
        };
        let scored = score(&evidence);
        let template = scored.section(QualitySection::Stages).next().unwrap();
        assert_eq!(
            (template.code.as_str(), template.deduction),
            ("template", NO_TEMPLATE)
        );
        let missing: Vec<&str> = scored
            .section(QualitySection::Tt02)
            .filter(|l| !l.present)
            .map(|l| l.code.as_str())
            .collect();
        // Name, image, address, production time, brand, shelf life, standards.
        assert_eq!(
            missing,
            [
                "tt02.1", "tt02.2", "tt02.4", "tt02.6", "tt02.8", "tt02.9", "tt02.10"
            ]
        );
        assert_eq!(scored.score, 100 - NO_TEMPLATE - 7 * TT02_ITEM_MISSING);
        let item1 = scored.section(QualitySection::Tt02).next().unwrap();
        assert!(
            item1
                .reason
                .as_ref()
                .unwrap()
                .vi
                .contains("chưa có trong danh mục")
        );

        // A private code is no TCVN 13274 trace code.
        let scored = score(&Evidence {
            lot: &private,
            ..evidence
        });
        let item7 = scored
            .section(QualitySection::Tt02)
            .find(|l| l.code == "tt02.7")
            .unwrap();
        assert!(!item7.present);
        assert!(item7.reason.as_ref().unwrap().en.contains("TCVN 13274"));
    }

    #[test]
    fn an_unregistered_location_fails_item_5_and_findings_never_push_below_zero() {
        let catalogue = Catalogue::embedded().unwrap();
        let shrimp = catalogue.get("farmed-shrimp").unwrap();
        let lot = Identifier::parse("https://id.gs1.org/01/08935000001004/10/PL-01").unwrap();
        let events = [treatment(shrimp)];
        let product = product();
        let nothing_registered = HashSet::new();
        let errors = vec![finding(Severity::Error); 12];
        let scored = score(&Evidence {
            lot: &lot,
            template: Some(shrimp),
            events: &events,
            own_events: &[],
            product: Some(&product),
            producer: None,
            producer_address: None,
            registered_locations: &nothing_registered,
            findings: &errors,
        });
        let item5 = scored
            .section(QualitySection::Tt02)
            .find(|l| l.code == "tt02.5")
            .unwrap();
        assert!(
            item5.reason.as_ref().unwrap().en.contains(POND),
            "{item5:?}"
        );
        assert_eq!(scored.score, 0);
    }

    #[test]
    fn a_capture_rescores_each_lot_it_names_once() {
        let lots = lots_named([
            "https://id.gs1.org/01/08935000001004/10/B",
            "https://id.gs1.org/00/089312345600000010",
            "https://id.gs1.org/01/08935000001004/10/A",
            "https://id.gs1.org/01/08935000001004/10/B",
            "https://id.gs1.org/01/08935000001004/21/S1",
        ]);
        let lots: Vec<&str> = lots.iter().map(Identifier::as_str).collect();
        assert_eq!(
            lots,
            [
                "https://id.gs1.org/01/08935000001004/10/A",
                "https://id.gs1.org/01/08935000001004/10/B"
            ]
        );
    }
}
