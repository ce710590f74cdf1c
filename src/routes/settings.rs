use leptos::prelude::*;

use crate::browser::{format_bytes, storage_info};

/// 设置: whether the browser promised to keep our data, and how much space it uses.
#[component]
pub fn Settings() -> impl IntoView {
    let info = LocalResource::new(storage_info);
    view! {
        <section class="card">
            <h1>"本机存储"</h1>
            <Suspense fallback=|| view! { <p>"正在读取…"</p> }>
                {move || {
                    info.get()
                        .map(|i| {
                            let persisted = match i.persisted {
                                Some(true) => "已获准持久保存：浏览器不会自动清除本应用的数据。",
                                Some(false) => {
                                    "未获准持久保存：长时间不用时浏览器可能清除数据。请把本应用添加到主屏幕，并尽早联网同步。"
                                }
                                None => "此浏览器不支持持久保存申请。请尽早联网同步。",
                            };
                            let usage = match (i.usage, i.quota) {
                                (Some(u), Some(q)) => {
                                    format!("已用 {} / 可用 {}", format_bytes(u), format_bytes(q))
                                }
                                _ => "无法读取存储用量".to_string(),
                            };
                            view! {
                                <p data-testid="persisted">{persisted}</p>
                                <p data-testid="usage">{usage}</p>
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}
