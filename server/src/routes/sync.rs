//! `POST /api/sync/push` and `GET /api/sync/pull`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use model::sync::{
    PullResponse, PushOutcome, PushRequest, PushResponse, PushResult, DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT, MAX_PUSH_CHANGES,
};
use serde::Deserialize;

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::Json;
use crate::records;
use crate::AppState;

pub async fn push_post(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<PushRequest>,
) -> Result<axum::Json<PushResponse>, AppError> {
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(AppError::PayloadTooLarge(format!(
            "一次最多提交 {MAX_PUSH_CHANGES} 条记录，请分批同步。"
        )));
    }
    let device_id = req.device_id.trim();
    if device_id.is_empty() || device_id.len() > 128 {
        return Err(AppError::BadRequest(
            "缺少设备编号（device_id），请更新应用后重试。".to_owned(),
        ));
    }
    // Enterprises first, so a hazard pushed in the same batch as its new enterprise finds the
    // enterprise's county. Results keep the request's order.
    let mut order: Vec<usize> = (0..req.changes.len()).collect();
    order.sort_by_key(|&i| req.changes[i].kind != "enterprise");
    let mut outcomes: Vec<Option<PushOutcome>> = vec![None; req.changes.len()];
    for i in order {
        let change = &req.changes[i];
        let outcome = records::apply_change(&state.db, &user, device_id, change).await?;
        if let PushOutcome::Rejected { code, .. } = &outcome {
            tracing::info!(user = %user.info.username, id = %change.id, code, "change rejected");
        }
        outcomes[i] = Some(outcome);
    }
    let results = req
        .changes
        .iter()
        .zip(outcomes)
        .map(|(c, o)| PushResult {
            id: c.id,
            outcome: o.expect("every change has an outcome"),
        })
        .collect();
    Ok(axum::Json(PushResponse { results }))
}

#[derive(Debug, Deserialize)]
pub struct PullParams {
    #[serde(default)]
    cursor: i64,
    limit: Option<usize>,
}

pub async fn pull_get(
    State(state): State<AppState>,
    user: AuthUser,
    params: Result<Query<PullParams>, QueryRejection>,
) -> Result<axum::Json<PullResponse>, AppError> {
    let Query(params) = params
        .map_err(|_| AppError::BadRequest("参数有误：cursor 和 limit 须为非负整数。".to_owned()))?;
    if params.cursor < 0 {
        return Err(AppError::BadRequest(
            "参数有误：cursor 不能为负数。".to_owned(),
        ));
    }
    let limit = params
        .limit
        .unwrap_or(DEFAULT_PULL_LIMIT)
        .clamp(1, MAX_PULL_LIMIT);
    let page = records::pull(&state.db, &user.role, params.cursor, limit).await?;
    Ok(axum::Json(PullResponse {
        changes: page.changes,
        cursor: page.cursor,
        more: page.more,
        instance_id: state.db.instance_id().await?,
    }))
}
