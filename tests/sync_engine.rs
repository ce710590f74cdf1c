//! The sync engine's bookkeeping in real IndexedDB (no server needed): a record edited while
//! its push was in flight is never marked clean, and a conflict is merged or kept for the user.
#![cfg(target_arch = "wasm32")]

use model::hazard::Hazard;
use model::inspection::Inspection;
use model::record::RecordMeta;
use model::stage::Stage;
use serde_json::Value;
use wasm_bindgen_test::*;
use yinhuan_app::store::{self, records, sync_rows};
use yinhuan_app::sync::engine::{mark_pushed, merge_in};

wasm_bindgen_test_configure!(run_in_browser);

async fn fresh_db(name: &str) -> rexie::Rexie {
    let _ = rexie::Rexie::delete(name).await;
    store::open(name).await.expect("open a fresh database")
}

fn hazard(text: &str) -> Hazard {
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
        records::put(&db, h).await.unwrap();
        let sent = sync_rows::dirty_rows(&db, None)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.id == h.meta.id.to_string())
            .unwrap();
        mark_pushed(&db, &sent, rev).await.unwrap();
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

async fn stored(db: &rexie::Rexie, h: &Hazard) -> Hazard {
    records::get::<Hazard>(db, &h.meta.id.to_string())
        .await
        .unwrap()
        .unwrap()
}
