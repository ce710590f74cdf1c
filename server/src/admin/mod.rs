//! Office administration (`/api/admin`): accounts, their devices and the audit log, managed
//! from the app within what model::admin allows the signed-in administrator. The console
//! (`yinhuan-server user …`, [`cli`]) stays the way in for the first administrator and recovery.

pub mod audit;
pub mod cli;
pub mod devices;
pub mod password;
pub mod store;
pub mod users;

use axum::routing::{get, post, put};
use axum::Router;

use crate::AppState;

/// Routes relative to `/api/admin`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(users::users_get).post(users::users_post))
        .route("/users/{username}", put(users::user_put))
        .route("/users/{username}/disable", post(users::disable_post))
        .route("/users/{username}/enable", post(users::enable_post))
        .route(
            "/users/{username}/reset-password",
            post(users::reset_password_post),
        )
        .route(
            "/users/{username}/devices/{device_id}/revoke",
            post(users::revoke_device_post),
        )
        .route("/audit", get(audit::audit_get))
}
