//! `GET /api/admin/audit`: the audit log, newest first, for 市级 administrators.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::users::{actor, refused};
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::{with_pool, AppState};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Deserialize)]
pub struct AuditParams {
    /// Entries with a smaller id (the previous page's `next_before`).
    before: Option<i64>,
    limit: Option<i64>,
    /// `1`/`true`: only the administrators' actions (`admin.*`).
    admin_only: Option<String>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub device_id: String,
    pub action: String,
    pub record_id: Option<String>,
    pub kind: Option<String>,
    pub rev: Option<i64>,
    #[sqlx(rename = "detail")]
    #[serde(skip)]
    pub detail_text: String,
    #[sqlx(skip)]
    pub detail: Value,
}

#[derive(Debug, Serialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; `null` at the end.
    pub next_before: Option<i64>,
}

pub async fn audit_get(
    State(state): State<AppState>,
    user: AuthUser,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<axum::Json<AuditPage>, AppError> {
    model::admin::check_audit(&actor(&user)).map_err(refused)?;
    let Query(params) = params
        .map_err(|_| AppError::BadRequest("参数有误：before 和 limit 须为正整数。".to_owned()))?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let before = params.before.unwrap_or(i64::MAX);
    let admin_only = matches!(params.admin_only.as_deref(), Some("1" | "true"));
    let sql = if admin_only {
        "SELECT id, at, username, device_id, action, record_id, kind, rev, detail FROM audit_log \
         WHERE id < $1 AND action LIKE 'admin.%' ORDER BY id DESC LIMIT $2"
    } else {
        "SELECT id, at, username, device_id, action, record_id, kind, rev, detail FROM audit_log \
         WHERE id < $1 ORDER BY id DESC LIMIT $2"
    };
    let mut entries: Vec<AuditEntry> = with_pool!(&state.db, pool =>
        sqlx::query_as(sql).bind(before).bind(limit).fetch_all(pool).await)?;
    for e in &mut entries {
        e.detail = serde_json::from_str(&e.detail_text)
            .unwrap_or_else(|_| Value::String(e.detail_text.clone()));
    }
    let full = i64::try_from(entries.len()).unwrap_or(0) == limit;
    let next_before = full.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(axum::Json(AuditPage {
        entries,
        next_before,
    }))
}
