//! Rows this device holds but cannot read (an older bug, a hand edit, a bad body synced down).
//! Lists skip them and go on with the rest, so one bad row never blanks a screen; each skipped
//! row is remembered here, once, so the app can say how many there are and an administrator can
//! export them for repair. A row that reads again (e.g. overwritten by a good version from the
//! server) leaves the registry the next time it is listed or read.
//!
//! Plain data with change callbacks, no Leptos: the store and the tests use it without a UI; the
//! notice in the app shell subscribes and keeps its own signal.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use model::enterprise::Enterprise;
use model::hazard::Hazard;
use model::inspection::Inspection;
use model::penalty::Penalty;
use rexie::Rexie;
use serde::Serialize;
use wasm_bindgen::JsValue;

use super::StoreResult;

/// `kind` of an unreadable row of the `photos` store (its id is the SHA-256 key).
pub const PHOTO: &str = "photo";
/// `kind` of an unreadable row of the `sync` store (its id is the record's id).
pub const SYNC: &str = "sync";
/// `kind` of a sync entry whose stored field conflicts cannot be read (id: the record's id).
pub const CONFLICT: &str = "conflict";

/// One row that could not be read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unreadable {
    pub id: String,
    /// The row's kind (`hazard`, `enterprise`, …, or [`PHOTO`] / [`SYNC`]).
    pub kind: String,
    /// Why it could not be read (the parse error).
    pub error: String,
    /// The row's stored text as it is: a record's `body` JSON string, a photo's metadata.
    pub body: String,
    pub dirty: bool,
    pub updated_at: i64,
}

type Key = (String, String);

thread_local! {
    // Keyed by (kind, id): a record and its sync entry share an id, two records never do.
    static REGISTRY: RefCell<BTreeMap<Key, Unreadable>> = const { RefCell::new(BTreeMap::new()) };
    static LISTENERS: RefCell<Vec<Rc<dyn Fn()>>> = const { RefCell::new(Vec::new()) };
}

/// Every unreadable row known so far, by kind then id.
pub fn all() -> Vec<Unreadable> {
    REGISTRY.with(|r| r.borrow().values().cloned().collect())
}

pub fn count() -> usize {
    REGISTRY.with(|r| r.borrow().len())
}

/// Calls `f` after every change of the registry (for the page's lifetime).
pub fn subscribe(f: impl Fn() + 'static) {
    LISTENERS.with(|l| l.borrow_mut().push(Rc::new(f)));
}

fn changed() {
    // Cloned out first: a listener may read the registry (or subscribe) while it runs.
    let listeners: Vec<Rc<dyn Fn()>> = LISTENERS.with(|l| l.borrow().clone());
    for f in listeners {
        f();
    }
}

fn edit(f: impl FnOnce(&mut BTreeMap<Key, Unreadable>) -> bool) {
    if REGISTRY.with(|r| f(&mut r.borrow_mut())) {
        changed();
    }
}

/// Remembers a row that could not be read (replacing what was known about it).
pub fn note(entry: Unreadable) {
    edit(|r| {
        let key = (entry.kind.clone(), entry.id.clone());
        if r.get(&key) == Some(&entry) {
            return false;
        }
        r.insert(key, entry);
        true
    });
}

/// As [`note`], but a row already registered keeps its entry (a summary's reader meets it with
/// another parse error than the whole record's, which stays the one to show).
pub fn note_if_new(entry: Unreadable) {
    edit(|r| {
        let key = (entry.kind.clone(), entry.id.clone());
        if r.contains_key(&key) {
            return false;
        }
        r.insert(key, entry);
        true
    });
}

/// The row `id` of `kind` was read fine: it is no longer unreadable.
pub fn readable(kind: &str, id: &str) {
    edit(|r| r.remove(&(kind.to_string(), id.to_string())).is_some());
}

/// After reading EVERY row of `kind`: exactly `bad` are unreadable now (rows repaired or gone
/// since leave the registry).
pub fn settle(kind: &str, bad: Vec<Unreadable>) {
    edit(|r| {
        let before: Vec<&Unreadable> = r.values().filter(|u| u.kind == kind).collect();
        let same = before.len() == bad.len() && bad.iter().all(|b| before.contains(&b));
        if same {
            return false;
        }
        r.retain(|(k, _), _| k != kind);
        for b in bad {
            r.insert((b.kind.clone(), b.id.clone()), b);
        }
        true
    });
}

/// Forgets everything (tests).
pub fn clear() {
    edit(|r| {
        let had = !r.is_empty();
        r.clear();
        had
    });
}

/// Reads every record kind the app shows once, so the registry (and the notice) knows about
/// bad rows of kinds the current screen does not list.
pub async fn scan(db: &Rexie) -> StoreResult<()> {
    use super::records::list;
    list::<Enterprise>(db).await?;
    list::<Inspection>(db).await?;
    list::<Hazard>(db).await?;
    list::<Penalty>(db).await?;
    Ok(())
}

/// `value` as text for the registry: a string as it is, anything else as JSON.
pub(crate) fn text_of(value: &JsValue) -> String {
    if let Some(s) = value.as_string() {
        return s;
    }
    if value.is_undefined() {
        return String::new();
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// What the notice shows for a kind.
pub fn kind_label(kind: &str) -> &str {
    match kind {
        "enterprise" => "企业",
        "inspection" => "检查",
        "hazard" => "隐患",
        "penalty" => "行政处罚",
        PHOTO => "照片",
        SYNC => "同步状态",
        CONFLICT => "同步冲突",
        other => other,
    }
}
