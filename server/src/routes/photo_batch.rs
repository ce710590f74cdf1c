//! `POST /api/photos/batch`: several photos in one request (framing and limits in
//! `model::photo_batch`). Each photo gets the answer its own `PUT /api/photos/{sha256}` would
//! have had — stored, already there, or refused alone (damaged, wrong type, orphan limit) —
//! and only a body that is malformed or cut off as a whole is refused whole, with nothing
//! stored.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::HeaderMap;
use futures_util::future::join_all;
use model::image_check::ImageKind;
use model::photo_batch::{
    self, BatchAnswer, BatchError, BatchResult, BATCH_CONTENT_TYPE, MAX_BATCH_BYTES,
    MAX_MANIFEST_BYTES,
};

use super::photos::{already_stored, log_upload};
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::photos;
use crate::AppState;

/// The largest body a batch may have: its photos and the manifest line.
const MAX_BODY: u64 = MAX_BATCH_BYTES + MAX_MANIFEST_BYTES as u64;

pub async fn photo_batch_post(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    body: Body,
) -> Result<axum::Json<BatchResult>, AppError> {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if content_type.map(|ct| ct.split(';').next().unwrap_or("").trim()) != Some(BATCH_CONTENT_TYPE)
    {
        return Err(AppError::UnsupportedMediaType(format!(
            "照片批次的类型应为 {BATCH_CONTENT_TYPE}，请更新应用后重新同步。"
        )));
    }
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY) {
        return Err(batch_error(BatchError::TooBig));
    }
    let (data, _reserved) = photos::read_body(&user.info.username, body, MAX_BODY).await?;
    let (manifest, ranges) = photo_batch::split(&data).map_err(batch_error)?;
    // Each photo a view of the body read, not a copy: the memory reserved covers it once.
    let data = Bytes::from(data);

    // One photo after the other: its type, whether the server has it, and the orphan limit,
    // which counts the photos this batch adds.
    let mut answers: Vec<Option<BatchAnswer>> = vec![None; ranges.len()];
    let mut to_store: Vec<(usize, Option<ImageKind>)> = Vec::new();
    let mut orphans: Option<i64> = None;
    for (i, photo) in manifest.photos.iter().enumerate() {
        let sha = &photo.sha256;
        let checked: Result<Option<Option<ImageKind>>, AppError> = async {
            let declared = photos::declared_kind(Some(&photo.content_type))?;
            if already_stored(&state, sha, declared).await?.is_some() {
                return Ok(None);
            }
            photos::check_orphan_limit(
                &state.db,
                &user.info.username,
                sha,
                state.config.max_orphan_photos,
                &mut orphans,
            )
            .await?;
            Ok(Some(declared))
        }
        .await;
        match checked {
            Ok(Some(declared)) => to_store.push((i, declared)),
            Ok(None) => answers[i] = Some(answer(sha, Ok(200))),
            Err(e) => answers[i] = Some(answer(sha, Err(e))),
        }
    }

    // The photos to store, all at once: each waits for its own durable write, and their upload
    // rows go into the same commit.
    let stored = join_all(to_store.into_iter().map(|(i, declared)| {
        let (state, user) = (&state, &user);
        let sha = manifest.photos[i].sha256.clone();
        let bytes = data.slice(ranges[i].clone());
        async move {
            let result = async {
                let stored = photos::accept(&state.photos, &sha, bytes, declared).await?;
                let (status, _) = log_upload(state, user, sha.clone(), stored).await?;
                Ok(status.as_u16())
            }
            .await;
            (i, answer(&sha, result))
        }
    }))
    .await;
    for (i, a) in stored {
        answers[i] = Some(a);
    }
    Ok(axum::Json(BatchResult {
        photos: answers.into_iter().flatten().collect(),
    }))
}

/// One photo's answer: its status, and for a refusal the code and message its own PUT would
/// have carried.
fn answer(sha: &str, result: Result<u16, AppError>) -> BatchAnswer {
    match result {
        Ok(status) => BatchAnswer {
            sha256: sha.to_owned(),
            status,
            code: None,
            message: None,
        },
        Err(e) => BatchAnswer {
            sha256: sha.to_owned(),
            status: e.status().as_u16(),
            code: Some(e.code().to_owned()),
            message: Some(e.public_message()),
        },
    }
}

fn batch_error(e: BatchError) -> AppError {
    tracing::info!(error = ?e, "photo batch refused");
    match e {
        BatchError::TooBig | BatchError::TooMany => AppError::PayloadTooLarge(e.to_string()),
        _ => AppError::BadRequest(e.to_string()),
    }
}
