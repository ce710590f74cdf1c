use axum::http::StatusCode;
use model::assignment::Assignment;
use model::date::Date;
use model::sync::Role;
use serde_json::json;
use yinhuan_server::Backend;

use crate::helpers::{
    body_json, enterprise_change, hazard_change, inspection_change, inspection_for, inspection_of,
    new_id, spawn_app_on, DINGXIANG, XINFU,
};

fn applied_rev(outcome: &serde_json::Value) -> i64 {
    assert_eq!(outcome["status"], "applied", "{outcome}");
    outcome["rev"].as_i64().unwrap()
}

async fn pushed_records_come_back_in_pages_in_rev_order(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let ids: Vec<_> = (0..5).map(|_| new_id()).collect();
    let changes = ids
        .iter()
        .enumerate()
        .map(|(i, id)| enterprise_change(*id, XINFU, 0, &format!("企业{i}")))
        .collect();

    let outcomes = app.push(&token, changes).await;

    let revs: Vec<i64> = outcomes.iter().map(applied_rev).collect();
    assert_eq!(revs, vec![1, 2, 3, 4, 5]);
    let mut cursor = 0;
    let mut pages = Vec::new();
    loop {
        let page = app.pull(&token, cursor, 2).await;
        assert!(!page["instance_id"].as_str().unwrap().is_empty());
        let got: Vec<i64> = page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["rev"].as_i64().unwrap())
            .collect();
        cursor = page["cursor"].as_i64().unwrap();
        pages.push((got, page["more"].as_bool().unwrap()));
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(
        pages,
        vec![(vec![1, 2], true), (vec![3, 4], true), (vec![5], false)]
    );
    assert_eq!(cursor, 5);
    let first = &app.pull(&token, 0, 1).await["changes"][0];
    assert_eq!(first["id"], ids[0].to_string());
    assert_eq!(first["kind"], "enterprise");
    assert_eq!(first["body"]["name"], "企业0");
    // The stored body is a clean synced record at its rev.
    assert_eq!(first["body"]["meta"]["rev"], 1);
    assert_eq!(first["body"]["meta"]["base_rev"], 1);
    assert_eq!(first["body"]["meta"]["dirty"], false);
    // Nothing after the cursor: an empty page that keeps the cursor.
    let empty = app.pull(&token, 5, 2).await;
    assert_eq!(empty["changes"], json!([]));
    assert_eq!(empty["cursor"], 5);
    assert_eq!(empty["more"], false);
}

async fn an_exact_repeat_returns_the_same_rev_and_stores_nothing_new(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let id = new_id();
    let change = enterprise_change(id, XINFU, 0, "甲钢铁");

    let first = applied_rev(&app.push(&token, vec![change.clone()]).await[0]);
    let again = app.push(&token, vec![change.clone(), change]).await;

    assert_eq!(applied_rev(&again[0]), first);
    assert_eq!(applied_rev(&again[1]), first);
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 1);
    assert_eq!(app.count("SELECT value FROM change_seq").await, first);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'insert'")
            .await,
        1
    );
}

async fn two_concurrent_pushes_of_the_same_change_get_exactly_one_rev(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let enterprise = new_id();
    app.push(
        &token,
        vec![
            enterprise_change(enterprise, XINFU, 0, "甲钢铁"),
            inspection_for(enterprise),
        ],
    )
    .await;
    let changes: Vec<_> = (0..20)
        .map(|i| hazard_change(new_id(), enterprise, 0, &format!("隐患{i}"), "open", &[]))
        .collect();

    // Two tabs (or a retry racing its original) send the same batch at the same moment.
    let (a, b) = tokio::join!(
        app.push(&token, changes.clone()),
        app.push(&token, changes.clone())
    );

    let a: Vec<i64> = a.iter().map(applied_rev).collect();
    let b: Vec<i64> = b.iter().map(applied_rev).collect();
    assert_eq!(a, b);
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 22);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 22);
    let mut revs = a.clone();
    revs.sort_unstable();
    revs.dedup();
    assert_eq!(revs.len(), 20);
}

/// Many writers at once, while another device pulls: every record reaches the puller exactly
/// once (a cursor never skips a change that committed late).
async fn a_puller_racing_many_writers_misses_nothing(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    const WRITERS: usize = 8;
    const EACH: usize = 10;

    let writers = futures_util::future::join_all((0..WRITERS).map(|_| {
        let token = token.clone();
        let app = &app;
        async move {
            for i in 0..EACH {
                let c = enterprise_change(new_id(), XINFU, 0, &format!("企业{i}"));
                applied_rev(&app.push(&token, vec![c]).await[0]);
            }
        }
    }));
    let puller = async {
        let mut cursor = 0;
        let mut seen = Vec::new();
        for _ in 0..200 {
            let page = app.pull(&token, cursor, 7).await;
            for c in page["changes"].as_array().unwrap() {
                seen.push(c["id"].as_str().unwrap().to_owned());
            }
            cursor = page["cursor"].as_i64().unwrap();
            if seen.len() == WRITERS * EACH {
                break;
            }
            tokio::task::yield_now().await;
        }
        (seen, cursor)
    };
    let (_, (mut seen, mut cursor)) = tokio::join!(writers, puller);
    // Resume from the cursor saved during the race, as a device does on its next sync.
    loop {
        let page = app.pull(&token, cursor, 50).await;
        for c in page["changes"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        cursor = page["cursor"].as_i64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "a record was delivered twice");
    assert_eq!(total, WRITERS * EACH, "a record was skipped");
}

async fn an_edit_from_an_old_base_is_a_conflict_carrying_the_server_version(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let e = new_id();
    let h = new_id();
    app.push(
        &token,
        vec![enterprise_change(e, XINFU, 0, "甲钢铁"), inspection_for(e)],
    )
    .await;
    let r1 = applied_rev(
        &app.push(
            &token,
            vec![hazard_change(h, e, 0, "护栏缺失", "open", &[])],
        )
        .await[0],
    );
    let r2 = applied_rev(
        &app.push(
            &token,
            vec![hazard_change(h, e, r1, "护栏缺失（东侧）", "open", &[])],
        )
        .await[0],
    );

    let stale = app
        .push(
            &token,
            vec![hazard_change(h, e, r1, "平台护栏缺失", "open", &[])],
        )
        .await;

    assert_eq!(stale[0]["status"], "conflict");
    assert_eq!(stale[0]["server_rev"], r2);
    assert_eq!(stale[0]["server_deleted"], false);
    assert_eq!(stale[0]["server_body"]["description"], "护栏缺失（东侧）");
    // Merged by the client and pushed on top of the server's version: applied.
    let merged = app
        .push(
            &token,
            vec![hazard_change(h, e, r2, "平台护栏缺失（东侧）", "open", &[])],
        )
        .await;
    assert!(applied_rev(&merged[0]) > r2);
}

async fn a_closed_hazard_is_not_reopened_by_a_stale_offline_edit(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let e = new_id();
    let h = new_id();
    app.push(
        &token,
        vec![enterprise_change(e, XINFU, 0, "甲钢铁"), inspection_for(e)],
    )
    .await;
    let r1 = applied_rev(
        &app.push(
            &token,
            vec![hazard_change(h, e, 0, "护栏缺失", "open", &[])],
        )
        .await[0],
    );
    let r2 = applied_rev(
        &app.push(
            &token,
            vec![hazard_change(h, e, r1, "护栏缺失", "closed", &[])],
        )
        .await[0],
    );

    // A device that was offline since r1 reports progress.
    let stale = app
        .push(
            &token,
            vec![hazard_change(h, e, r1, "护栏缺失", "rectifying", &[])],
        )
        .await;

    assert_eq!(stale[0]["status"], "conflict");
    assert_eq!(stale[0]["server_rev"], r2);
    assert_eq!(stale[0]["server_body"]["state"], "closed");
    let all = app.pull_all(&token).await;
    let hazard = all.iter().find(|c| c["id"] == h.to_string()).unwrap();
    assert_eq!(hazard["body"]["state"], "closed");
}

async fn a_tombstone_syncs_like_an_edit(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let e = new_id();
    let r1 = applied_rev(
        &app.push(&token, vec![enterprise_change(e, XINFU, 0, "甲钢铁")])
            .await[0],
    );
    let mut delete = enterprise_change(e, XINFU, r1, "甲钢铁");
    delete["deleted"] = json!(true);
    delete["body"]["meta"]["deleted"] = json!(true);

    let r2 = applied_rev(&app.push(&token, vec![delete]).await[0]);

    let all = app.pull_all(&token).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["rev"], r2);
    assert_eq!(all[0]["deleted"], true);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'delete'")
            .await,
        1
    );
}

async fn a_county_user_cannot_read_or_write_another_county(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("demo", Role::City).await;
    let xinfu = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let (ea, eb, ha, hb) = (new_id(), new_id(), new_id(), new_id());
    let revs: Vec<i64> = app
        .push(
            &city,
            vec![
                enterprise_change(ea, XINFU, 0, "忻府甲"),
                enterprise_change(eb, DINGXIANG, 0, "定襄乙"),
                hazard_change(ha, ea, 0, "忻府的隐患", "open", &[]),
                hazard_change(hb, eb, 0, "定襄的隐患", "open", &[]),
                // Applied before the hazards whatever their place (references first).
                inspection_for(ea),
                inspection_for(eb),
            ],
        )
        .await
        .iter()
        .map(applied_rev)
        .collect();

    // Read: only its county, the enterprise and the hazard under it.
    let seen: Vec<String> = app
        .pull_all(&xinfu)
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let ia = inspection_of(ea).to_string();
    assert_eq!(seen, vec![ea.to_string(), ia, ha.to_string()]);
    // Asking for another county's records directly: 403, with a Chinese reason.
    for uri in [
        format!("/api/records/{hb}"),
        format!("/api/records/{eb}"),
        format!("/api/sync/pull?county={DINGXIANG}"),
    ] {
        let res = app.get_auth(&uri, &xinfu).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{uri}");
        let err = body_json(res).await;
        assert_eq!(err["code"], "forbidden", "{uri}");
        assert!(
            err["message"].as_str().unwrap().contains("无权查看"),
            "{err}"
        );
    }
    // Its own county, by record and by filter; a record never stored is 404.
    let own = body_json(app.get_auth(&format!("/api/records/{ha}"), &xinfu).await).await;
    assert_eq!(own["body"]["description"], "忻府的隐患");
    let res = app
        .get_auth(&format!("/api/sync/pull?county={XINFU}"), &xinfu)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body_json(res).await["changes"].as_array().unwrap().len(), 3);
    let res = app
        .get_auth(&format!("/api/records/{}", new_id()), &xinfu)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The city may narrow its feed to one county.
    let res = app
        .get_auth(&format!("/api/sync/pull?county={DINGXIANG}"), &city)
        .await;
    let ids: Vec<String> = body_json(res).await["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let ib = inspection_of(eb).to_string();
    assert_eq!(ids, vec![eb.to_string(), ib, hb.to_string()]);

    // Write: another county's records, new or existing, and moving its own out, are refused.
    let outcomes = app
        .push(
            &xinfu,
            vec![
                hazard_change(new_id(), eb, 0, "越权新增", "open", &[]),
                hazard_change(hb, eb, revs[3], "越权修改", "open", &[]),
                enterprise_change(eb, DINGXIANG, revs[1], "越权改名"),
                enterprise_change(new_id(), DINGXIANG, 0, "越权企业"),
                enterprise_change(ea, DINGXIANG, revs[0], "迁出"),
                hazard_change(ha, ea, revs[2], "本县修改", "rectifying", &[]),
            ],
        )
        .await;
    for o in &outcomes[..5] {
        assert_eq!(o["status"], "rejected", "{o}");
        assert_eq!(o["code"], "forbidden", "{o}");
        assert!(o["message"].as_str().unwrap().contains("无权"));
    }
    applied_rev(&outcomes[5]);
    let all = app.pull_all(&city).await;
    let body_of = |id: uuid::Uuid| {
        all.iter()
            .find(|c| c["id"] == id.to_string())
            .map(|c| c["body"].clone())
            .unwrap()
    };
    assert_eq!(body_of(hb)["description"], "定襄的隐患");
    assert_eq!(body_of(eb)["name"], "定襄乙");
    assert_eq!(body_of(ea)["county"], XINFU);
    assert_eq!(all.len(), 6);
}

async fn a_cross_team_works_only_during_its_inspection_period(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("demo", Role::City).await;
    let (e, h) = (new_id(), new_id());
    app.push(
        &city,
        vec![
            enterprise_change(e, DINGXIANG, 0, "定襄受检企业"),
            inspection_for(e),
            hazard_change(h, e, 0, "交叉检查发现的隐患", "open", &[]),
        ],
    )
    .await;
    let today = Date::from_unix_ms_beijing(yinhuan_server::auth::now_ms());
    let team = || Role::CrossTeam {
        inspected: DINGXIANG.into(),
    };
    let period = |from: i64, until: i64| {
        Some(Assignment::new(today.add_days(from), today.add_days(until)).unwrap())
    };
    // During the period: its 受检县, reading and writing.
    app.add_user_with("jc_now", team(), period(-3, 3)).await;
    let now = app.login("jc_now").await;
    assert_eq!(app.pull_all(&now).await.len(), 3);
    // Ended, or not begun: login refused with the dates, and so is a token issued before.
    app.add_user_with("jc_ended", team(), period(-30, -1)).await;
    app.add_user_with("jc_later", team(), period(1, 30)).await;
    for (name, words) in [("jc_ended", "已于"), ("jc_later", "尚未开始")] {
        let res = app
            .post_json(
                "/api/login",
                None,
                json!({"username": name, "password": crate::helpers::PASSWORD, "device_id": "d"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        let err = body_json(res).await;
        assert!(err["message"].as_str().unwrap().contains(words), "{err}");
    }
    // The period is checked on every request, not only at login: end it under a live token.
    let sql = "UPDATE users SET active_until = '2000-01-01' WHERE username = 'jc_now'";
    app.execute(sql).await;
    let res = app.get_auth("/api/sync/pull", &now).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post_json(
            "/api/sync/push",
            Some(&now),
            json!({"device_id": "d", "changes": [hazard_change(h, e, 0, "期满后修改", "open", &[])]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let all = app.pull_all(&city).await;
    assert!(all.iter().all(|c| c["body"]["description"] != "期满后修改"));
}

async fn an_enterprise_reports_rectification_but_only_an_inspector_closes(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let county = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let (e, h) = (new_id(), new_id());
    let revs: Vec<i64> = app
        .push(
            &county,
            vec![
                enterprise_change(e, XINFU, 0, "忻府整改企业"),
                hazard_change(h, e, 0, "平台护栏缺失", "open", &[]),
                inspection_for(e),
            ],
        )
        .await
        .iter()
        .map(applied_rev)
        .collect();
    let firm = app.user("firm", Role::Enterprise(e)).await;
    // The enterprise reports its 整改 done: allowed.
    let mut done = hazard_change(h, e, revs[1], "平台护栏缺失", "awaiting_review", &[]);
    done["body"]["completed_on"] = json!("2024-12-20");
    let rev = applied_rev(&app.push(&firm, vec![done.clone()]).await[0]);
    // It cannot record the 复查 and 销号 itself.
    let mut closed = done.clone();
    closed["base_rev"] = json!(rev);
    closed["body"]["state"] = json!("closed");
    closed["body"]["reviews"] = json!([{"reviewer": "厂长", "date": "2024-12-21", "passed": true}]);
    let o = &app.push(&firm, vec![closed.clone()]).await[0];
    assert_eq!(o["status"], "rejected", "{o}");
    assert_eq!(o["code"], "forbidden");
    assert!(o["message"].as_str().unwrap().contains("检查人员"), "{o}");
    // The county's inspector can.
    closed["body"]["reviews"][0]["reviewer"] = json!("吴检查");
    applied_rev(&app.push(&county, vec![closed]).await[0]);
    let all = app.pull_all(&county).await;
    let stored = all.iter().find(|c| c["id"] == h.to_string()).unwrap();
    assert_eq!(stored["body"]["state"], "closed");
    assert_eq!(stored["body"]["reviews"][0]["reviewer"], "吴检查");
}

async fn an_enterprise_user_sees_its_self_inspections_and_hazards_only(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("demo", Role::City).await;
    let (own, other) = (new_id(), new_id());
    let qiye = app.user("qiye", Role::Enterprise(own)).await;
    let (self_insp, cross_insp, hazard, other_hazard) = (new_id(), new_id(), new_id(), new_id());
    app.push(
        &city,
        vec![
            enterprise_change(own, XINFU, 0, "本企业"),
            enterprise_change(other, XINFU, 0, "别的企业"),
            inspection_change(self_insp, own, "self_inspection"),
            inspection_change(cross_insp, own, "cross"),
            inspection_change(inspection_of(own), own, "self_inspection"),
            inspection_for(other),
            hazard_change(hazard, own, 0, "本企业隐患", "open", &[]),
            hazard_change(other_hazard, other, 0, "别家隐患", "open", &[]),
        ],
    )
    .await;

    let mut seen: Vec<String> = app
        .pull_all(&qiye)
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();

    let mut expected = vec![
        own.to_string(),
        self_insp.to_string(),
        inspection_of(own).to_string(),
        hazard.to_string(),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    // It can record its own 企业自查, but not a 交叉检查.
    let outcomes = app
        .push(
            &qiye,
            vec![
                inspection_change(new_id(), own, "self_inspection"),
                inspection_change(new_id(), own, "cross"),
                inspection_change(new_id(), other, "self_inspection"),
            ],
        )
        .await;
    applied_rev(&outcomes[0]);
    assert_eq!(outcomes[1]["code"], "forbidden");
    assert_eq!(outcomes[2]["code"], "forbidden");
}

async fn a_hazard_pushed_before_its_new_enterprise_in_one_batch_is_applied(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let xinfu = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let (e, h) = (new_id(), new_id());

    let outcomes = app
        .push(
            &xinfu,
            vec![
                hazard_change(h, e, 0, "新企业的隐患", "open", &[]),
                inspection_for(e),
                enterprise_change(e, XINFU, 0, "新企业"),
            ],
        )
        .await;

    // Results keep the request order; references were applied first.
    let revs: Vec<i64> = outcomes.iter().map(applied_rev).collect();
    assert!(revs[0] > revs[1] && revs[1] > revs[2], "{revs:?}");
    // A hazard whose inspection, or an inspection whose enterprise, the server has never seen
    // cannot be placed in a county: refused with a code the device retries later.
    let stranger = new_id();
    let orphans = app
        .push(
            &xinfu,
            vec![
                hazard_change(new_id(), stranger, 0, "孤儿", "open", &[]),
                inspection_for(stranger),
            ],
        )
        .await;
    assert_eq!(orphans[0]["code"], "unknown_inspection", "{}", orphans[0]);
    assert_eq!(orphans[1]["code"], "unknown_enterprise", "{}", orphans[1]);
    assert!(orphans[0]["message"].as_str().unwrap().contains("自动重试"));
}

async fn malformed_pushes_are_refused_with_clear_4xx(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let token = app.user("demo", Role::City).await;
    let raw = |body: String| {
        let req = axum::http::Request::post("/api/sync/push")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(axum::body::Body::from(body))
            .unwrap();
        app.request(req)
    };

    let bad_json = raw("{\"device_id\": \"d\", \"changes\": [".to_owned()).await;
    assert_eq!(bad_json.status(), StatusCode::BAD_REQUEST);
    let body = body_json(bad_json).await;
    assert_eq!(body["code"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("JSON"));

    let missing_field = raw(json!({"changes": []}).to_string()).await;
    assert_eq!(missing_field.status(), StatusCode::BAD_REQUEST);

    let too_many: Vec<_> = (0..201)
        .map(|_| enterprise_change(new_id(), XINFU, 0, "x"))
        .collect();
    let res = raw(json!({"device_id": "d", "changes": too_many}).to_string()).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body_json(res).await["code"], "payload_too_large");

    let huge = "很".repeat(800_000);
    let res = raw(
        json!({"device_id": "d", "changes": [enterprise_change(new_id(), XINFU, 0, &huge)]})
            .to_string(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let outcomes = app
        .push(
            &token,
            vec![json!({"id": new_id(), "kind": "Hazard!", "base_rev": 0, "body": {}})],
        )
        .await;
    assert_eq!(outcomes[0]["code"], "invalid_kind");
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 0);

    let bad_query = app.get_auth("/api/sync/pull?cursor=abc", &token).await;
    assert_eq!(bad_query.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body_json(bad_query).await["code"], "bad_request");
}

crate::both_backends!(
    pushed_records_come_back_in_pages_in_rev_order,
    an_exact_repeat_returns_the_same_rev_and_stores_nothing_new,
    two_concurrent_pushes_of_the_same_change_get_exactly_one_rev,
    a_puller_racing_many_writers_misses_nothing,
    an_edit_from_an_old_base_is_a_conflict_carrying_the_server_version,
    a_closed_hazard_is_not_reopened_by_a_stale_offline_edit,
    a_tombstone_syncs_like_an_edit,
    a_county_user_cannot_read_or_write_another_county,
    a_cross_team_works_only_during_its_inspection_period,
    an_enterprise_reports_rectification_but_only_an_inspector_closes,
    an_enterprise_user_sees_its_self_inspections_and_hazards_only,
    a_hazard_pushed_before_its_new_enterprise_in_one_batch_is_applied,
    malformed_pushes_are_refused_with_clear_4xx,
);
