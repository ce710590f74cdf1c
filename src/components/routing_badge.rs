//! 「正在打开…」 in the header while a screen takes long to open: the first office screen of a
//! start fetches and compiles its wasm chunk (src/routes/office.rs), which on a slow mobile
//! network can take seconds while the router keeps the old screen. Without a sign the tap would
//! look ignored, and the user tap again or leave.

use std::time::Duration;

use leptos::prelude::*;

/// How long a screen may take before the badge shows: shorter waits would only flicker.
const SHOW_AFTER: Duration = Duration::from_millis(200);

/// The header badge; `routing` is the signal `<Router set_is_routing>` sets.
#[component]
pub fn RoutingBadge(routing: RwSignal<bool>) -> impl IntoView {
    let slow = RwSignal::new(false);
    Effect::new(move |_| {
        if routing.get() {
            set_timeout(
                move || {
                    if routing.get_untracked() {
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
            <span class="net-badge routing" role="status" data-testid="routing">"正在打开…"</span>
        </Show>
    }
}
