//! `/api/roster`: template, preview, commit, error report; on SQLite and PostgreSQL.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use model::credit_code::CreditCode;
use model::sync::Role;
use rust_xlsxwriter::Workbook;
use serde_json::{json, Value};
use uuid::Uuid;
use yinhuan_server::Backend;

use crate::helpers::*;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER: [&str; 9] = [
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

/// A valid 统一社会信用代码 numbered `n` (both check characters computed by the model).
fn code(n: u32) -> String {
    let base = format!("91140902{n:08}");
    let org = CreditCode::parse(&format!("{base}00"))
        .unwrap()
        .expected_org_check_char();
    let check = CreditCode::parse(&format!("{base}{org}0"))
        .unwrap()
        .expected_check_char();
    format!("{base}{org}{check}")
}

/// The code with a wrong check character.
fn bad_check(n: u32) -> String {
    let c = code(n);
    let last = if c.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &c[..17])
}

fn row(name: &str, code: &str, county: &str) -> Vec<String> {
    [
        name,
        code,
        county,
        "冶金",
        "规上",
        "长征街1号",
        "张三",
        "13800138000",
        "钢铁",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// An .xlsx whose first sheet holds `rows` from A1; numbers in a cell that looks like one.
fn xlsx(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (i, r) in rows.iter().enumerate() {
        for (j, cell) in r.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            sheet.write_string(i as u32, j as u16, cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn header_row() -> Vec<String> {
    HEADER.map(str::to_owned).to_vec()
}

impl TestApp {
    async fn upload(
        &self,
        uri: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> axum::http::Response<Body> {
        let req = Request::post(uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", content_type)
            .body(Body::from(bytes))
            .unwrap();
        self.request(req).await
    }

    async fn roster(&self, action: &str, token: &str, bytes: Vec<u8>) -> Value {
        let res = self
            .upload(
                &format!("/api/roster/{action}?name=%E5%90%8D%E5%8D%95.xlsx"),
                token,
                XLSX,
                bytes,
            )
            .await;
        let status = res.status();
        let body = body_json(res).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn change_seq(&self) -> i64 {
        self.count("SELECT value FROM change_seq WHERE id = 1")
            .await
    }
}

fn rows_of(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect()
}

/// The file of the main test: 3 new, 1 update of a stored enterprise, each kind of bad row.
fn roster_file(existing_code: &str) -> Vec<u8> {
    let mut bad_industry = row("丁厂", &code(4), "忻府区");
    bad_industry[3] = "化工".into();
    let mut bad_scale = row("戊厂", &code(5), "忻府区");
    bad_scale[4] = "特大".into();
    let mut bad_tag = row("己厂", &code(6), "忻府区");
    bad_tag[8] = "钢铁、高温熔融".into();
    let mut update = row("原有企业（更名）", existing_code, "忻府区");
    update[5] = String::new(); // blank: the stored address is kept
    xlsx(&[
        header_row(),
        row("甲厂", &code(1), "忻府区"),         // 2 add
        row("乙厂", &code(2), "140902"),         // 3 add
        vec![],                                  // 4 blank, skipped
        row("丙厂", &code(3), "忻府"),           // 5 add
        update,                                  // 6 update
        row("庚厂", "91140902123", "忻府区"),    // 7 code length
        row("辛厂", &bad_check(7), "忻府区"),    // 8 check character
        row("壬厂", &code(8), "太原市"),         // 9 unknown county
        bad_industry,                            // 10
        bad_scale,                               // 11
        bad_tag,                                 // 12
        row("", &code(9), "忻府区"),             // 13 empty name
        row("甲厂（重复）", &code(1), "忻府区"), // 14 duplicate of row 2
        row("癸厂", &code(10), "定襄县"),        // 15 another county
    ])
}

async fn preview_commit_pull_and_recommit(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let clerk = app.user("xinfu-clerk", Role::County(XINFU.into())).await;
    let other = app
        .user("xinfu-inspector", Role::County(XINFU.into()))
        .await;
    let dingxiang = app
        .user("dingxiang-clerk", Role::County(DINGXIANG.into()))
        .await;
    // A stored enterprise the file updates, pushed by a device.
    let stored_id = new_id();
    let mut stored = enterprise_change(stored_id, XINFU, 0, "原有企业");
    stored["body"]["credit_code"] = json!(code(20));
    stored["body"]["address"] = json!("原有地址");
    assert_eq!(app.push(&other, vec![stored]).await[0]["status"], "applied");
    let seq_before = app.change_seq().await;
    let records_before = app.count("SELECT COUNT(*) FROM records").await;

    let file = roster_file(&code(20));
    let p = app.roster("preview", &clerk, file.clone()).await;
    assert_eq!(p["total"], 13, "14 rows, one blank");
    assert_eq!(rows_of(&p["add"]), [2, 3, 5]);
    assert_eq!(p["add"][0]["name"], "甲厂");
    assert_eq!(p["add"][0]["credit_code"], code(1));
    assert_eq!(p["add"][0]["county"], XINFU);
    assert_eq!(p["add"][0]["county_name"], "忻府区");
    assert_eq!(rows_of(&p["update"]), [6]);
    assert_eq!(p["update"][0]["enterprise_id"], stored_id.to_string());
    assert_eq!(
        p["update"][0]["changes"],
        json!([
            {"field": "name", "label": "企业名称", "old": "原有企业", "new": "原有企业（更名）"},
            {"field": "scale", "label": "规模", "old": "中小微", "new": "规上"},
            {"field": "leader", "label": "主要负责人", "old": "", "new": "张三"},
            {"field": "phone", "label": "联系电话", "old": "", "new": "13800138000"},
            {"field": "tags", "label": "风险标签", "old": "", "new": "钢铁"},
        ])
    );
    assert_eq!(p["unchanged"], json!([]));
    let errors: Vec<(u64, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            (7, "统一社会信用代码"),
            (8, "统一社会信用代码"),
            (9, "所在县（市、区）"),
            (10, "行业"),
            (11, "规模"),
            (12, "风险标签"),
            (13, "企业名称"),
            (14, "统一社会信用代码"),
            (15, "所在县（市、区）"),
        ]
    );
    let message = |row: u64| {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["row"] == row)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(message(8).contains("营业执照"), "{}", message(8));
    assert!(message(14).contains("第 2 行"), "{}", message(14));
    assert!(message(15).contains("只能导入忻府区"), "{}", message(15));
    // A preview changes nothing.
    assert_eq!(app.change_seq().await, seq_before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM records").await,
        records_before
    );

    let c = app.roster("commit", &clerk, file.clone()).await;
    assert_eq!(
        (
            c["added"].as_u64(),
            c["updated"].as_u64(),
            c["unchanged"].as_u64(),
            c["errors"].as_u64()
        ),
        (Some(3), Some(1), Some(0), Some(9))
    );
    assert_eq!(
        app.change_seq().await,
        seq_before + 4,
        "one rev per written enterprise"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'roster.import'")
            .await,
        1
    );

    // Another account of the county receives them by pull, each with its own rev.
    let pulled: Vec<Value> = app
        .pull_all(&other)
        .await
        .into_iter()
        .filter(|r| r["kind"] == "enterprise")
        .collect();
    assert_eq!(pulled.len(), 4);
    let mut revs: Vec<i64> = pulled.iter().map(|r| r["rev"].as_i64().unwrap()).collect();
    revs.sort();
    revs.dedup();
    assert_eq!(revs.len(), 4);
    let updated = pulled
        .iter()
        .find(|r| r["id"] == stored_id.to_string())
        .unwrap();
    assert_eq!(updated["body"]["name"], "原有企业（更名）");
    assert_eq!(
        updated["body"]["address"], "原有地址",
        "a blank cell keeps the stored value"
    );
    assert_eq!(updated["body"]["meta"]["device_id"], "roster-import");
    assert_eq!(updated["body"]["meta"]["updated_by"], "xinfu-clerk");
    assert_eq!(updated["body"]["meta"]["rev"], updated["rev"]);
    let added = pulled.iter().find(|r| r["body"]["name"] == "甲厂").unwrap();
    let id = Uuid::parse_str(added["id"].as_str().unwrap()).unwrap();
    assert_eq!(id.get_version_num(), 7, "new enterprises get UUIDv7 ids");
    assert_eq!(added["body"]["credit_code"], code(1));
    assert_eq!(added["body"]["tags"], json!(["steel"]));
    // 定襄县 sees none of them.
    assert!(app
        .pull_all(&dingxiang)
        .await
        .iter()
        .all(|r| r["kind"] != "enterprise"));

    // The same file again changes nothing.
    let again = app.roster("preview", &clerk, file.clone()).await;
    assert_eq!(
        (
            again["add"].as_array().unwrap().len(),
            again["update"].as_array().unwrap().len()
        ),
        (0, 0)
    );
    assert_eq!(rows_of(&again["unchanged"]), [2, 3, 5, 6]);
    let c = app.roster("commit", &clerk, file).await;
    assert_eq!(
        (
            c["added"].as_u64(),
            c["updated"].as_u64(),
            c["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(4))
    );
    assert_eq!(app.change_seq().await, seq_before + 4, "no new revs");
}

async fn refusals(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let clerk = app.user("city-clerk", Role::City).await;
    let company = app.user("company", Role::Enterprise(new_id())).await;
    let cross = app
        .user(
            "cross",
            Role::CrossTeam {
                inspected: XINFU.into(),
            },
        )
        .await;
    let file = xlsx(&[header_row(), row("甲厂", &code(1), "忻府区")]);
    for token in [&company, &cross] {
        let res = app
            .upload("/api/roster/preview?name=a.xlsx", token, XLSX, file.clone())
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let body = body_json(res).await;
        assert!(
            body["message"].as_str().unwrap().contains("市级、县级"),
            "{body}"
        );
        assert_eq!(
            app.get_auth("/api/roster/template.xlsx", token)
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    let res = app
        .upload("/api/roster/commit?name=a.xlsx", &company, XLSX, file)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 0);

    // A PDF is neither; a corrupt workbook and a file without a required column are named.
    let res = app
        .upload(
            "/api/roster/preview?name=a.pdf",
            &clerk,
            "application/pdf",
            b"%PDF-1.4".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(body_json(res).await["message"]
        .as_str()
        .unwrap()
        .contains(".xlsx"));
    let res = app
        .upload(
            "/api/roster/preview?name=a.xlsx",
            &clerk,
            XLSX,
            b"PK\x03\x04broken".to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_json(res).await["message"]
        .as_str()
        .unwrap()
        .contains("无法作为 Excel 表格打开"));
    let no_code = xlsx(&[vec![
        "企业名称".into(),
        "所在县（市、区）".into(),
        "行业".into(),
        "规模".into(),
    ]]);
    let res = app
        .upload("/api/roster/commit?name=a.xlsx", &clerk, XLSX, no_code)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = body_json(res).await;
    assert_eq!(body["code"], "unprocessable");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("统一社会信用代码"),
        "{body}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM records").await, 0);
    assert_eq!(app.change_seq().await, 0);
}

async fn gbk_csv_upload(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let clerk = app.user("city-clerk", Role::City).await;
    let text = format!(
        "{}\r\n\"忻州市甲钢铁有限公司\",{},定襄县,冶金,规上,\"长征街1号，二楼\",张三,13800138000,钢铁、粉尘涉爆\r\n",
        HEADER.join(","),
        code(1)
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable && std::str::from_utf8(&gbk).is_err());
    // Windows browsers send a .csv as application/vnd.ms-excel: the name decides.
    let res = app
        .upload(
            "/api/roster/preview?name=%E5%90%8D%E5%8D%95.csv",
            &clerk,
            "application/vnd.ms-excel",
            gbk.to_vec(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let p = body_json(res).await;
    assert_eq!(p["errors"], json!([]));
    assert_eq!(p["add"][0]["name"], "忻州市甲钢铁有限公司");
    assert_eq!(p["add"][0]["county_name"], "定襄县");
    let res = app
        .upload("/api/roster/commit", &clerk, "text/csv", gbk.to_vec())
        .await;
    assert_eq!(body_json(res).await["added"], 1);
}

async fn error_report_and_template(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let clerk = app.user("xinfu-clerk", Role::County(XINFU.into())).await;
    let res = app
        .upload(
            "/api/roster/errors.xlsx?name=%E5%90%8D%E5%8D%95.xlsx",
            &clerk,
            XLSX,
            roster_file(&code(20)),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), XLSX);
    assert!(header(&res, "content-disposition").contains("roster_errors.xlsx"));
    let bytes = body_bytes(res).await;
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => f.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    assert_eq!(&rows[0][..4], ["行号", "列", "问题", "企业名称"]);
    let numbers: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(numbers, ["7", "8", "9", "10", "11", "12", "13", "14", "15"]);
    assert_eq!(rows[3][1], "所在县（市、区）");
    assert!(rows[3][2].contains("太原市"));
    assert_eq!(rows[3][3], "壬厂", "the row's own cells follow");

    // The template: header row only, re-imports as zero rows.
    let res = app.get_auth("/api/roster/template.xlsx", &clerk).await;
    assert_eq!(res.status(), StatusCode::OK);
    let template = body_bytes(res).await;
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(template.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["企业名单", "填写说明"]);
    let data = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(data.height(), 1);
    let help = book.worksheet_range("填写说明").unwrap();
    let help_text: String = help.rows().flatten().map(|c| c.to_string()).collect();
    for allowed in ["忻府区", "冶金", "中小微", "涉氨制冷"] {
        assert!(help_text.contains(allowed), "{allowed}");
    }
    let p = app.roster("preview", &clerk, template).await;
    assert_eq!(p["total"], 0);
    assert_eq!(
        (
            p["add"].as_array().unwrap().len(),
            p["errors"].as_array().unwrap().len()
        ),
        (0, 0)
    );
}

crate::both_backends!(
    preview_commit_pull_and_recommit,
    refusals,
    gbk_csv_upload,
    error_report_and_template
);
