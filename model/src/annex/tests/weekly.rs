//! 附件1: every number of rows 2–5, city and county scope, and the week boundaries.

use super::*;
use crate::annex::{AnnexError, Figure, HazardCount, Scope, WeeklyNarrative, WeeklyReport};
use crate::campaign::ReportWeek;

fn report(fx: &Fx, scope: Scope, date: &str) -> WeeklyReport {
    WeeklyReport::compute(&fx.data(), scope, d(date), WeeklyNarrative::default()).unwrap()
}

fn counts(t: &crate::annex::HazardTally) -> [usize; 4] {
    HazardCount::ALL.map(|c| t.count(c))
}

#[test]
fn city_report_on_friday_counts_every_row() {
    let fx = fixture();
    let r = report(&fx, Scope::City, "2025-03-14");
    assert_eq!(r.title, "冶金工贸行业隐患排查整治专项行动周调度统计表");
    assert_eq!(r.unit, "忻州市");
    assert_eq!(
        r.week,
        ReportWeek {
            start: d("2025-03-08"),
            end: d("2025-03-14")
        }
    );

    // Row 2: plans E1 12-12, E2 12-20, E5 01-10 (E3 is 03-15, E6 deleted, E7 before campaign).
    let s = &r.self_inspection;
    assert_eq!(s.plans, fx.ids(&["E1", "E2", "E5"]));
    // 一般 H1 H3 H4 H5 (H8 found 03-15), 已整改 H1; 重大 H2 H6 (H7 deleted), 已整改 H6 (H2 销号 03-15).
    assert_eq!(s.hazards.general, fx.ids(&["H1", "H3", "H4", "H5"]));
    assert_eq!(s.hazards.general_rectified, fx.ids(&["H1"]));
    assert_eq!(s.hazards.major, fx.ids(&["H2", "H6"]));
    assert_eq!(s.hazards.major_rectified, fx.ids(&["H6"]));
    assert_eq!(s.benchmarks, fx.ids(&["E1"]));
    assert_eq!(s.helped, fx.ids(&["E2"]));
    assert_eq!(counts(&s.paired_hazards), [3, 1, 1, 0]);
    assert_eq!(
        s.sentence(),
        "3家企业制定了自查自改工作方案，发现一般问题隐患4条，已整改1条；重大事故隐患2条，已整改1条（其中确定标杆企业1家，帮扶企业1家，发现一般问题隐患3条，已整改1条；重大事故隐患1条，已整改0条）。"
    );

    // Row 3: 市本级 E1 (I4), E3 (I5); 县级 E2 (I6), E4 (I7), E5 (I8 Thursday); I13 is Saturday,
    // I14 deleted, I16 another campaign.
    let j = &r.joint;
    assert_eq!(j.city.enterprises, fx.ids(&["E1", "E3"]));
    assert_eq!(j.city.hazards.general, fx.ids(&["H11", "H12"]));
    assert_eq!(j.city.hazards.general_rectified, fx.ids(&["H11"]));
    assert_eq!(j.city.hazards.major, fx.ids(&["H10"]));
    assert!(j.city.hazards.major_rectified.is_empty());
    assert_eq!(j.county.enterprises, fx.ids(&["E2", "E4", "E5"]));
    assert_eq!(j.county.hazards.general, fx.ids(&["H14", "H15", "H16"]));
    assert_eq!(j.county.hazards.general_rectified, fx.ids(&["H14", "H15"]));
    assert_eq!(j.county.hazards.major, fx.ids(&["H13"]));
    assert!(j.county.hazards.major_rectified.is_empty());
    assert_eq!(
        j.sentence(),
        "市本级检查2家企业，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条。县级共检查3家企业，发现一般问题隐患3条，已整改2条；重大事故隐患1条，已整改0条。"
    );

    // Row 4: 原平市; E3 (I9), E4 (I10; I17 is 03-18).
    let c = &r.cross;
    assert_eq!(c.counties, [county("原平市")]);
    assert_eq!(c.inspections, fx.ids(&["I9", "I10"]));
    assert_eq!(c.checked.enterprises, fx.ids(&["E3", "E4"]));
    assert_eq!(c.checked.hazards.general, fx.ids(&["H21", "H22"]));
    assert_eq!(c.checked.hazards.general_rectified, fx.ids(&["H21"]));
    assert_eq!(c.checked.hazards.major, fx.ids(&["H20"]));
    assert!(c.checked.hazards.major_rectified.is_empty());
    assert_eq!(
        c.sentence(),
        "对1县开展了交叉检查，1县的2家企业，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条。"
    );

    // Row 5: fined E1 3万 (P1), E2 1.5万 (P2); P4 is Saturday, P5 deleted, P9 before campaign.
    // 主要负责人 张三 (P1 0.6, P8 0.2) and 李四 (P6 0.4): 2人 1.2万. 限期 E1; 停产 E2; 取缔 E4.
    let p = &r.penalties;
    assert_eq!(p.fined_enterprises, fx.ids(&["E1", "E2"]));
    assert_eq!(p.enterprise_fine_cases, fx.ids(&["P1", "P2"]));
    assert_eq!(p.enterprise_fine_total, wan("4.5"));
    assert_eq!(p.leaders_fined, 2);
    assert_eq!(p.leader_fine_cases, fx.ids(&["P1", "P6", "P8"]));
    assert_eq!(p.leader_fine_total, wan("1.2"));
    assert_eq!(p.rectify_by_deadline, fx.ids(&["E1"]));
    assert_eq!(p.suspended, fx.ids(&["E2"]));
    assert_eq!(p.closed, fx.ids(&["E4"]));
    assert_eq!(
        p.sentence(),
        "处罚企业2家，合计处罚4.5万元，处罚企业主要负责人2人，合计处罚1.2万元；限期整改1家，停产整改1家，取缔关闭1家。"
    );
}

#[test]
fn next_friday_picks_up_saturday_events() {
    let fx = fixture();
    let r = report(&fx, Scope::City, "2025-03-21");
    let rows = r.rows();
    assert_eq!(
        rows[1].content,
        "4家企业制定了自查自改工作方案，发现一般问题隐患5条，已整改1条；重大事故隐患2条，已整改2条（其中确定标杆企业1家，帮扶企业1家，发现一般问题隐患3条，已整改1条；重大事故隐患1条，已整改1条）。"
    );
    assert_eq!(r.self_inspection.plans, fx.ids(&["E1", "E2", "E3", "E5"]));
    assert_eq!(
        rows[2].content,
        "市本级检查2家企业，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条。县级共检查4家企业，发现一般问题隐患4条，已整改2条；重大事故隐患1条，已整改0条。"
    );
    assert_eq!(
        r.joint.county.enterprises,
        fx.ids(&["E2", "E4", "E5", "E3"])
    );
    assert_eq!(
        rows[3].content,
        "对1县开展了交叉检查，1县的2家企业，发现一般问题隐患3条，已整改1条；重大事故隐患1条，已整改0条。"
    );
    assert_eq!(
        rows[4].content,
        "处罚企业3家，合计处罚6.5万元，处罚企业主要负责人2人，合计处罚1.2万元；限期整改2家，停产整改1家，取缔关闭1家。"
    );
    assert_eq!(r.penalties.rectify_by_deadline, fx.ids(&["E1", "E3"]));
}

#[test]
fn county_scope_counts_only_its_enterprises() {
    let fx = fixture();
    let r = report(&fx, Scope::County(county("忻府区")), "2025-03-14");
    assert_eq!(r.unit, "忻府区");
    let rows = r.rows();
    assert_eq!(
        rows[1].content,
        "2家企业制定了自查自改工作方案，发现一般问题隐患3条，已整改1条；重大事故隐患1条，已整改0条（其中确定标杆企业1家，帮扶企业1家，发现一般问题隐患3条，已整改1条；重大事故隐患1条，已整改0条）。"
    );
    assert_eq!(
        rows[2].content,
        "市本级检查1家企业，发现一般问题隐患1条，已整改1条；重大事故隐患1条，已整改0条。县级共检查1家企业，发现一般问题隐患1条，已整改1条；重大事故隐患1条，已整改0条。"
    );
    assert_eq!(
        rows[3].content,
        "对0县开展了交叉检查，0县的0家企业，发现一般问题隐患0条，已整改0条；重大事故隐患0条，已整改0条。"
    );
    assert_eq!(
        rows[4].content,
        "处罚企业2家，合计处罚4.5万元，处罚企业主要负责人2人，合计处罚1.2万元；限期整改1家，停产整改1家，取缔关闭0家。"
    );

    // 原平市: its 开发区 enterprise E3 counts under it.
    let r = report(&fx, Scope::County(county("原平市")), "2025-03-14");
    let rows = r.rows();
    assert_eq!(
        rows[1].content,
        "0家企业制定了自查自改工作方案，发现一般问题隐患0条，已整改0条；重大事故隐患0条，已整改0条（其中确定标杆企业0家，帮扶企业0家，发现一般问题隐患0条，已整改0条；重大事故隐患0条，已整改0条）。"
    );
    assert_eq!(
        rows[2].content,
        "市本级检查1家企业，发现一般问题隐患1条，已整改0条；重大事故隐患0条，已整改0条。县级共检查1家企业，发现一般问题隐患1条，已整改1条；重大事故隐患0条，已整改0条。"
    );
    assert_eq!(r.joint.city.enterprises, fx.ids(&["E3"]));
    assert_eq!(
        rows[3].content,
        "对1县开展了交叉检查，1县的2家企业，发现一般问题隐患2条，已整改1条；重大事故隐患1条，已整改0条。"
    );
    assert_eq!(
        rows[4].content,
        "处罚企业0家，合计处罚0万元，处罚企业主要负责人0人，合计处罚0万元；限期整改0家，停产整改0家，取缔关闭1家。"
    );
}

#[test]
fn counties_add_up_to_the_city() {
    let fx = fixture();
    let city = report(&fx, Scope::City, "2025-03-14");
    let parts: Vec<WeeklyReport> = County::all()
        .iter()
        .map(|c| report(&fx, Scope::County(*c), "2025-03-14"))
        .collect();
    for f in Figure::all() {
        let total: Money = parts
            .iter()
            .map(|r| Money::parse_wan(&r.value(f)).unwrap())
            .sum();
        assert_eq!(total.wan_string(), city.value(f), "{f:?}");
    }
}

#[test]
fn every_figure_links_to_as_many_records_as_it_says() {
    let fx = fixture();
    let r = report(&fx, Scope::City, "2025-03-14");
    let all = Figure::all();
    assert_eq!(all.len(), 34);
    for f in all {
        let behind = r.records_behind(f);
        match f {
            Figure::CrossCounties
            | Figure::FinedLeaders
            | Figure::EnterpriseFineTotal
            | Figure::LeaderFineTotal => {}
            _ => assert_eq!(behind.ids.len().to_string(), r.value(f), "{f:?}"),
        }
    }
    let b = r.records_behind(Figure::CountyHazards(HazardCount::GeneralRectified));
    assert_eq!((b.kind, b.ids), ("hazard", fx.ids(&["H14", "H15"])));
    let b = r.records_behind(Figure::CrossCounties);
    assert_eq!((b.kind, b.ids), ("inspection", fx.ids(&["I9", "I10"])));
    assert_eq!(r.value(Figure::CrossCounties), "1");
    let b = r.records_behind(Figure::FinedLeaders);
    assert_eq!((b.kind, b.ids), ("penalty", fx.ids(&["P1", "P6", "P8"])));
    assert_eq!(r.value(Figure::FinedLeaders), "2");
    assert_eq!(r.value(Figure::EnterpriseFineTotal), "4.5");
    let b = r.records_behind(Figure::Closed);
    assert_eq!((b.kind, b.ids), ("enterprise", fx.ids(&["E4"])));
}

#[test]
fn only_report_fridays_within_the_campaign() {
    let fx = fixture();
    let at =
        |s: &str| WeeklyReport::compute(&fx.data(), Scope::City, d(s), WeeklyNarrative::default());
    let thu = at("2025-03-13").unwrap_err();
    assert_eq!(
        thu.to_string(),
        "周调度统计表每周五汇总，2025年3月13日不是周五，请选择2025年3月14日（周五）"
    );
    assert!(matches!(
        at("2025-03-15"),
        Err(AnnexError::NotReportDay { next, .. }) if next == "2025年3月21日（周五）"
    ));
    assert!(matches!(
        at("2024-12-06"),
        Err(AnnexError::OutsideCampaign { .. })
    ));
    // The week holding 3月31日 (a Monday) is reported on 4月4日; the week after is not.
    assert!(at("2025-04-04").is_ok());
    assert!(at("2025-04-11")
        .unwrap_err()
        .to_string()
        .contains("不在专项行动期间（2024年12月11日至2025年3月31日）"));
    // The first report day, two days after the notice: nothing yet but E1's plan (12-12).
    let first = at("2024-12-13").unwrap();
    assert_eq!(first.self_inspection.plans, fx.ids(&["E1"]));
}

#[test]
fn rows_carry_the_narrative_and_seed_labels() {
    let fx = fixture();
    let narrative = WeeklyNarrative {
        deployment: "14个县（区）均制定了实施方案。".into(),
        publicity: "忻州日报报道2次。".into(),
        problems: "部分中小企业自查流于形式。".into(),
        suggestions: "建议增加专家服务。".into(),
    };
    let r = WeeklyReport::compute(&fx.data(), Scope::City, d("2025-03-14"), narrative).unwrap();
    let rows = r.rows();
    let cats: Vec<&str> = rows.iter().map(|r| r.category).collect();
    assert_eq!(
        cats,
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
    assert_eq!(rows.clone().map(|r| r.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(rows[0].content, "14个县（区）均制定了实施方案。");
    assert_eq!(rows[0].note, "各地情况不同，按实际进展填写即可，每周汇总。");
    assert_eq!(rows[3].note, "工作开展后填写。");
    assert_eq!(rows[7].content, "建议增加专家服务。");
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<WeeklyReport>(&json).unwrap(), r);
}

/// `hh:00` 北京时间 on `day`, as unix ms.
fn at(day: &str, hh: i64) -> i64 {
    (d(day).days_since_epoch() * 24 + hh - 8) * 3_600_000
}

#[test]
fn rectified_in_a_week_means_closed_by_its_report_day_as_in_the_ledger() {
    use crate::annex::MajorHazardLedger;
    use crate::hazard::HazardState;
    let mut fx = fixture();
    // H20 (交叉检查, 重大): 整改 from 03-12, 复查 failed 03-20, passed 03-26.
    let h = fx.hazard_mut("H20");
    h.start_rectification("企业", at("2025-03-12", 9)).unwrap();
    h.submit_for_review(d("2025-03-18"), "企业", at("2025-03-19", 9))
        .unwrap();
    let failed = Review {
        passed: false,
        ..review("2025-03-20")
    };
    h.record_review(failed, "检查员甲", at("2025-03-20", 15))
        .unwrap();
    h.submit_for_review(d("2025-03-25"), "企业", at("2025-03-25", 17))
        .unwrap();
    h.record_review(review("2025-03-26"), "检查员甲", at("2025-03-26", 10))
        .unwrap();
    let major_cross_rectified = |date: &str| {
        report(&fx, Scope::City, date)
            .cross
            .checked
            .hazards
            .major_rectified
            .contains(&fx.id("H20"))
    };
    assert!(!major_cross_rectified("2025-03-14"));
    assert!(!major_cross_rectified("2025-03-21"));
    assert!(major_cross_rectified("2025-03-28"));

    // Every week, every tally: 已整改 exactly when the hazard was 已销号 at the end of the
    // report day, and the 附件2 row of a 重大事故隐患 says the same.
    let hazard = |id| fx.hazards.iter().find(|h| h.meta.id == id).unwrap();
    for w in fx.campaign.report_weeks() {
        let date = w.end;
        let r = report(&fx, Scope::City, &date.to_string());
        let ledger = MajorHazardLedger::compute(&fx.data(), Scope::City, date);
        let s = &r.self_inspection;
        for t in [
            &s.hazards,
            &s.paired_hazards,
            &r.joint.city.hazards,
            &r.joint.county.hazards,
            &r.cross.checked.hazards,
        ] {
            for (found, done) in [
                (&t.general, &t.general_rectified),
                (&t.major, &t.major_rectified),
            ] {
                for id in found {
                    let closed = hazard(*id).state_on(date) == HazardState::Closed;
                    assert_eq!(done.contains(id), closed, "{date} {id}");
                }
            }
        }
        for row in &ledger.rows {
            let closed = hazard(row.hazard_id).state_on(date) == HazardState::Closed;
            assert_eq!(row.rectified, closed, "{date}");
            assert_eq!(row.cells[11].starts_with("已完成"), closed, "{date}");
        }
    }
}
