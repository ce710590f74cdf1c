//! 重点检查内容: section 二 of 忻应急发〔2024〕216号, split into one question per "是否…".
//!
//! Wording stays the notice's own; a sentence listing several things (e.g. 安全管理机构和人员配备、
//! 全员安全责任制…是否落实到位) becomes one question per thing, adding no requirement of our own.
//! `major_ref` links an item to the 10号令 item covering the same situation, as a hint only.

use super::ModuleId;

/// The notice's document number, cited by every item here.
pub const NOTICE_DOC: &str = "忻应急发〔2024〕216号";

/// One checkable question of the notice.
pub(crate) struct NoticeItem {
    pub id: &'static str,
    pub module: ModuleId,
    pub question: &'static str,
    /// Where in section 二 it comes from, appended to [`NOTICE_DOC`].
    pub section: &'static str,
    pub major_ref: Option<&'static str>,
    /// The question asks whether a violation exists: "是" means 不符合.
    pub asks_violation: bool,
}

const fn item(
    id: &'static str,
    module: ModuleId,
    section: &'static str,
    question: &'static str,
    major_ref: Option<&'static str>,
    asks_violation: bool,
) -> NoticeItem {
    NoticeItem {
        id,
        module,
        question,
        section,
        major_ref,
        asks_violation,
    }
}

use ModuleId::*;

const LEAD: &str = "二、主要内容（主要负责人履职）";
const MGMT: &str = "二、主要内容（安全管理）";
const STEEL: &str = "二、1（钢铁企业）";
const ALU: &str = "二、1（铝加工（深井铸造）企业）";
const DUST: &str = "二、1（粉尘涉爆企业）";
const CONF: &str = "二、2";
const WORK: &str = "二、3";
const TEN: &str = "二、4";
const CHEM: &str = "二、5";

pub(crate) const NOTICE_ITEMS: &[NoticeItem] = &[
    // 二、主要内容 opening paragraph.
    item("s2.leader.1", NoticeLeader, LEAD, "企业主要负责人是否组织学习掌握重大事故隐患判定标准？", None, false),
    item("s2.leader.2", NoticeLeader, LEAD, "企业主要负责人是否定期带队开展自查自改？", None, false),
    item("s2.leader.3", NoticeLeader, MGMT, "企业安全管理机构和人员配备是否落实到位？", None, false),
    item("s2.leader.4", NoticeLeader, MGMT, "企业全员安全责任制是否落实到位？", None, false),
    item("s2.leader.5", NoticeLeader, MGMT, "企业安全投入是否落实到位？", None, false),
    item("s2.leader.6", NoticeLeader, MGMT, "企业安全培训是否落实到位？", None, false),
    item("s2.leader.7", NoticeLeader, MGMT, "企业应急救援和演练是否落实到位？", None, false),
    item("s2.leader.8", NoticeLeader, MGMT, "企业事故警示教育和防范措施是否落实到位？", None, false),
    item(
        "s2.leader.9",
        NoticeLeader,
        MGMT,
        "企业现场是否存在违反应急管理部10号令明确的重大事故隐患判定标准的情形？",
        None,
        true,
    ),
    // 二、1 钢铁企业
    item("s2.steel.1", NoticeSteel, STEEL, "转炉、电弧炉等炼钢炉的水冷元件是否设置温度、流量监测报警装置？", Some("art4.4"), false),
    item("s2.steel.2", NoticeSteel, STEEL, "炼钢炉水冷元件的监测报警装置是否与炉体倾动、电极自动断电等联锁？", Some("art4.4"), false),
    item("s2.steel.3", NoticeSteel, STEEL, "可能发生煤气泄漏、集聚的场所和部位，是否安装固定式一氧化碳浓度监测报警装置？", Some("art4.6"), false),
    item("s2.steel.4", NoticeSteel, STEEL, "一氧化碳浓度监测报警装置是否能正常使用？", Some("art14"), false),
    item("s2.steel.5", NoticeSteel, STEEL, "一氧化碳浓度监测报警信号是否接入24小时有人值守的场所？", Some("art4.6"), false),
    // 二、1 铝加工（深井铸造）企业
    item("s2.aluminium.1", NoticeAluminium, ALU, "联锁报警系统设置的铝液液位是否与快速切断阀、紧急排放阀动作联锁？", Some("art5.8"), false),
    item("s2.aluminium.2", NoticeAluminium, ALU, "联锁报警系统设置的冷却水流量是否与快速切断阀、紧急排放阀动作联锁？", Some("art5.6"), false),
    item("s2.aluminium.3", NoticeAluminium, ALU, "设置的报警联锁参数值是否符合现场实际？", None, false),
    item("s2.aluminium.4", NoticeAluminium, ALU, "联锁动作是否长时间延迟？", None, true),
    item("s2.aluminium.5", NoticeAluminium, ALU, "各联锁动作是否与铸造平台停止下降联锁？", None, false),
    // 二、1 粉尘涉爆企业
    item("s2.dust.1", NoticeDust, DUST, "除尘系统是否规范设置控爆措施？", Some("art11.3"), false),
    item("s2.dust.2", NoticeDust, DUST, "是否存在湿式除尘干式运行？", None, true),
    item("s2.dust.3", NoticeDust, DUST, "作业场所是否存在严重积尘？", Some("art11.10"), true),
    // 二、2 有限空间作业和冬季安全“敲门行动”
    item("s2.confined.1", NoticeConfinedSpace, CONF, "是否对有限空间进行辨识、建立安全管理台账？", Some("art13.1"), false),
    item("s2.confined.2", NoticeConfinedSpace, CONF, "是否在有限空间作业场所设置明显安全警示标志？", Some("art13.1"), false),
    item("s2.confined.3", NoticeConfinedSpace, CONF, "是否按照规定制定有限空间作业方案并经审批作业？", Some("art13.2"), false),
    item("s2.confined.4", NoticeConfinedSpace, CONF, "是否配备监护人员？", Some("art13.2"), false),
    item("s2.confined.5", NoticeConfinedSpace, CONF, "监护人员是否按规定履行岗位职责？", None, false),
    item("s2.confined.6", NoticeConfinedSpace, CONF, "是否进行安全条件确认进入有限空间作业？", None, false),
    // 二、3 危险作业
    item(
        "s2.hazwork.1",
        NoticeHazardousWork,
        WORK,
        "易燃易爆区域动火、煤气作业、高处作业、临时用电等危险作业，是否完善作业方案审批？",
        None,
        false,
    ),
    item("s2.hazwork.2", NoticeHazardousWork, WORK, "危险作业是否完善风险辨识？", None, false),
    item("s2.hazwork.3", NoticeHazardousWork, WORK, "危险作业是否完善条件确认？", None, false),
    item("s2.hazwork.4", NoticeHazardousWork, WORK, "危险作业是否完善现场监护？", None, false),
    item("s2.hazwork.5", NoticeHazardousWork, WORK, "是否建立危险作业风险管控管理体系和长效运行机制？", None, false),
    // 二、4 一厂多租、业态混杂、厂中厂以及工程项目、检维修作业外包外委
    item("s2.tenancy.1", NoticeMultiTenant, TEN, "是否存在违法违规整体或分割出租承包厂房的厂中厂？", None, true),
    item("s2.tenancy.2", NoticeMultiTenant, TEN, "是否违规租赁设备设施？", None, true),
    item("s2.tenancy.3", NoticeMultiTenant, TEN, "是否使用落后淘汰工艺设备？", None, true),
    item("s2.tenancy.4", NoticeMultiTenant, TEN, "是否存在业态混杂现象？", None, true),
    item("s2.tenancy.5", NoticeMultiTenant, TEN, "是否存在证照不全现象？", None, true),
    item("s2.tenancy.6", NoticeMultiTenant, TEN, "是否存在特种作业人员无证作业现象？", Some("art3.2"), true),
    item("s2.tenancy.7", NoticeMultiTenant, TEN, "是否对承包单位、承租单位的安全生产工作统一协调管理？", Some("art3.1"), false),
    item("s2.tenancy.8", NoticeMultiTenant, TEN, "出租方与承租方是否依法履行安全管理职责？", None, false),
    // 二、5 配套危化装置
    item(
        "s2.hazchem.1",
        NoticeHazardousChemicals,
        CHEM,
        "是否对本单位的危险化学品生产、经营、储存和使用装置、设施或场所进行易燃易爆、有毒有害等危险因素辨识评估？",
        None,
        false,
    ),
    item("s2.hazchem.2", NoticeHazardousChemicals, CHEM, "是否依法进行安全评价？", None, false),
    item("s2.hazchem.3", NoticeHazardousChemicals, CHEM, "是否存在安全设施和安全监测监控系统不完善的问题？", None, true),
    item("s2.hazchem.4", NoticeHazardousChemicals, CHEM, "是否存在检测检验维护保养不到位的问题？", None, true),
    item("s2.hazchem.5", NoticeHazardousChemicals, CHEM, "是否存在事故应急预案和现场处置方案不完善的问题？", None, true),
    item("s2.hazchem.6", NoticeHazardousChemicals, CHEM, "是否存在防护装备应急救援物资器材配备不齐全的问题？", None, true),
];
