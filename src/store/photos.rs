//! The `photos` store: evidence photos and signatures, content-addressed by SHA-256.
//!
//! A row is `{sha256, meta, blob}`: `meta` is the JSON-compatible form of [`PhotoMeta`] (indexed
//! through `meta.hazard_id` etc.), `blob` is the JPEG itself, kept as a real Blob by IndexedDB's
//! structured clone — never base64 or an array of numbers, which would triple its size and cost a
//! copy on every read.
//!
//! Upload progress (本机 / 上传中 / 已上传) lives in the small `photo_state` store (schema v4),
//! `{sha256, state, bytes}`, never in the blob's row: a 300-photo sync changes each photo's state
//! twice, and putting the row again would rewrite its JPEG each time. Rows stored before v4 carry
//! `meta.upload_state` and no state row; the rule for them — a photo without a state row is in its
//! meta's state — is applied only here ([`upload_state`], [`list_by_upload_state`],
//! [`count_by_upload_state`]), and its first state change gives it a state row.

use js_sys::{Object, Reflect, Uint8Array};
use model::record::Record;
use rexie::{KeyRange, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

use super::error::{finish, StoreError, StoreResult};
use super::records::{from_js, row, to_js};
use super::schema::{PHOTOS, PHOTO_STATE, RECORDS};
use super::unreadable::{self, Unreadable};
use crate::photo::{is_sha256_hex, PhotoMeta, UploadState};

fn set(obj: &Object, key: &str, value: &JsValue) -> StoreResult<()> {
    Reflect::set(obj, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|e| StoreError::Io(crate::photo::js_error_text(&e)))
}

/// A photo's upload progress as the `photo_state` store keeps it. `bytes` is the photo's size,
/// so the sync page's "N 张（x MB）" is computed without reading any photo row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoState {
    pub sha256: String,
    pub state: UploadState,
    pub bytes: u32,
}

/// Whether `db` has the `photo_state` store. A database opened through [`super::open`] always
/// has it; a handle on an older schema (the upgrade tests write v1/v3 data with these functions)
/// does not, and there a photo's state stays in its meta, which is exactly the rule the readers
/// apply to rows without a state row.
fn has_state_store(db: &Rexie) -> bool {
    db.store_names().iter().any(|n| n == PHOTO_STATE)
}

/// Builds a stored row. The key must be a SHA-256: a photo stored under anything else could not
/// be verified by the server or deduplicated, so that is refused here, inside the transaction.
/// With a state store the meta is stored without `upload_state`: the state row is the only
/// copy, so a stale one can neither be read back nor match the v2 `upload_state` index.
fn photo_row(meta: &PhotoMeta, blob: &Blob, with_state: bool) -> StoreResult<JsValue> {
    if !is_sha256_hex(&meta.sha256) {
        return Err(StoreError::Corrupt(format!(
            "照片键“{}”不是 SHA-256 指纹",
            meta.sha256
        )));
    }
    let obj = Object::new();
    set(&obj, "sha256", &JsValue::from_str(&meta.sha256))?;
    let meta_js = to_js(meta)?;
    if with_state {
        Reflect::delete_property(
            meta_js.unchecked_ref::<Object>(),
            &JsValue::from_str("upload_state"),
        )
        .map_err(|e| StoreError::Io(crate::photo::js_error_text(&e)))?;
    }
    set(&obj, "meta", &meta_js)?;
    set(&obj, "blob", blob)?;
    Ok(obj.into())
}

/// One field of a photo row's meta, read without decoding the rest of the row.
fn meta_field<T: serde::de::DeserializeOwned>(row: &JsValue, key: &str) -> Option<T> {
    Reflect::get(row, &JsValue::from_str("meta"))
        .and_then(|m| Reflect::get(&m, &JsValue::from_str(key)))
        .ok()
        .and_then(|v| serde_wasm_bindgen::from_value(v).ok())
}

/// The state a photo row stored before v4 records in its meta (`local` when absent, as serde
/// reads `PhotoMeta`).
fn legacy_state(row: &JsValue) -> UploadState {
    meta_field(row, "upload_state").unwrap_or_default()
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
    let with_state = has_state_store(db);
    let stores: &[&str] = if with_state {
        &[PHOTOS, PHOTO_STATE]
    } else {
        &[PHOTOS]
    };
    let tx = db.transaction(stores, TransactionMode::ReadWrite)?;
    let result = write_photos(&tx, photos, with_state).await;
    finish(tx, result).await
}

/// Puts each photo's row and, for a photo new to this device, its state row (`meta.upload_state`,
/// normally 本机). A photo stored again keeps the progress it has: the server may already hold
/// these bytes, and the next sync's check would only have to find that out again.
async fn write_photos(
    tx: &rexie::Transaction,
    photos: &[(PhotoMeta, Blob)],
    with_state: bool,
) -> StoreResult<()> {
    let store = tx.store(PHOTOS)?;
    let states = if with_state {
        Some(tx.store(PHOTO_STATE)?)
    } else {
        None
    };
    for (meta, blob) in photos {
        let row = photo_row(meta, blob, with_state)?;
        if let Some(states) = &states {
            let key = JsValue::from_str(&meta.sha256);
            if !states.key_exists(key.clone()).await? {
                // Stored before v4 (no state row yet): its state is the one its old row says.
                let state = match store.get(key).await? {
                    Some(old) => legacy_state(&old),
                    None => meta.upload_state,
                };
                let state_row = PhotoState {
                    sha256: meta.sha256.clone(),
                    state,
                    bytes: meta.bytes,
                };
                states.put(&to_js(&state_row)?, None).await?;
            }
        }
        store.put(&row, None).await?;
    }
    Ok(())
}

/// Writes a record AND its photos in ONE transaction (issue 3: one transaction per user action, a
/// hazard and its photos together): after a crash either both are there or neither is, so no
/// hazard points at a missing photo and no orphan photo fills the phone.
pub async fn put_record_with_photos<T: Record + Serialize>(
    db: &Rexie,
    record: &T,
    photos: &[(PhotoMeta, Blob)],
) -> StoreResult<()> {
    let with_state = has_state_store(db);
    let stores: &[&str] = if with_state {
        &[RECORDS, PHOTOS, PHOTO_STATE]
    } else {
        &[RECORDS, PHOTOS]
    };
    let tx = db.transaction(stores, TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(RECORDS)?.put(&row(record)?, None).await?;
        write_photos(&tx, photos, with_state).await
    }
    .await;
    finish(tx, result).await
}

/// One photo with its metadata, or `None` if no photo has that hash.
pub async fn get_photo(db: &Rexie, sha256: &str) -> StoreResult<Option<(PhotoMeta, Blob)>> {
    Ok(get_photos(db, &[sha256.to_owned()]).await?.pop().flatten())
}

/// Several photos in one read-only transaction, every read placed at once (the sync run reads
/// the next photos to upload while the previous ones travel), in the order of `hashes`.
pub async fn get_photos(
    db: &Rexie,
    hashes: &[String],
) -> StoreResult<Vec<Option<(PhotoMeta, Blob)>>> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
    let photos = tx.store(PHOTOS)?;
    let rows =
        futures::future::join_all(hashes.iter().map(|sha| photos.get(JsValue::from_str(sha))))
            .await;
    rows.into_iter()
        .map(|row| row?.map(split_row).transpose())
        .collect()
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

/// Removes a photo and its upload state (the UI confirms first). Deleting a missing photo is not
/// an error.
pub async fn delete_photo(db: &Rexie, sha256: &str) -> StoreResult<()> {
    let tx = db.transaction(&[PHOTOS, PHOTO_STATE], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(PHOTOS)?.delete(JsValue::from_str(sha256)).await?;
        tx.store(PHOTO_STATE)?
            .delete(JsValue::from_str(sha256))
            .await?;
        Ok(())
    }
    .await;
    finish(tx, result).await
}

/// Whether a photo with this hash is stored here, without reading its row.
pub async fn has_photo(db: &Rexie, sha256: &str) -> StoreResult<bool> {
    let tx = db.transaction(&[PHOTOS], TransactionMode::ReadOnly)?;
    let found = tx
        .store(PHOTOS)?
        .key_exists(JsValue::from_str(sha256))
        .await?;
    tx.done().await?;
    Ok(found)
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

fn only(state: UploadState) -> StoreResult<KeyRange> {
    Ok(KeyRange::only(&JsValue::from_str(state_key(state))).map_err(rexie::Error::from)?)
}

/// A photo's upload state, or `None` if no photo has that hash: its state row, or for a photo
/// stored before v4 whose state never changed since, what its row's meta says.
pub async fn upload_state(db: &Rexie, sha256: &str) -> StoreResult<Option<UploadState>> {
    let tx = db.transaction(&[PHOTOS, PHOTO_STATE], TransactionMode::ReadOnly)?;
    let key = JsValue::from_str(sha256);
    let state = match tx.store(PHOTO_STATE)?.get(key.clone()).await? {
        Some(row) => Some(from_js::<PhotoState>(row)?.state),
        None => tx.store(PHOTOS)?.get(key).await?.map(|r| legacy_state(&r)),
    };
    tx.done().await?;
    Ok(state)
}

/// The photos stored before v4 that are in `state` by their meta and have no state row yet:
/// keys only (the v2 index), so no row is read. Rows stored since v4 are not in that index.
async fn legacy_in_state(tx: &rexie::Transaction, state: UploadState) -> StoreResult<Vec<String>> {
    let keys = tx
        .store(PHOTOS)?
        .index("upload_state")?
        .get_all_keys(Some(only(state)?), None)
        .await?;
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let with_row: std::collections::HashSet<String> = tx
        .store(PHOTO_STATE)?
        .get_all_keys(None, None)
        .await?
        .into_iter()
        .filter_map(|k| k.as_string())
        .collect();
    Ok(keys
        .into_iter()
        .filter_map(|k| k.as_string())
        .filter(|k| !with_row.contains(k))
        .collect())
}

/// The photos in one upload state (the sync queue) with their sizes. Only state rows are read,
/// never a photo row, except once for a photo stored before v4 that has no state row yet.
pub async fn list_by_upload_state(db: &Rexie, state: UploadState) -> StoreResult<Vec<PhotoState>> {
    let tx = db.transaction(&[PHOTOS, PHOTO_STATE], TransactionMode::ReadOnly)?;
    let rows = tx
        .store(PHOTO_STATE)?
        .index("state")?
        .get_all(Some(only(state)?), None)
        .await?;
    let mut out: Vec<PhotoState> = rows.into_iter().filter_map(|r| from_js(r).ok()).collect();
    let legacy = legacy_in_state(&tx, state).await?;
    let photos = tx.store(PHOTOS)?;
    for sha in legacy {
        if let Some(row) = photos.get(JsValue::from_str(&sha)).await? {
            if let Ok((meta, _)) = split_row(row) {
                out.push(PhotoState {
                    sha256: meta.sha256,
                    state,
                    bytes: meta.bytes,
                });
            }
        }
    }
    tx.done().await?;
    Ok(out)
}

/// How many photos are in one upload state, counted without reading any row.
pub async fn count_by_upload_state(db: &Rexie, state: UploadState) -> StoreResult<u32> {
    let tx = db.transaction(&[PHOTOS, PHOTO_STATE], TransactionMode::ReadOnly)?;
    let n = tx
        .store(PHOTO_STATE)?
        .index("state")?
        .count(Some(only(state)?))
        .await?;
    let legacy = legacy_in_state(&tx, state).await?.len() as u32;
    tx.done().await?;
    Ok(n + legacy)
}

/// Records a photo's upload progress (本机 / 上传中 / 已上传). Only its state row is written;
/// the blob's row is never touched.
pub async fn set_upload_state(db: &Rexie, sha256: &str, state: UploadState) -> StoreResult<()> {
    set_upload_states(db, &[sha256.to_owned()], state).await
}

/// [`set_upload_state`] for several photos at once (e.g. every photo the server already has).
/// Hashes of photos not on this device are skipped. The write locks only the state store, so
/// reading the next photos' blobs for upload never waits for it; a photo stored before v4 (no
/// state row yet) takes a second transaction that reads its size once from its row.
pub async fn set_upload_states(
    db: &Rexie,
    hashes: &[String],
    state: UploadState,
) -> StoreResult<()> {
    let tx = db.transaction(&[PHOTO_STATE], TransactionMode::ReadWrite)?;
    let mut legacy = Vec::new();
    let result = async {
        let states = tx.store(PHOTO_STATE)?;
        // Every read placed at once, then every write (see `sync_rows::update_each`): the
        // engine marks a batch of acknowledged photos while the next ones upload.
        let rows =
            futures::future::join_all(hashes.iter().map(|sha| states.get(JsValue::from_str(sha))))
                .await;
        let mut puts = Vec::new();
        for (sha, row) in hashes.iter().zip(rows) {
            match row? {
                Some(row) => {
                    let mut row: PhotoState = from_js(row)?;
                    if row.state != state {
                        row.state = state;
                        puts.push((to_js(&row)?, None));
                    }
                }
                None => legacy.push(sha),
            }
        }
        states.put_all(puts.into_iter()).await?;
        Ok(())
    }
    .await;
    finish(tx, result).await?;
    if legacy.is_empty() {
        return Ok(());
    }
    let tx = db.transaction(&[PHOTOS, PHOTO_STATE], TransactionMode::ReadWrite)?;
    let result = async {
        let states = tx.store(PHOTO_STATE)?;
        let photos = tx.store(PHOTOS)?;
        for sha in legacy {
            let key = JsValue::from_str(sha);
            // Its first state change gives it a state row; its own row stays as it is.
            let bytes = match photos.get(key).await? {
                Some(old) => meta_field(&old, "bytes").unwrap_or(0),
                None => continue,
            };
            let row = PhotoState {
                sha256: sha.clone(),
                state,
                bytes,
            };
            states.put(&to_js(&row)?, None).await?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await
}
