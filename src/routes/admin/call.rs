//! One way for the 管理 screens to call the server: the signed-in token, the server's own
//! Chinese message on refusal, and a plain reason when offline or signed out.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::browser::is_online;
use crate::sync::{api, session};

/// Said when the screen cannot reach the server; nothing was changed.
pub const NEED_NETWORK: &str = "管理功能需要联网：当前连不上服务器，请联网后再试；未做任何修改。";

fn token() -> Result<String, String> {
    if !is_online() {
        return Err(NEED_NETWORK.to_owned());
    }
    session::token_or_reason()
}

fn text(e: api::ApiError) -> String {
    match e {
        api::ApiError::Offline => NEED_NETWORK.to_owned(),
        api::ApiError::Unauthorized => "登录已过期，请到“同步”页重新登录。".to_owned(),
        other => other.to_string(),
    }
}

pub async fn get<R: DeserializeOwned>(path: &str) -> Result<R, String> {
    let t = token()?;
    api::get_json(path, Some(&t)).await.map_err(text)
}

pub async fn send<Q: Serialize, R: DeserializeOwned>(
    method: &str,
    path: &str,
    body: &Q,
) -> Result<R, String> {
    let t = token()?;
    api::send_json(method, path, Some(&t), body)
        .await
        .map_err(text)
}

pub async fn post_file<R: DeserializeOwned>(
    path: &str,
    file: &web_sys::Blob,
    content_type: &str,
) -> Result<R, String> {
    let t = token()?;
    api::post_blob_json(path, &t, file, content_type)
        .await
        .map_err(text)
}

/// A path segment (an account name or device id) made safe for the URL.
pub fn seg(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}
