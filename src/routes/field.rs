//! The field screens beyond 首页 (企业, 检查, 检查表, 附件5, 隐患, 整改, 同步, 设置) load as one
//! chunk (see [`super::lazy`]) with everything else that opens or reads the store: 首页's list of
//! unfinished inspections ([`drafts`]), the scan for unreadable rows ([`scan_store`]) and the
//! storage banner's check ([`store_problem`]). The start itself downloads and compiles only what
//! 首页's campaign card, the tab bar and the banners need; 首页 fetches the chunk as it draws
//! (other starts a second later), so by the time an inspector taps on, the screens are here. The
//! service worker precaches the chunk, so they open offline like before.

use leptos::prelude::*;

use super::lazy::{lazy_routes, Missing, NotLoaded};

/// Which field screen a route shows. One chunk: an inspector walks through all of them.
#[derive(Clone, Copy)]
pub enum Screen {
    Enterprises,
    EnterpriseForm,
    Inspections,
    InspectionNew,
    Checklist,
    Sheet,
    Hazards,
    HazardForm,
    Rectify,
    Sync,
    Conflicts,
    Settings,
}

// The split point: everything reachable only from here moves into the chunk `field`.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        field,
        wasm_split_path = ::leptos::wasm_split,
        preload(preload_field),
        fallible
    )
)]
fn field_view(screen: Screen) -> Result<AnyView, NotLoaded> {
    use super::*;
    Ok(match screen {
        Screen::Enterprises => view! { <Enterprises/> }.into_any(),
        Screen::EnterpriseForm => view! { <EnterpriseForm/> }.into_any(),
        Screen::Inspections => view! { <Inspections/> }.into_any(),
        Screen::InspectionNew => view! { <InspectionNew/> }.into_any(),
        Screen::Checklist => view! { <Checklist/> }.into_any(),
        Screen::Sheet => view! { <Sheet/> }.into_any(),
        Screen::Hazards => view! { <Hazards/> }.into_any(),
        Screen::HazardForm => view! { <HazardForm/> }.into_any(),
        Screen::Rectify => view! { <Rectify/> }.into_any(),
        Screen::Sync => view! { <Sync/> }.into_any(),
        Screen::Conflicts => view! { <Conflicts/> }.into_any(),
        Screen::Settings => view! { <Settings/> }.into_any(),
    })
}

/// Draws 首页's 未完成的检查 ([`super::home_drafts`]), which is in this chunk too.
type Draw = fn() -> AnyView;

// In the chunk with the screens (same module name): what it returns is a pointer to a function
// there, so the main module never refers to the list's code, only calls it once loaded.
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(field, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn drafts_view() -> Result<Draw, NotLoaded> {
    Ok(|| view! { <super::home_drafts::Drafts/> }.into_any())
}

/// 首页's list of unfinished inspections, once the chunk is here (the start loads it at once
/// for this; a screen tapped meanwhile waits for the same load).
pub async fn drafts() -> Result<Draw, NotLoaded> {
    #[cfg(feature = "split")]
    return drafts_view().await;
    #[cfg(not(feature = "split"))]
    return drafts_view();
}

type Scan = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(field, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn scan_view() -> Result<Scan, NotLoaded> {
    Ok(Box::pin(async {
        // An unavailable store is the storage banner's to report.
        if let Ok(db) = crate::store::db().await {
            let _ = crate::store::unreadable::scan(&db).await;
        }
    }))
}

/// Reads every stored record once for rows that cannot be read (see
/// [`crate::components::UnreadableNotice`]). It decodes every record kind, so it runs in this
/// chunk; without the chunk there is no screen that could list those records either.
pub async fn scan_store() {
    #[cfg(feature = "split")]
    let scan = scan_view().await;
    #[cfg(not(feature = "split"))]
    let scan = scan_view();
    if let Ok(scan) = scan {
        scan.await;
    }
}

type Check = std::pin::Pin<Box<dyn std::future::Future<Output = Option<String>>>>;

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(field, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn store_check() -> Result<Check, NotLoaded> {
    Ok(Box::pin(async {
        crate::store::db().await.err().map(|e| e.to_string())
    }))
}

/// Why this device cannot store anything (private mode, IndexedDB blocked), for the banner
/// ([`crate::components::StorageBanner`]); `None` when the store opens. Opening it needs the
/// store's code, which only the screens in this chunk use; without the chunk no screen that
/// stores anything can open either, and they say so themselves.
pub async fn store_problem() -> Option<String> {
    #[cfg(feature = "split")]
    let check = store_check().await;
    #[cfg(not(feature = "split"))]
    let check = store_check();
    match check {
        Ok(check) => check.await,
        Err(NotLoaded) => None,
    }
}

/// Fetches and compiles the chunk shortly after the start ([`crate::chunks::AFTER_START`]),
/// for every account: an inspector's next tap must not wait for it. A failure is reported when
/// a screen is opened.
pub fn preload_after_start() {
    #[cfg(feature = "split")]
    set_timeout(
        || {
            leptos::task::spawn_local(async {
                let _ = preload_field().await;
            })
        },
        crate::chunks::AFTER_START,
    );
}

async fn show(screen: Screen) -> AnyView {
    let missing = Missing {
        testid: "field-not-loaded",
        which: "本页面的程序在第一次打开应用时于后台下载，这次未能下载完成。",
    };
    #[cfg(feature = "split")]
    return super::lazy::show(missing, field_view(screen)).await;
    #[cfg(not(feature = "split"))]
    return super::lazy::show(missing, async move { field_view(screen) }).await;
}

lazy_routes! {
    show, Screen;
    EnterprisesRoute => Enterprises,
    EnterpriseFormRoute => EnterpriseForm,
    InspectionsRoute => Inspections,
    InspectionNewRoute => InspectionNew,
    ChecklistRoute => Checklist,
    SheetRoute => Sheet,
    HazardsRoute => Hazards,
    HazardFormRoute => HazardForm,
    RectifyRoute => Rectify,
    SyncRoute => Sync,
    ConflictsRoute => Conflicts,
    SettingsRoute => Settings,
}
