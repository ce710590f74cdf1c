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

/// The record in a stored row, checking it is of the kind asked for.
fn body<T: Record + DeserializeOwned>(row: &JsValue) -> StoreResult<T> {
    let kind = field(row, "kind").as_string().unwrap_or_default();
    let id = field(row, "id").as_string().unwrap_or_default();
    if kind != T::KIND {
        return Err(StoreError::Corrupt(format!(
            "{id} 是 {kind} 而不是 {}",
            T::KIND
        )));
    }
    let text = field(row, "body")
        .as_string()
        .ok_or_else(|| StoreError::Corrupt(format!("{id} 缺少记录内容")))?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{id}：{e}")))
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

pub async fn get<T: Record + DeserializeOwned>(db: &Rexie, id: &str) -> StoreResult<Option<T>> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let store = tx.store(RECORDS)?;
    let value = store.get(JsValue::from_str(id)).await?;
    tx.done().await?;
    value.as_ref().map(body).transpose()
}

/// All records of one kind, tombstones included (callers decide what to show).
pub async fn list<T: Record + DeserializeOwned>(db: &Rexie) -> StoreResult<Vec<T>> {
    let tx = db.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
    let store = tx.store(RECORDS)?;
    let index = store.index("kind")?;
    let range = KeyRange::only(&JsValue::from_str(T::KIND)).map_err(rexie::Error::from)?;
    let values = index.get_all(Some(range), None).await?;
    tx.done().await?;
    values.iter().map(body).collect()
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
