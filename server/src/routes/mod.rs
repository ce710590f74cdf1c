//! The JSON API under `/api`. One file per resource; handlers are `resource_verb` functions.

mod health;

use axum::routing::get;
use axum::Router;

use crate::error::AppError;
use crate::AppState;

/// Routes relative to `/api`. Anything unmatched here is a JSON 404, never the SPA page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health_get))
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}

async fn api_not_found() -> AppError {
    AppError::NotFound("没有这个接口，请确认应用已更新到最新版本。".to_owned())
}

async fn api_method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
