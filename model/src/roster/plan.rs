//! Planning an import against the enterprises already stored: add, update, unchanged, refused.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::county::{County, Zone};
use crate::date::Timestamp;
use crate::enterprise::{Enterprise, RiskTag};
use crate::record::{Record, RecordMeta};
use crate::sync::{Change, Role};

use super::columns::Column;
use super::{RosterParse, RosterRow, RowError, IMPORT_DEVICE_ID};

/// What committing the file would do. Rows appear in file order within each list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportPlan {
    /// Non-blank data rows of the file.
    pub total: usize,
    pub add: Vec<PlannedAdd>,
    pub update: Vec<PlannedUpdate>,
    pub unchanged: Vec<Unchanged>,
    /// Sorted by row.
    pub errors: Vec<RowError>,
    pub warnings: Vec<RowError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAdd {
    pub row: RosterRow,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedUpdate {
    pub row: usize,
    /// The stored enterprise's `rev`, the base of the change.
    pub base_rev: i64,
    /// The stored enterprise with the row applied (its `meta` still the stored one).
    pub enterprise: Enterprise,
    pub changes: Vec<FieldChange>,
}

/// One field an update changes, shown in the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The [`Enterprise`] field (`name`, `county`, `tags`…).
    pub field: String,
    /// Its column header in the template.
    pub label: String,
    /// Both as shown to a person (county and labels by name).
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unchanged {
    pub row: usize,
    pub enterprise_id: Uuid,
    pub name: String,
    pub credit_code: String,
}

/// Plans `parsed` against `existing` (deleted ones are ignored) for an account of `role`.
///
/// Rows are matched by 统一社会信用代码. 县级 may import only its own county's rows and may
/// not move a stored enterprise to (or from) another county; 市级 may do both. Other accounts
/// may import nothing. The merged enterprise is checked with [`Enterprise::validate`] again.
pub fn plan(parsed: &RosterParse, existing: &[Enterprise], role: &Role) -> ImportPlan {
    let mut by_code: HashMap<String, Vec<&Enterprise>> = HashMap::new();
    for e in existing.iter().filter(|e| !e.meta.deleted) {
        if let Some(code) = e.parsed_credit_code() {
            by_code.entry(code.as_str().to_owned()).or_default().push(e);
        }
    }
    let mut out = ImportPlan {
        total: parsed.total,
        errors: parsed.errors.clone(),
        warnings: parsed.warnings.clone(),
        ..ImportPlan::default()
    };
    // A row held back only for its check character passes when the stored enterprise with
    // that code was confirmed against its licence by a person.
    let mut rows: Vec<&RosterRow> = parsed.rows.iter().collect();
    for row in &parsed.unverified {
        let confirmed = by_code
            .get(&row.credit_code)
            .is_some_and(|found| found.len() == 1 && found[0].credit_code_confirmed);
        if confirmed {
            out.errors
                .retain(|e| !(e.row == row.row_number && e.column_is(Column::CreditCode)));
            rows.push(row);
        }
    }
    rows.sort_by_key(|r| r.row_number);

    for row in rows {
        let error = |column: Column, message: String| RowError {
            row: row.row_number,
            column: column.header().to_owned(),
            message,
        };
        if let Some(why) = scope_refusal(role, &row.county) {
            out.errors.push(error(Column::County, why));
            continue;
        }
        let found = by_code
            .get(&row.credit_code)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let stored = match found {
            [] => {
                if let Some(same) = existing.iter().find(|e| {
                    !e.meta.deleted && e.credit_code.is_none() && e.name.trim() == row.name
                }) {
                    out.warnings.push(error(
                        Column::Name,
                        format!(
                            "系统中已有同名企业“{}”但未填统一社会信用代码，导入将另建一家。如是同一企业，请先在应用中为它补填代码再导入",
                            same.name
                        ),
                    ));
                }
                out.add.push(PlannedAdd { row: row.clone() });
                continue;
            }
            [one] => *one,
            many => {
                out.errors.push(error(
                    Column::CreditCode,
                    format!(
                        "系统中已有 {} 家企业使用这个统一社会信用代码（{}），请先在应用中删去重复的企业再导入该行",
                        many.len(),
                        many.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join("、")
                    ),
                ));
                continue;
            }
        };
        if stored.county != row.county && *role != Role::City {
            let from = county_name(&stored.county);
            out.errors.push(error(
                Column::County,
                format!(
                    "该企业在系统中属于{from}，县级账号不能变更企业所在县；如确需变更，请联系市级管理员"
                ),
            ));
            continue;
        }
        let merged = merge(stored, row);
        let problems: Vec<RowError> = merged
            .validate()
            .into_iter()
            .filter(|i| i.is_error())
            .map(|i| {
                let column = Column::by_field(&i.field).unwrap_or(Column::Name);
                error(column, i.message)
            })
            .collect();
        if !problems.is_empty() {
            out.errors.extend(problems);
            continue;
        }
        let changes = diff(stored, &merged);
        if changes.is_empty() {
            out.unchanged.push(Unchanged {
                row: row.row_number,
                enterprise_id: stored.meta.id,
                name: stored.name.clone(),
                credit_code: row.credit_code.clone(),
            });
        } else {
            out.update.push(PlannedUpdate {
                row: row.row_number,
                base_rev: stored.meta.rev,
                enterprise: merged,
                changes,
            });
        }
    }
    out.errors.sort_by_key(|e| e.row);
    out.warnings.sort_by_key(|e| e.row);
    out
}

impl RowError {
    fn column_is(&self, column: Column) -> bool {
        super::normalize_header(&self.column) == super::normalize_header(column.header())
            || Column::from_header(&self.column) == Some(column)
    }
}

/// Why `role` may not import an enterprise of `county`, or `None` when it may.
fn scope_refusal(role: &Role, county: &str) -> Option<String> {
    match role {
        Role::City => None,
        Role::County(own) if own == county => None,
        Role::County(own) => Some(format!(
            "本账号只能导入{}的企业，该行是{}。请删去该行，或由市级账号导入",
            county_name(own),
            county_name(county)
        )),
        _ => Some("只有市级、县级账号可以导入企业名单".to_owned()),
    }
}

fn county_name(code: &str) -> String {
    County::by_code(code)
        .map(|c| c.name.to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// The stored enterprise with the row's filled cells applied. The stored code's own spelling
/// is kept (it matched); a 开发区 under the old county is dropped when the row moves the
/// enterprise and names none.
fn merge(stored: &Enterprise, row: &RosterRow) -> Enterprise {
    let mut e = stored.clone();
    e.name = row.name.clone();
    e.county = row.county.clone();
    e.industry = row.industry;
    e.scale = row.scale;
    if let Some(v) = &row.address {
        e.address = v.clone();
    }
    if let Some(v) = &row.leader {
        e.leader = v.clone();
    }
    if let Some(v) = &row.phone {
        e.phone = v.clone();
    }
    if let Some(tags) = &row.tags {
        let set = |t: &[RiskTag]| t.iter().copied().collect::<BTreeSet<_>>();
        if set(tags) != set(&stored.tags) {
            e.tags = tags.clone();
        }
    }
    match &row.zone {
        Some(z) => e.zone = Some(z.clone()),
        None => {
            let elsewhere = stored
                .zone()
                .and_then(Zone::parent_county)
                .is_some_and(|c| c.code != row.county);
            if elsewhere {
                e.zone = None;
            }
        }
    }
    e
}

/// The fields that differ, as a person reads them.
fn diff(old: &Enterprise, new: &Enterprise) -> Vec<FieldChange> {
    let shown = |e: &Enterprise, c: Column| -> String {
        match c {
            Column::Name => e.name.clone(),
            Column::CreditCode => e.credit_code.clone().unwrap_or_default(),
            Column::County => county_name(&e.county),
            Column::Industry => e.industry.label().to_owned(),
            Column::Scale => e.scale.label().to_owned(),
            Column::Address => e.address.clone(),
            Column::Leader => e.leader.clone(),
            Column::Phone => e.phone.clone(),
            Column::Tags => e
                .tags
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>()
                .join("、"),
            Column::Zone => e
                .zone
                .as_deref()
                .map(|z| Zone::by_id(z).map(|z| z.name).unwrap_or(z).to_owned())
                .unwrap_or_default(),
        }
    };
    Column::ALL
        .into_iter()
        .filter_map(|c| {
            let (o, n) = (shown(old, c), shown(new, c));
            // Tags in another order are no change: merge kept the stored order then.
            (o != n).then(|| FieldChange {
                field: c.field().to_owned(),
                label: c.header().to_owned(),
                old: o,
                new: n,
            })
        })
        .collect()
}

impl ImportPlan {
    /// The plan as sync changes, made at `now` by `user`: one per added or updated
    /// enterprise, each a whole new version based on the stored `rev` (0 for a new one).
    /// New enterprises get their ids from `new_id` (a UUIDv7, see [`crate::ids`]).
    pub fn changes(
        &self,
        now: Timestamp,
        user: &str,
        new_id: &mut dyn FnMut() -> Uuid,
    ) -> Vec<Change> {
        let change = |e: &Enterprise, base_rev: i64| Change {
            id: e.meta.id,
            kind: Enterprise::KIND.to_owned(),
            base_rev,
            deleted: false,
            body: serde_json::to_value(e).unwrap_or(Value::Null),
        };
        let mut out = Vec::with_capacity(self.add.len() + self.update.len());
        for a in &self.add {
            let meta = RecordMeta::new(new_id(), now, IMPORT_DEVICE_ID, user);
            out.push(change(&a.row.enterprise(meta), 0));
        }
        for u in &self.update {
            let mut e = u.enterprise.clone();
            e.meta.touch(now, user);
            e.meta.device_id = IMPORT_DEVICE_ID.to_owned();
            out.push(change(&e, u.base_rev));
        }
        out
    }
}
