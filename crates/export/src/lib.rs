//! Regulatory evidence packs from stored EPCIS events, each a [`nguon_report::Table`] written as
//! CSV, XLSX or PDF:
//! - [`fsma_for_lot`] / [`fsma_for_range`]: the FDA FSMA 204 electronic sortable spreadsheet;
//! - [`Plan`]: the FSMA 204 traceability plan with a farm map, as PDF;
//! - [`eu_record`]: the EU 931/2011 dispatch record of a lot;
//! - [`simp_sheet`]: the US SIMP data sheet of a lot;
//! - [`gdst_for_lot`]: a lot's genealogy as a GDST 1.2 EPCIS document.
//!
//! Values come from the events and from master data (location names, addresses and
//! coordinates; product descriptions and species); what neither records is a blank cell, never
//! a guess.

#![warn(missing_docs)]

mod eu;
mod fsma;
mod gdst;
mod plan;
mod record;
mod simp;
mod source;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;

pub use eu::{EU_COLUMNS, eu_record};
pub use fsma::{
    COOLING, Cte, FSMA_COLUMNS, MAX_RANGE_EVENTS, fsma_for_lot, fsma_for_range, parse_range,
};
pub use gdst::gdst_for_lot;
pub use plan::{GrowingArea, MAX_PLAN_EVENTS, Plan, gather_plan, organisation_by_tax_code};
pub use simp::simp_sheet;
pub use source::{ExportSource, SourceEvent};

use nguon_report::ReportError;
use nguon_store::StoreError;

/// Why an export cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No event names the lot.
    #[error("lot: no event names {0} / không có sự kiện nào về lô {0}")]
    UnknownLot(String),
    /// No organisation has the tax code.
    #[error("org: no organisation has tax code {0} / không có tổ chức nào có mã số thuế {0}")]
    UnknownOrganisation(String),
    /// A date that is neither `YYYY-MM-DD` nor RFC 3339.
    #[error(
        "{field}: must be a date YYYY-MM-DD or an RFC 3339 time, not {found:?} / phải là ngày YYYY-MM-DD hoặc thời điểm RFC 3339"
    )]
    Date {
        /// `from` or `to`.
        field: &'static str,
        /// What was given.
        found: String,
    },
    /// A date range that ends before it starts.
    #[error("to: the range must end after it starts / ngày kết thúc phải sau ngày bắt đầu")]
    Range,
    /// The genealogy does not meet the GDST 1.2 profile: what is missing, per event.
    #[error("gdst: the events do not meet the GDST profile / sự kiện chưa đạt hồ sơ GDST: {}", .0.join("; "))]
    Gdst(Vec<String>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The table could not be written.
    #[error(transparent)]
    Report(#[from] ReportError),
}
