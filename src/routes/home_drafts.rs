//! 首页's 未完成的检查: the unsigned inspections on this device, each with 丢弃. It reads whole
//! inspections, enterprises and hazards and builds the checklist catalogue (已查 n/m 项), so it
//! is drawn by the `home` chunk ([`super::home_chunk::drafts`]): the start, which only has to
//! show the campaign card, carries none of their decoders.

use leptos::prelude::*;

use super::inspections::{discard, load_rows, row_view};
use crate::components::StoreErrorView;

#[component]
pub fn Drafts() -> impl IntoView {
    let drafts = LocalResource::new(|| async {
        load_rows().await.map(|rows| {
            rows.into_iter()
                .filter(|r| !r.inspection.is_frozen())
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"正在读取…"</p> }>
            {move || {
                drafts.get()
                    .map(|r| match r {
                        Err(e) => view! { <StoreErrorView error=e/> }.into_any(),
                        Ok(rows) if rows.is_empty() => {
                            view! { <p class="muted">"没有未完成的检查。"</p> }.into_any()
                        }
                        Ok(rows) => {
                            view! {
                                <ul class="list">
                                    {rows
                                        .into_iter()
                                        .map(|r| {
                                            let insp = r.inspection.clone();
                                            let name = r.enterprise.clone();
                                            let drop_it = move |_| {
                                                let ok = crate::browser::window()
                                                    .confirm_with_message(&format!(
                                                        "丢弃对“{name}”的这次检查？其中记录的隐患也一并作废（不可在本机恢复）。",
                                                    ))
                                                    .unwrap_or(false);
                                                if ok {
                                                    let insp = insp.clone();
                                                    leptos::task::spawn_local(async move {
                                                        match discard(&insp).await {
                                                            Ok(()) => drafts.refetch(),
                                                            Err(e) => {
                                                                let _ = crate::browser::window()
                                                                    .alert_with_message(&e.to_string());
                                                            }
                                                        }
                                                    });
                                                }
                                            };
                                            view! {
                                                <div class="draft">
                                                    {row_view(&r)}
                                                    <button class="small secondary danger-text" on:click=drop_it>
                                                        "丢弃"
                                                    </button>
                                                </div>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    })
            }}
        </Suspense>
    }
}
