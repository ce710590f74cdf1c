//! HTTP to our own server (fetch), with the bearer token. Every failure becomes an `ApiError`
//! whose text is Chinese and says what to do; the sync engine decides whether to retry.

use model::photo_batch::{manifest_line, BatchPhoto, BatchResult, BATCH_CONTENT_TYPE};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Request, RequestInit, Response};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// No network or the server is unreachable: retry later, nothing is lost.
    #[error("连不上服务器（当前无网络或服务器未开启），数据已保存在本机，联网后会自动同步。")]
    Offline,
    /// The token is missing, expired or revoked.
    #[error("登录已过期，请重新登录后再同步；本机数据不受影响。")]
    Unauthorized,
    /// Signed out by the server for a reason it names (an administrator took back this
    /// device): sign in again, like [`ApiError::Unauthorized`], but with the server's words.
    #[error("{0}")]
    SignedOut(String),
    /// The server refused with its own message (already Chinese).
    #[error("{message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    /// Anything else (an answer we could not read).
    #[error("同步出错：{0}。稍后会自动重试。")]
    Other(String),
}

impl ApiError {
    /// Worth retrying on its own (as opposed to needing the user: log in, fix data).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Offline | ApiError::Other(_) => true,
            ApiError::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            ApiError::Unauthorized | ApiError::SignedOut(_) => false,
        }
    }

    /// The user must sign in again before the next sync.
    pub fn needs_login(&self) -> bool {
        matches!(self, ApiError::Unauthorized | ApiError::SignedOut(_))
    }

    /// The server's stable code, when it answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Server { code, .. } => Some(code),
            _ => None,
        }
    }
}

fn js_text(e: &JsValue) -> String {
    crate::photo::js_error_text(e)
}

/// The error body every failure of our server carries (server/src/error.rs).
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

async fn send(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&JsValue, &str)>,
) -> Result<Response, ApiError> {
    send_with(method, path, token, body, &[]).await
}

/// [`send`] with extra request headers (e.g. the queue length a pull reports).
async fn send_with(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&JsValue, &str)>,
    extra: &[(&str, &str)],
) -> Result<Response, ApiError> {
    let init = RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|e| ApiError::Other(js_text(&e)))?;
    headers
        .set("Accept", "application/json")
        .map_err(|e| ApiError::Other(js_text(&e)))?;
    if let Some(t) = token {
        headers
            .set("Authorization", &format!("Bearer {t}"))
            .map_err(|e| ApiError::Other(js_text(&e)))?;
    }
    if let Some((b, content_type)) = body {
        headers
            .set("Content-Type", content_type)
            .map_err(|e| ApiError::Other(js_text(&e)))?;
        init.set_body(b);
    }
    for (name, value) in extra {
        headers
            .set(name, value)
            .map_err(|e| ApiError::Other(js_text(&e)))?;
    }
    init.set_headers(&headers);
    let request =
        Request::new_with_str_and_init(path, &init).map_err(|e| ApiError::Other(js_text(&e)))?;
    // fetch rejects only on network failure; HTTP errors arrive as responses.
    let resp = JsFuture::from(crate::browser::window().fetch_with_request(&request))
        .await
        .map_err(|_| ApiError::Offline)?;
    let resp: Response = resp.dyn_into().map_err(|e| ApiError::Other(js_text(&e)))?;
    if resp.ok() {
        return Ok(resp);
    }
    let status = resp.status();
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    let parsed = serde_json::from_str::<ErrorBody>(&text);
    if status == 401 {
        // An administrator's 退出该设备 says so; any other 401 is an expired or lost login.
        return Err(match parsed {
            Ok(b) if b.code == "device_revoked" => ApiError::SignedOut(b.message),
            _ => ApiError::Unauthorized,
        });
    }
    Err(match parsed {
        Ok(b) => ApiError::Server {
            status,
            code: b.code,
            message: b.message,
        },
        Err(_) => ApiError::Server {
            status,
            code: status.to_string(),
            message: format!("服务器返回错误 {status}，稍后会自动重试。"),
        },
    })
}

async fn json_of<T: DeserializeOwned>(resp: Response) -> Result<T, ApiError> {
    let text = JsFuture::from(resp.text().map_err(|e| ApiError::Other(js_text(&e)))?)
        .await
        .map_err(|_| ApiError::Offline)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| ApiError::Other(format!("无法读取服务器应答：{e}")))
}

pub async fn post_json<Q: Serialize, R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: &Q,
) -> Result<R, ApiError> {
    let text = serde_json::to_string(body).map_err(|e| ApiError::Other(e.to_string()))?;
    let resp = send(
        "POST",
        path,
        token,
        Some((&JsValue::from_str(&text), "application/json")),
    )
    .await?;
    json_of(resp).await
}

pub async fn get_json<R: DeserializeOwned>(path: &str, token: Option<&str>) -> Result<R, ApiError> {
    json_of(send("GET", path, token, None).await?).await
}

/// [`get_json`] with extra request headers.
pub async fn get_json_with<R: DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
) -> Result<R, ApiError> {
    json_of(send_with("GET", path, token, None, extra).await?).await
}

/// A JSON body sent with any method (`PUT` for edits).
pub async fn send_json<Q: Serialize, R: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &Q,
) -> Result<R, ApiError> {
    let text = serde_json::to_string(body).map_err(|e| ApiError::Other(e.to_string()))?;
    let resp = send(
        method,
        path,
        token,
        Some((&JsValue::from_str(&text), "application/json")),
    )
    .await?;
    json_of(resp).await
}

/// A file's bytes posted as they are (roster import); the answer is JSON.
pub async fn post_blob_json<R: DeserializeOwned>(
    path: &str,
    token: &str,
    blob: &Blob,
    content_type: &str,
) -> Result<R, ApiError> {
    json_of(
        send(
            "POST",
            path,
            Some(token),
            Some((blob.as_ref(), content_type)),
        )
        .await?,
    )
    .await
}

/// Uploads one photo's bytes; the server verifies the hash, type and size.
pub async fn put_blob(path: &str, token: &str, blob: &Blob) -> Result<(), ApiError> {
    let ct = blob.type_();
    let ct = if ct.is_empty() {
        "application/octet-stream".to_string()
    } else {
        ct
    };
    send("PUT", path, Some(token), Some((blob.as_ref(), &ct))).await?;
    Ok(())
}

/// Several photos in one request (`POST /api/photos/batch`, framing in `model::photo_batch`):
/// the manifest line, then each photo's bytes as they are (the blobs are not read here: the
/// browser streams them). The answer says, photo by photo, what the server did.
pub async fn post_photo_batch(
    token: &str,
    photos: &[(String, Blob)],
) -> Result<BatchResult, ApiError> {
    let manifest: Vec<BatchPhoto> = photos
        .iter()
        .map(|(sha, blob)| BatchPhoto {
            sha256: sha.clone(),
            bytes: blob.size() as u64,
            content_type: blob.type_(),
        })
        .collect();
    let parts = js_sys::Array::new();
    parts.push(&JsValue::from_str(&manifest_line(&manifest)));
    for (_, blob) in photos {
        parts.push(blob);
    }
    let opts = BlobPropertyBag::new();
    opts.set_type(BATCH_CONTENT_TYPE);
    let body = Blob::new_with_blob_sequence_and_options(&parts, &opts)
        .map_err(|e| ApiError::Other(js_text(&e)))?;
    let resp = send(
        "POST",
        "/api/photos/batch",
        Some(token),
        Some((body.as_ref(), BATCH_CONTENT_TYPE)),
    )
    .await?;
    json_of(resp).await
}

/// A photo this device does not hold (taken on another device), fetched from the server for
/// display. Needs a signed-in user who may see a record that references it.
pub async fn fetch_photo(sha256: &str) -> Result<Blob, ApiError> {
    let session = super::session::current().ok_or(ApiError::Unauthorized)?;
    let resp = send(
        "GET",
        &format!("/api/photos/{sha256}"),
        Some(&session.token),
        None,
    )
    .await?;
    let blob = JsFuture::from(resp.blob().map_err(|e| ApiError::Other(js_text(&e)))?)
        .await
        .map_err(|_| ApiError::Offline)?;
    blob.dyn_into().map_err(|e| ApiError::Other(js_text(&e)))
}
