//! Account state as the administrators change it: load accounts with their enterprise and
//! devices, change role, flags and password, revoke tokens. Used by the `/api/admin` handlers
//! and by the console (`user set-admin`, `user disable`, …). Permission checks are the callers'
//! (model::admin).

use std::collections::HashMap;

use model::admin::api::{AdminAccount, AdminDevice};
use model::assignment::Assignment;
use model::county::County;
use model::sync::Role;
use uuid::Uuid;

use crate::auth::{self, account_from_row, now_ms, Account, UserRow};
use crate::db::Db;
use crate::error::AppError;
use crate::{user_columns, with_pool};

/// Why a token was revoked (`tokens.revoke_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    /// An administrator signed the device out: the device hears `device_revoked`.
    Admin,
    /// The account was disabled.
    Disabled,
    /// The password changed (by its owner or an administrator's reset).
    Password,
}

impl RevokeReason {
    pub fn key(self) -> &'static str {
        match self {
            RevokeReason::Admin => "admin",
            RevokeReason::Disabled => "disabled",
            RevokeReason::Password => "password",
        }
    }
}

/// A stored account with what the 管理 screens and the permission rule need beside it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub account: Account,
    pub created_at: i64,
    /// Enterprise accounts: the stored, not-deleted enterprise record's county and name.
    pub enterprise: Option<Enterprise>,
}

/// What the server holds of an enterprise record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enterprise {
    pub county: Option<String>,
    pub name: Option<String>,
}

impl Stored {
    /// The account as model::admin sees it.
    pub fn rule_view(&self) -> model::admin::Account {
        model::admin::Account {
            username: self.account.info.username.clone(),
            role: self.account.role.clone(),
            enterprise_county: self.enterprise.as_ref().and_then(|e| e.county.clone()),
            is_admin: self.account.info.is_admin,
            disabled: self.account.disabled,
        }
    }

    /// The JSON the 管理 screens get.
    pub fn to_admin(&self, devices: Vec<AdminDevice>) -> AdminAccount {
        let info = &self.account.info;
        let county = match &self.account.role {
            Role::Enterprise(_) => self.enterprise.as_ref().and_then(|e| e.county.clone()),
            role => role.county().map(str::to_owned),
        };
        AdminAccount {
            username: info.username.clone(),
            display_name: info.display_name.clone(),
            role: info.role,
            county_name: county
                .as_deref()
                .and_then(County::by_code)
                .map(|c| c.name.to_owned()),
            county,
            enterprise_id: info.enterprise_id,
            enterprise_name: self.enterprise.as_ref().and_then(|e| e.name.clone()),
            active_from: self.account.assignment.map(|a| a.from),
            active_until: self.account.assignment.map(|a| a.until),
            is_admin: info.is_admin,
            disabled: self.account.disabled,
            must_change_password: info.must_change_password,
            created_at: self.created_at,
            devices,
        }
    }
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    #[sqlx(flatten)]
    user: UserRow,
    created_at: i64,
    ent_county: Option<String>,
    ent_body: Option<String>,
}

/// Users joined with their stored enterprise (kind and tombstone checked in the join).
const SELECT_STORED: &str = concat!(
    "SELECT ",
    user_columns!(u),
    ", u.created_at, r.county AS ent_county, r.body AS ent_body FROM users u \
     LEFT JOIN records r ON r.id = u.enterprise_id AND r.kind = 'enterprise' AND r.deleted = $1"
);

fn stored_from_row(row: StoredRow) -> Result<Stored, AppError> {
    let enterprise = match (&row.user.enterprise_id, row.ent_body) {
        (Some(_), Some(body)) => Some(Enterprise {
            county: row.ent_county,
            name: enterprise_name(&body),
        }),
        _ => None,
    };
    Ok(Stored {
        account: account_from_row(row.user)?,
        created_at: row.created_at,
        enterprise,
    })
}

fn enterprise_name(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("name")?.as_str().map(str::to_owned)
}

/// Every account.
pub async fn all(db: &Db) -> Result<Vec<Stored>, AppError> {
    let rows: Vec<StoredRow> = with_pool!(db, pool =>
        sqlx::query_as(SELECT_STORED).bind(false).fetch_all(pool).await)?;
    rows.into_iter().map(stored_from_row).collect()
}

/// One account, if it exists.
pub async fn one(db: &Db, username: &str) -> Result<Option<Stored>, AppError> {
    let sql = concat!(
        "SELECT ",
        user_columns!(u),
        ", u.created_at, r.county AS ent_county, r.body AS ent_body FROM users u \
         LEFT JOIN records r ON r.id = u.enterprise_id AND r.kind = 'enterprise' \
         AND r.deleted = $1 WHERE u.username = $2"
    );
    let row: Option<StoredRow> = with_pool!(db, pool =>
        sqlx::query_as(sql).bind(false).bind(username).fetch_optional(pool).await)?;
    row.map(stored_from_row).transpose()
}

/// The stored, not-deleted enterprise record `id`, if any.
pub async fn enterprise(db: &Db, id: Uuid) -> Result<Option<Enterprise>, AppError> {
    let sql = "SELECT county, body FROM records WHERE id = $1 AND kind = 'enterprise' \
               AND deleted = $2";
    let row: Option<(Option<String>, String)> = with_pool!(db, pool =>
        sqlx::query_as(sql).bind(id.to_string()).bind(false).fetch_optional(pool).await)?;
    Ok(row.map(|(county, body)| Enterprise {
        county,
        name: enterprise_name(&body),
    }))
}

/// How many enabled 市级 administrators there are (the last one must stay).
pub async fn enabled_city_admins(db: &Db) -> Result<usize, AppError> {
    let sql = "SELECT COUNT(*) FROM users WHERE role = 'city' AND is_admin = $1 AND disabled = $2";
    let n: i64 = with_pool!(db, pool =>
        sqlx::query_scalar(sql).bind(true).bind(false).fetch_one(pool).await)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The devices of the given accounts (all accounts when `None`), newest activity first.
pub async fn devices(
    db: &Db,
    username: Option<&str>,
) -> Result<HashMap<String, Vec<AdminDevice>>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        username: String,
        device_id: String,
        first_seen: i64,
        last_seen: i64,
        last_sync_at: Option<i64>,
        pending: Option<i64>,
        user_agent: Option<String>,
        signed_in: bool,
    }
    let sql = "SELECT d.username, d.device_id, d.first_seen, d.last_seen, d.last_sync_at, \
               d.pending, d.user_agent, EXISTS (SELECT 1 FROM tokens t \
               WHERE t.username = d.username AND t.device_id = d.device_id \
               AND t.revoked = $1 AND t.expires_at > $2) AS signed_in \
               FROM devices d WHERE ($3 = '' OR d.username = $3) \
               ORDER BY d.last_seen DESC, d.device_id";
    let rows: Vec<Row> = with_pool!(db, pool => sqlx::query_as(sql)
        .bind(false)
        .bind(now_ms())
        .bind(username.unwrap_or(""))
        .fetch_all(pool)
        .await)?;
    let mut out: HashMap<String, Vec<AdminDevice>> = HashMap::new();
    for r in rows {
        out.entry(r.username).or_default().push(AdminDevice {
            device_id: r.device_id,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            last_sync_at: r.last_sync_at,
            pending: r.pending,
            signed_in: r.signed_in,
            user_agent: r.user_agent,
        });
    }
    Ok(out)
}

/// One account as the 管理 screens show it (404 when it does not exist).
pub async fn admin_account(db: &Db, username: &str) -> Result<AdminAccount, AppError> {
    let stored = one(db, username)
        .await?
        .ok_or_else(|| not_found(username))?;
    let devices = devices(db, Some(username))
        .await?
        .remove(username)
        .unwrap_or_default();
    Ok(stored.to_admin(devices))
}

pub fn not_found(username: &str) -> AppError {
    AppError::NotFound(format!("找不到账号“{username}”，请刷新账号列表后重试。"))
}

/// Revokes the account's live tokens (of one device when given, except `keep`); returns how many.
pub async fn revoke_tokens(
    db: &Db,
    username: &str,
    device_id: Option<&str>,
    keep: Option<&str>,
    reason: RevokeReason,
) -> Result<u64, AppError> {
    let sql = "UPDATE tokens SET revoked = $1, revoke_reason = $2 WHERE username = $3 \
               AND revoked = $4 AND ($5 = '' OR device_id = $5) AND token_hash <> $6";
    let n = with_pool!(db, pool => sqlx::query(sql)
        .bind(true)
        .bind(reason.key())
        .bind(username)
        .bind(false)
        .bind(device_id.unwrap_or(""))
        .bind(keep.unwrap_or(""))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Whether the account ever used this device (a devices row or a token).
pub async fn has_device(db: &Db, username: &str, device_id: &str) -> Result<bool, AppError> {
    let sql = "SELECT (SELECT COUNT(*) FROM devices WHERE username = $1 AND device_id = $2) + \
               (SELECT COUNT(*) FROM tokens WHERE username = $1 AND device_id = $2)";
    let n: i64 = with_pool!(db, pool =>
        sqlx::query_scalar(sql).bind(username).bind(device_id).fetch_one(pool).await)?;
    Ok(n > 0)
}

/// Disables (revoking every token) or enables an account.
pub async fn set_disabled(db: &Db, username: &str, disabled: bool) -> Result<(), AppError> {
    let sql = "UPDATE users SET disabled = $1 WHERE username = $2";
    with_pool!(db, pool =>
        sqlx::query(sql).bind(disabled).bind(username).execute(pool).await.map(|_| ()))?;
    if disabled {
        revoke_tokens(db, username, None, None, RevokeReason::Disabled).await?;
    }
    Ok(())
}

pub async fn set_admin(db: &Db, username: &str, is_admin: bool) -> Result<(), AppError> {
    let sql = "UPDATE users SET is_admin = $1 WHERE username = $2";
    with_pool!(db, pool =>
        sqlx::query(sql).bind(is_admin).bind(username).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// A new password: `must_change` for an administrator's one-time password. Revokes the
/// account's tokens except `keep` (the owner's own session when it changes its password).
pub async fn set_password(
    db: &Db,
    username: &str,
    password: &str,
    must_change: bool,
    keep: Option<&str>,
) -> Result<(), AppError> {
    let password = password.to_owned();
    let phc = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hash task: {e}")))??;
    let sql = "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE username = $3";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(&phc)
        .bind(must_change)
        .bind(username)
        .execute(pool)
        .await
        .map(|_| ()))?;
    revoke_tokens(db, username, None, keep, RevokeReason::Password).await?;
    Ok(())
}

/// Role, scope, 检查期, admin flag and name, as an administrator edits them.
pub async fn update(
    db: &Db,
    username: &str,
    display_name: &str,
    role: &Role,
    period: Option<Assignment>,
    is_admin: bool,
) -> Result<(), AppError> {
    let sql = "UPDATE users SET display_name = $1, role = $2, county = $3, enterprise_id = $4, \
               active_from = $5, active_until = $6, is_admin = $7 WHERE username = $8";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(display_name)
        .bind(role.kind().key())
        .bind(role.county())
        .bind(role.enterprise_id().map(|id| id.to_string()))
        .bind(period.map(|a| a.from.to_string()))
        .bind(period.map(|a| a.until.to_string()))
        .bind(is_admin)
        .bind(username)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Letters and digits that cannot be mistaken for one another when read aloud or copied from a
/// screen: no 0/O/o, 1/l/I/i.
const OTP_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
pub const OTP_LEN: usize = 12;

/// A random one-time password of [`OTP_LEN`] characters from [`OTP_ALPHABET`].
pub fn one_time_password() -> Result<String, AppError> {
    let n = OTP_ALPHABET.len();
    // Rejection sampling: only bytes below the largest multiple of n, so every letter is equally likely.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(OTP_LEN);
    while out.len() < OTP_LEN {
        let mut buf = [0u8; 32];
        getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("getrandom: {e}")))?;
        for b in buf {
            if usize::from(b) < limit && out.len() < OTP_LEN {
                out.push(char::from(OTP_ALPHABET[usize::from(b) % n]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_unambiguous_and_random() {
        let a = one_time_password().unwrap();
        let b = one_time_password().unwrap();
        assert_eq!(a.len(), OTP_LEN);
        assert_ne!(a, b);
        for c in a.chars().chain(b.chars()) {
            assert!(OTP_ALPHABET.contains(&(c as u8)), "{c}");
            assert!(!"0Oo1lIi".contains(c), "{c}");
        }
    }
}
