//! Security headers on every response (API, static files, errors, onboarding), one layer.
//!
//! The Content-Security-Policy is the one the app really runs under: the wasm needs
//! `'wasm-unsafe-eval'`; the built `index.html` has no inline script (the loader is
//! `boot.js`, see scripts/bundle.mjs) and the app sets no inline style attribute, so
//! neither `'unsafe-inline'` is needed. Photos and signatures are shown from `blob:` URLs and
//! canvas `data:` URLs. Violations are reported to `POST /api/csp-report`, logged and counted
//! (`GET /api/csp-report` returns the count, which an end-to-end test checks is 0).
//!
//! Each header is only added when the response lacks it, so a handler may set its own.
//! `Strict-Transport-Security` only on https: responses of the TLS listener (marked with
//! [`ServedOverTls`]) and, behind the configured proxy, requests it says came over https.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::auth;
use crate::AppState;

/// The policy of every response that does not bring its own.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; \
manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'; report-uri /api/csp-report";
pub const HSTS: &str = "max-age=31536000";
pub const PERMISSIONS_POLICY: &str =
    "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()";
const PERMISSIONS_POLICY_NAME: HeaderName = HeaderName::from_static("permissions-policy");

/// Request extension set by the https listener's router: this response gets HSTS.
#[derive(Debug, Clone, Copy)]
pub struct ServedOverTls;

/// The layer: `app` adds it outermost, so errors and fallbacks carry the headers too.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let https = req.extensions().get::<ServedOverTls>().is_some()
        || (auth::from_trusted_proxy(req.extensions())
            && req
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https")));
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    let fixed = [
        (CONTENT_SECURITY_POLICY, CSP),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (REFERRER_POLICY, "no-referrer"),
        (X_FRAME_OPTIONS, "DENY"),
        (PERMISSIONS_POLICY_NAME, PERMISSIONS_POLICY),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if https {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}

/// Largest CSP report read; browsers send well under 4 KB.
pub const CSP_REPORT_MAX_BYTES: usize = 16 * 1024;
/// Reports read from one request (a browser batches a few; more would only flood the log).
const MAX_REPORTS_PER_REQUEST: usize = 10;
/// How many recent reports `GET /api/csp-report` shows.
const RECENT_REPORTS: usize = 20;

/// CSP violation reports received since start.
#[derive(Debug, Default)]
pub struct CspReports {
    count: AtomicU64,
    recent: Mutex<VecDeque<Value>>,
}

impl CspReports {
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The last few reports: directive, blocked URI and page path.
    pub fn recent(&self) -> Vec<Value> {
        self.recent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    fn record(&self, summary: Value) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() == RECENT_REPORTS {
            recent.pop_front();
        }
        recent.push_back(summary);
    }
}

/// `POST /api/csp-report`: what a browser sends for `report-uri` (`application/csp-report`,
/// `{"csp-report": {…}}`; the Reporting API's array form is read too). Always 204.
pub async fn csp_report_post(State(state): State<AppState>, body: Bytes) -> StatusCode {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reports: Vec<&Value> = match &parsed {
        Value::Array(items) => items.iter().map(|r| r.get("body").unwrap_or(r)).collect(),
        Value::Object(_) => vec![parsed.get("csp-report").unwrap_or(&parsed)],
        _ => Vec::new(),
    };
    if reports.is_empty() {
        tracing::warn!(bytes = body.len(), "CSP report that is not JSON");
        state.csp_reports.record(json!({ "unparsed": true }));
        return StatusCode::NO_CONTENT;
    }
    // Anyone may post here: a handful per request is all a browser sends, and all that is logged.
    for report in reports.into_iter().take(MAX_REPORTS_PER_REQUEST) {
        let field = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| report.get(*n).and_then(Value::as_str))
                .map(|s| s.chars().take(200).collect::<String>())
                .unwrap_or_default()
        };
        let directive = field(&[
            "effective-directive",
            "effectiveDirective",
            "violated-directive",
        ]);
        let blocked = field(&["blocked-uri", "blockedURL"]);
        let page = field(&["document-uri", "documentURL"]);
        let sample = field(&["script-sample", "sample"]);
        let source = field(&["source-file", "sourceFile"]);
        let line = report
            .get("line-number")
            .or_else(|| report.get("lineNumber"))
            .cloned()
            .unwrap_or(Value::Null);
        tracing::warn!(
            %directive, %blocked, %page, %source, %line, %sample,
            "内容安全策略（CSP）拦截了页面的一项操作"
        );
        state.csp_reports.record(json!({
            "directive": directive, "blocked": blocked, "page": page,
            "source": source, "line": line, "sample": sample,
        }));
    }
    StatusCode::NO_CONTENT
}

/// `GET /api/csp-report`: `{"count": n, "recent": [...]}`, for tests and the curious admin.
pub async fn csp_report_get(State(state): State<AppState>) -> impl IntoResponse {
    axum::Json(json!({
        "count": state.csp_reports.count(),
        "recent": state.csp_reports.recent(),
    }))
}
