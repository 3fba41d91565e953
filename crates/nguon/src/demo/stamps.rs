//! The demo's stamps and scans: a run of stamps on the retail lot at the end of each chain,
//! activated, and a week of shoppers scanning them — mostly ordinary, with the patterns the
//! counterfeit signals exist for: one stamp scanned in three countries, one far more often than
//! a pack is, and a serial no run issued.

use anyhow::Context;
use nguon_domain::{Actor, DeviceKind, DomainError, NewScan, StampRun, StampState};
use nguon_gs1::Gtin;
use nguon_labels::{Layout, Symbology};
use nguon_web::AppState;
use nguon_web::stamps::{self, PrintRequest, StampError};

/// Stamps per run, at most: a sheet of A4 labels.
const STAMPS_PER_RUN: u64 = 24;

/// What was stamped and scanned.
pub struct Stamped {
    /// Print runs, one per stamped lot.
    pub runs: usize,
    /// Scans logged.
    pub scans: usize,
}

/// Prints and activates a run for each `(01)…(10)…` lot among `ends` that is counted in pieces
/// or packs, then logs scans of the first two runs' stamps.
pub async fn record(state: &AppState, ends: &[&str]) -> anyhow::Result<Stamped> {
    let mut runs = Vec::new();
    for end in ends {
        let Some((gtin, lot)) = lot_of(end) else {
            continue;
        };
        let capacity = match stamps::capacity(state, &gtin, &lot).await {
            Ok(capacity) => capacity,
            // Sold by weight without a registered pack size: no count to stamp.
            Err(StampError::Rule(DomainError::StampCapUnknown { .. })) => continue,
            Err(error) => anyhow::bail!("{end}: {error}"),
        };
        let request = PrintRequest {
            gtin,
            lot,
            count: u32::try_from(capacity.cap.min(STAMPS_PER_RUN))?,
            symbology: Symbology::DigitalLinkQr,
            layout: Layout::A4Grid3x8,
        };
        if request.count == 0 {
            continue;
        }
        let (run, _sheet) = stamps::print(state, &request, None, Actor::Cli)
            .await
            .map_err(|e| anyhow::anyhow!("{end}: {e}"))?;
        let run = stamps::change_state(state, &run, StampState::Active, Actor::Cli)
            .await
            .map_err(|e| anyhow::anyhow!("{end}: {e}"))?;
        runs.push(run);
    }
    let mut scans = 0;
    for run in runs.iter().take(2) {
        scans += shoppers(state, run).await?;
    }
    Ok(Stamped {
        runs: runs.len(),
        scans,
    })
}

/// The GTIN and lot of an element string `(01)…(10)…`; `None` for other keys.
fn lot_of(element_string: &str) -> Option<(Gtin, String)> {
    let rest = element_string.strip_prefix("(01)")?;
    let (gtin, lot) = rest.split_once("(10)")?;
    Some((Gtin::parse(gtin).ok()?, lot.to_owned()))
}

/// Logs the scans of one run's stamps and returns how many.
async fn shoppers(state: &AppState, run: &StampRun) -> anyhow::Result<usize> {
    let organisation = Some(run.organisation);
    let scan = |serial: String, place: &str, device, client: &str, verdict| NewScan {
        scanned_at: time::OffsetDateTime::now_utc(),
        gtin: run.gtin.clone(),
        lot: Some(run.lot.clone()),
        serial: Some(serial),
        place: Some(place.to_owned()),
        device,
        client: Some(client.to_owned()),
        verdict: Some(verdict),
        organisation,
        recalled: false,
    };
    let mut scans = Vec::new();
    // Ordinary shoppers: a stamp or two each, once or twice.
    for sequence in run.first..run.first + 8.min(run.count) {
        let client = format!("{:032x}", u64::from(sequence) * 7919);
        for _ in 0..=(sequence % 2) {
            scans.push(scan(
                run.serial(sequence),
                "VN",
                DeviceKind::Phone,
                &client,
                "genuine",
            ));
        }
    }
    // One stamp seen in three countries: a copied label travelling with grey imports.
    for (place, client) in [("VN", "a1"), ("CN", "b2"), ("KH", "c3")] {
        scans.push(scan(
            run.serial(run.last()),
            place,
            DeviceKind::Phone,
            client,
            "genuine",
        ));
    }
    // One stamp scanned far more often than a pack is.
    let copied = run.serial(run.first);
    for n in 0..35 {
        let client = format!("d{n:02}");
        scans.push(scan(
            copied.clone(),
            "VN",
            DeviceKind::Phone,
            &client,
            "genuine",
        ));
    }
    // A serial in no run of the lot.
    let forged = format!("{:06}-AAAA", run.last() + 1);
    scans.push(scan(forged, "VN", DeviceKind::Desktop, "e5", "unknown"));
    state
        .store
        .record_scans(&scans)
        .await
        .with_context(|| format!("demo scans of lot {}", run.lot))?;
    Ok(scans.len())
}
