//! Saves a record as the user types: every change is queued, at most one write is in flight,
//! and only the newest version is written next (older queued versions are superseded). So a
//! crash or a closed tab loses at most the keystroke being written, and writes never reorder.
//! Photos added with an edit ride in the same transaction as the record that references them,
//! and are carried over when a newer version supersedes the one they came with.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use model::record::Record;
use send_wrapper::SendWrapper;
use serde::Serialize;
use web_sys::Blob;

use crate::photo::PhotoMeta;

#[derive(Clone, Debug, PartialEq)]
pub enum SaveStatus {
    Idle,
    Saving,
    Saved,
    Failed(String),
}

impl SaveStatus {
    pub fn label(&self) -> String {
        match self {
            SaveStatus::Idle => String::new(),
            SaveStatus::Saving => "保存中…".into(),
            SaveStatus::Saved => "已保存在本机".into(),
            SaveStatus::Failed(e) => format!("未能保存：{e}"),
        }
    }
}

struct Pending<T> {
    record: T,
    photos: Vec<(PhotoMeta, Blob)>,
}

struct Inner<T> {
    pending: RefCell<Option<Pending<T>>>,
    busy: Cell<bool>,
}

/// Leptos views want `Send + Sync` closures even in the browser's single thread; the queue
/// holds Blobs (not `Send`), hence the `SendWrapper`. Not a reactive `StoredValue` on purpose:
/// the queue must outlive the page that filled it (navigating away must not drop a write).
pub struct AutoSaver<T> {
    inner: SendWrapper<Rc<Inner<T>>>,
    pub status: RwSignal<SaveStatus>,
}

impl<T> Clone for AutoSaver<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            status: self.status,
        }
    }
}

impl<T: Record + Serialize + 'static> Default for AutoSaver<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Record + Serialize + 'static> AutoSaver<T> {
    pub fn new() -> Self {
        Self {
            inner: SendWrapper::new(Rc::new(Inner {
                pending: RefCell::new(None),
                busy: Cell::new(false),
            })),
            status: RwSignal::new(SaveStatus::Idle),
        }
    }

    /// Queues `record` for writing; returns at once.
    pub fn save(&self, record: T) {
        self.save_with_photos(record, Vec::new());
    }

    /// Queues `record` together with new photos it references: one transaction writes both.
    pub fn save_with_photos(&self, record: T, photos: Vec<(PhotoMeta, Blob)>) {
        {
            let mut slot = self.inner.pending.borrow_mut();
            let mut carried = slot.take().map(|p| p.photos).unwrap_or_default();
            carried.extend(photos);
            *slot = Some(Pending {
                record,
                photos: carried,
            });
        }
        if self.inner.busy.get() {
            return;
        }
        self.inner.busy.set(true);
        self.status.set(SaveStatus::Saving);
        let this = self.clone();
        leptos::task::spawn_local(async move {
            loop {
                let next = this.inner.pending.borrow_mut().take();
                let Some(p) = next else { break };
                let result = match super::db().await {
                    Ok(db) => {
                        super::photos::put_record_with_photos(&db, &p.record, &p.photos).await
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    // Keep the failed version queued unless a newer one arrived (its photos
                    // are kept either way), so the next edit retries everything.
                    let mut slot = this.inner.pending.borrow_mut();
                    match slot.as_mut() {
                        Some(newer) => newer.photos.extend(p.photos),
                        None => *slot = Some(p),
                    }
                    drop(slot);
                    this.status.set(SaveStatus::Failed(e.to_string()));
                    this.inner.busy.set(false);
                    return;
                }
            }
            this.status.set(SaveStatus::Saved);
            this.inner.busy.set(false);
        });
    }
}
