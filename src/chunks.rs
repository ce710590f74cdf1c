//! Code that is not part of the start: in the production build (`--features split`,
//! scripts/build-pwa) `wasm_split` moves everything reachable only from a split point into a
//! wasm chunk of its own, fetched when first called (or preloaded); code that several chunks
//! use goes into shared `chunk_<n>` modules loaded with them. The split points: what the start
//! needs from the store — 首页's list of unfinished inspections, the unreadable-row scan, the
//! storage banner's check (`routes::home_chunk`, loaded once the first screen is painted) —,
//! the field screens beyond 首页 (`routes::field`), the office screens (`routes::office`) and
//! the sync engine (`sync::scheduler`). The start itself draws the campaign card, the tab bar
//! and the banners without decoding a record. The service worker precaches every chunk with
//! the rest of the build, so they load offline too.
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

/// A chunk's work handed back to the main module to run: a split point cannot be `async`
/// itself, so it returns its future boxed.
pub type Task<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// Calls a split point (a function under `#[wasm_split(…, fallible)]`), giving its `Result`: in
/// the split build the call loads the chunk first and is awaited; without the feature it is a
/// plain call. Use inside `async` code; the call site still names the split function.
macro_rules! call {
    ($split:expr) => {{
        #[cfg(feature = "split")]
        let result = $split.await;
        #[cfg(not(feature = "split"))]
        let result = $split;
        #[allow(clippy::let_and_return)]
        result
    }};
}
pub(crate) use call;

/// How long after the start the app waits before it loads the chunks every start needs (the
/// field screens, and the sync engine with the first sync run). Loading them at once made the
/// start itself slower: at 4x CPU throttle 首页 took 150–250 ms longer while their fetch and
/// compile competed with it; a second later a user has 首页 and rarely tapped on yet (a screen
/// tapped sooner loads its chunk itself).
pub const AFTER_START: std::time::Duration = std::time::Duration::from_millis(1000);
