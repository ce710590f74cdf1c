//! `/api/admin/users…`: list, create, edit, disable/enable, reset password, sign out a device.
//! Every handler asks model::admin whether the signed-in administrator may, and writes an
//! `admin.*` audit row (never a password).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use model::admin::api::{
    AccountRequest, AccountSpec, UserResponse, UserWithPassword, UsersResponse,
};
use model::admin::{self as rule, AdminError, Grant};
use model::sync::{Role, RoleKind};
use serde_json::{json, Value};

use super::store::{self, RevokeReason, Stored};
use crate::auth::{self, AccountFlags, AuthUser, NewUser, UserError};
use crate::error::AppError;
use crate::extract::Json;
use crate::AppState;

/// A refusal of model::admin as the API answers it (403 with the rule's own code).
pub fn refused(e: AdminError) -> AppError {
    AppError::refused(e.code(), e.to_string())
}

/// The signed-in account as the rule sees it (its flags are fresh: read on this request).
pub fn actor(user: &AuthUser) -> model::admin::Account {
    model::admin::Account {
        username: user.info.username.clone(),
        role: user.role.clone(),
        enterprise_county: None,
        is_admin: user.info.is_admin,
        disabled: false,
    }
}

fn bad(e: impl ToString) -> AppError {
    AppError::BadRequest(e.to_string())
}

/// The path's username (a bad path is the same 404 as an unknown account).
fn path_user(path: Result<Path<String>, PathRejection>) -> Result<String, AppError> {
    path.map(|Path(u)| u)
        .map_err(|_| AppError::NotFound("找不到该账号。".to_owned()))
}

/// The role a checked request asks for, with the stored enterprise's county for the rule.
async fn grant_of(state: &AppState, spec: &AccountSpec) -> Result<(Role, Grant), AppError> {
    let role =
        Role::from_parts(spec.kind, spec.county.as_deref(), spec.enterprise_id).map_err(bad)?;
    let enterprise_county = match spec.enterprise_id {
        Some(id) => {
            let stored = store::enterprise(&state.db, id).await?.ok_or_else(|| {
                AppError::BadRequest(format!(
                    "企业（enterprise_id）{id} 在服务器上不存在或已删除：请先录入并同步该企业，再为它创建账号。"
                ))
            })?;
            stored.county
        }
        None => None,
    };
    let grant = Grant {
        role: role.clone(),
        enterprise_county,
        is_admin: spec.is_admin,
    };
    Ok((role, grant))
}

fn role_order(kind: RoleKind) -> usize {
    RoleKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

/// `GET /api/admin/users`: the accounts this administrator manages, and itself.
pub async fn users_get(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<axum::Json<UsersResponse>, AppError> {
    let me = actor(&user);
    rule::check_admin(&me).map_err(refused)?;
    let mut devices = store::devices(&state.db, None).await?;
    let mut accounts: Vec<Stored> = store::all(&state.db)
        .await?
        .into_iter()
        .filter(|s| {
            s.account.info.username == me.username
                || rule::check_manage(&me, &s.rule_view()).is_ok()
        })
        .collect();
    accounts.sort_by(|a, b| {
        let key = |s: &Stored| {
            (
                role_order(s.account.info.role),
                s.account.info.username.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    let users = accounts
        .iter()
        .map(|s| {
            let d = devices.remove(&s.account.info.username).unwrap_or_default();
            s.to_admin(d)
        })
        .collect();
    Ok(axum::Json(UsersResponse { users }))
}

/// `POST /api/admin/users`: a new account with a one-time password (changed at first login).
pub async fn users_post(
    State(state): State<AppState>,
    user: AuthUser,
    Json(req): Json<AccountRequest>,
) -> Result<(StatusCode, axum::Json<UserWithPassword>), AppError> {
    let me = actor(&user);
    rule::check_admin(&me).map_err(refused)?;
    let username = req.username().map_err(bad)?;
    let spec = req.parse().map_err(bad)?;
    let (role, grant) = grant_of(&state, &spec).await?;
    rule::check_grant(&me, &grant).map_err(refused)?;
    let password = store::one_time_password()?;
    let new = NewUser {
        username: username.clone(),
        display_name: spec.display_name.clone(),
        role: role.clone(),
        assignment: spec.period,
    };
    let flags = AccountFlags {
        is_admin: spec.is_admin,
        must_change_password: true,
    };
    auth::create_user_with(&state.db, &new, &password, flags)
        .await
        .map_err(|e| match e {
            UserError::Exists(_) => AppError::Conflict(e.to_string()),
            UserError::Db(e) => AppError::Database(e),
            UserError::Hash(e) => AppError::Internal(e),
            other => AppError::BadRequest(other.to_string()),
        })?;
    let mut detail = spec_detail(&spec, &role);
    detail["target"] = json!(username);
    audit(&state, &user, "admin.create_user", detail).await?;
    let account = store::admin_account(&state.db, &username).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(UserWithPassword {
            user: account,
            one_time_password: password,
        }),
    ))
}

/// What an account is set to, for the audit row.
fn spec_detail(spec: &AccountSpec, role: &Role) -> Value {
    json!({
        "display_name": spec.display_name,
        "role": role.kind().key(),
        "county": role.county(),
        "enterprise_id": role.enterprise_id(),
        "active_from": spec.period.map(|p| p.from.to_string()),
        "active_until": spec.period.map(|p| p.until.to_string()),
        "is_admin": spec.is_admin,
    })
}

/// `PUT /api/admin/users/{username}`: role, scope, 检查期, admin flag, name.
pub async fn user_put(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<String>, PathRejection>,
    Json(req): Json<AccountRequest>,
) -> Result<axum::Json<UserResponse>, AppError> {
    let me = actor(&user);
    rule::check_admin(&me).map_err(refused)?;
    let username = path_user(path)?;
    let target = load(&state, &username).await?;
    let mut spec = req.parse().map_err(bad)?;
    if spec.display_name.is_empty() {
        spec.display_name = target.account.info.display_name.clone();
    }
    let (role, grant) = grant_of(&state, &spec).await?;
    let admins = store::enabled_city_admins(&state.db).await?;
    rule::check_update(&me, &target.rule_view(), &grant, admins).map_err(refused)?;
    store::update(
        &state.db,
        &username,
        &spec.display_name,
        &role,
        spec.period,
        spec.is_admin,
    )
    .await?;
    let before = spec_detail(
        &AccountSpec {
            display_name: target.account.info.display_name.clone(),
            kind: target.account.role.kind(),
            county: None,
            enterprise_id: None,
            period: target.account.assignment,
            is_admin: target.account.info.is_admin,
        },
        &target.account.role,
    );
    let after = spec_detail(&spec, &role);
    // Only what changed, as {field: [before, after]}.
    let mut detail = json!({ "target": username });
    if let (Value::Object(b), Value::Object(a)) = (&before, &after) {
        for (k, v) in a {
            if b.get(k) != Some(v) {
                detail[k] = json!([b.get(k).cloned().unwrap_or(Value::Null), v]);
            }
        }
    }
    audit(&state, &user, "admin.update_user", detail).await?;
    Ok(axum::Json(UserResponse {
        user: store::admin_account(&state.db, &username).await?,
    }))
}

async fn load(state: &AppState, username: &str) -> Result<Stored, AppError> {
    store::one(&state.db, username)
        .await?
        .ok_or_else(|| store::not_found(username))
}

/// `POST /api/admin/users/{username}/disable`: no sign-in, every token revoked.
pub async fn disable_post(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<UserResponse>, AppError> {
    let me = actor(&user);
    rule::check_admin(&me).map_err(refused)?;
    let username = path_user(path)?;
    let target = load(&state, &username).await?;
    let admins = store::enabled_city_admins(&state.db).await?;
    rule::check_disable(&me, &target.rule_view(), admins).map_err(refused)?;
    store::set_disabled(&state.db, &username, true).await?;
    audit(
        &state,
        &user,
        "admin.disable_user",
        json!({ "target": username }),
    )
    .await?;
    Ok(axum::Json(UserResponse {
        user: store::admin_account(&state.db, &username).await?,
    }))
}

/// `POST /api/admin/users/{username}/enable`.
pub async fn enable_post(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<UserResponse>, AppError> {
    let me = actor(&user);
    rule::check_admin(&me).map_err(refused)?;
    let username = path_user(path)?;
    let target = load(&state, &username).await?;
    rule::check_manage(&me, &target.rule_view()).map_err(refused)?;
    store::set_disabled(&state.db, &username, false).await?;
    audit(
        &state,
        &user,
        "admin.enable_user",
        json!({ "target": username }),
    )
    .await?;
    Ok(axum::Json(UserResponse {
        user: store::admin_account(&state.db, &username).await?,
    }))
}

/// `POST /api/admin/users/{username}/reset-password`: a one-time password, shown once; every
/// device of the account is signed out.
pub async fn reset_password_post(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<String>, PathRejection>,
) -> Result<axum::Json<UserWithPassword>, AppError> {
    let me = actor(&user);
    rule::check_admin(&me).map_err(refused)?;
    let username = path_user(path)?;
    let target = load(&state, &username).await?;
    rule::check_manage(&me, &target.rule_view()).map_err(refused)?;
    let password = store::one_time_password()?;
    store::set_password(&state.db, &username, &password, true, None).await?;
    audit(
        &state,
        &user,
        "admin.reset_password",
        json!({ "target": username }),
    )
    .await?;
    Ok(axum::Json(UserWithPassword {
        user: store::admin_account(&state.db, &username).await?,
        one_time_password: password,
    }))
}

/// `POST /api/admin/users/{username}/devices/{device_id}/revoke`: "退出该设备". The device's
/// records stay on it; it is told so and asked to sign in again.
pub async fn revoke_device_post(
    State(state): State<AppState>,
    user: AuthUser,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<axum::Json<UserResponse>, AppError> {
    let me = actor(&user);
    rule::check_admin(&me).map_err(refused)?;
    let Path((username, device_id)) =
        path.map_err(|_| AppError::NotFound("找不到该设备。".to_owned()))?;
    let target = load(&state, &username).await?;
    rule::check_manage(&me, &target.rule_view()).map_err(refused)?;
    if device_id.is_empty() || !store::has_device(&state.db, &username, &device_id).await? {
        return Err(AppError::NotFound(format!(
            "账号“{username}”没有使用过设备“{device_id}”，请刷新后重试。"
        )));
    }
    let n = store::revoke_tokens(
        &state.db,
        &username,
        Some(&device_id),
        None,
        RevokeReason::Admin,
    )
    .await?;
    let detail = json!({ "target": username, "device_id": device_id, "tokens": n });
    audit(&state, &user, "admin.revoke_device", detail).await?;
    Ok(axum::Json(UserResponse {
        user: store::admin_account(&state.db, &username).await?,
    }))
}

async fn audit(
    state: &AppState,
    user: &AuthUser,
    action: &str,
    detail: Value,
) -> Result<(), AppError> {
    auth::audit(
        &state.db,
        &user.info.username,
        &user.device_id,
        action,
        detail,
    )
    .await
}
