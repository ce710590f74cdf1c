//! The sync engine's side of the store. Record rows stay as the pages write them; what sync
//! must remember per record lives in the `sync` store, which the pages never write: the JSON
//! the server last acknowledged (the merge base) and an unresolved conflict or refusal.
//! Every step that must not race an edit on the page reads and writes in ONE transaction.

use js_sys::Reflect;
use rexie::{KeyRange, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

use super::error::{finish, StoreError, StoreResult};
use super::records::{from_js, to_js};
use super::schema::{META, RECORDS, SYNC};
use super::unreadable::{self, Unreadable};

/// A record row as stored by `records::row`.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRow {
    pub id: String,
    pub kind: String,
    pub dirty: bool,
    pub updated_at: i64,
    pub body: String,
}

/// What sync remembers about one record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncEntry {
    pub id: String,
    /// The record JSON the server last acknowledged (merge base).
    #[serde(default)]
    pub base: Option<String>,
    /// The server's version when a conflict needs the user.
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub server_rev: i64,
    /// JSON of the field conflicts (model::merge) awaiting a choice.
    #[serde(default)]
    pub conflicts: Option<String>,
    /// The server's refusal message; the record is not sent again until edited.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub refused_at_update: i64,
}

impl SyncEntry {
    pub fn blocks_push(&self, row: &RawRow) -> bool {
        self.conflicts.is_some()
            || (self.error.is_some() && self.refused_at_update == row.updated_at)
    }
}

fn get_str(v: &JsValue, k: &str) -> Option<String> {
    Reflect::get(v, &JsValue::from_str(k)).ok()?.as_string()
}

fn get_num(v: &JsValue, k: &str) -> f64 {
    Reflect::get(v, &JsValue::from_str(k))
        .ok()
        .and_then(|x| x.as_f64())
        .unwrap_or(0.0)
}

impl RawRow {
    pub(crate) fn from_js(v: &JsValue) -> StoreResult<RawRow> {
        Ok(RawRow {
            id: get_str(v, "id").ok_or_else(|| StoreError::Corrupt("记录缺少 id".into()))?,
            kind: get_str(v, "kind").unwrap_or_default(),
            dirty: get_num(v, "dirty") >= 1.0,
            updated_at: get_num(v, "updated_at") as i64,
            body: get_str(v, "body").unwrap_or_default(),
        })
    }

    pub(crate) fn to_js(&self) -> JsValue {
        let o = js_sys::Object::new();
        let set = |k: &str, v: JsValue| {
            let _ = Reflect::set(&o, &JsValue::from_str(k), &v);
        };
        set("id", JsValue::from_str(&self.id));
        set("kind", JsValue::from_str(&self.kind));
        set(
            "dirty",
            JsValue::from_f64(if self.dirty { 1.0 } else { 0.0 }),
        );
        set("updated_at", JsValue::from_f64(self.updated_at as f64));
        set("body", JsValue::from_str(&self.body));
        o.into()
    }
}

/// Up to `limit` rows waiting to be pushed.
pub async fn dirty_rows(db: &Rexie, limit: Option<u32>) -> StoreResult<Vec<RawRow>> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let range = KeyRange::only(&JsValue::from_f64(1.0)).map_err(rexie::Error::from)?;
    let values = tx
        .store(RECORDS)?
        .index("dirty")?
        .get_all(Some(range), limit)
        .await?;
    tx.done().await?;
    // A row without a text id cannot be sent (nor written back): skipped, never failing the queue.
    Ok(values
        .iter()
        .filter_map(|v| match RawRow::from_js(v) {
            Ok(row) => Some(row),
            Err(e) => {
                unreadable::note(Unreadable {
                    id: unreadable::text_of(
                        &Reflect::get(v, &JsValue::from_str("id")).unwrap_or_default(),
                    ),
                    kind: get_str(v, "kind").unwrap_or_default(),
                    error: e.to_string(),
                    body: get_str(v, "body").unwrap_or_default(),
                    dirty: true,
                    updated_at: get_num(v, "updated_at") as i64,
                });
                None
            }
        })
        .collect())
}

pub async fn all_entries(db: &Rexie) -> StoreResult<Vec<SyncEntry>> {
    let tx = db.transaction(&[SYNC], TransactionMode::ReadOnly)?;
    let values = tx.store(SYNC)?.get_all(None, None).await?;
    tx.done().await?;
    // One entry that cannot be read is skipped (and registered), never failing the rest.
    let mut out = Vec::with_capacity(values.len());
    let mut bad = Vec::new();
    for v in values {
        match from_js::<SyncEntry>(v.clone()) {
            Ok(e) => out.push(e),
            Err(e) => bad.push(Unreadable {
                id: get_str(&v, "id").unwrap_or_default(),
                kind: unreadable::SYNC.into(),
                error: match e {
                    StoreError::Corrupt(m) => m,
                    other => other.to_string(),
                },
                body: unreadable::text_of(&v),
                dirty: false,
                updated_at: 0,
            }),
        }
    }
    unreadable::settle(unreadable::SYNC, bad);
    Ok(out)
}

pub async fn entry(db: &Rexie, id: &str) -> StoreResult<Option<SyncEntry>> {
    let tx = db.transaction(&[SYNC], TransactionMode::ReadOnly)?;
    let v = tx.store(SYNC)?.get(JsValue::from_str(id)).await?;
    tx.done().await?;
    v.map(from_js).transpose()
}

/// The sync entries of `ids`, in order, read in one transaction (a push batch's rows).
pub async fn entries(db: &Rexie, ids: &[&str]) -> StoreResult<Vec<Option<SyncEntry>>> {
    let tx = db.transaction(&[SYNC], TransactionMode::ReadOnly)?;
    let store = tx.store(SYNC)?;
    // Every read placed at once (see `update_each`).
    let out =
        futures::future::join_all(ids.iter().map(|id| store.get(JsValue::from_str(id)))).await;
    tx.done().await?;
    out.into_iter()
        .map(|v| v?.map(from_js).transpose())
        .collect()
}

/// Every record row, undecoded (rows without a text id are skipped, as in [`dirty_rows`]).
pub async fn all_rows(db: &Rexie) -> StoreResult<Vec<RawRow>> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let values = tx.store(RECORDS)?.get_all(None, None).await?;
    tx.done().await?;
    Ok(values
        .iter()
        .filter_map(|v| RawRow::from_js(v).ok())
        .collect())
}

/// The record row `id` as stored, undecoded (e.g. to link a refused record to its screen).
pub async fn row(db: &Rexie, id: &str) -> StoreResult<Option<RawRow>> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let v = tx.store(RECORDS)?.get(JsValue::from_str(id)).await?;
    tx.done().await?;
    v.map(|v| RawRow::from_js(&v)).transpose()
}

/// Reads the record row and its sync entry and replaces them with `f(row, entry)` in ONE
/// read-write transaction, so an edit saved by the page in between cannot be overwritten.
/// `f` returns what to write (`None` leaves that part unchanged).
pub async fn update(
    db: &Rexie,
    id: &str,
    f: impl FnOnce(Option<RawRow>, SyncEntry) -> StoreResult<(Option<RawRow>, Option<SyncEntry>)>,
) -> StoreResult<()> {
    update_each(db, vec![(id.to_owned(), f)]).await
}

/// [`update`] for several records in ONE read-write transaction (a push batch's
/// acknowledgements, a pulled page): one commit instead of one per record, and all or none are
/// written.
///
/// The requests are pipelined: every read is placed at once, then every write. A transaction
/// runs its requests in the order they are placed, and the database answers them back to back,
/// where awaiting each one first cost a round trip to the browser's database process per
/// request (4 per record: 800 for a 200-record push batch). An id given again starts a new
/// wave, so that it meets the earlier write, as one after the other. Only the call of `f` is
/// generic: the reads, decoding and writes are compiled once for every caller.
pub async fn update_each<F>(db: &Rexie, items: Vec<(String, F)>) -> StoreResult<()>
where
    F: FnOnce(Option<RawRow>, SyncEntry) -> StoreResult<(Option<RawRow>, Option<SyncEntry>)>,
{
    if items.is_empty() {
        return Ok(());
    }
    let tx = db.transaction(&[RECORDS, SYNC], TransactionMode::ReadWrite)?;
    let result = async {
        let stores = (tx.store(RECORDS)?, tx.store(SYNC)?);
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let mut seen = std::collections::HashSet::new();
            let mut wave = Vec::new();
            while let Some(item) = items.next_if(|(id, _)| !seen.contains(id)) {
                seen.insert(item.0.clone());
                wave.push(item);
            }
            let ids: Vec<&str> = wave.iter().map(|(id, _)| id.as_str()).collect();
            let stored = read_wave(&stores, &ids).await?;
            let mut writes = Writes::default();
            for ((_, f), (row, entry)) in wave.into_iter().zip(stored) {
                let (row, entry) = f(row, entry)?;
                writes.add(row, entry)?;
            }
            writes.put(&stores).await?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await
}

/// The rows and sync entries of `ids` (an entry not stored yet is a fresh one), every read
/// placed at once.
async fn read_wave(
    (records, sync): &(rexie::Store, rexie::Store),
    ids: &[&str],
) -> StoreResult<Vec<(Option<RawRow>, SyncEntry)>> {
    let keys: Vec<JsValue> = ids.iter().map(|id| JsValue::from_str(id)).collect();
    let (rows, entries) = futures::future::join(
        futures::future::join_all(keys.iter().map(|k| records.get(k.clone()))),
        futures::future::join_all(keys.iter().map(|k| sync.get(k.clone()))),
    )
    .await;
    let mut out = Vec::with_capacity(ids.len());
    for ((id, row), entry) in ids.iter().zip(rows).zip(entries) {
        let row = row?.map(|v| RawRow::from_js(&v)).transpose()?;
        let entry = match entry? {
            Some(v) => from_js(v)?,
            None => SyncEntry {
                id: (*id).to_owned(),
                ..Default::default()
            },
        };
        out.push((row, entry));
    }
    Ok(out)
}

/// What one wave of [`update_each`] writes, encoded.
#[derive(Default)]
struct Writes {
    rows: Vec<(JsValue, Option<JsValue>)>,
    entries: Vec<(JsValue, Option<JsValue>)>,
}

impl Writes {
    fn add(&mut self, row: Option<RawRow>, entry: Option<SyncEntry>) -> StoreResult<()> {
        self.rows.extend(row.map(|r| (r.to_js(), None)));
        if let Some(e) = entry {
            self.entries.push((to_js(&e)?, None));
        }
        Ok(())
    }

    /// Places every write at once and waits for the last of each store; a failed one aborts
    /// the transaction, which `finish` reports.
    async fn put(self, (records, sync): &(rexie::Store, rexie::Store)) -> StoreResult<()> {
        records.put_all(self.rows.into_iter()).await?;
        sync.put_all(self.entries.into_iter()).await?;
        Ok(())
    }
}

/// A small value kept with the data (pull cursor, server instance id).
pub async fn meta_get(db: &Rexie, key: &str) -> StoreResult<Option<String>> {
    let tx = db.transaction(&[META], TransactionMode::ReadOnly)?;
    let v = tx.store(META)?.get(JsValue::from_str(key)).await?;
    tx.done().await?;
    Ok(v.and_then(|v| get_str(&v, "value")))
}

pub async fn meta_delete(db: &Rexie, key: &str) -> StoreResult<()> {
    let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
    let result = async {
        tx.store(META)?.delete(JsValue::from_str(key)).await?;
        Ok(())
    }
    .await;
    finish(tx, result).await
}

pub async fn meta_put(db: &Rexie, key: &str, value: &str) -> StoreResult<()> {
    meta_put_all(db, &[(key, value)]).await
}

/// Several [`meta_put`]s in ONE transaction (a pull page's cursor and server instance): all
/// or none are written.
pub async fn meta_put_all(db: &Rexie, pairs: &[(&str, &str)]) -> StoreResult<()> {
    let tx = db.transaction(&[META], TransactionMode::ReadWrite)?;
    let result = async {
        let store = tx.store(META)?;
        for (key, value) in pairs {
            let o = js_sys::Object::new();
            let _ = Reflect::set(&o, &JsValue::from_str("key"), &JsValue::from_str(key));
            let _ = Reflect::set(&o, &JsValue::from_str("value"), &JsValue::from_str(value));
            store.put(&o.into(), None).await?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await
}
