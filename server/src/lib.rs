//! 隐患排查 server: the JSON API and the built PWA, from one axum router.
//!
//! [`app`] builds the whole router from an [`AppState`], so tests drive it with
//! `tower::ServiceExt::oneshot` and no socket; `main.rs` only parses the command line,
//! opens the state and serves.

pub mod admin;
pub mod auth;
pub mod backup;
pub mod check;
pub mod cli;
pub mod config;
pub mod db;
pub mod db_copy;
pub mod error;
pub mod extract;
pub mod headers;
pub mod onboarding;
pub mod photos;
pub mod pull_cache;
pub mod pull_seen;
pub mod records;
mod reports;
mod roster;
mod routes;
mod static_files;
pub mod telemetry;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::{Extension, Router};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use config::Config;
pub use db::{Backend, Db, DbError};
pub use error::AppError;

/// Longest time a request may take. Generous for a weak mobile link; the photo upload, which
/// streams a large body, has its own (`routes::PHOTO_UPLOAD_TIMEOUT`).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything a handler may need. Cheap to clone (a pool handle and an `Arc`).
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Where photos are kept (local directory, S3 or memory).
    pub photos: photos::PhotoStore,
    /// Failed logins per (username, IP), kept in the database: shared by every server on it.
    pub login_limiter: Arc<auth::LoginLimiter>,
    /// CSP violation reports received (`/api/csp-report`).
    pub csp_reports: Arc<headers::CspReports>,
    /// Encoded pull pages shared by the requests asking for the same one (exact: see there).
    pub pull_cache: Arc<pull_cache::PullCache>,
    /// Devices whose pull this server recorded lately (the `devices` row is not written for
    /// every page).
    pub pull_seen: Arc<pull_seen::PullSeen>,
    /// Stored photos' upload rows and audit lines, committed several at a time.
    pub upload_log: Arc<photos::upload_log::UploadLog>,
}

impl AppState {
    /// Opens the configured database (creating and migrating it as needed).
    pub async fn open(config: Config) -> Result<Self, DbError> {
        let db = Db::open(&config).await?;
        let login_limiter = Arc::new(auth::LoginLimiter::new(db.clone()));
        let photos = photos::PhotoStore::open(&config.photo_location(), &config.data_dir)
            .map_err(DbError::PhotoStore)?;
        Ok(Self {
            db,
            photos,
            config: Arc::new(config),
            login_limiter,
            csp_reports: Arc::default(),
            pull_cache: Arc::default(),
            pull_seen: Arc::default(),
            upload_log: Arc::default(),
        })
    }
}

/// The whole HTTP application: `/api/*` JSON routes, then the PWA from `dist_dir` for the rest.
pub fn app(state: AppState) -> Router {
    let pwa = static_files::router(&state.config.dist_dir).layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        REQUEST_TIMEOUT,
    ));
    let proxy = state.config.behind_proxy.map(auth::TrustedProxy);
    let router = Router::new()
        // API answers are made per request: gzip, not brotli, whose encoder cost half the CPU
        // of 200 devices pulling at once (p99 3× lower for 40 % more bytes; the app's static
        // files keep brotli from the outer layer, which leaves encoded responses alone).
        .nest(
            "/api",
            routes::router().layer(CompressionLayer::new().no_br()),
        )
        .merge(onboarding::router())
        .fallback_service(pwa)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                // Outside compression and every route: errors and fallbacks get them too.
                .layer(axum::middleware::from_fn(headers::security_headers))
                // gzip and br. The default predicate skips only images (except SVG), gRPC, SSE
                // and bodies under 32 bytes, so wasm, JS, CSS, HTML and JSON are compressed;
                // tower-http caps brotli at quality 4, cheap enough per request.
                .layer(CompressionLayer::new()),
        );
    with_proxy(router, proxy)
}

/// [`app`] as the https listener serves it: every response also carries HSTS.
pub fn https_app(state: AppState) -> Router {
    app(state).layer(Extension(headers::ServedOverTls))
}

/// The plain-http port beside https: the onboarding page and the CA download, and a redirect
/// to the https address for everything else.
pub fn redirect_app(state: AppState) -> Router {
    let proxy = state.config.behind_proxy.map(auth::TrustedProxy);
    let router = onboarding::router()
        .fallback(onboarding::redirect_to_https)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(axum::middleware::from_fn(headers::security_headers)),
        );
    with_proxy(router, proxy)
}

/// `--behind-proxy`: requests learn which peer may speak for the client (outermost layer, so
/// the headers layer and the login limiter both see it).
fn with_proxy(router: Router, proxy: Option<auth::TrustedProxy>) -> Router {
    match proxy {
        Some(proxy) => router.layer(Extension(proxy)),
        None => router,
    }
}
