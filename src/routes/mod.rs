//! One file per screen; the router in lib.rs maps paths to these.

mod checklist;
mod enterprise_form;
pub mod enterprises;
mod hazard_form;
mod home;
mod inspection_new;
mod placeholder;
mod settings;

pub use checklist::Checklist;
pub use enterprise_form::EnterpriseForm;
pub use enterprises::Enterprises;
pub use hazard_form::HazardForm;
pub use home::Home;
pub use inspection_new::InspectionNew;
pub use placeholder::{Hazards, Inspections, NotFound, Reports, Sync};
pub use settings::Settings;
