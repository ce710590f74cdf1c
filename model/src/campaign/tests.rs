use super::*;
use crate::enterprise::tests::enterprise;
use crate::enterprise::{Industry, Scale};
use crate::validation::{has_errors, Severity};

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn county(name: &str) -> County {
    County::by_name(name).unwrap()
}

#[test]
fn bundled_default_is_the_seed_notice() {
    let c = Campaign::xinzhou_2024();
    assert_eq!(c.doc_number, "忻应急发〔2024〕216号");
    assert_eq!(c.issuer, "忻州市冶金工贸安全生产专业委员会");
    assert_eq!((c.start, c.end), (d("2024-12-11"), d("2025-03-31")));
    assert_eq!(c.report_weekday, 5);
    assert_eq!(c.plan_due, Some(d("2024-12-12")));
    let r = c.cross_rules.as_ref().unwrap();
    assert_eq!(
        (
            r.min_days,
            r.min_enterprises,
            r.min_sme_percent,
            r.include_zones
        ),
        (3, 5, 60, true)
    );
    assert_eq!(r.key_tags.len(), 4);
}

#[test]
fn annex_3_pairs_in_order() {
    let names: Vec<(&str, &str)> = Campaign::xinzhou_2024()
        .cross_pairs
        .iter()
        .map(|p| (p.inspector.name, p.inspected.name))
        .collect();
    assert_eq!(
        names,
        [
            ("忻府区", "原平市"),
            ("原平市", "定襄县"),
            ("定襄县", "忻府区"),
            ("繁峙县", "代县"),
            ("代县", "五台县"),
            ("五台县", "繁峙县"),
            ("静乐县", "五寨县"),
            ("宁武县", "神池县"),
            ("神池县", "宁武县"),
            ("五寨县", "岢岚县"),
            ("岢岚县", "静乐县"),
            ("河曲县", "偏关县"),
            ("保德县", "河曲县"),
            ("偏关县", "保德县"),
        ]
    );
}

#[test]
fn every_county_inspects_once_and_is_inspected_once() {
    let c = Campaign::xinzhou_2024();
    for county in County::all() {
        assert!(c.pair_for_inspector(*county).is_some(), "{}", county.name);
        assert!(c.pair_for_inspected(*county).is_some(), "{}", county.name);
    }
    assert_eq!(
        c.pair_for_inspected(county("原平市"))
            .unwrap()
            .inspector
            .name,
        "忻府区"
    );
}

#[test]
fn current_and_latest() {
    let all = Campaign::bundled();
    assert!(Campaign::current(&all, d("2024-12-10")).is_none());
    assert_eq!(
        Campaign::current(&all, d("2024-12-11")).unwrap().id,
        "xinzhou-2024-216"
    );
    assert_eq!(
        Campaign::current(&all, d("2025-03-31")).unwrap().id,
        "xinzhou-2024-216"
    );
    assert!(Campaign::current(&all, d("2025-04-01")).is_none());
    assert_eq!(
        Campaign::latest(&all, d("2026-01-01")).unwrap().id,
        "xinzhou-2024-216"
    );
    assert_eq!(
        Campaign::latest(&all, d("2024-01-01")).unwrap().id,
        "xinzhou-2024-216"
    );
}

#[test]
fn next_winter_campaign_is_one_more_record() {
    let mut json: Vec<serde_json::Value> = serde_json::from_str(CAMPAIGNS_JSON).unwrap();
    let mut next = json[0].clone();
    next["id"] = "xinzhou-2025-winter".into();
    next["start"] = "2025-11-20".into();
    next["end"] = "2026-03-31".into();
    json.push(next);
    let all = Campaign::from_json(&serde_json::to_string(&json).unwrap()).unwrap();
    assert_eq!(
        Campaign::current(&all, d("2025-12-01")).unwrap().id,
        "xinzhou-2025-winter"
    );
    assert_eq!(
        Campaign::current(&all, d("2025-01-01")).unwrap().id,
        "xinzhou-2024-216"
    );
}

#[test]
fn bad_campaign_data_is_refused_in_chinese() {
    let mut json: Vec<serde_json::Value> = serde_json::from_str(CAMPAIGNS_JSON).unwrap();
    json[0]["end"] = "2024-01-01".into();
    let err = Campaign::from_json(&serde_json::to_string(&json).unwrap()).unwrap_err();
    assert!(err.to_string().contains("开始日期晚于结束日期"));
    json[0]["cross_pairs"][0]["inspected"] = "999999".into();
    assert!(Campaign::from_json(&serde_json::to_string(&json).unwrap()).is_err());
    assert!(Campaign::from_json("{")
        .unwrap_err()
        .to_string()
        .starts_with("专项行动数据格式有误"));
}

#[test]
fn report_days_and_weeks_end_on_friday() {
    let c = Campaign::xinzhou_2024();
    assert_eq!(c.next_report_day(d("2024-12-11")), d("2024-12-13"));
    assert_eq!(c.next_report_day(d("2024-12-13")), d("2024-12-13"));
    assert_eq!(c.next_report_day(d("2024-12-14")), d("2024-12-20"));
    let w = c.week_of(d("2024-12-14"));
    assert_eq!((w.start, w.end), (d("2024-12-14"), d("2024-12-20")));
    assert!(w.contains(d("2024-12-20")) && !w.contains(d("2024-12-21")));
    let weeks = c.report_weeks();
    assert_eq!(weeks.first().unwrap().end, d("2024-12-13"));
    assert_eq!(
        weeks.last().unwrap().end,
        d("2025-04-04"),
        "week holding 3月31日"
    );
    assert_eq!(weeks.len(), 17);
    assert!(weeks.windows(2).all(|p| p[0].end.add_days(1) == p[1].start));
    assert_eq!(
        c.report_reminder(d("2024-12-11")),
        "每周五前报送周调度统计表和重大事故隐患台账，下次报送：2024年12月13日（周五）"
    );
}

fn plan_enterprise(tags: &[RiskTag], scale: Scale, zone: Option<&str>) -> Enterprise {
    let mut e = enterprise(Industry::Metallurgy, tags);
    e.scale = scale;
    e.zone = zone.map(str::to_owned);
    e
}

#[test]
fn cross_plan_meeting_every_rule() {
    let c = Campaign::xinzhou_2024();
    let rules = c.cross_rules.as_ref().unwrap();
    let pair = c.pair_for_inspected(county("原平市")).unwrap();
    let es = [
        plan_enterprise(
            &[RiskTag::Steel],
            Scale::AboveDesignated,
            Some("yuanping-etdz"),
        ),
        plan_enterprise(&[RiskTag::AluminiumCasting], Scale::AboveDesignated, None),
        plan_enterprise(&[RiskTag::CombustibleDust], Scale::Sme, None),
        plan_enterprise(&[RiskTag::ConfinedSpace], Scale::Sme, None),
        plan_enterprise(&[], Scale::Sme, None),
    ];
    let refs: Vec<&Enterprise> = es.iter().collect();
    assert!(rules
        .check(pair, d("2025-03-10"), d("2025-03-12"), &refs)
        .is_empty());
}

#[test]
fn cross_plan_failures_are_said_plainly() {
    let c = Campaign::xinzhou_2024();
    let rules = c.cross_rules.as_ref().unwrap();
    let pair = c.pair_for_inspected(county("原平市")).unwrap();
    let es = [
        plan_enterprise(&[RiskTag::Steel], Scale::AboveDesignated, None),
        plan_enterprise(&[], Scale::AboveDesignated, None),
        plan_enterprise(&[], Scale::Sme, None),
    ];
    let refs: Vec<&Enterprise> = es.iter().collect();
    let issues = rules.check(pair, d("2025-02-27"), d("2025-02-28"), &refs);
    let msgs: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
    assert!(has_errors(&issues));
    assert!(msgs[0].contains("不少于3天，当前安排2天"));
    assert!(msgs[1].contains("2025年3月1日"));
    assert!(msgs[2].contains("不少于5家，当前3家，请再增加2家"));
    assert!(msgs[3].contains("当前3家中有1家（33%）"));
    assert!(msgs[4].contains("铝加工（深井铸造）、粉尘涉爆、有限空间"));
    assert!(msgs[5].contains("开发区"));
    assert_eq!(issues[4].severity, Severity::Warning);

    let mut stranger = plan_enterprise(&[], Scale::Sme, None);
    stranger.county = "140902".into();
    stranger.name = "外县企业".into();
    let issues = rules.check(pair, d("2025-03-10"), d("2025-03-12"), &[&stranger]);
    assert!(issues
        .iter()
        .any(|i| i.message.contains("以下企业不在受检方原平市：外县企业")));
}
