//! The 管理 API's JSON as the screens read it (server/src/admin, server/src/roster). Fields
//! the server may add later are ignored; missing optional ones default, so an older server
//! still shows what it has.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Device {
    pub device_id: String,
    #[serde(default)]
    pub first_seen: Option<i64>,
    #[serde(default)]
    pub last_seen: Option<i64>,
    #[serde(default)]
    pub last_sync_at: Option<i64>,
    #[serde(default)]
    pub pending: Option<i64>,
    #[serde(default)]
    pub signed_in: bool,
    #[serde(default)]
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Account {
    pub username: String,
    pub display_name: String,
    pub role: String,
    #[serde(default)]
    pub county: Option<String>,
    #[serde(default)]
    pub county_name: Option<String>,
    #[serde(default)]
    pub enterprise_id: Option<Uuid>,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    #[serde(default)]
    pub active_from: Option<String>,
    #[serde(default)]
    pub active_until: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub must_change_password: bool,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub devices: Vec<Device>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Users {
    pub users: Vec<Account>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserAnswer {
    pub user: Account,
    #[serde(default)]
    pub one_time_password: Option<String>,
}

/// What the account form sends to create or change an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountEdit {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub county: Option<String>,
    pub enterprise_id: Option<Uuid>,
    pub active_from: Option<String>,
    pub active_until: Option<String>,
    pub is_admin: bool,
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
