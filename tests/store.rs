//! IndexedDB store tests in real headless Chromium (wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use model::record::{Record, RecordMeta};
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::*;
use yinhuan_app::store::{self, records};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Note {
    meta: RecordMeta,
    text: String,
}

impl Record for Note {
    const KIND: &'static str = "test_note";
    fn meta(&self) -> &RecordMeta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }
}

fn note(text: &str) -> Note {
    let id = yinhuan_app::browser::new_id();
    Note {
        meta: RecordMeta::new(id, yinhuan_app::browser::now_ms(), "test-device", "tester"),
        text: text.into(),
    }
}

async fn fresh_db(name: &str) -> rexie::Rexie {
    let _ = rexie::Rexie::delete(name).await;
    store::open(name).await.expect("open a fresh database")
}

#[wasm_bindgen_test]
async fn a_record_written_is_read_back_and_counted_dirty() {
    let db = fresh_db("t_write_read").await;
    let n = note("二号转炉水冷元件未设流量报警");
    records::put(&db, &n).await.unwrap();

    let back: Note = records::get(&db, &n.meta.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back, n);
    assert_eq!(records::list::<Note>(&db).await.unwrap(), vec![n.clone()]);
    assert_eq!(records::count_dirty(&db).await.unwrap(), 1);

    let mut clean = n.clone();
    clean.meta.dirty = false;
    records::put(&db, &clean).await.unwrap();
    assert_eq!(records::count_dirty(&db).await.unwrap(), 0);
}

#[wasm_bindgen_test]
async fn a_record_survives_closing_and_reopening_the_database() {
    let db = fresh_db("t_reopen").await;
    let n = note("有限空间未设置警示标志");
    records::put(&db, &n).await.unwrap();
    db.close();

    let db = store::open("t_reopen").await.unwrap();
    let back: Option<Note> = records::get(&db, &n.meta.id.to_string()).await.unwrap();
    assert_eq!(back.map(|b| b.text), Some(n.text));
}

#[wasm_bindgen_test]
async fn reading_a_record_as_the_wrong_kind_is_an_error_not_garbage() {
    #[derive(Debug, Serialize, Deserialize)]
    struct Other {
        meta: RecordMeta,
    }
    impl Record for Other {
        const KIND: &'static str = "other";
        fn meta(&self) -> &RecordMeta {
            &self.meta
        }
        fn meta_mut(&mut self) -> &mut RecordMeta {
            &mut self.meta
        }
    }
    let db = fresh_db("t_kind").await;
    let n = note("x");
    records::put(&db, &n).await.unwrap();
    let err = records::get::<Other>(&db, &n.meta.id.to_string()).await;
    assert!(matches!(err, Err(store::StoreError::Corrupt(_))), "{err:?}");
}
