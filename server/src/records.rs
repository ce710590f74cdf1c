//! The record store behind sync: applying one pushed change, and reading the pull feed.
//!
//! Ordering guarantee (DESIGN.md, "the classic gap"): every write transaction takes the next
//! change number with [`NEXT_CHANGE_SEQ`] as its first statement, which holds the one write lock
//! (SQLite) or the `change_seq` row lock (PostgreSQL) until commit. Writers are serialised, so
//! a change number is visible only after every smaller one is, and the committed value of
//! `change_seq` is the highest committed `rev`. A pull reads that value first and then only
//! records up to it, so its cursor never passes a change still in flight.

use model::accept::{accept, Accepted, AnyRecord};
use model::office::{office_scope, write_refusal};
use model::permission::lifecycle_refusal;
use model::sync::{
    may_see, photo_refs, same_content, stored_body, Change, PushOutcome, RecordScope, Role,
    ServerRecord, UNKNOWN_ENTERPRISE, UNKNOWN_INSPECTION,
};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{now_ms, AuthUser};
use crate::db::{Db, NEXT_CHANGE_SEQ};
use crate::error::AppError;
use crate::with_pool;

/// (kind, rev, body, deleted, county, enterprise_id, stage_key)
type StoredRow = (
    String,
    i64,
    String,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn scope_of(
    county: Option<String>,
    enterprise_id: Option<String>,
    stage: Option<String>,
) -> RecordScope {
    RecordScope {
        county,
        enterprise_id: enterprise_id.and_then(|e| Uuid::parse_str(&e).ok()),
        stage_key: stage,
    }
}

fn forbidden() -> PushOutcome {
    PushOutcome::rejected(
        "forbidden",
        "无权修改该记录（不在本账号的管辖范围内）。如有疑问，请联系上级管理员。",
    )
}

fn parse_body(text: &str) -> Result<Value, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(format!("stored body: {e}")))
}

const SELECT_RECORD: &str = "SELECT kind, rev, body, deleted, county, enterprise_id, stage_key \
                             FROM records WHERE id = $1";
/// What resolving a pushed change reads, in one statement (each statement is a round trip to
/// SQLite's worker thread): whether inspection `$1` is stored and its enterprise, whether
/// enterprise `$2` is stored and its county, and record `$3` as stored (all NULL when it is
/// not). A NULL `$1` / `$2` finds nothing.
const SELECT_RESOLVE: &str = "SELECT \
     (SELECT COUNT(*) FROM records WHERE id = $1 AND kind = 'inspection'), \
     (SELECT enterprise_id FROM records WHERE id = $1 AND kind = 'inspection'), \
     (SELECT COUNT(*) FROM records WHERE id = $2 AND kind = 'enterprise'), \
     (SELECT county FROM records WHERE id = $2 AND kind = 'enterprise'), \
     r.kind, r.rev, r.body, r.deleted, r.county, r.enterprise_id, r.stage_key \
     FROM (SELECT 1 AS one) AS one LEFT JOIN records r ON r.id = $3";

/// [`SELECT_RESOLVE`]'s row.
type ResolveRow = (
    i64,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<bool>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A [`ResolveRow`] as the references (`Some` when the inspection / enterprise is stored, with
/// its enterprise / county column) and the stored record, if any.
#[allow(clippy::type_complexity)]
fn split_resolve_row(
    row: ResolveRow,
) -> (
    (Option<Option<String>>, Option<Option<String>>),
    Option<StoredRow>,
) {
    let (insp_found, insp_enterprise, ent_found, ent_county) = (row.0, row.1, row.2, row.3);
    let stored = match (row.4, row.5, row.6, row.7) {
        (Some(kind), Some(rev), Some(body), Some(deleted)) => {
            Some((kind, rev, body, deleted, row.8, row.9, row.10))
        }
        _ => None,
    };
    let references = (
        (insp_found > 0).then_some(insp_enterprise),
        (ent_found > 0).then_some(ent_county),
    );
    (references, stored)
}
const UPSERT_RECORD: &str = "INSERT INTO records \
     (id, kind, rev, body, deleted, updated_at, county, enterprise_id, stage_key) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, rev = excluded.rev, \
     body = excluded.body, deleted = excluded.deleted, updated_at = excluded.updated_at, \
     county = excluded.county, enterprise_id = excluded.enterprise_id, \
     stage_key = excluded.stage_key";
const DELETE_PHOTO_REFS: &str = "DELETE FROM photo_refs WHERE record_id = $1";
/// The audit row's columns, written once for the one-row [`INSERT_AUDIT`] and the multi-row
/// [`insert_audit_sql`].
macro_rules! audit_insert_head {
    () => {
        "INSERT INTO audit_log (at, username, device_id, action, record_id, kind, rev, detail) VALUES "
    };
}
const INSERT_AUDIT: &str = concat!(audit_insert_head!(), "($1, $2, $3, $4, $5, $6, $7, $8)");

/// What [`resolve_change!`] decided for an accepted change: where it belongs and how it is
/// written.
struct Resolved {
    scope: RecordScope,
    action: &'static str,
    /// A version of the record is stored (its photo references must be replaced).
    existed: bool,
}

/// The reads and rules of one accepted change inside an open transaction: where the record
/// belongs (from the stored references), then the push rules ([`decide`]) against the stored
/// version. Writes nothing. `Ok(resolved)` when the change is to be written; `Err(answer)` when
/// it is refused or already stored (the answer to give). Database errors leave through `?`.
/// A macro, not a function, so one text is compiled for both native transaction types
/// (as [`with_pool!`] does for pools).
macro_rules! resolve_change {
    ($tx:ident, $user:expr, $change:expr, $accepted:expr) => {
        'resolve: {
            let (user, change, accepted): (&AuthUser, &Change, &Accepted) =
                ($user, $change, &$accepted);
            let (record, id) = (&accepted.record, change.id.to_string());
            // The references as stored (the inspection's enterprise, the enterprise's county)
            // and the record's stored version, read by one statement.
            let inspection = record.inspection_id().map(|i| i.to_string());
            let enterprise = match (record, record.enterprise_id()) {
                (AnyRecord::Enterprise(_), _) | (_, None) => None,
                (_, Some(e)) => Some(e.to_string()),
            };
            let row: ResolveRow = sqlx::query_as(SELECT_RESOLVE)
                .bind(&inspection)
                .bind(&enterprise)
                .bind(&id)
                .fetch_one(&mut *$tx)
                .await?;
            let (references, stored) = split_resolve_row(row);
            let inspection_enterprise = inspection.and(references.0);
            let enterprise_county = enterprise.and(references.1);
            let scope =
                match scope_from_references(record, inspection_enterprise, enterprise_county) {
                    Ok(scope) => scope,
                    Err(answer) => break 'resolve Err(answer),
                };
            let existed = stored.is_some();
            match decide(&user.role, change, &accepted.body, &scope, stored)? {
                Decision::Write { action } => Ok::<Resolved, PushOutcome>(Resolved {
                    scope,
                    action,
                    existed,
                }),
                Decision::Answer(answer) => Err(answer),
            }
        }
    };
}

/// The audit row of one stored change (written by [`insert_audit!`]).
struct AuditRow {
    at: i64,
    action: &'static str,
    record_id: String,
    kind: String,
    rev: i64,
    /// `{"base_rev":…,"body":…}`: what was sent, as stored.
    detail: String,
}

/// The writes of one resolved change at change number `$rev`: the record and its photo
/// references (all of them in one statement). Evaluates to the change's [`AuditRow`], which
/// the caller writes with [`insert_audit!`]. Database errors leave through `?`.
macro_rules! store_change {
    ($tx:ident, $rev:expr, $change:expr, $accepted:expr, $resolved:expr) => {{
        let (change, accepted, resolved): (&Change, &Accepted, &Resolved) =
            ($change, &$accepted, &$resolved);
        let (rev, id, scope) = ($rev, change.id.to_string(), &resolved.scope);
        let body = stored_body(accepted.body.clone(), rev);
        // Serialised once: the stored text and the audit detail's copy are the same bytes.
        let text = body.to_string();
        let now = now_ms();
        sqlx::query(UPSERT_RECORD)
            .bind(&id)
            .bind(&change.kind)
            .bind(rev)
            .bind(&text)
            .bind(change.deleted)
            .bind(now)
            .bind(&scope.county)
            .bind(scope.enterprise_id.map(|e| e.to_string()))
            .bind(&scope.stage_key)
            .execute(&mut *$tx)
            .await?;
        // A record never stored before has no references to replace.
        if resolved.existed {
            sqlx::query(DELETE_PHOTO_REFS)
                .bind(&id)
                .execute(&mut *$tx)
                .await?;
        }
        let refs = photo_refs(&body);
        if !refs.is_empty() {
            let sql = insert_photo_refs_sql(refs.len());
            // Built from the count alone: no data is in the text.
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&id);
            for sha in refs {
                insert = insert.bind(sha);
            }
            insert.execute(&mut *$tx).await?;
        }
        AuditRow {
            at: now,
            action: resolved.action,
            detail: audit_detail(change.base_rev, &text),
            record_id: id,
            kind: change.kind.clone(),
            rev,
        }
    }};
}

/// Writes `$rows` (a slice of [`AuditRow`]) for `$user` on `$device_id`, up to
/// [`AUDIT_ROWS_PER_INSERT`] per statement. Database errors leave through `?`.
macro_rules! insert_audit {
    ($tx:ident, $user:expr, $device_id:expr, $rows:expr) => {{
        let (user, device_id, rows): (&AuthUser, &str, &[AuditRow]) = ($user, $device_id, $rows);
        for chunk in rows.chunks(AUDIT_ROWS_PER_INSERT) {
            let sql = insert_audit_sql(chunk.len());
            // Built from the count alone: no data is in the text.
            let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                insert = insert
                    .bind(row.at)
                    .bind(&user.info.username)
                    .bind(device_id)
                    .bind(row.action)
                    .bind(&row.record_id)
                    .bind(&row.kind)
                    .bind(row.rev)
                    .bind(&row.detail);
            }
            insert.execute(&mut *$tx).await?;
        }
    }};
}

/// Audit rows per statement: 8 parameters each, far under SQLite's 32,766 and PostgreSQL's
/// 65,535 parameters per statement.
const AUDIT_ROWS_PER_INSERT: usize = 200;

/// `INSERT INTO audit_log … VALUES (…), (…)` for `rows` rows of [`INSERT_AUDIT`]'s columns.
fn insert_audit_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let p: Vec<String> = (1..=8).map(|c| format!("${}", r * 8 + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    format!(concat!(audit_insert_head!(), "{}"), values.join(", "))
}

/// `INSERT INTO photo_refs …` of `refs` photos of one record (`$1`); a pair already there is
/// left as it is.
fn insert_photo_refs_sql(refs: usize) -> String {
    let values: Vec<String> = (0..refs).map(|i| format!("(${}, $1)", i + 2)).collect();
    format!(
        "INSERT INTO photo_refs (sha256, record_id) VALUES {} ON CONFLICT DO NOTHING",
        values.join(", ")
    )
}

/// The audit detail of a stored change: the same text as
/// `json!({"base_rev": base_rev, "body": body}).to_string()` (keys in this order either way),
/// without serialising the body a second time.
fn audit_detail(base_rev: i64, body_text: &str) -> String {
    format!("{{\"base_rev\":{base_rev},\"body\":{body_text}}}")
}

/// The push's write of one accepted change inside an open transaction whose change number
/// `$rev` is taken: [`resolve_change!`], [`store_change!`], then its audit row. `Ok(())` when stored at
/// `$rev`; `Err(answer)` when nothing was written (the caller rolls back or moves on).
/// [`apply_change`] and [`apply_batch`] use it; [`apply_push`] calls the two halves itself.
macro_rules! write_change {
    ($tx:ident, $rev:expr, $user:expr, $device_id:expr, $change:expr, $accepted:expr) => {
        match resolve_change!($tx, $user, $change, $accepted) {
            Ok(resolved) => {
                let audit = store_change!($tx, $rev, $change, $accepted, resolved);
                insert_audit!($tx, $user, $device_id, std::slice::from_ref(&audit));
                Ok::<(), PushOutcome>(())
            }
            Err(answer) => Err(answer),
        }
    };
}

// After `write_change!`, which it uses. A push request: all its changes in one transaction.
mod push;
pub use push::apply_push;

/// Applies one change in its own transaction and says what became of it. Errors are server
/// failures only; everything the client got wrong is a `Rejected` outcome.
///
/// The body is parsed and checked by the model ([`accept`]) and stored as the model writes it.
/// Where the record belongs is taken from the server's own data: an inspection's, hazard's or
/// penalty's county is its stored enterprise's, never a `county` the body claims.
pub async fn apply_change(
    db: &Db,
    user: &AuthUser,
    device_id: &str,
    change: &Change,
) -> Result<PushOutcome, AppError> {
    let accepted = match prepare(user, change) {
        Ok(a) => a,
        Err(answer) => return Ok(answer),
    };
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        // FIRST statement: takes the write lock (see the module comment).
        let rev: i64 = sqlx::query_scalar(NEXT_CHANGE_SEQ).fetch_one(&mut *tx).await?;
        match write_change!(tx, rev, user, device_id, change, accepted) {
            Ok(()) => {
                tx.commit().await?;
                Ok(PushOutcome::Applied { rev })
            }
            Err(answer) => {
                // Nothing to store: roll back, which gives the change number back.
                tx.rollback().await?;
                Ok(answer)
            }
        }
    })
}

/// The checks of one pushed change that need no database: its shape, the model's `accept`,
/// and the account's right to write it. `Err` is the answer to give.
fn prepare(user: &AuthUser, change: &Change) -> Result<Accepted, PushOutcome> {
    change.check()?;
    let accepted = accept(&change.kind, &change.body, change.deleted)?;
    let record = &accepted.record;
    if record.meta().id != change.id {
        return Err(PushOutcome::rejected(
            "id_mismatch",
            "记录编号与内容不一致，请更新应用后重试。",
        ));
    }
    // An office record (附件1 文字栏, 交叉检查 plan) names no enterprise: its scope is its own
    // key fields, which its derived id is made of, checked against the account here.
    if let Some(county) = record.office_county() {
        if let Some(why) = write_refusal(&user.role, &change.kind, county) {
            return Err(PushOutcome::rejected("forbidden", why));
        }
    }
    Ok(accepted)
}

/// Records of one kind as stored and not deleted: `(rev, body)`.
const SELECT_LIVE_OF_KIND: &str = "SELECT rev, body FROM records WHERE kind = $1 AND deleted = $2";

/// The live (not deleted) records of `kind` as stored: `(rev, body)`.
pub async fn live_of_kind(db: &Db, kind: &str) -> Result<Vec<(i64, String)>, AppError> {
    Ok(with_pool!(db, pool => {
        sqlx::query_as(SELECT_LIVE_OF_KIND).bind(kind).bind(false).fetch_all(pool).await
    })?)
}

/// What [`apply_batch`] did: one outcome per change, in order.
pub struct BatchResult {
    pub outcomes: Vec<PushOutcome>,
}

/// Writes many changes made on the server (an import) in ONE transaction, each through the
/// push's own checks and write ([`prepare`], `write_change!`): every stored change gets its
/// own `rev`, so devices receive it by pull like any pushed record.
///
/// `make` is called inside the transaction, after the write lock is taken, with the stored
/// live records of `kind` (`(rev, body)`), and returns the changes to write plus the detail of
/// the one audit row (`audit_action`) the batch leaves; the numbers of changes applied and
/// refused are added to that detail. When nothing is stored the transaction is rolled back
/// (giving the change number back) and only the audit row is written.
pub async fn apply_batch<F>(
    db: &Db,
    user: &AuthUser,
    device_id: &str,
    kind: &str,
    audit_action: &str,
    make: F,
) -> Result<BatchResult, AppError>
where
    F: FnOnce(Vec<(i64, String)>) -> (Vec<Change>, Value),
{
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        // FIRST statement: takes the write lock (see the module comment).
        let mut rev: i64 = sqlx::query_scalar(NEXT_CHANGE_SEQ).fetch_one(&mut *tx).await?;
        let stored: Vec<(i64, String)> = sqlx::query_as(SELECT_LIVE_OF_KIND)
            .bind(kind)
            .bind(false)
            .fetch_all(&mut *tx)
            .await?;
        let (changes, mut detail) = make(stored);
        let mut outcomes = Vec::with_capacity(changes.len());
        // The last number written; the next change takes a new one only after a write, so a
        // refused change leaves no gap.
        let mut last_written = None;
        for change in &changes {
            let accepted = match prepare(user, change) {
                Ok(a) => a,
                Err(answer) => {
                    outcomes.push(answer);
                    continue;
                }
            };
            if last_written == Some(rev) {
                rev = sqlx::query_scalar(NEXT_CHANGE_SEQ).fetch_one(&mut *tx).await?;
            }
            match write_change!(tx, rev, user, device_id, change, accepted) {
                Ok(()) => {
                    last_written = Some(rev);
                    outcomes.push(PushOutcome::Applied { rev });
                }
                Err(answer) => outcomes.push(answer),
            }
        }
        let applied = outcomes.iter().filter(|o| matches!(o, PushOutcome::Applied { .. })).count();
        if let Some(obj) = detail.as_object_mut() {
            obj.insert("applied".into(), applied.into());
            obj.insert("refused".into(), (outcomes.len() - applied).into());
        }
        let audit = sqlx::query(INSERT_AUDIT)
            .bind(now_ms())
            .bind(&user.info.username)
            .bind(device_id)
            .bind(audit_action)
            .bind(None::<String>)
            .bind(kind)
            .bind(last_written)
            .bind(detail.to_string());
        if last_written.is_some() {
            audit.execute(&mut *tx).await?;
            tx.commit().await?;
        } else {
            tx.rollback().await?;
            audit.execute(pool).await?;
        }
        Ok(BatchResult { outcomes })
    })
}

/// Where a parsed record belongs, from what the server holds: `inspection_enterprise` is the
/// stored inspection's enterprise column (outer `None`: no such inspection), and
/// `enterprise_county` the stored enterprise's county (outer `None`: no such enterprise).
fn scope_from_references(
    record: &AnyRecord,
    inspection_enterprise: Option<Option<String>>,
    enterprise_county: Option<Option<String>>,
) -> Result<RecordScope, PushOutcome> {
    if let Some(county) = record.office_county() {
        return Ok(office_scope(county));
    }
    let Some(enterprise_id) = record.enterprise_id() else {
        // Every kind but the office records names its enterprise (checked by the model).
        return Err(PushOutcome::rejected(
            "invalid_record",
            "这条记录缺少“所属企业”，请打开记录核对后再同步。",
        ));
    };
    if let AnyRecord::Enterprise(e) = record {
        return Ok(RecordScope {
            county: Some(e.county.clone()),
            enterprise_id: Some(enterprise_id),
            stage_key: None,
        });
    }
    if record.inspection_id().is_some() {
        let Some(inspection_enterprise) = inspection_enterprise else {
            return Err(PushOutcome::rejected(
                UNKNOWN_INSPECTION,
                "这条记录所属的检查尚未同步到服务器，系统会在下次同步时自动重试；\
                 如一直如此，请确认该检查记录未被删除。",
            ));
        };
        if inspection_enterprise.as_deref() != Some(enterprise_id.to_string().as_str()) {
            return Err(PushOutcome::rejected(
                "invalid_record",
                "这条记录的“所属企业”与其所属检查的企业不一致，请打开记录核对后再同步。",
            ));
        }
    }
    let Some(county) = enterprise_county else {
        return Err(PushOutcome::rejected(
            UNKNOWN_ENTERPRISE,
            "这条记录所属的企业尚未同步到服务器，系统会在下次同步时自动重试；\
             如一直如此，请先同步或补录该企业。",
        ));
    };
    Ok(RecordScope {
        county,
        enterprise_id: Some(enterprise_id),
        stage_key: match record {
            AnyRecord::Inspection(i) => Some(i.stage.key().to_owned()),
            _ => None,
        },
    })
}

enum Decision {
    Write { action: &'static str },
    Answer(PushOutcome),
}

/// The push rules, given what is stored. Pure apart from parsing the stored body.
fn decide(
    role: &Role,
    change: &Change,
    new_body: &Value,
    scope: &RecordScope,
    stored: Option<StoredRow>,
) -> Result<Decision, AppError> {
    let answer = |o| Ok(Decision::Answer(o));
    if let Some((kind, rev, body, deleted, county, enterprise_id, stage)) = stored {
        // Both the version being replaced and the new one must be in scope: nobody reads or
        // edits a record outside it, nor moves a record out of (or into) someone else's.
        if !may_see(role, &scope_of(county.clone(), enterprise_id, stage)) {
            return answer(forbidden());
        }
        if !may_see(role, scope) {
            return answer(forbidden());
        }
        // Moving a record to another county is the city's act alone (an enterprise account
        // sees its enterprise wherever it is, so may_see alone would let it move itself).
        if county != scope.county && *role != Role::City {
            return answer(PushOutcome::rejected(
                "forbidden",
                "记录所属的县（市、区）只能由市级账号变更。如企业所在县有误，请联系市级管理员修改。",
            ));
        }
        if kind != change.kind {
            return answer(PushOutcome::rejected(
                "kind_mismatch",
                "该编号已被另一类记录使用，请更新应用后重试。",
            ));
        }
        let body = parse_body(&body)?;
        // A repeat of what is stored (a retry, a double tap, a second tab): same answer again.
        if deleted == change.deleted && same_content(&body, new_body) {
            return answer(PushOutcome::Applied { rev });
        }
        // The edit started from an older version. This also guards 已销号 hazards: a stale
        // offline edit of a closed hazard (base_rev older than the closing write) is always a
        // conflict the user must see, never a silent reopen.
        if change.base_rev != rev {
            return answer(PushOutcome::Conflict {
                server_rev: rev,
                server_deleted: deleted,
                server_body: body,
            });
        }
        if let Some(why) = lifecycle_refusal(role, &change.kind, Some(&body), new_body) {
            return answer(PushOutcome::rejected("forbidden", why));
        }
        let action = if change.deleted && !deleted {
            "delete"
        } else {
            "update"
        };
        return Ok(Decision::Write { action });
    }
    if !may_see(role, scope) {
        return answer(forbidden());
    }
    if let Some(why) = lifecycle_refusal(role, &change.kind, None, new_body) {
        return answer(PushOutcome::rejected("forbidden", why));
    }
    Ok(Decision::Write { action: "insert" })
}

// One page of `GET /api/sync/pull`.
mod pull;
pub use pull::{page as pull_page, FeedSnapshot, PageJson};

/// One record as the server holds it, with its scope; `None` if the id was never stored.
pub async fn get(db: &Db, id: Uuid) -> Result<Option<(ServerRecord, RecordScope)>, AppError> {
    let row: Option<StoredRow> = with_pool!(db, pool =>
        sqlx::query_as(SELECT_RECORD).bind(id.to_string()).fetch_optional(pool).await)?;
    let Some((kind, rev, body, deleted, county, enterprise_id, stage)) = row else {
        return Ok(None);
    };
    let record = ServerRecord {
        id,
        kind,
        rev,
        deleted,
        body: parse_body(&body)?,
    };
    Ok(Some((record, scope_of(county, enterprise_id, stage))))
}

/// Scopes of the records that refer to a photo.
pub async fn photo_scopes(db: &Db, sha256: &str) -> Result<Vec<RecordScope>, AppError> {
    let sql = "SELECT r.county, r.enterprise_id, r.stage_key FROM photo_refs p \
               JOIN records r ON r.id = p.record_id WHERE p.sha256 = $1";
    let rows: Vec<(Option<String>, Option<String>, Option<String>)> =
        with_pool!(db, pool => sqlx::query_as(sql).bind(sha256).fetch_all(pool).await)?;
    Ok(rows
        .into_iter()
        .map(|(c, e, s)| scope_of(c, e, s))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_detail_is_the_text_serde_writes() {
        let body = serde_json::json!({"meta": {"id": "x", "rev": 3}, "描述": "护栏\"缺失\"", "n": [1, 2.5, null]});
        let text = body.to_string();
        for base_rev in [0, 7, -1] {
            let want = serde_json::json!({ "base_rev": base_rev, "body": body }).to_string();
            assert_eq!(audit_detail(base_rev, &text), want);
        }
    }

    #[test]
    fn multi_row_statements_number_every_parameter() {
        assert_eq!(
            insert_photo_refs_sql(2),
            "INSERT INTO photo_refs (sha256, record_id) VALUES ($2, $1), ($3, $1) ON CONFLICT DO NOTHING"
        );
        let two = insert_audit_sql(2);
        assert!(
            two.ends_with(
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8), ($9, $10, $11, $12, $13, $14, $15, $16)"
            ),
            "{two}"
        );
        assert!(insert_audit_sql(AUDIT_ROWS_PER_INSERT)
            .contains(&format!("${}", AUDIT_ROWS_PER_INSERT * 8)));
    }
}
