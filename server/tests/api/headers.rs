//! Security headers on every response, and the CSP report endpoint.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use yinhuan_server::headers::{CSP, HSTS, PERMISSIONS_POLICY};
use yinhuan_server::https_app;

use crate::helpers::{body_json, header, spawn_app, spawn_app_without_pwa, JS, WASM};

/// The policy the issue asks for, word for word, plus where reports go.
#[test]
fn the_policy_is_strict() {
    assert_eq!(
        CSP,
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' blob: data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; \
         report-uri /api/csp-report"
    );
    assert!(!CSP.contains("unsafe-inline"));
    assert_eq!(
        PERMISSIONS_POLICY,
        "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"
    );
}

fn assert_security_headers(res: &axum::http::Response<Body>, what: &str) {
    assert_eq!(header(res, "content-security-policy"), CSP, "{what}");
    assert_eq!(header(res, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(res, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header(res, "x-frame-options"), "DENY", "{what}");
    assert_eq!(
        header(res, "permissions-policy"),
        PERMISSIONS_POLICY,
        "{what}"
    );
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let cases: Vec<(Request<Body>, StatusCode)> = vec![
        (
            Request::get("/api/health").body(Body::empty()).unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get("/").body(Body::empty()).unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get("/jiancha/1").body(Body::empty()).unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get(JS).body(Body::empty()).unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get(WASM).body(Body::empty()).unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get("/sw.js").body(Body::empty()).unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get("/manifest.webmanifest")
                .body(Body::empty())
                .unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get("/gone-1234.js").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
        ),
        (
            Request::get("/api/nope").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
        ),
        (
            Request::get("/api/me").body(Body::empty()).unwrap(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Request::delete("/api/health").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (
            Request::post("/api/login")
                .header("content-type", "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
            StatusCode::BAD_REQUEST,
        ),
        (
            Request::get("/")
                .header("accept-encoding", "br")
                .body(Body::empty())
                .unwrap(),
            StatusCode::OK,
        ),
        (
            Request::get("/onboarding").body(Body::empty()).unwrap(),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        (
            Request::get("/onboarding/ca.crt")
                .body(Body::empty())
                .unwrap(),
            StatusCode::NOT_FOUND,
        ),
        (
            Request::get("/onboarding/onboarding.js")
                .body(Body::empty())
                .unwrap(),
            StatusCode::OK,
        ),
    ];
    for (req, status) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let res = app.request(req).await;
        assert_eq!(res.status(), status, "{what}");
        assert_security_headers(&res, &what);
        assert_eq!(
            header(&res, "strict-transport-security"),
            "",
            "no HSTS on http: {what}"
        );
    }

    // The "not built" page too.
    let unbuilt = spawn_app_without_pwa().await;
    let res = unbuilt.get("/").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_security_headers(&res, "not built");
}

#[tokio::test]
async fn the_https_side_adds_hsts() {
    let app = spawn_app().await;
    let https = https_app(app.state.clone());
    for uri in ["/", "/api/health", "/api/nope", "/onboarding"] {
        let res = tower::ServiceExt::oneshot(
            https.clone(),
            Request::get(uri).body(Body::empty()).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(header(&res, "strict-transport-security"), HSTS, "{uri}");
        assert_security_headers(&res, uri);
    }
}

#[tokio::test]
async fn csp_reports_are_counted_and_readable() {
    let app = spawn_app().await;
    assert_eq!(app.state.csp_reports.count(), 0);

    // What Chromium sends for report-uri.
    let report = json!({"csp-report": {
        "document-uri": "https://yinhuan.lan:8443/jiancha/1",
        "referrer": "",
        "violated-directive": "style-src-attr",
        "effective-directive": "style-src-attr",
        "original-policy": CSP,
        "disposition": "enforce",
        "blocked-uri": "inline",
        "line-number": 1,
        "source-file": "https://yinhuan.lan:8443/yinhuan-app.js",
        "status-code": 200,
        "script-sample": ""
    }});
    let res = app
        .request(
            Request::post("/api/csp-report")
                .header("content-type", "application/csp-report")
                .body(Body::from(report.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_security_headers(&res, "report");
    assert_eq!(app.state.csp_reports.count(), 1);

    // The Reporting API's form (an array) is read as well.
    let res = app
        .request(
            Request::post("/api/csp-report")
                .header("content-type", "application/reports+json")
                .body(Body::from(
                    json!([{"type": "csp-violation", "body": {
                        "effectiveDirective": "script-src-elem", "blockedURL": "inline",
                        "documentURL": "https://yinhuan.lan:8443/"}}])
                    .to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.state.csp_reports.count(), 2);

    let body = body_json(app.get("/api/csp-report").await).await;
    assert_eq!(body["count"], 2);
    assert_eq!(body["recent"][0]["directive"], "style-src-attr");
    assert_eq!(body["recent"][1]["directive"], "script-src-elem");

    // Too big a body is refused without counting.
    let res = app
        .request(
            Request::post("/api/csp-report")
                .header("content-type", "application/csp-report")
                .body(Body::from(vec![b'x'; 64 * 1024]))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.state.csp_reports.count(), 2);
}
