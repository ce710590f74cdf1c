//! A realistic fixture campaign and the annexes checked against numbers worked out by hand.
//!
//! Report day R = 2025-03-14 (周五). Events on Thu 03-13 and Fri 03-14 count in R's report;
//! events on Sat 03-15 count only from 03-21. Keys (E1, I4, H10, P6…) name the records; the
//! comments beside each give what the hand count needs.

mod cross;
mod cross_summary;
mod dashboard;
mod ledger;
mod weekly;

use uuid::Uuid;

use super::data::Dataset;
use crate::campaign::{Campaign, CrossPair};
use crate::county::County;
use crate::date::Date;
use crate::enterprise::tests::enterprise;
use crate::enterprise::{Enterprise, Industry, PairRole, Pairing, RiskTag, Scale};
use crate::hazard::{next_seq, Basis, Hazard, HazardKind, Review};
use crate::ids::new_record_id;
use crate::inspection::Inspection;
use crate::money::Money;
use crate::penalty::{Measure, Penalty, PersonFine};
use crate::record::RecordMeta;
use crate::stage::{Level, Stage};

pub(super) fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub(super) fn county(name: &str) -> County {
    County::by_name(name).unwrap()
}

pub(super) fn wan(s: &str) -> Money {
    Money::parse_wan(s).unwrap()
}

/// 忻府区 → 原平市, the 附件3 pair the fixture's 交叉检查 belongs to.
pub(super) fn pair() -> CrossPair {
    CrossPair {
        inspector: county("忻府区"),
        inspected: county("原平市"),
    }
}

const CITY: Stage = Stage::CityCounty(Level::City);
const COUNTY: Stage = Stage::CityCounty(Level::County);
const MAJOR: HazardKind = HazardKind::Major;
const GENERAL: HazardKind = HazardKind::General;

pub(super) struct Fx {
    pub campaign: Campaign,
    pub enterprises: Vec<Enterprise>,
    pub inspections: Vec<Inspection>,
    pub hazards: Vec<Hazard>,
    pub penalties: Vec<Penalty>,
    keys: Vec<(&'static str, Uuid)>,
}

impl Fx {
    pub fn data(&self) -> Dataset<'_> {
        Dataset {
            campaign: &self.campaign,
            enterprises: &self.enterprises,
            inspections: &self.inspections,
            hazards: &self.hazards,
            penalties: &self.penalties,
        }
    }

    pub fn id(&self, key: &str) -> Uuid {
        self.keys.iter().find(|(k, _)| *k == key).expect(key).1
    }

    pub fn ids(&self, keys: &[&str]) -> Vec<Uuid> {
        keys.iter().map(|k| self.id(k)).collect()
    }

    pub fn hazard_mut(&mut self, key: &str) -> &mut Hazard {
        let id = self.id(key);
        self.hazards.iter_mut().find(|h| h.meta.id == id).unwrap()
    }

    fn meta(&mut self, key: &'static str) -> RecordMeta {
        let n = self.keys.len() as u64 + 1;
        let id = new_record_id(1_733_875_200_000 + n, [n as u8; 10]);
        self.keys.push((key, id));
        RecordMeta::new(id, 0, "dev", "张三")
    }

    #[allow(clippy::too_many_arguments)]
    fn enterprise(
        &mut self,
        key: &'static str,
        name: &str,
        county_name: &str,
        industry: Industry,
        tags: &[RiskTag],
        scale: Scale,
        plan: Option<&str>,
    ) -> &mut Enterprise {
        let mut e = enterprise(industry, tags);
        e.meta = self.meta(key);
        e.name = name.into();
        e.county = county(county_name).code.into();
        e.zone = None;
        e.scale = scale;
        e.self_inspection_plan_on = plan.map(d);
        self.enterprises.push(e);
        self.enterprises.last_mut().unwrap()
    }

    fn inspection(
        &mut self,
        key: &'static str,
        ent: &str,
        stage: Stage,
        date: &str,
        unit: &str,
    ) -> &mut Inspection {
        let meta = self.meta(key);
        let eid = self.id(ent);
        let e = self.enterprises.iter().find(|e| e.meta.id == eid).unwrap();
        let mut i = Inspection::new(meta, &self.campaign.id, e, stage, d(date));
        i.unit = unit.into();
        i.inspectors = vec!["张三".into(), "李四".into()];
        if stage == Stage::Cross {
            i.cross_pair = Some(pair());
        }
        self.inspections.push(i);
        self.inspections.last_mut().unwrap()
    }

    fn hazard(
        &mut self,
        key: &'static str,
        insp: &str,
        kind: HazardKind,
        description: &str,
        basis: &str,
    ) -> &mut Hazard {
        let meta = self.meta(key);
        let iid = self.id(insp);
        let i = self.inspections.iter().find(|i| i.meta.id == iid).unwrap();
        let mut h = Hazard::new(meta, i, next_seq(&self.hazards, iid));
        h.kind = kind;
        h.description = description.into();
        h.basis = Basis::FreeText(basis.into());
        h.evidence_text = "现场拍照".into();
        self.hazards.push(h);
        self.hazards.last_mut().unwrap()
    }

    fn penalty(
        &mut self,
        key: &'static str,
        ent: &str,
        insp: Option<&str>,
        date: &str,
        unit: &str,
    ) -> &mut Penalty {
        let meta = self.meta(key);
        let p = Penalty {
            meta,
            enterprise_id: self.id(ent),
            inspection_id: insp.map(|i| self.id(i)),
            date: d(date),
            unit: unit.into(),
            decision_number: String::new(),
            enterprise_fine: Money::ZERO,
            leader_fines: Vec::new(),
            measures: Vec::new(),
            note: String::new(),
        };
        self.penalties.push(p);
        self.penalties.last_mut().unwrap()
    }
}

fn review(date: &str) -> Review {
    Review {
        reviewer: "检查员甲".into(),
        unit: "应急管理局".into(),
        date: d(date),
        passed: true,
        photos: vec![],
        note: String::new(),
    }
}

/// 整改中
fn rectifying(h: &mut Hazard) {
    h.start_rectification("企业", 1).unwrap();
}

/// 待复查, completed on `done`.
fn awaiting(h: &mut Hazard, done: &str) {
    h.start_rectification("企业", 1).unwrap();
    h.submit_for_review(d(done), "企业", 2).unwrap();
}

/// 已销号: completed on `done`, 复查 passed on `reviewed` (the 销号 date).
fn closed(h: &mut Hazard, done: &str, reviewed: &str) {
    awaiting(h, done);
    h.record_review(review(reviewed), "检查员甲", 3).unwrap();
}

fn rect(
    h: &mut Hazard,
    unit: &str,
    person: &str,
    measures: &str,
    funds: &str,
    by: &str,
    plan: &str,
) {
    let r = &mut h.rectification;
    r.responsible_unit = unit.into();
    r.responsible_person = person.into();
    r.measures = measures.into();
    r.funds = Some(wan(funds));
    r.deadline = Some(d(by));
    r.contingency_plan = plan.into();
}

const STD: &str = "《工贸企业重大事故隐患判定标准》";

pub(super) fn fixture() -> Fx {
    let mut fx = Fx {
        campaign: Campaign::xinzhou_2024(),
        enterprises: vec![],
        inspections: vec![],
        hazards: vec![],
        penalties: vec![],
        keys: vec![],
    };
    use Industry::*;

    // ---- 企业 ----
    fx.enterprise(
        "E1",
        "忻州市钢铁有限公司",
        "忻府区",
        Metallurgy,
        &[RiskTag::Steel],
        Scale::AboveDesignated,
        Some("2024-12-12"),
    );
    fx.enterprise(
        "E2",
        "忻府区小铸件厂",
        "忻府区",
        Machinery,
        &[RiskTag::CombustibleDust],
        Scale::Sme,
        Some("2024-12-20"),
    );
    let (e1, e2) = (fx.id("E1"), fx.id("E2"));
    fx.enterprises[0].pairing = Some(Pairing {
        role: PairRole::Benchmark,
        partner_id: Some(e2),
    });
    fx.enterprises[1].pairing = Some(Pairing {
        role: PairRole::Helped,
        partner_id: Some(e1),
    });
    // In the 原平经济技术开发区; plan made on Saturday 03-15.
    fx.enterprise(
        "E3",
        "原平市铝业有限公司",
        "原平市",
        Nonferrous,
        &[RiskTag::AluminiumCasting],
        Scale::Sme,
        Some("2025-03-15"),
    )
    .zone = Some("yuanping-etdz".into());
    fx.enterprise(
        "E4",
        "原平市食品厂",
        "原平市",
        LightIndustry,
        &[RiskTag::ConfinedSpace],
        Scale::Sme,
        None,
    );
    fx.enterprise(
        "E5",
        "定襄县法兰锻造厂",
        "定襄县",
        Machinery,
        &[],
        Scale::Sme,
        Some("2025-01-10"),
    );
    // Tombstoned duplicate of E1: never counts, nor do its records.
    let e6 = fx.enterprise(
        "E6",
        "忻州市钢铁有限公司（重复录入）",
        "忻府区",
        Metallurgy,
        &[],
        Scale::AboveDesignated,
        Some("2024-12-15"),
    );
    e6.pairing = Some(Pairing {
        role: PairRole::Benchmark,
        partner_id: None,
    });
    e6.meta.deleted = true;
    // Plan dated before the campaign: a previous campaign's, not counted.
    fx.enterprise(
        "E7",
        "定襄县旧方案企业",
        "定襄县",
        Machinery,
        &[],
        Scale::Sme,
        Some("2024-11-20"),
    );

    // ---- 检查 ----
    fx.inspection(
        "I1",
        "E1",
        Stage::SelfInspection,
        "2024-12-16",
        "忻州市钢铁有限公司",
    );
    fx.inspection(
        "I2",
        "E2",
        Stage::SelfInspection,
        "2024-12-23",
        "忻府区小铸件厂",
    );
    fx.inspection(
        "I3",
        "E5",
        Stage::SelfInspection,
        "2025-01-13",
        "定襄县法兰锻造厂",
    );
    fx.inspection("I4", "E1", CITY, "2025-01-08", "忻州市应急管理局");
    fx.inspection("I5", "E3", CITY, "2025-02-10", "忻州市应急管理局");
    fx.inspection("I6", "E2", COUNTY, "2025-01-09", "忻府区应急管理局");
    fx.inspection("I7", "E4", COUNTY, "2025-02-12", "原平市应急管理局");
    fx.inspection("I8", "E5", COUNTY, "2025-03-13", "定襄县应急管理局"); // Thursday
    fx.inspection("I9", "E3", Stage::Cross, "2025-03-11", "忻府区交叉检查组");
    fx.inspection("I10", "E4", Stage::Cross, "2025-03-12", "忻府区交叉检查组");
    fx.inspection(
        "I11",
        "E1",
        Stage::CitySupervision,
        "2025-02-20",
        "忻州市应急管理局",
    );
    fx.inspection(
        "I12",
        "E5",
        Stage::PublicReport,
        "2025-03-14",
        "定襄县应急管理局",
    ); // Friday
    fx.inspection("I13", "E3", COUNTY, "2025-03-15", "原平市应急管理局"); // Saturday
    fx.inspection("I14", "E5", COUNTY, "2025-02-05", "定襄县应急管理局")
        .meta
        .deleted = true;
    fx.inspection("I15", "E6", Stage::SelfInspection, "2024-12-20", "重复录入");
    fx.inspection("I16", "E4", COUNTY, "2024-12-20", "原平市应急管理局")
        .campaign_id = "other-campaign".into();
    fx.inspection("I17", "E4", Stage::Cross, "2025-03-18", "忻府区交叉检查组"); // second visit

    // ---- 隐患: 企业自查 ----
    closed(
        fx.hazard(
            "H1",
            "I1",
            GENERAL,
            "安全培训记录不全",
            "《安全生产法》第二十八条",
        ),
        "2024-12-20",
        "2024-12-23",
    );
    let h2 = fx.hazard(
        "H2",
        "I1",
        MAJOR,
        "转炉水冷元件未设置出水温度监测报警装置",
        &format!("{STD}第六条（二）"),
    );
    rect(
        h2,
        "忻州市钢铁有限公司",
        "张三",
        "加装温度、流量监测报警并与炉体倾动联锁",
        "3.5",
        "2025-03-20",
        "整改期间停用2号转炉",
    );
    h2.supervising_unit = Some("忻府区应急管理局".into());
    closed(h2, "2025-03-12", "2025-03-15"); // 销号 on Saturday, after R
    fx.hazard("H7", "I1", MAJOR, "误录", "误录").meta.deleted = true;
    let h3 = fx.hazard("H3", "I2", GENERAL, "作业场所积尘", "GB 15577");
    h3.rectification.deadline = Some(d("2025-01-31"));
    rectifying(h3);
    awaiting(
        fx.hazard("H4", "I2", GENERAL, "除尘器泄爆口朝向人员通道", "GB 15577"),
        "2025-01-05",
    );
    fx.hazard(
        "H5",
        "I3",
        GENERAL,
        "有限空间未设置警示标志",
        "《工贸企业有限空间作业安全规定》",
    );
    let h6 = fx.hazard(
        "H6",
        "I3",
        MAJOR,
        "除尘系统未设置锁气卸灰装置",
        &format!("{STD}第十二条（三）"),
    );
    rect(
        h6,
        "定襄县法兰锻造厂",
        "",
        "加装锁气卸灰阀",
        "0.8",
        "2025-03-31",
        "",
    );
    closed(h6, "2025-03-10", "2025-03-14"); // 销号 on R itself
    fx.hazard("H8", "I3", GENERAL, "复查时发现灭火器过期", "GB 50140")
        .found_on = d("2025-03-15");
    fx.hazard("H19", "I15", MAJOR, "重复录入的隐患", "重复");

    // ---- 市县联合检查 ----
    let h10 = fx.hazard(
        "H10",
        "I4",
        MAJOR,
        "煤气区域未设置固定式一氧化碳浓度监测报警装置",
        &format!("{STD}第六条（五）"),
    );
    rect(
        h10,
        "忻州市钢铁有限公司",
        "李四",
        "安装固定式一氧化碳报警仪并接入24小时值守室",
        "1.2",
        "2025-02-28",
        "区域内禁止人员停留，作业人员配便携式报警仪",
    );
    h10.supervising_unit = Some("忻州市应急管理局".into());
    rectifying(h10);
    closed(
        fx.hazard(
            "H11",
            "I4",
            GENERAL,
            "煤气柜区域安全警示标志缺失",
            "GB 6222",
        ),
        "2025-01-18",
        "2025-01-20",
    );
    fx.hazard("H12", "I5", GENERAL, "铸造区域地面有积水", "GB 30078")
        .rectification
        .deadline = Some(d("2025-03-10"));
    let h13 = fx.hazard(
        "H13",
        "I6",
        MAJOR,
        "除尘系统湿式除尘器干式运行",
        &format!("{STD}第十二条（五）"),
    );
    rect(
        h13,
        "忻府区小铸件厂",
        "王五",
        "恢复湿式除尘供水并加装断水报警",
        "0.5",
        "2025-03-05",
        "停用对应工位，清理积尘",
    );
    h13.supervising_unit = Some("忻府区应急管理局".into());
    awaiting(h13, "2025-03-01");
    closed(
        fx.hazard("H14", "I6", GENERAL, "未建立粉尘清扫制度", "GB 15577"),
        "2025-01-12",
        "2025-01-15",
    );
    closed(
        fx.hazard(
            "H15",
            "I7",
            GENERAL,
            "有限空间台账不全",
            "《工贸企业有限空间作业安全规定》",
        ),
        "2025-02-18",
        "2025-02-20",
    );
    fx.hazard("H16", "I8", GENERAL, "锻造车间消防通道堵塞", "GB 50016"); // Thursday 03-13
    fx.hazard("H17", "I13", GENERAL, "熔铝炉周边有可燃物", "GB 30078"); // Saturday 03-15
    fx.hazard("H18", "I14", MAJOR, "已删除检查中的隐患", "删除");
    fx.hazard("H40", "I16", GENERAL, "上一专项行动的隐患", "其他");

    // ---- 交叉检查 ----
    let h20 = fx.hazard(
        "H20",
        "I9",
        MAJOR,
        "深井铸造铝液流槽液位监测未与快速切断阀联锁",
        &format!("{STD}第七条（四）"),
    );
    h20.supervising_unit = Some("原平市应急管理局".into());
    closed(
        fx.hazard("H21", "I9", GENERAL, "铸造平台应急照明损坏", "GB 30078"),
        "2025-03-12",
        "2025-03-13",
    );
    let h22 = fx.hazard(
        "H22",
        "I10",
        GENERAL,
        "发酵罐有限空间未设置警示标志",
        "《工贸企业有限空间作业安全规定》",
    );
    h22.rectification.deadline = Some(d("2025-03-31"));
    rectifying(h22);
    fx.hazard(
        "H23",
        "I17",
        GENERAL,
        "有限空间作业未配备监护人员",
        "《工贸企业有限空间作业安全规定》",
    );

    // ---- 市级督查 / 群众举报 ----
    let h30 = fx.hazard(
        "H30",
        "I11",
        MAJOR,
        "电弧炉水冷元件冷却水流量监测未与电极自动断电联锁",
        &format!("{STD}第六条（一）"),
    );
    rect(
        h30,
        "忻州市钢铁有限公司",
        "赵六",
        "增设流量低报警与电极断电联锁",
        "2",
        "2025-03-10",
        "联锁投用前停用电弧炉",
    );
    h30.supervising_unit = Some("忻州市应急管理局".into());
    closed(h30, "2025-02-25", "2025-02-27");
    let h31 = fx.hazard(
        "H31",
        "I12",
        MAJOR,
        "粉尘爆炸危险场所设置在非框架结构的多层建筑物内",
        &format!("{STD}第十二条（一）"),
    );
    h31.rectification.deadline = Some(d("2025-04-15"));
    h31.remark = "群众举报线索，经核查属实".into();

    // ---- 行政处罚 ----
    let p1 = fx.penalty("P1", "E1", Some("I4"), "2025-01-10", "忻州市应急管理局"); // 一案双罚
    p1.enterprise_fine = wan("3");
    p1.leader_fines = vec![PersonFine {
        name: "张三".into(),
        amount: wan("0.6"),
    }];
    p1.measures = vec![Measure::RectifyByDeadline];
    p1.decision_number = "忻应急罚〔2025〕1号".into();
    let p2 = fx.penalty("P2", "E2", Some("I6"), "2025-01-12", "忻府区应急管理局");
    p2.enterprise_fine = wan("1.5");
    p2.measures = vec![Measure::SuspendProduction];
    let p3 = fx.penalty("P3", "E4", Some("I10"), "2025-03-13", "原平市应急管理局");
    p3.measures = vec![Measure::Close];
    p3.decision_number = "原应急罚〔2025〕3号".into();
    let p4 = fx.penalty("P4", "E3", Some("I9"), "2025-03-15", "原平市应急管理局"); // Saturday
    p4.enterprise_fine = wan("2");
    p4.measures = vec![Measure::RectifyByDeadline];
    let p5 = fx.penalty("P5", "E5", None, "2025-02-01", "定襄县应急管理局");
    p5.enterprise_fine = wan("10");
    p5.meta.deleted = true;
    // Tied to no inspection: shows on every E1 ledger row found on or before 02-21.
    let p6 = fx.penalty("P6", "E1", None, "2025-02-21", "忻州市应急管理局");
    p6.leader_fines = vec![PersonFine {
        name: "李四".into(),
        amount: wan("0.4"),
    }];
    p6.measures = vec![Measure::RectifyByDeadline, Measure::ListedSupervision];
    // 张三 fined a second time: still one person in 人数.
    let p8 = fx.penalty("P8", "E1", Some("I11"), "2025-03-01", "忻州市应急管理局");
    p8.leader_fines = vec![PersonFine {
        name: "张三".into(),
        amount: wan("0.2"),
    }];
    // Before the campaign began.
    fx.penalty("P9", "E2", None, "2024-12-01", "忻府区应急管理局")
        .enterprise_fine = wan("5");
    fx
}
