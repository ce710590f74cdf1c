//! Photos: content addressed by SHA-256, kept in a [`PhotoStore`] (local directory, S3 or
//! memory, see [`store`]).
//!
//! An upload is read into memory while its SHA-256 and size are computed; only a body that is
//! complete, within the size limit, hashes to the name it was sent under, is a well-formed JPEG
//! or PNG (`model::image_check`) and agrees with its `Content-Type` is published to the store,
//! create-only and durably. Publishing is atomic on every backend, so a reader sees the whole
//! photo or none, and a cut connection leaves nothing behind (nothing is written before the
//! photo is verified; a spool file is removed whatever ends its publish).
//!
//! **Orphans.** A photo no record references (`photo_refs`) is an orphan. Each upload is
//! recorded in `photo_uploads` (who, when), an account may hold at most
//! `Config::max_orphan_photos` orphans (then 429 until it syncs the records that use them),
//! and [`clean_orphans`] deletes orphans older than `Config::orphan_photo_days`. A photo that
//! any record references, a tombstone included, is never deleted.

pub mod migrate;
pub mod store;
pub mod upload_log;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes, HttpBody};
use futures_util::StreamExt;
use model::image_check::{check_image, ImageError, ImageInfo, ImageKind};
use model::validation::is_sha256_hex;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::auth::now_ms;
use crate::db::Db;
use crate::error::AppError;
use crate::with_pool;

pub use store::{PhotoLocation, PhotoStore};

/// An image type, told by its first bytes (for serving a stored photo; uploads are checked
/// in full by [`verify`]).
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A 400 unless `s` is a lower-case hex SHA-256.
pub fn check_hash(s: &str) -> Result<(), AppError> {
    if is_sha256_hex(s) {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "照片编号应为 64 位小写十六进制的 SHA-256 值，请更新应用后重试。".to_owned(),
        ))
    }
}

/// What an upload stored.
#[derive(Debug)]
pub struct Stored {
    pub bytes: u64,
    pub info: ImageInfo,
    /// False when the same bytes were stored by another upload meanwhile.
    pub created: bool,
}

/// What the request's `Content-Type` says the photo is: `Ok(None)` when it says nothing
/// (missing, or the generic `application/octet-stream`), then the bytes alone decide.
pub fn declared_kind(content_type: Option<&str>) -> Result<Option<ImageKind>, AppError> {
    let Some(ct) = content_type.map(str::trim).filter(|ct| !ct.is_empty()) else {
        return Ok(None);
    };
    if let Some(kind) = ImageKind::from_mime(ct) {
        return Ok(Some(kind));
    }
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/octet-stream") {
        return Ok(None);
    }
    Err(AppError::UnsupportedMediaType(format!(
        "不支持的照片类型“{essence}”：只接受 JPEG 照片（image/jpeg）和 PNG 签名图片（image/png）。\
         请保留本机照片，更新应用后重新同步。"
    )))
}

/// The structure check of a complete photo, and its agreement with the declared type:
/// 415 for a type we do not take or a type that is not what was declared, 422 for a damaged
/// or cut-off file.
pub fn verify(bytes: &[u8], declared: Option<ImageKind>) -> Result<ImageInfo, AppError> {
    let info = check_image(bytes).map_err(|e| match e {
        ImageError::Unsupported => AppError::UnsupportedMediaType(e.to_string()),
        _ => AppError::Unprocessable(e.to_string()),
    })?;
    match declared {
        Some(kind) if kind != info.kind => Err(AppError::UnsupportedMediaType(format!(
            "照片声明为 {kind}（{}），内容却是 {}，服务器未保存。请保留本机照片，更新应用后重新同步。",
            kind.mime(),
            info.kind
        ))),
        _ => Ok(info),
    }
}

/// Bytes of photo uploads the server holds in memory at once (see [`receive`]): 256 MiB, more
/// than 100 uploads of a 2 MB photo; the app sends at most 4 at a time per device.
pub const UPLOAD_MEMORY: u32 = 256 * 1024 * 1024;

/// What one account's uploads may hold of it: a quarter, so that one account's many slow
/// uploads leave the rest to everyone else (still 30 photos of 2 MB at once per account).
pub const ACCOUNT_UPLOAD_MEMORY: u32 = UPLOAD_MEMORY / 4;

const _: () = assert!(model::sync::MAX_PHOTO_BYTES <= ACCOUNT_UPLOAD_MEMORY as u64);

static UPLOAD_BUDGET: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(UPLOAD_MEMORY as usize));

/// Each account's share, made on its first upload (one small entry per account that uploads).
static ACCOUNT_BUDGETS: LazyLock<Mutex<HashMap<String, Arc<Semaphore>>>> =
    LazyLock::new(Mutex::default);

fn account_budget(username: &str) -> Arc<Semaphore> {
    let mut budgets = ACCOUNT_BUDGETS.lock().unwrap_or_else(|e| e.into_inner());
    budgets
        .entry(username.to_owned())
        .or_insert_with(|| Arc::new(Semaphore::new(ACCOUNT_UPLOAD_MEMORY as usize)))
        .clone()
}

/// Memory reserved for an upload's bytes while the server holds them (see [`read_body`]);
/// released when dropped.
pub struct Reserved {
    _own: tokio::sync::OwnedSemaphorePermit,
    _all: tokio::sync::SemaphorePermit<'static>,
}

/// Reads `body` into memory, at most `max` bytes, after reserving what it announces (or `max`)
/// from the upload memory of all accounts and of `uploader`.
///
/// The structure check reads a whole photo anyway (a cut-off JPEG starts like a good one), so
/// streaming it to a spool file first only added a hand-off to the blocking pool per body chunk
/// and a read back. What all uploads hold at once is bounded by [`UPLOAD_MEMORY`], and what one
/// account's uploads hold by [`ACCOUNT_UPLOAD_MEMORY`]: many slow uploads from one account wait
/// for their turn instead of exhausting the server's memory or the other accounts' share.
pub async fn read_body(
    uploader: &str,
    body: Body,
    max: u64,
) -> Result<(Vec<u8>, Reserved), AppError> {
    // HTTP framing ends the body at its Content-Length, so it never holds more than announced.
    let expected = HttpBody::size_hint(&body).exact().unwrap_or(max).min(max);
    let permits = u32::try_from(expected).unwrap_or(u32::MAX);
    let budget_error =
        |e: tokio::sync::AcquireError| AppError::Internal(format!("upload budget: {e}"));
    // The account's share first: an account over it waits without taking from the others.
    let own = account_budget(uploader)
        .acquire_many_owned(permits)
        .await
        .map_err(budget_error)?;
    let all = UPLOAD_BUDGET
        .acquire_many(permits)
        .await
        .map_err(budget_error)?;
    let mut data: Vec<u8> = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "photo upload cut off");
            AppError::BadRequest("照片上传中断，请重试。".to_owned())
        })?;
        if (data.len() + chunk.len()) as u64 > max {
            return Err(too_big(max));
        }
        data.extend_from_slice(&chunk);
    }
    Ok((
        data,
        Reserved {
            _own: own,
            _all: all,
        },
    ))
}

/// Verifies a photo's complete bytes (its SHA-256 is `sha256`, a well-formed JPEG or PNG that
/// agrees with the declared type) and publishes them to `store`; returns once they are
/// durable. Nothing touches the store before the photo is verified.
pub async fn accept(
    store: &PhotoStore,
    sha256: &str,
    data: Bytes,
    declared: Option<ImageKind>,
) -> Result<Stored, AppError> {
    if hex::encode(Sha256::digest(&data)) != sha256 {
        return Err(AppError::Unprocessable(
            "照片内容与编号（SHA-256）不符，可能在传输中损坏，请重新上传。".to_owned(),
        ));
    }
    let info = verify(&data, declared)?;
    let bytes = data.len() as u64;
    // The receipt tells the phone it may stop caring about this photo: `publish` returns
    // only once the photo is durable.
    let created = store.publish(sha256, data).await?;
    Ok(Stored {
        bytes,
        info,
        created,
    })
}

/// Reads one photo's `body` ([`read_body`]) and [`accept`]s it. `Stored::created` is false when
/// another upload stored the same bytes meanwhile.
pub async fn receive(
    store: &PhotoStore,
    uploader: &str,
    sha256: &str,
    body: Body,
    max: u64,
    declared: Option<ImageKind>,
) -> Result<Stored, AppError> {
    let (data, _reserved) = read_body(uploader, body, max).await?;
    accept(store, sha256, data.into(), declared).await
}

/// How many records refer to the photo (0: it is an orphan).
async fn reference_count(db: &Db, sha256: &str) -> Result<i64, AppError> {
    let sql = "SELECT COUNT(*) FROM photo_refs WHERE sha256 = $1";
    Ok(with_pool!(db, pool => sqlx::query_scalar(sql).bind(sha256).fetch_one(pool).await)?)
}

/// Photos `username` uploaded that no record references.
pub async fn orphans_of(db: &Db, username: &str) -> Result<i64, AppError> {
    let sql = "SELECT COUNT(*) FROM photo_uploads u WHERE u.username = $1 \
               AND NOT EXISTS (SELECT 1 FROM photo_refs r WHERE r.sha256 = u.sha256)";
    Ok(with_pool!(db, pool => sqlx::query_scalar(sql).bind(username).fetch_one(pool).await)?)
}

/// A 429 when storing `sha256` would give `username` more than `limit` orphans. A photo a
/// record already uses (the app pushes records before their photos) never counts. `counted`
/// carries the count over the photos of one request: `None` at its first photo (the count is
/// read then), and each photo let through as an orphan adds one, so a batch cannot slip past
/// the limit with the photos it brings itself.
pub async fn check_orphan_limit(
    db: &Db,
    username: &str,
    sha256: &str,
    limit: u32,
    counted: &mut Option<i64>,
) -> Result<(), AppError> {
    if reference_count(db, sha256).await? > 0 {
        return Ok(());
    }
    let orphans = match *counted {
        Some(n) => n,
        None => orphans_of(db, username).await?,
    };
    if orphans >= i64::from(limit) {
        return Err(AppError::TooManyRequests(format!(
            "本账号已上传 {orphans} 张尚无记录引用的照片（上限 {limit} 张），暂不能再上传。\
             请先同步引用这些照片的记录（在“同步”页处理需要处理的记录后点“立即同步”），照片会随后上传；\
             本机照片会保留。"
        )));
    }
    *counted = Some(orphans + 1);
    Ok(())
}

/// Who stored a photo and when; the first upload of the bytes counts.
pub(crate) const RECORD_UPLOAD: &str =
    "INSERT INTO photo_uploads (sha256, username, uploaded_at) VALUES ($1, $2, $3) \
     ON CONFLICT (sha256) DO NOTHING";

/// What [`clean_orphans`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cleaned {
    pub photos: u64,
    pub bytes: u64,
}

/// Deletes the photos no record references that were stored longer than `max_age` ago (by
/// `photo_uploads`, or the object's time for photos stored before uploads were recorded), their
/// upload rows, and spool files a crash left behind. Referenced photos are never touched: each
/// one is looked up again right before it is deleted. Several servers on one store may run it
/// at once: a photo deleted by another is simply gone.
pub async fn clean_orphans(
    db: &Db,
    store: &PhotoStore,
    max_age: Duration,
) -> Result<Cleaned, AppError> {
    let cutoff_ms = now_ms().saturating_sub(i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX));
    let referenced: HashSet<String> = {
        let sql = "SELECT DISTINCT sha256 FROM photo_refs";
        let rows: Vec<String> =
            with_pool!(db, pool => sqlx::query_scalar(sql).fetch_all(pool).await)?;
        rows.into_iter().collect()
    };
    let mut uploads: HashMap<String, i64> = {
        let sql = "SELECT u.sha256, u.uploaded_at FROM photo_uploads u \
                   WHERE NOT EXISTS (SELECT 1 FROM photo_refs r WHERE r.sha256 = u.sha256)";
        let rows: Vec<(String, i64)> =
            with_pool!(db, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
        rows.into_iter().collect()
    };
    // Left by a crash mid-upload (a dropped upload removes its own). Never younger than a
    // day, so a running upload keeps its file.
    clean_spool(
        store.spool_dir(),
        max_age.max(Duration::from_secs(24 * 3600)),
    )
    .await?;
    let mut cleaned = Cleaned::default();
    let mut listing = store.list();
    while let Some(item) = listing.next().await {
        let photo = item?;
        if referenced.contains(&photo.sha256) {
            continue;
        }
        let old = match uploads.remove(&photo.sha256) {
            Some(at) => at < cutoff_ms,
            None => photo.modified_ms < cutoff_ms,
        };
        if old && delete_if_unreferenced(db, store, &photo.sha256).await? {
            cleaned.photos += 1;
            cleaned.bytes += photo.bytes;
        }
    }
    // Rows whose photo is gone (removed by hand): they would count against the account forever.
    for (sha, at) in uploads {
        if at < cutoff_ms && reference_count(db, &sha).await? == 0 {
            forget_upload(db, &sha).await?;
        }
    }
    Ok(cleaned)
}

async fn clean_spool(dir: &Path, older_than: Duration) -> Result<(), AppError> {
    let now = SystemTime::now();
    let mut temps = match tokio::fs::read_dir(dir).await {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    while let Some(t) = temps.next_entry().await? {
        let meta = t.metadata().await?;
        let age = now.duration_since(meta.modified()?).unwrap_or_default();
        if meta.is_file() && age > older_than {
            remove(&t.path()).await?;
        }
    }
    Ok(())
}

/// Takes the write lock every record write takes first (the `change_seq` row; on SQLite the
/// database's write lock) without using a number: while it is held no push, on this server or
/// another, can commit a new reference.
const HOLD_WRITES: &str = "UPDATE change_seq SET value = value WHERE id = 1";

/// Deletes an orphan only if no record refers to it, checked and deleted under the write lock,
/// so a push committing a reference meanwhile (through any server) cannot lose it: it either
/// commits first (the photo is kept) or waits until the deletion is done. What remains is a
/// record pushed later that names a photo deleted after `orphan_photo_days` as an orphan
/// (docs/scale-out.md, known limits).
async fn delete_if_unreferenced(
    db: &Db,
    store: &PhotoStore,
    sha256: &str,
) -> Result<bool, AppError> {
    let deleted = with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        sqlx::query(HOLD_WRITES).execute(&mut *tx).await?;
        let refs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM photo_refs WHERE sha256 = $1")
            .bind(sha256)
            .fetch_one(&mut *tx)
            .await?;
        if refs > 0 {
            tx.rollback().await?;
            false
        } else {
            // The object goes first: if this fails, the row stays and the next run retries.
            store.delete(sha256).await?;
            sqlx::query("DELETE FROM photo_uploads WHERE sha256 = $1")
                .bind(sha256)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            true
        }
    });
    Ok(deleted)
}

async fn forget_upload(db: &Db, sha256: &str) -> Result<(), AppError> {
    let sql = "DELETE FROM photo_uploads WHERE sha256 = $1";
    with_pool!(db, pool => sqlx::query(sql).bind(sha256).execute(pool).await.map(|_| ()))?;
    Ok(())
}

async fn remove(path: &Path) -> Result<(), AppError> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}

/// Runs [`clean_orphans`] now and then every `every` for as long as the server runs.
pub fn spawn_orphan_cleanup(
    db: Db,
    store: PhotoStore,
    max_age: Duration,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match clean_orphans(&db, &store, max_age).await {
                Ok(c) if c.photos > 0 => {
                    tracing::info!(photos = c.photos, bytes = c.bytes, "deleted orphan photos")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "orphan photo cleanup failed"),
            }
        }
    })
}

pub fn too_big(max: u64) -> AppError {
    AppError::PayloadTooLarge(format!(
        "照片过大（上限 {} MB），请在应用中压缩后重试。",
        max / (1024 * 1024)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_are_told_by_magic_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
    }
}
