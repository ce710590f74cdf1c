//! What the sync page and the header badge show.

/// Per-photo upload state counts and the queue, refreshed after every step of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncStatus {
    pub running: bool,
    /// Records changed on this device and not yet accepted by the server.
    pub pending_records: u32,
    /// Records the server refused or that conflict: they need the user.
    pub needs_attention: u32,
    pub pending_photos: u32,
    pub pending_photo_bytes: f64,
    pub uploaded_photos: u32,
    /// What the current run is doing, e.g. "上传照片 3/10".
    pub step: Option<String>,
    pub last_ok: Option<i64>,
    pub last_error: Option<String>,
    pub retry_in_ms: Option<u32>,
    pub needs_login: bool,
}
