//! Stamp runs and the scan log: the [`StampStore`] half of the store, and what both back ends share to read and
//! audit them. The cap is checked and the run numbered in the transaction that stores it, so
//! two print jobs at once cannot both take the lot's last stamps.

use async_trait::async_trait;
use nguon_domain::{
    Actor, AuditAction, DomainError, NewAuditEntry, NewScan, NewStampRun, OrganisationId,
    ScanTally, StampRun, StampRunId, StampState, StampTotal,
};
use nguon_gs1::Gtin;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::StoreError;

/// Printed stamp runs. Every [`crate::Store`] is one.
#[async_trait]
pub trait StampStore: Send + Sync {
    /// Stores a print run of `new.count` stamps numbered after the lot's earlier runs, with its
    /// audit entry, if the lot's runs then hold at most `cap` stamps; otherwise nothing is
    /// written and the error names the remaining count ([`DomainError::StampCapExceeded`]).
    async fn print_stamps(
        &self,
        new: &NewStampRun,
        cap: u64,
        actor: Actor,
    ) -> Result<StampRun, StoreError>;

    /// One run, or [`StoreError::NotFound`].
    async fn stamp_run(&self, id: StampRunId) -> Result<StampRun, StoreError>;

    /// The runs of one lot, oldest first: what a scan checks a serial against.
    async fn stamp_runs_of_lot(&self, gtin: &Gtin, lot: &str) -> Result<Vec<StampRun>, StoreError>;

    /// The runs of `organisation` (every organisation's for `None`), newest first, at most
    /// `limit` (clamped to 1..=500).
    async fn list_stamp_runs(
        &self,
        organisation: Option<OrganisationId>,
        limit: u32,
    ) -> Result<Vec<StampRun>, StoreError>;

    /// Logs `scans` in one transaction: all of them or, on an error, none.
    async fn record_scans(&self, scans: &[NewScan]) -> Result<(), StoreError>;

    /// The tallies of one serial under every lot it was scanned with (one serial under two lots
    /// is a signal).
    async fn serial_tallies(&self, gtin: &Gtin, serial: &str)
    -> Result<Vec<ScanTally>, StoreError>;

    /// Logs a scan and returns the tallies a verdict on it needs, this scan included: for a
    /// serial, [`Self::serial_tallies`]; nothing for a lot's or a GTIN's code, which no verdict
    /// counts. The tallies are read after the commit, so the write lock is held no longer than
    /// the insert.
    async fn record_scan(&self, scan: &NewScan) -> Result<Vec<ScanTally>, StoreError> {
        self.record_scans(std::slice::from_ref(scan)).await?;
        match &scan.serial {
            Some(serial) => self.serial_tallies(&scan.gtin, serial).await,
            None => Ok(Vec::new()),
        }
    }

    /// The tallies of every code scanned since `since`, of GTINs `organisation` registered
    /// (every scan for `None`, GTINs nobody registered included).
    async fn scan_tallies(
        &self,
        organisation: Option<OrganisationId>,
        since: OffsetDateTime,
    ) -> Result<Vec<ScanTally>, StoreError>;

    /// The runs and stamps of every organisation per state.
    async fn stamp_totals(&self) -> Result<Vec<StampTotal>, StoreError>;

    /// Moves a run to `state` if that is the next step, with its audit entry; any other change
    /// is a [`DomainError::StampStateTransition`].
    async fn set_stamp_state(
        &self,
        id: StampRunId,
        state: StampState,
        actor: Actor,
    ) -> Result<StampRun, StoreError>;
}

/// The head of the scan log's insert, in SQL both back ends read; a query adds one `VALUES`
/// row per scan, in this column order.
pub const SCAN_INSERT: &str = "INSERT INTO scans (scanned_at, gtin, lot, serial, place, device, \
     client, verdict, organisation_id, recalled) ";

/// Most scans one insert carries: ten parameters each stay well under either back end's limit.
pub const SCANS_PER_INSERT: usize = 1_000;

/// The tally columns of the scan log, in the order of [`ScanTallyRow`], in SQL both back ends
/// read; a query adds its `WHERE` and then [`SCAN_TALLY_GROUPS`].
pub const SCAN_TALLY_SELECT: &str = "SELECT gtin, lot, serial, organisation_id, COUNT(*), \
     MIN(scanned_at), MAX(scanned_at), COUNT(DISTINCT place), COUNT(DISTINCT client), \
     COUNT(CASE WHEN verdict = 'inactive' THEN 1 END), \
     COUNT(CASE WHEN verdict = 'deactivated' THEN 1 END), \
     COUNT(CASE WHEN verdict = 'unknown' THEN 1 END), \
     COUNT(CASE WHEN recalled THEN 1 END) FROM scans ";

/// The totals [`StampStore::stamp_totals`] reads, in SQL both back ends read.
pub const STAMP_TOTALS: &str = "SELECT organisation_id, state, COUNT(*), CAST(SUM(count) AS BIGINT) \
     FROM stamp_runs GROUP BY organisation_id, state";

/// A row of [`STAMP_TOTALS`] read.
pub fn stamp_total(
    (organisation, state, runs, stamps): (Uuid, String, i64, i64),
) -> Result<StampTotal, StoreError> {
    let corrupt = |what: String| StoreError::Internal(format!("stamp totals: {what}"));
    Ok(StampTotal {
        organisation: OrganisationId::from_uuid(organisation)
            .map_err(|e| corrupt(e.to_string()))?,
        state: StampState::parse(&state)
            .ok_or_else(|| corrupt(format!("unknown state {state}")))?,
        runs: u64::try_from(runs).unwrap_or_default(),
        stamps: u64::try_from(stamps).unwrap_or_default(),
    })
}

/// What every tally counts by: one code of one owner.
pub const SCAN_TALLY_GROUPS: &str = " GROUP BY organisation_id, gtin, lot, serial";

/// One row of [`SCAN_TALLY_SELECT`].
pub type ScanTallyRow = (
    String,
    Option<String>,
    Option<String>,
    Option<Uuid>,
    i64,
    OffsetDateTime,
    OffsetDateTime,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

/// A tally read from the database.
pub fn scan_tally(row: ScanTallyRow) -> Result<ScanTally, StoreError> {
    let (gtin, lot, serial, organisation, scans, first, last, places, clients) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8,
    );
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    Ok(ScanTally {
        gtin,
        lot,
        serial,
        organisation: organisation
            .map(OrganisationId::from_uuid)
            .transpose()
            .map_err(|e| StoreError::Internal(format!("a stored scan names {e}")))?,
        scans: count(scans),
        first,
        last,
        places: count(places),
        clients: count(clients),
        inactive: count(row.9),
        deactivated: count(row.10),
        unknown: count(row.11),
        recalled: count(row.12),
    })
}

/// The largest page of [`StampStore::list_stamp_runs`].
pub const MAX_STAMP_RUNS_PAGE: u32 = 500;

/// The `NotFound` every back end reports for an unknown run.
pub fn no_such_stamp_run(id: StampRunId) -> StoreError {
    StoreError::NotFound {
        what: "stamp run",
        id: id.to_string(),
    }
}

/// The refusal every back end reports when a run would pass the lot's cap.
pub fn stamp_cap_exceeded(cap: u64, issued: u64, asked: u32) -> StoreError {
    StoreError::Domain(DomainError::StampCapExceeded {
        cap,
        issued,
        remaining: cap.saturating_sub(issued),
        asked,
    })
}

/// One row of `stamp_runs`, as read, before any check.
#[derive(Debug, Clone)]
pub struct StampRunRecord {
    /// `id`.
    pub id: Uuid,
    /// `organisation_id`.
    pub organisation: Uuid,
    /// `gtin`.
    pub gtin: String,
    /// `lot`.
    pub lot: String,
    /// `first_sequence`.
    pub first: i64,
    /// `count`.
    pub count: i64,
    /// `secret`.
    pub secret: Vec<u8>,
    /// `symbology`.
    pub symbology: String,
    /// `layout`.
    pub layout: String,
    /// `printed_by`.
    pub printed_by: String,
    /// `printed_at`.
    pub printed_at: OffsetDateTime,
    /// `state`.
    pub state: String,
    /// `state_changed_at`.
    pub state_changed_at: OffsetDateTime,
}

impl StampRunRecord {
    /// Parses every column; a failure means corrupt data, so [`StoreError::Internal`].
    pub fn into_run(self) -> Result<StampRun, StoreError> {
        let id = self.id;
        let corrupt = |error: &dyn std::fmt::Display| {
            StoreError::Internal(format!("stored stamp run {id} is invalid: {error}"))
        };
        let state = StampState::parse(&self.state)
            .ok_or_else(|| corrupt(&format!("unknown state {}", self.state)))?;
        Ok(StampRun {
            id: StampRunId::from_uuid(id).map_err(|e| corrupt(&e))?,
            organisation: OrganisationId::from_uuid(self.organisation).map_err(|e| corrupt(&e))?,
            gtin: Gtin::parse(&self.gtin).map_err(|e| corrupt(&e))?,
            lot: self.lot,
            first: u32::try_from(self.first).map_err(|e| corrupt(&e))?,
            count: u32::try_from(self.count).map_err(|e| corrupt(&e))?,
            secret: self
                .secret
                .try_into()
                .map_err(|_| corrupt(&"the secret is not 16 bytes"))?,
            symbology: self.symbology,
            layout: self.layout,
            printed_by: self.printed_by,
            printed_at: self.printed_at,
            state,
            state_changed_at: self.state_changed_at,
        })
    }
}

/// The audit entry of a print run or of a state change (`before` is the run before it).
pub fn stamp_run_audit(
    actor: Actor,
    action: AuditAction,
    before: Option<&StampRun>,
    after: &StampRun,
) -> NewAuditEntry {
    let snapshot = |run: &StampRun| {
        json!({
            "gtin": run.gtin.as_str(),
            "lot": run.lot,
            "first": run.first,
            "last": run.last(),
            "count": run.count,
            "symbology": run.symbology,
            "layout": run.layout,
            "state": run.state.as_str(),
        })
    };
    NewAuditEntry {
        actor,
        action,
        entity_id: after.id.to_string(),
        organisation: Some(after.organisation),
        before: before.map(snapshot),
        after: Some(snapshot(after)),
    }
}

/// Clamps a page size to `1..=MAX_STAMP_RUNS_PAGE`.
pub fn stamp_runs_page(limit: u32) -> i64 {
    i64::from(limit.clamp(1, MAX_STAMP_RUNS_PAGE))
}
