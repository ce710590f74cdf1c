//! The `devices` table: which devices an account signs in and syncs from, when each last pulled
//! and how many changes it said were still waiting on it. Written at login and on every
//! successful pull (one upsert), read by the 管理 screens.

use axum::http::header::USER_AGENT;
use axum::http::HeaderMap;

use crate::auth::now_ms;
use crate::db::Db;
use crate::error::AppError;
use crate::with_pool;

/// The header the PWA reports its queue length in, on pull and push.
pub const PENDING_HEADER: &str = "x-pending-changes";
/// A larger count is not believed (a device holds far fewer records).
pub const MAX_PENDING: i64 = 1_000_000;
/// Longest user agent kept.
const MAX_USER_AGENT: usize = 300;

/// `X-Pending-Changes` when it is a whole number in 0..=[`MAX_PENDING`]; anything else is unknown.
pub fn pending_changes(headers: &HeaderMap) -> Option<i64> {
    let n: i64 = headers
        .get(PENDING_HEADER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (0..=MAX_PENDING).contains(&n).then_some(n)
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    let ua = headers.get(USER_AGENT)?.to_str().ok()?.trim();
    (!ua.is_empty()).then(|| ua.chars().take(MAX_USER_AGENT).collect())
}

/// Login: the device is seen now (created on its first login). A login without a device id
/// (an old client) leaves no row: it could not be addressed to be signed out anyway.
pub async fn seen_at_login(
    db: &Db,
    username: &str,
    device_id: &str,
    headers: &HeaderMap,
) -> Result<(), AppError> {
    if device_id.is_empty() {
        return Ok(());
    }
    let sql = "INSERT INTO devices (username, device_id, first_seen, last_seen, user_agent) \
               VALUES ($1, $2, $3, $3, $4) ON CONFLICT (username, device_id) DO UPDATE SET \
               last_seen = excluded.last_seen, \
               user_agent = COALESCE(excluded.user_agent, devices.user_agent)";
    with_pool!(db, pool => sqlx::query(sql)
        .bind(username)
        .bind(device_id)
        .bind(now_ms())
        .bind(user_agent(headers))
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// One successful pull to record with [`synced`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    pub username: String,
    pub device_id: String,
    /// When (ms since the Unix epoch).
    pub at: i64,
    pub pending: Option<i64>,
    pub user_agent: Option<String>,
}

impl Synced {
    /// A pull by `device_id` now, with what its headers report; `None` without a device id
    /// (an old client: it could not be addressed to be signed out anyway).
    pub fn now(username: &str, device_id: &str, headers: &HeaderMap) -> Option<Synced> {
        (!device_id.is_empty()).then(|| Synced {
            username: username.to_owned(),
            device_id: device_id.to_owned(),
            at: now_ms(),
            pending: pending_changes(headers),
            user_agent: user_agent(headers),
        })
    }
}

/// Successful pulls: each device last seen and last synced at its pull's time, with the queue
/// length it reported. All in one transaction (one commit for many devices).
pub async fn synced(db: &Db, pulls: &[Synced]) -> Result<(), AppError> {
    let sql = "INSERT INTO devices (username, device_id, first_seen, last_seen, last_sync_at, \
               pending, user_agent) VALUES ($1, $2, $3, $3, $3, $4, $5) \
               ON CONFLICT (username, device_id) DO UPDATE SET \
               last_seen = excluded.last_seen, last_sync_at = excluded.last_sync_at, \
               pending = excluded.pending, \
               user_agent = COALESCE(excluded.user_agent, devices.user_agent)";
    if pulls.is_empty() {
        return Ok(());
    }
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        for pull in pulls {
            sqlx::query(sql)
                .bind(&pull.username)
                .bind(&pull.device_id)
                .bind(pull.at)
                .bind(pull.pending)
                .bind(&pull.user_agent)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(PENDING_HEADER, value.parse().unwrap());
        h
    }

    #[test]
    fn only_a_plausible_count_is_kept() {
        assert_eq!(pending_changes(&with("0")), Some(0));
        assert_eq!(pending_changes(&with(" 12 ")), Some(12));
        assert_eq!(pending_changes(&with("1000000")), Some(MAX_PENDING));
        assert_eq!(pending_changes(&with("1000001")), None);
        assert_eq!(pending_changes(&with("-1")), None);
        assert_eq!(pending_changes(&with("3.5")), None);
        assert_eq!(pending_changes(&with("many")), None);
        assert_eq!(pending_changes(&HeaderMap::new()), None);
    }
}
