//! Screens whose features are not built yet say so honestly instead of pretending.

use leptos::prelude::*;

fn not_yet(title: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <section class="card">
            <h1>{title}</h1>
            <p class="muted">{what}</p>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    not_yet("页面不存在", "请从下方导航进入。")
}
