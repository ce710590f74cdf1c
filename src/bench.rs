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

/// `count` hazards, 10 per inspection (stages 交叉检查 / 企业自查 in turn), 100 per enterprise
/// (over the counties in turn), every 10th 重大事故隐患, written in one transaction.
async fn seed_ledger(db: &rexie::Rexie, count: u32) -> Result<(), JsValue> {
    use model::county::County;
    use model::enterprise::Enterprise;
    use model::hazard::HazardKind;

    let meta = || RecordMeta::new(new_id(), now_ms(), "bench", "bench");
    let counties = County::all();
    let enterprises: Vec<Enterprise> = (0..count.div_ceil(100))
        .map(|i| {
            let mut e = crate::data::new_enterprise();
            e.name = format!("基准测试{i}号钢铁有限公司");
            e.county = counties[i as usize % counties.len()].code.to_string();
            e
        })
        .collect();
    let mut batch = Batch::new();
    for e in &enterprises {
        batch = batch.add(e).map_err(err)?;
    }
    let mut insp = None;
    for n in 0..count {
        if n % 10 == 0 {
            let e = &enterprises[(n / 100) as usize];
            let stage = [Stage::Cross, Stage::SelfInspection][(n / 10 % 2) as usize];
            let i = Inspection::new(meta(), "bench", e, stage, today());
            batch = batch.add(&i).map_err(err)?;
            insp = Some(i);
        }
        let i = insp.as_ref().ok_or_else(|| err("no inspection"))?;
        let mut h = Hazard::new(meta(), i, n % 10 + 1);
        h.description = format!("第{}处：除尘器未设置泄爆装置，车间地面积尘严重", n + 1);
        if n % 10 == 0 {
            h.kind = HazardKind::Major;
        }
        batch = batch.add(&h).map_err(err)?;
    }
    batch.write(db).await.map_err(err)?;

    Ok(())
}

/// Seeds the app's REAL database (the benchmark runs in a fresh browser context, so it is a
/// scratch database there) as `bench_list_hazards` seeds its own, for timing the 隐患台账 screen.
#[wasm_bindgen]
pub async fn bench_seed_hazards(count: u32) -> Result<(), JsValue> {
    let db = store::db().await.map_err(err)?;
    seed_ledger(&db, count).await
}

/// Stores `count` hazards (10 per inspection, 100 per enterprise, enterprises spread over the
/// counties), then times the 隐患台账's reads. Returns, in ms unless said:
/// [0] old load + filter (every hazard decoded whole, one filter — the list as it was),
/// [1] hazards that filter matches, [2] raw IndexedDB getAll of the hazards, [3] of [0] the load,
/// [4] of [0] the filter, [5] first rows (first page read, its enterprises and inspections by id,
/// filtered and cut to the page as the list does), [6] rows in that first page,
/// [7] all summaries (every hazard, enterprise and inspection stage), [8] summaries read,
/// [9] per keystroke median and [10] max: filter over all summaries and build one page's row
/// texts, over the queries typing 泄爆装置 and a few others give; [11] decoding every hazard's
/// stored text (already read) whole and [12] as summaries.
#[wasm_bindgen]
pub async fn bench_list_hazards(count: u32) -> Result<Vec<f64>, JsValue> {
    use model::enterprise::Enterprise;
    use model::hazard::filter::{HazardFilter, Lookup};
    use model::hazard::HazardKind;
    use std::collections::HashMap;
    use store::hazard_list::{self, PAGE};

    let _ = rexie::Rexie::delete(BENCH_DB).await;
    let db = store::open(BENCH_DB).await.map_err(err)?;
    seed_ledger(&db, count).await?;

    // Raw IndexedDB read alone, to tell storage time from decoding time.
    let t_raw = perf_now();
    {
        let tx = db
            .transaction(&[store::schema::RECORDS], rexie::TransactionMode::ReadOnly)
            .map_err(err)?;
        let range = rexie::KeyRange::only(&JsValue::from_str("hazard")).map_err(err)?;
        let n = tx
            .store(store::schema::RECORDS)
            .map_err(err)?
            .index("kind")
            .map_err(err)?
            .get_all(Some(range), None)
            .await
            .map_err(err)?
            .len();
        tx.done().await.map_err(err)?;
        debug_assert_eq!(n as u32, count);
    }
    let raw_ms = perf_now() - t_raw;

    // The list as it was: every hazard decoded whole, then the model's filter.
    let t0 = perf_now();
    let all: Vec<Hazard> = store::records::list(&db).await.map_err(err)?;
    let load_ms = perf_now() - t0;
    let t1 = perf_now();
    let (no_ents, no_stages) = (Default::default(), Default::default());
    let empty = Lookup {
        enterprises: &no_ents,
        stages: &no_stages,
    };
    let major_text = HazardFilter {
        kind: Some(HazardKind::Major),
        text: "泄爆".into(),
        ..Default::default()
    };
    let (shown, _) = major_text.apply(&all, &empty, today());
    let matches = shown.len();
    let filter_ms = perf_now() - t1;
    let old_ms = perf_now() - t0;
    drop(all);

    // One page of rows as the list builds them (their texts), over a ledger.
    let page_rows = |l: &hazard_list::Ledger, f: &HazardFilter| -> usize {
        let day = today();
        let by_id: HashMap<uuid::Uuid, &Enterprise> =
            l.enterprises.iter().map(|e| (e.meta.id, e)).collect();
        let lookup = Lookup {
            enterprises: &by_id,
            stages: &l.stages,
        };
        let (shown, counts) = f.apply(&l.hazards, &lookup, day);
        let texts: Vec<String> = shown
            .iter()
            .take(PAGE as usize)
            .map(|h| {
                let name = by_id
                    .get(&h.enterprise_id)
                    .map(|e| e.name.as_str())
                    .unwrap_or("");
                let stage = l
                    .stages
                    .get(&h.inspection_id)
                    .map(|s| s.label())
                    .unwrap_or("");
                format!(
                    "{} {name} · {} · {} · {stage} · {}",
                    h.description,
                    h.kind.label(),
                    h.state_label(day),
                    h.found_on
                )
            })
            .collect();
        std::hint::black_box((texts, counts.sentence())).0.len()
    };

    // Decoding alone, from rows already read: whole hazards against summaries.
    let (whole_ms, summary_ms) = {
        let tx = db
            .transaction(&[store::schema::RECORDS], rexie::TransactionMode::ReadOnly)
            .map_err(err)?;
        let range = rexie::KeyRange::only(&JsValue::from_str("hazard")).map_err(err)?;
        let rows = tx
            .store(store::schema::RECORDS)
            .map_err(err)?
            .index("kind")
            .map_err(err)?
            .get_all(Some(range), None)
            .await
            .map_err(err)?;
        tx.done().await.map_err(err)?;
        let key = JsValue::from_str("body");
        let bodies = || {
            rows.iter().map(|r| {
                js_sys::Reflect::get(r, &key)
                    .ok()
                    .and_then(|b| b.as_string())
                    .unwrap_or_default()
            })
        };
        let t = perf_now();
        let whole: Vec<Hazard> = bodies()
            .filter_map(|b| serde_json::from_str(&b).ok())
            .collect();
        let whole_ms = perf_now() - t;
        let t = perf_now();
        let short: Vec<model::hazard::summary::HazardSummary> = bodies()
            .filter_map(|b| serde_json::from_str(&b).ok())
            .collect();
        let summary_ms = perf_now() - t;
        std::hint::black_box((whole.len(), short.len()));
        (whole_ms, summary_ms)
    };

    let t2 = perf_now();
    let first = hazard_list::first_rows(&db, PAGE).await.map_err(err)?;
    let first_shown = page_rows(&first, &HazardFilter::default());
    let first_ms = perf_now() - t2;

    let t3 = perf_now();
    let ledger = hazard_list::all(&db).await.map_err(err)?;
    let all_ms = perf_now() - t3;

    let mut keystrokes = Vec::new();
    for _round in 0..3 {
        for text in [
            "泄",
            "泄爆",
            "泄爆装",
            "泄爆装置",
            "第4999处",
            "基准测试3号",
            "无此隐患",
        ] {
            let f = HazardFilter {
                text: text.into(),
                ..Default::default()
            };
            let t = perf_now();
            page_rows(&ledger, &f);
            keystrokes.push(perf_now() - t);
        }
    }
    keystrokes.sort_by(f64::total_cmp);
    let median = keystrokes[keystrokes.len() / 2];
    let max = keystrokes[keystrokes.len() - 1];

    db.close();
    let _ = rexie::Rexie::delete(BENCH_DB).await;
    Ok(vec![
        old_ms,
        matches as f64,
        raw_ms,
        load_ms,
        filter_ms,
        first_ms,
        first_shown as f64,
        all_ms,
        ledger.hazards.len() as f64,
        median,
        max,
        whole_ms,
        summary_ms,
    ])
}

/// Seeds the app's REAL database (`store::db()`, the one the sync engine reads; the benchmark
/// runs in a fresh browser context, so it is a scratch database there) with one enterprise of
/// 代县, one inspection and `records - 2` hazards, all dirty, plus one stored photo per blob in
/// `photos`, attached to spread-out hazards. Everything goes through the store's own writes, as
/// capture does. Returns [payload bytes, record JSON bytes, photo bytes, records, photos]:
/// the payload is what a perfect sync would have to carry (record bodies + photo bytes).
#[wasm_bindgen]
pub async fn bench_seed_sync(records: u32, photos: Vec<Blob>) -> Result<Vec<f64>, JsValue> {
    use model::enterprise::{Industry, RiskTag, Scale};
    use model::stage::Level;
    use model::validation::has_errors;

    let hazard_count = records
        .checked_sub(2)
        .filter(|&n| n as usize >= photos.len())
        .ok_or_else(|| err("records must be ≥ 2 + photos (enterprise, inspection, hazards)"))?;
    let db = store::db().await.map_err(err)?;
    let device = crate::settings::device_id();
    let user = crate::settings::user_name();
    let meta = || RecordMeta::new(new_id(), now_ms(), &device, &user);

    let mut enterprise = crate::data::new_enterprise();
    enterprise.name = "代县基准测试钢铁有限公司".into();
    enterprise.county = "140923".into();
    enterprise.industry = Industry::Metallurgy;
    enterprise.tags = vec![
        RiskTag::Steel,
        RiskTag::CombustibleDust,
        RiskTag::ConfinedSpace,
    ];
    enterprise.scale = Scale::AboveDesignated;
    enterprise.leader = "王建国".into();
    enterprise.phone = "0350-5221234".into();
    enterprise.address = "忻州市代县上馆镇工业园区".into();

    let day = today();
    let campaigns = model::campaign::Campaign::bundled();
    let campaign_id = model::campaign::Campaign::latest(&campaigns, day)
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let mut insp = Inspection::new(
        meta(),
        &campaign_id,
        &enterprise,
        Stage::CityCounty(Level::County),
        day,
    );
    insp.unit = "代县应急管理局".into();
    insp.inspectors = vec!["李明".into(), "张华".into()];
    // A record the server would store but the app would refuse to save is no fair sample.
    for issues in [enterprise.validate(), insp.validate()] {
        if has_errors(&issues) {
            return Err(err(format!("seed record invalid: {issues:?}")));
        }
    }

    // Hazards as the checklist makes them: items of the inspection's own modules, in turn.
    let cat: Vec<&model::catalogue::CheckItem> = insp
        .modules
        .iter()
        .flat_map(|&m| model::catalogue::catalogue().items(m))
        .collect();
    if cat.is_empty() {
        return Err(err("no checklist items for the seeded inspection"));
    }
    let mut hazards = Vec::with_capacity(hazard_count as usize);
    for n in 0..hazard_count {
        let item = cat[n as usize % cat.len()];
        let mut h = Hazard::from_checklist_item(meta(), &insp, n + 1, item);
        h.description = format!(
            "{}{}号车间第{}处，现场检查发现该问题，企业未建立相应台账。",
            h.description,
            n % 12 + 1,
            n + 1
        );
        h.evidence_text = "现场拍照取证，企业安全负责人在场确认。".into();
        if has_errors(&h.validate()) {
            return Err(err(format!("seed hazard {} invalid", n + 1)));
        }
        hazards.push(h);
    }

    // Photos: the real SHA-256 of each blob (the server verifies it), spread over the hazards.
    let mut attached: Vec<Vec<(PhotoMeta, Blob)>> = vec![Vec::new(); hazards.len()];
    let mut photo_bytes = 0.0;
    for (j, blob) in photos.iter().enumerate() {
        let bytes = photo::blob_bytes(blob).await.map_err(err)?;
        let sha = photo::sha256_hex(&bytes).await.map_err(err)?;
        photo_bytes += bytes.len() as f64;
        let idx = j * hazards.len() / photos.len();
        let h = &mut hazards[idx];
        h.photos.push(sha.clone());
        let meta = PhotoMeta {
            sha256: sha,
            hazard_id: Some(h.meta.id.to_string()),
            inspection_id: Some(h.inspection_id.to_string()),
            source: PhotoSource::Camera,
            taken_at: now_ms(),
            place: Place::Timeout,
            width: 1600,
            height: 1200,
            bytes: bytes.len() as u32,
            original_bytes: 0,
            enterprise: enterprise.name.clone(),
            upload_state: Default::default(),
            created_at: now_ms(),
        };
        attached[idx].push((meta, blob.clone()));
    }

    // The bodies the sync engine will push (it sends the stored JSON text as is).
    let mut record_bytes = 0.0;
    let mut size = |json: Result<String, serde_json::Error>| -> Result<(), JsValue> {
        record_bytes += json.map_err(err)?.len() as f64;
        Ok(())
    };
    size(serde_json::to_string(&enterprise))?;
    size(serde_json::to_string(&insp))?;
    for h in &hazards {
        size(serde_json::to_string(h))?;
    }

    // One transaction for the records without photos; each hazard with photos is written
    // together with them, exactly as the hazard form's autosave does.
    let mut batch = Batch::new().add(&enterprise).map_err(err)?;
    batch = batch.add(&insp).map_err(err)?;
    for (h, rows) in hazards.iter().zip(&attached) {
        if rows.is_empty() {
            batch = batch.add(h).map_err(err)?;
        }
    }
    batch.write(&db).await.map_err(err)?;
    for (h, rows) in hazards.iter().zip(&attached) {
        if !rows.is_empty() {
            store::photos::put_record_with_photos(&db, h, rows)
                .await
                .map_err(err)?;
        }
    }
    Ok(vec![
        record_bytes + photo_bytes,
        record_bytes,
        photo_bytes,
        f64::from(records),
        photos.len() as f64,
    ])
}

/// The dirty record rows of the app's database as `{id, kind, dirty, updated_at, body}`
/// (body = the JSON text the sync engine pushes), so a peer can be given the same documents.
#[wasm_bindgen]
pub async fn bench_dirty_records() -> Result<js_sys::Array, JsValue> {
    let db = store::db().await.map_err(err)?;
    let rows = store::sync_rows::dirty_rows(&db, None).await.map_err(err)?;
    Ok(rows.iter().map(|r| r.to_js()).collect())
}

/// Where the client's time goes between two photo uploads of a sync run, measured on the app's
/// database after `bench_seed_sync` and a sync: the mean ms over `samples` photos of each store
/// call the engine makes per photo (get the blob; mark 已上传, in one transaction for the batch
/// as the engine does, per photo — a state row only since schema v4, the blob's row is not
/// rewritten) and of the queue recount (all sync entries, dirty rows, the photo list, the count).
/// Returns [get_photo, batched mark per photo, all_entries, dirty_rows, list 300 photo rows, count].
#[wasm_bindgen]
pub async fn bench_sync_step_costs(samples: u32) -> Result<Vec<f64>, JsValue> {
    use crate::photo::UploadState;
    use store::photos as p;
    use store::sync_rows as s;

    let db = store::db().await.map_err(err)?;
    let uploaded = p::list_by_upload_state(&db, UploadState::Uploaded)
        .await
        .map_err(err)?;
    let n = (samples as usize).min(uploaded.len());
    if n == 0 {
        return Err(err("no uploaded photos: run the sync first"));
    }
    let mut t = [0.0f64; 6];
    let batch: Vec<String> = uploaded.iter().take(n).map(|m| m.sha256.clone()).collect();
    // Back to 本机 first (not timed), then marked as the engine marks a batch of answers.
    p::set_upload_states(&db, &batch, UploadState::Local)
        .await
        .map_err(err)?;
    let m0 = perf_now();
    p::set_upload_states(&db, &batch, UploadState::Uploaded)
        .await
        .map_err(err)?;
    t[1] = perf_now() - m0;
    for meta in uploaded.iter().take(n) {
        let t0 = perf_now();
        p::get_photo(&db, &meta.sha256).await.map_err(err)?;
        let t1 = perf_now();
        s::all_entries(&db).await.map_err(err)?;
        let t3 = perf_now();
        s::dirty_rows(&db, None).await.map_err(err)?;
        let t4 = perf_now();
        // Mid-run the pending list holds up to 300 rows; the uploaded list stands in for it.
        p::list_by_upload_state(&db, UploadState::Uploaded)
            .await
            .map_err(err)?;
        let t5 = perf_now();
        p::count_by_upload_state(&db, UploadState::Uploaded)
            .await
            .map_err(err)?;
        let t6 = perf_now();
        for (acc, d) in t
            .iter_mut()
            // Slot 1 (the batched mark) was measured once before the loop.
            .zip([t1 - t0, 0.0, t3 - t1, t4 - t3, t5 - t4, t6 - t5])
        {
            *acc += d;
        }
    }
    Ok(t.iter().map(|x| x / n as f64).collect())
}
