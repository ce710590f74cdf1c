//! 附件4 县级交叉检查问题隐患情况汇总表: one row per enterprise a 交叉检查 pair inspected,
//! filled by the 受检县 as it handles what the 检查组 found.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::data::{place, push_unique, Dataset};
use super::ledger::overdue_at;
use super::scope::Scope;
use crate::campaign::CrossPair;
use crate::date::Date;
use crate::enterprise::Enterprise;
use crate::hazard::Hazard;
use crate::inspection::Inspection;
use crate::penalty::Penalty;
use crate::stage::Stage;

/// 附件4 column headers, in the seed's order (the seed's line-break spaces removed).
pub const CROSS_SUMMARY_HEADERS: [&str; 12] = [
    "序号",
    "企业名称",
    "所在县(市、区)",
    "行业",
    "检查单位",
    "检查时间",
    "一般隐患(条)",
    "重大事故隐患(条)",
    "采取的行政处罚措施",
    "行政情况",
    "整改完成情况",
    "备注",
];

/// 附件4 说明, as in the seed.
pub const CROSS_SUMMARY_NOTE: &str = "说明：本表由受检县填报";

/// One enterprise's row: the 12 cells plus the ids the UI links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossSummaryRow {
    pub enterprise_id: Uuid,
    pub inspections: Vec<Uuid>,
    pub hazards: Vec<Uuid>,
    pub penalties: Vec<Uuid>,
    pub cells: [String; 12],
}

/// 附件4 for one pair as of one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossSummary {
    /// `冶金工贸行业隐患排查整治专项行动县级交叉检查隐患情况汇总表`
    pub title: String,
    /// 填报单位: the 受检县.
    pub unit: String,
    /// 填报时间
    pub date: Date,
    pub pair: CrossPair,
    pub rows: Vec<CrossSummaryRow>,
}

impl CrossSummary {
    /// Rows for every enterprise of the 受检县 that had a 交叉检查 of this pair by `date`;
    /// several visits to one enterprise make one row. Ordered by first visit, then name.
    pub fn compute(data: &Dataset, pair: CrossPair, date: Date) -> CrossSummary {
        let scope = Scope::County(pair.inspected);
        let mut groups: Vec<(&Enterprise, Vec<&Inspection>)> = Vec::new();
        for (i, e) in data.inspections_by(scope, date) {
            if i.stage != Stage::Cross || i.cross_pair.is_some_and(|p| p != pair) {
                continue;
            }
            match groups.iter_mut().find(|(g, _)| g.meta.id == e.meta.id) {
                Some((_, list)) => list.push(i),
                None => groups.push((e, vec![i])),
            }
        }
        for (_, list) in &mut groups {
            list.sort_by_key(|i| i.date);
        }
        groups.sort_by(|a, b| (a.1[0].date, &a.0.name).cmp(&(b.1[0].date, &b.0.name)));
        let found = data.hazards_by(scope, date);
        let rows = groups
            .iter()
            .enumerate()
            .map(|(n, (e, insps))| {
                let ids: Vec<Uuid> = insps.iter().map(|i| i.meta.id).collect();
                let hazards: Vec<&Hazard> = found
                    .iter()
                    .filter(|f| ids.contains(&f.inspection.meta.id))
                    .map(|f| f.hazard)
                    .collect();
                let penalties = data.penalties_about(e.meta.id, &ids, insps[0].date, date);
                row(n + 1, e, insps, &hazards, &penalties, date)
            })
            .collect();
        CrossSummary {
            title: format!("{}县级交叉检查隐患情况汇总表", data.campaign.short_name),
            unit: pair.inspected.name.to_owned(),
            date,
            pair,
            rows,
        }
    }
}

fn row(
    seq: usize,
    e: &Enterprise,
    insps: &[&Inspection],
    hazards: &[&Hazard],
    penalties: &[&Penalty],
    date: Date,
) -> CrossSummaryRow {
    let mut units = Vec::new();
    let mut days = Vec::new();
    for i in insps {
        let unit = i.unit.trim().to_owned();
        if !unit.is_empty() && !units.contains(&unit) {
            units.push(unit);
        }
        let day = i.date.to_chinese();
        if !days.contains(&day) {
            days.push(day);
        }
    }
    let majors = hazards.iter().filter(|h| h.is_major()).count();
    let mut penalty_ids = Vec::new();
    for p in penalties {
        push_unique(&mut penalty_ids, p.meta.id);
    }
    CrossSummaryRow {
        enterprise_id: e.meta.id,
        inspections: insps.iter().map(|i| i.meta.id).collect(),
        hazards: hazards.iter().map(|h| h.meta.id).collect(),
        penalties: penalty_ids,
        cells: [
            seq.to_string(),
            e.name.clone(),
            place(e),
            e.industry.label().to_owned(),
            units.join("、"),
            days.join("、"),
            (hazards.len() - majors).to_string(),
            majors.to_string(),
            measures_text(penalties),
            cases_text(penalties),
            completion(hazards, date),
            String::new(),
        ],
    }
}

/// 采取的行政处罚措施: what each case imposed (fines and measures); `无` when nothing yet.
fn measures_text(penalties: &[&Penalty]) -> String {
    if penalties.is_empty() {
        return "无".to_owned();
    }
    let parts: Vec<String> = penalties.iter().map(|p| p.summary()).collect();
    parts.join("\n")
}

/// 行政情况: who decided each case, when, and its 决定书文号.
fn cases_text(penalties: &[&Penalty]) -> String {
    let parts: Vec<String> = penalties
        .iter()
        .map(|p| {
            let mut s = format!("{} {}", p.unit.trim(), p.date.to_chinese());
            if !p.decision_number.trim().is_empty() {
                s.push(' ');
                s.push_str(p.decision_number.trim());
            }
            s
        })
        .collect();
    parts.join("\n")
}

/// 整改完成情况 as of `date`: all done (with the last completion date) or how many remain.
fn completion(hazards: &[&Hazard], date: Date) -> String {
    if hazards.is_empty() {
        return "未发现隐患".to_owned();
    }
    let done: Vec<&&Hazard> = hazards.iter().filter(|h| h.is_rectified_by(date)).collect();
    if done.len() == hazards.len() {
        let last = done
            .iter()
            .filter_map(|h| h.completed_on.or(h.closed_on()))
            .max()
            .unwrap_or(date);
        return format!("已全部完成整改，{}完成", last.to_chinese());
    }
    let overdue = hazards.iter().filter(|h| overdue_at(h, date)).count();
    let mut s = format!(
        "已整改{}条，未整改{}条",
        done.len(),
        hazards.len() - done.len()
    );
    if overdue > 0 {
        s.push_str(&format!("（其中逾期{overdue}条）"));
    }
    s
}
