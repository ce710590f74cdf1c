//! Serves the PWA that scripts/build-pwa built into `dist/`.
//!
//! - Files come from `tower_http::services::ServeDir` (MIME types from `mime_guess`:
//!   `.wasm` → `application/wasm`, `.webmanifest` → `application/manifest+json`,
//!   `.js` → `text/javascript`; ranges, `If-Modified-Since`, and `.br`/`.gz` siblings
//!   if a build step ever writes them).
//! - Cache policy by file name: the build puts a content hash in the names of the wasm, its JS
//!   glue, the office chunk and its loader, and the CSS, so those may be cached forever; everything else (`index.html`, `sw.js`, the
//!   manifest, icons) must be revalidated or an update would never reach the phones.
//! - SPA fallback: the app's routes (`/jiancha/123`) have no file behind them and get
//!   `index.html`; a missing path with an extension is a real 404 (a stale asset URL must not
//!   be answered with HTML, which the browser would then try to run as JS or wasm).

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::service_fn;
use tower_http::services::ServeDir;

use crate::config::index_html;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

const NOT_BUILT_PAGE: &str = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>隐患排查</title></head>\
<body><h1>尚未构建前端</h1><p>服务器已运行，但找不到已构建的前端页面（dist/index.html）。\
请先运行 <code>scripts/run</code>（它会构建前端并启动服务器），\
或用 <code>--dist</code> 指向已构建的目录。</p></body></html>\n";

/// A router serving `dist_dir` at the site root; meant as the app's fallback service.
pub fn router(dist_dir: &Path) -> Router {
    let index = index_html(dist_dir);
    let spa = service_fn(move |req: Request| spa_fallback(index.clone(), req));
    let files = ServeDir::new(dist_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(spa);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_control))
}

async fn spa_fallback(index: PathBuf, req: Request) -> Result<Response, Infallible> {
    if has_extension(req.uri().path()) {
        return Ok((StatusCode::NOT_FOUND, "找不到该文件。").into_response());
    }
    Ok(match tokio::fs::read(&index).await {
        Ok(html) => html_response(StatusCode::OK, Body::from(html)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(path = %index.display(), "PWA not built: index.html missing");
            html_response(StatusCode::SERVICE_UNAVAILABLE, Body::from(NOT_BUILT_PAGE))
        }
        Err(e) => {
            tracing::error!(path = %index.display(), error = %e, "cannot read index.html");
            (StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误").into_response()
        }
    })
}

fn html_response(status: StatusCode, body: Body) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

async fn cache_control(req: Request, next: Next) -> Response {
    let hashed = is_content_hashed(req.uri().path());
    let mut res = next.run(req).await;
    let ok = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let policy = if hashed && ok { IMMUTABLE } else { NO_CACHE };
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    res
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `true` when the last path segment looks like a file (`app.js`, not `jiancha` or `v1.`).
fn has_extension(path: &str) -> bool {
    match file_name(path).rsplit_once('.') {
        Some((stem, ext)) => !stem.is_empty() && !ext.is_empty(),
        None => false,
    }
}

/// `true` for content-hashed names: `main-<hash>.css`, `app-<hash>.js`, `app-<hash>_bg.wasm`,
/// `split_office-<hash>.wasm`. scripts/bundle.mjs writes 16 hex digits; Trunk, which built
/// earlier versions, wrote the 64-bit hash unpadded (15 digits 1 time in 16); accept 12 to 16 (shorter would be a 1 in 65536 build, which
/// then is merely revalidated, never wrongly cached).
fn is_content_hashed(path: &str) -> bool {
    let name = file_name(path);
    if !has_extension(name) {
        return false;
    }
    name.match_indices('-').any(|(i, _)| {
        let rest = &name.as_bytes()[i + 1..];
        let digits = rest
            .iter()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        (12..=16).contains(&digits) && matches!(rest.get(digits), Some(b'.' | b'_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_content_hashed("/yinhuan-app-3f2a9c1d0e4b5a6f_bg.wasm"));
        assert!(is_content_hashed("/yinhuan-app-3f2a9c1d0e4b5a6f.js"));
        assert!(is_content_hashed("/style-0123456789abcdef.css"));
        // a hash with a leading zero nibble is printed with 15 digits
        assert!(is_content_hashed("/style-123456789abcdef.css"));
    }

    #[test]
    fn stable_names_are_not_hashed() {
        for path in [
            "/",
            "/index.html",
            "/sw.js",
            "/manifest.webmanifest",
            "/icons/icon-192.png",
            "/jiancha/3f2a9c1d0e4b5a6f",
            "/style-3F2A9C1D0E4B5A6F.css",
            "/app-3f2a9c1d0e4b5a6f0.js",
        ] {
            assert!(!is_content_hashed(path), "{path}");
        }
    }

    #[test]
    fn extensions_are_told_from_routes() {
        assert!(has_extension("/foo.js"));
        assert!(has_extension("/a/b/c.webmanifest"));
        assert!(!has_extension("/"));
        assert!(!has_extension("/jiancha/123"));
        assert!(!has_extension("/.well-known"));
        assert!(!has_extension("/jiancha/"));
    }
}
