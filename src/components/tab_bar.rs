use leptos::prelude::*;
use leptos_router::components::A;

/// Bottom tab bar: within thumb reach on a phone; on a desktop it sits under the content.
#[component]
pub fn TabBar() -> impl IntoView {
    let tabs = [
        ("/", "首页"),
        ("/enterprises", "企业"),
        ("/inspections", "检查"),
        ("/hazards", "隐患"),
        ("/sync", "同步"),
        ("/reports", "报表"),
        ("/settings", "设置"),
    ];
    view! {
        <nav class="tabbar" aria-label="主导航">
            {tabs
                .into_iter()
                .map(|(href, label)| view! { <A href=href exact=true>{label}</A> })
                .collect_view()}
        </nav>
    }
}
