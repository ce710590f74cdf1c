//! `POST /api/photos/batch`: each photo of a batch is answered as its own PUT would be, and a
//! batch that is malformed or cut off stores nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::photo_batch::{manifest_line, BatchPhoto, BATCH_CONTENT_TYPE, MAX_BATCH_PHOTOS};
use model::sync::Role;
use serde_json::{json, Value};

use yinhuan_server::auth::sha256_hex;
use yinhuan_server::Backend;

use crate::helpers::{body_json, spawn_app_on, valid_jpeg as jpeg, valid_png, TestApp, XINFU};
use crate::photos::{store_files, stored_path};

/// A batch body: the manifest (hash, size, type of each photo, in order), then the bytes.
fn batch(photos: &[(&str, &[u8], &str)]) -> Vec<u8> {
    let manifest: Vec<BatchPhoto> = photos
        .iter()
        .map(|(sha, bytes, ct)| BatchPhoto {
            sha256: (*sha).to_owned(),
            bytes: bytes.len() as u64,
            content_type: (*ct).to_owned(),
        })
        .collect();
    let mut body = manifest_line(&manifest).into_bytes();
    for (_, bytes, _) in photos {
        body.extend_from_slice(bytes);
    }
    body
}

async fn post(app: &TestApp, token: &str, content_type: &str, body: Body) -> (StatusCode, Value) {
    let req = Request::post("/api/photos/batch")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(body)
        .unwrap();
    let res = app.request(req).await;
    let status = res.status();
    (status, body_json(res).await)
}

fn statuses(answer: &Value) -> Vec<u64> {
    answer["photos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_u64().unwrap())
        .collect()
}

async fn each_photo_is_stored_or_refused_on_its_own(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let (good, there, damaged, png, untyped) = (jpeg(1), jpeg(2), jpeg(3), valid_png(4), jpeg(5));
    let there_sha = sha256_hex(&there);
    // Stored before by a single PUT: a repeat in a batch is answered 200 and not written again.
    let put = Request::put(format!("/api/photos/{there_sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(there.clone()))
        .unwrap();
    assert_eq!(app.request(put).await.status(), StatusCode::CREATED);
    let mut cut = damaged.clone();
    cut.truncate(damaged.len() - 10);
    let shas: Vec<String> = [&good, &there, &cut, &png, &untyped]
        .iter()
        .map(|b| sha256_hex(b))
        .collect();
    // The bytes of another photo under `good`'s neighbour's name: not what the name says.
    let wrong_sha = sha256_hex(&jpeg(6));
    let body = batch(&[
        (&shas[0], &good, "image/jpeg"),
        (&shas[1], &there, "image/jpeg"),
        (&shas[2], &cut, "image/jpeg"),
        (&shas[3], &png, "image/jpeg"),
        (&shas[4], &untyped, ""),
        (&wrong_sha, &jpeg(7), "image/jpeg"),
    ]);

    let (status, answer) = post(&app, &token, BATCH_CONTENT_TYPE, Body::from(body)).await;

    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(statuses(&answer), vec![201, 200, 422, 415, 201, 422]);
    let photos = answer["photos"].as_array().unwrap();
    for (a, sha) in photos.iter().zip(shas.iter().chain([&wrong_sha])) {
        assert_eq!(a["sha256"], json!(sha));
    }
    assert_eq!(photos[2]["code"], "unprocessable");
    assert!(
        photos[2]["message"].as_str().unwrap().contains("不完整"),
        "{answer}"
    );
    assert!(
        photos[3]["message"]
            .as_str()
            .unwrap()
            .contains("image/jpeg"),
        "{answer}"
    );
    assert!(
        photos[5]["message"].as_str().unwrap().contains("不符"),
        "{answer}"
    );
    assert!(photos[0].get("message").is_none());
    // Exactly the accepted photos are in the store, byte for byte, with their upload rows.
    for (sha, bytes) in [(&shas[0], &good), (&shas[1], &there), (&shas[4], &untyped)] {
        assert_eq!(&std::fs::read(stored_path(&app, sha)).unwrap(), bytes);
    }
    assert_eq!(store_files(&app).len(), 3);
    assert_eq!(app.count("SELECT COUNT(*) FROM photo_uploads").await, 3);
    let check = app
        .post_json("/api/photos/check", Some(&token), json!({ "hashes": shas }))
        .await;
    assert_eq!(body_json(check).await["missing"], json!([shas[2], shas[3]]));
}

async fn a_malformed_or_cut_batch_stores_nothing(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let (a, b) = (jpeg(11), jpeg(12));
    let (sa, sb) = (sha256_hex(&a), sha256_hex(&b));
    let whole = batch(&[(&sa, &a, "image/jpeg"), (&sb, &b, "image/jpeg")]);

    // Shorter than its manifest says (a client that stopped sending, a hand-made body).
    let short = whole[..whole.len() - 1].to_vec();
    let (status, body) = post(&app, &token, BATCH_CONTENT_TYPE, Body::from(short)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("不完整"),
        "{body}"
    );

    // The connection cut midway.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(whole[..whole.len() / 2].to_vec()),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "cut",
        )),
    ];
    let (status, _) = post(
        &app,
        &token,
        BATCH_CONTENT_TYPE,
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Not a batch at all, a broken manifest, the same photo twice, too many photos.
    let (status, body) = post(&app, &token, "image/jpeg", Body::from(whole.clone())).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body["message"].as_str().unwrap().contains("更新应用"),
        "{body}"
    );
    let (status, _) = post(
        &app,
        &token,
        BATCH_CONTENT_TYPE,
        Body::from("{\"photos\":\n"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let twice = batch(&[(&sa, &a, "image/jpeg"), (&sa, &a, "image/jpeg")]);
    let (status, body) = post(&app, &token, BATCH_CONTENT_TYPE, Body::from(twice)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("两次"), "{body}");
    let many: Vec<(String, Vec<u8>)> = (0..=MAX_BATCH_PHOTOS as u8)
        .map(|n| {
            let bytes = jpeg(100 + n);
            (sha256_hex(&bytes), bytes)
        })
        .collect();
    let refs: Vec<(&str, &[u8], &str)> = many
        .iter()
        .map(|(s, b)| (s.as_str(), b.as_slice(), "image/jpeg"))
        .collect();
    let (status, _) = post(&app, &token, BATCH_CONTENT_TYPE, Body::from(batch(&refs))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Without a sign-in.
    let req = Request::post("/api/photos/batch")
        .header("content-type", BATCH_CONTENT_TYPE)
        .body(Body::from(whole.clone()))
        .unwrap();
    assert_eq!(app.request(req).await.status(), StatusCode::UNAUTHORIZED);

    assert!(store_files(&app).is_empty());
    assert_eq!(app.count("SELECT COUNT(*) FROM photo_uploads").await, 0);
    // The whole batch sent again is stored.
    let (status, body) = post(&app, &token, BATCH_CONTENT_TYPE, Body::from(whole)).await;
    assert_eq!((status, statuses(&body)), (StatusCode::OK, vec![201, 201]));
}

async fn the_orphan_limit_counts_the_photos_the_batch_adds(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let app = app.reconfigure(|c| c.max_orphan_photos = 2);
    let token = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let photos: Vec<Vec<u8>> = (21..25).map(jpeg).collect();
    let shas: Vec<String> = photos.iter().map(|b| sha256_hex(b)).collect();
    // The last photo is used by a record already on the server: never an orphan.
    crate::photos::push_hazard_using(&app, &token, &[&shas[3]]).await;
    let refs: Vec<(&str, &[u8], &str)> = shas
        .iter()
        .zip(&photos)
        .map(|(s, b)| (s.as_str(), b.as_slice(), "image/jpeg"))
        .collect();

    let (status, answer) = post(&app, &token, BATCH_CONTENT_TYPE, Body::from(batch(&refs))).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(statuses(&answer), vec![201, 201, 429, 201]);
    assert_eq!(answer["photos"][2]["code"], "too_many_requests");
    assert!(answer["photos"][2]["message"]
        .as_str()
        .unwrap()
        .contains("上限 2 张"));
    assert!(!stored_path(&app, &shas[2]).exists());
}

crate::both_backends!(
    each_photo_is_stored_or_refused_on_its_own,
    a_malformed_or_cut_batch_stores_nothing,
    the_orphan_limit_counts_the_photos_the_batch_adds,
);
