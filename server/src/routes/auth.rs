//! `POST /api/login`, `POST /api/logout`, `GET /api/me`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use model::sync::{LoginRequest, LoginResponse, UserInfo};

use crate::auth::{self, ClientIp, SignedIn};
use crate::error::AppError;
use crate::extract::Json;
use crate::AppState;

pub async fn login_post(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<axum::Json<LoginResponse>, AppError> {
    let username = req.username.trim();
    if username.is_empty() || req.password.is_empty() {
        return Err(AppError::BadRequest("请输入账号和密码。".to_owned()));
    }
    // Counted before the password check, as a failure until a right password clears it
    // (auth::LoginLimiter: exact with concurrent attempts on several servers).
    if let Some(wait) = state.login_limiter.attempt(username, ip).await? {
        return Err(AppError::TooManyRequests(format!(
            "登录失败次数过多，请 {} 分钟后再试；忘记密码请联系管理员重置。",
            wait.div_ceil(60)
        )));
    }
    let device_id = req.device_id.as_deref().unwrap_or("").trim();
    let Some(account) = auth::check_password(&state.db, username, &req.password).await? else {
        auth::audit(
            &state.db,
            username,
            device_id,
            "login_failed",
            serde_json::json!({ "ip": ip.map(|i| i.to_string()) }),
        )
        .await?;
        return Err(AppError::Unauthorized(
            "账号或密码错误，请重新输入。".to_owned(),
        ));
    };
    state.login_limiter.succeed(username, ip).await?;
    // After the password check, so the state and dates are told only to the account's owner.
    if account.disabled {
        return Err(auth::account_disabled());
    }
    account.check_assignment()?;
    let (token, expires_at) = auth::issue_token(&state.db, username, device_id).await?;
    crate::admin::devices::seen_at_login(&state.db, username, device_id, &headers).await?;
    auth::audit(
        &state.db,
        username,
        device_id,
        "login",
        serde_json::json!({ "ip": ip.map(|i| i.to_string()) }),
    )
    .await?;
    Ok(axum::Json(LoginResponse {
        token,
        expires_at,
        user: account.info,
    }))
}

pub async fn logout_post(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<StatusCode, AppError> {
    auth::revoke_token(&state.db, &user.token_hash).await?;
    auth::audit(
        &state.db,
        &user.info.username,
        &user.device_id,
        "logout",
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me_get(SignedIn(user): SignedIn) -> axum::Json<UserInfo> {
    axum::Json(user.info)
}
