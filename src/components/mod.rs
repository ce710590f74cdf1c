//! Pieces of the app frame shared by every page.

pub mod icons;
mod money_input;
mod network_badge;
mod opening_badge;
pub mod password_change;
pub mod secure_banner;
mod status;
mod storage_banner;
pub mod sub_nav;
mod sync_badge;
mod tab_bar;
mod unreadable_notice;
mod update_prompt;

pub use money_input::MoneyInput;
pub use network_badge::NetworkBadge;
pub use opening_badge::{Opening, OpeningBadge};
pub use status::{loaded, FieldIssues, SaveBadge, StoreErrorView};
pub use storage_banner::StorageBanner;
pub use sub_nav::SubNav;
pub use sync_badge::SyncBadge;
pub use tab_bar::{TabBar, MORE_PATHS};
pub use unreadable_notice::UnreadableNotice;
pub use update_prompt::UpdatePrompt;

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

/// Calls `f` whenever `event` fires on window, for the life of the page (the frame never unmounts).
pub(crate) fn on_window_event(event: &str, f: impl Fn() + 'static) {
    let cb = Closure::<dyn Fn()>::new(f);
    let _ = crate::browser::window()
        .add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
    cb.forget();
}

/// A signal that follows navigator.onLine.
pub fn online_signal() -> ReadSignal<bool> {
    let (online, set_online) = signal(crate::browser::is_online());
    on_window_event("online", move || set_online.set(true));
    on_window_event("offline", move || set_online.set(false));
    online
}
