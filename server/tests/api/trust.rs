//! The server trusts nothing it receives: every pushed body is parsed and checked by the model,
//! scope comes from the server's own data, and nothing one account sends reaches another's feed
//! or reports unless the model accepts it.

use model::assignment::Assignment;
use model::date::Date;
use model::sync::Role;
use serde_json::{json, Value};
use uuid::Uuid;
use yinhuan_server::Backend;

use crate::helpers::{
    enterprise_change, hazard_change, inspection_for, inspection_of, new_id, spawn_app_on, TestApp,
    DINGXIANG, XINFU,
};

/// A 行政处罚 of `enterprise` as the PWA writes it.
fn penalty_change(id: Uuid, enterprise: Uuid) -> Value {
    json!({
        "id": id, "kind": "penalty", "base_rev": 0, "deleted": false,
        "body": {
            "meta": {"id": id, "rev": 0, "base_rev": 0, "created_at": 1_733_000_000_000_i64,
                     "updated_at": 1_733_000_000_000_i64, "deleted": false, "dirty": true,
                     "device_id": "dev-test", "updated_by": "tester"},
            "enterprise_id": enterprise, "inspection_id": null, "date": "2025-01-15",
            "unit": "忻府区应急管理局", "decision_number": "", "enterprise_fine": 20000,
            "leader_fines": [], "measures": ["suspend_production"], "note": ""
        }
    })
}

/// What the store holds, as (id, rev, body) sorted by id: nothing may change after a refusal.
async fn snapshot(app: &TestApp) -> Vec<(String, i64, String)> {
    yinhuan_server::with_pool!(&app.state.db, pool =>
        sqlx::query_as("SELECT id, rev, body FROM records ORDER BY id").fetch_all(pool).await)
    .unwrap()
}

/// Every account kind, each with a token, and one enterprise + inspection per county.
struct World {
    app: TestApp,
    city: String,
    county: String,
    cross: String,
    firm: String,
    /// 忻府 enterprise (the county's and the firm's own) and a 定襄 one.
    xinfu_ent: Uuid,
    dingxiang_ent: Uuid,
}

async fn world(backend: Backend) -> Option<World> {
    let app = spawn_app_on(backend).await?;
    let city = app.user("demo", Role::City).await;
    let (xinfu_ent, dingxiang_ent) = (new_id(), new_id());
    let seeded = app
        .push(
            &city,
            vec![
                enterprise_change(xinfu_ent, XINFU, 0, "忻府甲钢铁"),
                enterprise_change(dingxiang_ent, DINGXIANG, 0, "定襄乙铸造"),
                inspection_for(xinfu_ent),
                inspection_for(dingxiang_ent),
            ],
        )
        .await;
    assert!(
        seeded.iter().all(|o| o["status"] == "applied"),
        "{seeded:?}"
    );
    let county = app.user("xinfu_li", Role::County(XINFU.into())).await;
    let today = Date::from_unix_ms_beijing(yinhuan_server::auth::now_ms());
    let period = Assignment::new(today.add_days(-1), today.add_days(5)).unwrap();
    let team = Role::CrossTeam {
        inspected: XINFU.into(),
    };
    app.add_user_with("jc", team, Some(period)).await;
    let cross = app.login("jc").await;
    let firm = app.user("firm", Role::Enterprise(xinfu_ent)).await;
    Some(World {
        app,
        city,
        county,
        cross,
        firm,
        xinfu_ent,
        dingxiang_ent,
    })
}

/// Sets a field of a change's body (dotted path), or removes it with `None`.
fn with(mut change: Value, path: &str, value: Option<Value>) -> Value {
    let mut at = &mut change["body"];
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        at = &mut at[*p];
    }
    let last = parts[parts.len() - 1];
    match value {
        Some(v) => at[last] = v,
        None => {
            at.as_object_mut().unwrap().remove(last);
        }
    }
    change
}

/// Each bad-input class of the issue, for every account that could otherwise write the record:
/// refused with the stated code and a Chinese message naming the field; nothing stored.
async fn bad_bodies_are_refused_for_every_role(backend: Backend) {
    let Some(w) = world(backend).await else {
        return;
    };
    let e = w.xinfu_ent;
    let hazard = || hazard_change(new_id(), e, 0, "平台护栏缺失", "open", &[]);
    let enterprise = || {
        let mut c = enterprise_change(e, XINFU, 1, "忻府甲钢铁");
        c["body"]["meta"]["rev"] = json!(1);
        c
    };
    let long = "长".repeat(40_000);
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(hazard(), "seq", Some(json!("1"))),
            "invalid_record",
            "序号",
        ),
        (with(hazard(), "meta", None), "invalid_record", "缺少"),
        (
            with(hazard(), "state", Some(json!("exploded"))),
            "invalid_record",
            "整改状态",
        ),
        (
            with(hazard(), "found_on", Some(json!("2025-02-30"))),
            "invalid_record",
            "发现日期",
        ),
        (
            with(hazard(), "found_on", Some(json!("1900-01-01"))),
            "invalid_record",
            "1900-01-01",
        ),
        (
            with(hazard(), "description", Some(json!(" "))),
            "invalid_record",
            "隐患描述",
        ),
        (
            with(hazard(), "seq", Some(json!(0))),
            "invalid_record",
            "序号",
        ),
        (
            with(hazard(), "description", Some(json!(long))),
            "invalid_record",
            "过长",
        ),
        (
            with(hazard(), "photos", Some(json!(["not-a-hash"]))),
            "invalid_record",
            "照片",
        ),
        (
            with(enterprise(), "industry", Some(json!("mining"))),
            "invalid_record",
            "行业类别",
        ),
        (
            with(
                enterprise(),
                "credit_code",
                Some(json!("914403001922038217")),
            ),
            "invalid_record",
            "统一社会信用代码",
        ),
        (
            json!({"id": e, "kind": "catastrophic", "base_rev": 0, "body": {"meta": {"id": e}}}),
            "unknown_kind",
            "catastrophic",
        ),
        (
            with(hazard(), "meta.schema", Some(json!(99))),
            "newer_schema",
            "请更新应用后再同步",
        ),
    ];
    for token in [&w.city, &w.county, &w.cross, &w.firm] {
        let before = snapshot(&w.app).await;
        let changes: Vec<Value> = cases.iter().map(|(c, _, _)| c.clone()).collect();
        let outcomes = w.app.push(token, changes).await;
        for ((_, code, words), o) in cases.iter().zip(&outcomes) {
            assert_eq!(o["status"], "rejected", "{o}");
            assert_eq!(o["code"], *code, "{o}");
            let message = o["message"].as_str().unwrap();
            assert!(message.contains(words), "{words}: {message}");
        }
        assert_eq!(snapshot(&w.app).await, before, "a refusal stored something");
    }
}

/// The county in a body is never trusted: a hazard of 定襄's enterprise pushed by 忻府 with
/// `"county": 忻府` is refused, and nothing reaches 定襄's records or reports.
async fn scope_comes_from_the_stored_enterprise_not_the_body(backend: Backend) {
    let Some(w) = world(backend).await else {
        return;
    };
    let before = snapshot(&w.app).await;
    let d = w.dingxiang_ent;
    let claimed = with(
        hazard_change(new_id(), d, 0, "冒充本县的隐患", "open", &[]),
        "county",
        Some(json!(XINFU)),
    );
    // Its own county's inspection, another county's enterprise: the two disagree.
    let mismatched = with(
        hazard_change(new_id(), d, 0, "张冠李戴", "open", &[]),
        "inspection_id",
        Some(json!(inspection_of(w.xinfu_ent))),
    );
    let penalty = penalty_change(new_id(), d);
    for token in [&w.county, &w.cross, &w.firm] {
        let o = w
            .app
            .push(
                token,
                vec![claimed.clone(), mismatched.clone(), penalty.clone()],
            )
            .await;
        assert_eq!(o[0]["code"], "forbidden", "{}", o[0]);
        assert_eq!(o[1]["code"], "invalid_record", "{}", o[1]);
        assert!(o[1]["message"].as_str().unwrap().contains("所属企业"));
        assert_eq!(o[2]["code"], "forbidden", "{}", o[2]);
    }
    assert_eq!(snapshot(&w.app).await, before);

    // The same hazard from the city is stored under 定襄, whatever the body claimed, and the
    // claimed field is not stored at all.
    let o = w.app.push(&w.city, vec![claimed.clone()]).await;
    assert_eq!(o[0]["status"], "applied", "{}", o[0]);
    let id = claimed["id"].as_str().unwrap().to_owned();
    let county: Option<String> = yinhuan_server::with_pool!(&w.app.state.db, pool =>
        sqlx::query_scalar("SELECT county FROM records WHERE id = $1").bind(&id).fetch_one(pool).await)
    .unwrap();
    assert_eq!(county.as_deref(), Some(DINGXIANG));
    let xinfu_sees = w.app.pull_all(&w.county).await;
    assert!(xinfu_sees.iter().all(|c| c["id"] != id.as_str()));
    let stored = w.app.pull_all(&w.city).await;
    let body = &stored.iter().find(|c| c["id"] == id.as_str()).unwrap()["body"];
    assert!(body.get("county").is_none(), "{body}");
    assert_eq!(body["meta"]["schema"], model::record::SCHEMA);
}

/// Moving an enterprise to another county is the city's act: the enterprise's own account and
/// a county account are refused, the city may.
async fn only_the_city_moves_a_record_between_counties(backend: Backend) {
    let Some(w) = world(backend).await else {
        return;
    };
    let moved = || {
        let mut c = enterprise_change(w.xinfu_ent, DINGXIANG, 1, "忻府甲钢铁");
        c["body"]["meta"]["rev"] = json!(1);
        c
    };
    for token in [&w.firm, &w.county] {
        let o = w.app.push(token, vec![moved()]).await;
        assert_eq!(o[0]["code"], "forbidden", "{}", o[0]);
    }
    let o = w.app.push(&w.firm, vec![moved()]).await;
    assert!(
        o[0]["message"].as_str().unwrap().contains("市级"),
        "{}",
        o[0]
    );
    let o = w.app.push(&w.city, vec![moved()]).await;
    assert_eq!(o[0]["status"], "applied", "{}", o[0]);
}

/// A body shaped as the first release writes it (no `meta.schema`, no new optional fields) is
/// accepted and stored upgraded; every kind.
async fn an_old_clients_bodies_are_upgraded(backend: Backend) {
    let Some(w) = world(backend).await else {
        return;
    };
    let (e, h, p) = (new_id(), new_id(), new_id());
    let mut old = vec![
        enterprise_change(e, XINFU, 0, "旧版应用的企业"),
        inspection_for(e),
        hazard_change(h, e, 0, "旧版应用的隐患", "open", &[]),
        penalty_change(p, e),
    ];
    for c in &mut old {
        assert!(c["body"]["meta"].get("schema").is_none());
    }
    let o = w.app.push(&w.city, old).await;
    assert!(o.iter().all(|o| o["status"] == "applied"), "{o:?}");
    for c in w.app.pull_all(&w.city).await {
        assert_eq!(c["body"]["meta"]["schema"], model::record::SCHEMA, "{c}");
    }
}

/// A valid 附件1 text note of 忻府区 and a 交叉检查 plan (忻府区 → 原平市), as pushes.
fn office_changes() -> Vec<Value> {
    use model::annex::{CrossPlan, WeeklyNarrative};
    use model::office::{CrossPlanRecord, WeeklyNote};
    use model::record::Record;
    let c = model::campaign::Campaign::xinzhou_2024();
    let day = |d: &str| model::date::Date::parse(d).unwrap();
    let mut note = WeeklyNote::blank(
        &c.id,
        Some(XINFU),
        day("2025-03-21"),
        1_742_000_000_000,
        "d",
        "科员",
    );
    note.text = WeeklyNarrative {
        publicity: "召开警示教育会".into(),
        ..Default::default()
    };
    let plan = CrossPlanRecord::new(
        &c.id,
        &CrossPlan {
            pair: c.cross_pairs[0],
            start: day("2025-03-03"),
            end: day("2025-03-05"),
            enterprises: vec![new_id()],
        },
        1_742_000_000_000,
        "d",
        "科员",
    );
    let change = |id: uuid::Uuid, kind: &str, body: Value| json!({"id": id, "kind": kind, "base_rev": 0, "deleted": false, "body": body});
    vec![
        change(
            note.id(),
            WeeklyNote::KIND,
            serde_json::to_value(&note).unwrap(),
        ),
        change(
            plan.id(),
            CrossPlanRecord::KIND,
            serde_json::to_value(&plan).unwrap(),
        ),
    ]
}

/// Mutations of a valid body of every kind: a field removed, replaced by another type, an
/// oversized string, an impossible date, nested junk.
fn mutations(valid: &Value) -> Vec<Value> {
    let junk = [
        None,
        Some(json!(null)),
        Some(json!("x".repeat(40_000))),
        Some(json!(-1)),
        Some(json!(1e300)),
        Some(json!(u64::MAX)),
        Some(json!([1, "a", null, {"b": []}])),
        Some(json!({"a": {"b": [1]}})),
        Some(json!(true)),
        Some(json!("2025-02-30")),
        Some(json!("")),
    ];
    let mut paths: Vec<String> = valid["body"].as_object().unwrap().keys().cloned().collect();
    paths.extend(
        [
            "meta.id",
            "meta.created_at",
            "meta.device_id",
            "meta.schema",
            "meta.deleted",
        ]
        .map(String::from),
    );
    let mut out = Vec::new();
    for path in &paths {
        for v in &junk {
            let mut c = with(valid.clone(), path, v.clone());
            // A fresh record each time, so every mutation is judged on its own.
            let id = new_id();
            c["id"] = json!(id);
            if path != "meta.id" && c["body"]["meta"].is_object() {
                c["body"]["meta"]["id"] = json!(id);
            }
            out.push(c);
        }
    }
    out
}

/// Whatever arrives, the server answers 200 with an outcome per change (never 500), and every
/// body it stored parses under the model and round-trips through it unchanged.
async fn arbitrary_bodies_never_break_the_server_or_the_store(backend: Backend) {
    let Some(w) = world(backend).await else {
        return;
    };
    let e = w.xinfu_ent;
    let valid = [
        enterprise_change(new_id(), XINFU, 0, "变异企业"),
        hazard_change(new_id(), e, 0, "变异隐患", "open", &[]),
        with(inspection_for(e), "meta.id", None),
        penalty_change(new_id(), e),
    ];
    let mut all = Vec::new();
    for v in &valid {
        all.extend(mutations(v));
    }
    // The office records too. Their id is derived from their keys, so a mutation with a fresh
    // id is refused as such; the unmutated ones (and mutations of `meta.id` alone) must not
    // break anything either, and 附件1 below is built from whatever was stored.
    for office in office_changes() {
        all.extend(mutations(&office));
        all.push(office);
    }
    let (mut applied, mut rejected) = (0, 0);
    for token in [&w.city, &w.firm] {
        for chunk in all.chunks(50) {
            for o in w.app.push(token, chunk.to_vec()).await {
                match o["status"].as_str().unwrap() {
                    "applied" => applied += 1,
                    "rejected" => {
                        rejected += 1;
                        assert!(!o["message"].as_str().unwrap().is_empty());
                    }
                    other => panic!("{other}: {o}"),
                }
            }
        }
    }
    assert!(
        applied > 0 && rejected > 0,
        "{applied} applied, {rejected} rejected"
    );
    // Truncated and non-JSON requests are a 400, not a 500.
    for raw in [
        "{\"device_id\": \"d\", \"changes\": [{\"id\":",
        "\u{0}\u{1}",
        "[]",
    ] {
        let req = axum::http::Request::post("/api/sync/push")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", w.city))
            .body(axum::body::Body::from(raw))
            .unwrap();
        assert_eq!(w.app.request(req).await.status(), 400, "{raw}");
    }
    let stored: Vec<(String, String, bool)> = yinhuan_server::with_pool!(&w.app.state.db, pool =>
        sqlx::query_as("SELECT kind, body, deleted FROM records").fetch_all(pool).await)
    .unwrap();
    let kinds: std::collections::BTreeSet<&str> = stored.iter().map(|r| r.0.as_str()).collect();
    assert!(
        kinds.contains("weekly_note") && kinds.contains("cross_plan"),
        "the valid office records were stored: {kinds:?}"
    );
    for (kind, body, deleted) in stored {
        let body: Value = serde_json::from_str(&body).unwrap();
        let again = model::accept::accept(&kind, &body, deleted)
            .unwrap_or_else(|r| panic!("stored {kind} is refused by the model: {r:?}\n{body}"));
        assert_eq!(again.body, body, "a stored body does not round-trip");
    }
    // The reports still build for everyone.
    for token in [&w.city, &w.county] {
        for annex in ["annex1", "annex2"] {
            let res = w
                .app
                .get_auth(&format!("/api/reports/{annex}.xlsx?date=2025-03-21"), token)
                .await;
            assert_eq!(res.status(), 200, "{annex}");
        }
    }
}

crate::both_backends!(
    bad_bodies_are_refused_for_every_role,
    scope_comes_from_the_stored_enterprise_not_the_body,
    only_the_city_moves_a_record_between_counties,
    an_old_clients_bodies_are_upgraded,
    arbitrary_bodies_never_break_the_server_or_the_store,
);
