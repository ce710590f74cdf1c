//! 隐患排查 domain model: the rules of the 冶金工贸 hazard campaign (忻应急发〔2024〕216号).
//!
//! Pure Rust with no I/O, built for both the native server and the wasm32 PWA. The PWA and the
//! server only call into this crate for domain rules, so a rule is written once.

pub mod accept;
pub mod admin;
pub mod annex;
pub mod assignment;
pub mod campaign;
pub mod catalogue;
pub mod client;
pub mod county;
pub mod credit_code;
pub mod date;
pub mod enterprise;
pub mod hazard;
pub mod ids;
pub mod image_check;
pub mod inspection;
pub mod limits;
pub mod merge;
pub mod money;
pub mod office;
pub mod penalty;
pub mod permission;
pub mod photo_batch;
pub mod record;
pub mod roster;
pub mod stage;
pub mod sync;
pub mod text;
pub mod validation;

pub use campaign::{Campaign, CampaignError, CrossPair, CrossRules, ReportWeek};
pub use catalogue::{
    catalogue, modules_for, Catalogue, CheckItem, ItemSource, MajorCriterion, ModuleId,
};
pub use county::{County, Zone};
pub use credit_code::{CreditCheck, CreditCode, CreditCodeError};
pub use date::{Date, DateError, Timestamp};
pub use enterprise::{Enterprise, Industry, PairRole, Pairing, RiskTag, Scale};
pub use hazard::{
    next_seq, Basis, Hazard, HazardError, HazardKind, HazardState, Rectification, Review,
    StateChange,
};
pub use ids::new_record_id;
pub use inspection::{
    Answer, Inspection, InspectionError, ModuleProgress, Signature, Signatures, Verdict,
};
pub use money::{Money, MoneyError};
pub use penalty::{Measure, Penalty, PersonFine};
pub use record::{Record, RecordMeta};
pub use stage::{Level, Stage};
pub use validation::{Issue, Severity};
