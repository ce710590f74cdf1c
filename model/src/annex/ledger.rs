//! 附件2 重大事故隐患台账: one row per 重大事故隐患 in scope found up to the date, cumulative.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::data::{place, Dataset, Found};
use super::scope::Scope;
use crate::date::Date;
use crate::hazard::{Hazard, HazardState};
use crate::penalty::Penalty;
use crate::text::non_blank;

/// 附件2 column headers, in the seed's order.
pub const LEDGER_HEADERS: [&str; 13] = [
    "序号",
    "企业名称",
    "所在市(县、区)",
    "行业类别",
    "检查环节",
    "检查单位",
    "检查时间",
    "重大隐患明细",
    "整改措施",
    "挂牌督办单位",
    "行政处罚情况",
    "整改完成情况",
    "备注",
];

/// 附件2 说明, as in the seed.
pub const LEDGER_NOTE: &str = "说明：检查环节为企业自查、市县检查、交叉检查、市级督查、群众举报；整改措施需明确整改责任、措施、资金、时限、预案；已完成整改的需在整改完成情况说明完成时间；本统计表每周五上报，为累计数据。";

/// One 台账 row: the 13 cells plus the ids the UI links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRow {
    pub hazard_id: Uuid,
    pub enterprise_id: Uuid,
    pub inspection_id: Uuid,
    /// 已整改 (销号) by the ledger's date ([`Hazard::is_rectified_by`]).
    pub rectified: bool,
    /// 逾期 at the ledger's date: not 销号 and past the 整改时限.
    pub overdue: bool,
    pub cells: [String; 13],
}

/// 附件2 for one scope as of one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MajorHazardLedger {
    /// `冶金工贸行业隐患排查整治专项行动重大事故隐患台账`
    pub title: String,
    /// 填报单位
    pub unit: String,
    /// 填报时间. Any day works (a live view); the weekly hand-in is on 周五.
    pub date: Date,
    pub scope: Scope,
    pub rows: Vec<LedgerRow>,
}

impl MajorHazardLedger {
    /// The ledger as it stood at the end of `date`: only hazards found on or before it
    /// ([`Hazard::found_on`], via `Dataset::hazards_by`), each row in the state it had then.
    pub fn compute(data: &Dataset, scope: Scope, date: Date) -> MajorHazardLedger {
        let mut found: Vec<Found> = data
            .hazards_by(scope, date)
            .into_iter()
            .filter(|f| f.hazard.is_major())
            .collect();
        found.sort_by(|a, b| {
            (
                a.inspection.date,
                &a.enterprise.name,
                a.inspection.meta.id,
                a.hazard.seq,
            )
                .cmp(&(
                    b.inspection.date,
                    &b.enterprise.name,
                    b.inspection.meta.id,
                    b.hazard.seq,
                ))
        });
        let rows = found
            .iter()
            .enumerate()
            .map(|(n, f)| row(data, f, n + 1, date))
            .collect();
        MajorHazardLedger {
            title: format!("{}重大事故隐患台账", data.campaign.short_name),
            unit: scope.name().to_owned(),
            date,
            scope,
            rows,
        }
    }
}

fn row(data: &Dataset, f: &Found, seq: usize, date: Date) -> LedgerRow {
    let (h, i, e) = (f.hazard, f.inspection, f.enterprise);
    let penalties = data.penalties_about(e.meta.id, &[i.meta.id], h.found_on, date);
    LedgerRow {
        hazard_id: h.meta.id,
        enterprise_id: e.meta.id,
        inspection_id: i.meta.id,
        rectified: h.is_rectified_by(date),
        overdue: overdue_at(h, date),
        cells: [
            seq.to_string(),
            e.name.clone(),
            place(e),
            e.industry.label().to_owned(),
            i.stage.label().to_owned(),
            i.unit.clone(),
            i.date.to_chinese(),
            detail(h),
            h.rectification.summary(),
            h.supervising_unit.clone().unwrap_or_default(),
            penalty_text(&penalties),
            completion(h, date),
            h.remark.clone(),
        ],
    }
}

/// 重大隐患明细: the description, with its 判定依据 so the row stands on its own.
fn detail(h: &Hazard) -> String {
    match non_blank(h.basis.citation()) {
        Some(c) => format!("{}（判定依据：{c}）", h.description.trim()),
        None => h.description.trim().to_owned(),
    }
}

/// 行政处罚情况: each case's summary with its unit and date, one per line; `无` when none.
pub(crate) fn penalty_text(penalties: &[&Penalty]) -> String {
    if penalties.is_empty() {
        return "无".to_owned();
    }
    penalties
        .iter()
        .map(|p| {
            format!(
                "{}（{}，{}）",
                p.summary(),
                p.unit.trim(),
                p.date.to_chinese()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// 逾期 as of `date`. Same rule as [`Hazard::is_overdue`], but "closed" means 销号 by `date`,
/// so a past week's ledger shows what was overdue then.
pub(crate) fn overdue_at(h: &Hazard, date: Date) -> bool {
    !h.is_rectified_by(date) && h.rectification.deadline.is_some_and(|d| d < date)
}

/// 整改完成情况 as of `date`: the state the hazard had at the end of that day
/// ([`Hazard::state_on`], from its 办理记录), not its state today, so a past week's ledger reads
/// as that week's paper did. 完成时间 only once 销号 by `date` (a 复查 passed on or before it).
/// Completed-but-not-yet-reviewed comes before 逾期: the enterprise did its part.
fn completion(h: &Hazard, date: Date) -> String {
    match h.state_on(date) {
        HazardState::Closed => {
            let done = h.completed_on.or(h.closed_on()).unwrap_or(date);
            format!("已完成，{}完成整改", done.to_chinese())
        }
        HazardState::AwaitingReview => match h.completed_on_as_of(date) {
            Some(done) => format!("待复查（{}完成整改，尚未复查销号）", done.to_chinese()),
            // The date the enterprise reported went with a 复查 that failed after `date`.
            None => "待复查（已报整改完成，尚未复查销号）".to_owned(),
        },
        _ if overdue_at(h, date) => {
            let d = h.rectification.deadline.unwrap_or(date);
            format!("逾期未整改（整改时限：{}）", d.to_chinese())
        }
        s => s.label().to_owned(),
    }
}
