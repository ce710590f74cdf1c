//! 「正在打开…」 in the header while a screen's code is still loading: a field or office screen
//! opened before its wasm chunk is here fetches and compiles it (src/chunks.rs), which on a
//! slow mobile network can take seconds while the router keeps the old screen. Without a sign the
//! tap would look ignored, and the user tap again or leave.
//!
//! Driven by the load itself (`Opening::begin`), not by `<Router set_is_routing>`: that prop
//! also makes every navigation wait for the new screen's data, so a screen waiting on the
//! network would not open at all until it answered.

use std::time::Duration;

use leptos::prelude::*;

/// How long a load may take before the badge shows: shorter waits would only flicker.
const SHOW_AFTER: Duration = Duration::from_millis(200);

/// How many screen loads are under way (provided by the app).
#[derive(Clone, Copy)]
pub struct Opening(RwSignal<u32>);

impl Opening {
    pub fn provide() {
        provide_context(Opening(RwSignal::new(0)));
    }

    /// Counts a load until the guard is dropped: when it ends, fails, or is abandoned (the
    /// router drops the future when the user goes elsewhere meanwhile).
    pub fn begin() -> Option<OpeningGuard> {
        let Opening(count) = use_context::<Opening>()?;
        count.update(|n| *n += 1);
        Some(OpeningGuard(count))
    }
}

pub struct OpeningGuard(RwSignal<u32>);

impl Drop for OpeningGuard {
    fn drop(&mut self) {
        self.0.try_update(|n| *n = n.saturating_sub(1));
    }
}

/// The header badge.
#[component]
pub fn OpeningBadge() -> impl IntoView {
    let Some(Opening(count)) = use_context::<Opening>() else {
        return ().into_any();
    };
    let slow = RwSignal::new(false);
    Effect::new(move |_| {
        if count.get() > 0 {
            set_timeout(
                move || {
                    if count.get_untracked() > 0 {
                        slow.set(true);
                    }
                },
                SHOW_AFTER,
            );
        } else {
            slow.set(false);
        }
    });
    view! {
        <Show when=move || slow.get()>
            <span class="net-badge opening" role="status" data-testid="opening">"正在打开…"</span>
        </Show>
    }
    .into_any()
}
