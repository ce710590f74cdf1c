//! 附件2: every row of the city ledger on R, then what changes a week later and per county.

use super::*;
use crate::annex::{MajorHazardLedger, Scope, LEDGER_HEADERS, LEDGER_NOTE};

const P6_TEXT: &str =
    "处罚主要负责人1人0.4万元；限期整改；挂牌督办（忻州市应急管理局，2025年2月21日）";

fn rows(l: &MajorHazardLedger) -> Vec<Vec<&str>> {
    l.rows
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect()
}

#[test]
fn headers_title_and_note_follow_the_seed() {
    assert_eq!(
        LEDGER_HEADERS.join(" "),
        "序号 企业名称 所在市(县、区) 行业类别 检查环节 检查单位 检查时间 重大隐患明细 整改措施 挂牌督办单位 行政处罚情况 整改完成情况 备注"
    );
    assert!(LEDGER_NOTE
        .starts_with("说明：检查环节为企业自查、市县检查、交叉检查、市级督查、群众举报；"));
    assert!(LEDGER_NOTE.ends_with("本统计表每周五上报，为累计数据。"));
    let fx = fixture();
    let l = MajorHazardLedger::compute(&fx.data(), Scope::City, d("2025-03-14"));
    assert_eq!(l.title, "冶金工贸行业隐患排查整治专项行动重大事故隐患台账");
    assert_eq!(l.unit, "忻州市");
}

#[test]
fn city_ledger_every_row() {
    let fx = fixture();
    let l = MajorHazardLedger::compute(&fx.data(), Scope::City, d("2025-03-14"));
    // H7 (deleted), H18 (deleted inspection), H19 (deleted enterprise) are absent; sorted by
    // 检查时间 then enterprise.
    let ids: Vec<_> = l.rows.iter().map(|r| r.hazard_id).collect();
    assert_eq!(
        ids,
        fx.ids(&["H2", "H10", "H13", "H6", "H30", "H20", "H31"])
    );
    let p10 = "罚款企业3万元；处罚主要负责人1人0.6万元（一案双罚）；限期整改（忻州市应急管理局，2025年1月10日）";
    let h10_penalties = format!("{p10}\n{P6_TEXT}");
    let h30_penalties =
        format!("{P6_TEXT}\n处罚主要负责人1人0.2万元（忻州市应急管理局，2025年3月1日）");
    let expected: Vec<[&str; 13]> = vec![
        [
            "1", "忻州市钢铁有限公司", "忻府区", "冶金", "企业自查", "忻州市钢铁有限公司", "2024年12月16日",
            "转炉水冷元件未设置出水温度监测报警装置（判定依据：《工贸企业重大事故隐患判定标准》第六条（二））",
            "责任：忻州市钢铁有限公司 张三；措施：加装温度、流量监测报警并与炉体倾动联锁；资金：3.5万元；时限：2025年3月20日；预案：整改期间停用2号转炉",
            "忻府区应急管理局",
            P6_TEXT,
            // 销号 on 03-15, after R: not yet done in this week's ledger.
            "待复查（2025年3月12日完成整改，尚未复查销号）",
            "",
        ],
        [
            "2", "忻州市钢铁有限公司", "忻府区", "冶金", "市县检查", "忻州市应急管理局", "2025年1月8日",
            "煤气区域未设置固定式一氧化碳浓度监测报警装置（判定依据：《工贸企业重大事故隐患判定标准》第六条（五））",
            "责任：忻州市钢铁有限公司 李四；措施：安装固定式一氧化碳报警仪并接入24小时值守室；资金：1.2万元；时限：2025年2月28日；预案：区域内禁止人员停留，作业人员配便携式报警仪",
            "忻州市应急管理局",
            &h10_penalties,
            "逾期未整改（整改时限：2025年2月28日）",
            "",
        ],
        [
            "3", "忻府区小铸件厂", "忻府区", "机械", "市县检查", "忻府区应急管理局", "2025年1月9日",
            "除尘系统湿式除尘器干式运行（判定依据：《工贸企业重大事故隐患判定标准》第十二条（五））",
            "责任：忻府区小铸件厂 王五；措施：恢复湿式除尘供水并加装断水报警；资金：0.5万元；时限：2025年3月5日；预案：停用对应工位，清理积尘",
            "忻府区应急管理局",
            // P9 (2024-12-01) predates the finding.
            "罚款企业1.5万元；停产整改（忻府区应急管理局，2025年1月12日）",
            "待复查（2025年3月1日完成整改，尚未复查销号）",
            "",
        ],
        [
            "4", "定襄县法兰锻造厂", "定襄县", "机械", "企业自查", "定襄县法兰锻造厂", "2025年1月13日",
            "除尘系统未设置锁气卸灰装置（判定依据：《工贸企业重大事故隐患判定标准》第十二条（三））",
            "责任：定襄县法兰锻造厂；措施：加装锁气卸灰阀；资金：0.8万元；时限：2025年3月31日；预案：未明确",
            "",
            "无",
            // 销号 on R itself counts.
            "已完成，2025年3月10日完成整改",
            "",
        ],
        [
            "5", "忻州市钢铁有限公司", "忻府区", "冶金", "市级督查", "忻州市应急管理局", "2025年2月20日",
            "电弧炉水冷元件冷却水流量监测未与电极自动断电联锁（判定依据：《工贸企业重大事故隐患判定标准》第六条（一））",
            "责任：忻州市钢铁有限公司 赵六；措施：增设流量低报警与电极断电联锁；资金：2万元；时限：2025年3月10日；预案：联锁投用前停用电弧炉",
            "忻州市应急管理局",
            &h30_penalties,
            "已完成，2025年2月25日完成整改",
            "",
        ],
        [
            "6", "原平市铝业有限公司", "原平市（原平经济技术开发区）", "有色", "交叉检查", "忻府区交叉检查组", "2025年3月11日",
            "深井铸造铝液流槽液位监测未与快速切断阀联锁（判定依据：《工贸企业重大事故隐患判定标准》第七条（四））",
            "责任：未明确；措施：未明确；资金：未明确；时限：未明确；预案：未明确",
            "原平市应急管理局",
            "无",
            "待整改",
            "",
        ],
        [
            "7", "定襄县法兰锻造厂", "定襄县", "机械", "群众举报", "定襄县应急管理局", "2025年3月14日",
            "粉尘爆炸危险场所设置在非框架结构的多层建筑物内（判定依据：《工贸企业重大事故隐患判定标准》第十二条（一））",
            "责任：未明确；措施：未明确；资金：未明确；时限：2025年4月15日；预案：未明确",
            "",
            "无",
            "待整改",
            "群众举报线索，经核查属实",
        ],
    ];
    let got = rows(&l);
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g.as_slice(), e.as_slice());
    }
    let flags: Vec<(bool, bool)> = l.rows.iter().map(|r| (r.rectified, r.overdue)).collect();
    assert_eq!(
        flags,
        [
            (false, false),
            (false, true),
            (false, true),
            (true, false),
            (true, false),
            (false, false),
            (false, false)
        ]
    );
    assert_eq!(l.rows[5].enterprise_id, fx.id("E3"));
    assert_eq!(l.rows[5].inspection_id, fx.id("I9"));
}

#[test]
fn a_week_later_the_saturday_closure_and_penalty_show() {
    let fx = fixture();
    let l = MajorHazardLedger::compute(&fx.data(), Scope::City, d("2025-03-21"));
    assert_eq!(l.rows.len(), 7);
    assert_eq!(l.rows[0].cells[11], "已完成，2025年3月12日完成整改");
    assert!(l.rows[0].rectified);
    assert_eq!(
        l.rows[5].cells[10],
        "罚款企业2万元；限期整改（原平市应急管理局，2025年3月15日）"
    );
}

#[test]
fn county_ledger_renumbers_its_own_rows() {
    let fx = fixture();
    let l =
        MajorHazardLedger::compute(&fx.data(), Scope::County(county("原平市")), d("2025-03-14"));
    assert_eq!(l.unit, "原平市");
    assert_eq!(l.rows.len(), 1);
    assert_eq!(
        &l.rows[0].cells[..3],
        ["1", "原平市铝业有限公司", "原平市（原平经济技术开发区）"]
    );
    let l =
        MajorHazardLedger::compute(&fx.data(), Scope::County(county("忻府区")), d("2025-03-14"));
    let seqs: Vec<(&str, &str)> = l
        .rows
        .iter()
        .map(|r| (r.cells[0].as_str(), r.cells[6].as_str()))
        .collect();
    assert_eq!(
        seqs,
        [
            ("1", "2024年12月16日"),
            ("2", "2025年1月8日"),
            ("3", "2025年1月9日"),
            ("4", "2025年2月20日")
        ]
    );
}

#[test]
fn before_anything_was_found_the_ledger_is_empty() {
    let fx = fixture();
    let l = MajorHazardLedger::compute(&fx.data(), Scope::City, d("2024-12-13"));
    assert!(l.rows.is_empty());
}

/// `hh:00` 北京时间 on `day`, as the unix ms a phone stamps a 办理记录 step with.
fn at(day: &str, hh: i64) -> i64 {
    (d(day).days_since_epoch() * 24 + hh - 8) * 3_600_000
}

fn review_on(date: &str, passed: bool) -> Review {
    Review {
        passed,
        ..review(date)
    }
}

/// The 整改完成情况 cell of one hazard in the city ledger for `date`, `None` when not listed.
fn completion_of(fx: &Fx, key: &str, date: &str) -> Option<(String, bool)> {
    let l = MajorHazardLedger::compute(&fx.data(), Scope::City, d(date));
    l.rows
        .iter()
        .find(|r| r.hazard_id == fx.id(key))
        .map(|r| (r.cells[11].clone(), r.rectified))
}

fn cell(text: &str, rectified: bool) -> Option<(String, bool)> {
    Some((text.to_owned(), rectified))
}

#[test]
fn a_past_ledger_shows_each_row_as_it_stood_that_day() {
    let mut fx = fixture();
    // H20 (交叉检查 03-11, 待整改 in the fixture), taken through its whole 办理 afterwards:
    // 整改 from 03-12, reported done (03-18) on 03-19, 复查 failed 03-20, reported done again
    // (03-25) that day, 复查 passed 03-26. Today it is 已销号; each Friday's ledger must not say so.
    let h = fx.hazard_mut("H20");
    h.start_rectification("企业", at("2025-03-12", 9)).unwrap();
    h.submit_for_review(d("2025-03-18"), "企业", at("2025-03-19", 9))
        .unwrap();
    h.record_review(
        review_on("2025-03-20", false),
        "检查员甲",
        at("2025-03-20", 15),
    )
    .unwrap();
    h.submit_for_review(d("2025-03-25"), "企业", at("2025-03-25", 17))
        .unwrap();
    h.record_review(
        review_on("2025-03-26", true),
        "检查员甲",
        at("2025-03-26", 10),
    )
    .unwrap();
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-11"),
        cell("待整改", false)
    );
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-14"),
        cell("整改中", false)
    );
    // Reported done on 03-19, but the date it gave went with the failed 复查.
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-19"),
        cell("待复查（已报整改完成，尚未复查销号）", false)
    );
    // The failed 复查 on 03-20 sent it back before Friday 03-21.
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-21"),
        cell("整改中", false)
    );
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-25"),
        cell("待复查（2025年3月25日完成整改，尚未复查销号）", false)
    );
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-28"),
        cell("已完成，2025年3月25日完成整改", true)
    );
}

#[test]
fn before_its_rectification_started_a_row_reads_as_open_and_then_overdue() {
    let mut fx = fixture();
    // H10 (市本级 01-08, 时限 02-28) is 整改中 today; 整改 started only on Monday 03-03.
    let h = fx.hazard_mut("H10");
    h.history[0].at = at("2025-03-03", 10);
    assert_eq!(
        completion_of(&fx, "H10", "2025-02-21"),
        cell("待整改", false)
    );
    assert_eq!(
        completion_of(&fx, "H10", "2025-02-28"),
        cell("待整改", false)
    );
    assert_eq!(
        completion_of(&fx, "H10", "2025-03-07"),
        cell("逾期未整改（整改时限：2025年2月28日）", false)
    );
}

#[test]
fn a_hazard_not_yet_found_on_the_day_is_not_in_its_ledger() {
    let mut fx = fixture();
    // H31 is found on Friday 03-14 itself: in that ledger, not in Thursday's.
    assert_eq!(completion_of(&fx, "H31", "2025-03-13"), None);
    assert_eq!(
        completion_of(&fx, "H31", "2025-03-14"),
        cell("待整改", false)
    );
    // A hazard found after its inspection (H20 written up on 03-17 for the 03-11 visit) enters
    // the ledger from the day it was found, whatever the inspection's date.
    fx.hazard_mut("H20").found_on = d("2025-03-17");
    assert_eq!(completion_of(&fx, "H20", "2025-03-14"), None);
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-21"),
        cell("待整改", false)
    );
    let l = MajorHazardLedger::compute(&fx.data(), Scope::City, d("2025-03-14"));
    assert_eq!(l.rows.len(), 6);
    let seqs: Vec<&str> = l.rows.iter().map(|r| r.cells[0].as_str()).collect();
    assert_eq!(seqs, ["1", "2", "3", "4", "5", "6"]);
}

#[test]
fn a_record_without_history_is_read_from_its_own_dates() {
    let mut fx = fixture();
    // Written by an app that kept no 办理记录: H13 待复查 (done 03-01), H2 已销号 (done 03-12,
    // 复查 03-15). The dates on the record place it; the current state only where they cannot.
    fx.hazard_mut("H13").history.clear();
    fx.hazard_mut("H2").history.clear();
    assert_eq!(
        completion_of(&fx, "H13", "2025-02-28"),
        cell("整改中", false)
    );
    assert_eq!(
        completion_of(&fx, "H13", "2025-03-07"),
        cell("待复查（2025年3月1日完成整改，尚未复查销号）", false)
    );
    assert_eq!(
        completion_of(&fx, "H2", "2025-03-14"),
        cell("待复查（2025年3月12日完成整改，尚未复查销号）", false)
    );
    assert_eq!(
        completion_of(&fx, "H2", "2025-03-21"),
        cell("已完成，2025年3月12日完成整改", true)
    );
    // 待整改 with no history: nothing tells otherwise.
    assert_eq!(
        completion_of(&fx, "H20", "2025-03-14"),
        cell("待整改", false)
    );
}
