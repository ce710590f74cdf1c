//! The `photos` store: evidence photos and signatures, content-addressed by SHA-256.
//!
//! A row is `{sha256, meta, blob}`: `meta` is the JSON-compatible form of [`PhotoMeta`] (indexed
//! through `meta.hazard_id` etc.), `blob` is the JPEG itself, kept as a real Blob by IndexedDB's
//! structured clone — never base64 or an array of numbers, which would triple its size and cost a
//! copy on every read.

use js_sys::{Object, Reflect, Uint8Array};
use model::record::Record;
use rexie::{KeyRange, Rexie, TransactionMode};
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::error::{finish, StoreError, StoreResult};
use super::records::{from_js, row, to_js};
use super::schema::{PHOTOS, RECORDS};
use super::unreadable::{self, Unreadable};
use crate::photo::{is_sha256_hex, PhotoMeta, UploadState};

fn set(obj: &Object, key: &str, value: &JsValue) -> StoreResult<()> {
    Reflect::set(obj, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|e| StoreError::Io(crate::photo::js_error_text(&e)))
}

/// Builds a stored row. The key must be a SHA-256: a photo stored under anything else could not
/// be verified by the server or deduplicated, so that is refused here, inside the transaction.
fn photo_row(meta: &PhotoMeta, blob: &Blob) -> StoreResult<JsValue> {
    if !is_sha256_hex(&meta.sha256) {
        return Err(StoreError::Corrupt(format!(
            "照片键“{}”不是 SHA-256 指纹",
            meta.sha256
        )));
    }
    let obj = Object::new();
    set(&obj, "sha256", &JsValue::from_str(&meta.sha256))?;
    set(&obj, "meta", &to_js(meta)?)?;
    set(&obj, "blob", blob)?;
    Ok(obj.into())
}

fn split_row(value: JsValue) -> StoreResult<(PhotoMeta, Blob)> {
    let get = |k: &str| Reflect::get(&value, &JsValue::from_str(k)).unwrap_or_default();
    let read = || {
        let meta: PhotoMeta = from_js(get("meta"))?;
        let blob = get("blob")
            .dyn_into::<Blob>()
            .map_err(|_| StoreError::Corrupt(format!("照片 {} 缺少图片数据", meta.sha256)))?;
        Ok((meta, blob))
    };
    // Whether this photo can be read is remembered app-wide (see `unreadable`).
    let key = unreadable::text_of(&get("sha256"));
    match read() {
        Ok(photo) => {
            unreadable::readable(unreadable::PHOTO, &key);
            Ok(photo)
        }
        Err(e) => {
            unreadable::note(Unreadable {
                id: key,
                kind: unreadable::PHOTO.into(),
                error: match &e {
                    StoreError::Corrupt(m) => m.clone(),
                    other => other.to_string(),
                },
                body: unreadable::text_of(&get("meta")),
                dirty: false,
                updated_at: 0,
            });
            Err(e)
        }
    }
}

/// The photos among `values` that can be read; the others are skipped (and registered by
/// `split_row`), so one bad row never fails a whole list.
fn readable_rows(values: Vec<JsValue>) -> Vec<(PhotoMeta, Blob)> {
    values
        .into_iter()
        .filter_map(|v| split_row(v).ok())
        .collect()
}

/// Stores one photo. Putting the same photo twice is harmless (same key, same bytes).
pub async fn put_photo(db: &Rexie, meta: &PhotoMeta, blob: &Blob) -> StoreResult<()> {
    put_photos(db, std::slice::from_ref(&(meta.clone(), blob.clone()))).await
}

/// Stores several photos in one transaction: all or none.
pub async fn put_photos(db: &Rexie, photos: &[(PhotoMeta, Blob)]) -> StoreResult<()> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadWrite)?;
    let result = async {
        let store = tx.store(PHOTOS)?;
        for (meta, blob) in photos {
            store.put(&photo_row(meta, blob)?, None).await?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await
}

/// Writes a record AND its photos in ONE transaction (issue 3: one transaction per user action, a
/// hazard and its photos together): after a crash either both are there or neither is, so no
/// hazard points at a missing photo and no orphan photo fills the phone.
pub async fn put_record_with_photos<T: Record + Serialize>(
    db: &Rexie,
    record: &T,
    photos: &[(PhotoMeta, Blob)],
) -> StoreResult<()> {
    let tx = db.transaction(&[RECORDS, PHOTOS], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(RECORDS)?.put(&row(record)?, None).await?;
        let store = tx.store(PHOTOS)?;
        for (meta, blob) in photos {
            store.put(&photo_row(meta, blob)?, None).await?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await
}

/// One photo with its metadata, or `None` if no photo has that hash.
pub async fn get_photo(db: &Rexie, sha256: &str) -> StoreResult<Option<(PhotoMeta, Blob)>> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
    let value = tx.store(PHOTOS)?.get(JsValue::from_str(sha256)).await?;
    tx.done().await?;
    value.map(split_row).transpose()
}

async fn list_by(db: &Rexie, index: &str, key: &str) -> StoreResult<Vec<(PhotoMeta, Blob)>> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
    let range = KeyRange::only(&JsValue::from_str(key)).map_err(rexie::Error::from)?;
    let values = tx
        .store(PHOTOS)?
        .index(index)?
        .get_all(Some(range), None)
        .await?;
    tx.done().await?;
    let mut photos = readable_rows(values);
    // Capture order is how the inspector took them and how 附件5 shows them.
    photos.sort_by(|(a, _), (b, _)| {
        (a.taken_at, a.created_at, &a.sha256).cmp(&(b.taken_at, b.created_at, &b.sha256))
    });
    Ok(photos)
}

/// A hazard's photos in capture order (Blobs are handles; the bytes are read only when shown).
pub async fn list_for_hazard(db: &Rexie, hazard_id: &str) -> StoreResult<Vec<(PhotoMeta, Blob)>> {
    list_by(db, "hazard_id", hazard_id).await
}

/// An inspection's photos and signatures (rows with `inspection_id` set) in capture order.
pub async fn list_for_inspection(
    db: &Rexie,
    inspection_id: &str,
) -> StoreResult<Vec<(PhotoMeta, Blob)>> {
    list_by(db, "inspection_id", inspection_id).await
}

/// Removes a photo (the UI confirms first). Deleting a missing photo is not an error.
pub async fn delete_photo(db: &Rexie, sha256: &str) -> StoreResult<()> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(PHOTOS)?.delete(JsValue::from_str(sha256)).await?;
        Ok(())
    }
    .await;
    finish(tx, result).await
}

/// The stored bytes of a photo Blob (for upload, export or verification). Reading can fail when
/// the browser lost the file behind the Blob (seen on iOS), which is reported, not hidden.
pub async fn photo_bytes(blob: &Blob) -> StoreResult<Vec<u8>> {
    let buf = JsFuture::from(blob.array_buffer()).await.map_err(|e| {
        StoreError::Io(format!(
            "读取照片数据失败：{}",
            crate::photo::js_error_text(&e)
        ))
    })?;
    Ok(Uint8Array::new(&buf).to_vec())
}

fn state_key(state: UploadState) -> &'static str {
    match state {
        UploadState::Local => "local",
        UploadState::Uploading => "uploading",
        UploadState::Uploaded => "uploaded",
    }
}

/// Metadata of the photos in one upload state (the sync queue), without reading their bytes.
pub async fn list_by_upload_state(db: &Rexie, state: UploadState) -> StoreResult<Vec<PhotoMeta>> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
    let range = KeyRange::only(&JsValue::from_str(state_key(state))).map_err(rexie::Error::from)?;
    let values = tx
        .store(PHOTOS)?
        .index("upload_state")?
        .get_all(Some(range), None)
        .await?;
    tx.done().await?;
    Ok(readable_rows(values).into_iter().map(|(m, _)| m).collect())
}

pub async fn count_by_upload_state(db: &Rexie, state: UploadState) -> StoreResult<u32> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
    let range = KeyRange::only(&JsValue::from_str(state_key(state))).map_err(rexie::Error::from)?;
    let n = tx
        .store(PHOTOS)?
        .index("upload_state")?
        .count(Some(range))
        .await?;
    tx.done().await?;
    Ok(n)
}

/// Records a photo's upload progress (本机 / 上传中 / 已上传), read and written in one transaction.
pub async fn set_upload_state(db: &Rexie, sha256: &str, state: UploadState) -> StoreResult<()> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadWrite)?;
    let result = async {
        let store = tx.store(PHOTOS)?;
        if let Some(v) = store.get(JsValue::from_str(sha256)).await? {
            let (mut meta, blob) = split_row(v)?;
            meta.upload_state = state;
            store.put(&photo_row(&meta, &blob)?, None).await?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await
}
