//! One file per screen; the router in lib.rs maps paths to these.

mod checklist;
mod conflicts;
mod enterprise_form;
pub mod enterprises;
mod hazard_form;
mod hazards;
mod home;
mod inspection_new;
pub mod inspections;
mod placeholder;
mod rectify;
mod reports;
mod settings;
mod sheet;
mod sync_page;

pub use checklist::Checklist;
pub use conflicts::Conflicts;
pub use enterprise_form::EnterpriseForm;
pub use enterprises::Enterprises;
pub use hazard_form::HazardForm;
pub use hazards::Hazards;
pub use home::Home;
pub use inspection_new::InspectionNew;
pub use inspections::Inspections;
pub use placeholder::NotFound;
pub use rectify::Rectify;
pub use reports::Reports;
pub use settings::Settings;
pub use sheet::Sheet;
pub use sync_page::Sync;
