//! 同步协议: the messages the PWA and the server exchange, and the rules both sides must agree
//! on (who may see a record, when two bodies are "the same change", which photos a record uses).
//! `docs/sync.md` describes the HTTP endpoints that carry these types.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::county::County;
use crate::date::Timestamp;
use crate::stage::Stage;
use crate::validation::is_sha256_hex;

/// Most changes one push may carry; a bigger batch is refused with 413 (split it).
pub const MAX_PUSH_CHANGES: usize = 200;
/// Largest push request body in bytes (413 beyond).
pub const MAX_PUSH_BYTES: usize = 2 * 1024 * 1024;
/// Page size of a pull when the client does not ask for one, and the most it may ask for.
pub const DEFAULT_PULL_LIMIT: usize = 200;
pub const MAX_PULL_LIMIT: usize = 1000;
/// Largest photo the server stores (the PWA downscales to about 1600 px, far below this).
pub const MAX_PHOTO_BYTES: u64 = 15 * 1024 * 1024;
/// Most hashes one `POST /api/photos/check` may ask about.
pub const MAX_PHOTO_CHECK: usize = 2000;

// ---------------------------------------------------------------------------------------------
// Push

/// One changed record sent by a device: the whole new version, not a diff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub id: Uuid,
    /// [`crate::record::Record::KIND`]: `enterprise`, `inspection`, `hazard`, `penalty`, …
    pub kind: String,
    /// The server `rev` this edit started from; 0 for a record the server has never seen.
    pub base_rev: i64,
    /// Tombstone (删除): records are never hard-deleted, a delete is a change like any other.
    #[serde(default)]
    pub deleted: bool,
    /// The model record as JSON, including its `meta`.
    pub body: Value,
}

/// `POST /api/sync/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub device_id: String,
    pub changes: Vec<Change>,
}

/// The answer to a push: one result per change, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResult {
    pub id: Uuid,
    pub outcome: PushOutcome,
}

/// What became of one change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PushOutcome {
    /// Stored at `rev`. Also the answer to an exact repeat of a change already stored (a retry,
    /// a double tap, a second tab): then `rev` is the one it got the first time.
    Applied { rev: i64 },
    /// The server's version moved on since `base_rev`: merge against it (see `merge`) and push
    /// the result with `base_rev = server_rev`. Nothing was stored.
    Conflict {
        server_rev: i64,
        server_deleted: bool,
        server_body: Value,
    },
    /// Refused for good (outside the user's scope, malformed): retrying the same change will
    /// not help. `code` is stable English, `message` Chinese for the user.
    Rejected { code: String, message: String },
}

/// Refusal codes for a record whose enterprise or inspection the server does not hold yet:
/// pushed before its reference (another device, a batch cut off). The device retries these on
/// its next sync instead of waiting for the user.
pub const UNKNOWN_ENTERPRISE: &str = "unknown_enterprise";
pub const UNKNOWN_INSPECTION: &str = "unknown_inspection";

/// A refusal `code` that may pass later without any edit (see [`UNKNOWN_ENTERPRISE`]).
pub fn is_retryable_refusal(code: &str) -> bool {
    code == UNKNOWN_ENTERPRISE || code == UNKNOWN_INSPECTION
}

impl PushOutcome {
    pub fn rejected(code: &str, message: impl Into<String>) -> PushOutcome {
        PushOutcome::Rejected {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl Change {
    /// Checks what can be checked without the database; `Err` is a `Rejected` outcome.
    pub fn check(&self) -> Result<(), PushOutcome> {
        let kind_ok = !self.kind.is_empty()
            && self.kind.len() <= 32
            && self
                .kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_');
        if !kind_ok {
            return Err(PushOutcome::rejected(
                "invalid_kind",
                format!("记录类型“{}”无效，请更新应用后重试。", self.kind),
            ));
        }
        if self.base_rev < 0 {
            return Err(PushOutcome::rejected(
                "invalid_base_rev",
                "记录的版本号无效，请更新应用后重试。",
            ));
        }
        let Some(body) = self.body.as_object() else {
            return Err(PushOutcome::rejected(
                "invalid_body",
                "记录内容须为 JSON 对象，请更新应用后重试。",
            ));
        };
        let meta_id = body
            .get("meta")
            .and_then(|m| m.get("id"))
            .and_then(Value::as_str);
        if let Some(meta_id) = meta_id {
            if Uuid::parse_str(meta_id).ok() != Some(self.id) {
                return Err(PushOutcome::rejected(
                    "id_mismatch",
                    "记录编号与内容不一致，请更新应用后重试。",
                ));
            }
        }
        Ok(())
    }
}

/// Sync bookkeeping inside `meta` that differs between copies of the same version.
const VOLATILE_META: [&str; 3] = ["rev", "base_rev", "dirty"];

/// The body as the server stores and serves it: `meta.rev` and `meta.base_rev` set to the
/// `rev` it was stored at and `meta.dirty` false, so a pulled body is a clean synced record.
pub fn stored_body(mut body: Value, rev: i64) -> Value {
    if let Some(meta) = body.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("rev".into(), rev.into());
        meta.insert("base_rev".into(), rev.into());
        meta.insert("dirty".into(), false.into());
    }
    body
}

/// `true` when two bodies are the same version of a record, ignoring sync bookkeeping
/// (`meta.rev`, `meta.base_rev`, `meta.dirty`). A push whose body is the same as the stored
/// one is a repeat and is answered `Applied` with the stored `rev`.
pub fn same_content(a: &Value, b: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        let mut v = v.clone();
        if let Some(meta) = v.get_mut("meta").and_then(Value::as_object_mut) {
            for key in VOLATILE_META {
                meta.remove(key);
            }
        }
        v
    }
    strip(a) == strip(b)
}

/// 已销号: a hazard body whose `state` is `closed`.
pub fn is_closed(body: &Value) -> bool {
    body.get("state").and_then(Value::as_str) == Some("closed")
}

/// Every photo a record refers to: any string in the body that is a SHA-256 in lower-case hex
/// (hazard `photos`, 复查 photos, signature `photo_sha256`, …). Nothing else in a record has
/// that shape, and walking the whole body keeps new photo fields covered.
pub fn photo_refs(body: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) if is_sha256_hex(s) => {
                out.insert(s.clone());
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(body, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Pull

/// One record as the server holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerRecord {
    pub id: Uuid,
    pub kind: String,
    pub rev: i64,
    pub deleted: bool,
    pub body: Value,
}

/// `GET /api/sync/pull?cursor=N&limit=M`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Records with `rev > cursor` the user may see, in `rev` order.
    pub changes: Vec<ServerRecord>,
    /// Save this and send it with the next pull. It may be past the last change shown (records
    /// outside the user's scope are skipped over).
    pub cursor: i64,
    /// Pull again at once: there may be more.
    pub more: bool,
    /// The server database's identity; when it differs from the one saved with the cursor, the
    /// server was reset: drop the cursor and pull from 0.
    pub instance_id: String,
}

// ---------------------------------------------------------------------------------------------
// Photos

/// `POST /api/photos/check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoCheck {
    pub hashes: Vec<String>,
}

/// The hashes of [`PhotoCheck`] the server does not hold yet (upload only these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoMissing {
    pub missing: Vec<String>,
}

/// The answer to `PUT /api/photos/{sha256}`: the server has verified and stored these bytes.
/// Only this receipt lets the client mark a photo 已上传.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoReceipt {
    pub sha256: String,
    pub bytes: u64,
    pub content_type: String,
    /// The server already had it (a repeat upload); nothing was written.
    pub already_stored: bool,
}

// ---------------------------------------------------------------------------------------------
// Accounts

/// `POST /api/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The device signing in, kept with the token for the audit log.
    #[serde(default)]
    pub device_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Unix milliseconds after which the token is refused (401): sign in again.
    pub expires_at: Timestamp,
    pub user: UserInfo,
}

/// The signed-in account as the PWA shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub username: String,
    pub display_name: String,
    pub role: RoleKind,
    /// 县级: its county; 交叉检查组: the 受检县. GB/T 2260 code.
    pub county: Option<String>,
    /// 企业 accounts: their enterprise.
    pub enterprise_id: Option<Uuid>,
    /// May manage accounts (`admin::check_admin`); the PWA shows 管理 only then.
    #[serde(default)]
    pub is_admin: bool,
    /// Signed in with a one-time password an administrator set: change it before anything else.
    #[serde(default)]
    pub must_change_password: bool,
}

impl UserInfo {
    pub fn role(&self) -> Result<Role, RoleError> {
        Role::from_parts(self.role, self.county.as_deref(), self.enterprise_id)
    }
}

/// Account type, as stored and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    /// 市级
    City,
    /// 县级
    County,
    /// 交叉检查组
    Cross,
    /// 企业
    Enterprise,
}

impl RoleKind {
    pub const ALL: [RoleKind; 4] = [
        RoleKind::City,
        RoleKind::County,
        RoleKind::Cross,
        RoleKind::Enterprise,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RoleKind::City => "city",
            RoleKind::County => "county",
            RoleKind::Cross => "cross",
            RoleKind::Enterprise => "enterprise",
        }
    }

    pub fn from_key(key: &str) -> Option<RoleKind> {
        RoleKind::ALL.into_iter().find(|k| k.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            RoleKind::City => "市级",
            RoleKind::County => "县级",
            RoleKind::Cross => "交叉检查组",
            RoleKind::Enterprise => "企业",
        }
    }
}

/// 角色与范围: what an account may see and change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// 市级: everything.
    City,
    /// 县级: its county (开发区 under it included), by GB/T 2260 code.
    County(String),
    /// 交叉检查组: the 受检县 assigned by 附件3.
    CrossTeam { inspected: String },
    /// 企业: its own enterprise, its 企业自查 inspections and its own hazards.
    Enterprise(Uuid),
}

/// Why an account's role and scope do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("{0}账号须指定所属县（市、区）代码，例如 --county 140902")]
    MissingCounty(&'static str),
    #[error("县（市、区）代码“{0}”不是忻州市的 14 个县（市、区）之一")]
    UnknownCounty(String),
    #[error("企业账号须指定企业编号（--enterprise <uuid>）")]
    MissingEnterprise,
}

impl Role {
    /// Builds a role from its stored parts, checking the county code.
    pub fn from_parts(
        kind: RoleKind,
        county: Option<&str>,
        enterprise_id: Option<Uuid>,
    ) -> Result<Role, RoleError> {
        let county = |label| -> Result<String, RoleError> {
            let code = county.ok_or(RoleError::MissingCounty(label))?;
            County::by_code(code)
                .map(|c| c.code.to_owned())
                .ok_or_else(|| RoleError::UnknownCounty(code.to_owned()))
        };
        Ok(match kind {
            RoleKind::City => Role::City,
            RoleKind::County => Role::County(county("县级")?),
            RoleKind::Cross => Role::CrossTeam {
                inspected: county("交叉检查组")?,
            },
            RoleKind::Enterprise => {
                Role::Enterprise(enterprise_id.ok_or(RoleError::MissingEnterprise)?)
            }
        })
    }

    pub fn kind(&self) -> RoleKind {
        match self {
            Role::City => RoleKind::City,
            Role::County(_) => RoleKind::County,
            Role::CrossTeam { .. } => RoleKind::Cross,
            Role::Enterprise(_) => RoleKind::Enterprise,
        }
    }

    /// The county a 县级 or 交叉检查组 account is bound to.
    pub fn county(&self) -> Option<&str> {
        match self {
            Role::County(c) | Role::CrossTeam { inspected: c } => Some(c),
            _ => None,
        }
    }

    pub fn enterprise_id(&self) -> Option<Uuid> {
        match self {
            Role::Enterprise(id) => Some(*id),
            _ => None,
        }
    }
}

/// Where a record belongs, for access checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordScope {
    /// 所在县 code: an enterprise's own, or its stored enterprise's for everything else (the
    /// server looks it up; a `county` in a pushed body is never trusted).
    pub county: Option<String>,
    /// The enterprise the record is about (an enterprise record: itself).
    pub enterprise_id: Option<Uuid>,
    /// 检查环节 key of an inspection ([`Stage::key`]).
    pub stage_key: Option<String>,
}

/// Whether `role` may read (and therefore write) a record with this scope. A record whose
/// county is unknown is seen only by 市级 (and by its own enterprise).
pub fn may_see(role: &Role, scope: &RecordScope) -> bool {
    match role {
        Role::City => true,
        Role::County(c) | Role::CrossTeam { inspected: c } => scope.county.as_deref() == Some(c),
        Role::Enterprise(e) => {
            scope.enterprise_id == Some(*e)
                && scope
                    .stage_key
                    .as_deref()
                    .is_none_or(|s| s == Stage::SelfInspection.key())
        }
    }
}

/// Whether `role` may ask for one county's records as a whole (the office's county filter).
/// An enterprise account never may: it sees its own enterprise, not a county.
pub fn may_see_county(role: &Role, county: &str) -> bool {
    match role {
        Role::City => true,
        Role::County(c) | Role::CrossTeam { inspected: c } => c == county,
        Role::Enterprise(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const XINFU: &str = "140902";
    const DINGXIANG: &str = "140921";

    fn ent() -> Uuid {
        Uuid::parse_str("01939b8e-0000-7000-8000-000000000001").unwrap()
    }

    fn scope(county: Option<&str>, e: Option<Uuid>, stage: Option<&str>) -> RecordScope {
        RecordScope {
            county: county.map(str::to_owned),
            enterprise_id: e,
            stage_key: stage.map(str::to_owned),
        }
    }

    #[test]
    fn only_the_city_and_the_county_itself_may_ask_for_a_county() {
        assert!(may_see_county(&Role::City, DINGXIANG));
        assert!(may_see_county(&Role::County(XINFU.into()), XINFU));
        assert!(!may_see_county(&Role::County(XINFU.into()), DINGXIANG));
        let team = Role::CrossTeam {
            inspected: DINGXIANG.into(),
        };
        assert!(may_see_county(&team, DINGXIANG));
        assert!(!may_see_county(&team, XINFU));
        assert!(!may_see_county(&Role::Enterprise(ent()), XINFU));
    }

    #[test]
    fn city_sees_everything_even_unscoped_records() {
        assert!(may_see(&Role::City, &scope(Some(XINFU), None, None)));
        assert!(may_see(&Role::City, &RecordScope::default()));
    }

    #[test]
    fn county_and_cross_team_see_only_their_county() {
        let county = Role::County(XINFU.into());
        let cross = Role::CrossTeam {
            inspected: XINFU.into(),
        };
        for role in [county, cross] {
            assert!(may_see(
                &role,
                &scope(Some(XINFU), Some(ent()), Some("cross"))
            ));
            assert!(!may_see(&role, &scope(Some(DINGXIANG), Some(ent()), None)));
            assert!(!may_see(&role, &scope(None, Some(ent()), None)));
        }
    }

    #[test]
    fn enterprise_sees_its_own_self_inspections_and_hazards_only() {
        let role = Role::Enterprise(ent());
        let other = Uuid::parse_str("01939b8e-0000-7000-8000-000000000002").unwrap();
        // its enterprise record and its hazards (no stage)
        assert!(may_see(&role, &scope(Some(XINFU), Some(ent()), None)));
        assert!(may_see(
            &role,
            &scope(Some(XINFU), Some(ent()), Some("self_inspection"))
        ));
        assert!(!may_see(
            &role,
            &scope(Some(XINFU), Some(ent()), Some("cross"))
        ));
        assert!(!may_see(
            &role,
            &scope(Some(XINFU), Some(ent()), Some("city_county.county"))
        ));
        assert!(!may_see(&role, &scope(Some(XINFU), Some(other), None)));
    }

    #[test]
    fn roles_are_built_from_stored_parts_and_check_the_county() {
        assert_eq!(
            Role::from_parts(RoleKind::County, Some(XINFU), None),
            Ok(Role::County(XINFU.into()))
        );
        assert_eq!(
            Role::from_parts(RoleKind::Cross, Some(DINGXIANG), None)
                .unwrap()
                .county(),
            Some(DINGXIANG)
        );
        assert_eq!(
            Role::from_parts(RoleKind::County, Some("110101"), None),
            Err(RoleError::UnknownCounty("110101".into()))
        );
        assert_eq!(
            Role::from_parts(RoleKind::County, None, None),
            Err(RoleError::MissingCounty("县级"))
        );
        assert_eq!(
            Role::from_parts(RoleKind::Enterprise, None, None),
            Err(RoleError::MissingEnterprise)
        );
        for k in RoleKind::ALL {
            assert_eq!(RoleKind::from_key(k.key()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), json!(k.key()));
        }
    }

    #[test]
    fn repeats_are_recognised_whatever_the_sync_bookkeeping() {
        let sent = json!({"meta": {"id": "x", "rev": 0, "base_rev": 0, "dirty": true}, "a": 1});
        let stored = stored_body(sent.clone(), 7);
        assert_eq!(stored["meta"]["rev"], 7);
        assert_eq!(stored["meta"]["base_rev"], 7);
        assert_eq!(stored["meta"]["dirty"], false);
        assert!(same_content(&sent, &stored));
        let edited = json!({"meta": {"id": "x", "rev": 7, "base_rev": 7}, "a": 2});
        assert!(!same_content(&edited, &stored));
    }

    #[test]
    fn photo_references_are_found_anywhere_in_the_body() {
        let a = "a".repeat(64);
        let b = "0123456789abcdef".repeat(4);
        let body = json!({
            "photos": [a],
            "reviews": [{"photos": [b]}],
            "signatures": {"inspector": {"photo_sha256": a}},
            "description": "ABCDEF".repeat(11),
            "credit_code": "91140900MA0K0000XX",
        });
        let refs: Vec<_> = photo_refs(&body).into_iter().collect();
        assert_eq!(refs, vec![b.clone(), a.clone()]);
    }

    #[test]
    fn a_change_must_be_well_formed() {
        let id = ent();
        let ok = Change {
            id,
            kind: "hazard".into(),
            base_rev: 0,
            deleted: false,
            body: json!({"meta": {"id": id.to_string()}}),
        };
        assert!(ok.check().is_ok());
        let code = |c: Change| match c.check() {
            Err(PushOutcome::Rejected { code, .. }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            code(Change {
                kind: "Hazard!".into(),
                ..ok.clone()
            }),
            "invalid_kind"
        );
        assert_eq!(
            code(Change {
                body: json!([1]),
                ..ok.clone()
            }),
            "invalid_body"
        );
        assert_eq!(
            code(Change {
                body: json!({"meta": {"id": Uuid::nil().to_string()}}),
                ..ok.clone()
            }),
            "id_mismatch"
        );
        assert_eq!(code(Change { base_rev: -1, ..ok }), "invalid_base_rev");
    }

    #[test]
    fn outcomes_have_a_status_tag_on_the_wire() {
        let r = PushResult {
            id: ent(),
            outcome: PushOutcome::Applied { rev: 3 },
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["outcome"], json!({"status": "applied", "rev": 3}));
        assert_eq!(serde_json::from_value::<PushResult>(v).unwrap(), r);
        assert!(is_closed(&json!({"state": "closed"})));
        assert!(!is_closed(&json!({"state": "open"})));
    }
}
