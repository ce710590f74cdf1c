//! One file per screen; the router in lib.rs maps paths to these.

mod home;
mod placeholder;
mod settings;

pub use home::Home;
pub use placeholder::{Enterprises, Hazards, Inspections, NotFound, Reports, Sync};
pub use settings::Settings;
