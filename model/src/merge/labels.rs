//! Chinese labels of record fields, for the conflict view (字段名称).

/// Labels shared by all record kinds, by dotted JSON path.
const COMMON: &[(&str, &str)] = &[
    ("meta.deleted", "删除状态"),
    ("enterprise_id", "所属企业"),
    ("inspection_id", "所属检查"),
    ("date", "日期"),
    ("unit", "单位"),
    ("note", "备注"),
    // 隐患 (附件5, 五落实, 闭环)
    ("seq", "序号"),
    ("found_on", "发现日期"),
    ("description", "隐患描述"),
    ("evidence_text", "现场证据说明"),
    ("photos", "现场照片"),
    ("basis", "判定依据"),
    ("kind", "隐患类型"),
    ("remark", "备注"),
    ("rectification", "整改措施（五落实）"),
    ("rectification.responsible_unit", "整改责任单位"),
    ("rectification.responsible_person", "整改责任人"),
    ("rectification.measures", "整改措施"),
    ("rectification.funds", "整改资金"),
    ("rectification.deadline", "整改时限"),
    ("rectification.contingency_plan", "应急预案"),
    ("rectification.progress_photos", "整改进展照片"),
    ("rectification.progress_note", "整改进展说明"),
    ("supervising_unit", "挂牌督办单位"),
    ("state", "整改状态"),
    ("completed_on", "整改完成时间"),
    ("reviews", "复查记录"),
    ("history", "办理记录"),
    // 企业
    ("name", "企业名称"),
    ("credit_code", "统一社会信用代码"),
    ("county", "所在县（市、区）"),
    ("zone", "所在开发区"),
    ("industry", "行业类别"),
    ("tags", "风险标签"),
    ("scale", "规模"),
    ("pairing", "结对帮扶"),
    ("leader", "主要负责人"),
    ("phone", "联系电话"),
    ("address", "地址"),
    ("self_inspection_plan_on", "自查自改工作方案日期"),
    // 检查
    ("campaign_id", "专项行动"),
    ("stage", "检查环节"),
    ("inspectors", "检查人员"),
    ("modules", "检查模块"),
    ("answers", "检查项答案"),
    ("signatures", "签字"),
    ("signatures.inspector", "检查人员签字"),
    ("signatures.enterprise", "企业负责人签字"),
    ("frozen_at", "清单确认时间"),
    ("cross_pair", "交叉检查组"),
    // 处罚
    ("decision_number", "处罚决定书文号"),
    ("enterprise_fine", "处罚企业金额"),
    ("leader_fines", "处罚主要负责人"),
    ("measures", "处罚措施"),
    // 办公记录 (附件1 文字栏, 交叉检查工作安排)
    ("meta.id", "记录编号"),
    ("week", "报送日期"),
    ("text", "周调度文字"),
    ("text.deployment", "部署推进（第1栏）"),
    ("text.publicity", "宣传曝光（第6栏）"),
    ("text.problems", "存在问题（第7栏）"),
    ("text.suggestions", "意见建议（第8栏）"),
    ("pair", "检查结对"),
    ("enterprises", "抽检企业"),
    ("start", "开始日期"),
    ("end", "结束日期"),
];

/// Labels that depend on the record kind ([`crate::Record::KIND`]).
const BY_KIND: &[(&str, &str, &str)] = &[
    ("inspection", "date", "检查时间"),
    ("inspection", "unit", "检查单位"),
    ("penalty", "date", "处罚日期"),
    ("penalty", "unit", "处罚单位"),
    ("weekly_note", "county", "填报范围"),
    ("cross_plan", "start", "检查开始日期"),
    ("cross_plan", "end", "检查结束日期"),
];

/// The Chinese label of a field path (e.g. `["rectification", "measures"]` → 整改措施), falling
/// back to the path joined by `.` for fields without one.
pub fn field_label(path: &[String]) -> String {
    let dotted = path.join(".");
    COMMON
        .iter()
        .find(|(p, _)| *p == dotted)
        .map_or(dotted.clone(), |(_, l)| (*l).to_owned())
}

/// [`field_label`] for a record kind (`"hazard"`, `"enterprise"`, `"inspection"`, `"penalty"`),
/// where the same field name reads differently (an inspection's `date` is 检查时间).
pub fn field_label_for(kind: &str, path: &[String]) -> String {
    let dotted = path.join(".");
    BY_KIND
        .iter()
        .find(|(k, p, _)| *k == kind && *p == dotted)
        .map_or_else(|| field_label(path), |(_, _, l)| (*l).to_owned())
}
