use leptos::prelude::*;

use crate::browser::{format_bytes, storage_info};
use crate::export;
use crate::settings::{profile, save_profile, Profile};

/// 设置: whether the browser promised to keep our data, and how much space it uses.
#[component]
pub fn Settings() -> impl IntoView {
    let info = LocalResource::new(storage_info);
    let me = RwSignal::new(profile());
    let saved = RwSignal::new(None::<String>);
    let save = move |_| {
        let p: Profile = me.get_untracked();
        saved.set(Some(match save_profile(&p) {
            Ok(()) => "已保存。".into(),
            Err(e) => e,
        }));
    };
    let io_msg = RwSignal::new(None::<String>);
    let do_export = move |_| {
        io_msg.set(Some("正在导出…".into()));
        leptos::task::spawn_local(async move {
            let r = async {
                let text = export::export_json().await.map_err(|e| e.to_string())?;
                let name = format!("隐患排查-导出-{}.json", crate::browser::today());
                export::download(&text, &name)?;
                Ok::<_, String>(text.len())
            }
            .await;
            io_msg.set(Some(match r {
                Ok(n) => format!(
                    "已导出（{}）。请把文件保存到手机或电脑上的安全位置。",
                    format_bytes(n as f64)
                ),
                Err(e) => e,
            }));
        });
    };
    let do_import = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        io_msg.set(Some("正在导入…".into()));
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string());
            let r = match text {
                None => Err("无法读取所选文件，请重新选择。".to_string()),
                Some(t) => export::import_json(&t).await,
            };
            io_msg.set(Some(match r {
                Ok(s) => format!(
                    "导入完成：新增记录 {} 条，更新 {} 条，本机较新而保留 {} 条，新增照片 {} 张。",
                    s.added, s.updated, s.kept_newer_local, s.photos_added
                ),
                Err(e) => e,
            }));
        });
    };
    view! {
        <section class="card form">
            <h1>"检查人员"</h1>
            <label for="me-name">"姓名"</label>
            <input
                id="me-name"
                prop:value=move || me.with(|p| p.name.clone())
                on:input=move |ev| me.update(|p| p.name = event_target_value(&ev))
            />
            <label for="me-unit">"检查单位"</label>
            <input
                id="me-unit"
                placeholder="如：忻府区应急管理局"
                prop:value=move || me.with(|p| p.unit.clone())
                on:input=move |ev| me.update(|p| p.unit = event_target_value(&ev))
            />
            <div class="actions">
                <button on:click=save>"保存"</button>
            </div>
            {move || saved.get().map(|m| view! { <p class="muted" role="status">{m}</p> })}
        </section>
        <section class="card">
            <h1>"导出与导入"</h1>
            <p class="muted">
                "把本机的全部检查记录和照片保存为一个文件，换手机、清理浏览器或长期不能联网时用它保底；导入不会产生重复记录。"
            </p>
            <div class="actions">
                <button on:click=do_export data-testid="export">"导出未同步数据"</button>
                <label class="btn secondary">
                    "导入数据文件"
                    <input
                        type="file"
                        accept="application/json,.json"
                        class="visually-hidden"
                        data-testid="import-input"
                        on:change=do_import
                    />
                </label>
            </div>
            {move || io_msg.get().map(|m| view! { <p role="status" data-testid="io-msg">{m}</p> })}
        </section>
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
