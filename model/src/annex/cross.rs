//! 附件3 县级交叉检查工作安排: a plan per 检查方→受检方 pair, checked live against the notice's
//! rules (通知 三（三）and 附件3 说明).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::campaign::{Campaign, CrossPair, CrossRules};
use crate::enterprise::Enterprise;
use crate::validation::Issue;

/// 交叉检查计划: who inspects whom, when, and which enterprises are drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossPlan {
    pub pair: CrossPair,
    /// First and last day, both counted.
    pub start: crate::date::Date,
    pub end: crate::date::Date,
    /// 抽检企业
    pub enterprises: Vec<Uuid>,
}

/// How many example names a message lists before it stops.
const EXAMPLES: usize = 3;

/// Checks a plan; each failed rule is one [`Issue`] in plain Chinese saying what to do.
/// `enterprises` is the whole 台账 the caller holds: the rules on 重点企业 and 开发区 apply only
/// where the 受检县 actually has such enterprises, which the plan alone cannot tell.
///
/// Errors: pair not in 附件3, dates outside the campaign or reversed, unknown or repeated
/// enterprises, fewer than 3 days or 5 enterprises, under 60 % 中小企业, enterprises outside the
/// 受检县, no 开发区 enterprise where the 受检县 has one. Warnings ("原则上"): outside 2025年3月,
/// a 钢铁/铝加工（深井铸造）/粉尘涉爆/有限空间 kind the 受检县 has but the plan lacks.
pub fn check_cross_plan(
    plan: &CrossPlan,
    enterprises: &[Enterprise],
    campaign: &Campaign,
) -> Vec<Issue> {
    let mut out = Vec::new();
    let pair = plan.pair;
    if !campaign.cross_pairs.contains(&pair) {
        out.push(Issue::error(
            "pair",
            format!(
                "{}检查{}不在附件3交叉检查工作安排中，请按附件3选择检查方和受检方",
                pair.inspector.name, pair.inspected.name
            ),
        ));
    }
    if plan.end < plan.start {
        out.push(Issue::error(
            "end",
            "结束日期早于开始日期，请重新选择检查时间",
        ));
    }
    if plan.start < campaign.start || plan.end > campaign.end {
        out.push(Issue::error(
            "days",
            format!(
                "检查时间应在专项行动期间（{}至{}），请调整检查时间",
                campaign.start.to_chinese(),
                campaign.end.to_chinese()
            ),
        ));
    }
    let chosen = resolve(plan, enterprises, &mut out);
    let Some(rules) = &campaign.cross_rules else {
        return out;
    };
    // The count, day, 中小企业, window and 受检县 rules are CrossRules::check's; its 重点企业 and
    // 开发区 rules look at the plan alone, so they are replaced below by ones that know the county.
    let basic = CrossRules {
        key_tags: Vec::new(),
        include_zones: false,
        ..rules.clone()
    };
    out.extend(basic.check(pair, plan.start, plan.end, &chosen));
    let county_pool: Vec<&Enterprise> = enterprises
        .iter()
        .filter(|e| !e.meta.deleted && e.county.trim() == pair.inspected.code)
        .collect();
    for tag in &rules.key_tags {
        let has: Vec<&str> = county_pool
            .iter()
            .filter(|e| e.has_tag(*tag))
            .map(|e| e.name.as_str())
            .collect();
        if !has.is_empty() && !chosen.iter().any(|e| e.has_tag(*tag)) {
            out.push(Issue::warning(
                "enterprises",
                format!(
                    "{}有{}企业（{}），计划中尚无。原则上要涵盖此类重点企业，请至少抽检一家",
                    pair.inspected.name,
                    tag.label(),
                    examples(&has)
                ),
            ));
        }
    }
    let zoned: Vec<&str> = county_pool
        .iter()
        .filter(|e| e.zone().is_some())
        .map(|e| e.name.as_str())
        .collect();
    if rules.include_zones && !zoned.is_empty() && !chosen.iter().any(|e| e.zone().is_some()) {
        out.push(Issue::error(
            "enterprises",
            format!(
                "各县交叉检查应包含开发区：{}开发区内有企业（{}），计划中尚无，请至少抽检一家",
                pair.inspected.name,
                examples(&zoned)
            ),
        ));
    }
    out
}

/// The plan's enterprises, each once; unknown, tombstoned and repeated ids are reported.
fn resolve<'a>(
    plan: &CrossPlan,
    enterprises: &'a [Enterprise],
    out: &mut Vec<Issue>,
) -> Vec<&'a Enterprise> {
    let mut chosen: Vec<&Enterprise> = Vec::new();
    let mut missing = 0;
    let mut repeated: Vec<&str> = Vec::new();
    for id in &plan.enterprises {
        match enterprises
            .iter()
            .find(|e| e.meta.id == *id && !e.meta.deleted)
        {
            None => missing += 1,
            Some(e) if chosen.iter().any(|c| c.meta.id == *id) => repeated.push(&e.name),
            Some(e) => chosen.push(e),
        }
    }
    if missing > 0 {
        out.push(Issue::error(
            "enterprises",
            format!("计划中有{missing}家企业在企业台账中找不到或已删除，请移出计划后重新选择"),
        ));
    }
    if !repeated.is_empty() {
        out.push(Issue::error(
            "enterprises",
            format!("{}重复列入计划，请删去重复项", repeated.join("、")),
        ));
    }
    chosen
}

fn examples(names: &[&str]) -> String {
    let mut s = names[..names.len().min(EXAMPLES)].join("、");
    if names.len() > EXAMPLES {
        s.push_str(&format!("等{}家", names.len()));
    }
    s
}
