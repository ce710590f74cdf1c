use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::sync::Role;
use serde_json::json;
use yinhuan_server::auth::sha256_hex;
use yinhuan_server::Backend;

use crate::helpers::{
    body_bytes, body_json, enterprise_change, hazard_change, header, new_id, spawn_app_on, TestApp,
    DINGXIANG, XINFU,
};

/// Bytes that start like a JPEG; `n` makes each photo different.
fn jpeg(n: u8) -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec();
    bytes.extend(std::iter::repeat_n(n, 5000));
    bytes
}

async fn put(app: &TestApp, token: &str, sha: &str, body: Body) -> axum::http::Response<Body> {
    let req = Request::put(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .body(body)
        .unwrap();
    app.request(req).await
}

/// Nothing in the store: no photo, no temp file.
fn store_files(app: &TestApp) -> Vec<String> {
    let dir = app.state.config.photos_dir();
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

async fn a_photo_is_checked_uploaded_once_and_a_repeat_is_harmless(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let bytes = jpeg(1);
    let sha = sha256_hex(&bytes);
    let check = |hashes: Vec<String>| {
        app.post_json(
            "/api/photos/check",
            Some(&token),
            json!({ "hashes": hashes }),
        )
    };

    let before = body_json(check(vec![sha.clone()]).await).await;
    assert_eq!(before["missing"], json!([sha]));

    let res = put(&app, &token, &sha, Body::from(bytes.clone())).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let receipt = body_json(res).await;
    assert_eq!(receipt["sha256"], sha);
    assert_eq!(receipt["bytes"], bytes.len());
    assert_eq!(receipt["content_type"], "image/jpeg");
    assert_eq!(receipt["already_stored"], false);
    let path = app.state.config.photos_dir().join(&sha[..2]).join(&sha);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    let after = body_json(check(vec![sha.clone()]).await).await;
    assert_eq!(after["missing"], json!([]));
    let repeat = put(&app, &token, &sha, Body::from(bytes.clone())).await;
    assert_eq!(repeat.status(), StatusCode::OK);
    assert_eq!(body_json(repeat).await["already_stored"], true);
    assert_eq!(store_files(&app), vec![path.display().to_string()]);

    let bad = check(vec!["not-a-hash".into()]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

async fn bytes_that_do_not_match_their_hash_are_a_422_and_not_stored(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let sha = sha256_hex(&jpeg(1));

    let res = put(&app, &token, &sha, Body::from(jpeg(2))).await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_json(res).await;
    assert_eq!(body["code"], "unprocessable");
    assert!(body["message"].as_str().unwrap().contains("SHA-256"));
    assert!(store_files(&app).is_empty());
}

async fn a_file_that_is_not_a_jpeg_png_or_webp_is_a_415(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let text = "这不是照片".repeat(100).into_bytes();
    let sha = sha256_hex(&text);

    let res = put(&app, &token, &sha, Body::from(text)).await;

    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body_json(res).await["message"]
        .as_str()
        .unwrap()
        .contains("JPEG"));
    assert!(store_files(&app).is_empty());
}

async fn a_photo_over_15_mb_is_a_413(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let mut big = jpeg(3);
    big.resize(15 * 1024 * 1024 + 1, 7);
    let sha = sha256_hex(&big);

    // Streamed without a length: cut off once past the limit.
    let streamed = put(&app, &token, &sha, Body::from(big)).await;
    // Announced by Content-Length: refused before reading.
    let req = Request::put(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-length", (15 * 1024 * 1024 + 1).to_string())
        .body(Body::empty())
        .unwrap();
    let announced = app.request(req).await;

    for res in [streamed, announced] {
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = body_json(res).await;
        assert_eq!(body["code"], "payload_too_large");
        assert!(body["message"].as_str().unwrap().contains("15 MB"));
    }
    assert!(store_files(&app).is_empty());
}

async fn an_upload_cut_off_midway_leaves_nothing_behind(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let bytes = jpeg(4);
    let sha = sha256_hex(&bytes);
    let half = bytes[..2500].to_vec();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "cut",
        )),
    ];

    let res = put(
        &app,
        &token,
        &sha,
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
    .await;

    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(store_files(&app).is_empty());
    let check = app
        .post_json(
            "/api/photos/check",
            Some(&token),
            json!({ "hashes": [sha] }),
        )
        .await;
    assert_eq!(body_json(check).await["missing"], json!([sha]));
    // The retry then succeeds.
    let retry = put(&app, &token, &sha, Body::from(bytes)).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
}

async fn a_photo_is_served_only_to_users_who_may_see_a_record_using_it(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("demo", Role::City).await;
    let xinfu = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let dingxiang = app
        .user("dingxiang_wang", Role::County(DINGXIANG.into()))
        .await;
    let (used, unused) = (jpeg(5), jpeg(6));
    let (sha, unused_sha) = (sha256_hex(&used), sha256_hex(&unused));
    for (bytes, h) in [(&used, &sha), (&unused, &unused_sha)] {
        let res = put(&app, &xinfu, h, Body::from(bytes.clone())).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let e = new_id();
    app.push(
        &xinfu,
        vec![
            enterprise_change(e, XINFU, 0, "忻府甲"),
            hazard_change(new_id(), e, 0, "护栏缺失", "open", &[&sha]),
        ],
    )
    .await;

    for token in [&xinfu, &city] {
        let res = app.get_auth(&format!("/api/photos/{sha}"), token).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "content-type"), "image/jpeg");
        assert_eq!(
            header(&res, "cache-control"),
            "private, max-age=31536000, immutable"
        );
        assert_eq!(body_bytes(res).await, used);
    }
    // Another county: 403. An unreferenced photo and one that does not exist: 404.
    let res = app
        .get_auth(&format!("/api/photos/{sha}"), &dingxiang)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let err = body_json(res).await;
    assert_eq!(err["code"], "forbidden");
    assert!(
        err["message"].as_str().unwrap().contains("无权查看"),
        "{err}"
    );
    let missing = sha256_hex(b"nothing");
    for (token, h) in [(&city, &unused_sha), (&city, &missing)] {
        let res = app.get_auth(&format!("/api/photos/{h}"), token).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(body_json(res).await["code"], "not_found");
    }
    // Without a token: 401, for reading and for uploading.
    assert_eq!(
        app.get(&format!("/api/photos/{sha}")).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let req = Request::put(format!("/api/photos/{sha}"))
        .body(Body::from(used.clone()))
        .unwrap();
    assert_eq!(app.request(req).await.status(), StatusCode::UNAUTHORIZED);
    // A cached copy is revalidated by its hash.
    let req = Request::get(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {xinfu}"))
        .header("if-none-match", format!("\"{sha}\""))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.request(req).await.status(), StatusCode::NOT_MODIFIED);
}

crate::both_backends!(
    a_photo_is_checked_uploaded_once_and_a_repeat_is_harmless,
    bytes_that_do_not_match_their_hash_are_a_422_and_not_stored,
    a_file_that_is_not_a_jpeg_png_or_webp_is_a_415,
    a_photo_over_15_mb_is_a_413,
    an_upload_cut_off_midway_leaves_nothing_behind,
    a_photo_is_served_only_to_users_who_may_see_a_record_using_it,
);
