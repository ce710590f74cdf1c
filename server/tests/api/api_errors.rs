use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::{body_json, header, spawn_app};

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404_in_chinese() {
    let app = spawn_app().await;

    for uri in ["/api/nope", "/api/nope/123", "/api/foo.js"] {
        let res = app.get(uri).await;

        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        assert!(header(&res, "content-type").starts_with("application/json"));
        let body = body_json(res).await;
        assert_eq!(body["code"], "not_found");
        assert!(body["message"].as_str().unwrap().contains("没有这个接口"));
    }
}

#[tokio::test]
async fn a_post_to_an_unknown_api_path_is_a_json_404_not_the_app_page() {
    let app = spawn_app().await;
    let req = Request::post("/api/nothing/push")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();

    let res = app.request(req).await;

    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(body_json(res).await["code"], "not_found");
}

#[tokio::test]
async fn a_wrong_method_on_a_known_api_path_is_a_json_405() {
    let app = spawn_app().await;
    let req = Request::post("/api/health").body(Body::empty()).unwrap();

    let res = app.request(req).await;

    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body_json(res).await["code"], "method_not_allowed");
}
