//! Helpers shared by the browser tests (`mod support;` in each test file that needs them).
// Each test binary uses a part of these.
#![allow(dead_code)]

use model::hazard::Hazard;
use model::inspection::Inspection;
use model::record::RecordMeta;
use model::stage::Stage;
use wasm_bindgen::JsValue;
use yinhuan_app::store;
use yinhuan_app::store::{records, sync_rows};
use yinhuan_app::sync::engine::mark_pushed;

/// A database of this name, emptied first.
pub async fn fresh_db(name: &str) -> rexie::Rexie {
    let _ = rexie::Rexie::delete(name).await;
    store::open(name).await.expect("open a fresh database")
}

/// Writes a row straight into the `records` store, as an older bug or a hand edit would.
pub async fn put_raw(db: &rexie::Rexie, id: &str, kind: &str, body: &str) {
    let o = js_sys::Object::new();
    for (k, v) in [
        ("id", JsValue::from_str(id)),
        ("kind", JsValue::from_str(kind)),
        ("dirty", JsValue::from_f64(0.0)),
        ("updated_at", JsValue::from_f64(1.0)),
        ("body", JsValue::from_str(body)),
    ] {
        js_sys::Reflect::set(&o, &JsValue::from_str(k), &v).unwrap();
    }
    let tx = db
        .transaction(&[store::schema::RECORDS], rexie::TransactionMode::ReadWrite)
        .unwrap();
    tx.store(store::schema::RECORDS)
        .unwrap()
        .put(&o.into(), None)
        .await
        .unwrap();
    assert!(tx.done().await.unwrap().is_committed());
}

/// A hazard of a cross inspection of a fresh enterprise, with `text` as its description.
pub fn hazard(text: &str) -> Hazard {
    let mut e = yinhuan_app::data::new_enterprise();
    e.name = "测试企业".into();
    let meta = RecordMeta::new(yinhuan_app::browser::new_id(), 1_000, "dev", "u");
    let insp = Inspection::new(
        meta,
        "c",
        &e,
        Stage::Cross,
        model::date::Date::new(2025, 3, 3).unwrap(),
    );
    let mut h = Hazard::new(
        RecordMeta::new(yinhuan_app::browser::new_id(), 1_000, "dev", "u"),
        &insp,
        1,
    );
    h.description = text.into();
    h
}

/// Stores `h` here as synced at `rev` (pushed and acknowledged).
pub async fn synced(db: &rexie::Rexie, h: &Hazard, rev: i64) {
    records::put(db, h).await.unwrap();
    let sent = sync_rows::dirty_rows(db, None)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == h.meta.id.to_string())
        .unwrap();
    mark_pushed(db, &sent, rev).await.unwrap();
}

/// `h` as stored here now.
pub async fn stored(db: &rexie::Rexie, h: &Hazard) -> Hazard {
    records::get::<Hazard>(db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap()
}
