//! The office screens (报表, 交叉检查, 工作台, 行政处罚, 管理) load on first use: in the production
//! build (`--features split`, scripts/build-pwa) everything only these screens use goes into a
//! wasm chunk of its own that `wasm_split` fetches the first time one of them opens, so a phone
//! starts, and captures, without downloading or compiling it. The service worker precaches the
//! chunk with the rest of the build, so an office screen still opens offline.
//!
//! Without the feature (the browser tests, one of the clippy runs) the same function is an
//! ordinary call: the routes behave the same, only nothing is split.

use leptos::prelude::*;
use leptos_router::LazyRoute;

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

/// Why an office screen could not be shown: its chunk did not load (first visit cut off before
/// the service worker cached it, or a deploy replaced the files under an old page).
pub struct NotLoaded;

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
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

/// The screen, once its code is here.
async fn show(screen: Screen) -> AnyView {
    // 「正在打开…」 in the header if the chunk takes a while (until this future ends or is dropped).
    let _opening = crate::components::Opening::begin();
    #[cfg(feature = "split")]
    let shown = office_view(screen).await;
    #[cfg(not(feature = "split"))]
    let shown = office_view(screen);
    shown.unwrap_or_else(|NotLoaded| {
        view! {
            <section class="card" role="alert" data-testid="office-not-loaded">
                <h2>"此页面尚未下载到本机"</h2>
                <p>
                    "报表、交叉检查、工作台、行政处罚和管理页面在第一次打开时下载。"
                    "请连接网络后重新打开此页；下载一次后，离线也能打开。"
                </p>
                <p><a class="btn" href="/">"返回首页"</a></p>
            </section>
        }
        .into_any()
    })
}

macro_rules! office_routes {
    ($($name:ident => $screen:ident),* $(,)?) => {
        $(
            /// A route to an office screen, loaded on first use.
            pub struct $name;
            impl LazyRoute for $name {
                fn data() -> Self {
                    $name
                }
                async fn view(_: Self) -> AnyView {
                    show(Screen::$screen).await
                }
            }
        )*
    };
}

office_routes! {
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
