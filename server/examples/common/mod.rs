//! What the server benchmarks share (`sync_bench` for `scripts/bench-server`, `scale_bench` for
//! `scripts/bench-scale`): the sample campaign they push, and how they print figures. Not an
//! example of its own (a directory without `main.rs`); each includes it as `mod common`.

use std::time::Duration;

use model::date::Date;
use model::enterprise::{Enterprise, Industry, RiskTag, Scale};
use model::hazard::{Basis, Hazard, HazardKind, HazardState, Rectification};
use model::inspection::Inspection;
use model::money::Money;
use model::record::RecordMeta;
use model::stage::{Level, Stage};
use model::sync::Change;
use uuid::Uuid;

/// Records per enterprise block: the enterprise, 2 inspections and 47 hazards.
pub const BLOCK: usize = 50;

pub fn env_usize(key: &str, default: usize) -> usize {
    match std::env::var(key) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{key} must be a number, not {v:?}")),
        Err(_) => default,
    }
}

pub fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Nearest-rank percentile of unsorted samples; `p = 1.0` is the maximum.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Rows in the layout of `scripts/bench` (tests/e2e/bench/run.mjs) and `scripts/bench-server`.
#[derive(Default)]
pub struct Table {
    rows: Vec<(String, String, String)>,
}

impl Table {
    pub fn row(&mut self, name: &str, value: String, goal: String) {
        self.rows.push((name.to_owned(), value, goal));
    }

    pub fn print(&self) {
        let widest = |col: fn(&(String, String, String)) -> &String| {
            self.rows
                .iter()
                .map(|r| col(r).chars().count())
                .max()
                .unwrap_or(0)
                + 2
        };
        let (w, v) = (widest(|r| &r.0), widest(|r| &r.1));
        println!("{:w$}{:v$}goal", "benchmark", "value");
        for (name, value, goal) in &self.rows {
            println!("{name:w$}{value:v$}{goal}");
        }
    }
}

/// `n` changes as a field device would push them: per enterprise, the enterprise first (pushes
/// need it before its records, docs/sync.md), then 2 inspections and 47 hazards, each hazard
/// with 3 photos, a 判定依据 and an 整改 plan. Counties rotate over Xinzhou's 14.
pub fn sample_changes(n: usize) -> Vec<Change> {
    let counties = model::county::County::all();
    let now = 1_733_800_000_000;
    let meta = || RecordMeta::new(Uuid::now_v7(), now, "bench-device-0001", "张三");
    let date = |d: u8| Date::new(2024, 12, d).expect("valid date");
    let descriptions = [
        "除尘器未设置泄爆装置，车间地面及设备表面积尘严重，未按规定清扫",
        "煤气柜区域未设置固定式一氧化碳检测报警装置，现场作业人员未配备便携式报警仪",
        "高炉炉前平台护栏缺失一段约3米，下方为铁水沟，存在高处坠落风险",
        "有限空间作业未执行先通风、再检测、后作业要求，作业审批票未填写气体检测数据",
        "铝液深井铸造区域未设置紧急排放和应急储存设施，铸造机冷却水未设置断水报警",
    ];
    let mut out = Vec::with_capacity(n);
    let mut block = 0usize;
    while out.len() < n {
        let county = counties[block % counties.len()].code;
        let e_meta = meta();
        let enterprise = Enterprise {
            meta: e_meta.clone(),
            name: format!("忻州市第{block}钢铁有限公司"),
            credit_code: Some(format!("91140900MA0K{block:06}")),
            credit_code_confirmed: true,
            county: county.to_owned(),
            zone: None,
            industry: Industry::Metallurgy,
            tags: vec![
                RiskTag::Steel,
                RiskTag::CombustibleDust,
                RiskTag::ConfinedSpace,
            ],
            scale: Scale::Sme,
            pairing: None,
            leader: "王建国".to_owned(),
            phone: "0350-3031234".to_owned(),
            address: format!("忻州市忻府区工业园区{block}号"),
            self_inspection_plan_on: Some(date(1)),
        };
        out.push(change(e_meta.id, "enterprise", &enterprise));
        let inspections: Vec<Inspection> = [Stage::CityCounty(Level::County), Stage::Cross]
            .into_iter()
            .map(|stage| {
                let mut i = Inspection::new(meta(), "xz-2024-216", &enterprise, stage, date(10));
                i.unit = "忻府区应急管理局".to_owned();
                i.inspectors = vec!["张三".to_owned(), "李四".to_owned()];
                if stage == Stage::Cross {
                    // A 交叉检查 names its 附件3 pair (the model requires it).
                    i.cross_pair = Some(model::campaign::CrossPair {
                        inspector: counties[(block + 1) % counties.len()],
                        inspected: counties[block % counties.len()],
                    });
                }
                i
            })
            .collect();
        for i in &inspections {
            out.push(change(i.meta.id, "inspection", i));
        }
        for seq in 1..=(BLOCK - 1 - inspections.len()) {
            let inspection = &inspections[seq % inspections.len()];
            let mut h = Hazard::new(meta(), inspection, seq as u32);
            let k = out.len();
            h.description = format!("第{seq}处：{}", descriptions[k % descriptions.len()]);
            h.evidence_text = "现场照片3张，见附件".to_owned();
            h.photos = (0..3).map(|p| format!("{:064x}", k * 3 + p)).collect();
            h.basis = Basis::FreeText(
                "《工贸企业粉尘防爆安全规定》（应急管理部令第6号）第十条".to_owned(),
            );
            if k % 20 == 0 {
                h.kind = HazardKind::Major;
                h.supervising_unit = Some("忻州市应急管理局".to_owned());
            }
            h.remark = "企业已签字确认".to_owned();
            h.rectification = Rectification {
                responsible_unit: "炼铁厂设备科".to_owned(),
                responsible_person: "赵六".to_owned(),
                measures: "加装泄爆片并建立每班清扫制度，清扫记录存档备查".to_owned(),
                funds: Some(Money::from_yuan(50_000)),
                deadline: Some(date(31)),
                contingency_plan: "整改期间停用该除尘系统，设置警戒区".to_owned(),
                ..Rectification::default()
            };
            h.state = HazardState::Open;
            out.push(change(h.meta.id, "hazard", &h));
        }
        block += 1;
    }
    out.truncate(n);
    out
}

fn change(id: Uuid, kind: &str, record: &impl serde::Serialize) -> Change {
    Change {
        id,
        kind: kind.to_owned(),
        base_rev: 0,
        deleted: false,
        body: serde_json::to_value(record).expect("record serialises"),
    }
}
