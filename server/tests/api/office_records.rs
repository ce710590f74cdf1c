//! Office records (issue 11 item 3): 附件1's weekly text rows (`weekly_note`) and the 交叉检查
//! plans (`cross_plan`) travel through the normal sync path, scoped by their own key fields,
//! and the city's 附件1 carries each county's text under the county's name.

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{open_workbook_from_rs, Reader, Xlsx};
use model::annex::{CrossPlan, WeeklyNarrative};
use model::campaign::Campaign;
use model::county::County;
use model::date::Date;
use model::office::{merge_base, CrossPlanRecord, WeeklyNote};
use model::record::Record;
use model::sync::Role;
use serde::Serialize;
use serde_json::{json, Value};
use yinhuan_server::check::check;
use yinhuan_server::Backend;

use crate::helpers::{body_bytes, body_json, spawn_app_on, TestApp, DINGXIANG, XINFU};

const R: &str = "2025-03-14";
const YUANPING: &str = "140981";

fn campaign() -> Campaign {
    Campaign::xinzhou_2024()
}

fn note(county: Option<&str>, device: &str, text: WeeklyNarrative) -> WeeklyNote {
    let mut n = WeeklyNote::blank(
        &campaign().id,
        county,
        Date::parse(R).unwrap(),
        1_741_900_000_000,
        device,
        "科员",
    );
    n.text = text;
    n
}

fn publicity(s: &str) -> WeeklyNarrative {
    WeeklyNarrative {
        publicity: s.into(),
        ..Default::default()
    }
}

fn change<T: Record + Serialize>(record: &T, base_rev: i64) -> Value {
    json!({
        "id": record.id(), "kind": T::KIND, "base_rev": base_rev, "deleted": false,
        "body": serde_json::to_value(record).unwrap(),
    })
}

fn status(outcome: &Value) -> &str {
    outcome["status"].as_str().unwrap()
}

/// The ids of the office records a pull hands `token`.
async fn pulled(app: &TestApp, token: &str) -> Vec<String> {
    let mut ids: Vec<String> = app
        .pull_all(token)
        .await
        .iter()
        .filter(|c| c["kind"] == "weekly_note" || c["kind"] == "cross_plan")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&WeeklyNote]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|n| n.meta.id.to_string()).collect();
    v.sort();
    v
}

/// The 要点 cell of 附件1 row `seq` (the row whose first cell is the 序号).
fn annex1_cell(bytes: Vec<u8>, seq: u8) -> String {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("a valid .xlsx");
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let row = range
        .rows()
        .skip_while(|r| r[0] != "序号")
        .find(|r| r[0] == seq.to_string().as_str())
        .expect("the row");
    row[2].to_string()
}

async fn annex1(app: &TestApp, token: &str, query: &str) -> Vec<u8> {
    let res = app
        .get_auth(&format!("/api/reports/annex1.xlsx?date={R}{query}"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    body_bytes(res).await
}

async fn notes_of_two_counties_and_the_city_sync_in_scope(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let dingxiang = app.user("dingxiang", Role::County(DINGXIANG.into())).await;
    let team = app
        .user(
            "team",
            Role::CrossTeam {
                inspected: XINFU.into(),
            },
        )
        .await;
    let (a, b, own) = (
        note(Some(XINFU), "d1", publicity("忻府区电视台报道2次")),
        note(Some(DINGXIANG), "d2", publicity("定襄县曝光案例1起")),
        note(None, "d3", publicity("市局通报3起")),
    );
    assert_eq!(
        status(&app.push(&xinfu, vec![change(&a, 0)]).await[0]),
        "applied"
    );
    assert_eq!(
        status(&app.push(&dingxiang, vec![change(&b, 0)]).await[0]),
        "applied"
    );
    assert_eq!(
        status(&app.push(&city, vec![change(&own, 0)]).await[0]),
        "applied"
    );

    assert_eq!(pulled(&app, &xinfu).await, sorted(&[&a]));
    assert_eq!(pulled(&app, &dingxiang).await, sorted(&[&b]));
    assert_eq!(pulled(&app, &city).await, sorted(&[&a, &b, &own]));
    // The 交叉检查组 of 忻府区 reads what its county reports (no secret), but writes nothing.
    assert_eq!(pulled(&app, &team).await, sorted(&[&a]));
    let mut edited = a.clone();
    edited.text.problems = "检查组的话".into();
    let out = &app.push(&team, vec![change(&edited, 1)]).await[0];
    assert_eq!(out["status"], "rejected");
    assert!(
        out["message"].as_str().unwrap().contains("交叉检查组"),
        "{out}"
    );
    // The stored body is the model's, at its rev; `check` reads every one back cleanly.
    let stored = app.pull_all(&city).await;
    assert_eq!(
        stored[0]["body"]["text"]["publicity"],
        "忻府区电视台报道2次"
    );
    assert_eq!(stored[0]["body"]["county"], XINFU);
    let report = check(&app.state.db).await.unwrap();
    assert_eq!(report.checked, 3);
    assert!(report.is_clean(), "{:?}", report.findings);
}

async fn a_county_may_not_write_another_countys_or_the_citys_note(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let theirs = note(Some(DINGXIANG), "d1", publicity("冒名填写"));
    let citys = note(None, "d1", publicity("冒名填写"));
    let out = app
        .push(&xinfu, vec![change(&theirs, 0), change(&citys, 0)])
        .await;
    assert_eq!(out[0]["status"], "rejected", "{}", out[0]);
    assert_eq!(out[0]["code"], "forbidden");
    let m = out[0]["message"].as_str().unwrap();
    assert!(m.contains("忻府区") && m.contains("定襄县"), "{m}");
    assert_eq!(out[1]["code"], "forbidden");
    assert!(out[1]["message"].as_str().unwrap().contains("市本级"));
    // A body whose id is not its keys' (a second "same week" record) is refused too.
    let mut forged = note(Some(XINFU), "d1", publicity("另起一条"));
    forged.meta.id = crate::helpers::new_id();
    let out = &app.push(&xinfu, vec![change(&forged, 0)]).await[0];
    assert_eq!(out["code"], "invalid_record");
    assert!(
        out["message"].as_str().unwrap().contains("记录编号"),
        "{out}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(app.count("SELECT value FROM change_seq").await, 0);
}

async fn two_clerks_editing_the_same_week_both_keep_their_rows(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let one = app.user("xinfu1", Role::County(XINFU.into())).await;
    let two = app.user("xinfu2", Role::County(XINFU.into())).await;
    // Both start this week's text offline on their own device: the same derived id.
    let first = note(Some(XINFU), "phone-1", publicity("县融媒体报道2次"));
    let second = note(
        Some(XINFU),
        "phone-2",
        WeeklyNarrative {
            problems: "小微企业底数不清".into(),
            ..Default::default()
        },
    );
    assert_eq!(first.meta.id, second.meta.id);
    let rev = app.push(&one, vec![change(&first, 0)]).await[0]["rev"]
        .as_i64()
        .unwrap();
    let out = app.push(&two, vec![change(&second, 0)]).await.remove(0);
    assert_eq!(out["status"], "conflict", "{out}");
    assert_eq!(out["server_rev"], rev);
    // The device merges as the PWA does: against the blank note both started from.
    let local = serde_json::to_value(&second).unwrap();
    let base = merge_base("weekly_note", &local).unwrap();
    let merged = model::merge::merge(&base, &local, &out["server_body"]);
    assert!(merged.is_clean(), "{:?}", merged.conflicts);
    let mut body = merged.merged;
    body["meta"]["base_rev"] = json!(rev);
    let again = json!({"id": second.meta.id, "kind": "weekly_note", "base_rev": rev, "body": body});
    let out = &app.push(&two, vec![again]).await[0];
    assert_eq!(out["status"], "applied", "{out}");
    let pulled = app.pull_all(&one).await;
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0]["body"]["text"]["publicity"], "县融媒体报道2次");
    assert_eq!(pulled[0]["body"]["text"]["problems"], "小微企业底数不清");
}

async fn the_citys_annex1_names_each_countys_text(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let dingxiang = app.user("dingxiang", Role::County(DINGXIANG.into())).await;
    let mut a = note(Some(XINFU), "d1", publicity("忻府区电视台报道2次"));
    a.text.problems = "执法力量不足".into();
    app.push(&xinfu, vec![change(&a, 0)]).await;
    app.push(
        &dingxiang,
        vec![change(
            &note(Some(DINGXIANG), "d2", publicity("定襄县曝光案例1起")),
            0,
        )],
    )
    .await;
    app.push(
        &city,
        vec![change(&note(None, "d3", publicity("市局通报3起")), 0)],
    )
    .await;

    let sheet = annex1(&app, &city, "").await;
    assert_eq!(
        annex1_cell(sheet.clone(), 6),
        "【忻府区】忻府区电视台报道2次\n【定襄县】定襄县曝光案例1起\n【市本级】市局通报3起"
    );
    assert_eq!(annex1_cell(sheet.clone(), 7), "【忻府区】执法力量不足");
    // Nobody wrote row 8: the seed's prompt, as before.
    assert_eq!(annex1_cell(sheet, 8), WeeklyNarrative::PROMPTS[3]);

    // A county's file has its own text only, and the city may open one county's.
    assert_eq!(
        annex1_cell(annex1(&app, &xinfu, "").await, 6),
        "忻府区电视台报道2次"
    );
    let one = annex1(&app, &city, &format!("&county={DINGXIANG}")).await;
    assert_eq!(annex1_cell(one, 6), "定襄县曝光案例1起");

    // The text sent with a download is newer than the synced one: its non-blank rows win.
    let res = app
        .post_json(
            &format!("/api/reports/annex1.xlsx?date={R}"),
            Some(&xinfu),
            json!({"narrative": {"problems": "本机刚改的问题", "publicity": ""}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = body_bytes(res).await;
    assert_eq!(annex1_cell(bytes.clone(), 7), "本机刚改的问题");
    assert_eq!(annex1_cell(bytes, 6), "忻府区电视台报道2次");
    // A county's text sent by another county changes nothing in that county's file.
    let res = app
        .post_json(
            &format!("/api/reports/annex1.xlsx?date={R}&county={DINGXIANG}"),
            Some(&xinfu),
            json!({"narrative": {"publicity": "冒名"}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(body_json(res).await["message"]
        .as_str()
        .unwrap()
        .contains("定襄县"));
}

async fn a_cross_plan_reaches_the_inspecting_county_only(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let c = campaign();
    let pair = c.cross_pairs[0];
    assert_eq!(
        (pair.inspector.code, pair.inspected.code),
        (XINFU, YUANPING),
        "附件3 pair 1: 忻府区 → 原平市"
    );
    let city = app.user("city", Role::City).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let yuanping = app.user("yuanping", Role::County(YUANPING.into())).await;
    let team = app
        .user(
            "team",
            Role::CrossTeam {
                inspected: YUANPING.into(),
            },
        )
        .await;
    let plan = CrossPlanRecord::new(
        &c.id,
        &CrossPlan {
            pair,
            start: Date::parse("2025-03-03").unwrap(),
            end: Date::parse("2025-03-05").unwrap(),
            enterprises: vec![crate::helpers::new_id()],
        },
        1_741_000_000_000,
        "d1",
        "科员",
    );
    let out = &app.push(&yuanping, vec![change(&plan, 0)]).await[0];
    assert_eq!(out["code"], "forbidden", "{out}");
    assert!(out["message"].as_str().unwrap().contains("检查方"), "{out}");
    assert_eq!(
        status(&app.push(&xinfu, vec![change(&plan, 0)]).await[0]),
        "applied"
    );
    let id = vec![plan.meta.id.to_string()];
    assert_eq!(pulled(&app, &xinfu).await, id);
    assert_eq!(pulled(&app, &city).await, id);
    // The drawn enterprises never reach the 受检县 before the inspection.
    assert!(pulled(&app, &yuanping).await.is_empty());
    assert!(pulled(&app, &team).await.is_empty());
    assert_eq!(County::by_code(YUANPING).unwrap().name, "原平市");
}

crate::both_backends!(
    notes_of_two_counties_and_the_city_sync_in_scope,
    a_county_may_not_write_another_countys_or_the_citys_note,
    two_clerks_editing_the_same_week_both_keep_their_rows,
    the_citys_annex1_names_each_countys_text,
    a_cross_plan_reaches_the_inspecting_county_only,
);
