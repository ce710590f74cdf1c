//! The 管理 API's JSON as the screens read it: the account types are the model's own
//! (`model::admin::api`, shared with the server); the roster and audit answers are read here
//! leniently (fields the server may add later are ignored).

use serde::Deserialize;

pub use model::admin::api::{AccountRequest, AdminAccount, AdminDevice, UsersResponse};

/// Answer of every account action; create and reset-password also carry the one-time password.
#[derive(Debug, Clone, Deserialize)]
pub struct UserAnswer {
    pub user: AdminAccount,
    #[serde(default)]
    pub one_time_password: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub username: String,
    #[serde(default)]
    pub device_id: String,
    pub action: String,
    #[serde(default)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    #[serde(default)]
    pub next_before: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterAdd {
    pub row: u32,
    pub name: String,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub county_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterChange {
    pub label: String,
    #[serde(default)]
    pub old: serde_json::Value,
    #[serde(default)]
    pub new: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterUpdate {
    pub row: u32,
    pub name: String,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub changes: Vec<RosterChange>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterSame {
    pub row: u32,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterError {
    pub row: u32,
    pub column: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterPreview {
    pub total: u32,
    pub add: Vec<RosterAdd>,
    pub update: Vec<RosterUpdate>,
    pub unchanged: Vec<RosterSame>,
    pub errors: Vec<RosterError>,
    /// Rows imported as they are, with something worth a look (an unusual phone number).
    #[serde(default)]
    pub warnings: Vec<RosterError>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RosterCommit {
    pub added: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub errors: u32,
}

/// A JSON value as one line of text for a table cell (strings without their quotes).
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "（空）".to_owned(),
        serde_json::Value::String(s) if s.is_empty() => "（空）".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}
