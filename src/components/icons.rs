//! Line icons for the navigation: one SVG path set per destination, drawn in the text colour
//! (`.icon` in style/main.css), hidden from screen readers because the label says it all.

use leptos::prelude::*;

/// The destinations that carry an icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Home,
    Enterprise,
    Inspection,
    Hazard,
    Penalty,
    Reports,
    Cross,
    Dashboard,
    Sync,
    Admin,
    Roster,
    Audit,
    Settings,
    More,
}

impl Icon {
    /// SVG path data on a 24×24 grid (stroked, not filled).
    fn paths(self) -> &'static [&'static str] {
        match self {
            Icon::Home => &["M3 11 12 3l9 8", "M5 9.5V21h5v-6h4v6h5V9.5"],
            Icon::Enterprise => &["M3 21V10l6 3.5V10l6 3.5V4h6v17z", "M7 17h2M12 17h2M17 17h1"],
            Icon::Inspection => &["M9 3h6v3H9z", "M7 4.5H5v16.5h14V4.5h-2", "m8.5 13 2.5 2.5 4.5-5"],
            Icon::Hazard => &["M12 3 22 20H2z", "M12 9.5v5", "M12 17.2v.3"],
            Icon::Penalty => &["M6 3h9l3 3v15H6z", "M9 11h6M9 15h6M9 7h3"],
            Icon::Reports => &["M4 20V11M10 20V5M16 20v-7M21 20H3"],
            Icon::Cross => &["M4 7h13l-3-3", "M20 17H7l3 3"],
            Icon::Dashboard => &["M3 3h8v8H3zM13 3h8v5h-8zM13 10h8v11h-8zM3 13h8v8H3z"],
            Icon::Sync => &["M20 11A8 8 0 0 0 6 6.3L4 8", "M4 3v5h5", "M4 13a8 8 0 0 0 14 4.7l2-1.7", "M20 21v-5h-5"],
            Icon::Admin => &["M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M2 21c0-4 3-6.5 7-6.5s7 2.5 7 6.5", "M16 3.5a4 4 0 0 1 0 7.5", "M18.5 14.5c2 .8 3.5 2.8 3.5 6.5"],
            Icon::Roster => &["M4 3h11l5 5v13H4z", "M14 3v6h6", "M12 18v-7m-3 3 3-3 3 3"],
            Icon::Audit => &["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7v5l3 2"],
            Icon::Settings => &["M12 15.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z", "M12 2v3M12 19v3M2 12h3M19 12h3M4.9 4.9 7 7M17 17l2.1 2.1M4.9 19.1 7 17M17 7l2.1-2.1"],
            Icon::More => &["M5 12h.01M12 12h.01M19 12h.01"],
        }
    }
}

/// The icon as inline SVG: no file to fetch, so it is there offline and under the strict CSP.
#[component]
pub fn IconSvg(icon: Icon) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            {icon.paths().iter().map(|d| view! { <path d=*d></path> }).collect_view()}
        </svg>
    }
}
