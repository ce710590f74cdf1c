//! 附件1–附件4 computed from the records, so no office retypes a table (issue 5).
//!
//! Everything here is a pure function of the campaign's records ([`Dataset`]) and a date: the
//! server serves it, the PWA shows it offline, and both get the same numbers. Each module is one
//! annex (or one concern shared by several).

pub mod arrangement;
pub mod cross;
pub mod cross_summary;
pub mod dashboard;
pub mod data;
pub mod error;
pub mod figure;
pub mod ledger;
pub mod narrative;
pub mod scope;
pub mod tally;
pub mod weekly;

pub use arrangement::{ArrangementRow, CrossArrangement, ARRANGEMENT_HEADERS, ARRANGEMENT_TITLE};
pub use cross::{check_cross_plan, CrossPlan};
pub use cross_summary::{CrossSummary, CrossSummaryRow, CROSS_SUMMARY_HEADERS, CROSS_SUMMARY_NOTE};
pub use dashboard::{CountyStats, Dashboard, HazardCounts, WeekPoint};
pub use data::{Dataset, Records};
pub use error::AnnexError;
pub use figure::{Behind, Figure};
pub use ledger::{LedgerRow, MajorHazardLedger, LEDGER_HEADERS, LEDGER_NOTE};
pub use narrative::WeeklyNarrative;
pub use scope::Scope;
pub use tally::{HazardCount, HazardTally};
pub use weekly::{
    CheckedRow, CrossRow, JointRow, PenaltyRow, SelfInspectionRow, WeeklyReport, WeeklyRow,
    WEEKLY_HEADERS, WEEKLY_NOTE,
};

#[cfg(test)]
mod tests;
