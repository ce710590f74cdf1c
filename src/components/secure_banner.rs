//! The app never fails silently where it cannot work: opened over plain http on the office
//! network (no offline start, no photo fingerprint, no camera, no sync), or inside WeChat/QQ/
//! Alipay/DingTalk/Weibo (no home screen, storage theirs to clear). A banner on every screen says
//! what does not work and what to do; photo and sync actions ask [`photo_refusal`] and
//! [`sync_refusal`] first. The rules and words are `model::client`'s.

use js_sys::Reflect;
use leptos::prelude::*;
use model::client::{Capabilities, InAppBrowser, ONBOARDING_PATH};
use wasm_bindgen::JsValue;

/// What this browser can do, read from the page (not cached: cheap, and a test may change it).
pub fn capabilities() -> Capabilities {
    let Some(window) = web_sys::window() else {
        return Capabilities::FULL;
    };
    let get = |target: &JsValue, key: &str| {
        Reflect::get(target, &JsValue::from_str(key))
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    };
    let win: &JsValue = window.as_ref();
    let secure_context = match get(win, "isSecureContext").and_then(|v| v.as_bool()) {
        Some(b) => b,
        // A browser too old to say: only https counts (localhost is a developer's machine).
        None => window.location().protocol().is_ok_and(|p| p == "https:"),
    };
    let navigator: JsValue = window.navigator().into();
    let service_worker = get(&navigator, "serviceWorker").is_some();
    let subtle_crypto = get(win, "crypto").and_then(|c| get(&c, "subtle")).is_some();
    Capabilities {
        secure_context,
        service_worker,
        subtle_crypto,
    }
}

/// The in-app browser this page runs in, if any.
pub fn in_app_browser() -> Option<InAppBrowser> {
    let ua = web_sys::window()?.navigator().user_agent().ok()?;
    InAppBrowser::detect(&ua)
}

/// Why no photo can be taken or added here (`None`: photos work). Asked before every photo
/// action, so the inspector hears it before taking the picture, not after.
pub fn photo_refusal() -> Option<String> {
    capabilities().photo_refusal().map(str::to_string)
}

/// Why sync does not run here (`None`: it may).
pub fn sync_refusal() -> Option<String> {
    capabilities().sync_refusal().map(str::to_string)
}

/// The ⋯ menu of an in-app browser and its "在浏览器中打开" item (steps 1 and 2). Presentation
/// attributes only: the CSP allows no inline style. Kept in step with server/assets/onboarding.html.
const MENU_PICTURE: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 176" width="320" height="176" role="img" aria-label="点右上角的 ⋯，再点“在浏览器中打开”"><rect x="1" y="1" width="318" height="174" rx="14" fill="#fff" stroke="#8a93a0" stroke-width="2"/><path d="M1 15a14 14 0 0 1 14-14h290a14 14 0 0 1 14 14v27H1z" fill="#ededed"/><text x="18" y="28" font-size="17" fill="#111">✕</text><text x="150" y="28" font-size="15" fill="#111" text-anchor="middle">隐患排查</text><circle cx="290" cy="21" r="16" fill="#fff" stroke="#d93025" stroke-width="3"/><text x="290" y="27" font-size="20" font-weight="700" fill="#111" text-anchor="middle">⋯</text><circle cx="258" cy="21" r="10" fill="#d93025"/><text x="258" y="26" font-size="13" font-weight="700" fill="#fff" text-anchor="middle">1</text><rect x="14" y="56" width="110" height="10" rx="5" fill="#dfe3e8"/><rect x="14" y="76" width="90" height="10" rx="5" fill="#dfe3e8"/><rect x="14" y="96" width="118" height="10" rx="5" fill="#dfe3e8"/><rect x="14" y="116" width="70" height="10" rx="5" fill="#dfe3e8"/><rect x="150" y="48" width="160" height="118" rx="8" fill="#fff" stroke="#8a93a0"/><text x="166" y="74" font-size="14" fill="#4a4a4a">发送给朋友</text><rect x="156" y="88" width="148" height="36" rx="6" fill="#fde7e6" stroke="#d93025" stroke-width="2"/><text x="166" y="112" font-size="15" font-weight="700" fill="#b3261e">在浏览器中打开</text><circle cx="142" cy="106" r="10" fill="#d93025"/><text x="142" y="111" font-size="13" font-weight="700" fill="#fff" text-anchor="middle">2</text><text x="166" y="150" font-size="14" fill="#4a4a4a">复制链接</text></svg>"##;

/// Mounted once in the app frame, above every screen.
#[component]
pub fn SecureBanner() -> impl IntoView {
    let advice = capabilities().advice();
    let in_app = in_app_browser();
    // The picture takes room on a phone: it can be folded away (for this visit only).
    let folded = RwSignal::new(false);
    view! {
        {advice
            .map(|a| {
                let lost = a.lost.join("、");
                view! {
                    <div class="banner error full-width secure-banner" role="alert" data-testid="insecure-banner">
                        <p class="secure-title">{a.title}</p>
                        <p>
                            "不能用：" {lost} "。" {a.risk.map(|r| format!("{r}。"))}
                        </p>
                        <p>{a.action}</p>
                        {a
                            .onboarding
                            .then(|| {
                                view! {
                                    // rel=external: a plain link that leaves the app (the server
                                    // serves this page), not a route of the router.
                                    <a class="btn" href=ONBOARDING_PATH rel="external" data-testid="onboarding-link">
                                        "查看安装证书和打开步骤"
                                    </a>
                                }
                            })}
                    </div>
                }
            })}
        {in_app
            .map(|app| {
                let steps = app.steps();
                view! {
                    <div class="banner warn full-width secure-banner" role="alert" data-testid="inapp-banner">
                        <p class="secure-title">{app.warning()}</p>
                        <Show
                            when=move || !folded.get()
                            fallback=move || {
                                view! {
                                    <button class="btn small secondary" on:click=move |_| folded.set(false)>
                                        "查看方法"
                                    </button>
                                }
                            }
                        >
                            <ol class="inapp-steps">
                                {steps.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}
                            </ol>
                            <div class="inapp-picture" inner_html=MENU_PICTURE></div>
                            <button class="btn small secondary" on:click=move |_| folded.set(true)>
                                "收起"
                            </button>
                        </Show>
                    </div>
                }
            })}
    }
}
