//! The IndexedDB schema, versioned. `DB_VERSION` goes up by one whenever a store or index is
//! added; `open` declares every store of the current version, so the browser's upgrade creates
//! what an older database lacks and keeps the data of stores that stay (rexie/idb semantics:
//! stores not declared are dropped, hence every store ever shipped stays listed here).

use rexie::{Index, ObjectStore, Rexie};

use super::error::{StoreError, StoreResult};

pub const DB_NAME: &str = "yinhuan";
/// v1: records, photos, meta.
/// v2: `photos` gains the indexes `hazard_id`, `inspection_id` and `upload_state` (key paths into
///     each row's `meta`), so a hazard's photos, an inspection's signatures and the upload queue
///     are found without reading every blob. The upgrade only builds indexes over the rows already
///     stored; no row is rewritten (tests/photos.rs opens a v1 database with data as v2).
/// v3: `sync` store: per record, the version the server last acknowledged (the merge base) and
///     any unresolved conflict or refusal. Kept out of `records` so the page's autosave, which
///     rewrites the record row, can never drop them.
/// v4: `photo_state` store: per photo `{sha256, state, bytes}` (index `state`), the upload state
///     kept out of the blob's row, so marking a photo 上传中/已上传 writes a few bytes instead of
///     rewriting its JPEG, and the upload queue is listed without reading a blob row. Rows stored
///     before v4 keep `meta.upload_state` and get no state row on upgrade (nothing is rewritten):
///     a photo without a state row is in its meta's state (`photos::upload_state` and the listing
///     apply that one rule; tests/photos.rs opens a v3 database with photos as v4).
pub const DB_VERSION: u32 = 4;

pub const RECORDS: &str = "records";
pub const PHOTOS: &str = "photos";
pub const META: &str = "meta";
pub const SYNC: &str = "sync";
pub const PHOTO_STATE: &str = "photo_state";
pub const ALL_STORES: [&str; 5] = [RECORDS, PHOTOS, META, SYNC, PHOTO_STATE];

/// Opens (creating or upgrading) the database `name`. Tests pass their own name.
pub async fn open(name: &str) -> StoreResult<Rexie> {
    if web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .is_none()
    {
        return Err(StoreError::Unavailable("indexedDB 不存在".into()));
    }
    let db = Rexie::builder(name)
        .version(DB_VERSION)
        // Every synced record of every kind, keyed by its UUIDv7; `dirty` is 0/1 because
        // IndexedDB cannot index booleans.
        .add_object_store(
            ObjectStore::new(RECORDS)
                .key_path("id")
                .add_index(Index::new("kind", "kind"))
                .add_index(Index::new("dirty", "dirty")),
        )
        // Photo and signature blobs, content-addressed by the SHA-256 of their bytes. Rows whose
        // `meta.hazard_id` etc. is null are simply left out of that index (IndexedDB semantics).
        // `upload_state` only indexes rows stored before v4 (later rows carry no state in their
        // meta): it is how a photo whose state never changed since the upgrade is still found.
        .add_object_store(
            ObjectStore::new(PHOTOS)
                .key_path("sha256")
                .add_index(Index::new("hazard_id", "meta.hazard_id"))
                .add_index(Index::new("inspection_id", "meta.inspection_id"))
                .add_index(Index::new("upload_state", "meta.upload_state")),
        )
        // Small key/value state that must survive with the data (schema notes, sync cursor).
        .add_object_store(ObjectStore::new(META).key_path("key"))
        .add_object_store(ObjectStore::new(SYNC).key_path("id"))
        .add_object_store(
            ObjectStore::new(PHOTO_STATE)
                .key_path("sha256")
                .add_index(Index::new("state", "state")),
        )
        .build()
        .await
        .map_err(|e| StoreError::Unavailable(super::error::describe(&e)))?;
    let names = db.store_names();
    for store in ALL_STORES {
        if !names.iter().any(|n| n == store) {
            return Err(StoreError::MissingStore(store.into()));
        }
    }
    Ok(db)
}
