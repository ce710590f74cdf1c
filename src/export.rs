//! 导出 / 导入: every local record and photo as one JSON file the inspector can keep (a phone
//! that is about to be wiped, a browser that may evict storage), and a restore that never
//! duplicates: records are keyed by their UUID and photos by their SHA-256, and a record is
//! only replaced by a strictly newer version of itself.

use js_sys::{Array, Reflect};
use rexie::TransactionMode;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::photo::PhotoMeta;
use crate::store::unreadable::{self, Unreadable};
use crate::store::{self, photos, schema, StoreError, StoreResult};

const FORMAT: &str = "yinhuan-export";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct ExportFile {
    format: String,
    version: u32,
    exported_at: i64,
    device_id: String,
    /// Raw rows of the `records` store (`{id, kind, dirty, updated_at, body}`).
    records: Vec<serde_json::Value>,
    photos: Vec<ExportPhoto>,
}

#[derive(Serialize, Deserialize)]
struct ExportPhoto {
    meta: PhotoMeta,
    mime: String,
    base64: String,
}

/// What an import did, for the message shown to the user.
#[derive(Debug, Default, PartialEq)]
pub struct ImportSummary {
    pub added: u32,
    pub updated: u32,
    pub kept_newer_local: u32,
    pub photos_added: u32,
}

fn js_err(e: JsValue) -> StoreError {
    StoreError::Io(crate::photo::js_error_text(&e))
}

/// Builds the export file's text.
pub async fn export_json() -> StoreResult<String> {
    let db = store::db().await?;
    let tx = db.transaction(
        &[schema::RECORDS, schema::PHOTOS],
        TransactionMode::ReadOnly,
    )?;
    let rows = tx.store(schema::RECORDS)?.get_all(None, None).await?;
    let keys = tx.store(schema::PHOTOS)?.get_all_keys(None, None).await?;
    tx.done().await?;
    // A row that is not plain JSON data is skipped (and registered), never failing the export:
    // the other rows are what the inspector needs saved.
    let mut records = Vec::with_capacity(rows.len());
    for r in rows {
        match serde_wasm_bindgen::from_value::<serde_json::Value>(r.clone()) {
            Ok(v) => records.push(v),
            Err(e) => {
                let get = |k: &str| Reflect::get(&r, &JsValue::from_str(k)).unwrap_or_default();
                unreadable::note(Unreadable {
                    id: unreadable::text_of(&get("id")),
                    kind: get("kind").as_string().unwrap_or_default(),
                    error: e.to_string(),
                    body: unreadable::text_of(&get("body")),
                    dirty: get("dirty").as_f64().unwrap_or(0.0) >= 1.0,
                    updated_at: get("updated_at").as_f64().unwrap_or(0.0) as i64,
                });
            }
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let Some(sha) = key.as_string() else { continue };
        let photo = match photos::get_photo(&db, &sha).await {
            Ok(p) => p,
            // A photo row that cannot be read is registered by the store and skipped here.
            Err(StoreError::Corrupt(_)) => continue,
            Err(e) => return Err(e),
        };
        if let Some((mut meta, blob)) = photo {
            // The file carries the photo's current progress (kept apart from its row since
            // schema v4), so an import elsewhere does not send an uploaded photo again.
            if let Some(state) = photos::upload_state(&db, &sha).await? {
                meta.upload_state = state;
            }
            let bytes = photos::photo_bytes(&blob).await?;
            out.push(ExportPhoto {
                meta,
                mime: blob.type_(),
                base64: base64::encode(&bytes),
            });
        }
    }
    let file = ExportFile {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: crate::browser::now_ms(),
        device_id: crate::settings::device_id(),
        records,
        photos: out,
    };
    serde_json::to_string(&file).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The rows this device could not read (see `store::unreadable`), for an administrator to repair.
/// It is an export file as above: `records` holds the record rows exactly as stored (so a repaired
/// copy, with a later `updated_at`, can be brought back through 导入), and `unreadable` says for
/// each row, photos and sync entries included, what could not be read.
pub fn unreadable_json() -> String {
    let all = unreadable::all();
    let records = all
        .iter()
        .filter(|u| {
            ![unreadable::PHOTO, unreadable::SYNC, unreadable::CONFLICT].contains(&u.kind.as_str())
        })
        .map(|u| {
            serde_json::json!({
                "id": u.id,
                "kind": u.kind,
                "dirty": if u.dirty { 1 } else { 0 },
                "updated_at": u.updated_at,
                "body": u.body,
            })
        })
        .collect();
    let file = UnreadableFile {
        file: ExportFile {
            format: FORMAT.into(),
            version: VERSION,
            exported_at: crate::browser::now_ms(),
            device_id: crate::settings::device_id(),
            records,
            photos: Vec::new(),
        },
        unreadable: all,
    };
    // Plain strings and numbers: serializing cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

#[derive(Serialize)]
struct UnreadableFile {
    #[serde(flatten)]
    file: ExportFile,
    unreadable: Vec<Unreadable>,
}

fn updated_at(row: &serde_json::Value) -> i64 {
    row.get("updated_at").and_then(|v| v.as_i64()).unwrap_or(0)
}

/// Restores an export file. Bad files are refused whole, before anything is written.
pub async fn import_json(text: &str) -> Result<ImportSummary, String> {
    let file: ExportFile = serde_json::from_str(text).map_err(|_| {
        "这不是本应用导出的数据文件（无法解析）。请选择“隐患排查-导出-….json”文件。".to_string()
    })?;
    if file.format != FORMAT || file.version > VERSION {
        return Err("文件格式或版本不受支持。请先把本应用更新到最新版本再导入。".into());
    }
    let mut decoded = Vec::new();
    for p in &file.photos {
        let bytes = base64::decode(&p.base64)
            .ok_or_else(|| format!("照片 {} 的数据已损坏，文件未导入。", &p.meta.sha256))?;
        let sha = crate::photo::sha256_hex(&bytes)
            .await
            .map_err(|e| e.to_string())?;
        if sha != p.meta.sha256 {
            return Err(format!(
                "照片 {} 的内容与指纹不符，文件可能已损坏，未导入任何数据。",
                &p.meta.sha256
            ));
        }
        decoded.push((p, bytes));
    }
    let db = store::db().await.map_err(|e| e.to_string())?;
    let mut summary = ImportSummary::default();
    // Photos first: a record never points at a photo that is not there.
    for (p, bytes) in decoded {
        if photos::get_photo(&db, &p.meta.sha256)
            .await
            .map_err(|e| e.to_string())?
            .is_some()
        {
            continue;
        }
        let arr = Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type(&p.mime);
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&arr, &opts)
            .map_err(|e| js_err(e).to_string())?;
        photos::put_photo(&db, &p.meta, &blob)
            .await
            .map_err(|e| e.to_string())?;
        summary.photos_added += 1;
    }
    let tx = db
        .transaction(&[schema::RECORDS], TransactionMode::ReadWrite)
        .map_err(|e| StoreError::from(e).to_string())?;
    let store_ = tx
        .store(schema::RECORDS)
        .map_err(|e| StoreError::from(e).to_string())?;
    for row in &file.records {
        let Some(id) = row.get("id").and_then(|v| v.as_str()) else {
            continue;
        };
        let existing = store_
            .get(JsValue::from_str(id))
            .await
            .map_err(|e| StoreError::from(e).to_string())?;
        let local_updated = existing
            .as_ref()
            .and_then(|v| Reflect::get(v, &JsValue::from_str("updated_at")).ok())
            .and_then(|v| v.as_f64())
            .map(|f| f as i64);
        match local_updated {
            Some(t) if t >= updated_at(row) => {
                summary.kept_newer_local += u32::from(t > updated_at(row));
                continue;
            }
            Some(_) => summary.updated += 1,
            None => summary.added += 1,
        }
        let value = row
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(|e| e.to_string())?;
        store_
            .put(&value, None)
            .await
            .map_err(|e| StoreError::from(e).to_string())?;
    }
    store::error::committed(
        tx.done()
            .await
            .map_err(|e| StoreError::from(e).to_string())?,
    )
    .map_err(|e| e.to_string())?;
    Ok(summary)
}

/// Offers `text` as a file download.
pub fn download(text: &str, filename: &str) -> Result<(), String> {
    let arr = Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&arr, &opts)
        .map_err(|e| js_err(e).to_string())?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_err(e).to_string())?;
    let doc = crate::browser::window().document().ok_or("无法下载")?;
    let a: web_sys::HtmlAnchorElement = doc
        .create_element("a")
        .map_err(|e| js_err(e).to_string())?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    Ok(())
}

/// Standard base64 (RFC 4648) for photo bytes inside the JSON export.
mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(text.len() / 4 * 3);
        let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        if !clean.len().is_multiple_of(4) {
            return None;
        }
        for quad in clean.chunks(4) {
            let mut n = 0u32;
            let mut pad = 0;
            for &c in quad {
                let v = match c {
                    b'A'..=b'Z' => c - b'A',
                    b'a'..=b'z' => c - b'a' + 26,
                    b'0'..=b'9' => c - b'0' + 52,
                    b'+' => 62,
                    b'/' => 63,
                    b'=' => {
                        pad += 1;
                        0
                    }
                    _ => return None,
                };
                n = (n << 6) | u32::from(v);
            }
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.extend_from_slice(&bytes[..3 - pad.min(2)]);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::base64;

    // Runs natively under `cargo test` and in Chromium under wasm-bindgen-test.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn base64_round_trips_every_length() {
        for len in 0..10 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 5) as u8).collect();
            assert_eq!(base64::decode(&base64::encode(&data)).unwrap(), data);
        }
        assert_eq!(base64::encode(b"Man"), "TWFu");
        assert_eq!(base64::encode(b"Ma"), "TWE=");
        assert!(base64::decode("T@Fu").is_none());
    }
}
