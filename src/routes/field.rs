//! The field screens beyond 首页 (企业, 检查, 检查表, 附件5, 隐患, 整改, 同步, 设置) load as one
//! chunk (see [`super::lazy`]) that every start fetches in the background a second after it
//! began: the start itself downloads and compiles only what 首页's card, the tab bar and the
//! banners need (what 首页 reads from the store is the `home` chunk, [`super::home_chunk`]),
//! and by the time an inspector taps on, the screens are here. The service worker precaches the
//! chunk, so they open offline like before.

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
    super::lazy::show(
        missing,
        async move { crate::chunks::call!(field_view(screen)) },
    )
    .await
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
