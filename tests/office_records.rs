//! Office records in real IndexedDB: two clerks' edits of the same week's 附件1 text merge
//! field by field through the sync engine's own merge, and the text earlier builds kept under
//! `meta` keys moves into records once without losing a word.
#![cfg(target_arch = "wasm32")]

use model::date::Date;
use model::office::WeeklyNote;
use model::sync::Role;
use serde_json::Value;
use wasm_bindgen_test::*;
use yinhuan_app::store::{self, office, sync_rows};
use yinhuan_app::sync::engine::merge_in;

wasm_bindgen_test_configure!(run_in_browser);

const CAMPAIGN: &str = "xinzhou-2024-216";
const XINFU: &str = "140902";

fn week() -> Date {
    Date::new(2025, 3, 14).unwrap()
}

async fn fresh_db(name: &str) -> rexie::Rexie {
    let _ = rexie::Rexie::delete(name).await;
    store::open(name).await.expect("open a fresh database")
}

/// The other clerk's version as the server returns it, at `rev`, with row `seq` written.
fn server_note(seq: u8, text: &str, rev: i64) -> Value {
    let mut n = WeeklyNote::blank(CAMPAIGN, Some(XINFU), week(), 5, "phone-1", "甲");
    *office::row_mut(&mut n.text, seq) = text.into();
    n.meta.mark_synced(rev);
    serde_json::to_value(n).unwrap()
}

async fn stored(db: &rexie::Rexie) -> WeeklyNote {
    office::note(db, CAMPAIGN, Some(XINFU), week())
        .await
        .unwrap()
        .expect("the note is on this device")
}

#[wasm_bindgen_test]
async fn another_clerks_row_six_and_this_devices_row_seven_are_both_kept() {
    let db = fresh_db("t_office_merge").await;
    office::edit_note(&db, CAMPAIGN, Some(XINFU), week(), 7, "执法力量不足".into())
        .await
        .unwrap();
    let id = WeeklyNote::id_for(CAMPAIGN, Some(XINFU), week()).to_string();
    // The push came back as a conflict: the other clerk created the same week's note first.
    merge_in(&db, &id, 4, server_note(6, "融媒体报道2次", 4))
        .await
        .unwrap();

    let n = stored(&db).await;
    assert_eq!(n.text.publicity, "融媒体报道2次");
    assert_eq!(n.text.problems, "执法力量不足");
    assert_eq!((n.meta.base_rev, n.meta.dirty), (4, true));
    let entry = sync_rows::entry(&db, &id).await.unwrap().unwrap();
    assert!(entry.conflicts.is_none(), "{:?}", entry.conflicts);
    // Queued to be pushed on top of the server's version.
    let dirty = sync_rows::dirty_rows(&db, None).await.unwrap();
    assert_eq!(dirty.len(), 1);
    assert_eq!(dirty[0].kind, "weekly_note");
}

#[wasm_bindgen_test]
async fn the_same_row_written_differently_waits_for_the_user() {
    let db = fresh_db("t_office_conflict").await;
    office::edit_note(&db, CAMPAIGN, Some(XINFU), week(), 6, "本机的说法".into())
        .await
        .unwrap();
    let id = WeeklyNote::id_for(CAMPAIGN, Some(XINFU), week()).to_string();
    merge_in(&db, &id, 4, server_note(6, "服务器的说法", 4))
        .await
        .unwrap();
    let entry = sync_rows::entry(&db, &id).await.unwrap().unwrap();
    let conflicts = entry.conflicts.expect("a conflict for the user");
    assert!(conflicts.contains("publicity"), "{conflicts}");
    // Nothing is lost meanwhile: the local text is still the row's.
    assert_eq!(stored(&db).await.text.publicity, "本机的说法");
}

#[wasm_bindgen_test]
async fn text_kept_under_old_meta_keys_moves_into_records_once() {
    let db = fresh_db("t_office_migrate").await;
    let own = format!("narrative/{CAMPAIGN}/{XINFU}/2025-03-14");
    let other = format!("narrative/{CAMPAIGN}/140921/2025-03-14");
    let old =
        r#"{"deployment":"召开推进会","publicity":"","problems":"旧的问题","suggestions":""}"#;
    sync_rows::meta_put(&db, &own, old).await.unwrap();
    sync_rows::meta_put(&db, &other, old).await.unwrap();
    // This device already has a record for the week with other words in row 7.
    office::edit_note(&db, CAMPAIGN, Some(XINFU), week(), 7, "新的问题".into())
        .await
        .unwrap();

    let role = Role::County(XINFU.into());
    assert_eq!(office::migrate_meta(&db, &role).await.unwrap(), 1);
    let n = stored(&db).await;
    assert_eq!(n.text.deployment, "召开推进会");
    assert_eq!(n.text.problems, "新的问题\n旧的问题");
    assert!(n.meta.dirty);
    assert_eq!(sync_rows::meta_get(&db, &own).await.unwrap(), None);
    // Another county's text is not this account's to push: it stays where it was.
    assert!(sync_rows::meta_get(&db, &other).await.unwrap().is_some());
    // Once: a second run moves nothing and changes nothing.
    assert_eq!(office::migrate_meta(&db, &role).await.unwrap(), 0);
    assert_eq!(stored(&db).await.text.problems, "新的问题\n旧的问题");
}

/// The 报表 screen's reload after a sync must not put back text the user has just typed over:
/// a read that began before the edit's write returns the older words, and is marked stale; an
/// edit of another week does not make this week's reload stale.
#[wasm_bindgen_test]
async fn a_reload_that_read_before_an_edit_was_written_is_not_applied() {
    use yinhuan_app::store::note_edits::NoteEdits;
    let db = fresh_db("t_office_reload_race").await;
    office::edit_note(&db, CAMPAIGN, Some(XINFU), week(), 1, "旧的部署".into())
        .await
        .unwrap();
    let key = (Some(XINFU), week());
    let mut edits = NoteEdits::new();

    // A sync ends and the reload begins; the user's change of row 1 lands while it reads.
    let mark = edits.mark();
    let read = office::note(&db, CAMPAIGN, Some(XINFU), week());
    edits.edit(key);
    let write = office::edit_note(&db, CAMPAIGN, Some(XINFU), week(), 1, "召开推进会".into());
    let (read, write) = futures::join!(read, write);
    write.unwrap();
    assert_eq!(read.unwrap().unwrap().text.deployment, "旧的部署");
    assert!(
        edits.stale(mark, key),
        "the older words must not be applied"
    );
    assert!(
        edits.written(key),
        "no write left: the skipped reload is due"
    );

    let mark = edits.mark();
    let again = office::note(&db, CAMPAIGN, Some(XINFU), week()).await;
    assert!(!edits.stale(mark, key));
    assert_eq!(again.unwrap().unwrap().text.deployment, "召开推进会");
    // An edit written with no reload skipped meanwhile owes none.
    edits.edit(key);
    assert!(!edits.written(key));

    // Another week's edit in flight leaves this week's reload alone, and is waited for.
    let other = (Some(XINFU), Date::new(2025, 3, 21).unwrap());
    let mark = edits.mark();
    edits.edit(other);
    assert!(!edits.stale(mark, key));
    assert!(edits.stale(mark, other));
    assert!(edits.written(other));
}
