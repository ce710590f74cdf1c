//! Office administration (`/api/admin`, `/api/account/password`): every admin action, every
//! refusal of model::admin as the API answers it, and what an account's devices then hear.

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use model::sync::Role;
use serde_json::{json, Value};
use uuid::Uuid;
use yinhuan_server::admin::cli::UserChange;
use yinhuan_server::Backend;

use crate::helpers::{
    body_json, enterprise_change, new_id, spawn_app_on, TestApp, DINGXIANG, PASSWORD, XINFU,
};

/// A 市级 admin (`shi`), a 县级 admin of 忻府 (`xinfu_admin`), one enterprise in each county.
struct Office {
    app: TestApp,
    city: String,
    county: String,
    xinfu_ent: Uuid,
    dingxiang_ent: Uuid,
}

async fn office(backend: Backend) -> Option<Office> {
    let app = spawn_app_on(backend).await?;
    app.add_user("shi", Role::City).await;
    make_admin(&app, "shi").await;
    let city = app.login("shi").await;
    let (xinfu_ent, dingxiang_ent) = (new_id(), new_id());
    let seeded = app
        .push(
            &city,
            vec![
                enterprise_change(xinfu_ent, XINFU, 0, "忻府甲钢铁"),
                enterprise_change(dingxiang_ent, DINGXIANG, 0, "定襄乙铸造"),
            ],
        )
        .await;
    assert!(
        seeded.iter().all(|o| o["status"] == "applied"),
        "{seeded:?}"
    );
    app.add_user("xinfu_admin", Role::County(XINFU.into()))
        .await;
    make_admin(&app, "xinfu_admin").await;
    let county = app.login("xinfu_admin").await;
    Some(Office {
        app,
        city,
        county,
        xinfu_ent,
        dingxiang_ent,
    })
}

async fn make_admin(app: &TestApp, username: &str) {
    yinhuan_server::admin::store::set_admin(&app.state.db, username, true)
        .await
        .unwrap();
}

async fn send(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Response<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    };
    app.request(req.unwrap()).await
}

/// `(status, body)` of a call.
async fn call(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let res = send(app, method, uri, Some(token), body, &[]).await;
    let status = res.status();
    (status, body_json(res).await)
}

async fn login_as(app: &TestApp, username: &str, password: &str, device: &str) -> Response<Body> {
    let body = json!({"username": username, "password": password, "device_id": device});
    send(
        app,
        "POST",
        "/api/login",
        None,
        Some(body),
        &[("user-agent", "TestPhone/1.0")],
    )
    .await
}

async fn token_of(app: &TestApp, username: &str, password: &str, device: &str) -> String {
    let res = login_as(app, username, password, device).await;
    assert_eq!(res.status(), StatusCode::OK);
    body_json(res).await["token"].as_str().unwrap().to_owned()
}

async fn pull_status(app: &TestApp, token: &str) -> (StatusCode, Value) {
    call(app, "GET", "/api/sync/pull?cursor=0", token, None).await
}

/// Creates an account through the API; returns `(status, body)`.
async fn create(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    call(app, "POST", "/api/admin/users", token, Some(body)).await
}

fn inspector(username: &str, county: &str) -> Value {
    json!({"username": username, "display_name": "王检查", "role": "county", "county": county})
}

async fn users(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = call(app, "GET", "/api/admin/users", token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["users"].as_array().unwrap().clone()
}

fn find<'a>(users: &'a [Value], username: &str) -> &'a Value {
    users
        .iter()
        .find(|u| u["username"] == username)
        .unwrap_or_else(|| panic!("{username} not in {users:?}"))
}

fn assert_refused(got: (StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    let message = got.1["message"].as_str().unwrap();
    assert!(!message.is_empty() && !message.is_ascii(), "{message}");
}

async fn city_admin_creates_edits_and_lists_every_kind_of_account(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    let (status, body) = create(app, &o.city, inspector("dx_wang", DINGXIANG)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let otp = body["one_time_password"].as_str().unwrap();
    assert_eq!(otp.len(), 12);
    assert!(!otp.contains(['0', 'O', '1', 'l']), "{otp}");
    let user = &body["user"];
    assert_eq!(user["role"], "county");
    assert_eq!(user["county"], DINGXIANG);
    assert_eq!(user["county_name"], "定襄县");
    assert_eq!(user["must_change_password"], true);
    assert_eq!(user["is_admin"], false);
    assert_eq!(user["disabled"], false);
    assert!(user["created_at"].as_i64().unwrap() > 0);
    assert_eq!(user["devices"], json!([]));

    // 交叉检查组 with its 检查期, and an enterprise account whose county comes from the record.
    let cross = json!({"username": "jc1", "display_name": "第一组", "role": "cross",
        "county": XINFU, "active_from": "2025-03-03", "active_until": "2025-03-31"});
    let (status, body) = create(app, &o.city, cross).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["active_from"], "2025-03-03");
    assert_eq!(body["user"]["active_until"], "2025-03-31");
    let firm = json!({"username": "dx_firm", "display_name": "乙厂", "role": "enterprise",
        "county": XINFU, "enterprise_id": o.dingxiang_ent});
    let (status, body) = create(app, &o.city, firm).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["user"]["county"], DINGXIANG,
        "the stored record's county"
    );
    assert_eq!(body["user"]["enterprise_name"], "定襄乙铸造");
    assert_eq!(body["user"]["enterprise_id"], json!(o.dingxiang_ent));

    // Edit: rename and grant the admin flag.
    let edit =
        json!({"display_name": "王主任", "role": "county", "county": DINGXIANG, "is_admin": true});
    let (status, body) = call(app, "PUT", "/api/admin/users/dx_wang", &o.city, Some(edit)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["display_name"], "王主任");
    assert_eq!(body["user"]["is_admin"], true);

    // Disable, enable, reset password, each answering the account.
    for (action, key, value) in [("disable", "disabled", true), ("enable", "disabled", false)] {
        let uri = format!("/api/admin/users/dx_wang/{action}");
        let (status, body) = call(app, "POST", &uri, &o.city, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user"][key], value);
    }
    let (status, body) = call(
        app,
        "POST",
        "/api/admin/users/jc1/reset-password",
        &o.city,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["one_time_password"].as_str().unwrap().len(), 12);
    assert_eq!(body["user"]["must_change_password"], true);

    // The city sees everyone, sorted by role then username.
    let list = users(app, &o.city).await;
    let names: Vec<&str> = list
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shi", "dx_wang", "xinfu_admin", "jc1", "dx_firm"]);
    assert_eq!(find(&list, "shi")["is_admin"], true);

    // The audit list shows each action with its target and never a password.
    let (status, body) = call(app, "GET", "/api/admin/audit?admin_only=1", &o.city, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let entries = body["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "admin.reset_password",
            "admin.enable_user",
            "admin.disable_user",
            "admin.update_user",
            "admin.create_user",
            "admin.create_user",
            "admin.create_user",
        ]
    );
    assert!(entries.iter().all(|e| e["username"] == "shi"));
    assert_eq!(entries[3]["detail"]["target"], "dx_wang");
    assert_eq!(entries[3]["detail"]["is_admin"], json!([false, true]));
    assert_eq!(
        entries[3]["detail"]["display_name"],
        json!(["王检查", "王主任"])
    );
    assert!(
        entries[3]["detail"].get("role").is_none(),
        "unchanged fields are left out"
    );
    assert!(
        !body.to_string().contains(otp),
        "no password in the audit log"
    );
    assert_eq!(body["next_before"], Value::Null);
    // Paging: newest first, `before` continues.
    let (_, page) = call(app, "GET", "/api/admin/audit?limit=2", &o.city, None).await;
    let first = page["entries"].as_array().unwrap();
    assert_eq!(first.len(), 2);
    let before = page["next_before"].as_i64().unwrap();
    assert_eq!(before, first[1]["id"].as_i64().unwrap());
    let (_, next) = call(
        app,
        "GET",
        &format!("/api/admin/audit?limit=2&before={before}"),
        &o.city,
        None,
    )
    .await;
    assert!(next["entries"][0]["id"].as_i64().unwrap() < before);
}

async fn a_county_admin_manages_only_its_county(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    // Allowed: its own inspector and its own enterprise's account.
    let (status, body) = create(app, &o.county, inspector("xf_zhao", XINFU)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The request's county is not trusted for an enterprise account: the record's is used.
    let firm = json!({"username": "xf_firm", "role": "enterprise", "county": DINGXIANG,
        "enterprise_id": o.xinfu_ent});
    let (status, body) = create(app, &o.county, firm).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["county"], XINFU);
    assert_eq!(body["user"]["display_name"], "xf_firm");

    // Refused: a 市级 account, a cross account, another county's inspector, another county's
    // enterprise (whatever county the request claims), the admin flag.
    let refusals = [
        (
            json!({"username": "x1", "role": "city"}),
            "role_not_grantable",
        ),
        (
            json!({"username": "x2", "role": "cross", "county": XINFU,
                   "active_from": "2025-03-03", "active_until": "2025-03-31"}),
            "role_not_grantable",
        ),
        (inspector("x3", DINGXIANG), "out_of_scope"),
        (
            json!({"username": "x4", "role": "enterprise", "county": XINFU,
                   "enterprise_id": o.dingxiang_ent}),
            "out_of_scope",
        ),
        (
            json!({"username": "x5", "role": "county", "county": XINFU, "is_admin": true}),
            "admin_flag_not_grantable",
        ),
    ];
    for (body, code) in refusals {
        assert_refused(
            create(app, &o.county, body).await,
            StatusCode::FORBIDDEN,
            code,
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username LIKE 'x_'")
            .await,
        0,
        "a refusal creates nothing"
    );

    // Another county's account cannot be touched, nor moved into or out of the county.
    create(app, &o.city, inspector("dx_wang", DINGXIANG)).await;
    for action in ["disable", "enable", "reset-password"] {
        let uri = format!("/api/admin/users/dx_wang/{action}");
        let got = call(app, "POST", &uri, &o.county, None).await;
        assert_refused(got, StatusCode::FORBIDDEN, "out_of_scope");
    }
    let got = call(
        app,
        "PUT",
        "/api/admin/users/xf_zhao",
        &o.county,
        Some(inspector("xf_zhao", DINGXIANG)),
    )
    .await;
    assert_refused(got, StatusCode::FORBIDDEN, "out_of_scope");
    assert_eq!(
        got_county(app, "xf_zhao").await,
        XINFU,
        "a refused edit changes nothing"
    );
    let got = call(
        app,
        "PUT",
        "/api/admin/users/shi",
        &o.county,
        Some(json!({"role": "city", "is_admin": false})),
    )
    .await;
    assert_refused(got, StatusCode::FORBIDDEN, "out_of_scope");
    // But its own inspector, yes.
    let (status, _) = call(
        app,
        "POST",
        "/api/admin/users/xf_zhao/disable",
        &o.county,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // It lists itself, its inspector and its enterprise's account only.
    let list = users(app, &o.county).await;
    let names: Vec<&str> = list
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["xf_zhao", "xinfu_admin", "xf_firm"]);
    // The audit log is the city's.
    let got = call(app, "GET", "/api/admin/audit", &o.county, None).await;
    assert_refused(got, StatusCode::FORBIDDEN, "forbidden");
}

async fn got_county(app: &TestApp, username: &str) -> String {
    yinhuan_server::with_pool!(&app.state.db, pool =>
        sqlx::query_scalar("SELECT county FROM users WHERE username = $1")
            .bind(username)
            .fetch_one(pool)
            .await)
    .unwrap()
}

async fn a_non_admin_is_refused_every_admin_endpoint(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    let plain = app.user("xf_li", Role::County(XINFU.into())).await;
    let city_plain = app.user("shi2", Role::City).await;
    let calls: [(&str, &str, Option<Value>); 8] = [
        ("GET", "/api/admin/users", None),
        ("POST", "/api/admin/users", Some(inspector("x1", XINFU))),
        (
            "PUT",
            "/api/admin/users/xf_li",
            Some(inspector("xf_li", XINFU)),
        ),
        ("POST", "/api/admin/users/xf_li/disable", None),
        ("POST", "/api/admin/users/xf_li/enable", None),
        ("POST", "/api/admin/users/xf_li/reset-password", None),
        (
            "POST",
            "/api/admin/users/xf_li/devices/dev-test/revoke",
            None,
        ),
        ("GET", "/api/admin/audit", None),
    ];
    for token in [&plain, &city_plain] {
        for (method, uri, body) in calls.clone() {
            let (status, body) = call(app, method, uri, token, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri}: {body}");
            assert_eq!(body["code"], "forbidden");
            assert_eq!(body["message"], "只有管理员可以管理账号。");
        }
    }
    // Without a token: the usual 401.
    let res = send(app, "GET", "/api/admin/users", None, None, &[]).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn nobody_locks_the_office_out(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    let got = call(app, "POST", "/api/admin/users/shi/disable", &o.city, None).await;
    assert_refused(got, StatusCode::FORBIDDEN, "self_lockout");
    let demote = json!({"role": "city", "is_admin": false});
    let got = call(app, "PUT", "/api/admin/users/shi", &o.city, Some(demote)).await;
    assert_refused(got, StatusCode::FORBIDDEN, "self_lockout");
    // Renaming oneself is fine.
    let rename = json!({"display_name": "市局管理员", "role": "city", "is_admin": true});
    let (status, body) = call(app, "PUT", "/api/admin/users/shi", &o.city, Some(rename)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The console keeps the last enabled 市级 admin too.
    let db = &app.state.db;
    let refused = yinhuan_server::admin::cli::run(db, "shi", UserChange::Disable).await;
    assert!(refused.unwrap_err().to_string().contains("最后一个"));
    let refused = yinhuan_server::admin::cli::run(db, "shi", UserChange::Admin(false)).await;
    assert!(refused.is_err());
    // With a second city admin, the console may disable the first.
    app.add_user("shi2", Role::City).await;
    yinhuan_server::admin::cli::run(db, "shi2", UserChange::Admin(true))
        .await
        .unwrap();
    yinhuan_server::admin::cli::run(db, "shi", UserChange::Disable)
        .await
        .unwrap();
    let got = pull_status(app, &o.city).await;
    assert_refused(got, StatusCode::FORBIDDEN, "account_disabled");
}

async fn a_disabled_account_is_refused_at_login_and_on_sync(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    let (_, body) = create(app, &o.county, inspector("xf_zhao", XINFU)).await;
    let otp = body["one_time_password"].as_str().unwrap().to_owned();
    let token = token_of(app, "xf_zhao", &otp, "phone-1").await;
    change_password(app, &token, &otp, PASSWORD).await;
    assert_eq!(pull_status(app, &token).await.0, StatusCode::OK);

    let (status, _) = call(
        app,
        "POST",
        "/api/admin/users/xf_zhao/disable",
        &o.county,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let got = pull_status(app, &token).await;
    assert_refused(got.clone(), StatusCode::FORBIDDEN, "account_disabled");
    assert_eq!(got.1["message"], "账号已停用，请联系本单位管理员。");
    let push = app
        .post_json(
            "/api/sync/push",
            Some(&token),
            json!({"device_id": "phone-1", "changes": []}),
        )
        .await;
    assert_eq!(push.status(), StatusCode::FORBIDDEN);
    let res = login_as(app, "xf_zhao", PASSWORD, "phone-1").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(body_json(res).await["code"], "account_disabled");
    // A wrong password says nothing about the account's state.
    let res = login_as(app, "xf_zhao", "wrong-password", "phone-1").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body_json(res).await["code"], "unauthorized");
    // Enabled again: a new sign-in works (the old token stays revoked).
    call(
        app,
        "POST",
        "/api/admin/users/xf_zhao/enable",
        &o.county,
        None,
    )
    .await;
    let again = token_of(app, "xf_zhao", PASSWORD, "phone-1").await;
    assert_eq!(pull_status(app, &again).await.0, StatusCode::OK);
    assert_eq!(pull_status(app, &token).await.0, StatusCode::UNAUTHORIZED);
}

async fn change_password(app: &TestApp, token: &str, old: &str, new: &str) {
    let body = json!({"old_password": old, "new_password": new});
    let (status, body) = call(app, "POST", "/api/account/password", token, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"ok": true}));
}

async fn a_revoked_device_is_told_while_the_other_keeps_working(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    app.add_user("xf_li", Role::County(XINFU.into())).await;
    let phone = token_of(app, "xf_li", PASSWORD, "phone-1").await;
    let tablet = token_of(app, "xf_li", PASSWORD, "tablet-2").await;
    let (status, body) = call(
        app,
        "POST",
        "/api/admin/users/xf_li/devices/phone-1/revoke",
        &o.county,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let devices = body["user"]["devices"].as_array().unwrap();
    let signed_in = |id: &str| {
        devices
            .iter()
            .find(|d| d["device_id"] == id)
            .unwrap_or_else(|| panic!("{id} in {devices:?}"))["signed_in"]
            .clone()
    };
    assert_eq!(signed_in("phone-1"), false);
    assert_eq!(signed_in("tablet-2"), true);
    assert_eq!(devices[0]["user_agent"], "TestPhone/1.0");

    let got = pull_status(app, &phone).await;
    assert_refused(got.clone(), StatusCode::UNAUTHORIZED, "device_revoked");
    assert!(got.1["message"].as_str().unwrap().contains("本机数据仍在"));
    assert_eq!(pull_status(app, &tablet).await.0, StatusCode::OK);
    // Signing in again on the phone works.
    let phone = token_of(app, "xf_li", PASSWORD, "phone-1").await;
    assert_eq!(pull_status(app, &phone).await.0, StatusCode::OK);
    // An unknown device is a 404; another county's account a 403.
    let got = call(
        app,
        "POST",
        "/api/admin/users/xf_li/devices/nope/revoke",
        &o.county,
        None,
    )
    .await;
    assert_eq!(got.0, StatusCode::NOT_FOUND);
    app.add_user("dx_wang", Role::County(DINGXIANG.into()))
        .await;
    token_of(app, "dx_wang", PASSWORD, "phone-9").await;
    let got = call(
        app,
        "POST",
        "/api/admin/users/dx_wang/devices/phone-9/revoke",
        &o.county,
        None,
    )
    .await;
    assert_refused(got, StatusCode::FORBIDDEN, "out_of_scope");
    let (_, audit) = call(app, "GET", "/api/admin/audit?admin_only=1", &o.city, None).await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["action"], "admin.revoke_device");
    assert_eq!(entry["username"], "xinfu_admin");
    assert_eq!(entry["detail"]["target"], "xf_li");
    assert_eq!(entry["detail"]["device_id"], "phone-1");
}

async fn a_reset_password_is_one_time_and_must_be_changed_first(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    app.add_user("xf_li", Role::County(XINFU.into())).await;
    let before = token_of(app, "xf_li", PASSWORD, "phone-1").await;
    let (status, body) = call(
        app,
        "POST",
        "/api/admin/users/xf_li/reset-password",
        &o.county,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let otp = body["one_time_password"].as_str().unwrap().to_owned();
    // Every device was signed out; the old password no longer works.
    assert_eq!(pull_status(app, &before).await.0, StatusCode::UNAUTHORIZED);
    let res = login_as(app, "xf_li", PASSWORD, "phone-1").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let res = login_as(app, "xf_li", &otp, "phone-1").await;
    assert_eq!(res.status(), StatusCode::OK);
    let login = body_json(res).await;
    assert_eq!(login["user"]["must_change_password"], true);
    assert_eq!(login["user"]["is_admin"], false);
    let token = login["token"].as_str().unwrap().to_owned();
    let other = token_of(app, "xf_li", &otp, "tablet-2").await;
    let got = pull_status(app, &token).await;
    assert_refused(got.clone(), StatusCode::FORBIDDEN, "must_change_password");
    assert_eq!(got.1["message"], "这是管理员设置的临时密码，请先修改密码。");
    let me = app.get_auth("/api/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(body_json(me).await["must_change_password"], true);

    // Bad changes are refused and change nothing.
    let wrong = json!({"old_password": "not-it-at-all", "new_password": "a-new-password"});
    let got = call(app, "POST", "/api/account/password", &token, Some(wrong)).await;
    assert_refused(got, StatusCode::FORBIDDEN, "wrong_password");
    let short = json!({"old_password": otp, "new_password": "short"});
    let got = call(app, "POST", "/api/account/password", &token, Some(short)).await;
    assert_refused(got.clone(), StatusCode::BAD_REQUEST, "bad_request");
    assert!(got.1["message"].as_str().unwrap().contains("new_password"));
    let same = json!({"old_password": otp, "new_password": otp});
    let got = call(app, "POST", "/api/account/password", &token, Some(same)).await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST);

    change_password(app, &token, &otp, "a-new-password").await;
    assert_eq!(pull_status(app, &token).await.0, StatusCode::OK);
    // The account's other device was signed out by the change; the one-time password is gone.
    assert_eq!(pull_status(app, &other).await.0, StatusCode::UNAUTHORIZED);
    let res = login_as(app, "xf_li", &otp, "phone-1").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let me = app.get_auth("/api/me", &token).await;
    assert_eq!(body_json(me).await["must_change_password"], false);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'account.change_password'")
            .await,
        1
    );
}

async fn pulls_record_the_device_and_its_waiting_changes(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    app.add_user("xf_li", Role::County(XINFU.into())).await;
    let token = token_of(app, "xf_li", PASSWORD, "phone-1").await;
    let list = users(app, &o.county).await;
    let device = &find(&list, "xf_li")["devices"][0];
    assert_eq!(device["device_id"], "phone-1");
    assert_eq!(
        device["last_sync_at"],
        Value::Null,
        "signed in, never synced"
    );
    assert_eq!(device["pending"], Value::Null);

    let pull = |pending: &'static str| pull_reporting(app, &token, pending);
    assert_eq!(pull("7").await.status(), StatusCode::OK);
    let list = users(app, &o.county).await;
    let device = &find(&list, "xf_li")["devices"][0];
    assert_eq!(device["pending"], 7);
    assert_eq!(device["signed_in"], true);
    let synced = device["last_sync_at"].as_i64().unwrap();
    assert!(synced >= device["first_seen"].as_i64().unwrap());
    assert_eq!(device["last_seen"].as_i64().unwrap(), synced);
    // A value that is not a plausible count is unknown, not kept from before.
    assert_eq!(pull("lots").await.status(), StatusCode::OK);
    let list = users(app, &o.county).await;
    assert_eq!(find(&list, "xf_li")["devices"][0]["pending"], Value::Null);
    assert_eq!(pull("0").await.status(), StatusCode::OK);
    let list = users(app, &o.city).await;
    assert_eq!(find(&list, "xf_li")["devices"][0]["pending"], 0);
}

async fn pull_reporting(app: &TestApp, token: &str, pending: &str) -> Response<Body> {
    let headers = [("x-pending-changes", pending)];
    let uri = "/api/sync/pull?cursor=0";
    send(app, "GET", uri, Some(token), None, &headers).await
}

async fn bad_bodies_name_the_field_and_change_nothing(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    let cases = [
        (json!({"username": "x1", "role": "boss"}), "role"),
        (
            json!({"username": "x1", "role": "county", "county": "110101"}),
            "county",
        ),
        (json!({"username": "x1", "role": "county"}), "county"),
        (
            json!({"username": "x1", "role": "cross", "county": XINFU,
                   "active_from": "2025-02-30", "active_until": "2025-03-31"}),
            "active_from",
        ),
        (
            json!({"username": "x1", "role": "cross", "county": XINFU,
                   "active_from": "2025-03-31", "active_until": "2025-03-01"}),
            "active_until",
        ),
        (
            json!({"username": "x1", "role": "county", "county": XINFU,
                   "active_from": "2025-03-01", "active_until": "2025-03-31"}),
            "active_from",
        ),
        (json!({"username": "王", "role": "city"}), "username"),
        (
            json!({"username": "x1", "role": "enterprise", "enterprise_id": "abc"}),
            "enterprise_id",
        ),
        (
            json!({"username": "x1", "role": "enterprise", "enterprise_id": new_id()}),
            "enterprise_id",
        ),
    ];
    for (body, field) in cases {
        let got = create(app, &o.city, body.clone()).await;
        assert_refused(got.clone(), StatusCode::BAD_REQUEST, "bad_request");
        let message = got.1["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
    // A duplicate is a conflict.
    let got = create(app, &o.city, inspector("xinfu_admin", XINFU)).await;
    assert_refused(got.clone(), StatusCode::CONFLICT, "conflict");
    assert!(got.1["message"].as_str().unwrap().contains("已存在"));
    // Unknown account: 404.
    let got = call(
        app,
        "POST",
        "/api/admin/users/nobody/disable",
        &o.city,
        None,
    )
    .await;
    assert_eq!(got.0, StatusCode::NOT_FOUND);
}

async fn a_cross_account_outside_its_period_is_refused_at_login(backend: Backend) {
    let Some(o) = office(backend).await else {
        return;
    };
    let app = &o.app;
    let past = json!({"username": "jc_old", "role": "cross", "county": XINFU,
        "active_from": "2020-03-01", "active_until": "2020-03-31"});
    let (status, body) = create(app, &o.city, past).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let otp = body["one_time_password"].as_str().unwrap();
    let res = login_as(app, "jc_old", otp, "phone-1").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let message = body_json(res).await["message"].as_str().unwrap().to_owned();
    assert!(message.contains("2020-03-31"), "{message}");
}

/// The schema before and after 0005 on `backend`, as (0001..=0004, 0005).
fn migration_sql(backend: Backend) -> ([&'static str; 4], &'static str) {
    macro_rules! dir {
        ($d:literal) => {
            (
                [
                    include_str!(concat!("../../migrations/", $d, "/0001_init.sql")),
                    include_str!(concat!("../../migrations/", $d, "/0002_accounts_sync.sql")),
                    include_str!(concat!(
                        "../../migrations/",
                        $d,
                        "/0003_cross_assignment.sql"
                    )),
                    include_str!(concat!("../../migrations/", $d, "/0004_photo_uploads.sql")),
                ],
                include_str!(concat!("../../migrations/", $d, "/0005_admin.sql")),
            )
        };
    }
    match backend {
        Backend::Sqlite => dir!("sqlite"),
        Backend::Postgres => dir!("postgres"),
    }
}

/// A running city upgrades: its 市级 accounts become administrators, nobody else does, and
/// every account stays enabled with its password.
async fn existing_city_accounts_become_admins_on_upgrade(backend: Backend) {
    let (before, admin) = migration_sql(backend);
    let insert = "INSERT INTO users (username, display_name, password_hash, role, county, \
                  created_at) VALUES ('shi', '市局', 'h', 'city', NULL, 1), \
                  ('li', '李', 'h', 'county', '140902', 1)";
    let check = "SELECT username, is_admin, disabled, must_change_password FROM users \
                 ORDER BY username";
    macro_rules! upgrade {
        ($conn:expr) => {{
            for sql in before {
                sqlx::raw_sql(sql).execute(&mut *$conn).await.unwrap();
            }
            sqlx::raw_sql(insert).execute(&mut *$conn).await.unwrap();
            sqlx::raw_sql(admin).execute(&mut *$conn).await.unwrap();
            let rows: Vec<(String, bool, bool, bool)> =
                sqlx::query_as(check).fetch_all(&mut *$conn).await.unwrap();
            rows
        }};
    }
    let rows = match backend {
        Backend::Sqlite => {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
                .await
                .unwrap();
            upgrade!(&mut conn)
        }
        Backend::Postgres => {
            // A schema of its own in a fresh test database, migrated only up to 0004 by hand.
            let Some(app) = spawn_app_on(backend).await else {
                return;
            };
            let yinhuan_server::Db::Postgres(pool) = &app.state.db else {
                unreachable!()
            };
            let mut conn = pool.acquire().await.unwrap();
            sqlx::raw_sql("CREATE SCHEMA legacy; SET search_path TO legacy")
                .execute(&mut *conn)
                .await
                .unwrap();
            let rows = upgrade!(&mut *conn);
            sqlx::raw_sql("RESET search_path")
                .execute(&mut *conn)
                .await
                .unwrap();
            rows
        }
    };
    assert_eq!(
        rows,
        [
            ("li".to_owned(), false, false, false),
            ("shi".to_owned(), true, false, false),
        ]
    );
}

crate::both_backends!(
    existing_city_accounts_become_admins_on_upgrade,
    city_admin_creates_edits_and_lists_every_kind_of_account,
    a_county_admin_manages_only_its_county,
    a_non_admin_is_refused_every_admin_endpoint,
    nobody_locks_the_office_out,
    a_disabled_account_is_refused_at_login_and_on_sync,
    a_revoked_device_is_told_while_the_other_keeps_working,
    a_reset_password_is_one_time_and_must_be_changed_first,
    pulls_record_the_device_and_its_waiting_changes,
    bad_bodies_name_the_field_and_change_nothing,
    a_cross_account_outside_its_period_is_refused_at_login,
);
