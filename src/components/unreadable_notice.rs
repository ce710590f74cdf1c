use leptos::prelude::*;

use crate::store::unreadable::{self, kind_label, Unreadable};

/// How long after start the whole store is read once for bad rows: late enough not to slow the
/// first screen, early enough that the count is right before anyone reads a report.
const SCAN_DELAY_MS: u64 = 1_200;

/// One notice for the whole app when some stored rows cannot be read: the lists skip them (the
/// rest works), and here they can be looked at (查看) and saved as a file (导出) for an
/// administrator to repair. Follows the registry in `store::unreadable`.
#[component]
pub fn UnreadableNotice() -> impl IntoView {
    let rows = RwSignal::new(unreadable::all());
    unreadable::subscribe(move || {
        // The frame never unmounts; try_set in case the page is being torn down.
        let _ = rows.try_set(unreadable::all());
    });
    set_timeout(
        || leptos::task::spawn_local(crate::routes::home_chunk::scan_store()),
        std::time::Duration::from_millis(SCAN_DELAY_MS),
    );
    let open = RwSignal::new(false);
    let msg = RwSignal::new(None::<String>);
    let export = move |_| {
        let name = format!("隐患排查-无法读取的记录-{}.json", crate::browser::today());
        msg.set(Some(
            match crate::export::download(&crate::export::unreadable_json(), &name) {
                Ok(()) => "已导出。请把文件交给管理员修复。".into(),
                Err(e) => e,
            },
        ));
    };
    view! {
        <Show when=move || rows.with(|r| !r.is_empty())>
            <div class="banner warn" role="alert" data-testid="unreadable-notice">
                <span>
                    <strong data-testid="unreadable-count">{move || rows.with(Vec::len)}</strong>
                    " 条记录无法读取，已跳过，其余记录可正常使用"
                </span>
                <span class="row">
                    <button
                        class="btn secondary"
                        aria-expanded=move || open.get().to_string()
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        {move || if open.get() { "收起" } else { "查看" }}
                    </button>
                    <button class="btn secondary" data-testid="unreadable-export" on:click=export>
                        "导出"
                    </button>
                </span>
                {move || msg.get().map(|m| view! { <span class="small full-row">{m}</span> })}
                <Show when=move || open.get()>
                    <ul class="list full-row" data-testid="unreadable-list">
                        {move || rows.get().iter().map(row_view).collect_view()}
                    </ul>
                </Show>
            </div>
        </Show>
    }
}

fn row_view(u: &Unreadable) -> impl IntoView {
    view! {
        <li class="list-item" data-testid="unreadable-row">
            <span class="list-main">
                <span>
                    <strong>{kind_label(&u.kind).to_string()}</strong>
                    " "
                    <code>{u.id.clone()}</code>
                </span>
                <span class="small muted break-any">{format!("原因：{}", u.error)}</span>
            </span>
        </li>
    }
}
