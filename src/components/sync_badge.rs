use leptos::prelude::*;

use crate::sync::SyncStatus;

/// Header badge: how much waits to be sent, or that sync is running; taps through to 同步.
#[component]
pub fn SyncBadge() -> impl IntoView {
    let status = expect_context::<RwSignal<SyncStatus>>();
    view! {
        <a class="sync-badge" href="/sync" data-testid="sync-badge">
            {move || {
                let s = status.get();
                if s.running {
                    "同步中…".to_string()
                } else if s.needs_login {
                    "请登录同步".to_string()
                } else if s.needs_attention > 0 {
                    format!("{} 条需处理", s.needs_attention)
                } else if s.pending_records + s.pending_photos > 0 {
                    format!("待同步 {}", s.pending_records + s.pending_photos)
                } else {
                    "已同步".to_string()
                }
            }}
        </a>
    }
}
