//! A pulled page applied in one go (`apply_server_records`, one IndexedDB transaction for the
//! page instead of one per record) does to each record what the record-by-record pull did: a
//! record new here is stored, an older clean copy is replaced, a newer or equal one is kept, a
//! local edit is merged field by field, and after a restore what the server lost is queued again.
#![cfg(target_arch = "wasm32")]

// Only `fresh_db` of the shared helpers is used here.
mod support;

use model::hazard::Hazard;
use model::sync::ServerRecord;
use wasm_bindgen_test::*;
use yinhuan_app::store::{records, sync_rows};
use yinhuan_app::sync::engine::{apply_server_records, begin_reconcile, finish_reconcile};

use support::{fresh_db, hazard, stored, synced};

wasm_bindgen_test_configure!(run_in_browser);

/// `h` as the server sends it at `rev`, with `description` and `remark`.
fn server(h: &Hazard, rev: i64, description: &str, remark: &str) -> ServerRecord {
    let mut h = h.clone();
    h.description = description.into();
    h.remark = remark.into();
    ServerRecord {
        id: h.meta.id,
        kind: "hazard".into(),
        rev,
        deleted: false,
        body: serde_json::to_value(&h).unwrap(),
    }
}

#[wasm_bindgen_test]
async fn a_pulled_page_is_applied_record_by_record_in_one_go() {
    let db = fresh_db("t_sync_pull_page").await;
    let (new_here, older, same, newer_here, edited) = (
        hazard("别处新建"),
        hazard("旧版"),
        hazard("相同"),
        hazard("本机较新"),
        hazard("原始描述"),
    );
    synced(&db, &older, 3).await;
    synced(&db, &same, 5).await;
    synced(&db, &newer_here, 9).await;
    synced(&db, &edited, 4).await;
    // Edited here since: the remark. The server changed the description meanwhile.
    let mut local = stored(&db, &edited).await;
    local.remark = "本机备注".into();
    local.meta.touch(5_000, "u");
    records::put(&db, &local).await.unwrap();

    let page = vec![
        (server(&new_here, 11, "别处新建", ""), false),
        (server(&older, 12, "服务器新版", ""), false),
        (server(&same, 5, "相同", ""), false),
        (server(&newer_here, 7, "服务器旧版", ""), false),
        (server(&edited, 13, "服务器改的描述", ""), false),
    ];
    apply_server_records(&db, page).await.unwrap();

    let n = stored(&db, &new_here).await;
    assert_eq!(
        (n.description.as_str(), n.meta.rev, n.meta.dirty),
        ("别处新建", 11, false)
    );
    let o = stored(&db, &older).await;
    assert_eq!(
        (o.description.as_str(), o.meta.rev, o.meta.dirty),
        ("服务器新版", 12, false)
    );
    let s = stored(&db, &same).await;
    assert_eq!((s.meta.rev, s.meta.dirty), (5, false));
    let w = stored(&db, &newer_here).await;
    assert_eq!(
        (w.description.as_str(), w.meta.rev),
        ("本机较新", 9),
        "an older server version never replaces a newer copy"
    );
    let m = stored(&db, &edited).await;
    assert_eq!(m.description, "服务器改的描述");
    assert_eq!(m.remark, "本机备注");
    assert_eq!(
        (m.meta.base_rev, m.meta.dirty),
        (13, true),
        "merged, to be sent"
    );
    // The merge base of each taken record is the server's version.
    let entry = sync_rows::entry(&db, &older.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert!(entry.base.unwrap().contains("服务器新版"));
    let dirty: Vec<String> = sync_rows::dirty_rows(&db, None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(dirty, vec![edited.meta.id.to_string()]);
}

/// A page naming one record twice (no server of ours sends that, a faulty one might): the
/// second version meets the first one's write, as record by record — the newer wins in either
/// order, never the one that came last.
#[wasm_bindgen_test]
async fn a_record_twice_in_one_page_ends_at_its_newer_version() {
    let db = fresh_db("t_sync_pull_twice").await;
    let (up, down) = (hazard("先旧后新"), hazard("先新后旧"));
    apply_server_records(
        &db,
        vec![
            (server(&up, 5, "第五版", ""), false),
            (server(&up, 7, "第七版", ""), false),
            (server(&down, 7, "第七版", ""), false),
            (server(&down, 5, "第五版", ""), false),
        ],
    )
    .await
    .unwrap();
    for h in [&up, &down] {
        let got = stored(&db, h).await;
        assert_eq!(
            (got.description.as_str(), got.meta.rev, got.meta.dirty),
            ("第七版", 7, false)
        );
    }
}

/// The restore case of the record-by-record test (sync_engine.rs), pulled as one page.
#[wasm_bindgen_test]
async fn after_a_restore_a_page_queues_again_what_the_server_lost() {
    let db = fresh_db("t_sync_pull_reconcile").await;
    let (same, lost_edit, lost_new, newer) = (
        hazard("相同"),
        hazard("本机新改"),
        hazard("新增"),
        hazard("旧"),
    );
    for (h, rev) in [(&same, 5), (&lost_edit, 9), (&lost_new, 10), (&newer, 3)] {
        synced(&db, h, rev).await;
    }
    let mut ids = begin_reconcile(&db).await.unwrap();
    let page: Vec<(ServerRecord, bool)> = [
        server(&same, 5, "相同", ""),
        server(&lost_edit, 6, "改之前", ""),
        server(&newer, 12, "别处新改", ""),
    ]
    .into_iter()
    .map(|rec| {
        let unconfirmed = ids.remove(&rec.id.to_string());
        (rec, unconfirmed)
    })
    .collect();
    apply_server_records(&db, page).await.unwrap();
    finish_reconcile(&db, ids).await.unwrap();

    let s = stored(&db, &same).await;
    assert_eq!((s.meta.dirty, s.meta.rev), (false, 5));
    let e = stored(&db, &lost_edit).await;
    assert_eq!(e.description, "本机新改");
    assert_eq!((e.meta.dirty, e.meta.base_rev), (true, 6));
    let n = stored(&db, &lost_new).await;
    assert_eq!((n.meta.dirty, n.meta.base_rev), (true, 0));
    let w = stored(&db, &newer).await;
    assert_eq!(
        (w.description.as_str(), w.meta.dirty, w.meta.rev),
        ("别处新改", false, 12)
    );
}

#[wasm_bindgen_test]
async fn a_pages_cursor_and_instance_are_saved_together() {
    let db = fresh_db("t_sync_pull_meta").await;
    sync_rows::meta_put(&db, "pull_cursor", "5").await.unwrap();
    sync_rows::meta_put_all(&db, &[("pull_cursor", "200"), ("server_instance", "abc")])
        .await
        .unwrap();
    assert_eq!(
        sync_rows::meta_get(&db, "pull_cursor")
            .await
            .unwrap()
            .as_deref(),
        Some("200")
    );
    assert_eq!(
        sync_rows::meta_get(&db, "server_instance")
            .await
            .unwrap()
            .as_deref(),
        Some("abc")
    );
}
