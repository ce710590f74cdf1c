//! The sync engine's bookkeeping in real IndexedDB (no server needed): a record edited while
//! its push was in flight is never marked clean, a conflict is merged or kept for the user, and
//! photos upload several at a time against a stubbed `fetch`.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use model::hazard::Hazard;
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use yinhuan_app::photo::{PhotoMeta, PhotoSource, Place, UploadState};
use yinhuan_app::store::{photos, records, sync_rows};
use yinhuan_app::sync::api::ApiError;
use yinhuan_app::sync::engine::{
    mark_pushed, merge_in, refresh_counts, upload_photos, UploadGauge, MAX_PHOTO_UPLOADS,
};
use yinhuan_app::sync::status::SyncStatus;

use support::{fresh_db, hazard, stored, synced};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn an_acknowledged_push_marks_the_record_clean_with_its_rev() {
    let db = fresh_db("t_sync_clean").await;
    let h = hazard("渣坑积水");
    records::put(&db, &h).await.unwrap();
    let sent = sync_rows::dirty_rows(&db, None).await.unwrap().remove(0);
    mark_pushed(&db, &sent, 7).await.unwrap();

    assert!(sync_rows::dirty_rows(&db, None).await.unwrap().is_empty());
    let back: Hazard = records::get(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (back.meta.rev, back.meta.base_rev, back.meta.dirty),
        (7, 7, false)
    );
    let entry = sync_rows::entry(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert!(entry.base.unwrap().contains("渣坑积水"));
}

#[wasm_bindgen_test]
async fn a_record_edited_while_its_push_was_in_flight_stays_dirty() {
    let db = fresh_db("t_sync_inflight").await;
    let mut h = hazard("渣坑积水");
    records::put(&db, &h).await.unwrap();
    let sent = sync_rows::dirty_rows(&db, None).await.unwrap().remove(0);

    // The inspector keeps typing before the server's answer arrives.
    h.description = "渣坑积水，深约10厘米".into();
    h.meta.touch(2_000, "u");
    records::put(&db, &h).await.unwrap();
    mark_pushed(&db, &sent, 7).await.unwrap();

    let back: Hazard = records::get(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.description, "渣坑积水，深约10厘米");
    assert!(back.meta.dirty, "the newer edit must still be sent");
    assert_eq!(
        back.meta.base_rev, 7,
        "and it is now based on the acknowledged rev"
    );
    assert_eq!(sync_rows::dirty_rows(&db, None).await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn a_batch_is_marked_in_one_go_and_a_row_edited_in_flight_stays_dirty() {
    use yinhuan_app::sync::engine::mark_pushed_all;
    let db = fresh_db("t_sync_batch_marks").await;
    let (a, mut b, c) = (hazard("甲"), hazard("乙"), hazard("丙"));
    for h in [&a, &b, &c] {
        records::put(&db, h).await.unwrap();
    }
    let sent = sync_rows::dirty_rows(&db, None).await.unwrap();
    assert_eq!(sent.len(), 3);
    // `b` is edited while the batch is in flight; `c` was not acknowledged.
    b.description = "乙，已补充".into();
    b.meta.touch(2_000, "u");
    records::put(&db, &b).await.unwrap();
    let acked: Vec<_> = sent
        .into_iter()
        .filter(|r| r.id != c.meta.id.to_string())
        .map(|r| {
            let rev = if r.id == a.meta.id.to_string() { 4 } else { 5 };
            (r, rev)
        })
        .collect();
    mark_pushed_all(&db, &acked).await.unwrap();

    let (a2, b2, c2) = (
        stored(&db, &a).await,
        stored(&db, &b).await,
        stored(&db, &c).await,
    );
    assert_eq!(
        (a2.meta.dirty, a2.meta.rev, a2.meta.base_rev),
        (false, 4, 4)
    );
    assert_eq!(b2.description, "乙，已补充");
    assert_eq!((b2.meta.dirty, b2.meta.base_rev), (true, 5));
    assert!(c2.meta.dirty);
    let mut dirty: Vec<String> = sync_rows::dirty_rows(&db, None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    dirty.sort();
    let mut want = vec![b.meta.id.to_string(), c.meta.id.to_string()];
    want.sort();
    assert_eq!(dirty, want);
    for (h, base) in [(&a, true), (&b, true), (&c, false)] {
        let entry = sync_rows::entry(&db, &h.meta.id.to_string()).await.unwrap();
        assert_eq!(entry.is_some_and(|e| e.base.is_some()), base);
    }
    let entries = sync_rows::entries(
        &db,
        &[&a.meta.id.to_string(), "missing", &c.meta.id.to_string()],
    )
    .await
    .unwrap();
    assert_eq!(
        entries.iter().map(Option::is_some).collect::<Vec<_>>(),
        [true, false, false]
    );
}

#[wasm_bindgen_test]
async fn disjoint_edits_merge_and_same_field_edits_wait_for_the_user() {
    let db = fresh_db("t_sync_merge").await;
    let h = hazard("原始描述");
    records::put(&db, &h).await.unwrap();
    let sent = sync_rows::dirty_rows(&db, None).await.unwrap().remove(0);
    mark_pushed(&db, &sent, 3).await.unwrap();
    let base: Hazard = records::get(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();

    // Here: the remark changes. On the server: the description changed (rev 4).
    let mut local = base.clone();
    local.remark = "已口头告知企业".into();
    local.meta.touch(5_000, "u");
    records::put(&db, &local).await.unwrap();
    let mut server = serde_json::to_value(&base).unwrap();
    server["description"] = Value::from("服务器上改过的描述");
    merge_in(&db, &h.meta.id.to_string(), 4, server.clone())
        .await
        .unwrap();
    let merged: Hazard = records::get(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(merged.description, "服务器上改过的描述");
    assert_eq!(merged.remark, "已口头告知企业");
    assert_eq!((merged.meta.base_rev, merged.meta.dirty), (4, true));
    assert!(sync_rows::entry(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap()
        .conflicts
        .is_none());

    // Now both change the description differently: kept for the conflict view, nothing lost.
    let mut local2 = merged.clone();
    local2.description = "本机的描述".into();
    local2.meta.touch(6_000, "u");
    records::put(&db, &local2).await.unwrap();
    let mut server2 = server.clone();
    server2["description"] = Value::from("服务器的第二版描述");
    merge_in(&db, &h.meta.id.to_string(), 5, server2)
        .await
        .unwrap();
    let entry = sync_rows::entry(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    let conflicts = entry.conflicts.expect("a conflict is recorded");
    assert!(conflicts.contains("本机的描述") && conflicts.contains("服务器的第二版描述"));
    let still: Hazard = records::get(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        still.description, "本机的描述",
        "the local text stays until the user chooses"
    );

    // The pull then brings the same server version again: the conflict must stay (a re-merge
    // against the server as base would silently keep only the local side).
    let mut server3 = server.clone();
    server3["description"] = Value::from("服务器的第二版描述");
    merge_in(&db, &h.meta.id.to_string(), 5, server3)
        .await
        .unwrap();
    let entry = sync_rows::entry(&db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert!(
        entry.conflicts.is_some(),
        "the conflict still waits for the user"
    );
}

/// The server was restored from a backup older than what this device synced: the re-pull keeps
/// what both hold, takes what only the server changed, and queues again what the server lost.
#[wasm_bindgen_test]
async fn after_a_restore_the_writes_the_server_lost_are_sent_again() {
    use model::sync::ServerRecord;
    use yinhuan_app::sync::engine::{apply_server_record, begin_reconcile, finish_reconcile};

    let db = fresh_db("t_sync_reconcile").await;
    // Four records synced before the restore, at revs 5, 9, 10 and 3.
    let (same, lost_edit, lost_new, newer) = (
        hazard("相同"),
        hazard("本机新改"),
        hazard("新增"),
        hazard("旧"),
    );
    for (h, rev) in [(&same, 5), (&lost_edit, 9), (&lost_new, 10), (&newer, 3)] {
        synced(&db, h, rev).await;
    }
    let server = |h: &Hazard, rev: i64, text: &str| {
        let mut h = h.clone();
        h.description = text.into();
        ServerRecord {
            id: h.meta.id,
            kind: "hazard".into(),
            rev,
            deleted: false,
            body: serde_json::to_value(&h).unwrap(),
        }
    };

    let mut ids = begin_reconcile(&db).await.unwrap();
    assert_eq!(ids.len(), 4);
    // The restored server has `same` as it was, an older `lost_edit`, no `lost_new`, and a
    // `newer` another device wrote after the restore.
    for rec in [
        server(&same, 5, "相同"),
        server(&lost_edit, 6, "改之前"),
        server(&newer, 12, "别处新改"),
    ] {
        let unconfirmed = ids.remove(&rec.id.to_string());
        apply_server_record(&db, rec, unconfirmed).await.unwrap();
    }
    finish_reconcile(&db, ids).await.unwrap();

    let s = stored(&db, &same).await;
    assert_eq!((s.meta.dirty, s.meta.rev), (false, 5));
    let e = stored(&db, &lost_edit).await;
    assert_eq!(e.description, "本机新改", "the local version is kept");
    assert_eq!(
        (e.meta.dirty, e.meta.base_rev),
        (true, 6),
        "sent again on the server's rev"
    );
    let n = stored(&db, &lost_new).await;
    assert_eq!(n.description, "新增");
    assert_eq!(
        (n.meta.dirty, n.meta.base_rev),
        (true, 0),
        "sent again as new"
    );
    let w = stored(&db, &newer).await;
    assert_eq!(
        (w.description.as_str(), w.meta.dirty, w.meta.rev),
        ("别处新改", false, 12)
    );
    let mut dirty: Vec<String> = sync_rows::dirty_rows(&db, None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    dirty.sort();
    let mut want = vec![lost_edit.meta.id.to_string(), lost_new.meta.id.to_string()];
    want.sort();
    assert_eq!(dirty, want);
}

// ---------------------------------------------------------------------------------------------
// Photo uploads against a stand-in for the server: `window.fetch` is replaced by a stub that
// answers /api/photos/check (everything missing) and each PUT after `delay` ms, counting how
// many are in flight at once.

/// The stub's settings and log (`globalThis.__photoServer`): `refuse` (a hash answered 415),
/// `limit` (every PUT answered 429), `fail_from` (the n-th PUT and later fail like a cut link).
fn install_photo_server(delay_ms: u32, refuse: Option<&str>, limit: bool, fail_from: u32) {
    let setup = js_sys::Function::new_with_args(
        "delay, refuse, limit, failFrom",
        r#"
        globalThis.__realFetch = globalThis.__realFetch || globalThis.fetch;
        const s = (globalThis.__photoServer = {
            delay, refuse, limit, failFrom, inflight: 0, max: 0, puts: [], acked: [],
        });
        const json = (status, body) => new Response(JSON.stringify(body), {
            status, headers: { 'content-type': 'application/json' },
        });
        globalThis.fetch = (req) => {
            const path = new URL(req.url).pathname;
            if (req.method === 'POST' && path === '/api/photos/check') {
                // `drop` ({ db, sha }): that photo is deleted on the device before the answer
                // arrives, as when its hazard is discarded while the sync runs.
                const dropped = !s.drop ? Promise.resolve() : new Promise((done, fail) => {
                    const open = indexedDB.open(s.drop.db);
                    open.onerror = () => fail(open.error);
                    open.onsuccess = () => {
                        const tx = open.result.transaction(['photos', 'photo_state'], 'readwrite');
                        tx.objectStore('photos').delete(s.drop.sha);
                        tx.objectStore('photo_state').delete(s.drop.sha);
                        tx.oncomplete = () => { open.result.close(); done(); };
                        tx.onerror = () => fail(tx.error);
                    };
                });
                return dropped.then(() => req.json()).then((b) => json(200, { missing: b.hashes }));
            }
            if (req.method === 'PUT' && path.startsWith('/api/photos/')) {
                const sha = path.slice('/api/photos/'.length);
                const n = s.puts.push(sha);
                s.inflight++;
                s.max = Math.max(s.max, s.inflight);
                return new Promise((r) => setTimeout(r, s.delay)).then(() => {
                    s.inflight--;
                    if (s.failFrom && n >= s.failFrom) throw new TypeError('Failed to fetch');
                    if (s.limit) return json(429, { code: 'too_many_requests', message: '已达上限' });
                    if (sha === s.refuse) {
                        return json(415, { code: 'unsupported_media_type', message: '内容不是 JPEG' });
                    }
                    s.acked.push(sha);
                    return json(201, { sha256: sha });
                });
            }
            if (req.method === 'POST' && path === '/api/photos/batch') {
                // Several photos in one request: the manifest line, then their bytes.
                // `noBatches` (a status): the whole batch refused like an older server's 404
                // or a proxy's body limit (413).
                s.batches = s.batches || [];
                if (s.noBatches) {
                    s.batches.push(0);
                    return Promise.resolve(json(s.noBatches, { code: 'refused', message: '不接受照片批次' }));
                }
                s.inflight++;
                s.max = Math.max(s.max, s.inflight);
                return req.arrayBuffer().then((buf) => {
                    // This batch's first photo's place among all photos sent (for `failFrom`).
                    const n = s.puts.length + 1;
                    const bytes = new Uint8Array(buf);
                    const nl = bytes.indexOf(10);
                    const manifest = JSON.parse(new TextDecoder().decode(bytes.slice(0, nl)));
                    const total = manifest.photos.reduce((a, p) => a + p.bytes, 0);
                    if (req.headers.get('content-type') !== 'application/vnd.yinhuan.photo-batch'
                        || total !== bytes.length - nl - 1) {
                        s.badFrames = (s.badFrames || 0) + 1;
                    }
                    s.batches.push(manifest.photos.length);
                    for (const p of manifest.photos) s.puts.push(p.sha256);
                    return new Promise((r) => setTimeout(r, s.delay)).then(() => {
                        s.inflight--;
                        if (s.failFrom && n >= s.failFrom) throw new TypeError('Failed to fetch');
                        return json(200, { photos: manifest.photos.map((p) => {
                            if (p.sha256 === s.refuse) {
                                return { sha256: p.sha256, status: 415,
                                    code: 'unsupported_media_type', message: '内容不是 JPEG' };
                            }
                            s.acked.push(p.sha256);
                            return { sha256: p.sha256, status: 201 };
                        }) });
                    });
                });
            }
            return Promise.reject(new TypeError('unexpected ' + req.method + ' ' + path));
        };
        "#,
    );
    let refuse = refuse.map_or(JsValue::NULL, JsValue::from_str);
    setup
        .call4(
            &JsValue::NULL,
            &JsValue::from(delay_ms),
            &refuse,
            &JsValue::from_bool(limit),
            &JsValue::from(fail_from),
        )
        .unwrap();
}

fn remove_photo_server() {
    js_sys::Function::new_no_args(
        "if (globalThis.__realFetch) globalThis.fetch = globalThis.__realFetch;",
    )
    .call0(&JsValue::NULL)
    .unwrap();
}

fn photo_server(field: &str) -> JsValue {
    let s = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__photoServer")).unwrap();
    js_sys::Reflect::get(&s, &JsValue::from_str(field)).unwrap()
}

fn photo_server_list(field: &str) -> Vec<String> {
    js_sys::Array::from(&photo_server(field))
        .iter()
        .filter_map(|v| v.as_string())
        .collect()
}

/// `n` distinct small photos stored as 本机 (the stub does not look inside them).
async fn stored_photos(db: &rexie::Rexie, n: u32) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let bytes = format!("照片 {i} {}", yinhuan_app::browser::new_id()).into_bytes();
        let sha = yinhuan_app::photo::sha256_hex(&bytes).await.unwrap();
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type("image/jpeg");
        let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).unwrap();
        let meta = PhotoMeta {
            sha256: sha.clone(),
            hazard_id: None,
            inspection_id: None,
            source: PhotoSource::Camera,
            taken_at: 0,
            place: Place::Unavailable("测试".into()),
            width: 1,
            height: 1,
            bytes: bytes.len() as u32,
            original_bytes: 0,
            enterprise: String::new(),
            upload_state: UploadState::Local,
            created_at: i64::from(i),
        };
        photos::put_photo(db, &meta, &blob).await.unwrap();
        out.push(sha);
    }
    out
}

async fn state_of(db: &rexie::Rexie, sha: &str) -> UploadState {
    photos::upload_state(db, sha).await.unwrap().unwrap()
}

/// Every photo of `shas` was sent exactly once (`puts`: the hashes the stub received).
fn assert_each_sent_once(puts: &[String], shas: &[String]) {
    let mut sent = puts.to_vec();
    sent.sort();
    let mut want = shas.to_vec();
    want.sort();
    assert_eq!(sent, want, "each photo sent exactly once");
}

/// Each photo's state in the store: 已上传 when `uploaded` says so, else 本机.
async fn assert_states(db: &rexie::Rexie, shas: &[String], uploaded: impl Fn(&String) -> bool) {
    for sha in shas {
        let want = if uploaded(sha) {
            UploadState::Uploaded
        } else {
            UploadState::Local
        };
        assert_eq!(state_of(db, sha).await, want, "{sha}");
    }
}

#[wasm_bindgen_test]
async fn photos_upload_several_at_a_time_and_a_refused_one_alone_stays_local() {
    let db = fresh_db("t_sync_photos_parallel").await;
    let shas = stored_photos(&db, 10).await;
    let status = RwSignal::new(SyncStatus::default());
    refresh_counts(&db, status).await.unwrap();
    assert_eq!(status.get_untracked().pending_photos, 10);

    // The server refuses one photo of the queue; the others are accepted around it.
    let refused = shas[4].clone();
    install_photo_server(40, Some(&refused), false, 0);
    let result = upload_photos(&db, "token", status).await;
    let max = photo_server("max").as_f64().unwrap() as usize;
    let puts = photo_server_list("puts");
    let acked = photo_server_list("acked");
    remove_photo_server();

    let err = result.unwrap().expect("the refusal is reported");
    assert!(
        matches!(&err, ApiError::Server { status: 415, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("1 张照片未被服务器接受，仍保留在本机"),
        "{err}"
    );
    assert!(
        (2..=MAX_PHOTO_UPLOADS).contains(&max),
        "{max} uploads in flight at most"
    );
    // Every photo was sent exactly once, and exactly the refused one stays 本机.
    assert_each_sent_once(&puts, &shas);
    assert_eq!(acked.len(), 9);
    assert_states(&db, &shas, |sha| *sha != refused).await;
    // The counters kept in memory during the run agree with a recount of the store.
    let during = status.get_untracked();
    assert_eq!((during.pending_photos, during.uploaded_photos), (1, 9));
    assert_eq!(during.step.as_deref(), Some("上传照片 10/10…"));
    refresh_counts(&db, status).await.unwrap();
    let after = status.get_untracked();
    assert_eq!((after.pending_photos, after.uploaded_photos), (1, 9));
    assert_eq!(
        after.pending_photo_bytes, during.pending_photo_bytes,
        "pending bytes"
    );
}

#[wasm_bindgen_test]
async fn a_cut_link_marks_only_the_photos_the_server_acknowledged() {
    let db = fresh_db("t_sync_photos_cut").await;
    let shas = stored_photos(&db, 8).await;
    let status = RwSignal::new(SyncStatus::default());
    refresh_counts(&db, status).await.unwrap();

    // The 4th PUT and every later one fail like a lost connection, some while others are in
    // flight.
    install_photo_server(40, None, false, 4);
    let result = upload_photos(&db, "token", status).await;
    let puts = photo_server_list("puts");
    let acked = photo_server_list("acked");
    remove_photo_server();

    assert_eq!(result.unwrap_err(), ApiError::Offline);
    assert_eq!(acked.len(), 3);
    assert!(
        puts.len() < shas.len(),
        "no new upload after the cut: {puts:?}"
    );
    assert_states(&db, &shas, |sha| acked.contains(sha)).await;
    let s = status.get_untracked();
    assert_eq!((s.pending_photos, s.uploaded_photos), (5, 3));
}

/// The batches the stub received (photos in each; 0 for one it answered 404).
fn photo_batches() -> Vec<usize> {
    let v = photo_server("batches");
    if v.is_undefined() {
        return Vec::new();
    }
    js_sys::Array::from(&v)
        .iter()
        .map(|n| n.as_f64().unwrap() as usize)
        .collect()
}

fn set_photo_server(field: &str, value: &JsValue) {
    let s = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__photoServer")).unwrap();
    js_sys::Reflect::set(&s, &JsValue::from_str(field), value).unwrap();
}

#[wasm_bindgen_test]
async fn many_photos_on_a_fast_link_travel_several_to_a_request() {
    let db = fresh_db("t_sync_photos_batches").await;
    let shas = stored_photos(&db, 80).await;
    let status = RwSignal::new(SyncStatus::default());
    refresh_counts(&db, status).await.unwrap();
    // One photo deep in the queue (sent in a batch) is refused; the others around it are kept.
    let refused = shas[60].clone();
    install_photo_server(5, Some(&refused), false, 0);
    let result = upload_photos(&db, "token", status).await;
    let puts = photo_server_list("puts");
    let acked = photo_server_list("acked");
    let batches = photo_batches();
    let bad_frames = photo_server("badFrames");
    let max = photo_server("max").as_f64().unwrap() as usize;
    remove_photo_server();

    let err = result.unwrap().expect("the refusal is reported");
    assert!(
        err.to_string()
            .contains("1 张照片未被服务器接受，仍保留在本机：内容不是 JPEG"),
        "{err}"
    );
    assert!(
        bad_frames.is_undefined(),
        "every batch framed as its manifest says"
    );
    assert!(
        batches.iter().any(|&n| n > 1),
        "several photos to a request: {batches:?}"
    );
    assert!(batches
        .iter()
        .all(|&n| n <= yinhuan_app::sync::engine::MAX_PHOTOS_PER_REQUEST));
    let requests = puts.len() - batches.iter().sum::<usize>() + batches.len();
    assert!(requests < 40, "{requests} requests for 80 photos");
    assert!(max <= MAX_PHOTO_UPLOADS, "{max} requests in flight");
    // Every photo sent exactly once, exactly the refused one stays 本机.
    assert_each_sent_once(&puts, &shas);
    assert_eq!(acked.len(), 79);
    assert_states(&db, &shas, |sha| *sha != refused).await;
    let during = status.get_untracked();
    assert_eq!((during.pending_photos, during.uploaded_photos), (1, 79));
}

#[wasm_bindgen_test]
async fn a_batch_cut_off_marks_none_of_its_photos() {
    let db = fresh_db("t_sync_photos_batch_cut").await;
    let shas = stored_photos(&db, 80).await;
    let status = RwSignal::new(SyncStatus::default());
    refresh_counts(&db, status).await.unwrap();
    // From the 30th photo on, every request fails like a lost connection: batches in flight
    // included.
    install_photo_server(5, None, false, 30);
    let result = upload_photos(&db, "token", status).await;
    let acked = photo_server_list("acked");
    let batches = photo_batches();
    remove_photo_server();

    assert_eq!(result.unwrap_err(), ApiError::Offline);
    assert!(batches.iter().any(|&n| n > 1), "{batches:?}");
    // A batch that started before the 30th photo is answered; none started after it.
    assert!(
        !acked.is_empty() && acked.len() < 30 + yinhuan_app::sync::engine::MAX_PHOTOS_PER_REQUEST,
        "{}",
        acked.len()
    );
    assert_states(&db, &shas, |sha| acked.contains(sha)).await;
    let s = status.get_untracked();
    assert_eq!(s.uploaded_photos as usize, acked.len());
    assert_eq!(s.pending_photos as usize, shas.len() - acked.len());
}

#[wasm_bindgen_test]
async fn a_server_or_proxy_refusing_batches_gets_every_photo_one_by_one() {
    // An older server (404) and a proxy whose body limit is below a batch (413).
    for refusal in [404, 413] {
        let db = fresh_db(&format!("t_sync_photos_no_batches_{refusal}")).await;
        let shas = stored_photos(&db, 80).await;
        let status = RwSignal::new(SyncStatus::default());
        install_photo_server(5, None, false, 0);
        set_photo_server("noBatches", &JsValue::from(refusal));
        let result = upload_photos(&db, "token", status).await;
        let puts = photo_server_list("puts");
        let batches = photo_batches();
        remove_photo_server();

        assert_eq!(result, Ok(None), "{refusal}");
        // Tried (refused whole), then single PUTs for the rest of the run. Only batches started
        // before the first refusal was read: one per slot free then, and one per single PUT
        // still in flight (at most one fewer than the slots) that finished first.
        assert!(
            !batches.is_empty()
                && batches.len() < 2 * MAX_PHOTO_UPLOADS
                && batches.iter().all(|&n| n == 0),
            "{refusal}: {batches:?}"
        );
        assert_each_sent_once(&puts, &shas);
        assert_states(&db, &shas, |_| true).await;
        let s = status.get_untracked();
        assert_eq!((s.pending_photos, s.uploaded_photos), (0, 80), "{refusal}");
    }
}

#[wasm_bindgen_test]
async fn the_orphan_limit_stops_the_uploads_after_the_first_photo() {
    let db = fresh_db("t_sync_photos_limit").await;
    let shas = stored_photos(&db, 5).await;
    let status = RwSignal::new(SyncStatus::default());
    install_photo_server(10, None, true, 0);
    let result = upload_photos(&db, "token", status).await;
    let puts = photo_server_list("puts");
    remove_photo_server();

    let err = result.unwrap().expect("the limit is reported");
    assert!(
        matches!(err, ApiError::Server { status: 429, .. }),
        "{err:?}"
    );
    // The first upload probes alone: one photo tried, none marked.
    assert_eq!(puts.len(), 1, "{puts:?}");
    for sha in &shas {
        assert_eq!(state_of(&db, sha).await, UploadState::Local);
    }
}

#[wasm_bindgen_test]
async fn a_photo_deleted_while_the_sync_runs_is_not_sent_and_the_others_are() {
    let name = "t_sync_photos_dropped";
    let db = fresh_db(name).await;
    let shas = stored_photos(&db, 12).await;
    let status = RwSignal::new(SyncStatus::default());
    install_photo_server(10, None, false, 0);
    // Deleted after the server's check listed it, before its upload (the photos are read from
    // the store a few at a time ahead of their PUT): one late in the queue.
    let gone = shas[9].clone();
    let drop = js_sys::Object::new();
    js_sys::Reflect::set(&drop, &"db".into(), &name.into()).unwrap();
    js_sys::Reflect::set(&drop, &"sha".into(), &gone.as_str().into()).unwrap();
    let server = js_sys::Reflect::get(&js_sys::global(), &"__photoServer".into()).unwrap();
    js_sys::Reflect::set(&server, &"drop".into(), &drop).unwrap();
    let result = upload_photos(&db, "token", status).await;
    let puts = photo_server_list("puts");
    remove_photo_server();

    assert_eq!(result.unwrap(), None);
    assert!(!puts.contains(&gone), "a deleted photo was sent: {puts:?}");
    assert_eq!(puts.len(), shas.len() - 1, "{puts:?}");
    for sha in shas.iter().filter(|s| **s != gone) {
        assert_eq!(state_of(&db, sha).await, UploadState::Uploaded, "{sha}");
    }
    assert_eq!(photos::upload_state(&db, &gone).await.unwrap(), None);
}

#[wasm_bindgen_test]
fn the_upload_gauge_grows_on_fast_answers_and_falls_to_one_on_a_slow_one() {
    let mut g = UploadGauge::default();
    assert_eq!(g.limit(), 1);
    for want in [2, 3, 4, 4] {
        g.answered(200);
        assert_eq!(g.limit(), want);
    }
    g.answered(3_000);
    assert_eq!(g.limit(), 4, "an ordinary answer keeps the pace");
    g.answered(9_000);
    assert_eq!(g.limit(), 1);
}

#[wasm_bindgen_test]
fn photos_share_a_request_only_on_a_proven_fast_link_with_many_waiting() {
    use yinhuan_app::sync::engine::MAX_PHOTOS_PER_REQUEST as MOST;
    let mut g = UploadGauge::default();
    // Until every slot runs, one photo per request however many wait.
    for _ in 0..2 {
        assert_eq!(g.per_request(1000, 1000), 1);
        g.answered(200);
    }
    g.answered(200);
    assert_eq!(g.limit(), MAX_PHOTO_UPLOADS);
    // A run of few photos: one each (the e2e syncs of up to ten photos send single PUTs).
    assert_eq!(g.per_request(10, 10), 1);
    assert_eq!(g.per_request(31, 31), 1);
    // Many: up to the most per request, then the last ones spread over the slots.
    assert_eq!(g.per_request(32, 32), 8);
    assert_eq!(g.per_request(1000, 1000), MOST);
    assert_eq!(g.per_request(10, 300), 3);
    assert_eq!(g.per_request(1, 300), 1);
    // A slow answer: one at a time again, one photo per request.
    g.answered(9_000);
    assert_eq!(g.per_request(1000, 1000), 1);
}
