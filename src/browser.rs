//! Small wrappers over browser APIs the UI needs (clock, randomness, service worker, storage
//! persistence). Each returns plain values or Chinese error text; nothing here panics.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub fn window() -> web_sys::Window {
    web_sys::window().expect("no window: the app only runs in a browser page")
}

/// Device time in unix milliseconds. Field clocks can be wrong; photos also keep GPS time.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The device's local calendar date (inspectors think in local days, not UTC).
pub fn today() -> model::date::Date {
    let d = js_sys::Date::new_0();
    model::date::Date::new(
        d.get_full_year() as i32,
        (d.get_month() + 1) as u8,
        d.get_date() as u8,
    )
    .expect("the browser gave an impossible date")
}

/// Random bytes from the Web Crypto API (never a predictable fallback: ids must not collide).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    window()
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut buf))
        .expect("crypto.getRandomValues is unavailable");
    buf
}

/// A new UUIDv7 for a record made on this device.
pub fn new_id() -> uuid::Uuid {
    model::ids::new_record_id(now_ms() as u64, random_bytes::<10>())
}

pub fn is_online() -> bool {
    window().navigator().on_line()
}

/// What the browser says about keeping our data (see FIELD-LESSONS: eviction).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct StorageInfo {
    pub persisted: Option<bool>,
    pub usage: Option<f64>,
    pub quota: Option<f64>,
}

impl StorageInfo {
    pub fn ratio(&self) -> Option<f64> {
        match (self.usage, self.quota) {
            (Some(u), Some(q)) if q > 0.0 => Some(u / q),
            _ => None,
        }
    }
}

async fn call_storage(method: &str) -> Option<JsValue> {
    let storage = window().navigator().storage();
    let f = Reflect::get(&storage, &JsValue::from_str(method)).ok()?;
    let f: js_sys::Function = f.dyn_into().ok()?;
    let promise: js_sys::Promise = f.call0(&storage).ok()?.dyn_into().ok()?;
    JsFuture::from(promise).await.ok()
}

/// Asks for persistent storage (once per start; browsers remember a grant) and reads usage.
pub async fn storage_info() -> StorageInfo {
    let persisted = match call_storage("persist").await {
        Some(v) => v.as_bool(),
        None => None,
    };
    let estimate = call_storage("estimate").await;
    let num = |k: &str| {
        estimate
            .as_ref()
            .and_then(|e| Reflect::get(e, &JsValue::from_str(k)).ok())
            .and_then(|v| v.as_f64())
    };
    StorageInfo {
        persisted,
        usage: num("usage"),
        quota: num("quota"),
    }
}

/// Human-readable size in Chinese UI style.
pub fn format_bytes(n: f64) -> String {
    if n >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GB", n / 1024.0 / 1024.0 / 1024.0)
    } else if n >= 1024.0 * 1024.0 {
        format!("{:.1} MB", n / 1024.0 / 1024.0)
    } else {
        format!("{:.0} KB", n / 1024.0)
    }
}

/// Resolves after the browser has painted what is on screen, so that work which holds the page
/// (decoding the whole 隐患台账, fetching and compiling a chunk) comes after what is already drawn.
pub async fn after_paint() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let later = wasm_bindgen::closure::Closure::once_into_js(move || {
            // A task after the frame's callbacks: the frame has been painted by then.
            let _ = window().set_timeout_with_callback(resolve.unchecked_ref());
        });
        if window()
            .request_animation_frame(later.unchecked_ref())
            .is_err()
        {
            let _ = later
                .unchecked_ref::<js_sys::Function>()
                .call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}
