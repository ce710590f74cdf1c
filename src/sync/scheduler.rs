//! When sync runs: just after the start, when the network comes back, every few minutes while
//! online, and on the 同步 button. One run at a time (a second trigger while running is
//! remembered and runs right after), exponential backoff after a transient error, reset by a
//! success. Never over an insecure origin (plain http on the office network): the run is
//! refused with what to do. The engine itself is a chunk loaded by the first run (see
//! [`crate::chunks`]).

use std::cell::Cell;

use leptos::prelude::*;

use super::api::ApiError;
use super::status::SyncStatus;
use crate::chunks::NotLoaded;

/// While online, sync at least this often.
const PERIOD_MS: i32 = 3 * 60 * 1000;
const BACKOFF_START_MS: u32 = 5_000;
const BACKOFF_MAX_MS: u32 = 5 * 60 * 1000;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static BACKOFF_MS: Cell<u32> = const { Cell::new(0) };
    /// A run has been triggered since the start.
    static STARTED: Cell<bool> = const { Cell::new(false) };
}

/// Installs the triggers; call once at start.
pub fn start(status: RwSignal<SyncStatus>) {
    crate::components::on_window_event("online", move || trigger(status));
    let cb = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        if crate::browser::is_online() {
            trigger(status);
        }
    });
    let _ = crate::browser::window().set_interval_with_callback_and_timeout_and_arguments_0(
        wasm_bindgen::JsCast::unchecked_ref(cb.as_ref()),
        PERIOD_MS,
    );
    cb.forget();
    // The first run loads the engine's chunk: not while the start is still drawing 首页. Until
    // it starts, the badge says a run is coming rather than 已同步, which nothing has checked
    // yet; a trigger meanwhile (back online) runs at once and the timer then does nothing.
    status.update(|s| s.running = true);
    set_timeout(
        move || {
            if !STARTED.with(Cell::get) {
                trigger(status);
            }
        },
        crate::chunks::AFTER_START,
    );
}

/// Asks for a sync now. Never blocks editing: the run is a background task.
pub fn trigger(status: RwSignal<SyncStatus>) {
    STARTED.with(|s| s.set(true));
    if RUNNING.with(Cell::get) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    RUNNING.with(|r| r.set(true));
    // Shown at once (the tap is acknowledged before the task starts), so the 同步 button
    // cannot be pressed twice and nobody mistakes the idle label for a finished run.
    status.update(|s| s.running = true);
    leptos::task::spawn_local(async move {
        loop {
            AGAIN.with(|a| a.set(false));
            status.update(|s| s.running = true);
            // Over plain http the password, token and records would cross the office network
            // readable by anyone: refused with what to do (not transient: no retry loop).
            let result = match crate::components::secure_banner::sync_refusal() {
                Some(message) => {
                    // The queue is still counted and a missing login still shown, so the
                    // badge does not claim 已同步.
                    count_queue(status).await;
                    if super::session::current().is_none() {
                        status.update(|s| s.needs_login = true);
                    }
                    Err(ApiError::Server {
                        status: 0,
                        code: "insecure_context".into(),
                        message,
                    })
                }
                None => run_engine(status).await,
            };
            status.update(|s| s.running = false);
            match result {
                Ok(()) => {
                    BACKOFF_MS.with(|b| b.set(0));
                    status.update(|s| {
                        s.last_ok = Some(crate::browser::now_ms());
                        s.last_error = None;
                    });
                }
                Err(e) => {
                    status.update(|s| s.last_error = Some(e.to_string()));
                    if e.is_transient() {
                        schedule_retry(status);
                    }
                    if e.needs_login() {
                        status.update(|s| s.needs_login = true);
                    }
                }
            }
            if !AGAIN.with(Cell::get) {
                break;
            }
        }
        RUNNING.with(|r| r.set(false));
    });
}

/// A run as the engine returns it.
type Run = crate::chunks::Task<Result<(), ApiError>>;

// The split point of the sync engine (push, pull, merge, photo upload): not needed to draw
// 首页, so the start does not download or compile it; the first run, right after the start,
// loads it (from the service worker's cache when offline).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(sync, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn engine_run(status: RwSignal<SyncStatus>) -> Result<Run, NotLoaded> {
    Ok(Box::pin(super::engine::run_once(status)))
}

// The queue's count alone, for a run refused before it starts; in the engine's chunk, which has
// the code that reads the queue (the start does not need it).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(sync, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn count_run(status: RwSignal<SyncStatus>) -> Result<Run, NotLoaded> {
    Ok(Box::pin(async move {
        if let Ok(db) = crate::store::db().await {
            let _ = super::engine::refresh_counts(&db, status).await;
        }
        Ok(())
    }))
}

/// Recounts what waits to be sent. Without the engine's chunk the counts stay as they were:
/// the refusal itself is what the badge and 同步 then show.
async fn count_queue(status: RwSignal<SyncStatus>) {
    if let Ok(run) = crate::chunks::call!(count_run(status)) {
        let _ = run.await;
    }
}

/// One run of the engine, once its code is here. A chunk that cannot load is retried like an
/// unreachable server: nothing on this device is touched meanwhile.
async fn run_engine(status: RwSignal<SyncStatus>) -> Result<(), ApiError> {
    match crate::chunks::call!(engine_run(status)) {
        Ok(run) => run.await,
        Err(NotLoaded) => Err(ApiError::Other(
            "同步程序尚未下载到本机，联网后重新打开应用即可；本机数据不受影响".into(),
        )),
    }
}

fn schedule_retry(status: RwSignal<SyncStatus>) {
    let wait = BACKOFF_MS.with(|b| {
        let next = match b.get() {
            0 => BACKOFF_START_MS,
            n => n.saturating_mul(2).min(BACKOFF_MAX_MS),
        };
        b.set(next);
        next
    });
    status.update(|s| s.retry_in_ms = Some(wait));
    let cb = wasm_bindgen::closure::Closure::once(move || {
        if crate::browser::is_online() {
            trigger(status);
        }
    });
    let _ = crate::browser::window().set_timeout_with_callback_and_timeout_and_arguments_0(
        wasm_bindgen::JsCast::unchecked_ref(cb.as_ref()),
        wait as i32,
    );
    cb.forget();
}
