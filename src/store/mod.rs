//! The device's own storage: IndexedDB through rexie behind a small typed API. Nothing here
//! decides campaign rules (that is `model`); it only keeps records and photos safe.

pub mod autosave;
pub mod error;
pub mod hazard_list;
pub mod note_edits;
pub mod office;
pub mod photos;
pub mod records;
pub mod schema;
pub mod sync_rows;
pub mod unreadable;

pub use error::{StoreError, StoreResult};
pub use schema::open;

use std::cell::RefCell;
use std::rc::Rc;

use rexie::Rexie;

thread_local! {
    // One connection for the page. Opening is async, so it is cached after the first success;
    // a failure is not cached, so a later action retries (e.g. after the user closes other tabs).
    static DB: RefCell<Option<Rc<Rexie>>> = const { RefCell::new(None) };
}

/// The app's database, opened on first use.
pub async fn db() -> StoreResult<Rc<Rexie>> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let db = Rc::new(open(schema::DB_NAME).await?);
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}
