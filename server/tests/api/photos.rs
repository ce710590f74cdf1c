use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::sync::Role;
use serde_json::json;
use std::time::Duration;

use yinhuan_server::auth::sha256_hex;
use yinhuan_server::{photos, Backend};

use crate::helpers::{
    body_bytes, body_json, enterprise_change, hazard_change, header, inspection_change, new_id,
    spawn_app_on, valid_jpeg as jpeg, valid_png, TestApp, DINGXIANG, XINFU,
};

async fn put(app: &TestApp, token: &str, sha: &str, body: Body) -> axum::http::Response<Body> {
    put_as(app, token, sha, Some("image/jpeg"), body).await
}

async fn put_as(
    app: &TestApp,
    token: &str,
    sha: &str,
    content_type: Option<&str>,
    body: Body,
) -> axum::http::Response<Body> {
    let mut req = Request::put(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {token}"));
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    app.request(req.body(body).unwrap()).await
}

/// Uploads `bytes` as a JPEG and returns the status.
async fn upload(app: &TestApp, token: &str, bytes: &[u8]) -> StatusCode {
    put(app, token, &sha256_hex(bytes), Body::from(bytes.to_vec()))
        .await
        .status()
}

async fn missing(app: &TestApp, token: &str, hashes: &[&str]) -> serde_json::Value {
    let res = app
        .post_json(
            "/api/photos/check",
            Some(token),
            json!({ "hashes": hashes }),
        )
        .await;
    body_json(res).await["missing"].clone()
}

pub(crate) fn stored_path(app: &TestApp, sha: &str) -> std::path::PathBuf {
    app.state.config.photos_dir().join(&sha[..2]).join(sha)
}

/// Every file in the photo store (photos and temp files), sorted.
pub(crate) fn store_files(app: &TestApp) -> Vec<String> {
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
    out.sort();
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

async fn a_file_that_is_not_a_jpeg_or_png_is_a_415(backend: Backend) {
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
    push_hazard_using(&app, &xinfu, &[&sha]).await;

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

/// A new enterprise in 忻府区, an inspection of it and a hazard found there using `photos`.
fn hazard_with_photos(h: uuid::Uuid, e: uuid::Uuid, photos: &[&str]) -> Vec<serde_json::Value> {
    let inspection = new_id();
    let mut hazard = hazard_change(h, e, 0, "护栏缺失", "open", photos);
    hazard["body"]["inspection_id"] = json!(inspection);
    vec![
        enterprise_change(e, XINFU, 0, "照片测试厂"),
        inspection_change(inspection, e, "city_county.county"),
        hazard,
    ]
}

/// Pushes [`hazard_with_photos`]; returns the hazard's outcome.
pub(crate) async fn push_hazard_using(
    app: &TestApp,
    token: &str,
    photos: &[&str],
) -> serde_json::Value {
    let outcomes = app
        .push(token, hazard_with_photos(new_id(), new_id(), photos))
        .await;
    assert_eq!(outcomes[2]["status"], "applied", "{outcomes:?}");
    outcomes[2].clone()
}

async fn a_truncated_or_damaged_jpeg_is_a_422_and_nothing_is_stored(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let full = jpeg(7);
    let mut wrong_end = full.clone();
    *wrong_end.last_mut().unwrap() = 0xD8;
    let cases = [
        (full[..full.len() - 1].to_vec(), "不完整"),
        (full[..full.len() - 2].to_vec(), "不完整"),
        (full[..3000].to_vec(), "不完整"),
        (full[..100].to_vec(), "不完整"),
        (wrong_end, "已损坏"),
    ];
    for (bytes, says) in cases {
        let sha = sha256_hex(&bytes);
        // A record already uses it, so a GET would find it if it were stored.
        push_hazard_using(&app, &token, &[&sha]).await;

        let res = put(&app, &token, &sha, Body::from(bytes)).await;

        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body_json(res).await;
        assert_eq!(body["code"], "unprocessable");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
        assert!(message.contains("请保留本机照片"), "{message}");
        let get = app.get_auth(&format!("/api/photos/{sha}"), &token).await;
        assert_eq!(get.status(), StatusCode::NOT_FOUND);
        assert_eq!(missing(&app, &token, &[&sha]).await, json!([sha]));
    }
    assert!(store_files(&app).is_empty());
}

async fn a_png_sent_as_a_jpeg_is_a_415_and_the_bytes_decide_the_type(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let (png, jpg) = (valid_png(9), jpeg(9));
    let (png_sha, jpg_sha) = (sha256_hex(&png), sha256_hex(&jpg));

    for (sha, bytes, claimed) in [
        (&png_sha, &png, "image/jpeg"),
        (&jpg_sha, &jpg, "image/png"),
    ] {
        let res = put_as(&app, &token, sha, Some(claimed), Body::from(bytes.clone())).await;
        assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let body = body_json(res).await;
        assert_eq!(body["code"], "unsupported_media_type");
        assert!(
            body["message"].as_str().unwrap().contains(claimed),
            "{body}"
        );
    }
    assert!(store_files(&app).is_empty());
    assert_eq!(
        missing(&app, &token, &[&png_sha, &jpg_sha]).await,
        json!([png_sha, jpg_sha])
    );

    // Declared rightly, or not at all (the bytes decide), each is stored.
    let res = put_as(
        &app,
        &token,
        &png_sha,
        Some("image/png"),
        Body::from(png.clone()),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(body_json(res).await["content_type"], "image/png");
    let res = put_as(&app, &token, &jpg_sha, None, Body::from(jpg.clone())).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(body_json(res).await["content_type"], "image/jpeg");
    let other = jpeg(10);
    let res = put_as(
        &app,
        &token,
        &sha256_hex(&other),
        Some("application/octet-stream"),
        Body::from(other),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // A repeat still has to agree with what is stored.
    let res = put_as(&app, &token, &png_sha, Some("image/jpeg"), Body::from(png)).await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = put_as(&app, &token, &png_sha, Some("image/png"), Body::empty()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_json(res).await["already_stored"], true);
}

async fn webp_and_gif_are_refused(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let webp = b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0\x30\x01\0\x9d\x01\x2a\x01\0\x01\0".to_vec();
    let gif = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;".to_vec();
    for (bytes, claimed) in [
        (&webp, Some("image/webp")),
        (&webp, None),
        (&webp, Some("image/jpeg")),
        (&gif, Some("image/gif")),
        (&gif, None),
    ] {
        let sha = sha256_hex(bytes);
        let res = put_as(&app, &token, &sha, claimed, Body::from(bytes.clone())).await;
        assert_eq!(
            res.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{claimed:?}"
        );
        let body = body_json(res).await;
        assert_eq!(body["code"], "unsupported_media_type");
        assert!(body["message"].as_str().unwrap().contains("JPEG"), "{body}");
    }
    assert!(store_files(&app).is_empty());
}

async fn a_stored_photo_that_fails_the_check_gets_no_receipt(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    // Stored by a server from before the structure check.
    let full = jpeg(12);
    let cut = full[..2000].to_vec();
    let sha = sha256_hex(&cut);
    let path = stored_path(&app, &sha);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &cut).unwrap();

    let res = put(&app, &token, &sha, Body::from(cut)).await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_json(res).await["message"]
        .as_str()
        .unwrap()
        .contains("不完整"));
}

async fn an_account_may_hold_only_so_many_photos_no_record_uses(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let app = app.reconfigure(|c| c.max_orphan_photos = 2);
    let xinfu = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let other = app.user("xinfu_wu", Role::County(XINFU.into())).await;
    assert_eq!(upload(&app, &xinfu, &jpeg(21)).await, StatusCode::CREATED);
    assert_eq!(upload(&app, &xinfu, &jpeg(22)).await, StatusCode::CREATED);

    let third = jpeg(23);
    let res = put(&app, &xinfu, &sha256_hex(&third), Body::from(third.clone())).await;

    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = body_json(res).await;
    assert_eq!(body["code"], "too_many_requests");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("先同步引用这些照片的记录"), "{message}");
    assert!(message.contains("上限 2 张"), "{message}");
    assert!(!stored_path(&app, &sha256_hex(&third)).exists());
    // Other accounts are not held up, a repeat is still answered, and a photo whose record is
    // already on the server is no orphan.
    assert_eq!(upload(&app, &other, &jpeg(24)).await, StatusCode::CREATED);
    assert_eq!(upload(&app, &xinfu, &jpeg(21)).await, StatusCode::OK);
    let used = jpeg(25);
    push_hazard_using(&app, &xinfu, &[&sha256_hex(&used)]).await;
    assert_eq!(upload(&app, &xinfu, &used).await, StatusCode::CREATED);
    // Syncing the record that uses one of the orphans makes room.
    push_hazard_using(&app, &xinfu, &[&sha256_hex(&jpeg(21))]).await;
    assert_eq!(upload(&app, &xinfu, &third).await, StatusCode::CREATED);
}

async fn old_orphans_are_cleaned_and_photos_records_use_are_kept(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let (live, tomb, old) = (jpeg(31), jpeg(32), jpeg(33));
    for bytes in [&live, &tomb, &old] {
        assert_eq!(upload(&app, &token, bytes).await, StatusCode::CREATED);
    }
    let (live_sha, tomb_sha, old_sha) = (sha256_hex(&live), sha256_hex(&tomb), sha256_hex(&old));
    push_hazard_using(&app, &token, &[&live_sha]).await;
    // A hazard using `tomb`, then deleted: its tombstone still refers to the photo.
    let (e, h) = (new_id(), new_id());
    let changes = hazard_with_photos(h, e, &[&tomb_sha]);
    let outcomes = app.push(&token, changes.clone()).await;
    let rev = outcomes[2]["rev"].as_i64().unwrap();
    let mut deletion = changes[2].clone();
    deletion["base_rev"] = json!(rev);
    deletion["deleted"] = json!(true);
    deletion["body"]["meta"]["deleted"] = json!(true);
    deletion["body"]["meta"]["base_rev"] = json!(rev);
    deletion["body"]["meta"]["rev"] = json!(rev);
    assert_eq!(
        app.push(&token, vec![deletion]).await[0]["status"],
        "applied"
    );
    // All three uploaded long ago; one more just now.
    app.execute("UPDATE photo_uploads SET uploaded_at = 0")
        .await;
    let fresh = jpeg(34);
    assert_eq!(upload(&app, &token, &fresh).await, StatusCode::CREATED);
    // Stored before uploads were recorded: aged by the file's time.
    let month_ago = std::time::SystemTime::now() - Duration::from_secs(30 * 24 * 3600);
    let write_aged = |bytes: &[u8], modified: Option<std::time::SystemTime>| {
        let path = stored_path(&app, &sha256_hex(bytes));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        if let Some(t) = modified {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        path
    };
    let (legacy_old, legacy_new) = (jpeg(35), jpeg(36));
    write_aged(&legacy_old, Some(month_ago));
    write_aged(&legacy_new, None);
    // A temp file a crash left behind.
    let tmp_dir = app.state.config.photos_dir().join("tmp");
    std::fs::create_dir_all(&tmp_dir).unwrap();
    let crashed = tmp_dir.join("abc.0000000000000000.part");
    std::fs::write(&crashed, b"half a photo").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&crashed)
        .unwrap()
        .set_modified(month_ago)
        .unwrap();

    let week = Duration::from_secs(7 * 24 * 3600);
    let cleaned = photos::clean_orphans(&app.state.db, &app.state.photos, week)
        .await
        .unwrap();

    assert_eq!(cleaned.photos, 2);
    assert_eq!(cleaned.bytes, (old.len() + legacy_old.len()) as u64);
    for (bytes, kept) in [
        (&live, true),
        (&tomb, true),
        (&fresh, true),
        (&legacy_new, true),
        (&old, false),
        (&legacy_old, false),
    ] {
        let sha = sha256_hex(bytes);
        assert_eq!(stored_path(&app, &sha).exists(), kept, "{sha}");
    }
    assert!(!crashed.exists());
    assert_eq!(app.count("SELECT COUNT(*) FROM photo_uploads").await, 3);
    assert_eq!(missing(&app, &token, &[&old_sha]).await, json!([old_sha]));
    let get = app
        .get_auth(&format!("/api/photos/{live_sha}"), &token)
        .await;
    assert_eq!(get.status(), StatusCode::OK);
    // Nothing more to do the second time.
    let again = photos::clean_orphans(&app.state.db, &app.state.photos, week)
        .await
        .unwrap();
    assert_eq!(again, photos::Cleaned::default());
}

crate::both_backends!(
    a_photo_is_checked_uploaded_once_and_a_repeat_is_harmless,
    bytes_that_do_not_match_their_hash_are_a_422_and_not_stored,
    a_file_that_is_not_a_jpeg_or_png_is_a_415,
    a_photo_over_15_mb_is_a_413,
    an_upload_cut_off_midway_leaves_nothing_behind,
    a_photo_is_served_only_to_users_who_may_see_a_record_using_it,
    a_truncated_or_damaged_jpeg_is_a_422_and_nothing_is_stored,
    a_png_sent_as_a_jpeg_is_a_415_and_the_bytes_decide_the_type,
    webp_and_gif_are_refused,
    a_stored_photo_that_fails_the_check_gets_no_receipt,
    an_account_may_hold_only_so_many_photos_no_record_uses,
    old_orphans_are_cleaned_and_photos_records_use_are_kept,
);
