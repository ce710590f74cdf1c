//! The main navigation. A phone gets at most five destinations in the bottom bar, in thumb
//! reach: the field work (首页, 企业, 检查, 隐患) and 更多, which groups the office screens, 同步
//! and 设置. A desktop (≥ 900 px) shows the full menu under the header. One `<nav>` carries
//! both: CSS hides the items a width does not use, so no link is in the page twice.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::icons::{Icon, IconSvg};

/// Where an item shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Both,
    Phone,
    Desktop,
}

struct Dest {
    href: &'static str,
    label: &'static str,
    icon: Icon,
    shown: Shown,
    /// Paths (prefixes) that mark this item as the current one.
    covers: &'static [&'static str],
}

/// The office screens and the rest that a phone reaches through 更多.
pub const MORE_PATHS: &[&str] = &[
    "/more",
    "/reports",
    "/cross",
    "/dashboard",
    "/penalties",
    "/sync",
    "/settings",
    "/admin",
];

const DESTS: &[Dest] = &[
    Dest {
        href: "/",
        label: "首页",
        icon: Icon::Home,
        shown: Shown::Both,
        covers: &[],
    },
    Dest {
        href: "/enterprises",
        label: "企业",
        icon: Icon::Enterprise,
        shown: Shown::Both,
        covers: &["/enterprises"],
    },
    Dest {
        href: "/inspections",
        label: "检查",
        icon: Icon::Inspection,
        shown: Shown::Both,
        covers: &["/inspections"],
    },
    Dest {
        href: "/hazards",
        label: "隐患",
        icon: Icon::Hazard,
        shown: Shown::Both,
        covers: &["/hazards"],
    },
    Dest {
        href: "/penalties",
        label: "行政处罚",
        icon: Icon::Penalty,
        shown: Shown::Desktop,
        covers: &["/penalties"],
    },
    Dest {
        href: "/reports",
        label: "报表",
        icon: Icon::Reports,
        shown: Shown::Desktop,
        covers: &["/reports", "/cross", "/dashboard"],
    },
    Dest {
        href: "/sync",
        label: "同步",
        icon: Icon::Sync,
        shown: Shown::Desktop,
        covers: &["/sync"],
    },
    Dest {
        href: "/admin",
        label: "管理",
        icon: Icon::Admin,
        shown: Shown::Desktop,
        covers: &["/admin"],
    },
    Dest {
        href: "/settings",
        label: "设置",
        icon: Icon::Settings,
        shown: Shown::Desktop,
        covers: &["/settings"],
    },
    Dest {
        href: "/more",
        label: "更多",
        icon: Icon::More,
        shown: Shown::Phone,
        covers: MORE_PATHS,
    },
];

/// Whether `path` is `prefix` or below it (`/hazards/1` is under `/hazards`, `/hazardsx` not).
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn is_current(d: &Dest, path: &str) -> bool {
    if d.href == "/" {
        return path == "/";
    }
    d.covers.iter().any(|p| under(path, p))
}

/// Bottom tab bar on a phone, top menu on a desktop; the current destination is marked.
#[component]
pub fn TabBar() -> impl IntoView {
    let location = use_location();
    view! {
        <nav class="tabbar" aria-label="主导航">
            {DESTS
                .iter()
                .map(|d| {
                    let class = match d.shown {
                        Shown::Both => "tab",
                        Shown::Phone => "tab phone-only",
                        Shown::Desktop => "tab desktop-only",
                    };
                    let here = move || location.pathname.with(|p| is_current(d, p));
                    view! {
                        <a
                            href=d.href
                            class=class
                            class:here=here
                            aria-current=move || here().then_some("page")
                        >
                            <IconSvg icon=d.icon/>
                            <span class="tab-label">{d.label}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_phone_has_at_most_five_destinations() {
        let phone = DESTS.iter().filter(|d| d.shown != Shown::Desktop).count();
        assert!(phone <= 5, "{phone} phone tabs");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn exactly_one_item_is_current_per_width() {
        for path in [
            "/",
            "/hazards/1",
            "/cross",
            "/admin/roster",
            "/settings",
            "/sync/conflicts",
        ] {
            for width in [Shown::Phone, Shown::Desktop] {
                let n = DESTS
                    .iter()
                    .filter(|d| d.shown == Shown::Both || d.shown == width)
                    .filter(|d| is_current(d, path))
                    .count();
                assert_eq!(n, 1, "{path}");
            }
        }
        assert!(!under("/hazardsx", "/hazards"));
    }
}
