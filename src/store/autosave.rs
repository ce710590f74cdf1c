//! Saves a record as the user types: every change is queued, at most one write is in flight,
//! and only the newest version is written next (older queued versions are superseded). So a
//! crash or a closed tab loses at most the keystroke being written, and writes never reorder.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use model::record::Record;
use serde::Serialize;

use super::records;

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

pub struct AutoSaver<T> {
    pending: Rc<RefCell<Option<T>>>,
    busy: Rc<Cell<bool>>,
    pub status: RwSignal<SaveStatus>,
}

impl<T> Clone for AutoSaver<T> {
    fn clone(&self) -> Self {
        Self {
            pending: self.pending.clone(),
            busy: self.busy.clone(),
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
            pending: Rc::new(RefCell::new(None)),
            busy: Rc::new(Cell::new(false)),
            status: RwSignal::new(SaveStatus::Idle),
        }
    }

    /// Queues `record` for writing; returns at once.
    pub fn save(&self, record: T) {
        *self.pending.borrow_mut() = Some(record);
        if self.busy.get() {
            return;
        }
        self.busy.set(true);
        self.status.set(SaveStatus::Saving);
        let this = self.clone();
        leptos::task::spawn_local(async move {
            loop {
                let next = this.pending.borrow_mut().take();
                let Some(record) = next else { break };
                let result = match super::db().await {
                    Ok(db) => records::put(&db, &record).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    // Keep the failed version queued unless a newer one arrived, so a retry
                    // (the next keystroke) still writes everything.
                    this.pending.borrow_mut().get_or_insert(record);
                    this.status.set(SaveStatus::Failed(e.to_string()));
                    this.busy.set(false);
                    return;
                }
            }
            this.status.set(SaveStatus::Saved);
            this.busy.set(false);
        });
    }
}
