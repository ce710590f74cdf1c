//! `GET /api/reports/annex{1,2,4}.xlsx`: a small campaign pushed over sync, the workbooks
//! downloaded and opened with calamine, their cells checked against counts worked out by hand.
//!
//! Report day R = 2025-03-14 (周五). The campaign:
//! - E1 忻州市甲钢铁有限公司 (忻府区, 冶金, 自查自改方案 2024-12-20)
//! - E2 定襄县乙铸造有限公司 (定襄县, 机械)
//! - I1 E1 县级联合检查 2025-01-10: H1 重大 已销号 (完成 02-10, 复查 02-12), H2 一般 已销号,
//!   H7 重大 deleted (a tombstone: never counted)
//! - I2 E2 市本级检查 2025-02-20: H3 重大 整改中, H4 一般 待整改; P1 on I2 (2 万元 + 主要负责人
//!   0.5 万元, 停产整改)
//! - I3 E1 企业自查 2025-03-05: H5 一般 待整改; H8 重大 found 2025-03-20 (after R)
//! - I4 E2 交叉检查 原平市→定襄县 2025-03-11: H6 一般 待整改

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{open_workbook_from_rs, Dimensions, Reader, Xlsx};
use model::campaign::{Campaign, CrossPair};
use model::county::County;
use model::date::Date;
use model::enterprise::{Enterprise, Industry, RiskTag, Scale};
use model::hazard::{Basis, Hazard, HazardKind, Rectification, Review};
use model::inspection::{Inspection, Signatures};
use model::money::Money;
use model::penalty::{Measure, Penalty, PersonFine};
use model::record::{Record, RecordMeta};
use model::stage::{Level, Stage};
use model::sync::Role;
use serde::Serialize;
use serde_json::{json, Value};
use yinhuan_server::Backend;

use crate::helpers::{
    body_bytes, body_json, header, new_id, spawn_app_on, TestApp, DINGXIANG, XINFU,
};

const R: &str = "2025-03-14";
const E1_NAME: &str = "忻州市甲钢铁有限公司";
const E2_NAME: &str = "定襄县乙铸造有限公司";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const LEDGER_HEADERS: [&str; 13] = [
    "序号",
    "企业名称",
    "所在市(县、区)",
    "行业类别",
    "检查环节",
    "检查单位",
    "检查时间",
    "重大隐患明细",
    "整改措施",
    "挂牌督办单位",
    "行政处罚情况",
    "整改完成情况",
    "备注",
];

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn wan(s: &str) -> Money {
    Money::parse_wan(s).unwrap()
}

fn meta() -> RecordMeta {
    RecordMeta::new(new_id(), 1_736_000_000_000, "dev-test", "tester")
}

/// A sync change carrying a model record as its body.
fn change<T: Record + Serialize>(record: &T) -> Value {
    json!({
        "id": record.id(), "kind": T::KIND, "base_rev": 0, "deleted": record.meta().deleted,
        "body": serde_json::to_value(record).unwrap(),
    })
}

fn enterprise(name: &str, county: &str, industry: Industry, plan: Option<&str>) -> Enterprise {
    Enterprise {
        meta: meta(),
        name: name.into(),
        credit_code: None,
        credit_code_confirmed: false,
        county: county.into(),
        zone: None,
        industry,
        tags: vec![RiskTag::Steel],
        scale: Scale::AboveDesignated,
        pairing: None,
        leader: "王五".into(),
        phone: String::new(),
        address: String::new(),
        self_inspection_plan_on: plan.map(d),
    }
}

fn inspection(e: &Enterprise, stage: Stage, unit: &str, date: &str) -> Inspection {
    Inspection {
        meta: meta(),
        campaign_id: Campaign::xinzhou_2024().id,
        enterprise_id: e.meta.id,
        stage,
        unit: unit.into(),
        inspectors: vec!["张三".into()],
        date: d(date),
        modules: model::catalogue::modules_for(e),
        answers: Vec::new(),
        signatures: Signatures::default(),
        frozen_at: None,
        cross_pair: None,
    }
}

fn hazard(i: &Inspection, seq: u32, kind: HazardKind, description: &str) -> Hazard {
    let mut h = Hazard::new(meta(), i, seq);
    h.kind = kind;
    h.description = description.into();
    h.basis = Basis::FreeText("《工贸企业重大事故隐患判定标准》".into());
    h
}

/// 五落实 filled in, as a 重大事故隐患 must have it.
fn rectification(unit: &str, person: &str, measures: &str, deadline: &str) -> Rectification {
    Rectification {
        responsible_unit: unit.into(),
        responsible_person: person.into(),
        measures: measures.into(),
        funds: Some(wan("12")),
        deadline: Some(d(deadline)),
        contingency_plan: "整改期间停用相关设备，设专人监护".into(),
        ..Rectification::default()
    }
}

/// Takes a hazard through 整改 → 待复查 → 复查通过 (已销号) with the model's own lifecycle.
fn close(h: &mut Hazard, completed: &str, reviewed: &str) {
    h.start_rectification("企业", 1).unwrap();
    h.submit_for_review(d(completed), "企业", 2).unwrap();
    let review = Review {
        reviewer: "张三".into(),
        unit: "忻府区应急管理局".into(),
        date: d(reviewed),
        passed: true,
        photos: Vec::new(),
        note: String::new(),
    };
    h.record_review(review, "张三", 3).unwrap();
}

struct Pushed {
    e1: Enterprise,
}

/// Pushes the campaign described at the top as 市级 and returns what later steps need.
async fn push_campaign(app: &TestApp, token: &str) -> Pushed {
    let e1 = enterprise(E1_NAME, XINFU, Industry::Metallurgy, Some("2024-12-20"));
    let e2 = enterprise(E2_NAME, DINGXIANG, Industry::Machinery, None);
    let county_check = Stage::CityCounty(Level::County);
    let city_check = Stage::CityCounty(Level::City);
    let i1 = inspection(&e1, county_check, "忻府区应急管理局", "2025-01-10");
    let i2 = inspection(&e2, city_check, "忻州市应急管理局", "2025-02-20");
    let i3 = inspection(&e1, Stage::SelfInspection, E1_NAME, "2025-03-05");
    let mut i4 = inspection(&e2, Stage::Cross, "原平市交叉检查组", "2025-03-11");
    i4.cross_pair = Some(CrossPair {
        inspector: County::by_code("140981").unwrap(),
        inspected: County::by_code(DINGXIANG).unwrap(),
    });

    let mut h1 = hazard(
        &i1,
        1,
        HazardKind::Major,
        "1号转炉水冷元件未设置温度、流量监测报警装置",
    );
    h1.rectification = rectification(
        "炼钢厂",
        "李四",
        "加装温度、流量监测报警装置并与炉体倾动联锁",
        "2025-02-15",
    );
    h1.supervising_unit = Some("忻府区安委办".into());
    close(&mut h1, "2025-02-10", "2025-02-12");
    let mut h2 = hazard(&i1, 2, HazardKind::General, "配电室门口未设挡鼠板");
    close(&mut h2, "2025-01-20", "2025-01-22");
    let mut h7 = hazard(&i1, 3, HazardKind::Major, "录错的重大隐患（已删除）");
    h7.meta.deleted = true;
    let mut h3 = hazard(
        &i2,
        1,
        HazardKind::Major,
        "煤气区域未设置固定式一氧化碳浓度监测报警装置",
    );
    h3.rectification = rectification(
        "铸造车间",
        "赵六",
        "安装固定式一氧化碳报警仪并接入值守室",
        "2025-04-30",
    );
    h3.supervising_unit = Some("忻州市安委办".into());
    h3.start_rectification("企业", 1).unwrap();
    let h4 = hazard(&i2, 2, HazardKind::General, "消防通道堆放杂物");
    let h5 = hazard(&i3, 1, HazardKind::General, "安全培训记录不全");
    let mut h8 = hazard(&i3, 2, HazardKind::Major, "除尘系统未设置控爆措施");
    h8.found_on = d("2025-03-20");
    let h6 = hazard(&i4, 1, HazardKind::General, "有限空间未设置安全警示标志");

    let p1 = Penalty {
        meta: meta(),
        enterprise_id: e2.meta.id,
        inspection_id: Some(i2.meta.id),
        date: d("2025-02-25"),
        unit: "忻州市应急管理局".into(),
        decision_number: "忻应急罚〔2025〕3号".into(),
        enterprise_fine: wan("2"),
        leader_fines: vec![PersonFine {
            name: "赵六".into(),
            amount: wan("0.5"),
        }],
        measures: vec![Measure::SuspendProduction],
        note: String::new(),
    };

    let mut changes = vec![change(&e1), change(&e2)];
    changes.extend([&i1, &i2, &i3, &i4].map(change));
    changes.extend([&h1, &h2, &h3, &h4, &h5, &h6, &h7, &h8].map(change));
    changes.push(change(&p1));
    for outcome in app.push(token, changes).await {
        assert_eq!(outcome["status"], "applied", "{outcome}");
    }
    Pushed { e1 }
}

/// One downloaded sheet as text, with its merged ranges.
struct Sheet {
    name: String,
    cells: Vec<Vec<String>>,
    merged: Vec<Dimensions>,
}

impl Sheet {
    fn open(bytes: Vec<u8>) -> Sheet {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("a valid .xlsx");
        let names = wb.sheet_names();
        assert_eq!(names.len(), 1, "{names:?}");
        let name = names[0].clone();
        let range = wb.worksheet_range(&name).unwrap();
        assert_eq!(range.start(), Some((0, 0)));
        let cells = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        let merged = wb.merge_cells_by_sheet_name(&name).unwrap();
        Sheet {
            name,
            cells,
            merged,
        }
    }

    fn cell(&self, row: usize, col: usize) -> &str {
        &self.cells[row][col]
    }

    /// The column header row: the one starting with 序号.
    fn header_row(&self) -> usize {
        self.cells
            .iter()
            .position(|r| r[0] == "序号")
            .expect("a header row")
    }

    fn headers(&self) -> Vec<&str> {
        self.cells[self.header_row()]
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// The rows between the header and the 说明 note.
    fn data(&self) -> Vec<&Vec<String>> {
        self.cells[self.header_row() + 1..]
            .iter()
            .take_while(|r| !r[0].starts_with("说明："))
            .collect()
    }

    fn note(&self) -> &str {
        let row = self.header_row() + 1 + self.data().len();
        &self.cells[row][0]
    }

    /// The red lines under the 说明 (records left out, a cut table); none on a normal form.
    fn notices(&self) -> Vec<&str> {
        let row = self.header_row() + 2 + self.data().len();
        self.cells
            .get(row..)
            .unwrap_or_default()
            .iter()
            .map(|r| r[0].as_str())
            .filter(|c| !c.is_empty())
            .collect()
    }

    fn is_merged(&self, row: u32, first_col: u32, last_col: u32) -> bool {
        self.merged
            .iter()
            .any(|m| m.start == (row, first_col) && m.end == (row, last_col))
    }

    /// The data row of an enterprise (asserting there is exactly one).
    fn row_of(&self, enterprise: &str) -> &Vec<String> {
        let rows: Vec<_> = self
            .data()
            .into_iter()
            .filter(|r| r[1] == enterprise)
            .collect();
        assert_eq!(rows.len(), 1, "{enterprise}: {rows:?}");
        rows[0]
    }
}

/// RFC 5987 encoding of a file name (CJK, digits and `-_.` only here).
fn encoded(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Downloads a report as `token`, checks the download headers, opens the workbook.
async fn download(app: &TestApp, token: &str, uri: &str, filename: &str) -> Sheet {
    let res = app.get_auth(uri, token).await;
    let status = res.status();
    if status != StatusCode::OK {
        panic!("{uri}: {status} {}", body_json(res).await);
    }
    assert_eq!(header(&res, "content-type"), XLSX);
    assert_eq!(header(&res, "cache-control"), "no-store");
    let disposition = header(&res, "content-disposition").to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{}", encoded(filename))),
        "{disposition} should name {filename}"
    );
    Sheet::open(body_bytes(res).await)
}

async fn status_and_code(app: &TestApp, token: Option<&str>, uri: &str) -> (StatusCode, Value) {
    let res = match token {
        Some(t) => app.get_auth(uri, t).await,
        None => app.get(uri).await,
    };
    let status = res.status();
    (status, body_json(res).await)
}

fn assert_form_head(sheet: &Sheet, annex: &str, title: &str, last_col: u32, unit: &str) {
    assert_eq!(sheet.name, annex);
    assert_eq!(sheet.cell(0, 0), annex);
    assert_eq!(sheet.cell(1, 0), title);
    assert!(
        sheet.is_merged(1, 0, last_col),
        "title across the table: {:?}",
        sheet.merged
    );
    assert_eq!(sheet.cell(2, 0), format!("填报单位：{unit}"));
    let date_cell = sheet.cells[2].iter().find(|c| c.starts_with("填报时间："));
    assert_eq!(
        date_cell.map(String::as_str),
        Some("填报时间：2025年3月14日")
    );
}

async fn annex2_lists_every_major_hazard_for_the_city(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    push_campaign(&app, &city).await;

    let sheet = download(
        &app,
        &city,
        &format!("/api/reports/annex2.xlsx?date={R}"),
        &format!("附件2重大事故隐患台账_忻州市_{R}.xlsx"),
    )
    .await;

    assert_form_head(
        &sheet,
        "附件2",
        "冶金工贸行业隐患排查整治专项行动重大事故隐患台账",
        12,
        "忻州市",
    );
    assert_eq!(sheet.headers(), LEDGER_HEADERS);
    // H1 and H3; not H7 (deleted), not H8 (found after R), no 一般隐患.
    let rows = sheet.data();
    assert_eq!(rows.len(), 2, "{rows:?}");
    // Oldest inspection first, numbered from 1.
    assert_eq!(rows[0][0], "1");
    assert_eq!(rows[1][0], "2");
    let closed = sheet.row_of(E1_NAME);
    assert_eq!(
        closed[2..7],
        [
            "忻府区",
            "冶金",
            "市县检查",
            "忻府区应急管理局",
            "2025年1月10日"
        ]
    );
    assert!(
        closed[7].contains("1号转炉水冷元件未设置温度、流量监测报警装置"),
        "{}",
        closed[7]
    );
    assert!(closed[8].contains("责任：炼钢厂 李四"), "{}", closed[8]);
    assert!(closed[8].contains("时限：2025年2月15日"), "{}", closed[8]);
    assert_eq!(closed[9], "忻府区安委办");
    assert_eq!(closed[10], "无");
    assert_eq!(closed[11], "已完成，2025年2月10日完成整改");
    let open = sheet.row_of(E2_NAME);
    assert_eq!(
        open[2..7],
        [
            "定襄县",
            "机械",
            "市县检查",
            "忻州市应急管理局",
            "2025年2月20日"
        ]
    );
    assert!(open[8].contains("责任"), "{}", open[8]);
    assert!(open[10].contains("停产整改"), "{}", open[10]);
    assert!(open[10].contains("忻州市应急管理局"), "{}", open[10]);
    assert_eq!(open[11], "整改中");
    assert!(
        sheet.note().starts_with("说明：检查环节为企业自查"),
        "{}",
        sheet.note()
    );
    assert!(
        sheet.is_merged(sheet.header_row() as u32 + 3, 0, 12),
        "note across the table"
    );

    // Cumulative: a week later the 重大事故隐患 found on 2025-03-20 is in too.
    let later = download(
        &app,
        &city,
        "/api/reports/annex2.xlsx?date=2025-03-21",
        "附件2重大事故隐患台账_忻州市_2025-03-21.xlsx",
    )
    .await;
    assert_eq!(later.data().len(), 3);
}

async fn annex2_for_a_county_has_only_that_county(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    push_campaign(&app, &city).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let name = format!("附件2重大事故隐患台账_忻府区_{R}.xlsx");

    // Without `county` a 县级 account gets its own county; naming it gives the same file.
    for uri in [
        format!("/api/reports/annex2.xlsx?date={R}"),
        format!("/api/reports/annex2.xlsx?date={R}&county={XINFU}"),
    ] {
        let sheet = download(&app, &xinfu, &uri, &name).await;
        assert_form_head(
            &sheet,
            "附件2",
            "冶金工贸行业隐患排查整治专项行动重大事故隐患台账",
            12,
            "忻府区",
        );
        assert_eq!(sheet.headers(), LEDGER_HEADERS);
        let rows = sheet.data();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0][1], E1_NAME);
        assert_eq!(rows[0][11], "已完成，2025年2月10日完成整改");
    }

    // 市级 may pick any county.
    let dingxiang = download(
        &app,
        &city,
        &format!("/api/reports/annex2.xlsx?date={R}&county={DINGXIANG}"),
        &format!("附件2重大事故隐患台账_定襄县_{R}.xlsx"),
    )
    .await;
    assert_eq!(dingxiang.data().len(), 1);
    assert_eq!(dingxiang.data()[0][1], E2_NAME);
    assert_eq!(dingxiang.data()[0][11], "整改中");

    // A 交叉检查组 sees its 受检县.
    let team = app
        .user(
            "team",
            Role::CrossTeam {
                inspected: DINGXIANG.into(),
            },
        )
        .await;
    let theirs = download(
        &app,
        &team,
        &format!("/api/reports/annex2.xlsx?date={R}"),
        &format!("附件2重大事故隐患台账_定襄县_{R}.xlsx"),
    )
    .await;
    assert_eq!(theirs.data().len(), 1);
    assert_eq!(theirs.data()[0][1], E2_NAME);
}

const SELF_CITY: &str = "1家企业制定了自查自改工作方案，发现一般问题隐患1条，已整改0条；重大事故隐患0条，已整改0条（其中确定标杆企业0家，帮扶企业0家，发现一般问题隐患0条，已整改0条；重大事故隐患0条，已整改0条）。";

async fn annex1_counts_the_campaign_for_the_city_and_a_county(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    push_campaign(&app, &city).await;

    let sheet = download(
        &app,
        &city,
        &format!("/api/reports/annex1.xlsx?date={R}"),
        &format!("附件1周调度统计表_忻州市_{R}.xlsx"),
    )
    .await;
    assert_form_head(
        &sheet,
        "附件1",
        "冶金工贸行业隐患排查整治专项行动周调度统计表",
        3,
        "忻州市",
    );
    assert_eq!(sheet.headers(), ["序号", "类别", "要点", "备注"]);
    let rows = sheet.data();
    assert_eq!(rows.len(), 8, "{rows:?}");
    let categories: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        categories,
        [
            "部署推进",
            "企业自查自改",
            "市县联合检查",
            "县级交叉检查",
            "行政处罚",
            "宣传曝光",
            "存在问题",
            "意见建议"
        ]
    );
    let seqs: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(seqs, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    assert_eq!(rows[1][2], SELF_CITY);
    assert_eq!(
        rows[2][2],
        "市本级检查1家企业，发现一般问题隐患1条，已整改0条；重大事故隐患1条，已整改0条。县级共检查1家企业，发现一般问题隐患1条，已整改1条；重大事故隐患1条，已整改1条。"
    );
    assert_eq!(
        rows[3][2],
        "对1县开展了交叉检查，1县的1家企业，发现一般问题隐患1条，已整改0条；重大事故隐患0条，已整改0条。"
    );
    assert_eq!(
        rows[4][2],
        "处罚企业1家，合计处罚2万元，处罚企业主要负责人1人，合计处罚0.5万元；限期整改0家，停产整改1家，取缔关闭0家。"
    );
    // The text rows are not stored on the server: the seed's 要点 stands in for the office.
    assert!(
        rows[0][2].starts_with("1. xx个县（区）是否制定了实施方案"),
        "{}",
        rows[0][2]
    );
    assert_eq!(rows[6][2], "本地区专项行动工作中存在的问题、薄弱环节。");
    assert_eq!(rows[0][3], "各地情况不同，按实际进展填写即可，每周汇总。");
    assert_eq!(rows[3][3], "工作开展后填写。");
    assert!(
        sheet
            .note()
            .starts_with("说明：按照工作部署，周调度表每周五汇总"),
        "{}",
        sheet.note()
    );

    // 忻府区 only: its 县级 check of E1, nothing of E2's (市本级, 交叉检查, 处罚).
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let county = download(
        &app,
        &xinfu,
        &format!("/api/reports/annex1.xlsx?date={R}"),
        &format!("附件1周调度统计表_忻府区_{R}.xlsx"),
    )
    .await;
    assert_form_head(
        &county,
        "附件1",
        "冶金工贸行业隐患排查整治专项行动周调度统计表",
        3,
        "忻府区",
    );
    let rows = county.data();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[1][2], SELF_CITY);
    assert_eq!(
        rows[2][2],
        "市本级检查0家企业，发现一般问题隐患0条，已整改0条；重大事故隐患0条，已整改0条。县级共检查1家企业，发现一般问题隐患1条，已整改1条；重大事故隐患1条，已整改1条。"
    );
    assert!(
        rows[3][2].starts_with("对0县开展了交叉检查"),
        "{}",
        rows[3][2]
    );
    assert!(
        rows[4][2].starts_with("处罚企业0家，合计处罚0万元"),
        "{}",
        rows[4][2]
    );

    // Not a report day, or outside the campaign: the model's message says which day to pick.
    let (status, body) = status_and_code(
        &app,
        Some(&city),
        "/api/reports/annex1.xlsx?date=2025-03-13",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("2025年3月14日（周五）"),
        "{body}"
    );
    let (status, body) = status_and_code(
        &app,
        Some(&city),
        "/api/reports/annex1.xlsx?date=2025-06-06",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("不在专项行动期间"),
        "{body}"
    );
}

async fn annex4_sums_up_one_cross_pair_for_the_inspected_county(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    push_campaign(&app, &city).await;
    let dingxiang = app.user("dingxiang", Role::County(DINGXIANG.into())).await;
    let uri = format!("/api/reports/annex4.xlsx?date={R}&pair=140981-{DINGXIANG}");
    let name = format!("附件4交叉检查隐患情况汇总表_原平市检查定襄县_{R}.xlsx");

    for token in [&city, &dingxiang] {
        let sheet = download(&app, token, &uri, &name).await;
        assert_form_head(
            &sheet,
            "附件4",
            "冶金工贸行业隐患排查整治专项行动县级交叉检查隐患情况汇总表",
            11,
            "定襄县",
        );
        assert_eq!(
            sheet.headers(),
            [
                "序号",
                "企业名称",
                "所在县(市、区)",
                "行业",
                "检查单位",
                "检查时间",
                "一般隐患(条)",
                "重大事故隐患(条)",
                "采取的行政处罚措施",
                "行政情况",
                "整改完成情况",
                "备注"
            ]
        );
        let rows = sheet.data();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            rows[0][..8],
            [
                "1",
                E2_NAME,
                "定襄县",
                "机械",
                "原平市交叉检查组",
                "2025年3月11日",
                "1",
                "0"
            ]
        );
        // P1 was decided on the 市本级 inspection, before the 交叉检查: not this table's.
        assert_eq!(rows[0][8], "无");
        assert_eq!(rows[0][10], "已整改0条，未整改1条");
        assert_eq!(sheet.note(), "说明：本表由受检县填报");
    }

    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let (status, body) = status_and_code(&app, Some(&xinfu), &uri).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["code"], "forbidden");
    for bad in ["", "&pair=140902-140921", "&pair=140981"] {
        let (status, body) = status_and_code(
            &app,
            Some(&city),
            &format!("/api/reports/annex4.xlsx?date={R}{bad}"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("pair="),
            "{body}"
        );
    }
}

async fn reports_are_refused_outside_the_accounts_scope(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let c = push_campaign(&app, &city).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let team = app
        .user(
            "team",
            Role::CrossTeam {
                inspected: DINGXIANG.into(),
            },
        )
        .await;
    let company = app.user("company", Role::Enterprise(c.e1.meta.id)).await;
    let annexes = [
        format!("/api/reports/annex1.xlsx?date={R}"),
        format!("/api/reports/annex2.xlsx?date={R}"),
        format!("/api/reports/annex4.xlsx?date={R}&pair=140981-{DINGXIANG}"),
    ];

    for uri in &annexes {
        // No token: 401.
        let (status, body) = status_and_code(&app, None, uri).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}: {body}");
        assert_eq!(body["code"], "unauthorized");
        // Enterprise accounts: reports are for the offices.
        let (status, body) = status_and_code(&app, Some(&company), uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
        assert_eq!(body["code"], "forbidden");
        assert!(
            body["message"].as_str().unwrap().contains("企业账号"),
            "{body}"
        );
    }
    for uri in &annexes[..2] {
        // Another county: 403, for a 县级 account and a 交叉检查组 alike.
        for (token, other) in [(&xinfu, DINGXIANG), (&team, XINFU)] {
            let (status, body) =
                status_and_code(&app, Some(token), &format!("{uri}&county={other}")).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {body}");
            assert_eq!(body["code"], "forbidden");
        }
        // Not a county of Xinzhou: 400 saying what to send.
        let (status, body) =
            status_and_code(&app, Some(&city), &format!("{uri}&county=110101")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("county=140902"),
            "{body}"
        );
    }
    // A missing or malformed date: 400 with an example of the right one.
    for path in ["annex1.xlsx", "annex2.xlsx", "annex4.xlsx"] {
        for query in [
            "",
            "?date=",
            "?date=2025-3-14",
            "?date=2025-02-30",
            "?date=14.03.2025",
        ] {
            let uri = format!("/api/reports/{path}{query}");
            let (status, body) = status_and_code(&app, Some(&city), &uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
            assert_eq!(body["code"], "bad_request");
            let message = body["message"].as_str().unwrap();
            assert!(message.contains("date=2025-03-14"), "{uri}: {message}");
        }
    }
}

/// Stores a model record as its own JSON.
async fn store_record<T: Record + Serialize>(app: &TestApp, record: &T, county: &str) {
    let body = serde_json::to_string(record).unwrap();
    app.store_raw(T::KIND, record.id(), &body, Some(county))
        .await;
}

/// E1 (忻府区) with a 县级 inspection, stored by SQL; returns the inspection.
async fn store_enterprise_and_inspection(app: &TestApp) -> Inspection {
    let e1 = enterprise(E1_NAME, XINFU, Industry::Metallurgy, None);
    let i1 = inspection(
        &e1,
        Stage::CityCounty(Level::County),
        "忻府区应急管理局",
        "2025-01-10",
    );
    store_record(app, &e1, XINFU).await;
    store_record(app, &i1, XINFU).await;
    i1
}

/// Excel refuses a cell over 32,767 characters; the server cuts at 32,000 (UTF-16 units,
/// `reports::styles::MAX_CELL_CHARS`) and says so.
const CELL_LIMIT: usize = 32_000;
const TRUNCATED: &str = "…（内容过长，已截断，全文见系统记录）";

async fn a_description_too_long_for_a_cell_is_cut_not_a_500(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let i1 = store_enterprise_and_inspection(&app).await;
    let long = "转炉水冷元件未设置监测报警装置".repeat(2_858); // 40,012 characters
    assert!(long.chars().count() > 40_000);
    let mut h = hazard(&i1, 1, HazardKind::Major, &long);
    h.rectification = rectification("炼钢厂", "李四", &"加装装置".repeat(10_000), "2025-04-30");
    store_record(&app, &h, XINFU).await;

    let name = |unit: &str| format!("附件2重大事故隐患台账_{unit}_{R}.xlsx");
    for (token, uri, unit) in [
        (
            &xinfu,
            format!("/api/reports/annex2.xlsx?date={R}"),
            "忻府区",
        ),
        (
            &city,
            format!("/api/reports/annex2.xlsx?date={R}"),
            "忻州市",
        ),
        (
            &city,
            format!("/api/reports/annex2.xlsx?date={R}&county={XINFU}"),
            "忻府区",
        ),
    ] {
        let sheet = download(&app, token, &uri, &name(unit)).await;
        let rows = sheet.data();
        assert_eq!(rows.len(), 1, "{uri}");
        for cell in [&rows[0][7], &rows[0][8]] {
            assert!(cell.ends_with(TRUNCATED), "{uri}: …{}", tail(cell));
            assert!(cell.encode_utf16().count() <= CELL_LIMIT, "{uri}");
        }
        assert!(rows[0][7].starts_with("转炉水冷元件未设置监测报警装置"));
        assert!(sheet.notices().is_empty(), "{:?}", sheet.notices());
    }

    // The record itself keeps its full text.
    let body: String = yinhuan_server::with_pool!(&app.state.db, pool =>
        sqlx::query_scalar("SELECT body FROM records WHERE id = $1")
            .bind(h.meta.id.to_string())
            .fetch_one(pool)
            .await)
    .unwrap();
    let stored: Hazard = serde_json::from_str(&body).unwrap();
    assert_eq!(stored.description, long);

    // 附件1 counts it; its county-written text rows are cut the same way.
    let res = app
        .post_json(
            &format!("/api/reports/annex1.xlsx?date={R}"),
            Some(&xinfu),
            json!({"narrative": {"deployment": "召开推进会。".repeat(8_000)}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let sheet = Sheet::open(body_bytes(res).await);
    let rows = sheet.data();
    assert!(rows[0][2].ends_with(TRUNCATED), "…{}", tail(&rows[0][2]));
    assert!(rows[0][2].encode_utf16().count() <= CELL_LIMIT);
    assert!(rows[2][2].contains("重大事故隐患1条"), "{}", rows[2][2]);
}

fn tail(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(40)..].iter().collect()
}

async fn a_record_that_does_not_parse_is_left_out_and_named_under_the_table(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let xinfu = app.user("xinfu", Role::County(XINFU.into())).await;
    let i1 = store_enterprise_and_inspection(&app).await;
    let good = hazard(&i1, 1, HazardKind::Major, "除尘系统未设置控爆措施");
    store_record(&app, &good, XINFU).await;
    // The same kind of hazard with a `seq` no model reads: stored, but unreadable.
    let bad = hazard(&i1, 2, HazardKind::Major, "录入时出错的重大隐患");
    let mut body = serde_json::to_value(&bad).unwrap();
    body["seq"] = json!("x");
    app.store_raw("hazard", bad.meta.id, &body.to_string(), Some(XINFU))
        .await;

    let name = |unit: &str| format!("附件2重大事故隐患台账_{unit}_{R}.xlsx");
    for (token, uri, unit) in [
        (
            &xinfu,
            format!("/api/reports/annex2.xlsx?date={R}"),
            "忻府区",
        ),
        (
            &city,
            format!("/api/reports/annex2.xlsx?date={R}"),
            "忻州市",
        ),
    ] {
        let sheet = download(&app, token, &uri, &name(unit)).await;
        let rows = sheet.data();
        assert_eq!(rows.len(), 1, "{uri}: {rows:?}");
        assert_eq!(
            rows[0][7],
            "除尘系统未设置控爆措施（判定依据：《工贸企业重大事故隐患判定标准》）"
        );
        assert!(sheet.note().starts_with("说明："), "{}", sheet.note());
        let notices = sheet.notices();
        assert_eq!(notices.len(), 1, "{uri}: {notices:?}");
        let notice = notices[0];
        assert!(
            notice.starts_with("注意：另有 1 条记录无法读取，未计入本表"),
            "{notice}"
        );
        assert!(
            notice.contains(&format!("隐患 {}", bad.meta.id)),
            "{notice}"
        );
        assert!(notice.contains("yinhuan-server check"), "{notice}");
        assert!(!notice.contains(&good.meta.id.to_string()), "{notice}");
    }

    // Another county's report is not this record's: no notice there.
    let dingxiang = download(
        &app,
        &city,
        &format!("/api/reports/annex2.xlsx?date={R}&county={DINGXIANG}"),
        &name("定襄县"),
    )
    .await;
    assert!(dingxiang.notices().is_empty(), "{:?}", dingxiang.notices());

    // 附件1 says it too.
    let annex1 = download(
        &app,
        &xinfu,
        &format!("/api/reports/annex1.xlsx?date={R}"),
        &format!("附件1周调度统计表_忻府区_{R}.xlsx"),
    )
    .await;
    assert_eq!(annex1.data().len(), 8);
    assert!(annex1.notices()[0].contains(&bad.meta.id.to_string()));

    // With only the unreadable one, "no 重大事故隐患" is not the whole truth.
    app.execute("DELETE FROM records WHERE kind = 'hazard' AND body NOT LIKE '%\"x\"%'")
        .await;
    let sheet = download(
        &app,
        &xinfu,
        &format!("/api/reports/annex2.xlsx?date={R}"),
        &name("忻府区"),
    )
    .await;
    let rows = sheet.data();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0][0],
        "截至2025年3月14日，忻府区无重大事故隐患。（另有记录无法读取，见表下注意事项。）"
    );
    assert!(sheet.notices()[0].contains(&bad.meta.id.to_string()));
}

async fn a_bad_enterprise_body_is_named_not_silently_dropped(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let i1 = store_enterprise_and_inspection(&app).await;
    store_record(&app, &hazard(&i1, 1, HazardKind::Major, "甲"), XINFU).await;
    // The enterprise's body breaks: its hazards cannot be placed, and the report says why.
    app.execute("UPDATE records SET body = '{\"name\": 3}' WHERE kind = 'enterprise'")
        .await;
    let sheet = download(
        &app,
        &city,
        &format!("/api/reports/annex2.xlsx?date={R}&county={XINFU}"),
        &format!("附件2重大事故隐患台账_忻府区_{R}.xlsx"),
    )
    .await;
    let notices = sheet.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains(&format!("企业 {}", i1.enterprise_id)),
        "{}",
        notices[0]
    );
}

async fn an_empty_ledger_says_so(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let sheet = download(
        &app,
        &city,
        &format!("/api/reports/annex2.xlsx?date={R}"),
        &format!("附件2重大事故隐患台账_忻州市_{R}.xlsx"),
    )
    .await;
    assert_eq!(sheet.headers(), LEDGER_HEADERS);
    let rows = sheet.data();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], "截至2025年3月14日，忻州市无重大事故隐患。");
}

async fn annex1_carries_the_countys_own_text_rows_sent_with_the_download(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    push_campaign(&app, &city).await;
    let narrative = serde_json::json!({"narrative": {
        "deployment": "3月10日召开全县冶金工贸专项整治推进会。",
        "publicity": "曝光典型案例2起。",
        "problems": "",
        "suggestions": "建议市局组织铝加工深井铸造专题培训。"
    }});
    let res = app
        .post_json(
            &format!("/api/reports/annex1.xlsx?date={R}"),
            Some(&city),
            narrative,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), XLSX);
    let sheet = Sheet::open(body_bytes(res).await);
    let rows = sheet.data();
    assert_eq!(rows[0][2], "3月10日召开全县冶金工贸专项整治推进会。");
    assert_eq!(rows[5][2], "曝光典型案例2起。");
    assert_eq!(rows[7][2], "建议市局组织铝加工深井铸造专题培训。");
    // An empty one keeps the seed's prompt; the counted rows are the records', as for GET.
    assert_eq!(rows[6][2], model::annex::WeeklyNarrative::PROMPTS[2]);
    assert_eq!(rows[1][2], SELF_CITY);
    // Malformed JSON is a 400, not a file.
    let req = axum::http::Request::post(format!("/api/reports/annex1.xlsx?date={R}"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {city}"))
        .body(axum::body::Body::from("{\"narrative\": 3"))
        .unwrap();
    assert_eq!(app.request(req).await.status(), StatusCode::BAD_REQUEST);
}

async fn annex3_is_the_campaigns_arrangement_for_every_office(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let county = app.user("xinfu", Role::County(XINFU.into())).await;
    let sheet = download(
        &app,
        &county,
        &format!("/api/reports/annex3.xlsx?date={R}"),
        &format!("附件3县级交叉检查工作安排表_{R}.xlsx"),
    )
    .await;
    assert_form_head(
        &sheet,
        "附件3",
        "冶金工贸行业隐患排查整治专项行动县级交叉检查工作安排表",
        3,
        "忻州市应急管理局",
    );
    assert_eq!(sheet.headers(), ["序号", "检查方", "受检方", "备注"]);
    let rows = sheet.data();
    assert_eq!(rows.len(), 14);
    assert_eq!(rows[0][..3], ["1", "忻府区", "原平市"]);
    assert_eq!(rows[0][3], "含原平经济技术开发区");
    assert_eq!(rows[13][..3], ["14", "偏关县", "保德县"]);
    assert!(
        sheet.note().contains("各县交叉检查应包含开发区"),
        "{}",
        sheet.note()
    );
    let e = crate::helpers::new_id();
    let firm = app.user("firm", Role::Enterprise(e)).await;
    let (status, _) = status_and_code(
        &app,
        Some(&firm),
        &format!("/api/reports/annex3.xlsx?date={R}"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// `hh:mm` 北京时间 on `day`, as the unix ms a phone stamps a 办理记录 step with.
fn beijing(day: &str, hh: i64, mm: i64) -> i64 {
    (d(day).days_since_epoch() * 24 * 60 + (hh - 8) * 60 + mm) * 60_000
}

/// 附件2 for a past Friday shows each hazard as it stood that day, from its 办理记录, not as it
/// stands now; 附件1's 已整改 for that week agrees.
async fn annex2_for_a_past_date_shows_the_state_on_that_date(backend: Backend) {
    let Some(app) = spawn_app_on(backend).await else {
        return;
    };
    let city = app.user("city", Role::City).await;
    let e1 = enterprise(E1_NAME, XINFU, Industry::Metallurgy, None);
    let i1 = inspection(
        &e1,
        Stage::CityCounty(Level::County),
        "忻府区应急管理局",
        "2025-03-03",
    );
    let mut h1 = hazard(&i1, 1, HazardKind::Major, "2号转炉氧枪未设置断水联锁");
    h1.rectification = rectification(
        "炼钢厂",
        "李四",
        "加装断水报警并与氧枪提升联锁",
        "2025-03-31",
    );
    h1.supervising_unit = Some("忻府区安委办".into());
    // 整改 from Tuesday 03-04; reported done (03-09) on Monday 03-10 at 08:30; 复查 passed and
    // 销号 the same afternoon. Today it is 已销号.
    h1.start_rectification("企业", beijing("2025-03-04", 9, 0))
        .unwrap();
    h1.submit_for_review(d("2025-03-09"), "企业", beijing("2025-03-10", 8, 30))
        .unwrap();
    let review = Review {
        reviewer: "张三".into(),
        unit: "忻府区应急管理局".into(),
        date: d("2025-03-10"),
        passed: true,
        photos: Vec::new(),
        note: String::new(),
    };
    h1.record_review(review, "张三", beijing("2025-03-10", 15, 0))
        .unwrap();
    let changes = vec![change(&e1), change(&i1), change(&h1)];
    for outcome in app.push(&city, changes).await {
        assert_eq!(outcome["status"], "applied", "{outcome}");
    }

    let ledger = |date: &'static str| {
        let (app, city) = (&app, &city);
        async move {
            download(
                app,
                city,
                &format!("/api/reports/annex2.xlsx?date={date}"),
                &format!("附件2重大事故隐患台账_忻州市_{date}.xlsx"),
            )
            .await
        }
    };
    let before = ledger("2025-03-07").await;
    let rows = before.data();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][1], E1_NAME);
    assert_eq!(rows[0][11], "整改中");
    let after = ledger("2025-03-14").await;
    assert_eq!(after.data().len(), 1);
    assert_eq!(after.data()[0][11], "已完成，2025年3月9日完成整改");
    // Before it was found, the hazard is not in the ledger at all.
    let earlier = ledger("2025-02-28").await;
    assert_eq!(
        earlier.data()[0][0],
        "截至2025年2月28日，忻州市无重大事故隐患。"
    );

    // 附件1 row 3 (县级): 已整改 only from the week it was closed in.
    for (date, rectified) in [("2025-03-07", 0), ("2025-03-14", 1)] {
        let sheet = download(
            &app,
            &city,
            &format!("/api/reports/annex1.xlsx?date={date}"),
            &format!("附件1周调度统计表_忻州市_{date}.xlsx"),
        )
        .await;
        let row3 = &sheet.data()[2][2];
        assert!(
            row3.ends_with(&format!(
                "县级共检查1家企业，发现一般问题隐患0条，已整改0条；重大事故隐患1条，已整改{rectified}条。"
            )),
            "{date}: {row3}"
        );
    }
}

crate::both_backends!(
    annex3_is_the_campaigns_arrangement_for_every_office,
    annex1_carries_the_countys_own_text_rows_sent_with_the_download,
    annex2_lists_every_major_hazard_for_the_city,
    annex2_for_a_county_has_only_that_county,
    annex1_counts_the_campaign_for_the_city_and_a_county,
    annex4_sums_up_one_cross_pair_for_the_inspected_county,
    reports_are_refused_outside_the_accounts_scope,
    a_description_too_long_for_a_cell_is_cut_not_a_500,
    a_record_that_does_not_parse_is_left_out_and_named_under_the_table,
    a_bad_enterprise_body_is_named_not_silently_dropped,
    an_empty_ledger_says_so,
    annex2_for_a_past_date_shows_the_state_on_that_date,
);
