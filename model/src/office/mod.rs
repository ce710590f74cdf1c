//! 办公记录: what the offices write themselves and used to keep on one device only — 附件1's
//! weekly text rows ([`WeeklyNote`]) and the 交叉检查 工作安排 ([`CrossPlanRecord`]). They are
//! synced records like any other, so a second clerk, a new phone or a cleared browser keeps them
//! and the city sees every county's.
//!
//! Two rules set them apart from field records:
//!
//! - **Derived ids** ([`office_record_id`]): there is one note per (campaign, scope, week) and
//!   one plan per (campaign, pair), so the id is computed from those keys. Two clerks who start
//!   "this week's text" on two devices write the SAME record, and the normal conflict path
//!   merges them field by field (see [`merge_base`]).
//! - **No enterprise**: their scope is a county taken from their own key fields
//!   ([`office_scope`]), checked against the account by [`write_refusal`].

mod access;
mod id;
mod note;
mod plan;

pub use access::{office_scope, write_refusal, CROSS_CANNOT_WRITE, ENTERPRISE_CANNOT_WRITE};
pub use id::office_record_id;
pub use note::{combined_narrative, WeeklyNote, CITY_SCOPE_KEY};
pub use plan::{CrossPlanRecord, MAX_PLAN_ENTERPRISES};

use serde_json::Value;

use crate::record::Record;

/// The record kinds of this module.
pub const OFFICE_KINDS: [&str; 2] = [WeeklyNote::KIND, CrossPlanRecord::KIND];

/// Whether `kind` is an office record (derived id, no enterprise).
pub fn is_office_kind(kind: &str) -> bool {
    OFFICE_KINDS.contains(&kind)
}

/// The merge base of an office record this device has never had acknowledged by the server.
///
/// A field record made on a device is new everywhere else, so without a base the sync engine
/// uses the server's version (every local difference is a local edit). An office record's id is
/// shared: another clerk may have created the same week's note meanwhile, and both started
/// from the BLANK record. Using the blank record as base keeps both: one clerk's row 6 and the
/// other's row 7 each count as that side's edit; the same row written differently on both is a
/// field conflict for the user, as for any record. `local` is the device's body; the base is
/// that body with every content field emptied (key fields and `meta` kept).
pub fn merge_base(kind: &str, local: &Value) -> Option<Value> {
    let mut base = local.clone();
    let obj = base.as_object_mut()?;
    match kind {
        k if k == WeeklyNote::KIND => {
            obj.insert(
                "text".into(),
                serde_json::to_value(crate::annex::WeeklyNarrative::default()).ok()?,
            );
        }
        k if k == CrossPlanRecord::KIND => {
            // No dates yet: two different first choices are a conflict, the same one is not.
            obj.remove("start");
            obj.remove("end");
            obj.insert("enterprises".into(), Value::Array(Vec::new()));
        }
        _ => return None,
    }
    if let Some(meta) = obj.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("deleted".into(), false.into());
    }
    Some(base)
}

/// A title for an office record's body, for the conflict view and refusal lists (which hold
/// bodies, not kinds), e.g. `附件1周调度文字：忻府区，2025年3月14日`; `None` for other records.
pub fn describe(body: &Value) -> Option<String> {
    if let Ok(n) = serde_json::from_value::<WeeklyNote>(body.clone()) {
        let scope = match n.county.as_deref() {
            None => "市本级",
            Some(code) => crate::county::County::by_code(code).map_or(code, |c| c.name),
        };
        return Some(format!("附件1周调度文字：{scope}，{}", n.week.to_chinese()));
    }
    let p = serde_json::from_value::<CrossPlanRecord>(body.clone()).ok()?;
    Some(format!(
        "交叉检查工作安排：{}检查{}",
        p.pair.inspector.name, p.pair.inspected.name
    ))
}

#[cfg(test)]
mod tests;
