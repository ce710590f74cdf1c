//! The `/api/admin` wire types, shared by the server and the PWA. Request bodies keep their
//! fields as text so a bad value is refused with a message naming the field
//! ([`AccountRequest::parse`]) rather than a serde error.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::assignment::Assignment;
use crate::county::County;
use crate::date::{Date, Timestamp};
use crate::sync::RoleKind;

use super::{period_for, PeriodError};

/// One device an account signed in or synced from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminDevice {
    pub device_id: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// Last successful pull.
    pub last_sync_at: Option<Timestamp>,
    /// Changes waiting on the device at its last pull, if it said (`X-Pending-Changes`).
    pub pending: Option<i64>,
    /// Holds an unrevoked, unexpired token.
    pub signed_in: bool,
    pub user_agent: Option<String>,
}

/// An account as the 管理 screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminAccount {
    pub username: String,
    pub display_name: String,
    pub role: RoleKind,
    /// 县级: its county; 交叉检查组: the 受检县; 企业: its stored enterprise's county.
    pub county: Option<String>,
    pub county_name: Option<String>,
    pub enterprise_id: Option<Uuid>,
    pub enterprise_name: Option<String>,
    pub active_from: Option<Date>,
    pub active_until: Option<Date>,
    pub is_admin: bool,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: Timestamp,
    pub devices: Vec<AdminDevice>,
}

/// `GET /api/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersResponse {
    pub users: Vec<AdminAccount>,
}

/// Answer of the account actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserResponse {
    pub user: AdminAccount,
}

/// Answer of create and reset-password: the one-time password, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserWithPassword {
    pub user: AdminAccount,
    pub one_time_password: String,
}

/// `POST /api/admin/users` (with `username`) and `PUT /api/admin/users/{username}` (without).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRequest {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub display_name: String,
    pub role: String,
    #[serde(default)]
    pub county: Option<String>,
    #[serde(default)]
    pub enterprise_id: Option<String>,
    #[serde(default)]
    pub active_from: Option<String>,
    #[serde(default)]
    pub active_until: Option<String>,
    #[serde(default)]
    pub is_admin: Option<bool>,
}

/// A checked [`AccountRequest`]. For an enterprise account the county is not the request's: the
/// server takes it from the stored enterprise record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSpec {
    /// Trimmed; empty means "same as the username".
    pub display_name: String,
    pub kind: RoleKind,
    /// 县级 and 交叉检查组 only.
    pub county: Option<String>,
    /// 企业 only.
    pub enterprise_id: Option<Uuid>,
    pub period: Option<Assignment>,
    pub is_admin: bool,
}

/// Why a request body is refused; every message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("账号名（username）须为 2 到 32 个字母、数字、下划线、点或短横线，例如 xinfu_zhang。")]
    Username,
    #[error("姓名（display_name）最多 {MAX_DISPLAY_NAME} 个字。")]
    DisplayName,
    #[error("角色（role）“{0}”无效，应为 city（市级）、county（县级）、cross（交叉检查组）或 enterprise（企业）。")]
    Role(String),
    #[error("{0}账号须选择县（county），例如 140902 忻府区。")]
    MissingCounty(&'static str),
    #[error("县（county）“{0}”不是忻州市的 14 个县（市、区）之一，请从列表中选择。")]
    County(String),
    #[error("企业账号须选择所属企业（enterprise_id）。")]
    MissingEnterprise,
    #[error("企业编号（enterprise_id）“{0}”无效，应为 UUID。")]
    Enterprise(String),
    #[error("日期（{field}）“{value}”无效，应形如 2025-03-31。")]
    Date { field: &'static str, value: String },
    #[error("{0}")]
    Period(#[from] PeriodError),
}

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME: usize = 40;

/// The username rule: 2–32 ASCII letters, digits, `_`, `.` or `-`.
pub fn valid_username(name: &str) -> bool {
    (2..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl AccountRequest {
    /// The checked username of a create request.
    pub fn username(&self) -> Result<String, RequestError> {
        let name = text(&self.username).unwrap_or("");
        if valid_username(name) {
            Ok(name.to_owned())
        } else {
            Err(RequestError::Username)
        }
    }

    /// Checks every field but the username (which an edit does not carry).
    pub fn parse(&self) -> Result<AccountSpec, RequestError> {
        let display_name = self.display_name.trim().to_owned();
        if display_name.chars().count() > MAX_DISPLAY_NAME {
            return Err(RequestError::DisplayName);
        }
        let kind = RoleKind::from_key(self.role.trim())
            .ok_or_else(|| RequestError::Role(self.role.clone()))?;
        let county = match kind {
            RoleKind::County | RoleKind::Cross => {
                let code = text(&self.county).ok_or(RequestError::MissingCounty(kind.label()))?;
                let county =
                    County::by_code(code).ok_or_else(|| RequestError::County(code.to_owned()))?;
                Some(county.code.to_owned())
            }
            RoleKind::City | RoleKind::Enterprise => None,
        };
        let enterprise_id = match kind {
            RoleKind::Enterprise => {
                let id = text(&self.enterprise_id).ok_or(RequestError::MissingEnterprise)?;
                Some(Uuid::parse_str(id).map_err(|_| RequestError::Enterprise(id.to_owned()))?)
            }
            _ => None,
        };
        let date = |field: &'static str, v: &Option<String>| match text(v) {
            None => Ok(None),
            Some(s) => Date::parse(s).map(Some).map_err(|_| RequestError::Date {
                field,
                value: s.to_owned(),
            }),
        };
        let from = date("active_from", &self.active_from)?;
        let until = date("active_until", &self.active_until)?;
        Ok(AccountSpec {
            display_name,
            kind,
            county,
            enterprise_id,
            period: period_for(kind, from, until)?,
            is_admin: self.is_admin.unwrap_or(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(role: &str) -> AccountRequest {
        AccountRequest {
            username: Some("xinfu_zhang".into()),
            display_name: " 张三 ".into(),
            role: role.into(),
            ..AccountRequest::default()
        }
    }

    #[test]
    fn a_good_county_request_parses() {
        let r = AccountRequest {
            county: Some("140902".into()),
            ..req("county")
        };
        assert_eq!(r.username().unwrap(), "xinfu_zhang");
        let spec = r.parse().unwrap();
        assert_eq!(spec.display_name, "张三");
        assert_eq!(spec.kind, RoleKind::County);
        assert_eq!(spec.county.as_deref(), Some("140902"));
        assert!(!spec.is_admin);
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = |r: AccountRequest| r.parse().unwrap_err().to_string();
        assert!(bad(req("boss")).contains("role"));
        assert!(bad(req("county")).contains("county"));
        let r = AccountRequest {
            county: Some("110101".into()),
            ..req("county")
        };
        assert!(bad(r).contains("110101"));
        assert!(bad(req("enterprise")).contains("enterprise_id"));
        let r = AccountRequest {
            enterprise_id: Some("nope".into()),
            ..req("enterprise")
        };
        assert!(bad(r).contains("enterprise_id"));
        let r = AccountRequest {
            county: Some("140902".into()),
            active_from: Some("2025-02-30".into()),
            active_until: Some("2025-03-31".into()),
            ..req("cross")
        };
        assert!(bad(r).contains("active_from"));
        let r = AccountRequest {
            county: Some("140902".into()),
            ..req("cross")
        };
        assert!(bad(r).contains("active_until"));
        let r = AccountRequest {
            active_from: Some("2025-03-01".into()),
            ..req("city")
        };
        assert!(bad(r).contains("active_from"));
        let r = AccountRequest {
            username: Some("张三".into()),
            ..req("city")
        };
        assert!(r.username().unwrap_err().to_string().contains("username"));
        assert!(!valid_username("a"));
        assert!(!valid_username("a b"));
        assert!(valid_username("demo"));
    }

    #[test]
    fn a_cross_request_carries_its_period() {
        let r = AccountRequest {
            county: Some("140921".into()),
            active_from: Some("2025-03-03".into()),
            active_until: Some("2025-03-31".into()),
            ..req("cross")
        };
        let spec = r.parse().unwrap();
        let p = spec.period.unwrap();
        assert_eq!(p.from.to_string(), "2025-03-03");
        assert_eq!(spec.county.as_deref(), Some("140921"));
    }
}
