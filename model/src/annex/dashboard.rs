//! 工作台: per county, hazards found / rectified / overdue and major ones open, plus the
//! weekly trend of what was found, for the office's phone or desk.

use serde::{Deserialize, Serialize};

use super::data::Dataset;
use super::ledger::overdue_at;
use super::scope::Scope;
use crate::campaign::ReportWeek;
use crate::county::County;
use crate::date::Date;
use crate::hazard::Hazard;

/// The four dashboard numbers, all stages (市级督查 and 群众举报 included) and both kinds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardCounts {
    /// 发现隐患
    pub found: usize,
    /// 已整改 (销号)
    pub rectified: usize,
    /// 逾期
    pub overdue: usize,
    /// 重大事故隐患未销号
    pub major_open: usize,
}

impl HazardCounts {
    fn add(&mut self, h: &Hazard, today: Date) {
        let done = h.is_rectified_by(today);
        self.found += 1;
        self.rectified += usize::from(done);
        self.overdue += usize::from(overdue_at(h, today));
        self.major_open += usize::from(h.is_major() && !done);
    }
}

/// One county's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountyStats {
    pub county: County,
    pub counts: HazardCounts,
}

/// Hazards found in one report week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekPoint {
    pub week: ReportWeek,
    /// 一般隐患
    pub general: usize,
    /// 重大事故隐患
    pub major: usize,
}

/// 工作台 for one scope as of `today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub today: Date,
    pub scope: Scope,
    pub total: HazardCounts,
    /// Every county of the scope in code order, zero lines included so a silent county shows.
    pub counties: Vec<CountyStats>,
    /// Report weeks from the campaign's first up to the one holding `today`.
    pub trend: Vec<WeekPoint>,
}

impl Dashboard {
    pub fn compute(data: &Dataset, scope: Scope, today: Date) -> Dashboard {
        let counties: Vec<County> = match scope {
            Scope::City => County::all().to_vec(),
            Scope::County(c) => vec![c],
        };
        let mut stats: Vec<CountyStats> = counties
            .into_iter()
            .map(|county| CountyStats {
                county,
                counts: HazardCounts::default(),
            })
            .collect();
        let mut trend: Vec<WeekPoint> = data
            .campaign
            .report_weeks()
            .into_iter()
            .filter(|w| w.start <= today)
            .map(|week| WeekPoint {
                week,
                general: 0,
                major: 0,
            })
            .collect();
        let mut total = HazardCounts::default();
        for f in data.hazards_by(scope, today) {
            let h = f.hazard;
            total.add(h, today);
            if let Some(s) = stats
                .iter_mut()
                .find(|s| s.county.code == f.enterprise.county.trim())
            {
                s.counts.add(h, today);
            }
            if let Some(p) = trend.iter_mut().find(|p| p.week.contains(h.found_on)) {
                if h.is_major() {
                    p.major += 1;
                } else {
                    p.general += 1;
                }
            }
        }
        Dashboard {
            today,
            scope,
            total,
            counties: stats,
            trend,
        }
    }
}
