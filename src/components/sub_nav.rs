//! The row of sibling links at the top of a group of screens (报表 group, 管理 group): the
//! current one filled and marked for screen readers.

use leptos::prelude::*;

#[component]
pub fn SubNav(
    /// The `aria-label` of the `<nav>`.
    label: &'static str,
    /// (href, text) in order.
    links: Vec<(&'static str, &'static str)>,
    current: &'static str,
    /// An extra class for the layout (e.g. `admin`).
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    view! {
        <nav class=format!("subnav no-print {class}") aria-label=label>
            {links
                .into_iter()
                .map(|(href, text)| {
                    let here = href == current;
                    view! {
                        <a href=href class:here=here aria-current=here.then_some("page")>
                            {text}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
