//! Photos taken on another device: fetched from the server the first time they are shown,
//! checked against their key and kept in IndexedDB as 已上传, so the hazard and its 附件5 still
//! show them after the signal is gone (an office pulls records at the desk and reads them on
//! site). Bytes that do not hash to their key are refused, never stored.

use web_sys::Blob;

use crate::photo::{sha256_hex, PhotoMeta, PhotoSource, Place, UploadState};
use crate::store;

/// Whose photo it is, so the kept copy is found and cleaned up with its record.
#[derive(Debug, Clone, Default)]
pub struct Owner {
    pub hazard_id: Option<String>,
    pub inspection_id: Option<String>,
    pub source: Option<PhotoSource>,
}

/// The photo's bytes from this device, or else from the server (then kept here).
pub async fn local_or_fetch(db: &rexie::Rexie, sha: &str, owner: Owner) -> Result<Blob, String> {
    if let Some((_, blob)) = store::photos::get_photo(db, sha)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(blob);
    }
    let blob = super::api::fetch_photo(sha)
        .await
        .map_err(|e| format!("照片不在本机，也无法从服务器取得：{e}"))?;
    let bytes = store::photos::photo_bytes(&blob)
        .await
        .map_err(|e| e.to_string())?;
    let actual = sha256_hex(&bytes).await.map_err(|e| e.to_string())?;
    if actual != sha {
        return Err("服务器返回的照片与记录中的校验值不符，未保存。请稍后再同步一次。".into());
    }
    let meta = PhotoMeta {
        sha256: sha.to_owned(),
        hazard_id: owner.hazard_id,
        inspection_id: owner.inspection_id,
        source: owner.source.unwrap_or(PhotoSource::Camera),
        // Capture details stay on the device that took it; the stamp in the image carries them.
        taken_at: 0,
        place: Place::Unavailable("由其他设备拍摄，从服务器取得".into()),
        width: 0,
        height: 0,
        bytes: bytes.len() as u32,
        original_bytes: 0,
        enterprise: String::new(),
        upload_state: UploadState::Uploaded,
        created_at: crate::browser::now_ms(),
    };
    // Showing the photo matters more than keeping it: a full disk is reported by the storage
    // banner, not here.
    let _ = store::photos::put_photo(db, &meta, &blob).await;
    Ok(blob)
}
