//! Pull pages kept and shared between requests (`yinhuan_server::pull_cache`): a kept page is
//! never served after a write it does not show, through this server or another one on the same
//! database, and accounts of different scopes never share one.

use std::io::Read as _;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use model::sync::Role;
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;
use yinhuan_server::Backend;

use crate::helpers::{
    body_bytes, body_json, enterprise_change, header, new_id, spawn_app_on, TestApp, DINGXIANG,
    XINFU,
};

fn ids(page: &Value) -> Vec<String> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn revs(page: &Value) -> Vec<i64> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rev"].as_i64().unwrap())
        .collect()
}

async fn push_enterprises(app: &TestApp, token: &str, list: &[(Uuid, &str)]) {
    let changes = list
        .iter()
        .map(|(id, county)| enterprise_change(*id, county, 0, &format!("企业{id}")))
        .collect();
    for outcome in app.push(token, changes).await {
        assert_eq!(outcome["status"], "applied", "{outcome}");
    }
}

/// The same page asked again is the same answer, kept once; an edit of a record in it moves
/// that record to a new `rev`, and the next pull of the same cursor no longer shows the old
/// version (a page kept from before the write would).
async fn a_kept_page_is_not_served_after_a_write(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let (a, b, c) = (new_id(), new_id(), new_id());
    push_enterprises(&app, &token, &[(a, XINFU), (b, XINFU), (c, DINGXIANG)]).await;

    let first = app.pull(&token, 0, 2).await;
    assert_eq!(revs(&first), vec![1, 2]);
    let kept = app.state.pull_cache.bytes();
    assert!(kept > 0, "the page was kept");
    assert_eq!(app.pull(&token, 0, 2).await, first);
    assert_eq!(
        app.state.pull_cache.bytes(),
        kept,
        "served from what was kept"
    );

    let edit = enterprise_change(a, XINFU, 1, "改名后的企业");
    assert_eq!(app.push(&token, vec![edit]).await[0]["rev"], 4);
    let after = app.pull(&token, 0, 2).await;
    assert_eq!(ids(&after), vec![b.to_string(), c.to_string()]);
    assert_eq!(
        (after["cursor"].as_i64(), after["more"].as_bool()),
        (Some(3), Some(true))
    );
    let last = app.pull(&token, 3, 2).await;
    assert_eq!(revs(&last), vec![4]);
    assert_eq!(last["changes"][0]["body"]["name"], "改名后的企业");
    assert_eq!(
        (last["cursor"].as_i64(), last["more"].as_bool()),
        (Some(4), Some(false))
    );
    // A new record is in the last page of a pull from the saved cursor at once.
    let d = new_id();
    push_enterprises(&app, &token, &[(d, XINFU)]).await;
    assert_eq!(ids(&app.pull(&token, 4, 2).await), vec![d.to_string()]);
}

/// Several scopes pull the same cursor and limit at the same committed change number, each
/// twice and in both orders: each gets exactly its own records.
async fn accounts_of_other_scopes_never_share_a_page(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("demo", Role::City).await;
    let (x1, d1, x2, d2) = (new_id(), new_id(), new_id(), new_id());
    let all = [(x1, XINFU), (d1, DINGXIANG), (x2, XINFU), (d2, DINGXIANG)];
    push_enterprises(&app, &city, &all).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let dingxiang = app.user("dingxiang", Role::County(DINGXIANG.into())).await;
    let qiye = app.user("qiye", Role::Enterprise(d2)).await;

    let ids_of = |list: &[Uuid]| list.iter().map(Uuid::to_string).collect::<Vec<_>>();
    let cases = [
        (
            "/api/sync/pull?cursor=0&limit=10",
            &city,
            ids_of(&[x1, d1, x2, d2]),
        ),
        (
            "/api/sync/pull?cursor=0&limit=10",
            &xinfu,
            ids_of(&[x1, x2]),
        ),
        (
            "/api/sync/pull?cursor=0&limit=10",
            &dingxiang,
            ids_of(&[d1, d2]),
        ),
        ("/api/sync/pull?cursor=0&limit=10", &qiye, ids_of(&[d2])),
        (
            "/api/sync/pull?cursor=0&limit=10&county=140921",
            &city,
            ids_of(&[d1, d2]),
        ),
    ];
    for round in 0..2 {
        let order: Vec<&_> = if round == 0 {
            cases.iter().collect()
        } else {
            cases.iter().rev().collect()
        };
        for (uri, token, expected) in order {
            let res = app.get_auth(uri, token).await;
            assert_eq!(res.status(), StatusCode::OK);
            let page = body_json(res).await;
            assert_eq!(&ids(&page), expected, "{uri} round {round}");
            assert_eq!(page["cursor"], 4);
        }
    }
}

async fn pull_through(router: &Router, token: &str, cursor: i64) -> Value {
    let req = Request::get(format!("/api/sync/pull?cursor={cursor}&limit=50"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    body_json(res).await
}

/// Two servers on one database (a second `AppState`, as a second process opens it): a write
/// through the second is in the next pull through the first, which had kept the pages from
/// before it.
async fn a_write_through_another_server_is_in_the_next_pull(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let second = yinhuan_server::app(app.reopen().await);
    let (a, b) = (new_id(), new_id());
    push_enterprises(&app, &token, &[(a, XINFU)]).await;
    let one = pull_through(&app.router, &token, 0).await;
    assert_eq!(ids(&one), vec![a.to_string()]);
    assert_eq!(
        ids(&pull_through(&app.router, &token, 1).await),
        Vec::<String>::new()
    );

    let push = serde_json::json!({"device_id": "dev-2", "changes": [
        enterprise_change(b, DINGXIANG, 0, "乙企业"),
        enterprise_change(a, XINFU, 1, "甲企业改名"),
    ]});
    let req = Request::post("/api/sync/push")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(push.to_string()))
        .unwrap();
    let res = second.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let from_start = pull_through(&app.router, &token, 0).await;
    assert_eq!(ids(&from_start), vec![b.to_string(), a.to_string()]);
    assert_eq!(from_start["changes"][1]["body"]["name"], "甲企业改名");
    let from_saved = pull_through(&app.router, &token, one["cursor"].as_i64().unwrap()).await;
    assert_eq!(from_saved, from_start);
    assert_eq!(pull_through(&second, &token, 1).await, from_start);
}

/// A client that accepts gzip gets the page gzip-compressed (and `Vary: Accept-Encoding`),
/// the same JSON as a client that asks for none; a later client of the other kind is not
/// given the other's bytes.
async fn a_gzip_page_is_the_same_json(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let list: Vec<_> = (0..30).map(|_| (new_id(), XINFU)).collect();
    push_enterprises(&app, &token, &list).await;
    let get = |encoding: Option<&'static str>| {
        let mut req = Request::get("/api/sync/pull?cursor=0&limit=20")
            .header("authorization", format!("Bearer {token}"));
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        app.request(req.body(Body::empty()).unwrap())
    };
    for _ in 0..2 {
        let plain = get(None).await;
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(header(&plain, "content-type"), "application/json");
        let plain = body_bytes(plain).await;

        let zipped = get(Some("gzip, deflate, br")).await;
        assert_eq!(zipped.status(), StatusCode::OK);
        assert_eq!(header(&zipped, "content-encoding"), "gzip");
        assert_eq!(header(&zipped, "vary"), "accept-encoding");
        assert_eq!(header(&zipped, "content-type"), "application/json");
        let zipped = body_bytes(zipped).await;
        assert!(zipped.len() < plain.len() / 2);
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(&zipped[..])
            .read_to_end(&mut json)
            .unwrap();
        assert_eq!(json, plain);
        let page: Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(page["changes"].as_array().unwrap().len(), 20);
    }
}

/// Many devices finishing their pulls at once: each one's `devices` row is written (in shared
/// transactions) before its answer, with the count it reported.
async fn pulls_finishing_together_are_all_recorded(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    push_enterprises(&app, &token, &[(new_id(), XINFU)]).await;
    let mut tokens = Vec::new();
    for d in 0..24 {
        let login = serde_json::json!({"username": "demo", "password": crate::helpers::PASSWORD,
                                       "device_id": format!("phone-{d}")});
        let res = app.post_json("/api/login", None, login).await;
        assert_eq!(res.status(), StatusCode::OK);
        tokens.push(body_json(res).await["token"].as_str().unwrap().to_owned());
    }
    let pulls = tokens.iter().enumerate().map(|(d, token)| {
        let req = Request::get("/api/sync/pull?cursor=0&limit=50")
            .header("authorization", format!("Bearer {token}"))
            .header("x-pending-changes", d.to_string())
            .body(Body::empty())
            .unwrap();
        app.request(req)
    });
    for res in futures_util::future::join_all(pulls).await {
        assert_eq!(res.status(), StatusCode::OK);
    }
    let recorded = "SELECT COUNT(*) FROM devices WHERE username = 'demo' \
                    AND device_id LIKE 'phone-%' AND last_sync_at IS NOT NULL \
                    AND pending = CAST(SUBSTR(device_id, 7) AS INTEGER)";
    assert_eq!(app.count(recorded).await, 24);
}

crate::both_backends!(
    pulls_finishing_together_are_all_recorded,
    a_kept_page_is_not_served_after_a_write,
    accounts_of_other_scopes_never_share_a_page,
    a_write_through_another_server_is_in_the_next_pull,
    a_gzip_page_is_the_same_json,
);
