//! Roster import benchmark: a generated 2,000-row .xlsx (BENCH_ROSTER_ROWS) previewed and
//! committed by a 县级 account on SQLite, in-process through the real router (no socket), on a
//! fresh database in TMPDIR. Then the same file again (all rows unchanged, nothing written).
//! `cargo run --release -p yinhuan-server --example roster_bench` (scripts/bench-roster).

use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use model::credit_code::CreditCode;
use model::sync::Role;
use rust_xlsxwriter::Workbook;
use serde_json::Value;
use tower::ServiceExt;
use yinhuan_server::auth::{create_user, NewUser};
use yinhuan_server::{app, AppState, Config};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn code(n: u32) -> String {
    let base = format!("91140902{n:08}");
    let org = CreditCode::parse(&format!("{base}00"))
        .expect("digits")
        .expected_org_check_char();
    let check = CreditCode::parse(&format!("{base}{org}0"))
        .expect("digits")
        .expected_check_char();
    format!("{base}{org}{check}")
}

/// The template's columns, then `rows` enterprises of 忻府区 (every 50th with a bad 行业).
fn roster(rows: u32) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "企业名称",
        "统一社会信用代码",
        "所在县（市、区）",
        "行业",
        "规模",
        "地址",
        "主要负责人",
        "联系电话",
        "风险标签",
    ];
    for (j, h) in header.iter().enumerate() {
        sheet.write_string(0, j as u16, *h).expect("cell");
    }
    let industries = [
        "冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸",
    ];
    for i in 0..rows {
        let r = i + 1;
        let industry = if i % 50 == 49 {
            "化工"
        } else {
            industries[i as usize % 8]
        };
        let cells = [
            format!("忻州市第{r}号工贸有限公司"),
            code(r),
            "忻府区".to_owned(),
            industry.to_owned(),
            if i % 3 == 0 { "规上" } else { "中小微" }.to_owned(),
            format!("忻府区长征街{r}号"),
            format!("负责人{r}"),
            format!("138{:08}", r),
            if i % 4 == 0 {
                "粉尘涉爆、有限空间"
            } else {
                ""
            }
            .to_owned(),
        ];
        for (j, c) in cells.iter().enumerate() {
            if !c.is_empty() {
                sheet.write_string(r, j as u16, c).expect("cell");
            }
        }
    }
    book.save_to_buffer().expect("workbook")
}

async fn call(router: &axum::Router, req: Request<Body>) -> Value {
    let res = router.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let v: Value = serde_json::from_slice(&bytes).expect("json");
    assert!(status.is_success(), "{status}: {v}");
    v
}

fn upload(uri: &str, token: &str, bytes: &[u8]) -> Request<Body> {
    Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", XLSX)
        .body(Body::from(bytes.to_vec()))
        .expect("request")
}

#[tokio::main]
async fn main() {
    let rows: u32 = std::env::var("BENCH_ROSTER_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let dir = tempfile::tempdir().expect("temp dir");
    let state = AppState::open(Config::new(
        dir.path().join("dist"),
        dir.path().join("data"),
    ))
    .await
    .expect("open state");
    let user = NewUser {
        username: "bench-clerk".into(),
        display_name: "忻府区应急局".into(),
        role: Role::County("140902".into()),
        assignment: None,
    };
    create_user(&state.db, &user, "correct-horse")
        .await
        .expect("user");
    let router = app(state.clone());
    let login = Request::post("/api/login")
        .header("content-type", "application/json")
        .body(Body::from(
            r#"{"username":"bench-clerk","password":"correct-horse","device_id":"bench"}"#,
        ))
        .expect("request");
    let token = call(&router, login).await["token"]
        .as_str()
        .expect("token")
        .to_owned();

    let t = Instant::now();
    let file = roster(rows);
    let built = t.elapsed();
    println!(
        "roster_bench: {rows} rows, {:.0} KB .xlsx (built in {:.0} ms), SQLite in {}",
        file.len() as f64 / 1024.0,
        built.as_secs_f64() * 1e3,
        dir.path().display()
    );
    let timed = |label: &'static str, uri: &'static str| {
        let (router, token, file) = (router.clone(), token.clone(), file.clone());
        async move {
            let t = Instant::now();
            let v = call(&router, upload(uri, &token, &file)).await;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            println!("  {label:<16} {ms:>8.0} ms  {}", summary(&v));
            v
        }
    };
    let preview = timed("preview", "/api/roster/preview?name=bench.xlsx").await;
    let commit = timed("commit", "/api/roster/commit?name=bench.xlsx").await;
    assert_eq!(
        commit["added"].as_u64(),
        Some(preview["add"].as_array().expect("add").len() as u64)
    );
    let again = timed("preview again", "/api/roster/preview?name=bench.xlsx").await;
    assert_eq!(again["add"].as_array().expect("add").len(), 0);
    let recommit = timed("commit again", "/api/roster/commit?name=bench.xlsx").await;
    assert_eq!(recommit["added"], 0);
    assert_eq!(recommit["updated"], 0);
}

fn summary(v: &Value) -> String {
    let n = |k: &str| match &v[k] {
        Value::Array(a) => a.len().to_string(),
        other => other.to_string(),
    };
    format!(
        "add {} / update {} / unchanged {} / errors {}",
        n(if v.get("add").is_some() {
            "add"
        } else {
            "added"
        }),
        n(if v.get("update").is_some() {
            "update"
        } else {
            "updated"
        }),
        n("unchanged"),
        n("errors")
    )
}
