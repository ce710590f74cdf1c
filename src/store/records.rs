//! Typed access to the `records` store. A row is `{id, kind, dirty, updated_at, body}` where
//! `body` is the record as a JSON string; the index columns are copied out of it so the sync
//! engine can find dirty rows without decoding every body. JSON text rather than a JS object
//! tree: parsing 5,000 hazards with serde_json is several times faster than walking JS objects
//! with serde-wasm-bindgen, and it keeps one deserializer per type in the wasm, not two.

use model::record::Record;
use rexie::{KeyRange, Rexie, TransactionMode};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsValue;

use super::error::{finish, StoreError, StoreResult};
use super::schema::RECORDS;
use super::unreadable::{self, text_of, Unreadable};

pub(crate) fn to_js<T: Serialize>(v: &T) -> StoreResult<JsValue> {
    // json_compatible: maps become plain objects, so rows stay readable in devtools and exports.
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_js<T: DeserializeOwned>(v: JsValue) -> StoreResult<T> {
    serde_wasm_bindgen::from_value(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

fn field(row: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(row, &JsValue::from_str(key)).unwrap_or_default()
}

pub(crate) fn row<T: Record + Serialize>(record: &T) -> StoreResult<JsValue> {
    let meta = record.meta();
    let body = serde_json::to_string(record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let obj = js_sys::Object::new();
    set(&obj, "id", &JsValue::from_str(&meta.id.to_string()));
    set(&obj, "kind", &JsValue::from_str(T::KIND));
    set(
        &obj,
        "dirty",
        &JsValue::from_f64(if meta.dirty { 1.0 } else { 0.0 }),
    );
    set(
        &obj,
        "updated_at",
        &JsValue::from_f64(meta.updated_at as f64),
    );
    set(&obj, "body", &JsValue::from_str(&body));
    Ok(obj.into())
}

/// The record in a row of the right kind, or why it cannot be read (wrong JSON, wrong shape).
fn decode<T: DeserializeOwned>(row: &JsValue) -> Result<T, String> {
    decode_body(row, &JsValue::from_str("body"))
}

/// [`decode`] with the property name made once per list, not once per row.
fn decode_body<T: DeserializeOwned>(row: &JsValue, body_key: &JsValue) -> Result<T, String> {
    let text = js_sys::Reflect::get(row, body_key)
        .unwrap_or_default()
        .as_string()
        .ok_or_else(|| "缺少记录内容".to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// A row that could not be read, as the registry keeps it (its body text untouched).
fn unreadable_row(row: &JsValue, kind: &str, error: String) -> Unreadable {
    Unreadable {
        id: text_of(&field(row, "id")),
        kind: kind.to_string(),
        error,
        body: text_of(&field(row, "body")),
        dirty: field(row, "dirty").as_f64().unwrap_or(0.0) >= 1.0,
        updated_at: field(row, "updated_at").as_f64().unwrap_or(0.0) as i64,
    }
}

/// Records of different kinds written in ONE transaction (an inspection's answer and the
/// hazard it opened): all land or none do.
#[derive(Default)]
pub struct Batch(Vec<JsValue>);

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    #[allow(clippy::should_implement_trait)] // not `Add`: it can fail and takes any record kind
    pub fn add<T: Record + Serialize>(mut self, record: &T) -> StoreResult<Self> {
        self.0.push(row(record)?);
        Ok(self)
    }

    pub async fn write(self, db: &Rexie) -> StoreResult<()> {
        let tx = db.transaction(&[RECORDS], TransactionMode::ReadWrite)?;
        let result = async {
            let store = tx.store(RECORDS)?;
            for r in &self.0 {
                store.put(r, None).await?;
            }
            Ok(())
        }
        .await;
        // A put refused before it started does not abort the transaction by itself.
        finish(tx, result).await
    }
}

/// Writes several records of one kind in ONE transaction: all land or none do.
pub async fn put_all<T: Record + Serialize>(db: &Rexie, records: &[T]) -> StoreResult<()> {
    let mut batch = Batch::new();
    for r in records {
        batch = batch.add(r)?;
    }
    batch.write(db).await
}

pub async fn put<T: Record + Serialize>(db: &Rexie, record: &T) -> StoreResult<()> {
    put_all(db, std::slice::from_ref(record)).await
}

/// One record. A row that cannot be read is an error for that record only (its screen says so)
/// and is remembered in [`unreadable`]; lists are not affected.
pub async fn get<T: Record + DeserializeOwned>(db: &Rexie, id: &str) -> StoreResult<Option<T>> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let store = tx.store(RECORDS)?;
    let value = store.get(JsValue::from_str(id)).await?;
    tx.done().await?;
    let Some(row) = value else { return Ok(None) };
    let kind = field(&row, "kind").as_string().unwrap_or_default();
    if kind != T::KIND {
        // A link to a record of another kind: the row itself may be fine.
        return Err(StoreError::Corrupt(format!(
            "{id} 是 {kind} 而不是 {}",
            T::KIND
        )));
    }
    match decode::<T>(&row) {
        Ok(record) => {
            unreadable::readable(T::KIND, id);
            Ok(Some(record))
        }
        Err(e) => {
            unreadable::note(unreadable_row(&row, T::KIND, e.clone()));
            Err(StoreError::Corrupt(format!("{id}：{e}")))
        }
    }
}

/// Rows of one kind decoded as `T` (the record, or a summary of it), in the `kind` index's
/// order (by id), at most `limit`.
struct Rows<T> {
    read: Vec<T>,
    bad: Vec<Unreadable>,
    /// Rows read from the store, good and bad: fewer than `limit` means there are no more.
    rows: usize,
}

async fn read_kind<T: DeserializeOwned>(
    db: &Rexie,
    kind: &str,
    limit: Option<u32>,
) -> StoreResult<Rows<T>> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let store = tx.store(RECORDS)?;
    let index = store.index("kind")?;
    let range = KeyRange::only(&JsValue::from_str(kind)).map_err(rexie::Error::from)?;
    let values = index.get_all(Some(range), limit).await?;
    tx.done().await?;
    let body_key = JsValue::from_str("body");
    let mut read = Vec::with_capacity(values.len());
    let mut bad = Vec::new();
    for row in &values {
        match decode_body::<T>(row, &body_key) {
            Ok(record) => read.push(record),
            Err(e) => bad.push(unreadable_row(row, kind, e)),
        }
    }
    if !bad.is_empty() {
        web_sys::console::warn_1(&JsValue::from_str(&format!(
            "跳过 {} 条无法读取的{}记录",
            bad.len(),
            kind
        )));
    }
    Ok(Rows {
        read,
        bad,
        rows: values.len(),
    })
}

/// All records of one kind, tombstones included (callers decide what to show). Rows that cannot
/// be read are skipped, never failing the list, and the registry of unreadable rows is brought
/// up to date for this kind (rows read fine again leave it).
pub async fn list<T: Record + DeserializeOwned>(db: &Rexie) -> StoreResult<Vec<T>> {
    let rows = read_kind::<T>(db, T::KIND, None).await?;
    unreadable::settle(T::KIND, rows.bad);
    Ok(rows.read)
}

/// Summaries (`T`: a struct reading a few of the record's fields) of the first `limit` records of
/// `kind`, or of all, in the order [`list`] returns them, tombstones included; `true` when
/// every row of the kind was read. Rows that do not read as `T` are skipped as [`list`] skips
/// them and registered if new; the registry is not settled, since a row a summary reads may
/// still not read as the whole record (only [`list`] and [`get`] can say it reads again).
pub async fn summaries<T: DeserializeOwned>(
    db: &Rexie,
    kind: &str,
    limit: Option<u32>,
) -> StoreResult<(Vec<T>, bool)> {
    let rows = read_kind::<T>(db, kind, limit).await?;
    let all = limit.is_none_or(|l| rows.rows < l as usize);
    for b in rows.bad {
        unreadable::note_if_new(b);
    }
    Ok((rows.read, all))
}

/// The records (or summaries, see [`summaries`]) of `kind` with these ids, read in ONE
/// transaction with the requests all under way at once; missing ids, rows of another kind and
/// rows that do not read are left out (the last registered if new), so the result may be shorter.
pub async fn get_many<T: DeserializeOwned>(
    db: &Rexie,
    kind: &str,
    ids: &[String],
) -> StoreResult<Vec<T>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let store = tx.store(RECORDS)?;
    let found = join_all(ids.iter().map(|id| store.get(JsValue::from_str(id)))).await;
    tx.done().await?;
    let body_key = JsValue::from_str("body");
    let mut out = Vec::with_capacity(ids.len());
    for row in found {
        let Some(row) = row? else { continue };
        if field(&row, "kind").as_string().as_deref() != Some(kind) {
            continue;
        }
        match decode_body::<T>(&row, &body_key) {
            Ok(r) => out.push(r),
            Err(e) => unreadable::note_if_new(unreadable_row(&row, kind, e)),
        }
    }
    Ok(out)
}

/// Runs the futures together and returns their outputs in order. IndexedDB requests are issued
/// when their future is first polled: awaiting them one by one would wait a round trip each.
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// How many records of any kind still wait to be sent to the server.
pub async fn count_dirty(db: &Rexie) -> StoreResult<u32> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let store = tx.store(RECORDS)?;
    let n = store
        .index("dirty")?
        .count(Some(
            KeyRange::only(&JsValue::from_f64(1.0)).map_err(rexie::Error::from)?,
        ))
        .await?;
    tx.done().await?;
    Ok(n)
}
