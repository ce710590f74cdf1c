use axum::http::StatusCode;
use yinhuan_server::Backend;

use crate::helpers::{body_json, header, spawn_app_on};

async fn health_reports_ok_with_the_backend_name(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };

    let res = app.get("/api/health").await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").starts_with("application/json"));
    let body = body_json(res).await;
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["db"], backend.as_str());
}

#[tokio::test]
async fn health_returns_ok_on_sqlite() {
    health_reports_ok_with_the_backend_name(Backend::Sqlite).await;
}

#[tokio::test]
async fn health_returns_ok_on_postgres() {
    health_reports_ok_with_the_backend_name(Backend::Postgres).await;
}

#[tokio::test]
async fn health_fails_with_a_plain_500_when_the_database_is_gone() {
    let app = crate::helpers::spawn_app().await;
    app.state.db.close().await;

    let res = app.get("/api/health").await;

    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = body_json(res).await;
    assert_eq!(body["code"], "internal");
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("服务器内部错误"), "{message}");
    assert!(
        !message.to_lowercase().contains("pool"),
        "leaks details: {message}"
    );
}
