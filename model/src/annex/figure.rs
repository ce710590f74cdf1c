//! Every number of 附件1 and the records behind it, so the UI can link a figure to its list.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::tally::{HazardCount, HazardTally};
use super::weekly::WeeklyReport;
use crate::enterprise::Enterprise;
use crate::hazard::Hazard;
use crate::inspection::Inspection;
use crate::penalty::Penalty;
use crate::record::Record;

/// 附件1 figure, named by its row and wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// 2: **家企业制定了自查自改工作方案
    SelfPlans,
    /// 2: 企业自查 hazards
    SelfHazards(HazardCount),
    /// 2: 确定标杆企业**家
    Benchmarks,
    /// 2: 帮扶企业**家
    Helped,
    /// 2: 其中 结对帮扶 hazards
    PairedHazards(HazardCount),
    /// 3: 市本级检查**家企业
    CityEnterprises,
    CityHazards(HazardCount),
    /// 3: 县级共检查**家企业
    CountyEnterprises,
    CountyHazards(HazardCount),
    /// 4: 对**县开展了交叉检查
    CrossCounties,
    /// 4: **家企业
    CrossEnterprises,
    CrossHazards(HazardCount),
    /// 5: 处罚企业**家
    FinedEnterprises,
    /// 5: 合计处罚**万元 (enterprises)
    EnterpriseFineTotal,
    /// 5: 处罚企业主要负责人**人
    FinedLeaders,
    /// 5: 合计处罚**万元 (主要负责人)
    LeaderFineTotal,
    /// 5: 限期整改**家
    RectifyByDeadline,
    /// 5: 停产整改**家
    SuspendProduction,
    /// 5: 取缔关闭**家
    Closed,
}

impl Figure {
    /// All figures in reading order.
    pub fn all() -> Vec<Figure> {
        let hz = |f: fn(HazardCount) -> Figure| HazardCount::ALL.map(f);
        let mut v = vec![Figure::SelfPlans];
        v.extend(hz(Figure::SelfHazards));
        v.extend([Figure::Benchmarks, Figure::Helped]);
        v.extend(hz(Figure::PairedHazards));
        v.push(Figure::CityEnterprises);
        v.extend(hz(Figure::CityHazards));
        v.push(Figure::CountyEnterprises);
        v.extend(hz(Figure::CountyHazards));
        v.extend([Figure::CrossCounties, Figure::CrossEnterprises]);
        v.extend(hz(Figure::CrossHazards));
        v.extend([
            Figure::FinedEnterprises,
            Figure::EnterpriseFineTotal,
            Figure::FinedLeaders,
            Figure::LeaderFineTotal,
            Figure::RectifyByDeadline,
            Figure::SuspendProduction,
            Figure::Closed,
        ]);
        v
    }
}

/// The list behind a figure: which kind of record ([`Record::KIND`]) and their ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Behind {
    pub kind: &'static str,
    pub ids: Vec<Uuid>,
}

impl WeeklyReport {
    /// The records behind a figure. Counts of 家 list enterprises, hazard counts list hazards,
    /// 万元 sums and 人数 list the penalty cases, the 受检县 count lists the 交叉检查 inspections.
    pub fn records_behind(&self, f: Figure) -> Behind {
        let (s, j, c, p) = (
            &self.self_inspection,
            &self.joint,
            &self.cross,
            &self.penalties,
        );
        let ent = |ids: &[Uuid]| behind(Enterprise::KIND, ids);
        let hz = |t: &HazardTally, n| behind(Hazard::KIND, t.ids(n));
        let pen = |ids: &[Uuid]| behind(Penalty::KIND, ids);
        match f {
            Figure::SelfPlans => ent(&s.plans),
            Figure::SelfHazards(n) => hz(&s.hazards, n),
            Figure::Benchmarks => ent(&s.benchmarks),
            Figure::Helped => ent(&s.helped),
            Figure::PairedHazards(n) => hz(&s.paired_hazards, n),
            Figure::CityEnterprises => ent(&j.city.enterprises),
            Figure::CityHazards(n) => hz(&j.city.hazards, n),
            Figure::CountyEnterprises => ent(&j.county.enterprises),
            Figure::CountyHazards(n) => hz(&j.county.hazards, n),
            Figure::CrossCounties => behind(Inspection::KIND, &c.inspections),
            Figure::CrossEnterprises => ent(&c.checked.enterprises),
            Figure::CrossHazards(n) => hz(&c.checked.hazards, n),
            Figure::FinedEnterprises => ent(&p.fined_enterprises),
            Figure::EnterpriseFineTotal => pen(&p.enterprise_fine_cases),
            Figure::FinedLeaders | Figure::LeaderFineTotal => pen(&p.leader_fine_cases),
            Figure::RectifyByDeadline => ent(&p.rectify_by_deadline),
            Figure::SuspendProduction => ent(&p.suspended),
            Figure::Closed => ent(&p.closed),
        }
    }

    /// The figure as printed in the sentence: a count, or a 万元 amount without the unit.
    pub fn value(&self, f: Figure) -> String {
        match f {
            Figure::CrossCounties => self.cross.counties.len().to_string(),
            Figure::FinedLeaders => self.penalties.leaders_fined.to_string(),
            Figure::EnterpriseFineTotal => self.penalties.enterprise_fine_total.wan_string(),
            Figure::LeaderFineTotal => self.penalties.leader_fine_total.wan_string(),
            _ => self.records_behind(f).ids.len().to_string(),
        }
    }
}

fn behind(kind: &'static str, ids: &[Uuid]) -> Behind {
    Behind {
        kind,
        ids: ids.to_vec(),
    }
}
