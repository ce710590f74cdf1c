//! The pull feed: one page of `GET /api/sync/pull`, written straight as JSON text.
//!
//! A page depends on nothing but the account's scope (role and county filter), the cursor, the
//! limit and the database state at the committed change number `high` it is served up to
//! (records are written only by transactions that take a change number first, see the parent
//! module, so the state at a committed `high` is one state) and the database's instance id.
//! [`FeedSnapshot`] reads `high` and the instance id in ONE statement (one snapshot on both
//! backends), so a page can be cached under exactly those inputs (`crate::pull_cache`).
//!
//! Bodies are stored as the model's JSON text; a page copies that text into the answer after
//! checking it is well-formed JSON, instead of parsing every body into a `Value` and writing it
//! out again (the answer means the same: the text is what `serde_json` wrote for that value).

use std::fmt::Write as _;

use serde_json::value::RawValue;

use super::scope_of;
use crate::db::Db;
use crate::error::AppError;
use crate::with_pool;
use model::sync::{may_see, Role};
use uuid::Uuid;

/// (id, kind, rev, deleted, body, county, enterprise_id, stage_key)
type FeedRow = (
    String,
    String,
    i64,
    bool,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

const FEED_ALL: &str = "SELECT id, kind, rev, deleted, body, county, enterprise_id, stage_key \
     FROM records WHERE rev > $1 AND rev <= $2 AND $3 = $3 ORDER BY rev LIMIT $4";
const FEED_COUNTY: &str = "SELECT id, kind, rev, deleted, body, county, enterprise_id, stage_key \
     FROM records WHERE rev > $1 AND rev <= $2 AND county = $3 ORDER BY rev LIMIT $4";
const FEED_ENTERPRISE: &str =
    "SELECT id, kind, rev, deleted, body, county, enterprise_id, stage_key \
     FROM records WHERE rev > $1 AND rev <= $2 AND enterprise_id = $3 ORDER BY rev LIMIT $4";

/// The committed change number and the database's identity, read together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSnapshot {
    /// The highest committed `rev`: a page serves records up to it and never past it.
    pub high: i64,
    /// `meta.instance_id`: a restored or replaced database has a new one.
    pub instance_id: String,
}

/// Both values in one statement, hence from one snapshot on SQLite and PostgreSQL alike.
const SNAPSHOT: &str = "SELECT c.value, m.value FROM change_seq c, meta m \
     WHERE c.id = 1 AND m.key = 'instance_id'";

impl FeedSnapshot {
    pub async fn read(db: &Db) -> Result<FeedSnapshot, AppError> {
        let (high, instance_id): (i64, String) =
            with_pool!(db, pool => sqlx::query_as(SNAPSHOT).fetch_one(pool).await)?;
        Ok(FeedSnapshot { high, instance_id })
    }
}

/// One page, encoded as the `PullResponse` JSON the device receives.
#[derive(Debug, Clone)]
pub struct PageJson {
    pub json: Vec<u8>,
    /// The page's `more`: the device pulls again at once.
    pub more: bool,
}

/// The page of records with `cursor < rev <= snapshot.high` the role may see, in `rev` order,
/// at most `limit` rows read; narrowed to one county when `county` is given (the office's
/// filter; the caller has checked with [`model::sync::may_see_county`] that the role may ask).
///
/// `more` and the next cursor: when more than `limit` rows are left, the cursor is the last
/// row read (seen or not), else `high` (records up to it are all served).
pub async fn page(
    db: &Db,
    role: &Role,
    county: Option<&str>,
    cursor: i64,
    limit: usize,
    snapshot: &FeedSnapshot,
) -> Result<PageJson, AppError> {
    // The SQL narrows by the indexed scope columns; `may_see` then applies the full rule
    // (e.g. an enterprise sees only its 企业自查 inspections).
    let (sql, key) = match (role, county) {
        (Role::City, None) => (FEED_ALL, String::new()),
        (Role::City, Some(c)) => (FEED_COUNTY, c.to_owned()),
        (Role::County(c) | Role::CrossTeam { inspected: c }, _) => (FEED_COUNTY, c.clone()),
        (Role::Enterprise(e), _) => (FEED_ENTERPRISE, e.to_string()),
    };
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let rows: Vec<FeedRow> = with_pool!(db, pool => {
        sqlx::query_as(sql)
            .bind(cursor)
            .bind(snapshot.high)
            .bind(&key)
            .bind(fetch)
            .fetch_all(pool)
            .await
    })?;
    assemble(role, rows, cursor, limit, snapshot)
}

/// The page's JSON from the rows read (at most `limit + 1`, in `rev` order).
fn assemble(
    role: &Role,
    rows: Vec<FeedRow>,
    cursor: i64,
    limit: usize,
    snapshot: &FeedSnapshot,
) -> Result<PageJson, AppError> {
    let more = rows.len() > limit;
    let mut next = if more {
        cursor
    } else {
        snapshot.high.max(cursor)
    };
    let mut out = String::with_capacity(rows.iter().map(|r| r.4.len() + 120).sum::<usize>() + 96);
    out.push_str("{\"changes\":[");
    let mut first = true;
    for (id, kind, rev, deleted, body, county, enterprise_id, stage) in rows.into_iter().take(limit)
    {
        if more {
            next = rev;
        }
        if !may_see(role, &scope_of(county, enterprise_id, stage)) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        write_record(&mut out, &id, &kind, rev, deleted, &body)?;
    }
    out.push_str("],\"cursor\":");
    write!(out, "{next}").expect("writing to a String");
    out.push_str(",\"more\":");
    out.push_str(if more { "true" } else { "false" });
    out.push_str(",\"instance_id\":");
    push_json_string(&mut out, &snapshot.instance_id);
    out.push('}');
    Ok(PageJson {
        json: out.into_bytes(),
        more,
    })
}

/// One `ServerRecord` (`model::sync`), its fields in the order serde writes them.
fn write_record(
    out: &mut String,
    id: &str,
    kind: &str,
    rev: i64,
    deleted: bool,
    body: &str,
) -> Result<(), AppError> {
    let id = Uuid::parse_str(id).map_err(|e| AppError::Internal(format!("record id: {e}")))?;
    // Checked, not trusted: a stored body that is not JSON is a server failure, as it was when
    // every body was parsed (and would otherwise break the whole page for the device).
    let body: &RawValue =
        serde_json::from_str(body).map_err(|e| AppError::Internal(format!("stored body: {e}")))?;
    write!(out, "{{\"id\":\"{}\",\"kind\":", id.as_hyphenated()).expect("writing to a String");
    push_json_string(out, kind);
    write!(out, ",\"rev\":{rev},\"deleted\":{deleted},\"body\":").expect("writing to a String");
    out.push_str(body.get());
    out.push('}');
    Ok(())
}

fn push_json_string(out: &mut String, s: &str) {
    // serde_json's own string escaping, so the text is what `serde_json::to_string` writes.
    out.push_str(&serde_json::to_string(s).expect("a string serialises"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::sync::{PullResponse, ServerRecord};
    use serde_json::json;

    const XINFU: &str = "140902";
    const DINGXIANG: &str = "140921";

    fn row(rev: i64, county: &str, deleted: bool) -> (FeedRow, ServerRecord) {
        let id = Uuid::now_v7();
        let body = json!({"meta": {"id": id, "rev": rev}, "name": "忻州\"钢铁\"\n", "n": 1.5,
                          "county": county});
        let stored = (
            id.to_string(),
            "enterprise".to_owned(),
            rev,
            deleted,
            body.to_string(),
            Some(county.to_owned()),
            Some(id.to_string()),
            None,
        );
        let record = ServerRecord {
            id,
            kind: "enterprise".into(),
            rev,
            deleted,
            body,
        };
        (stored, record)
    }

    /// The hand-written page is what serde writes for the `PullResponse` the parsed bodies
    /// make, byte for byte (the stored body being serde_json's own text, as the push stores
    /// it): the role's filter, `more` and the cursor included.
    #[test]
    fn a_page_is_what_serde_writes() {
        let snapshot = FeedSnapshot {
            high: 40,
            instance_id: "0193-\"x\"".into(),
        };
        let rows = [
            row(3, XINFU, false),
            row(5, DINGXIANG, false),
            row(8, XINFU, true),
            row(9, XINFU, false),
        ];
        let role = Role::County(XINFU.into());
        let cases = [
            // (limit, rows read, the records shown, cursor, more)
            (3, 4, vec![0, 2], 8, true),
            (4, 4, vec![0, 2, 3], 40, false),
        ];
        for (limit, read, shown, cursor, more) in cases {
            let stored: Vec<FeedRow> = rows[..read].iter().map(|r| r.0.clone()).collect();
            let got = assemble(&role, stored, 2, limit, &snapshot).unwrap();
            let expected = serde_json::to_string(&PullResponse {
                changes: shown.iter().map(|&i| rows[i].1.clone()).collect(),
                cursor,
                more,
                instance_id: snapshot.instance_id.clone(),
            })
            .unwrap();
            assert_eq!(String::from_utf8(got.json).unwrap(), expected);
            assert_eq!(got.more, more);
        }
        let city = assemble(&Role::City, vec![rows[1].0.clone()], 0, 5, &snapshot).unwrap();
        let page: PullResponse = serde_json::from_slice(&city.json).unwrap();
        assert_eq!(page.changes, vec![rows[1].1.clone()]);
    }

    #[test]
    fn a_stored_body_that_is_not_json_is_a_server_failure() {
        let mut out = String::new();
        let id = Uuid::now_v7().to_string();
        let got = write_record(&mut out, &id, "hazard", 1, false, "{\"meta\": ");
        assert!(matches!(got, Err(AppError::Internal(_))), "{got:?}");
    }
}
