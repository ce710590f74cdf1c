use leptos::prelude::*;

/// 在线 / 离线 in the header, so the inspector knows whether sync can happen.
#[component]
pub fn NetworkBadge() -> impl IntoView {
    let online = super::online_signal();
    view! {
        <span
            class="net-badge"
            class:offline=move || !online.get()
            data-testid="net-badge"
            role="status"
        >
            {move || if online.get() { "在线" } else { "离线 · 数据保存在本机" }}
        </span>
    }
}
