//! Code that is not part of the start: in the production build (`--features split`,
//! scripts/build-pwa) `wasm_split` moves everything reachable only from a split point into a
//! wasm chunk of its own, fetched when first called (or preloaded). The split points: the field
//! screens beyond 首页 together with everything that opens or reads the store — 首页's list of
//! unfinished inspections, the unreadable-row scan, the storage banner's check
//! (`routes::field`) —, the office screens (`routes::office`) and the sync engine
//! (`sync::scheduler`). The start itself draws the campaign card, the tab bar and the banners
//! without decoding a record. The service worker precaches every chunk with the rest of the
//! build, so they load offline too.
//!
//! Without the feature (the browser tests, one of the clippy runs) a split point is an ordinary
//! call: everything behaves the same, only nothing is split.

/// A chunk did not load: a first visit cut off before the service worker cached it, or a
/// deploy that replaced the files under an old page. Never cached: the next call tries again.
#[derive(Clone, Copy, Debug)]
pub struct NotLoaded;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// How long after the start the app waits before it loads the sync engine (the first sync
/// run) and, when the start was not on 首页 (which fetches it as it draws), the field screens.
/// Loading both at the very start made it slower: at 4x CPU throttle 首页 took 150–250 ms
/// longer while their fetch and compile competed with it. The field chunk alone, fetched once
/// 首页's card is in the page, did not measurably delay the card (scripts/bench, A/B).
pub const AFTER_START: std::time::Duration = std::time::Duration::from_millis(1000);
