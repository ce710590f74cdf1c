//! Several photo uploads at once, as the app sends them on a good link: each gets its own
//! receipt, and each one stored has exactly one upload row and one audit line, although their
//! rows are committed together (`photos::upload_log`). One refused among them is refused alone.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use futures_util::future::join_all;
use model::sync::Role;
use serde_json::json;

use yinhuan_server::auth::sha256_hex;
use yinhuan_server::Backend;

use crate::helpers::{body_json, spawn_app_on, valid_jpeg as jpeg, TestApp};
use crate::photos::{store_files, stored_path};

async fn put(
    app: &TestApp,
    token: &str,
    sha: String,
    bytes: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let req = Request::put(format!("/api/photos/{sha}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "image/jpeg")
        .body(Body::from(bytes))
        .unwrap();
    let res = app.request(req).await;
    let status = res.status();
    (status, body_json(res).await)
}

async fn uploads_at_once_each_get_a_receipt_one_row_and_one_audit_line(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let good: Vec<Vec<u8>> = (10..22).map(jpeg).collect();
    // Its name is not the hash of its bytes: refused, and only it.
    let damaged_sha = sha256_hex(b"something else");

    let mut sends: Vec<_> = good
        .iter()
        .map(|b| put(&app, &token, sha256_hex(b), b.clone()))
        .collect();
    sends.insert(5, put(&app, &token, damaged_sha.clone(), jpeg(40)));
    let answers = join_all(sends).await;

    let (status, refusal) = &answers[5];
    assert_eq!(*status, StatusCode::UNPROCESSABLE_ENTITY, "{refusal}");
    assert!(
        refusal["message"]
            .as_str()
            .unwrap()
            .contains("照片内容与编号（SHA-256）不符"),
        "{refusal}"
    );
    let receipts: Vec<_> = answers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 5)
        .map(|(_, a)| a)
        .collect();
    for ((status, receipt), bytes) in receipts.iter().zip(&good) {
        assert_eq!(*status, StatusCode::CREATED, "{receipt}");
        assert_eq!(receipt["sha256"], sha256_hex(bytes));
        assert_eq!(receipt["already_stored"], false);
    }

    // Exactly the twelve photos, each under its shelf, and no spool file left behind.
    let mut want: Vec<String> = good
        .iter()
        .map(|b| stored_path(&app, &sha256_hex(b)).display().to_string())
        .collect();
    want.sort();
    assert_eq!(store_files(&app), want);
    for b in &good {
        let sha = sha256_hex(b);
        let path = app.state.config.photos_dir().join(&sha[..2]).join(&sha);
        assert_eq!(&std::fs::read(path).unwrap(), b);
    }

    assert_eq!(app.count("SELECT COUNT(*) FROM photo_uploads").await, 12);
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT sha256) FROM photo_uploads WHERE username = 'demo'")
            .await,
        12
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'photo'")
            .await,
        12
    );
    // One line per photo, from this device, naming it.
    let details: Vec<(String, String)> = yinhuan_server::with_pool!(&app.state.db, pool =>
        sqlx::query_as("SELECT device_id, detail FROM audit_log WHERE action = 'photo'")
            .fetch_all(pool)
            .await)
    .unwrap();
    let mut logged: Vec<String> = details
        .iter()
        .map(|(device, detail)| {
            assert_eq!(device, "dev-test");
            let d: serde_json::Value = serde_json::from_str(detail).unwrap();
            d["sha256"].as_str().unwrap().to_owned()
        })
        .collect();
    logged.sort();
    let mut shas: Vec<String> = good.iter().map(|b| sha256_hex(b)).collect();
    shas.sort();
    assert_eq!(logged, shas);

    // Sent again, all at once: receipts from what is stored, nothing logged twice.
    let again = join_all(
        good.iter()
            .map(|b| put(&app, &token, sha256_hex(b), b.clone())),
    )
    .await;
    for (status, receipt) in &again {
        assert_eq!(*status, StatusCode::OK, "{receipt}");
        assert_eq!(receipt["already_stored"], true);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM photo_uploads").await, 12);
    let check = app
        .post_json(
            "/api/photos/check",
            Some(&token),
            json!({ "hashes": good.iter().map(|b| sha256_hex(b)).collect::<Vec<_>>() }),
        )
        .await;
    assert_eq!(body_json(check).await["missing"], json!([]));
}

crate::both_backends!(uploads_at_once_each_get_a_receipt_one_row_and_one_audit_line);
