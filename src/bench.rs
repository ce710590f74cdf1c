//! Benchmark entry points for `scripts/bench` (called through `window.wasmBindings`). They run
//! the app's own store and photo code in a scratch database, never the user's, and return
//! timings in milliseconds; the bench script prints the table.

use model::hazard::Hazard;
use model::inspection::Inspection;
use model::record::RecordMeta;
use model::stage::Stage;
use wasm_bindgen::prelude::*;
use web_sys::Blob;

use crate::browser::{new_id, now_ms, today};
use crate::data::filter_hazards;
use crate::photo::{self, PhotoMeta, PhotoSource, Place, ProcessOptions, Stamp};
use crate::store::{self, records::Batch};

const BENCH_DB: &str = "yinhuan-bench";

fn perf_now() -> f64 {
    crate::browser::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

fn err(e: impl ToString) -> JsValue {
    JsValue::from_str(&e.to_string())
}

fn sample_hazard(n: u32) -> Hazard {
    let mut enterprise = crate::data::new_enterprise();
    enterprise.name = "基准测试钢铁有限公司".into();
    let meta = RecordMeta::new(new_id(), now_ms(), "bench", "bench");
    let insp = Inspection::new(meta, "bench", &enterprise, Stage::Cross, today());
    let mut h = Hazard::new(
        RecordMeta::new(new_id(), now_ms(), "bench", "bench"),
        &insp,
        n,
    );
    h.description = format!("第{n}处：除尘器未设置泄爆装置，车间地面积尘严重");
    h
}

/// Saves a hazard with 3 photos (the blobs given) `rounds` times; returns each save's ms.
#[wasm_bindgen]
pub async fn bench_save_hazard(photos: Vec<Blob>, rounds: u32) -> Result<Vec<f64>, JsValue> {
    let _ = rexie::Rexie::delete(BENCH_DB).await;
    let db = store::open(BENCH_DB).await.map_err(err)?;
    let mut times = Vec::new();
    for round in 0..rounds {
        let mut hazard = sample_hazard(round + 1);
        let mut rows = Vec::new();
        for (i, blob) in photos.iter().enumerate() {
            // Distinct keys per round so every save really writes 3 photos.
            let sha = format!("{:064x}", u64::from(round) * 16 + i as u64);
            hazard.photos.push(sha.clone());
            let meta = PhotoMeta {
                sha256: sha,
                hazard_id: Some(hazard.meta.id.to_string()),
                inspection_id: Some(hazard.inspection_id.to_string()),
                source: PhotoSource::Camera,
                taken_at: now_ms(),
                place: Place::Timeout,
                width: 1600,
                height: 1200,
                bytes: blob.size() as u32,
                original_bytes: 0,
                enterprise: String::new(),
                upload_state: Default::default(),
                created_at: now_ms(),
            };
            rows.push((meta, blob.clone()));
        }
        let t0 = perf_now();
        store::photos::put_record_with_photos(&db, &hazard, &rows)
            .await
            .map_err(err)?;
        times.push(perf_now() - t0);
    }
    db.close();
    let _ = rexie::Rexie::delete(BENCH_DB).await;
    Ok(times)
}

/// Runs the capture pipeline on `jpeg`; returns [ms, output bytes, width, height].
#[wasm_bindgen]
pub async fn bench_process_photo(jpeg: Blob) -> Result<Vec<f64>, JsValue> {
    let stamp = Stamp {
        taken_at_ms: now_ms(),
        place: Place::Timeout,
        enterprise: "基准测试钢铁有限公司".into(),
        source: PhotoSource::Camera,
    };
    let t0 = perf_now();
    let p = photo::process_photo(&jpeg, &stamp, &ProcessOptions::default())
        .await
        .map_err(err)?;
    Ok(vec![
        perf_now() - t0,
        f64::from(p.bytes),
        f64::from(p.width),
        f64::from(p.height),
    ])
}

/// Stores `count` hazards, then times loading them all and filtering by a search text the
/// way the 隐患台账 page does; returns [load+filter ms, matches, raw IndexedDB read ms, load+decode ms, filter ms].
#[wasm_bindgen]
pub async fn bench_list_hazards(count: u32) -> Result<Vec<f64>, JsValue> {
    let _ = rexie::Rexie::delete(BENCH_DB).await;
    let db = store::open(BENCH_DB).await.map_err(err)?;
    let mut batch = Batch::new();
    for n in 0..count {
        let mut h = sample_hazard(n + 1);
        if n % 10 == 0 {
            h.kind = model::hazard::HazardKind::Major;
        }
        batch = batch.add(&h).map_err(err)?;
    }
    batch.write(&db).await.map_err(err)?;
    // Raw IndexedDB read alone, to tell storage time from decoding time.
    let t_raw = perf_now();
    {
        let tx = db
            .transaction(&[store::schema::RECORDS], rexie::TransactionMode::ReadOnly)
            .map_err(err)?;
        let n = tx
            .store(store::schema::RECORDS)
            .map_err(err)?
            .get_all(None, None)
            .await
            .map_err(err)?
            .len();
        tx.done().await.map_err(err)?;
        debug_assert_eq!(n as u32, count);
    }
    let raw_ms = perf_now() - t_raw;
    let t0 = perf_now();
    let all: Vec<Hazard> = store::records::list(&db).await.map_err(err)?;
    let load_ms = perf_now() - t0;
    let t1 = perf_now();
    let shown = filter_hazards(
        &all,
        &Default::default(),
        Some(model::hazard::HazardKind::Major),
        false,
        "泄爆",
        today(),
    );
    let filter_ms = perf_now() - t1;
    let ms = perf_now() - t0;
    db.close();
    let _ = rexie::Rexie::delete(BENCH_DB).await;
    Ok(vec![ms, shown.len() as f64, raw_ms, load_ms, filter_ms])
}
