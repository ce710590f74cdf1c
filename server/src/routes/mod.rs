//! The JSON API under `/api`. One file per resource; handlers are `resource_verb` functions.

mod auth;
mod health;
mod photo_batch;
mod photos;
mod reports;
mod sync;

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post, put, MethodRouter};
use axum::Router;
use model::sync::MAX_PUSH_BYTES;
use tower_http::timeout::TimeoutLayer;

use crate::error::AppError;
use crate::{AppState, REQUEST_TIMEOUT};

/// A photo upload may take long on a weak link (15 MB at 2G speed); it gets its own limit.
pub const PHOTO_UPLOAD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Routes relative to `/api`. Anything unmatched here is a JSON 404, never the SPA page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health_get))
        .route("/login", post(auth::login_post))
        .route("/logout", post(auth::logout_post))
        .route("/me", get(auth::me_get))
        .route(
            "/account/password",
            post(crate::admin::password::password_post),
        )
        .nest("/admin", crate::admin::router())
        .route(
            "/sync/push",
            post(sync::push_post).layer(DefaultBodyLimit::max(MAX_PUSH_BYTES)),
        )
        .route("/sync/pull", get(sync::pull_get))
        .route("/records/{id}", get(sync::record_get))
        .route("/photos/check", post(photos::photos_check_post))
        .route("/photos/{sha256}", get(photos::photo_get))
        .route(
            "/reports/annex1.xlsx",
            get(reports::annex1_get).post(reports::annex1_post),
        )
        .route("/reports/annex3.xlsx", get(reports::annex3_get))
        .route("/reports/annex2.xlsx", get(reports::annex2_get))
        .route("/reports/annex4.xlsx", get(reports::annex4_get))
        .route(
            "/csp-report",
            post(crate::headers::csp_report_post)
                .get(crate::headers::csp_report_get)
                .layer(DefaultBodyLimit::max(crate::headers::CSP_REPORT_MAX_BYTES)),
        )
        .route_layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Added after the 30 s layer so they are not covered by it. The body is read within the
        // photo store's own memory budget and size check, so axum's buffering limit does not
        // apply. Several photos in one request (batch) have the same limits as one photo's PUT.
        .route("/photos/{sha256}", photo_upload(put(photos::photo_put)))
        .route(
            "/photos/batch",
            photo_upload(post(photo_batch::photo_batch_post)),
        )
        .nest("/roster", crate::roster::router())
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed)
}

/// A photo upload route: no axum body limit, and the long upload timeout instead of 30 s.
fn photo_upload(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route
        .layer::<_, Infallible>(DefaultBodyLimit::disable())
        .layer::<_, Infallible>(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            PHOTO_UPLOAD_TIMEOUT,
        ))
}

async fn api_not_found() -> AppError {
    AppError::NotFound("没有这个接口，请确认应用已更新到最新版本。".to_owned())
}

async fn api_method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}
