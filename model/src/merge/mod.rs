//! 冲突合并: the three-way, field-by-field merge the sync engine runs when a device pushes a record
//! edited from `base` while the server's version moved on to `server`.
//!
//! It works on the JSON form of any synced record (see [`merge`]; [`merge_records`] wraps it for
//! typed records), so every record kind merges by the same rules:
//!
//! - **Objects** are merged key by key, recursively. A key missing on one side is a value too
//!   (absent); a key removed on one side and untouched on the other is removed.
//! - **Leaves** (scalars, `null`, arrays) are compared whole. For each leaf: unchanged on both
//!   sides → base; changed on one side only → that side; changed on both to the same value → that
//!   value; changed on both differently → a [`FieldConflict`] holding all three values, and the
//!   merged record provisionally takes the **server** value. Nothing is lost: the local value lives
//!   in the conflict until the user chooses per field ([`resolve`]).
//! - **Photo sets**: an array under an object key ending in `photos` (`photos`,
//!   `rectification.progress_photos`; a review's `photos` sit inside the `reviews` array, which is
//!   a leaf) whose values are all strings (SHA-256 keys) is merged as a set when both sides
//!   changed it: the server's list, minus the hashes the device removed since base, plus the
//!   hashes the device added (in the device's order, no duplicates). The result's set is
//!   `(base − removed by either) ∪ added by either`. Photo sets never conflict.
//!   A 交叉检查 plan's `enterprises` (抽检企业 ids) merges the same way.
//! - **Keyed lists**: `answers` (检查项答案) is a list of objects keyed by `item_id`. When both
//!   sides changed it, it is merged item by item (each answer like an object), so two inspectors
//!   answering different items offline both keep theirs, and only the same item answered
//!   differently is a [`FieldConflict`], at e.g. `["answers", "<item_id>", "verdict"]` (the item
//!   is named by its key; [`resolve`] finds it by that key). The result keeps the server's order,
//!   then the items only the device added.
//! - **Atomic values**: some objects only make sense whole and are leaves even though they are
//!   objects: `basis` (判定依据: catalogue item and its citation go together), the two signatures
//!   (`signatures.inspector`, `signatures.enterprise`), `pairing` and `cross_pair`; and an enum
//!   variant switch (every side a one-key object, not all with the same key, e.g.
//!   `{"free_text":…}` → `{"catalogue":…}`), so a merge never glues two variants together.
//! - **`meta`** (the sync envelope: id, rev, base_rev, created_at, updated_at, dirty, device_id,
//!   updated_by) is not merged field-wise: the result takes the server's `meta` whole, and the
//!   caller then sets what its push needs (`dirty = true`, `base_rev = server rev`). The one
//!   exception is the `deleted` tombstone, which is user data: it merges three-way like a leaf,
//!   and a delete on one side against content edits on the other is a [`FieldConflict`] at
//!   `meta.deleted` (a record deleted online never comes back silently, and a delete made offline
//!   is never undone silently by an online edit).
//! - **销号 (closed) hazards** (any record with a top-level `"state"`): when the server's version is
//!   `closed`, a local change to a lifecycle field (`state`, `reviews`, `history`, `completed_on`)
//!   that differs from the server's is always a [`FieldConflict`], even where the server did not
//!   touch that field, so a stale offline edit never reopens a closed hazard silently. And when the
//!   server closed it since base (base not closed, server closed) and the device changed anything
//!   outside `meta`, [`MergeOutcome::closed_on_server`] is set so the UI shows it even where the
//!   edits merged cleanly.

mod labels;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use labels::{field_label, field_label_for};

/// The sync envelope's key; see the module docs.
pub const META: &str = "meta";
/// The only `meta` field that is merged: the tombstone.
pub const DELETED: &str = "deleted";
/// The hazard lifecycle fields guarded by the 销号 rule.
pub const LIFECYCLE_FIELDS: [&str; 4] = ["state", "reviews", "history", "completed_on"];
/// [`crate::HazardState::Closed`] in JSON.
const CLOSED: &str = "closed";

/// Objects that are merged whole (as leaves), by JSON path.
const ATOMIC_PATHS: &[&[&str]] = &[
    &["basis"],
    &["pairing"],
    &["cross_pair"],
    &["signatures", "inspector"],
    &["signatures", "enterprise"],
];

/// Lists of strings merged as sets like photo sets, by JSON path: a 交叉检查 plan's 抽检企业
/// (two clerks each drawing enterprises keep both draws; one removing one removes it).
const SET_PATHS: &[&[&str]] = &[&["enterprises"]];

/// Lists of objects merged item by item, by JSON path and the key field of their items.
const KEYED_LISTS: &[(&[&str], &str)] = &[(&["answers"], "item_id")];

/// One field both sides changed differently (or a guarded change, see the module docs).
/// `None` means the field is absent on that side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// JSON path from the record's root, e.g. `["rectification", "measures"]`.
    pub path: Vec<String>,
    pub base: Option<Value>,
    pub local: Option<Value>,
    pub server: Option<Value>,
}

impl FieldConflict {
    /// The Chinese label of the field, for the conflict view.
    pub fn label(&self) -> String {
        field_label(&self.path)
    }

    /// The value of one side.
    pub fn value(&self, choice: Choice) -> Option<&Value> {
        match choice {
            Choice::Local => self.local.as_ref(),
            Choice::Server => self.server.as_ref(),
            Choice::Base => self.base.as_ref(),
        }
    }
}

/// Which version of a conflicting field the user keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// 本机版本
    Local,
    /// 服务器版本
    Server,
    /// 修改前版本
    Base,
}

impl Choice {
    pub fn label(self) -> &'static str {
        match self {
            Choice::Local => "本机版本",
            Choice::Server => "服务器版本",
            Choice::Base => "修改前版本",
        }
    }
}

/// The result of [`merge`]. Kept with the record (serialisable) until the user has resolved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeOutcome {
    /// The merged record; at each conflict it holds the server's value for now.
    pub merged: Value,
    /// Fields to choose, sorted by path.
    pub conflicts: Vec<FieldConflict>,
    /// The server closed (销号) this hazard since base and the device had edited it.
    pub closed_on_server: bool,
}

impl MergeOutcome {
    /// Nothing for the user to see: no conflict and no 销号 on the server.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty() && !self.closed_on_server
    }

    /// The conflict at `path`, if any.
    pub fn conflict(&self, path: &[String]) -> Option<&FieldConflict> {
        self.conflicts.iter().find(|c| c.path == path)
    }
}

/// Three-way merge of the JSON forms of one record; see the module docs for the rules.
pub fn merge(base: &Value, local: &Value, server: &Value) -> MergeOutcome {
    let mut m = Merger {
        path: Vec::new(),
        conflicts: Vec::new(),
    };
    let (Value::Object(b), Value::Object(l), Value::Object(s)) = (base, local, server) else {
        let merged = m.value(Some(base), Some(local), Some(server));
        return MergeOutcome {
            merged: merged.unwrap_or(Value::Null),
            conflicts: m.conflicts,
            closed_on_server: false,
        };
    };

    let mut merged = Map::new();
    for key in union_keys(b, l, s) {
        let v = if key == META {
            m.meta(
                b.get(key),
                l.get(key),
                s.get(key),
                content_changed(b, l),
                content_changed(b, s),
            )
        } else {
            m.path.push(key.clone());
            let v = m.value(b.get(key), l.get(key), s.get(key));
            m.path.pop();
            v
        };
        if let Some(v) = v {
            merged.insert(key.clone(), v);
        }
    }

    let mut closed_on_server = false;
    if is_closed(s) {
        for key in LIFECYCLE_FIELDS {
            let (bv, lv, sv) = (b.get(key), l.get(key), s.get(key));
            if lv == bv || lv == sv {
                continue;
            }
            let path = vec![key.to_owned()];
            m.conflicts.retain(|c| !c.path.starts_with(&path));
            m.conflicts.push(FieldConflict {
                path,
                base: bv.cloned(),
                local: lv.cloned(),
                server: sv.cloned(),
            });
            match sv {
                Some(v) => merged.insert(key.to_owned(), v.clone()),
                None => merged.remove(key),
            };
        }
        closed_on_server = !is_closed(b) && content_changed(b, l);
    }
    m.conflicts.sort_by(|a, b| a.path.cmp(&b.path));

    MergeOutcome {
        merged: Value::Object(merged),
        conflicts: m.conflicts,
        closed_on_server,
    }
}

/// Applies the user's per-field choices to an outcome. Conflicts without a choice keep the
/// provisional server value; choices for a path that is not a conflict are ignored.
pub fn resolve(outcome: &MergeOutcome, choices: &[(Vec<String>, Choice)]) -> Value {
    let mut out = outcome.merged.clone();
    for (path, choice) in choices {
        if let Some(c) = outcome.conflict(path) {
            set_path(&mut out, path, c.value(*choice).cloned());
        }
    }
    out
}

/// [`merge`] for typed records: the merged record (server values at conflicts), the conflicts and
/// [`MergeOutcome::closed_on_server`]. The merged `meta` is the server's; set `dirty`/`base_rev`.
pub fn merge_records<T: Serialize + DeserializeOwned>(
    base: &T,
    local: &T,
    server: &T,
) -> Result<(T, Vec<FieldConflict>, bool), serde_json::Error> {
    let outcome = merge(
        &serde_json::to_value(base)?,
        &serde_json::to_value(local)?,
        &serde_json::to_value(server)?,
    );
    let merged = serde_json::from_value(outcome.merged)?;
    Ok((merged, outcome.conflicts, outcome.closed_on_server))
}

struct Merger {
    path: Vec<String>,
    conflicts: Vec<FieldConflict>,
}

impl Merger {
    fn value(&mut self, b: Option<&Value>, l: Option<&Value>, s: Option<&Value>) -> Option<Value> {
        if l == s || l == b {
            return s.cloned();
        }
        if s == b {
            return l.cloned();
        }
        // Changed on both sides, differently.
        match (l, s) {
            (Some(Value::Object(lo)), Some(Value::Object(so))) if !self.is_atomic(b, lo, so) => {
                let empty = Map::new();
                let bo = match b {
                    Some(Value::Object(bo)) => bo,
                    _ => &empty,
                };
                let mut out = Map::new();
                for key in union_keys(bo, lo, so) {
                    self.path.push(key.clone());
                    let v = self.value(bo.get(key), lo.get(key), so.get(key));
                    self.path.pop();
                    if let Some(v) = v {
                        out.insert(key.clone(), v);
                    }
                }
                Some(Value::Object(out))
            }
            (Some(Value::Array(la)), Some(Value::Array(sa)))
                if self.list_key(b, la, sa).is_some() =>
            {
                let key = self.list_key(b, la, sa).expect("checked in the guard");
                let ba = match b {
                    Some(Value::Array(ba)) => ba.as_slice(),
                    _ => &[],
                };
                Some(Value::Array(self.keyed_list(key, ba, la, sa)))
            }
            (Some(Value::Array(la)), Some(Value::Array(sa))) if self.is_photo_set(b, la, sa) => {
                let ba = match b {
                    Some(Value::Array(ba)) => ba.as_slice(),
                    _ => &[],
                };
                Some(Value::Array(merge_set(ba, la, sa)))
            }
            _ => {
                self.conflicts.push(FieldConflict {
                    path: self.path.clone(),
                    base: b.cloned(),
                    local: l.cloned(),
                    server: s.cloned(),
                });
                s.cloned()
            }
        }
    }

    /// The server's `meta` with the tombstone merged three-way.
    fn meta(
        &mut self,
        b: Option<&Value>,
        l: Option<&Value>,
        s: Option<&Value>,
        local_edited: bool,
        server_edited: bool,
    ) -> Option<Value> {
        let deleted = |m: Option<&Value>| m.and_then(|m| m.get(DELETED)).and_then(Value::as_bool);
        let (bd, ld, sd) = (
            deleted(b).unwrap_or(false),
            deleted(l).unwrap_or(false),
            deleted(s).unwrap_or(false),
        );
        let mut out = s.cloned();
        if ld == sd {
            return out;
        }
        let conflict = if ld != bd {
            server_edited
        } else {
            local_edited
        };
        if conflict {
            self.conflicts.push(FieldConflict {
                path: vec![META.to_owned(), DELETED.to_owned()],
                base: Some(Value::Bool(bd)),
                local: Some(Value::Bool(ld)),
                server: Some(Value::Bool(sd)),
            });
        } else if ld != bd {
            if let Some(Value::Object(m)) = &mut out {
                m.insert(DELETED.to_owned(), Value::Bool(ld));
            }
        }
        out
    }

    fn is_atomic(&self, b: Option<&Value>, l: &Map<String, Value>, s: &Map<String, Value>) -> bool {
        if ATOMIC_PATHS
            .iter()
            .any(|p| p.iter().copied().eq(self.path.iter().map(String::as_str)))
        {
            return true;
        }
        // An externally tagged enum switching variant: one key each, not all the same.
        let (Some(lk), Some(sk)) = (one_key(l), one_key(s)) else {
            return false;
        };
        match b {
            Some(Value::Object(bo)) => match one_key(bo) {
                Some(bk) => !(bk == lk && lk == sk),
                None => false,
            },
            _ => lk != sk,
        }
    }

    /// The key field when the current path is a keyed list and every item on every side is an
    /// object carrying that key as a string (otherwise the list stays a leaf).
    fn list_key(&self, b: Option<&Value>, l: &[Value], s: &[Value]) -> Option<&'static str> {
        let key = list_key_at(&self.path)?;
        let keyed = |a: &[Value]| a.iter().all(|v| item_key(v, key).is_some());
        let base_ok = match b {
            None | Some(Value::Null) => true,
            Some(Value::Array(ba)) => keyed(ba),
            Some(_) => false,
        };
        (base_ok && keyed(l) && keyed(s)).then_some(key)
    }

    /// Item-by-item merge of a keyed list (see the module docs).
    fn keyed_list(&mut self, key: &str, b: &[Value], l: &[Value], s: &[Value]) -> Vec<Value> {
        let find =
            |a: &'_ [Value], k: &str| a.iter().find(|v| item_key(v, key) == Some(k)).cloned();
        let mut keys: Vec<String> = Vec::new();
        for v in s.iter().chain(l).chain(b) {
            let k = item_key(v, key).expect("checked by list_key").to_owned();
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let mut out = Vec::new();
        for k in keys {
            self.path.push(k.clone());
            let merged = self.value(
                find(b, &k).as_ref(),
                find(l, &k).as_ref(),
                find(s, &k).as_ref(),
            );
            self.path.pop();
            out.extend(merged);
        }
        out
    }

    fn is_photo_set(&self, b: Option<&Value>, l: &[Value], s: &[Value]) -> bool {
        let all_strings = |a: &[Value]| a.iter().all(Value::is_string);
        let set_path = self.path.last().is_some_and(|k| k.ends_with("photos"))
            || SET_PATHS
                .iter()
                .any(|p| p.iter().copied().eq(self.path.iter().map(String::as_str)));
        set_path
            && all_strings(l)
            && all_strings(s)
            && match b {
                None | Some(Value::Null) => true,
                Some(Value::Array(ba)) => all_strings(ba),
                Some(_) => false,
            }
    }
}

/// The key of a keyed-list item (`item_id` of an answer).
fn item_key<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item.get(key).and_then(Value::as_str)
}

/// The only key of a one-key object.
fn one_key(m: &Map<String, Value>) -> Option<&String> {
    if m.len() == 1 {
        m.keys().next()
    } else {
        None
    }
}

/// Server's set, minus what local removed since base, plus what local added (see module docs).
fn merge_set(base: &[Value], local: &[Value], server: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = server
        .iter()
        .filter(|v| local.contains(v) || !base.contains(v))
        .cloned()
        .collect();
    for v in local {
        if !base.contains(v) && !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

/// Keys of the three objects, in first-seen order (server, then local, then base), each once.
fn union_keys<'a>(
    b: &'a Map<String, Value>,
    l: &'a Map<String, Value>,
    s: &'a Map<String, Value>,
) -> Vec<&'a String> {
    let mut keys: Vec<&String> = Vec::new();
    for k in s.keys().chain(l.keys()).chain(b.keys()) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// Whether `side` differs from `base` outside `meta`.
fn content_changed(base: &Map<String, Value>, side: &Map<String, Value>) -> bool {
    let content = |m: &Map<String, Value>| {
        m.iter()
            .filter(|(k, _)| k.as_str() != META)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Map<String, Value>>()
    };
    content(base) != content(side)
}

fn is_closed(record: &Map<String, Value>) -> bool {
    record.get("state").and_then(Value::as_str) == Some(CLOSED)
}

/// Sets (or with `None` removes) the value at `path`, creating objects on the way. A segment
/// under a keyed list (see [`KEYED_LISTS`]) names the item by its key, not by its index.
fn set_path(root: &mut Value, path: &[String], value: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        *root = value.unwrap_or(Value::Null);
        return;
    };
    let mut node = root;
    for (depth, key) in parents.iter().enumerate() {
        node = match list_key_at(&path[..depth]) {
            Some(item) if node.is_array() => {
                let list = node.as_array_mut().expect("checked is_array");
                match list.iter().position(|v| item_key(v, item) == Some(key)) {
                    Some(i) => &mut list[i],
                    None if value.is_some() => {
                        let mut fresh = Map::new();
                        fresh.insert(item.to_owned(), Value::String(key.clone()));
                        list.push(Value::Object(fresh));
                        list.last_mut().expect("just pushed")
                    }
                    None => return,
                }
            }
            _ if value.is_none() => match node.get_mut(key.as_str()) {
                Some(child) => child,
                None => return,
            },
            _ => object(node).entry(key.clone()).or_insert(Value::Null),
        };
    }
    match (list_key_at(parents), node) {
        (Some(item), Value::Array(list)) => {
            let at = list.iter().position(|v| item_key(v, item) == Some(last));
            match (at, value) {
                (Some(i), Some(v)) => list[i] = v,
                (None, Some(v)) => list.push(v),
                (Some(i), None) => {
                    list.remove(i);
                }
                (None, None) => {}
            }
        }
        (_, node) => match value {
            Some(v) => {
                object(node).insert(last.clone(), v);
            }
            None => {
                if let Value::Object(m) = node {
                    m.remove(last);
                }
            }
        },
    }
}

/// The item key when `path` is a keyed list.
fn list_key_at(path: &[String]) -> Option<&'static str> {
    KEYED_LISTS
        .iter()
        .find(|(p, _)| p.iter().copied().eq(path.iter().map(String::as_str)))
        .map(|(_, k)| *k)
}

/// The object at `node`, replacing a non-object by an empty one.
fn object(node: &mut Value) -> &mut Map<String, Value> {
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    match node {
        Value::Object(m) => m,
        _ => unreachable!("made an object above"),
    }
}
