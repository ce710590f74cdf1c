//! The console's account commands beside `user add`: `user set-admin`, `user disable`,
//! `user enable`, `user reset-password`. The operator at the server's console needs no admin
//! account (it is how the first administrator is made and how a locked-out office recovers), but
//! the last enabled 市级 administrator still stays one (model::admin).

use serde_json::json;

use super::store;
use crate::auth;
use crate::db::Db;
use crate::error::AppError;

/// What the console changes on an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Admin(bool),
    Disable,
    Enable,
    ResetPassword,
}

/// The audit log's name for the console.
const CONSOLE: &str = "console";

/// Applies `change`; returns what to print.
pub async fn run(db: &Db, username: &str, change: UserChange) -> Result<String, AppError> {
    let target = store::one(db, username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("账号“{username}”不存在。")))?;
    let view = target.rule_view();
    let admins = store::enabled_city_admins(db).await?;
    let keep = |stays| {
        model::admin::check_keeps_city_admin(&view, stays, admins)
            .map_err(|e| AppError::Forbidden(e.to_string()))
    };
    let (action, message) = match change {
        UserChange::Admin(on) => {
            keep(on && !view.disabled)?;
            store::set_admin(db, username, on).await?;
            let what = if on {
                "已设为管理员"
            } else {
                "已取消管理员权限"
            };
            ("admin.update_user", format!("账号 {username} {what}。"))
        }
        UserChange::Disable => {
            keep(false)?;
            store::set_disabled(db, username, true).await?;
            (
                "admin.disable_user",
                format!("账号 {username} 已停用，其所有设备均已退出登录。"),
            )
        }
        UserChange::Enable => {
            store::set_disabled(db, username, false).await?;
            ("admin.enable_user", format!("账号 {username} 已启用。"))
        }
        UserChange::ResetPassword => {
            let password = store::one_time_password()?;
            store::set_password(db, username, &password, true, None).await?;
            (
                "admin.reset_password",
                format!(
                    "账号 {username} 的临时密码：{password}\n（只显示这一次；首次登录后须修改密码。该账号的所有设备均已退出登录。）"
                ),
            )
        }
    };
    let detail = match change {
        UserChange::Admin(on) => json!({ "target": username, "is_admin": on }),
        _ => json!({ "target": username }),
    };
    auth::audit(db, CONSOLE, "", action, detail).await?;
    Ok(message)
}
