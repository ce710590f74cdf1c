use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// Offered when a new version is installed; never forced, so nobody loses a form mid-entry
/// (drafts are saved anyway, but the choice stays with the user).
#[component]
pub fn UpdatePrompt() -> impl IntoView {
    let w = crate::browser::window();
    let already = js_sys::Reflect::get(&w, &JsValue::from_str("yinhuanUpdateReady"))
        .map(|v| v.is_truthy())
        .unwrap_or(false);
    let (ready, set_ready) = signal(already);
    super::on_window_event("yinhuan-update", move || set_ready.set(true));
    let apply = move |_| {
        let w = crate::browser::window();
        if let Ok(f) = js_sys::Reflect::get(&w, &JsValue::from_str("yinhuanApplyUpdate")) {
            if let Some(f) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&f) {
                let _ = f.call0(&w);
            }
        }
    };
    view! {
        <Show when=move || ready.get()>
            <div class="banner info" role="alert">
                <span>"有新版本可用。已填写的内容均已保存在本机。"</span>
                <button class="btn small" on:click=apply>"立即更新"</button>
            </div>
        </Show>
    }
}
