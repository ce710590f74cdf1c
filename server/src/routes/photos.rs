//! `POST /api/photos/check`, `PUT /api/photos/{sha256}`, `GET /api/photos/{sha256}`.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use model::sync::{
    may_see, PhotoCheck, PhotoMissing, PhotoReceipt, MAX_PHOTO_BYTES, MAX_PHOTO_CHECK,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::auth::{self, AuthUser};
use crate::error::AppError;
use crate::extract::Json;
use crate::photos::{self, check_hash, path_of, sniff};
use crate::records;
use crate::AppState;

const PHOTO_CACHE: &str = "private, max-age=31536000, immutable";

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
    let dir = state.config.photos_dir();
    let mut missing = Vec::new();
    for sha in &req.hashes {
        check_hash(sha)?;
        if !tokio::fs::try_exists(path_of(&dir, sha)).await? && !missing.contains(sha) {
            missing.push(sha.clone());
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
    let dir = state.config.photos_dir();
    let target = path_of(&dir, &sha);
    if let Ok(meta) = tokio::fs::metadata(&target).await {
        // Content-addressed: the same name is the same bytes, so these are the bytes sent.
        // Still verified: a file stored before the structure check existed gets no receipt.
        let info = photos::verify_file(&target, declared).await?;
        let receipt = PhotoReceipt {
            sha256: sha,
            bytes: meta.len(),
            content_type: info.kind.mime().to_owned(),
            already_stored: true,
        };
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
    )
    .await?;
    let stored = photos::store(&dir, &sha, body, MAX_PHOTO_BYTES, declared).await?;
    photos::record_upload(&state.db, &sha, &user.info.username).await?;
    auth::audit(
        &state.db,
        &user.info.username,
        &user.device_id,
        "photo",
        serde_json::json!({
            "sha256": sha,
            "bytes": stored.bytes,
            "content_type": stored.info.kind.mime(),
            "width": stored.info.width,
            "height": stored.info.height,
        }),
    )
    .await?;
    let receipt = PhotoReceipt {
        sha256: sha,
        bytes: stored.bytes,
        content_type: stored.info.kind.mime().to_owned(),
        already_stored: false,
    };
    Ok((StatusCode::CREATED, axum::Json(receipt)).into_response())
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
    let target = path_of(&state.config.photos_dir(), &sha);
    let mut file = match tokio::fs::File::open(&target).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
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
    let mut head = [0u8; 12];
    let n = file.read(&mut head).await?;
    let content_type = sniff(&head[..n]).unwrap_or("application/octet-stream");
    file.seek(std::io::SeekFrom::Start(0)).await?;
    let len = file.metadata().await?.len();
    res_headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    res_headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((StatusCode::OK, res_headers, body).into_response())
}
