//! Screens whose code loads on first use (see [`crate::chunks`]): [`super::field`] and
//! [`super::office`] each put their screens behind one split point; this is what they share.

use std::future::Future;

use leptos::prelude::*;

pub use crate::chunks::NotLoaded;

/// What a screen of a group says when its chunk is not on this device.
pub struct Missing {
    pub testid: &'static str,
    /// Which screens load on first use, said to the user.
    pub which: &'static str,
}

/// The screen, once its code is here; the Chinese message with a way back if it cannot load.
pub async fn show(
    missing: Missing,
    load: impl Future<Output = Result<AnyView, NotLoaded>>,
) -> AnyView {
    // 「正在打开…」 in the header if the chunk takes a while (until this future ends or is dropped).
    let _opening = crate::components::Opening::begin();
    load.await.unwrap_or_else(|NotLoaded| {
        let Missing { testid, which } = missing;
        view! {
            <section class="card" role="alert" data-testid=testid>
                <h2>"此页面尚未下载到本机"</h2>
                <p>
                    {which}
                    "请连接网络后重新打开此页；下载一次后，离线也能打开。"
                </p>
                <p><a class="btn" href="/">"返回首页"</a></p>
            </section>
        }
        .into_any()
    })
}

/// One `LazyRoute` type per screen of a group (`Lazy<T>` needs a type per route; passing the
/// view as a function pointer instead would make it reachable from the main module and undo
/// the split): `lazy_routes!(show_fn, ScreenEnum; RouteName => Variant, …)`.
macro_rules! lazy_routes {
    ($show:path, $screen:ident; $($name:ident => $variant:ident),* $(,)?) => {
        $(
            /// A route to a screen whose code loads on first use.
            pub struct $name;
            impl ::leptos_router::LazyRoute for $name {
                fn data() -> Self {
                    $name
                }
                async fn view(_: Self) -> ::leptos::prelude::AnyView {
                    $show($screen::$variant).await
                }
            }
        )*
    };
}
pub(crate) use lazy_routes;
