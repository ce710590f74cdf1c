//! 隐患排查 PWA: the app lives here (not in main.rs) so browser tests can mount and call it.

// Benchmark helpers ship only in `scripts/bench`'s own build (`--features bench`).
#[cfg(feature = "bench")]
pub mod bench;
pub mod browser;
pub mod chunks;
pub mod components;
pub mod data;
pub mod export;
pub mod photo;
pub mod photo_ui;
pub mod pinyin;
pub mod routes;
pub mod settings;
pub mod signature_pad;
pub mod store;
pub mod sync;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use leptos_router::Lazy;
use routes::{field, office};

use components::{
    NetworkBadge, Opening, OpeningBadge, StorageBanner, SyncBadge, TabBar, UnreadableNotice,
    UpdatePrompt,
};

/// Mounts the app on the page, replacing the boot placeholder of index.html.
pub fn start() {
    // The panic message in the console, for the test and debug builds: the release wasm
    // (scripts/wasm-release) traps at a panic without running any hook.
    console_error_panic_hook::set_once();
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}

#[component]
pub fn App() -> impl IntoView {
    // One sync status for the whole app: the header badge and the 同步 page read it.
    let sync_status = RwSignal::new(sync::SyncStatus::default());
    provide_context(sync_status);
    sync::scheduler::start(sync_status);
    office::preload_for_office_accounts();
    field::preload_after_start();
    // Counts the screens whose code is loading (a field or office screen opened before its
    // chunk is here loads it).
    Opening::provide();
    view! {
        <Router>
            <header class="topbar">
                <span class="brand">"隐患排查"</span>
                <span class="badges">
                    <OpeningBadge/>
                    <SyncBadge/>
                    <NetworkBadge/>
                </span>
            </header>
            <components::secure_banner::SecureBanner/>
            <UpdatePrompt/>
            <StorageBanner/>
            <UnreadableNotice/>
            <main class="page">
                <Routes fallback=routes::NotFound>
                    <Route path=path!("/") view=routes::Home/>
                    <Route path=path!("/enterprises") view={Lazy::<field::EnterprisesRoute>::new()}/>
                    <Route path=path!("/enterprises/:id") view={Lazy::<field::EnterpriseFormRoute>::new()}/>
                    <Route path=path!("/inspections") view={Lazy::<field::InspectionsRoute>::new()}/>
                    <Route path=path!("/inspections/new") view={Lazy::<field::InspectionNewRoute>::new()}/>
                    <Route path=path!("/inspections/:id") view={Lazy::<field::ChecklistRoute>::new()}/>
                    <Route path=path!("/inspections/:id/sheet") view={Lazy::<field::SheetRoute>::new()}/>
                    <Route path=path!("/hazards") view={Lazy::<field::HazardsRoute>::new()}/>
                    <Route path=path!("/hazards/:id") view={Lazy::<field::HazardFormRoute>::new()}/>
                    <Route path=path!("/hazards/:id/rectify") view={Lazy::<field::RectifyRoute>::new()}/>
                    <Route path=path!("/penalties") view={Lazy::<office::PenaltiesRoute>::new()}/>
                    <Route path=path!("/penalties/new") view={Lazy::<office::PenaltyNewRoute>::new()}/>
                    <Route path=path!("/penalties/:id") view={Lazy::<office::PenaltyFormRoute>::new()}/>
                    <Route path=path!("/sync") view={Lazy::<field::SyncRoute>::new()}/>
                    <Route path=path!("/sync/conflicts") view={Lazy::<field::ConflictsRoute>::new()}/>
                    <Route path=path!("/reports") view={Lazy::<office::ReportsRoute>::new()}/>
                    <Route path=path!("/cross") view={Lazy::<office::CrossRoute>::new()}/>
                    <Route path=path!("/dashboard") view={Lazy::<office::DashboardRoute>::new()}/>
                    <Route path=path!("/settings") view={Lazy::<field::SettingsRoute>::new()}/>
                    <Route path=path!("/more") view=routes::More/>
                    <Route path=path!("/admin") view={Lazy::<office::AccountsRoute>::new()}/>
                    <Route path=path!("/admin/new") view={Lazy::<office::AccountNewRoute>::new()}/>
                    <Route path=path!("/admin/users/:username") view={Lazy::<office::AccountEditRoute>::new()}/>
                    <Route path=path!("/admin/roster") view={Lazy::<office::RosterRoute>::new()}/>
                    <Route path=path!("/admin/audit") view={Lazy::<office::AuditRoute>::new()}/>
                </Routes>
            </main>
            <TabBar/>
        </Router>
    }
}
