//! 附件3 plan check: a plan meeting every rule, then each rule failing alone.

use super::*;
use crate::annex::{check_cross_plan, CrossPlan};
use crate::validation::{Issue, Severity};

struct Pool {
    campaign: Campaign,
    enterprises: Vec<Enterprise>,
}

fn ent(
    n: u8,
    name: &str,
    county_name: &str,
    tags: &[RiskTag],
    scale: Scale,
    zone: bool,
) -> Enterprise {
    let mut e = enterprise(Industry::Metallurgy, tags);
    e.meta = RecordMeta::new(new_record_id(u64::from(n), [n; 10]), 0, "dev", "u");
    e.name = name.into();
    e.county = county(county_name).code.into();
    e.zone = zone.then(|| "yuanping-etdz".to_owned());
    e.scale = scale;
    e
}

/// 原平市's enterprises: Q1–Q5 make a plan meeting every rule.
fn pool() -> Pool {
    use RiskTag::*;
    let mut deleted = ent(9, "原平已注销企业", "原平市", &[], Scale::Sme, false);
    deleted.meta.deleted = true;
    Pool {
        campaign: Campaign::xinzhou_2024(),
        enterprises: vec![
            ent(
                1,
                "原平钢铁",
                "原平市",
                &[Steel],
                Scale::AboveDesignated,
                true,
            ),
            ent(
                2,
                "原平铝材",
                "原平市",
                &[AluminiumCasting],
                Scale::Sme,
                false,
            ),
            ent(
                3,
                "原平木器",
                "原平市",
                &[CombustibleDust],
                Scale::Sme,
                false,
            ),
            ent(4, "原平酿造", "原平市", &[ConfinedSpace], Scale::Sme, false),
            ent(5, "原平机修", "原平市", &[], Scale::Sme, false),
            ent(6, "原平开发区机加工", "原平市", &[], Scale::Sme, true),
            ent(7, "原平小钢厂", "原平市", &[Steel], Scale::Sme, false),
            ent(8, "忻府区某厂", "忻府区", &[], Scale::Sme, false),
            deleted,
        ],
    }
}

impl Pool {
    fn id(&self, n: usize) -> Uuid {
        self.enterprises[n - 1].meta.id
    }

    fn plan(&self, picks: &[usize]) -> CrossPlan {
        CrossPlan {
            pair: pair(),
            start: d("2025-03-10"),
            end: d("2025-03-12"),
            enterprises: picks.iter().map(|n| self.id(*n)).collect(),
        }
    }

    fn check(&self, plan: &CrossPlan) -> Vec<Issue> {
        check_cross_plan(plan, &self.enterprises, &self.campaign)
    }
}

/// Exactly one issue, of this field and severity, whose message contains `text`.
fn only(issues: &[Issue], field: &str, severity: Severity, text: &str) {
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert_eq!(
        (issues[0].field.as_str(), issues[0].severity),
        (field, severity)
    );
    assert!(issues[0].message.contains(text), "{}", issues[0].message);
}

const BASE: [usize; 5] = [1, 2, 3, 4, 5];

#[test]
fn a_plan_meeting_every_rule_has_no_issues() {
    let p = pool();
    assert_eq!(p.check(&p.plan(&BASE)), []);
}

#[test]
fn fewer_than_three_days() {
    let p = pool();
    let mut plan = p.plan(&BASE);
    plan.end = d("2025-03-11");
    only(
        &p.check(&plan),
        "days",
        Severity::Error,
        "检查时间不少于3天，当前安排2天",
    );
}

#[test]
fn fewer_than_five_enterprises() {
    let p = pool();
    only(
        &p.check(&p.plan(&[1, 2, 3, 4])),
        "enterprises",
        Severity::Error,
        "抽检企业不少于5家，当前4家，请再增加1家",
    );
}

#[test]
fn under_sixty_percent_sme() {
    let mut p = pool();
    p.enterprises[4].scale = Scale::AboveDesignated;
    assert_eq!(p.check(&p.plan(&BASE)), [], "3 of 5 is exactly 60%");
    p.enterprises[3].scale = Scale::AboveDesignated;
    only(
        &p.check(&p.plan(&BASE)),
        "enterprises",
        Severity::Error,
        "中小企业比例不低于60%，当前5家中有2家（40%）",
    );
}

#[test]
fn missing_key_kind_the_county_has() {
    let mut p = pool();
    // Q6 keeps the 开发区 in the plan; Q1 (钢铁) is out.
    let plan = p.plan(&[6, 2, 3, 4, 5]);
    only(
        &p.check(&plan),
        "enterprises",
        Severity::Warning,
        "原平市有钢铁企业（原平钢铁、原平小钢厂），计划中尚无",
    );
    // A county without steel enterprises is not asked for one.
    p.enterprises[0].tags.clear();
    p.enterprises[6].tags.clear();
    assert_eq!(p.check(&plan), []);
}

#[test]
fn no_zone_enterprise_when_the_county_has_some() {
    let mut p = pool();
    let plan = p.plan(&[7, 2, 3, 4, 5]);
    only(
        &p.check(&plan),
        "enterprises",
        Severity::Error,
        "各县交叉检查应包含开发区：原平市开发区内有企业（原平钢铁、原平开发区机加工），计划中尚无",
    );
    p.enterprises[0].zone = None;
    p.enterprises[5].zone = None;
    assert_eq!(p.check(&plan), []);
}

#[test]
fn enterprise_outside_the_inspected_county() {
    let p = pool();
    only(
        &p.check(&p.plan(&[1, 2, 3, 4, 5, 8])),
        "enterprises",
        Severity::Error,
        "以下企业不在受检方原平市：忻府区某厂",
    );
}

#[test]
fn outside_march_is_only_a_warning() {
    let p = pool();
    let mut plan = p.plan(&BASE);
    plan.start = d("2025-02-24");
    plan.end = d("2025-02-26");
    only(
        &p.check(&plan),
        "days",
        Severity::Warning,
        "原则上在2025年3月1日至2025年3月31日开展",
    );
}

#[test]
fn outside_the_campaign_is_an_error() {
    let p = pool();
    let mut plan = p.plan(&BASE);
    plan.start = d("2025-03-30");
    plan.end = d("2025-04-01");
    let issues = p.check(&plan);
    let errors: Vec<&Issue> = issues.iter().filter(|i| i.is_error()).collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]
        .message
        .contains("检查时间应在专项行动期间（2024年12月11日至2025年3月31日）"));
    assert_eq!(issues.len(), 2, "plus the March warning");
}

#[test]
fn reversed_dates() {
    let p = pool();
    let mut plan = p.plan(&BASE);
    plan.start = d("2025-03-12");
    plan.end = d("2025-03-10");
    let issues = p.check(&plan);
    assert!(issues
        .iter()
        .any(|i| i.field == "end" && i.message == "结束日期早于开始日期，请重新选择检查时间"));
    assert!(issues.iter().all(Issue::is_error));
}

#[test]
fn pair_not_in_annex_3() {
    let p = pool();
    let mut plan = p.plan(&BASE);
    plan.pair.inspector = county("定襄县");
    only(
        &p.check(&plan),
        "pair",
        Severity::Error,
        "定襄县检查原平市不在附件3交叉检查工作安排中",
    );
}

#[test]
fn unknown_deleted_and_repeated_enterprises() {
    let p = pool();
    let mut plan = p.plan(&[1, 2, 3, 4, 5, 9]);
    plan.enterprises.push(new_record_id(99, [99; 10]));
    only(
        &p.check(&plan),
        "enterprises",
        Severity::Error,
        "计划中有2家企业在企业台账中找不到或已删除",
    );
    only(
        &p.check(&p.plan(&[1, 2, 3, 4, 5, 5])),
        "enterprises",
        Severity::Error,
        "原平机修重复列入计划",
    );
}

#[test]
fn a_campaign_without_cross_rules_checks_only_the_plan_itself() {
    let mut p = pool();
    p.campaign.cross_rules = None;
    assert_eq!(p.check(&p.plan(&[2])), []);
}
