//! `POST /api/sync/push` and `GET /api/sync/pull`.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use bytes::Bytes;
use model::sync::{
    may_see, may_see_county, Change, PushOutcome, PushRequest, PushResponse, PushResult,
    ServerRecord, DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, MAX_PUSH_CHANGES,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::admin::devices;
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::Json;
use crate::pull_cache::{self, EncodedPage, PageKey};
use crate::records::{self, FeedSnapshot};
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
    // References first (enterprise → inspection → hazard, penalty), so a hazard pushed in the
    // same batch as its new inspection and enterprise finds them. Results keep the request's order.
    let mut order: Vec<usize> = (0..req.changes.len()).collect();
    order.sort_by_key(|&i| model::accept::apply_order(&req.changes[i].kind));
    // One transaction for the whole request, a savepoint per change (records::apply_push).
    let ordered: Vec<&Change> = order.iter().map(|&i| &req.changes[i]).collect();
    let applied = records::apply_push(&state.db, &user, device_id, &ordered).await?;
    let mut outcomes: Vec<Option<PushOutcome>> = vec![None; req.changes.len()];
    for (i, outcome) in order.into_iter().zip(applied) {
        if let PushOutcome::Rejected { code, .. } = &outcome {
            let id = req.changes[i].id;
            tracing::info!(user = %user.info.username, %id, code, "change rejected");
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
    /// Only this county's records (GB/T 2260 code); refused with 403 outside the role's scope.
    county: Option<String>,
}

/// `GET /api/records/{id}`: one record, for a link to it (e.g. from a 附件1 figure).
/// 403 when it exists outside the account's scope, 404 when it does not exist.
pub async fn record_get(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<ServerRecord>, AppError> {
    let not_found = || AppError::NotFound("找不到这条记录，它可能尚未同步到服务器。".to_owned());
    let Path(id) = path.map_err(|_| not_found())?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::BadRequest("记录编号格式有误，应为 UUID。".to_owned()))?;
    let (record, scope) = records::get(&state.db, id).await?.ok_or_else(not_found)?;
    if !may_see(&user.role, &scope) {
        return Err(AppError::Forbidden(
            "无权查看这条记录：它不在本账号的管辖范围内。".to_owned(),
        ));
    }
    Ok(axum::Json(record))
}

/// `GET /api/sync/pull`: one page of the feed (`records::pull_page`), gzip-compressed when the
/// client accepts it. Pages are shared through `state.pull_cache` (see `crate::pull_cache` for
/// why that is exact): a request reads the committed change number and the instance id, then
/// takes the page kept under them or builds it.
pub async fn pull_get(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    params: Result<Query<PullParams>, QueryRejection>,
) -> Result<Response, AppError> {
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
    let county = params
        .county
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(c) = county {
        if !may_see_county(&user.role, c) {
            return Err(AppError::Forbidden(format!(
                "无权查看县（市、区）代码 {c} 的记录：本账号只能查看自己管辖范围内的数据。"
            )));
        }
    }
    let gzip = pull_cache::accepts_gzip(&headers);
    let snapshot = FeedSnapshot::read(&state.db).await?;
    let key = PageKey {
        instance_id: snapshot.instance_id.clone(),
        high: snapshot.high,
        role: user.role.clone(),
        county: county.map(str::to_owned),
        cursor: params.cursor,
        limit,
        gzip,
    };
    let build = async {
        let page = records::pull_page(
            &state.db,
            &user.role,
            county,
            params.cursor,
            limit,
            &snapshot,
        )
        .await?;
        let body = if gzip {
            pull_cache::gzip(&page.json)
        } else {
            Bytes::from(page.json)
        };
        Ok(EncodedPage {
            body,
            more: page.more,
        })
    };
    let page = state.pull_cache.get_or_build(key, build).await?;
    // The 管理 screens' "last sync" and "waiting on the device": the pull's last page, and
    // pages before it only now and then (see `crate::pull_seen` for why not every page).
    if let Some(pull) = devices::Synced::now(&user.info.username, &user.device_id, &headers) {
        state.pull_seen.record(&state.db, pull, !page.more).await?;
    }
    let mut res = Response::new(Body::from(page.body));
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if gzip {
        // Already encoded: the compression layers leave such an answer alone.
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        h.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    Ok(res)
}
