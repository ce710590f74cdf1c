use leptos::prelude::*;

use crate::store::StoreError;

/// A storage error, said plainly with what to do; never hidden behind an empty list.
#[component]
pub fn StoreErrorView(error: StoreError) -> impl IntoView {
    view! {
        <div class="banner error" role="alert">
            {error.to_string()}
        </div>
    }
}

/// "保存中… / 已保存在本机 / 未能保存：…" next to a form that saves as the user types.
#[component]
pub fn SaveBadge(status: RwSignal<crate::store::autosave::SaveStatus>) -> impl IntoView {
    use crate::store::autosave::SaveStatus;
    view! {
        <span
            class="save-badge"
            class:error=move || matches!(status.get(), SaveStatus::Failed(_))
            data-testid="save-status"
            role="status"
        >
            {move || status.get().label()}
        </span>
    }
}
