//! 附件1 周调度统计表: rows 2–5 counted from the records, cumulative from the campaign's start
//! to the report day (周五); rows 1, 6, 7, 8 are the county's own text ([`WeeklyNarrative`]).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::data::{push_unique, Dataset};
use super::error::AnnexError;
use super::narrative::WeeklyNarrative;
use super::scope::Scope;
use super::tally::HazardTally;
use crate::campaign::ReportWeek;
use crate::county::County;
use crate::date::{weekday_label, Date};
use crate::enterprise::PairRole;
use crate::money::Money;
use crate::penalty::Measure;
use crate::stage::{Level, Stage};

/// 附件1 column headers.
pub const WEEKLY_HEADERS: [&str; 4] = ["序号", "类别", "要点", "备注"];

/// 附件1 说明, as in the seed.
pub const WEEKLY_NOTE: &str = "说明：按照工作部署，周调度表每周五汇总。其中，调度事项中需要概述工作简要情况的，按每周实际工作情况填写；其余信息，填报自专项行动部署以来的累计数据，逐周累加更新。";

/// Row 2 企业自查自改. The seed's 要点: "**家企业制定了自查自改工作方案，发现一般问题隐患**条，
/// 已整改**条；重大事故隐患**条，已整改**条（其中确定标杆企业**家，帮扶企业**家，发现一般问题隐患
/// **条，已整改**条；重大事故隐患**条，已整改**条）。"
///
/// Which side is which (通知 三（一）二): "分行业选取标杆企业作为帮扶方，与中小微企业建立结对帮扶关系，
/// 发挥帮扶企业技术、人才和管理优势，解决被帮扶企业人才短缺、安全基础薄弱等问题。" The 标杆企业 is the
/// 帮扶方 (the body calls it 帮扶企业 too); the 中小微企业 are the 被帮扶企业. Were row 2's
/// "帮扶企业**家" the helping side again it would repeat "确定标杆企业**家", so it is read as the
/// enterprises taken into 帮扶, the 被帮扶方 ([`PairRole::Helped`]). The sentence keeps the seed's
/// words for the Excel file; the 报表 screen says beside each count which side it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfInspectionRow {
    /// Enterprises with a 自查自改工作方案 by the report day.
    pub plans: Vec<Uuid>,
    /// Hazards of 企业自查 inspections.
    pub hazards: HazardTally,
    /// 确定标杆企业**家: the 帮扶方 ([`PairRole::Benchmark`]).
    pub benchmarks: Vec<Uuid>,
    /// 帮扶企业**家: the enterprises being helped, the 被帮扶方 ([`PairRole::Helped`]).
    pub helped: Vec<Uuid>,
    /// 其中: the 企业自查 hazards of enterprises in a 结对帮扶 pair (either side). 已整改 as in
    /// every tally: 销号 by the report day ([`crate::hazard::Hazard::is_rectified_by`]).
    pub paired_hazards: HazardTally,
}

impl SelfInspectionRow {
    pub fn sentence(&self) -> String {
        format!(
            "{}家企业制定了自查自改工作方案，{}（其中确定标杆企业{}家，帮扶企业{}家，{}）。",
            self.plans.len(),
            self.hazards.sentence(),
            self.benchmarks.len(),
            self.helped.len(),
            self.paired_hazards.sentence()
        )
    }
}

/// Enterprises checked and what was found, for one group of inspections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedRow {
    /// Distinct enterprises checked.
    pub enterprises: Vec<Uuid>,
    pub hazards: HazardTally,
}

/// Row 3 市县联合检查: 市本级 and 县级 counted apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointRow {
    pub city: CheckedRow,
    pub county: CheckedRow,
}

impl JointRow {
    pub fn sentence(&self) -> String {
        format!(
            "市本级检查{}家企业，{}。县级共检查{}家企业，{}。",
            self.city.enterprises.len(),
            self.city.hazards.sentence(),
            self.county.enterprises.len(),
            self.county.hazards.sentence()
        )
    }
}

/// Row 4 县级交叉检查.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossRow {
    /// 受检县: counties whose enterprises had a 交叉检查.
    pub counties: Vec<County>,
    /// The 交叉检查 inspections themselves (what the county count links to).
    pub inspections: Vec<Uuid>,
    pub checked: CheckedRow,
}

impl CrossRow {
    /// The seed names the county count twice ("对**县…，**县的**家企业"); both are 受检县.
    pub fn sentence(&self) -> String {
        let n = self.counties.len();
        format!(
            "对{n}县开展了交叉检查，{n}县的{}家企业，{}。",
            self.checked.enterprises.len(),
            self.checked.hazards.sentence()
        )
    }
}

/// Row 5 行政处罚. Enterprise lists are distinct enterprises (the seed counts 家).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyRow {
    /// 处罚企业: enterprises fined.
    pub fined_enterprises: Vec<Uuid>,
    /// The cases with an enterprise fine (behind 合计).
    pub enterprise_fine_cases: Vec<Uuid>,
    pub enterprise_fine_total: Money,
    /// 处罚主要负责人 人数: distinct persons (enterprise + name) fined.
    pub leaders_fined: usize,
    /// The cases with a 主要负责人 fine.
    pub leader_fine_cases: Vec<Uuid>,
    pub leader_fine_total: Money,
    /// 限期整改 enterprises
    pub rectify_by_deadline: Vec<Uuid>,
    /// 停产整改 enterprises
    pub suspended: Vec<Uuid>,
    /// 取缔关闭 enterprises
    pub closed: Vec<Uuid>,
}

impl PenaltyRow {
    pub fn sentence(&self) -> String {
        format!(
            "处罚企业{}家，合计处罚{}万元，处罚企业主要负责人{}人，合计处罚{}万元；限期整改{}家，停产整改{}家，取缔关闭{}家。",
            self.fined_enterprises.len(),
            self.enterprise_fine_total.wan_string(),
            self.leaders_fined,
            self.leader_fine_total.wan_string(),
            self.rectify_by_deadline.len(),
            self.suspended.len(),
            self.closed.len()
        )
    }
}

/// One of the eight rows as printed: 序号 / 类别 / 要点 / 备注.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyRow {
    pub seq: u8,
    pub category: &'static str,
    pub content: String,
    pub note: &'static str,
}

/// 附件1 周调度统计表 for one scope and one report day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyReport {
    pub campaign_id: String,
    /// `冶金工贸行业隐患排查整治专项行动周调度统计表`
    pub title: String,
    /// 填报单位 (defaults to the scope's name; the caller may set the office's name).
    pub unit: String,
    pub scope: Scope,
    /// The week reported; `week.end` is the 填报时间.
    pub week: ReportWeek,
    pub self_inspection: SelfInspectionRow,
    pub joint: JointRow,
    pub cross: CrossRow,
    pub penalties: PenaltyRow,
    pub narrative: WeeklyNarrative,
}

impl WeeklyReport {
    /// Computes the report for `report_date`, which must be one of the campaign's report days.
    pub fn compute(
        data: &Dataset,
        scope: Scope,
        report_date: Date,
        narrative: WeeklyNarrative,
    ) -> Result<WeeklyReport, AnnexError> {
        let week = report_week(data, report_date)?;
        let date = week.end;
        Ok(WeeklyReport {
            campaign_id: data.campaign.id.clone(),
            title: format!("{}周调度统计表", data.campaign.short_name),
            unit: scope.name().to_owned(),
            scope,
            week,
            self_inspection: self_inspection(data, scope, date),
            joint: JointRow {
                city: checked(data, scope, date, Stage::CityCounty(Level::City)),
                county: checked(data, scope, date, Stage::CityCounty(Level::County)),
            },
            cross: cross(data, scope, date),
            penalties: penalties(data, scope, date),
            narrative,
        })
    }

    pub fn report_date(&self) -> Date {
        self.week.end
    }

    /// The eight rows in the seed's order, rows 2–5 as filled-in sentences.
    pub fn rows(&self) -> [WeeklyRow; 8] {
        let n = &self.narrative;
        let row = |seq, category, content: String, note| WeeklyRow {
            seq,
            category,
            content,
            note,
        };
        [
            row(
                1,
                "部署推进",
                n.deployment.clone(),
                "各地情况不同，按实际进展填写即可，每周汇总。",
            ),
            row(2, "企业自查自改", self.self_inspection.sentence(), ""),
            row(3, "市县联合检查", self.joint.sentence(), ""),
            row(4, "县级交叉检查", self.cross.sentence(), "工作开展后填写。"),
            row(5, "行政处罚", self.penalties.sentence(), ""),
            row(6, "宣传曝光", n.publicity.clone(), ""),
            row(7, "存在问题", n.problems.clone(), ""),
            row(8, "意见建议", n.suggestions.clone(), ""),
        ]
    }
}

/// The report week ending on `date`; refuses a day that is not one of the campaign's report days.
fn report_week(data: &Dataset, date: Date) -> Result<ReportWeek, AnnexError> {
    let c = data.campaign;
    let weekday = weekday_label(c.report_weekday);
    if date.weekday() != c.report_weekday {
        return Err(AnnexError::NotReportDay {
            date: date.to_chinese(),
            weekday,
            next: format!("{}（{weekday}）", c.next_report_day(date).to_chinese()),
        });
    }
    c.report_weeks()
        .into_iter()
        .find(|w| w.end == date)
        .ok_or_else(|| AnnexError::OutsideCampaign {
            date: date.to_chinese(),
            start: c.start.to_chinese(),
            end: c.end.to_chinese(),
        })
}

fn self_inspection(data: &Dataset, scope: Scope, date: Date) -> SelfInspectionRow {
    let mut row = SelfInspectionRow::default();
    for e in data.live_enterprises(scope) {
        // A plan dated before this campaign belongs to an earlier one: the field is not per
        // campaign, and 附件1 counts what was done "自专项行动部署以来".
        if e.self_inspection_plan_on
            .is_some_and(|d| data.campaign.start <= d && d <= date)
        {
            row.plans.push(e.meta.id);
        }
        match e.pairing.as_ref().map(|p| p.role) {
            Some(PairRole::Benchmark) => row.benchmarks.push(e.meta.id),
            Some(PairRole::Helped) => row.helped.push(e.meta.id),
            None => {}
        }
    }
    for f in data.hazards_by(scope, date) {
        if f.inspection.stage != Stage::SelfInspection {
            continue;
        }
        row.hazards.add(f.hazard, date);
        if f.enterprise.pairing.is_some() {
            row.paired_hazards.add(f.hazard, date);
        }
    }
    row
}

fn checked(data: &Dataset, scope: Scope, date: Date, stage: Stage) -> CheckedRow {
    let mut row = CheckedRow::default();
    for (i, e) in data.inspections_by(scope, date) {
        if i.stage == stage {
            push_unique(&mut row.enterprises, e.meta.id);
        }
    }
    for f in data.hazards_by(scope, date) {
        if f.inspection.stage == stage {
            row.hazards.add(f.hazard, date);
        }
    }
    row
}

fn cross(data: &Dataset, scope: Scope, date: Date) -> CrossRow {
    let mut row = CrossRow {
        checked: checked(data, scope, date, Stage::Cross),
        ..CrossRow::default()
    };
    for (i, e) in data.inspections_by(scope, date) {
        if i.stage != Stage::Cross {
            continue;
        }
        row.inspections.push(i.meta.id);
        // The enterprise's own county, not the plan's: a zone enterprise counts under its county.
        if let Some(c) = e.county() {
            if !row.counties.contains(&c) {
                row.counties.push(c);
            }
        }
    }
    row
}

fn penalties(data: &Dataset, scope: Scope, date: Date) -> PenaltyRow {
    let mut row = PenaltyRow::default();
    let mut leaders: Vec<(Uuid, String)> = Vec::new();
    for (p, e) in data.penalties_by(scope, date) {
        let id = e.meta.id;
        if p.fines_enterprise() {
            push_unique(&mut row.fined_enterprises, id);
            row.enterprise_fine_cases.push(p.meta.id);
            row.enterprise_fine_total = row.enterprise_fine_total + p.enterprise_fine;
        }
        if p.leaders_fined() > 0 {
            row.leader_fine_cases.push(p.meta.id);
            row.leader_fine_total = row.leader_fine_total + p.leader_total();
        }
        // The same 主要负责人 fined on two cases is one person (人数).
        for f in p.leader_fines.iter().filter(|f| !f.amount.is_zero()) {
            let who = (id, f.name.trim().to_owned());
            if !leaders.contains(&who) {
                leaders.push(who);
            }
        }
        for (m, list) in [
            (Measure::RectifyByDeadline, &mut row.rectify_by_deadline),
            (Measure::SuspendProduction, &mut row.suspended),
            (Measure::Close, &mut row.closed),
        ] {
            if p.has(m) {
                push_unique(list, id);
            }
        }
    }
    row.leaders_fined = leaders.len();
    row
}
