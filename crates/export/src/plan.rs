//! The FSMA 204 traceability plan (21 CFR 1.1315) of one organisation: how its records are kept,
//! how it identifies the foods it handles, how it assigns traceability lot codes, whom to
//! contact, and a farm map of its ponds and fields with their coordinates.
//!
//! Ponds and fields come from the registry (facilities of kind pond, field or salt field with a
//! geometry: its centre is the point) and from master data (locations its events name that
//! carry `cbvmda:latitude`/`cbvmda:longitude`); a place in both is listed once, by name.

use std::collections::BTreeSet;

use nguon_domain::{
    FacilityDetails, FacilityKind, Organisation, OrganisationId, PublicIdentity, Registered,
    TaxCode, TimeRange,
};
use nguon_report::{Cell, Column, MapPoint, PointMap, Table, pdf_with_map};
use nguon_store::{OrganisationQuery, RecordQuery, Registry, Store};

use crate::ExportError;
use crate::eu::gtin_of;
use crate::record::{Lookups, records_in};

/// The most of an organisation's events read to list its foods and places.
pub const MAX_PLAN_EVENTS: usize = 20_000;

/// A pond, field or other growing area on the farm map.
#[derive(Debug, Clone, PartialEq)]
pub struct GrowingArea {
    /// Its name.
    pub name: String,
    /// Latitude, WGS 84.
    pub latitude: f64,
    /// Longitude, WGS 84.
    pub longitude: f64,
    /// Where the point comes from: `registry` or `master data`.
    pub source: &'static str,
}

/// What a plan says; [`Plan::pdf`] writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The organisation's name as exports show it (a household's under its consent).
    pub organisation: String,
    /// Its tax code; a personal ID number masked.
    pub tax_code: String,
    /// The foods it records: product descriptions, else GTINs.
    pub foods: Vec<String>,
    /// Its ponds and fields with coordinates.
    pub areas: Vec<GrowingArea>,
}

impl Plan {
    /// The plan as a PDF: the procedures and the table of growing areas, then the farm map.
    pub fn pdf(&self) -> Result<Vec<u8>, ExportError> {
        let mut table = Table::new(
            format!("FSMA 204 traceability plan — {}", self.organisation),
            vec![
                Column::text("Growing area (pond, field)"),
                Column::number("Latitude"),
                Column::number("Longitude"),
                Column::text("Source"),
            ],
        );
        let foods = if self.foods.is_empty() {
            "none recorded yet".to_owned()
        } else {
            self.foods.join("; ")
        };
        for line in [
            format!(
                "Point of contact: {}, tax code {}, as registered with the province (21 CFR 1.1315(a)(4)).",
                self.organisation, self.tax_code
            ),
            "Records (1.1315(a)(1)): every critical tracking event is captured as a GS1 EPCIS 2.0 event in Nguồn, kept for two years, and given to FDA within 24 hours as the electronic sortable spreadsheet (nguon export fsma).".to_owned(),
            format!("Foods on the Food Traceability List handled (1.1315(a)(2)): {foods}."),
            "Traceability lot codes (1.1315(a)(3)): a TLC is the GTIN with the batch/lot number (GS1 AI 10), written as a GS1 Digital Link URI; it is assigned at harvest, initial packing or transformation by the firm that performs it, and the location of that event is the TLC source.".to_owned(),
            "Farm map (1.1315(a)(5)): the growing areas below, drawn on the last page.".to_owned(),
        ] {
            table.note(line);
        }
        for area in &self.areas {
            table.push_row(vec![
                Cell::Text(area.name.clone()),
                Cell::Number(area.latitude),
                Cell::Number(area.longitude),
                Cell::Text(area.source.into()),
            ])?;
        }
        let map = PointMap {
            title: format!("Farm map — {}", self.organisation),
            points: self
                .areas
                .iter()
                .map(|a| MapPoint {
                    label: a.name.clone(),
                    latitude: a.latitude,
                    longitude: a.longitude,
                })
                .collect(),
        };
        Ok(pdf_with_map(&table, &map)?)
    }
}

/// The organisation registered under `tax_code`.
pub async fn organisation_by_tax_code<S: Store + ?Sized>(
    store: &S,
    tax_code: &TaxCode,
) -> Result<Organisation, ExportError> {
    let mut query = OrganisationQuery {
        status: None,
        after: None,
        limit: OrganisationQuery::MAX_LIMIT,
    };
    loop {
        let page = store.list_organisations(&query).await?;
        if let Some(found) = page
            .organisations
            .into_iter()
            .find(|o| &o.tax_code == tax_code)
        {
            return Ok(found);
        }
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => return Err(ExportError::UnknownOrganisation(tax_code.to_string())),
        }
    }
}

/// Gathers the plan of `organisation`: its registered ponds and fields, the located places and
/// the foods of its events.
pub async fn gather_plan<S: Store + ?Sized>(
    store: &S,
    organisation: &Organisation,
) -> Result<Plan, ExportError> {
    let mut areas: Vec<GrowingArea> = Vec::new();
    for facility in facilities(store, organisation.id).await? {
        let details = facility.details;
        let growing = matches!(
            details.kind,
            FacilityKind::Pond | FacilityKind::Field | FacilityKind::SaltField
        );
        if let (true, Some(geometry)) = (growing, details.geometry) {
            let centre = geometry.centre();
            areas.push(GrowingArea {
                name: details.name.to_string(),
                latitude: centre.latitude(),
                longitude: centre.longitude(),
                source: "registry",
            });
        }
    }
    let records = records_in(
        store,
        Some(organisation.id),
        TimeRange::default(),
        MAX_PLAN_EVENTS,
    )
    .await?;
    let lookups = Lookups::resolve(store, &records).await?;
    let mut foods = BTreeSet::new();
    let mut places = BTreeSet::new();
    for record in &records {
        places.extend(record.location().map(str::to_owned));
        for goods in &record.goods {
            if let Some(gtin) = gtin_of(&goods.id) {
                foods.insert(
                    lookups
                        .description(&goods.id)
                        .unwrap_or_else(|| gtin.to_owned()),
                );
            }
        }
    }
    for id in places {
        let Some(place) = lookups.place(&id) else {
            continue;
        };
        if let (Some(latitude), Some(longitude)) = (place.latitude, place.longitude) {
            let name = place.name.clone().unwrap_or(id);
            if !areas.iter().any(|a| a.name == name) {
                areas.push(GrowingArea {
                    name,
                    latitude,
                    longitude,
                    source: "master data",
                });
            }
        }
    }
    let consent = store.current_consent(organisation.id).await?;
    let public = PublicIdentity::of(organisation, consent.as_ref());
    Ok(Plan {
        organisation: public.name,
        tax_code: public.tax_code,
        foods: foods.into_iter().collect(),
        areas,
    })
}

/// Every facility registered to `organisation`.
async fn facilities<S: Store + ?Sized>(
    store: &S,
    organisation: OrganisationId,
) -> Result<Vec<Registered<FacilityDetails>>, ExportError> {
    let mut query = RecordQuery {
        organisation: Some(organisation),
        ..RecordQuery::default()
    };
    let mut all = Vec::new();
    loop {
        let page = store.list::<FacilityDetails>(&query).await?;
        let full = page.len() as i64 == query.fetch_limit();
        query.after = page.last().map(|r| r.id);
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}
