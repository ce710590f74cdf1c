//! The office screens (报表, 交叉检查, 工作台, 行政处罚, 管理) load on first use (see
//! [`super::lazy`]): a phone starts, and captures, without downloading or compiling them.

use leptos::prelude::*;

use super::lazy::{lazy_routes, Missing, NotLoaded};

/// Which office screen a route shows. One chunk for all of them: a clerk who opens one usually
/// opens the others, and one fetch is cheaper than five on a county's mobile network.
#[derive(Clone, Copy)]
pub enum Screen {
    Reports,
    Cross,
    Dashboard,
    Penalties,
    PenaltyNew,
    PenaltyForm,
    Accounts,
    AccountNew,
    AccountEdit,
    Roster,
    Audit,
}

// The split point: everything reachable only from here moves into the chunk `office`.
// `fallible`: a failed load comes back as `Err` (and is tried again next time) instead of a
// panic, which would abort the whole app.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        office,
        wasm_split_path = ::leptos::wasm_split,
        preload(preload_office),
        fallible
    )
)]
fn office_view(screen: Screen) -> Result<AnyView, NotLoaded> {
    use super::*;
    Ok(match screen {
        Screen::Reports => view! { <Reports/> }.into_any(),
        Screen::Cross => view! { <Cross/> }.into_any(),
        Screen::Dashboard => view! { <Dashboard/> }.into_any(),
        Screen::Penalties => view! { <Penalties/> }.into_any(),
        Screen::PenaltyNew => view! { <PenaltyNew/> }.into_any(),
        Screen::PenaltyForm => view! { <PenaltyForm/> }.into_any(),
        Screen::Accounts => view! { <admin::Accounts/> }.into_any(),
        Screen::AccountNew => view! { <admin::AccountNew/> }.into_any(),
        Screen::AccountEdit => view! { <admin::AccountEditPage/> }.into_any(),
        Screen::Roster => view! { <admin::Roster/> }.into_any(),
        Screen::Audit => view! { <admin::Audit/> }.into_any(),
    })
}

/// An office account (市级, 县级, 交叉检查组) will open these screens: a few seconds after the
/// app started, fetch and compile the chunk in the background, so that the first one opens at
/// once. An enterprise account, or nobody signed in, never loads it until asked.
pub fn preload_for_office_accounts() {
    #[cfg(feature = "split")]
    {
        use model::sync::RoleKind;
        let office =
            crate::sync::session::current().is_some_and(|s| s.user.role != RoleKind::Enterprise);
        if office {
            set_timeout(
                || {
                    leptos::task::spawn_local(async {
                        // A failure is reported when a screen is opened; nothing to do here.
                        let _ = preload_office().await;
                    })
                },
                std::time::Duration::from_secs(3),
            );
        }
    }
}

async fn show(screen: Screen) -> AnyView {
    let missing = Missing {
        testid: "office-not-loaded",
        which: "报表、交叉检查、工作台、行政处罚和管理页面在第一次打开时下载。",
    };
    super::lazy::show(
        missing,
        async move { crate::chunks::call!(office_view(screen)) },
    )
    .await
}

lazy_routes! {
    show, Screen;
    ReportsRoute => Reports,
    CrossRoute => Cross,
    DashboardRoute => Dashboard,
    PenaltiesRoute => Penalties,
    PenaltyNewRoute => PenaltyNew,
    PenaltyFormRoute => PenaltyForm,
    AccountsRoute => Accounts,
    AccountNewRoute => AccountNew,
    AccountEditRoute => AccountEdit,
    RosterRoute => Roster,
    AuditRoute => Audit,
}
