//! `POST /api/account/password`: the owner changes its password (also the way out of an
//! administrator's one-time password). The account's other devices are signed out.

use axum::extract::State;
use serde::Deserialize;
use serde_json::{json, Value};

use super::store;
use crate::auth::{self, ClientIp, SignedIn};
use crate::error::AppError;
use crate::extract::Json;
use crate::AppState;

/// Shortest password.
pub const MIN_PASSWORD: usize = 8;

#[derive(Debug, Deserialize)]
pub struct PasswordChange {
    pub old_password: String,
    pub new_password: String,
}

pub async fn password_post(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    SignedIn(user): SignedIn,
    Json(req): Json<PasswordChange>,
) -> Result<axum::Json<Value>, AppError> {
    if req.new_password.chars().count() < MIN_PASSWORD {
        return Err(AppError::BadRequest(format!(
            "新密码（new_password）至少 {MIN_PASSWORD} 个字符。"
        )));
    }
    if req.new_password == req.old_password {
        return Err(AppError::BadRequest(
            "新密码（new_password）不能与原密码相同，请换一个。".to_owned(),
        ));
    }
    let username = user.info.username.as_str();
    // The same limiter as the login: a held token must not become a way to guess the password.
    if let Some(wait) = state.login_limiter.attempt(username, ip).await? {
        return Err(AppError::TooManyRequests(format!(
            "原密码输错次数过多，请 {} 分钟后再试。",
            wait.div_ceil(60)
        )));
    }
    if auth::check_password(&state.db, username, &req.old_password)
        .await?
        .is_none()
    {
        return Err(AppError::refused(
            "wrong_password",
            "原密码（old_password）不正确，请重新输入。",
        ));
    }
    state.login_limiter.succeed(username, ip).await?;
    store::set_password(
        &state.db,
        username,
        &req.new_password,
        false,
        Some(&user.token_hash),
    )
    .await?;
    auth::audit(
        &state.db,
        username,
        &user.device_id,
        "account.change_password",
        json!({}),
    )
    .await?;
    Ok(axum::Json(json!({ "ok": true })))
}
