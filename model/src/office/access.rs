//! Where an office record belongs and who may write it. The server asks these on every push,
//! the PWA to decide what it shows as editable: one rule, written once.

use crate::county::County;
use crate::record::Record;
use crate::sync::{RecordScope, Role};

use super::note::WeeklyNote;
use super::plan::CrossPlanRecord;

pub const ENTERPRISE_CANNOT_WRITE: &str =
    "企业账号不能填写周调度文字或交叉检查工作安排，这些由县级、市级应急管理部门填写。";
pub const CROSS_CANNOT_WRITE: &str =
    "交叉检查组账号不能修改周调度文字或交叉检查工作安排，请由检查方县级账号填写。";

/// The scope of an office record, from its own key fields (an office record names no
/// enterprise, so nothing stored on the server can say otherwise):
///
/// - a weekly note: its county; the city's own note has none, so only 市级 sees it;
/// - a cross plan: the 检查方 county. The plan is the inspecting county's working arrangement,
///   and which enterprises are drawn (抽检) must not reach the 受检县 before the inspection, so
///   neither the 受检县's office nor a 交叉检查组 account (bound to the 受检县) receives it.
pub fn office_scope(county: Option<&str>) -> RecordScope {
    RecordScope {
        county: county.map(str::to_owned),
        enterprise_id: None,
        stage_key: None,
    }
}

/// Why `role` may not write an office record of `kind` whose scope county is `county`
/// (see [`office_scope`]), or `None` when it may. 市级 writes any; 县级 only its own county's;
/// 交叉检查组 and 企业 none.
pub fn write_refusal(role: &Role, kind: &str, county: Option<&str>) -> Option<String> {
    let what = if kind == CrossPlanRecord::KIND {
        "交叉检查工作安排"
    } else {
        debug_assert_eq!(kind, WeeklyNote::KIND);
        "周调度文字（附件1）"
    };
    match role {
        Role::City => None,
        Role::County(own) if county == Some(own.as_str()) => None,
        Role::County(own) => {
            let mine = County::by_code(own).map_or(own.as_str(), |c| c.name);
            let theirs = match county.and_then(County::by_code) {
                Some(c) => c.name.to_owned(),
                None if kind == WeeklyNote::KIND => "市本级".to_owned(),
                None => "其他县（市、区）".to_owned(),
            };
            let whose = if kind == CrossPlanRecord::KIND {
                format!("{mine}作为检查方的")
            } else {
                format!("{mine}的")
            };
            Some(format!(
                "县级账号只能填写{whose}{what}，不能修改{theirs}的。请在报表页选择本县（市、区）后再填写。"
            ))
        }
        Role::CrossTeam { .. } => Some(CROSS_CANNOT_WRITE.to_owned()),
        Role::Enterprise(_) => Some(ENTERPRISE_CANNOT_WRITE.to_owned()),
    }
}
