use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::{
    body_bytes, header, spawn_app, spawn_app_without_pwa, CSS, INDEX_HTML, JS, WASM,
};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[tokio::test]
async fn hashed_wasm_is_served_as_application_wasm_and_cached_forever() {
    let app = spawn_app().await;

    let res = app.get(WASM).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), "application/wasm");
    assert_eq!(header(&res, "cache-control"), IMMUTABLE);
    assert!(body_bytes(res).await.starts_with(b"\0asm"));
}

#[tokio::test]
async fn hashed_js_and_css_are_cached_forever_with_their_mime_types() {
    let app = spawn_app().await;

    let js = app.get(JS).await;
    let css = app.get(CSS).await;

    assert_eq!(header(&js, "content-type"), "text/javascript");
    assert_eq!(header(&js, "cache-control"), IMMUTABLE);
    assert_eq!(header(&css, "content-type"), "text/css");
    assert_eq!(header(&css, "cache-control"), IMMUTABLE);
}

#[tokio::test]
async fn index_html_is_served_with_no_cache() {
    let app = spawn_app().await;

    for uri in ["/", "/index.html"] {
        let res = app.get(uri).await;

        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert!(
            header(&res, "content-type").starts_with("text/html"),
            "{uri}"
        );
        assert_eq!(header(&res, "cache-control"), "no-cache", "{uri}");
        assert_eq!(body_bytes(res).await, INDEX_HTML.as_bytes(), "{uri}");
    }
}

#[tokio::test]
async fn service_worker_and_manifest_are_revalidated_with_their_mime_types() {
    let app = spawn_app().await;

    let sw = app.get("/sw.js").await;
    let manifest = app.get("/manifest.webmanifest").await;

    assert_eq!(sw.status(), StatusCode::OK);
    assert_eq!(header(&sw, "content-type"), "text/javascript");
    assert_eq!(header(&sw, "cache-control"), "no-cache");
    assert_eq!(manifest.status(), StatusCode::OK);
    assert_eq!(
        header(&manifest, "content-type"),
        "application/manifest+json"
    );
    assert_eq!(header(&manifest, "cache-control"), "no-cache");
}

#[tokio::test]
async fn an_app_route_falls_back_to_index_html() {
    let app = spawn_app().await;

    for uri in ["/jiancha/123", "/inspections/123", "/yinhuan", "/shezhi/"] {
        let res = app.get(uri).await;

        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&res, "cache-control"), "no-cache", "{uri}");
        assert_eq!(body_bytes(res).await, INDEX_HTML.as_bytes(), "{uri}");
    }
}

#[tokio::test]
async fn a_missing_file_with_an_extension_is_404_not_the_app_page() {
    let app = spawn_app().await;

    for uri in ["/foo.js", "/yinhuan-app-0000000000000000_bg.wasm"] {
        let res = app.get(uri).await;

        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        // a 404 must never be cached as immutable, even under a hashed-looking name
        assert_eq!(header(&res, "cache-control"), "no-cache", "{uri}");
        assert!(
            !header(&res, "content-type").starts_with("text/html"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn gzip_is_applied_when_the_client_accepts_it() {
    let app = spawn_app().await;
    let req = |uri: &str| {
        Request::get(uri)
            .header("accept-encoding", "gzip")
            .body(Body::empty())
            .unwrap()
    };

    for uri in [WASM, JS, "/", "/api/health"] {
        let plain = body_bytes(app.get(uri).await).await;
        let res = app.request(req(uri)).await;

        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert_eq!(header(&res, "content-encoding"), "gzip", "{uri}");
        assert!(header(&res, "vary").contains("accept-encoding"), "{uri}");
        let compressed = body_bytes(res).await;
        if plain.len() > 1000 {
            assert!(
                compressed.len() < plain.len() / 2,
                "{uri}: barely compressed"
            );
        }
        assert_eq!(gunzip(&compressed), plain, "{uri}");
    }
}

#[tokio::test]
async fn brotli_is_preferred_when_the_client_accepts_it() {
    let app = spawn_app().await;
    let req = Request::get(WASM)
        .header("accept-encoding", "gzip, br")
        .body(Body::empty())
        .unwrap();

    let res = app.request(req).await;

    assert_eq!(header(&res, "content-encoding"), "br");
    assert_eq!(header(&res, "content-type"), "application/wasm");
    assert_eq!(header(&res, "cache-control"), IMMUTABLE);
}

#[tokio::test]
async fn precompressed_siblings_of_hashed_files_are_sent_as_they_are() {
    // scripts/precompress.mjs writes `.br` (quality 11) and `.gz` (-9) beside the hashed files at
    // build time; per-request compression would be brotli quality 4.
    let app = spawn_app().await;
    let dist = app.state.config.dist_dir.clone();
    let plain = std::fs::read(dist.join(&WASM[1..])).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &plain).unwrap();
    let gz = gz.finish().unwrap();
    // The server never decodes a sibling: these bytes must arrive untouched.
    let br = b"precompressed brotli sibling".to_vec();
    std::fs::write(dist.join(format!("{}.gz", &WASM[1..])), &gz).unwrap();
    std::fs::write(dist.join(format!("{}.br", &WASM[1..])), &br).unwrap();
    let get = |encoding: &str| {
        Request::get(WASM)
            .header("accept-encoding", encoding)
            .body(Body::empty())
            .unwrap()
    };

    let res = app.request(get("gzip, deflate, br")).await;
    assert_eq!(header(&res, "content-encoding"), "br");
    assert_eq!(header(&res, "content-type"), "application/wasm");
    assert_eq!(header(&res, "cache-control"), IMMUTABLE);
    assert!(header(&res, "vary").contains("accept-encoding"));
    assert_eq!(body_bytes(res).await, br);

    let res = app.request(get("gzip")).await;
    assert_eq!(header(&res, "content-encoding"), "gzip");
    let body = body_bytes(res).await;
    assert_eq!(body, gz);
    assert_eq!(gunzip(&body), plain);

    let res = app.request(get("identity")).await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(body_bytes(res).await, plain);
}

#[tokio::test]
async fn api_answers_are_gzip_even_when_brotli_is_accepted() {
    // Brotli's encoder dominated the CPU of many devices pulling at once (scripts/bench-server).
    let app = spawn_app().await;
    let token = app.user("demo", model::sync::Role::City).await;
    let e = crate::helpers::new_id();
    let changes: Vec<_> = (0..40)
        .map(|i| {
            crate::helpers::hazard_change(
                crate::helpers::new_id(),
                e,
                0,
                &format!("平台护栏缺失第{i}处，需立即整改并复查"),
                "open",
                &[],
            )
        })
        .chain([crate::helpers::enterprise_change(
            e,
            crate::helpers::XINFU,
            0,
            "忻府甲",
        )])
        .collect();
    app.push(&token, changes).await;
    let req = Request::get("/api/sync/pull?limit=1000")
        .header("accept-encoding", "gzip, br")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = app.request(req).await;
    assert_eq!(header(&res, "content-encoding"), "gzip");
}

#[tokio::test]
async fn without_a_built_pwa_the_root_says_to_build_it_first() {
    let app = spawn_app_without_pwa().await;

    let res = app.get("/").await;

    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&res, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&res, "cache-control"), "no-cache");
    let page = String::from_utf8(body_bytes(res).await).unwrap();
    assert!(page.contains("尚未构建前端"), "{page}");
    assert!(page.contains("scripts/run"), "{page}");
}

fn gunzip(compressed: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(compressed)
        .read_to_end(&mut plain)
        .expect("valid gzip");
    plain
}
