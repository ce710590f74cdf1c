//! Who is signed in on this device. The token lives in localStorage (a small setting, not
//! data); when it expires, offline work goes on as the last user and sync asks to sign in.

use gloo_storage::{LocalStorage, Storage};
use model::sync::{LoginRequest, LoginResponse};

use super::api::{self, ApiError};

const KEY: &str = "yinhuan.session";

pub fn current() -> Option<LoginResponse> {
    LocalStorage::get(KEY).ok()
}

pub async fn login(username: &str, password: &str) -> Result<LoginResponse, ApiError> {
    let resp: LoginResponse = api::post_json(
        "/api/login",
        None,
        &LoginRequest {
            username: username.trim().to_string(),
            password: password.to_string(),
            device_id: Some(crate::settings::device_id()),
        },
    )
    .await?;
    LocalStorage::set(KEY, &resp).map_err(|e| ApiError::Other(format!("无法保存登录状态：{e}")))?;
    Ok(resp)
}

pub fn logout() {
    LocalStorage::delete(KEY);
}

/// Replaces the password (the administrator's one-time one, or any other) and, on success,
/// lets this device sync again. The server signs the account's other devices out.
pub async fn change_password(old_password: &str, new_password: &str) -> Result<(), ApiError> {
    let mut s = current().ok_or(ApiError::Unauthorized)?;
    let _: serde_json::Value = api::post_json(
        "/api/account/password",
        Some(&s.token),
        &serde_json::json!({ "old_password": old_password, "new_password": new_password }),
    )
    .await?;
    s.user.must_change_password = false;
    LocalStorage::set(KEY, &s).map_err(|e| ApiError::Other(format!("无法保存登录状态：{e}")))?;
    Ok(())
}

/// The bearer token of a signed-in, unexpired session, or why there is none (Chinese).
pub fn token_or_reason() -> Result<String, String> {
    match current() {
        None => Err("尚未登录。请联网并到“同步”页登录。".to_owned()),
        Some(s) if s.expires_at <= crate::browser::now_ms() => {
            Err("登录已过期，请到“同步”页重新登录。".to_owned())
        }
        Some(s) => Ok(s.token),
    }
}
