//! The records a report is computed from: the live enterprises, inspections, hazards and
//! penalties the caller may see, parsed into the model's types, and the ones in the caller's
//! scope that could not be read ([`Unreadable`]), so every report can say what it left out.

use model::accept::AnyRecord;
use model::annex::{Records, Scope};
use model::enterprise::Enterprise;
use model::hazard::Hazard;
use model::inspection::Inspection;
use model::penalty::Penalty;
use model::record::Record;
use model::sync::{may_see, RecordScope, Role};
use serde_json::Value;
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppError;
use crate::with_pool;

/// (id, kind, body, county, enterprise_id, stage_key)
type Row = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

// Tombstones are left out here already (the model would skip them too). `NOT deleted` reads
// the same on SQLite's 0/1 column and PostgreSQL's BOOLEAN.
const SELECT_ALL: &str = "SELECT id, kind, body, county, enterprise_id, stage_key FROM records \
     WHERE NOT deleted AND kind IN ($1, $2, $3, $4)";
const SELECT_COUNTY: &str = "SELECT id, kind, body, county, enterprise_id, stage_key FROM records \
     WHERE NOT deleted AND kind IN ($1, $2, $3, $4) AND county = $5";

/// A stored record in the caller's scope whose body the model cannot read (an old client's, a
/// hand edit). It is not counted, and every report built without it says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: String,
    /// [`Record::KIND`] of the stored row, e.g. `hazard`.
    pub kind: String,
    /// Why, in Chinese, naming the field (for the log and the administrator).
    pub reason: String,
}

/// What [`load`] read: the records to compute from and the ones it had to leave out.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub records: Records,
    /// Ordered by id (UUIDv7: oldest first), so the report's list is stable.
    pub unreadable: Vec<Unreadable>,
}

/// Loads what `role` may see for a report over `scope`.
///
/// A 县级 or 交叉检查组 account reads by the indexed `county` column, exactly what it could
/// pull. 市级 reads everything even for one county: the model then decides by each
/// enterprise's own county ([`Scope::includes`]), so a record whose `county` column is empty
/// (pushed before its enterprise) still counts where its enterprise is.
///
/// A body that does not parse is left out of the records (one bad record must not block every
/// office's weekly report) but listed in [`Loaded::unreadable`] when it belongs to `scope`:
/// its `county` column is the scope's county, or empty (it might be this county's; better to
/// say so than to drop it silently).
pub async fn load(db: &Db, role: &Role, scope: Scope) -> Result<Loaded, AppError> {
    let county = match (role, scope) {
        (Role::City, _) => None,
        (_, Scope::County(c)) => Some(c.code),
        // Callers resolve a county account's scope to its county (see `scope_for`).
        (_, Scope::City) => role.county(),
    };
    let kinds = [
        Enterprise::KIND,
        Inspection::KIND,
        Hazard::KIND,
        Penalty::KIND,
    ];
    let rows: Vec<Row> = with_pool!(db, pool => {
        let mut q = sqlx::query_as(if county.is_some() { SELECT_COUNTY } else { SELECT_ALL });
        for k in kinds {
            q = q.bind(k);
        }
        if let Some(c) = county {
            q = q.bind(c);
        }
        q.fetch_all(pool).await
    })?;
    let mut out = Loaded::default();
    for (id, kind, body, county, enterprise_id, stage_key) in rows {
        let record_scope = RecordScope {
            county,
            enterprise_id: enterprise_id.and_then(|e| Uuid::parse_str(&e).ok()),
            stage_key,
        };
        // The full access rule, as for a pull (the SQL only narrowed by county).
        if !may_see(role, &record_scope) {
            continue;
        }
        let reason = match parse(&kind, &body) {
            Ok(record) => {
                add(&mut out.records, record);
                continue;
            }
            Err(reason) => reason,
        };
        tracing::warn!(%id, kind, %reason, "report: left out a record whose body does not parse");
        if in_scope(scope, record_scope.county.as_deref()) {
            out.unreadable.push(Unreadable { id, kind, reason });
        }
    }
    out.unreadable.sort_by(|a, b| a.id.cmp(&b.id));
    if !out.unreadable.is_empty() {
        tracing::warn!(
            unreadable = out.unreadable.len(),
            "report computed without the records that do not parse"
        );
    }
    Ok(out)
}

/// Whether an unreadable record with this `county` column belongs to a report over `scope`.
fn in_scope(scope: Scope, county: Option<&str>) -> bool {
    match (scope, county.map(str::trim).filter(|c| !c.is_empty())) {
        (Scope::City, _) | (_, None) => true,
        (Scope::County(c), Some(code)) => c.code == code,
    }
}

/// Reads one stored body the way `yinhuan-server check` does ([`model::accept::parse`]: an
/// older schema is upgraded first), or says why it cannot, in Chinese. No validation: a record
/// an office saved counts even if a later rule would ask it for more.
fn parse(kind: &str, body: &str) -> Result<AnyRecord, String> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| format!("记录内容不是有效的 JSON（{e}）"))?;
    model::accept::parse(kind, &value).map_err(|r| r.message)
}

fn add(records: &mut Records, record: AnyRecord) {
    match record {
        AnyRecord::Enterprise(r) => records.enterprises.push(r),
        AnyRecord::Inspection(r) => records.inspections.push(r),
        AnyRecord::Hazard(r) => records.hazards.push(r),
        AnyRecord::Penalty(r) => records.penalties.push(r),
        // Not selected by the queries above: the text rows are read by `office::notes`.
        AnyRecord::WeeklyNote(_) | AnyRecord::CrossPlan(_) => {}
    }
}

/// Chinese name of a record kind for lists people read, e.g. `隐患`; unknown kinds as stored.
pub fn kind_label(kind: &str) -> &str {
    match kind {
        k if k == Enterprise::KIND => "企业",
        k if k == Inspection::KIND => "检查",
        k if k == Hazard::KIND => "隐患",
        k if k == Penalty::KIND => "处罚",
        "weekly_note" => "周调度文字",
        "cross_plan" => "交叉检查工作安排",
        other => other,
    }
}

/// Most record ids a notice lists before it says `等 N 条`: a notice is read, not searched.
pub const NOTICE_MAX_IDS: usize = 20;

/// The line every report prints under its table when records were left out, e.g.
/// `注意：另有 1 条记录无法读取，未计入本表（记录编号：隐患 0193…）。请联系管理员运行
/// yinhuan-server check 修复。`; `None` when nothing was left out.
pub fn unreadable_notice(unreadable: &[Unreadable]) -> Option<String> {
    if unreadable.is_empty() {
        return None;
    }
    let shown: Vec<String> = unreadable
        .iter()
        .take(NOTICE_MAX_IDS)
        .map(|u| format!("{} {}", kind_label(&u.kind), u.id))
        .collect();
    let more = if unreadable.len() > shown.len() {
        format!("等，共 {} 条", unreadable.len())
    } else {
        String::new()
    };
    Some(format!(
        "注意：另有 {} 条记录无法读取，未计入本表（记录编号：{}{more}）。\
         请联系管理员运行 yinhuan-server check 查出并修复这些记录后重新下载本表。",
        unreadable.len(),
        shown.join("、")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::county::County;

    fn bad(n: usize) -> Vec<Unreadable> {
        (0..n)
            .map(|i| Unreadable {
                id: format!("id-{i:03}"),
                kind: "hazard".into(),
                reason: "记录内容无法读取".into(),
            })
            .collect()
    }

    #[test]
    fn the_notice_names_the_records_and_cuts_a_long_list() {
        assert_eq!(unreadable_notice(&[]), None);
        let one = unreadable_notice(&bad(1)).unwrap();
        assert!(one.starts_with("注意：另有 1 条记录无法读取，未计入本表（记录编号：隐患 id-000）"));
        assert!(one.contains("yinhuan-server check"), "{one}");
        let many = unreadable_notice(&bad(45)).unwrap();
        assert!(many.contains("id-019等，共 45 条）"), "{many}");
        assert!(!many.contains("id-020"), "{many}");
    }

    #[test]
    fn an_unreadable_record_of_another_county_is_not_this_countys() {
        let xinfu = Scope::County(County::by_code("140902").unwrap());
        assert!(in_scope(xinfu, Some("140902")));
        assert!(in_scope(xinfu, None));
        assert!(in_scope(xinfu, Some(" ")));
        assert!(!in_scope(xinfu, Some("140921")));
        assert!(in_scope(Scope::City, Some("140921")));
    }
}
