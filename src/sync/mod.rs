//! Sync with the project's server: the queue lives in IndexedDB and is drained from the page
//! (no Background Sync: iOS Safari has none), see docs/sync.md for the protocol.

pub mod api;
pub mod engine;
pub mod photo_cache;
pub mod photo_upload;
pub mod scheduler;
pub mod session;
pub mod status;

pub use status::SyncStatus;
