//! The records a report is computed from: the live enterprises, inspections, hazards and
//! penalties the caller may see, parsed into the model's types.

use model::annex::{Records, Scope};
use model::enterprise::Enterprise;
use model::hazard::Hazard;
use model::inspection::Inspection;
use model::penalty::Penalty;
use model::record::Record;
use model::sync::{may_see, RecordScope, Role};
use serde::de::DeserializeOwned;
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

/// Loads what `role` may see for a report over `scope`.
///
/// A 县级 or 交叉检查组 account reads by the indexed `county` column, exactly what it could
/// pull. 市级 reads everything even for one county: the model then decides by each
/// enterprise's own county ([`Scope::includes`]), so a record whose `county` column is empty
/// (pushed before its enterprise) still counts where its enterprise is.
pub async fn load(db: &Db, role: &Role, scope: Scope) -> Result<Records, AppError> {
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
    let mut out = Records::default();
    let mut skipped = 0_usize;
    for (id, kind, body, county, enterprise_id, stage_key) in rows {
        let scope = RecordScope {
            county,
            enterprise_id: enterprise_id.and_then(|e| Uuid::parse_str(&e).ok()),
            stage_key,
        };
        // The full access rule, as for a pull (the SQL only narrowed by county).
        if !may_see(role, &scope) {
            continue;
        }
        let ok = match kind.as_str() {
            k if k == Enterprise::KIND => push(&mut out.enterprises, &id, k, &body),
            k if k == Inspection::KIND => push(&mut out.inspections, &id, k, &body),
            k if k == Hazard::KIND => push(&mut out.hazards, &id, k, &body),
            k if k == Penalty::KIND => push(&mut out.penalties, &id, k, &body),
            _ => true,
        };
        if !ok {
            skipped += 1;
        }
    }
    if skipped > 0 {
        tracing::warn!(
            skipped,
            "report computed without the records that do not parse"
        );
    }
    Ok(out)
}

/// Parses one body into `list`. A body the model cannot read (an old client's, a hand edit)
/// is logged and left out: one bad record must not block every office's weekly report.
fn push<T: DeserializeOwned>(list: &mut Vec<T>, id: &str, kind: &str, body: &str) -> bool {
    match serde_json::from_str(body) {
        Ok(record) => {
            list.push(record);
            true
        }
        Err(e) => {
            tracing::warn!(%id, kind, error = %e, "report: left out a record whose body does not parse");
            false
        }
    }
}
