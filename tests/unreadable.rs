//! One row that cannot be read never blanks a list: `records::list` skips it, returns the rest,
//! and the app-wide registry remembers it (until it reads again). Real headless Chromium.
#![cfg(target_arch = "wasm32")]

use model::record::{Record, RecordMeta};
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::*;
use yinhuan_app::store::{self, records, unreadable};

mod support;
use support::{fresh_db, put_raw};

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Finding {
    meta: RecordMeta,
    seq: u32,
    text: String,
}

impl Record for Finding {
    // A kind of its own: the registry is app-wide and other tests run in the same page.
    const KIND: &'static str = "test_finding";
    fn meta(&self) -> &RecordMeta {
        &self.meta
    }
    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }
}

fn finding(seq: u32, text: &str) -> Finding {
    let id = yinhuan_app::browser::new_id();
    Finding {
        meta: RecordMeta::new(id, yinhuan_app::browser::now_ms(), "test-device", "tester"),
        seq,
        text: text.into(),
    }
}

fn registered(kind: &str) -> Vec<unreadable::Unreadable> {
    unreadable::all()
        .into_iter()
        .filter(|u| u.kind == kind)
        .collect()
}

#[wasm_bindgen_test]
async fn a_row_that_cannot_be_read_is_skipped_and_registered_not_fatal() {
    let db = fresh_db("t_unreadable").await;
    let good = vec![
        finding(1, "转炉氧枪未设联锁"),
        finding(2, "煤气区域未设报警仪"),
        finding(3, "有限空间未设警示标志"),
    ];
    records::put_all(&db, &good).await.unwrap();
    // Wrong shape (seq is text), not JSON at all: both of this kind.
    let bad_id = "0190aaaa-0000-7000-8000-000000000001";
    let bad_body = format!(
        r#"{{"meta":{},"seq":"x","text":"坏"}}"#,
        serde_json::to_string(&good[0].meta).unwrap()
    )
    .replace(&good[0].meta.id.to_string(), bad_id);
    put_raw(&db, bad_id, Finding::KIND, &bad_body).await;
    let broken_id = "0190aaaa-0000-7000-8000-000000000002";
    put_raw(&db, broken_id, Finding::KIND, "{not json").await;

    let mut listed = records::list::<Finding>(&db)
        .await
        .expect("the list still loads");
    listed.sort_by_key(|f| f.seq);
    assert_eq!(listed, good);

    let reg = registered(Finding::KIND);
    assert_eq!(reg.len(), 2, "{reg:?}");
    let bad = reg
        .iter()
        .find(|u| u.id == bad_id)
        .expect("the bad row is registered");
    assert_eq!(bad.body, bad_body, "the raw body is kept as it was stored");
    assert!(bad.error.contains("invalid type"), "{}", bad.error);
    assert!(reg.iter().any(|u| u.id == broken_id));

    // Listing again does not count a row twice.
    records::list::<Finding>(&db).await.unwrap();
    assert_eq!(registered(Finding::KIND).len(), 2);

    // Reading that one record is still an error for that record (its screen says so).
    let one = records::get::<Finding>(&db, bad_id).await;
    assert!(matches!(one, Err(store::StoreError::Corrupt(_))), "{one:?}");
    assert_eq!(registered(Finding::KIND).len(), 2);

    // A good version overwrites it (as a pull from the server would): it leaves the registry the
    // next time it is read.
    let mut repaired = finding(4, "已修复");
    repaired.meta.id = bad_id.parse().unwrap();
    records::put(&db, &repaired).await.unwrap();
    let back: Finding = records::get(&db, bad_id).await.unwrap().unwrap();
    assert_eq!(back, repaired);
    let reg = registered(Finding::KIND);
    assert_eq!(
        reg.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        vec![broken_id]
    );

    put_raw(
        &db,
        broken_id,
        Finding::KIND,
        &serde_json::to_string(&{
            let mut f = finding(5, "也修复了");
            f.meta.id = broken_id.parse().unwrap();
            f
        })
        .unwrap(),
    )
    .await;
    assert_eq!(records::list::<Finding>(&db).await.unwrap().len(), 5);
    assert!(registered(Finding::KIND).is_empty());
}

#[wasm_bindgen_test]
async fn the_registry_tells_its_listeners_about_changes() {
    use std::cell::Cell;
    use std::rc::Rc;
    let db = fresh_db("t_unreadable_listen").await;
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    unreadable::subscribe(move || c.set(c.get() + 1));
    let before = calls.get();
    put_raw(
        &db,
        "0190bbbb-0000-7000-8000-000000000001",
        "test_listen",
        "[]",
    )
    .await;

    #[derive(Debug, Deserialize)]
    struct Listen {
        meta: RecordMeta,
    }
    impl Record for Listen {
        const KIND: &'static str = "test_listen";
        fn meta(&self) -> &RecordMeta {
            &self.meta
        }
        fn meta_mut(&mut self) -> &mut RecordMeta {
            &mut self.meta
        }
    }
    assert!(records::list::<Listen>(&db).await.unwrap().is_empty());
    assert_eq!(calls.get(), before + 1);
    // Nothing new: no call.
    records::list::<Listen>(&db).await.unwrap();
    assert_eq!(calls.get(), before + 1);
    assert_eq!(registered("test_listen").len(), 1);
}
