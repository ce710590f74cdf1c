//! 隐患计数: the four numbers 附件1 repeats for every group (一般/重大, found/已整改).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::date::Date;
use crate::hazard::Hazard;

/// Which of the four numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardCount {
    /// 发现一般问题隐患
    GeneralFound,
    /// 一般问题隐患已整改
    GeneralRectified,
    /// 重大事故隐患
    MajorFound,
    /// 重大事故隐患已整改
    MajorRectified,
}

impl HazardCount {
    pub const ALL: [HazardCount; 4] = [
        HazardCount::GeneralFound,
        HazardCount::GeneralRectified,
        HazardCount::MajorFound,
        HazardCount::MajorRectified,
    ];
}

/// The hazard ids behind the four numbers; each number is the length of its list, so a figure
/// and the list it links to can never disagree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardTally {
    pub general: Vec<Uuid>,
    pub general_rectified: Vec<Uuid>,
    pub major: Vec<Uuid>,
    pub major_rectified: Vec<Uuid>,
}

impl HazardTally {
    /// Counts a hazard found by `date`; 已整改 only when 销号 on or before `date`: the one rule
    /// of [`Hazard::is_rectified_by`] (its state at the end of `date`, from the 办理记录), the
    /// same the 附件2 row for that date shows.
    pub fn add(&mut self, h: &Hazard, date: Date) {
        let rectified = h.is_rectified_by(date);
        let (found, done) = if h.is_major() {
            (&mut self.major, &mut self.major_rectified)
        } else {
            (&mut self.general, &mut self.general_rectified)
        };
        found.push(h.meta.id);
        if rectified {
            done.push(h.meta.id);
        }
    }

    pub fn ids(&self, c: HazardCount) -> &[Uuid] {
        match c {
            HazardCount::GeneralFound => &self.general,
            HazardCount::GeneralRectified => &self.general_rectified,
            HazardCount::MajorFound => &self.major,
            HazardCount::MajorRectified => &self.major_rectified,
        }
    }

    pub fn count(&self, c: HazardCount) -> usize {
        self.ids(c).len()
    }

    /// `发现一般问题隐患N条，已整改N条；重大事故隐患N条，已整改N条` (附件1 wording).
    pub fn sentence(&self) -> String {
        format!(
            "发现一般问题隐患{}条，已整改{}条；重大事故隐患{}条，已整改{}条",
            self.general.len(),
            self.general_rectified.len(),
            self.major.len(),
            self.major_rectified.len()
        )
    }
}
