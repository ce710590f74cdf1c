//! 现场证据照片: capture, stamp and fingerprint photos on the device.
//!
//! Everything heavy is done by the browser's own image decoder and JPEG encoder (createImageBitmap,
//! canvas.toBlob) and SubtleCrypto, never by a codec compiled into the wasm: that keeps the app
//! shell small and uses the phone's hardware-accelerated paths. The types here are what the UI and
//! the store pass around; `PhotoMeta` is also what the sync issue will upload next to the bytes.

pub mod camera;
pub mod geo;
pub mod process;

pub use process::{process_photo, ProcessOptions, ProcessedPhoto};

use js_sys::{Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Inputs above this are refused before decoding: no phone photo is that big, and decoding a
/// huge file can take the whole tab down on a low-end phone (FIELD-LESSONS: over-limit files must
/// get a clear message, not a dead end).
pub const MAX_INPUT_BYTES: u32 = 30 * 1024 * 1024;

/// How the picture came to be. Kept with each photo because office staff must be able to tell a
/// photo taken on site from one picked out of the gallery (FIELD-LESSONS: evidence).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoSource {
    Camera,
    Gallery,
    Signature,
}

impl PhotoSource {
    /// The words printed in the stamp band.
    pub fn stamp_label(self) -> &'static str {
        match self {
            PhotoSource::Camera => "来源：现场拍摄",
            PhotoSource::Gallery => "来源：相册选取",
            PhotoSource::Signature => "来源：现场签名",
        }
    }
}

/// Where the photo was taken, or why that is not known. "Not known" is stated, never left blank,
/// so a missing position reads as a fact about the device, not as a hidden omission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "PlaceRepr", from = "PlaceRepr")]
pub enum Place {
    /// `gps_time_ms` is the fix's own timestamp: device clocks drift or get reset offline, so it is
    /// a second witness of when the photo was taken.
    Known {
        lat: f64,
        lon: f64,
        accuracy_m: f64,
        gps_time_ms: i64,
    },
    /// The user (or the browser's policy, e.g. plain http) refused location access.
    Denied,
    /// No fix could be made (no GPS, no geolocation API); the text says why.
    Unavailable(String),
    /// No fix came within the time we are willing to make the inspector wait.
    Timeout,
}

impl Place {
    /// Line 2 of the stamp band.
    pub fn stamp_text(&self) -> String {
        match self {
            Place::Known {
                lat,
                lon,
                accuracy_m,
                ..
            } => format!("纬度 {lat:.5} 经度 {lon:.5} ±{:.0}m", accuracy_m.max(0.0)),
            Place::Denied => "位置：未获取（未授权定位）".into(),
            Place::Timeout => "位置：未获取（定位超时）".into(),
            Place::Unavailable(_) => "位置：未获取（定位不可用）".into(),
        }
    }
}

/// The stored/uploaded JSON form of `Place`: flat and tagged (`{"status":"known","lat":..}`), which
/// serde cannot derive directly for a newtype variant holding a string.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum PlaceRepr {
    Known {
        lat: f64,
        lon: f64,
        accuracy_m: f64,
        gps_time_ms: i64,
    },
    Denied,
    Unavailable {
        reason: String,
    },
    Timeout,
}

impl From<Place> for PlaceRepr {
    fn from(p: Place) -> Self {
        match p {
            Place::Known {
                lat,
                lon,
                accuracy_m,
                gps_time_ms,
            } => PlaceRepr::Known {
                lat,
                lon,
                accuracy_m,
                gps_time_ms,
            },
            Place::Denied => PlaceRepr::Denied,
            Place::Unavailable(reason) => PlaceRepr::Unavailable { reason },
            Place::Timeout => PlaceRepr::Timeout,
        }
    }
}

impl From<PlaceRepr> for Place {
    fn from(p: PlaceRepr) -> Self {
        match p {
            PlaceRepr::Known {
                lat,
                lon,
                accuracy_m,
                gps_time_ms,
            } => Place::Known {
                lat,
                lon,
                accuracy_m,
                gps_time_ms,
            },
            PlaceRepr::Denied => Place::Denied,
            PlaceRepr::Unavailable { reason } => Place::Unavailable(reason),
            PlaceRepr::Timeout => Place::Timeout,
        }
    }
}

/// What is burnt into the picture. The same facts are kept as data in `PhotoMeta`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stamp {
    /// Device time (unix ms) when the shutter was pressed or the file was picked.
    pub taken_at_ms: i64,
    pub place: Place,
    pub enterprise: String,
    pub source: PhotoSource,
}

impl Stamp {
    /// The three lines of the stamp band, time in the device's local zone (what the inspector's
    /// watch says, and what the 附件5 sheet shows).
    pub fn lines(&self) -> [String; 3] {
        let enterprise = if self.enterprise.trim().is_empty() {
            "企业：未填写"
        } else {
            self.enterprise.trim()
        };
        [
            local_time_text(self.taken_at_ms),
            self.place.stamp_text(),
            format!("{enterprise}　{}", self.source.stamp_label()),
        ]
    }
}

/// `YYYY-MM-DD HH:MM:SS` in the browser's time zone.
pub fn local_time_text(ms: i64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// Upload progress of one photo, for the sync issue: each photo travels on its own, keyed by its
/// hash, so a retry sends only what is missing (FIELD-LESSONS: uploads on weak networks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UploadState {
    #[default]
    Local,
    Uploading,
    Uploaded,
}

/// Everything known about a stored photo except its bytes. Stored next to the Blob in the
/// `photos` store and sent with the upload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoMeta {
    /// Lowercase hex SHA-256 of the stored JPEG bytes: the photo's key everywhere.
    pub sha256: String,
    pub hazard_id: Option<String>,
    pub inspection_id: Option<String>,
    pub source: PhotoSource,
    /// Device time (unix ms) of capture.
    pub taken_at: i64,
    pub place: Place,
    pub width: u32,
    pub height: u32,
    /// Size of the stored JPEG.
    pub bytes: u32,
    /// Size of what the camera or gallery gave us, before downscaling.
    #[serde(default)]
    pub original_bytes: u32,
    pub enterprise: String,
    /// The state a photo new to this device is stored in (本机, or 已上传 for one fetched from
    /// the server). The current state lives in its own store (schema v4, so a state change never
    /// rewrites the blob's row): read it with `store::photos::upload_state`, not from here.
    #[serde(default)]
    pub upload_state: UploadState,
    /// Device time (unix ms) the row was made.
    pub created_at: i64,
}

impl PhotoMeta {
    /// The metadata of a freshly processed photo, not yet attached to a hazard or inspection.
    pub fn new(photo: &ProcessedPhoto, stamp: &Stamp, created_at: i64) -> PhotoMeta {
        PhotoMeta {
            sha256: photo.sha256.clone(),
            hazard_id: None,
            inspection_id: None,
            source: stamp.source,
            taken_at: stamp.taken_at_ms,
            place: stamp.place.clone(),
            width: photo.width,
            height: photo.height,
            bytes: photo.bytes,
            original_bytes: photo.original_bytes,
            enterprise: stamp.enterprise.clone(),
            upload_state: UploadState::Local,
            created_at,
        }
    }
}

/// Every way taking or processing a photo can fail, each saying what the inspector can do next.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum PhotoError {
    #[error("这张图片太大（{mb:.1} MB，上限 30 MB），可能不是手机照片。请用相机重新拍摄，或选择一张较小的 JPG/PNG 图片。")]
    TooLarge { mb: f64 },
    /// The detail (the browser's exception) is kept for the console, not shown: it helps nobody
    /// on site.
    #[error("无法读取这张图片（不是照片或已损坏），请重新拍摄或选择 JPG/PNG 图片。")]
    Undecodable { detail: String },
    #[error(
        "此浏览器不支持{0}，无法处理照片。请升级浏览器（建议最新版 Chrome、Edge 或 Safari）。"
    )]
    Unsupported(String),
    #[error("手机内存不足，无法处理这张照片（{0}）。请关闭其他应用或标签页后重试。")]
    Canvas(String),
    #[error("照片压缩失败（{0}）。请重试；若一再失败，请关闭其他应用或标签页后重新拍摄。")]
    Encode(String),
    #[error("无法读取照片数据（{0}），请重新拍摄或重新选择。")]
    Read(String),
    #[error("无法计算照片指纹（SHA-256：{0}）。请通过 https 地址打开本应用，或升级浏览器。")]
    Hash(String),
    #[error("未允许使用摄像头。请改用“拍照”或“相册”按钮添加照片；如需页内取景，请在浏览器设置中允许本网站使用摄像头。")]
    CameraDenied,
    #[error("无法打开摄像头（{0}）。请改用“拍照”或“相册”按钮添加照片。")]
    NoCamera(String),
    #[error("摄像头画面尚未就绪，请稍候片刻再按拍摄。")]
    CameraNotReady,
    /// Plain http or a browser without crypto.subtle: refused up front, with what to do
    /// (`model::client::Capabilities::photo_refusal`).
    #[error("{0}")]
    NotSecure(String),
}

/// `name: message` of a thrown JS value (DOMException, TypeError, ...), for error details.
pub(crate) fn js_error_text(e: &JsValue) -> String {
    let field = |k: &str| {
        Reflect::get(e, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    match (field("name"), field("message")) {
        (Some(n), Some(m)) => format!("{n}: {m}"),
        (Some(n), None) => n,
        (None, Some(m)) => m,
        (None, None) => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    }
}

/// The `name` of a thrown DOMException or Error ("NotAllowedError", "TypeError", ...).
pub(crate) fn js_error_name(e: &JsValue) -> String {
    Reflect::get(e, &JsValue::from_str("name"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The bytes of a Blob (via `Blob.arrayBuffer()`).
pub async fn blob_bytes(blob: &web_sys::Blob) -> Result<Vec<u8>, PhotoError> {
    let buf = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|e| PhotoError::Read(js_error_text(&e)))?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// Lowercase hex SHA-256 via SubtleCrypto (only present on https or localhost).
pub async fn sha256_hex(bytes: &[u8]) -> Result<String, PhotoError> {
    let crypto = crate::browser::window()
        .crypto()
        .map_err(|e| PhotoError::Hash(js_error_text(&e)))?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).unwrap_or_default();
    if subtle.is_undefined() || subtle.is_null() {
        return Err(PhotoError::Hash("crypto.subtle 仅在 https 下可用".into()));
    }
    let subtle: web_sys::SubtleCrypto = subtle.unchecked_into();
    let promise = subtle
        .digest_with_str_and_u8_array("SHA-256", bytes)
        .map_err(|e| PhotoError::Hash(js_error_text(&e)))?;
    let digest = JsFuture::from(promise)
        .await
        .map_err(|e| PhotoError::Hash(js_error_text(&e)))?;
    Ok(to_hex(&Uint8Array::new(&digest).to_vec()))
}

fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0xf)] as char);
    }
    s
}

/// The photo key rule lives in the model (the server checks the same).
pub use model::validation::is_sha256_hex;

/// Milliseconds from a monotonic clock, for timing the pipeline.
pub(crate) fn now_precise_ms() -> f64 {
    crate::browser::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}
