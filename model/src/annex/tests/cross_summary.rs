//! 附件4: every row for the fixture's 忻府区→原平市 交叉检查.

use super::*;
use crate::annex::{CrossSummary, CROSS_SUMMARY_HEADERS, CROSS_SUMMARY_NOTE};

fn cells(s: &CrossSummary) -> Vec<Vec<&str>> {
    s.rows
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect()
}

#[test]
fn headers_title_and_note_follow_the_seed() {
    assert_eq!(
        CROSS_SUMMARY_HEADERS.join(" "),
        "序号 企业名称 所在县(市、区) 行业 检查单位 检查时间 一般隐患(条) 重大事故隐患(条) 采取的行政处罚措施 行政情况 整改完成情况 备注"
    );
    assert_eq!(CROSS_SUMMARY_NOTE, "说明：本表由受检县填报");
    let fx = fixture();
    let s = CrossSummary::compute(&fx.data(), pair(), d("2025-03-14"));
    assert_eq!(
        s.title,
        "冶金工贸行业隐患排查整治专项行动县级交叉检查隐患情况汇总表"
    );
    assert_eq!(s.unit, "原平市");
}

#[test]
fn every_row_on_report_day() {
    let fx = fixture();
    let s = CrossSummary::compute(&fx.data(), pair(), d("2025-03-14"));
    // E3: H21 (closed 03-13) and H20 (open); P4 is dated 03-15. I13 is 县级, not 交叉检查.
    // E4: H22 (整改中, deadline 03-31); P3 取缔关闭 on I10. I17 (03-18) not yet.
    assert_eq!(
        cells(&s),
        [
            [
                "1",
                "原平市铝业有限公司",
                "原平市（原平经济技术开发区）",
                "有色",
                "忻府区交叉检查组",
                "2025年3月11日",
                "1",
                "1",
                "无",
                "",
                "已整改1条，未整改1条",
                ""
            ],
            [
                "2",
                "原平市食品厂",
                "原平市",
                "轻工",
                "忻府区交叉检查组",
                "2025年3月12日",
                "1",
                "0",
                "取缔关闭",
                "原平市应急管理局 2025年3月13日 原应急罚〔2025〕3号",
                "已整改0条，未整改1条",
                ""
            ],
        ]
    );
    assert_eq!(s.rows[0].hazards, fx.ids(&["H20", "H21"]));
    assert_eq!(s.rows[1].inspections, fx.ids(&["I10"]));
    assert_eq!(s.rows[1].penalties, fx.ids(&["P3"]));
}

#[test]
fn later_visits_and_penalties_join_the_same_row() {
    let fx = fixture();
    let s = CrossSummary::compute(&fx.data(), pair(), d("2025-03-21"));
    assert_eq!(
        cells(&s),
        [
            [
                "1",
                "原平市铝业有限公司",
                "原平市（原平经济技术开发区）",
                "有色",
                "忻府区交叉检查组",
                "2025年3月11日",
                "1",
                "1",
                "罚款企业2万元；限期整改",
                "原平市应急管理局 2025年3月15日",
                "已整改1条，未整改1条",
                ""
            ],
            [
                "2",
                "原平市食品厂",
                "原平市",
                "轻工",
                "忻府区交叉检查组",
                "2025年3月12日、2025年3月18日",
                "2",
                "0",
                "取缔关闭",
                "原平市应急管理局 2025年3月13日 原应急罚〔2025〕3号",
                "已整改0条，未整改2条",
                ""
            ],
        ]
    );
    assert_eq!(s.rows[1].inspections, fx.ids(&["I10", "I17"]));
    // After H22's 03-31 deadline it is 逾期.
    let s = CrossSummary::compute(&fx.data(), pair(), d("2025-04-04"));
    assert_eq!(s.rows[1].cells[10], "已整改0条，未整改2条（其中逾期1条）");
}

#[test]
fn all_closed_gives_the_last_completion_date() {
    let mut fx = fixture();
    let h20 = fx.hazard_mut("H20");
    h20.submit_for_review(d("2025-03-20"), "企业", 5).unwrap();
    h20.record_review(review("2025-03-21"), "检查员甲", 6)
        .unwrap();
    let s = CrossSummary::compute(&fx.data(), pair(), d("2025-03-21"));
    assert_eq!(s.rows[0].cells[10], "已全部完成整改，2025年3月20日完成");
    // The week before, the same closure does not count yet.
    let s = CrossSummary::compute(&fx.data(), pair(), d("2025-03-14"));
    assert_eq!(s.rows[0].cells[10], "已整改1条，未整改1条");
}

#[test]
fn another_pair_has_no_rows() {
    let fx = fixture();
    let other = fx.campaign.pair_for_inspected(county("定襄县")).unwrap();
    let s = CrossSummary::compute(&fx.data(), other, d("2025-03-21"));
    assert!(s.rows.is_empty());
    assert_eq!(s.unit, "定襄县");
}
