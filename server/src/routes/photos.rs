//! `POST /api/photos/check`, `PUT /api/photos/{sha256}`, `GET /api/photos/{sha256}`.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{stream, StreamExt};
use model::sync::{
    may_see, PhotoCheck, PhotoMissing, PhotoReceipt, MAX_PHOTO_BYTES, MAX_PHOTO_CHECK,
};

use model::image_check::ImageKind;

use crate::auth::AuthUser;
use crate::error::AppError;
use crate::extract::Json;
use crate::photos::upload_log::Upload;
use crate::photos::{self, check_hash, sniff};
use crate::records;
use crate::AppState;

const PHOTO_CACHE: &str = "private, max-age=31536000, immutable";

/// Store lookups one `photos/check` keeps in flight.
const CHECK_CONCURRENCY: usize = 16;

fn hash_param(path: Result<Path<String>, PathRejection>) -> Result<String, AppError> {
    let Path(sha) = path.map_err(|_| AppError::BadRequest("照片编号有误。".to_owned()))?;
    check_hash(&sha)?;
    Ok(sha)
}

pub async fn photos_check_post(
    State(state): State<AppState>,
    _user: AuthUser,
    Json(req): Json<PhotoCheck>,
) -> Result<axum::Json<PhotoMissing>, AppError> {
    if req.hashes.len() > MAX_PHOTO_CHECK {
        return Err(AppError::PayloadTooLarge(format!(
            "一次最多查询 {MAX_PHOTO_CHECK} 张照片，请分批查询。"
        )));
    }
    for sha in &req.hashes {
        check_hash(sha)?;
    }
    let mut unique: Vec<String> = Vec::with_capacity(req.hashes.len());
    for sha in req.hashes {
        if !unique.contains(&sha) {
            unique.push(sha);
        }
    }
    // Several lookups in flight: on S3 each is a round trip. Owned values: the handler's
    // future must be `Send` for any lifetime.
    let found: Vec<Result<bool, AppError>> = stream::iter(unique.clone())
        .map(|sha| {
            let store = state.photos.clone();
            async move { Ok(store.size_of(&sha).await?.is_some()) }
        })
        .buffered(CHECK_CONCURRENCY)
        .collect()
        .await;
    let mut missing = Vec::new();
    for (sha, present) in unique.into_iter().zip(found) {
        if !present? {
            missing.push(sha);
        }
    }
    Ok(axum::Json(PhotoMissing { missing }))
}

pub async fn photo_put(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let sha = hash_param(path)?;
    let declared = photos::declared_kind(headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()))?;
    if let Some(receipt) = already_stored(&state, &sha, declared).await? {
        return Ok((StatusCode::OK, axum::Json(receipt)).into_response());
    }
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_PHOTO_BYTES) {
        return Err(photos::too_big(MAX_PHOTO_BYTES));
    }
    photos::check_orphan_limit(
        &state.db,
        &user.info.username,
        &sha,
        state.config.max_orphan_photos,
        &mut None,
    )
    .await?;
    let stored = photos::receive(
        &state.photos,
        &user.info.username,
        &sha,
        body,
        MAX_PHOTO_BYTES,
        declared,
    )
    .await?;
    let (status, receipt) = log_upload(&state, &user, sha, stored).await?;
    Ok((status, axum::Json(receipt)).into_response())
}

/// The receipt for a photo the server holds already. Content-addressed: the same name is the
/// same bytes, so these are the bytes sent. Still verified: a file stored before the structure
/// check existed gets no receipt.
pub(super) async fn already_stored(
    state: &AppState,
    sha: &str,
    declared: Option<ImageKind>,
) -> Result<Option<PhotoReceipt>, AppError> {
    let Some(stored) = state.photos.read_all(sha).await? else {
        return Ok(None);
    };
    let info = photos::verify(&stored, declared)?;
    Ok(Some(PhotoReceipt {
        sha256: sha.to_owned(),
        bytes: stored.len() as u64,
        content_type: info.kind.mime().to_owned(),
        already_stored: true,
    }))
}

/// Logs a photo just stored (its upload row and audit line, committed with those of the uploads
/// arriving meanwhile) and gives its answer: 201 stored anew, 200 when another upload of the
/// same bytes (on this server or another) won the race.
pub(super) async fn log_upload(
    state: &AppState,
    user: &AuthUser,
    sha: String,
    stored: photos::Stored,
) -> Result<(StatusCode, PhotoReceipt), AppError> {
    let upload = Upload {
        sha256: sha.clone(),
        username: user.info.username.clone(),
        device_id: user.device_id.clone(),
        detail: serde_json::json!({
            "sha256": sha,
            "bytes": stored.bytes,
            "content_type": stored.info.kind.mime(),
            "width": stored.info.width,
            "height": stored.info.height,
        }),
    };
    state.upload_log.record(&state.db, upload).await?;
    let receipt = PhotoReceipt {
        sha256: sha,
        bytes: stored.bytes,
        content_type: stored.info.kind.mime().to_owned(),
        already_stored: !stored.created,
    };
    let status = if stored.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, receipt))
}

pub async fn photo_get(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let sha = hash_param(path)?;
    let not_found = || AppError::NotFound("服务器上没有这张照片，它可能尚未上传。".to_owned());
    // A photo belongs to the records that use it. Telling "out of scope" (403) from "missing"
    // (404) reveals only that a hash is in use, and a SHA-256 of a photo cannot be guessed.
    let scopes = records::photo_scopes(&state.db, &sha).await?;
    if scopes.is_empty() {
        return Err(not_found());
    }
    if !scopes.iter().any(|s| may_see(&user.role, s)) {
        return Err(AppError::Forbidden(
            "无权查看这张照片：它所属的记录不在本账号的管辖范围内。".to_owned(),
        ));
    }
    let etag = format!("\"{sha}\"");
    let mut res_headers = HeaderMap::new();
    res_headers.insert(CACHE_CONTROL, HeaderValue::from_static(PHOTO_CACHE));
    res_headers.insert(
        ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
    if headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, res_headers).into_response());
    }
    let Some((len, mut bytes)) = state.photos.read(&sha).await? else {
        return Err(not_found());
    };
    // The type from the first chunk, which is then sent on with the rest.
    let first = match bytes.next().await {
        Some(chunk) => chunk?,
        None => Default::default(),
    };
    let content_type = sniff(&first).unwrap_or("application/octet-stream");
    res_headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res_headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    let body = Body::from_stream(stream::once(async move { Ok(first) }).chain(bytes));
    Ok((StatusCode::OK, res_headers, body).into_response())
}
