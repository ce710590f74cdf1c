//! Onboarding a phone: `GET /onboarding` (the page: QR code of the https address, the CA to
//! install and its fingerprint), `GET /onboarding/ca.pem` and `GET /onboarding/ca.crt` (the
//! local CA certificate, PEM and DER: never a key). Served on the https side and on the plain
//! http port, where everything else redirects to https ([`redirect_to_https`]).

use std::str::FromStr;

use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, HOST, LOCATION};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::tls::{self, LocalCa};
use crate::AppState;

/// The page, with `{{HTTPS_URL}}`, `{{QR_SVG}}`, `{{CA_FINGERPRINT}}` and `{{CA_URL}}`; its
/// style and script are files of their own (the CSP allows no inline ones).
const TEMPLATE: &str = include_str!("../assets/onboarding.html");
const STYLE: &str = include_str!("../assets/onboarding.css");
const SCRIPT: &str = include_str!("../assets/onboarding.js");
/// The CA's URL without its extension: the page links `{{CA_URL}}.crt` (DER, what Android and
/// iOS install) and `{{CA_URL}}.pem`.
pub const CA_URL: &str = "/onboarding/ca";

const NO_LOCAL_CA: &str = "本服务器没有本地根证书：它使用单位自己的证书（或管理员尚未运行 \
yinhuan-server tls init），手机无需安装根证书，直接用 https 地址打开应用即可。\n";
const NO_HTTPS_PAGE: &str = "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>隐患排查 · 尚未启用 HTTPS</title>\
</head><body><h1>本服务器尚未启用 HTTPS</h1><p>手机上的离线使用、拍照和照片指纹都需要 HTTPS。\
请管理员在服务器上运行 <code>yinhuan-server tls init --host 本机局域网IP</code>，再重新启动服务\
（或用 <code>--tls-cert</code> 与 <code>--tls-key</code> 给出单位已有的证书）。</p></body></html>\n";

/// Routes served on both the https and the plain http side.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/onboarding", get(onboarding_get))
        .route("/onboarding/", get(onboarding_get))
        .route("/onboarding/ca.pem", get(ca_pem_get))
        .route("/onboarding/ca.crt", get(ca_crt_get))
        .route(
            "/onboarding/onboarding.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
        .route(
            "/onboarding/onboarding.js",
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        )
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")],
        body,
    )
        .into_response()
}

/// `GET /onboarding`.
pub async fn onboarding_get(State(state): State<AppState>, req: Request) -> Response {
    let Some(url) = https_url(&state, &req) else {
        return page(StatusCode::SERVICE_UNAVAILABLE, NO_HTTPS_PAGE.to_owned());
    };
    let fingerprint = match LocalCa::load(&state.config) {
        Some(ca) => ca.fingerprint,
        None => "本服务器使用单位自己的证书，手机无需安装根证书".to_owned(),
    };
    let html = TEMPLATE
        .replace("{{HTTPS_URL}}", &escape(&url))
        .replace("{{QR_SVG}}", &tls::qr::svg(&url))
        .replace("{{CA_FINGERPRINT}}", &escape(&fingerprint))
        .replace("{{CA_URL}}", CA_URL);
    page(StatusCode::OK, html)
}

fn page(status: StatusCode, html: String) -> Response {
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// `GET /onboarding/ca.pem`: the CA certificate, PEM.
pub async fn ca_pem_get(State(state): State<AppState>) -> Response {
    match LocalCa::load(&state.config) {
        Some(ca) => download(
            ca.pem.into_bytes(),
            "application/x-pem-file",
            "yinhuan-ca.pem",
        ),
        None => no_local_ca(),
    }
}

/// `GET /onboarding/ca.crt`: the CA certificate, DER (what Android and iOS install).
pub async fn ca_crt_get(State(state): State<AppState>) -> Response {
    match LocalCa::load(&state.config) {
        Some(ca) => download(ca.der, "application/x-x509-ca-cert", "yinhuan-ca.crt"),
        None => no_local_ca(),
    }
}

fn download(body: Vec<u8>, content_type: &'static str, name: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    res
}

fn no_local_ca() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(CONTENT_TYPE, "text/plain; charset=utf-8")],
        NO_LOCAL_CA,
    )
        .into_response()
}

/// Plain http port: everything but onboarding goes to the same host's https port (307, so a
/// later change of port is not remembered by browsers; HSTS on the https side does the rest).
pub async fn redirect_to_https(State(state): State<AppState>, req: Request) -> Response {
    let port = state.config.https_port();
    let target = match (request_host(req.headers()), port) {
        (Some(host), Some(port)) => {
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let base = tls::https_url(&host, port);
            format!("{}{}", base.trim_end_matches('/'), path)
        }
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                "请用 https 地址打开本应用。\n",
            )
                .into_response()
        }
    };
    match HeaderValue::from_str(&target) {
        Ok(location) => {
            let mut res = StatusCode::TEMPORARY_REDIRECT.into_response();
            res.headers_mut().insert(LOCATION, location);
            res
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// The host name of the request (no port), if the `Host` header is a plain authority.
fn request_host(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(HOST)?.to_str().ok()?;
    let authority = Authority::from_str(value).ok()?;
    if value.contains('@') {
        return None;
    }
    Some(authority.host().to_owned())
}

/// The https address for this request: behind the trusted proxy the request's own host; else
/// the request's host with the https port, or the first LAN address when the page is opened on
/// the server itself (a phone cannot use `localhost`). `None` when https is not served.
fn https_url(state: &AppState, req: &Request) -> Option<String> {
    let headers = req.headers();
    let via_proxy_https = crate::auth::from_trusted_proxy(req.extensions())
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    if via_proxy_https {
        let host = headers.get(HOST)?.to_str().ok()?;
        Authority::from_str(host).ok()?;
        return Some(format!("https://{host}/"));
    }
    let port = state.config.https_port()?;
    let host = request_host(headers)
        .filter(|h| !tls::Host::parse(h).is_ok_and(|h| h.is_loopback()))
        .or_else(|| tls::lan_addresses().first().map(ToString::to_string))
        .unwrap_or_else(|| "localhost".to_owned());
    Some(tls::https_url(&host, port))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
