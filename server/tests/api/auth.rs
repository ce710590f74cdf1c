use axum::body::Body;
use axum::http::{Request, StatusCode};
use model::sync::Role;
use serde_json::json;
use tower::ServiceExt;
use yinhuan_server::Backend;

use crate::helpers::{body_json, spawn_app_on, PASSWORD, XINFU};

async fn login_with_the_right_password_gives_a_token_that_works(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    app.add_user("xinfu_li", Role::County(XINFU.into())).await;

    let res = app
        .post_json(
            "/api/login",
            None,
            json!({"username": "xinfu_li", "password": PASSWORD}),
        )
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    let body = body_json(res).await;
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(body["user"]["username"], "xinfu_li");
    assert_eq!(body["user"]["role"], "county");
    assert_eq!(body["user"]["county"], XINFU);
    let in_29_days = yinhuan_server::auth::now_ms() + 29 * 24 * 3600 * 1000;
    assert!(body["expires_at"].as_i64().unwrap() > in_29_days);
    let me = app.get_auth("/api/me", token).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(body_json(me).await["display_name"], "xinfu_li 的名字");
    // Only the token's hash is stored.
    let stored: i64 = app
        .count("SELECT COUNT(*) FROM tokens WHERE token_hash <> '' AND LENGTH(token_hash) = 64")
        .await;
    assert_eq!(stored, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'login'")
            .await,
        1
    );
}

async fn a_wrong_password_is_a_401_in_chinese(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    app.add_user("xinfu_li", Role::County(XINFU.into())).await;

    for username in ["xinfu_li", "nobody"] {
        let res = app
            .post_json(
                "/api/login",
                None,
                json!({"username": username, "password": "wrong-password"}),
            )
            .await;

        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{username}");
        let body = body_json(res).await;
        assert_eq!(body["code"], "unauthorized");
        assert_eq!(body["message"], "账号或密码错误，请重新输入。");
    }
}

async fn five_failures_lock_the_account_for_this_client_with_a_429(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    app.add_user("xinfu_li", Role::County(XINFU.into())).await;
    let attempt = |password: &'static str| {
        app.post_json(
            "/api/login",
            None,
            json!({"username": "xinfu_li", "password": password}),
        )
    };

    for _ in 0..5 {
        assert_eq!(
            attempt("wrong-password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attempt(PASSWORD).await;

    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = body_json(locked).await;
    assert_eq!(body["code"], "too_many_requests");
    assert!(body["message"].as_str().unwrap().contains("分钟后再试"));
}

async fn a_request_without_a_valid_token_is_a_401(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };

    let none = app.get("/api/sync/pull").await;
    let garbage = app.get_auth("/api/sync/pull", "not-a-token").await;
    let push = app
        .post_json(
            "/api/sync/push",
            None,
            json!({"device_id": "d", "changes": []}),
        )
        .await;

    for res in [none, garbage, push] {
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body = body_json(res).await;
        assert_eq!(body["code"], "unauthorized");
        assert!(body["message"].as_str().unwrap().contains("登录"));
    }
}

async fn logout_revokes_the_token(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;

    let req = Request::post("/api/logout")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.request(req).await.status(), StatusCode::NO_CONTENT);

    let res = app.get_auth("/api/me", &token).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(body_json(res).await["message"]
        .as_str()
        .unwrap()
        .contains("重新登录"));
}

async fn an_expired_token_is_a_401(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    yinhuan_server::with_pool!(&app.state.db, pool =>
        sqlx::query("UPDATE tokens SET expires_at = 0").execute(pool).await.map(|_| ()))
    .unwrap();

    let res = app.get_auth("/api/me", &token).await;

    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(body_json(res).await["message"]
        .as_str()
        .unwrap()
        .contains("过期"));
}

async fn the_audit_log_refuses_edits(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    app.user("demo", Role::City).await;

    let edited = yinhuan_server::with_pool!(&app.state.db, pool =>
        sqlx::query("UPDATE audit_log SET username = 'x'").execute(pool).await.map(|_| ()));
    let deleted = yinhuan_server::with_pool!(&app.state.db, pool =>
        sqlx::query("DELETE FROM audit_log").execute(pool).await.map(|_| ()));

    assert!(edited.is_err());
    assert!(deleted.is_err());
}

/// A login attempt for `xinfu_li` through `router` (one server), with the response's status.
async fn login_through(router: &axum::Router, password: &str) -> StatusCode {
    let req = Request::post("/api/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": "xinfu_li", "password": password}).to_string(),
        ))
        .unwrap();
    router.clone().oneshot(req).await.unwrap().status()
}

/// Two servers on one database (the second opened as another process would) share the limit:
/// failures through either count on both, and a success through either clears it for both.
async fn two_servers_share_the_login_limit(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    app.add_user("xinfu_li", Role::County(XINFU.into())).await;
    let one = app.router.clone();
    let two = yinhuan_server::app(app.reopen().await);

    for router in [&one, &two, &one, &two] {
        assert_eq!(
            login_through(router, "wrong-password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Success through server 2 forgets the four failures on both servers: four more through
    // server 1 still leave room for the right password there (eight would be locked).
    assert_eq!(login_through(&two, PASSWORD).await, StatusCode::OK);
    for _ in 0..4 {
        assert_eq!(
            login_through(&one, "wrong-password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(login_through(&one, PASSWORD).await, StatusCode::OK);

    // Three failures through server 1 and two through server 2: locked on both.
    for router in [&one, &one, &one, &two, &two] {
        assert_eq!(
            login_through(router, "wrong-password").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_through(&two, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_through(&one, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// Wrong passwords sent all at once through two servers: exactly the limit gets a password
/// check (401), every other attempt is refused (429), however the requests interleave.
async fn concurrent_failures_on_two_servers_stop_at_the_limit(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    app.add_user("xinfu_li", Role::County(XINFU.into())).await;
    let servers = [app.router.clone(), yinhuan_server::app(app.reopen().await)];
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..12 {
        let router = servers[i % 2].clone();
        attempts.spawn(async move { login_through(&router, "wrong-password").await });
    }
    let (mut checked, mut refused) = (0, 0);
    while let Some(status) = attempts.join_next().await {
        match status.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, yinhuan_server::auth::LOGIN_MAX_FAILURES);
    assert_eq!(refused, 12 - yinhuan_server::auth::LOGIN_MAX_FAILURES);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM login_failures").await,
        5,
        "one row per counted failure"
    );
}

crate::both_backends!(
    login_with_the_right_password_gives_a_token_that_works,
    a_wrong_password_is_a_401_in_chinese,
    five_failures_lock_the_account_for_this_client_with_a_429,
    a_request_without_a_valid_token_is_a_401,
    logout_revokes_the_token,
    an_expired_token_is_a_401,
    the_audit_log_refuses_edits,
    two_servers_share_the_login_limit,
    concurrent_failures_on_two_servers_stop_at_the_limit,
);
