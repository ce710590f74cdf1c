//! The chunk `home` (see [`crate::chunks`]): what the start needs from the store, kept out of
//! the main module because it decodes records (and opens the store) — 首页's list of unfinished
//! inspections, the scan for rows that cannot be read, the storage banner's check. Small by
//! itself: the decoders and the store's code are in shared chunks it loads with it, which the
//! field, office and sync chunks use too. Fetched once the first screen is painted
//! ([`crate::browser::after_paint`]): fetched and compiled at the very start, it held the first
//! paint back. Measured (scripts/bench, A/B at 4x CPU throttle): with these in the field chunk
//! 首页's list came 60–90 ms later than when the start drew it itself; from this small chunk
//! 20–30 ms.

use leptos::prelude::*;

use super::lazy::NotLoaded;
use crate::chunks::Task;

/// Draws 首页's 未完成的检查 ([`super::home_drafts`]).
type Draw = fn() -> AnyView;

// What it returns is a pointer to a function in the chunk, so the main module never refers to
// the list's code, only calls it once loaded.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(home, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn drafts_view() -> Result<Draw, NotLoaded> {
    Ok(|| view! { <super::home_drafts::Drafts/> }.into_any())
}

/// 首页's list of unfinished inspections, once the chunk is here.
pub async fn drafts() -> Result<Draw, NotLoaded> {
    crate::chunks::call!(drafts_view())
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(home, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn scan_view() -> Result<Task<()>, NotLoaded> {
    Ok(Box::pin(async {
        // An unavailable store is the storage banner's to report.
        if let Ok(db) = crate::store::db().await {
            let _ = crate::store::unreadable::scan(&db).await;
        }
    }))
}

/// Reads every stored record once for rows that cannot be read (see
/// [`crate::components::UnreadableNotice`]). It decodes every record kind, so it runs in this
/// chunk; without it, the notice only counts what the screens themselves ran into.
pub async fn scan_store() {
    if let Ok(scan) = crate::chunks::call!(scan_view()) {
        scan.await;
    }
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(home, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn store_check() -> Result<Task<Option<String>>, NotLoaded> {
    Ok(Box::pin(async {
        crate::store::db().await.err().map(|e| e.to_string())
    }))
}

/// Why this device cannot store anything (private mode, IndexedDB blocked), for the banner
/// ([`crate::components::StorageBanner`]); `None` when the store opens, and when the chunk is
/// missing (首页's list then says so, and the screens report a store that does not open).
pub async fn store_problem() -> Option<String> {
    match crate::chunks::call!(store_check()) {
        Ok(check) => check.await,
        Err(NotLoaded) => None,
    }
}
