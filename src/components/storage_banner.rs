use leptos::prelude::*;

use crate::browser::{format_bytes, storage_info, StorageInfo};

/// Says plainly at start when offline work is impossible (private mode, IndexedDB blocked),
/// and warns when the device storage is 80 % full. See FIELD-LESSONS: storage eviction.
#[component]
pub fn StorageBanner() -> impl IntoView {
    // The check needs the `home` chunk (the store's code, see `routes::home_chunk`): loaded
    // once the first screen is painted.
    let db_error = LocalResource::new(|| async {
        crate::browser::after_paint().await;
        crate::routes::home_chunk::store_problem().await
    });
    let info = LocalResource::new(storage_info);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                db_error
                    .get()
                    .flatten()
                    .map(|e| {
                        view! {
                            <div class="banner error" role="alert" data-testid="storage-error">
                                {e}
                            </div>
                        }
                    })
            }}
            {move || info.get().and_then(|i| quota_warning(&i))}
        </Suspense>
    }
}

fn quota_warning(i: &StorageInfo) -> Option<AnyView> {
    let ratio = i.ratio()?;
    (ratio >= 0.8).then(|| {
        view! {
            <div class="banner warn" role="alert">
                {format!(
                    "本机存储已用 {:.0}%（{} / {}）。请尽快联网同步，并删除不需要的旧照片。",
                    ratio * 100.0,
                    format_bytes(i.usage.unwrap_or(0.0)),
                    format_bytes(i.quota.unwrap_or(0.0)),
                )}
            </div>
        }
        .into_any()
    })
}
