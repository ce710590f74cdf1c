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
