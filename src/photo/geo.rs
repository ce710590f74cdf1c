//! The device's position for the photo stamp. Always answers, never hangs: the inspector must
//! not wait on a GPS fix inside a steel shed, and "unknown" is a valid, stated answer.

use js_sys::{Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::PositionOptions;

use super::{js_error_text, Place};

/// Resolved by our own timer; a position object can never be this string.
const TIMER_FIRED: &str = "yinhuan:geo-timeout";

/// A cached fix up to this old is good enough: the inspector walks, they do not drive.
const MAX_AGE_MS: u32 = 60_000;

/// Asks for the current position, waiting at most about `timeout_ms`.
pub async fn current_place(timeout_ms: u32) -> Place {
    let window = crate::browser::window();
    let geo = match window.navigator().geolocation() {
        Ok(g) if !JsValue::from(g.clone()).is_undefined() => g,
        _ => return Place::Unavailable("此浏览器不支持定位".into()),
    };
    let opts = PositionOptions::new();
    opts.set_enable_high_accuracy(true);
    opts.set_timeout(timeout_ms);
    opts.set_maximum_age(MAX_AGE_MS);

    // The Promise's own resolve/reject are the geolocation callbacks, so no Rust closure is left
    // dangling when the browser answers after we stopped waiting.
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(e) =
            geo.get_current_position_with_error_callback_and_options(&resolve, Some(&reject), &opts)
        {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
            return;
        }
        // The browser's own timeout does not run while the permission prompt is open, so a prompt
        // the user ignores would wait forever; this timer caps the wait regardless.
        let guard_ms = timeout_ms.saturating_add(1_000).min(i32::MAX as u32) as i32;
        if let Err(e) = window.set_timeout_with_callback_and_timeout_and_arguments_1(
            &resolve,
            guard_ms,
            &JsValue::from_str(TIMER_FIRED),
        ) {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        }
    });

    match JsFuture::from(promise).await {
        Ok(v) if v.as_string().as_deref() == Some(TIMER_FIRED) => Place::Timeout,
        Ok(position) => read_position(&position),
        Err(e) => place_from_error(&e),
    }
}

fn num(obj: &JsValue, key: &str) -> Option<f64> {
    Reflect::get(obj, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .filter(|v| v.is_finite())
}

/// Read by name (GeolocationPosition's shape) so old and new browser bindings both work.
fn read_position(position: &JsValue) -> Place {
    let coords = Reflect::get(position, &JsValue::from_str("coords")).unwrap_or_default();
    match (
        num(&coords, "latitude"),
        num(&coords, "longitude"),
        num(&coords, "accuracy"),
    ) {
        (Some(lat), Some(lon), Some(accuracy_m)) => Place::Known {
            lat,
            lon,
            accuracy_m,
            gps_time_ms: num(position, "timestamp").unwrap_or_else(js_sys::Date::now) as i64,
        },
        _ => Place::Unavailable("定位结果不完整".into()),
    }
}

/// GeolocationPositionError codes: 1 denied, 2 unavailable, 3 timeout.
fn place_from_error(e: &JsValue) -> Place {
    match num(e, "code").map(|c| c as u32) {
        Some(1) => Place::Denied,
        Some(3) => Place::Timeout,
        Some(2) => {
            let msg = Reflect::get(e, &JsValue::from_str("message"))
                .ok()
                .and_then(|m| m.as_string())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "无法确定位置（可能在室内或未开启 GPS）".into());
            Place::Unavailable(msg)
        }
        _ => Place::Unavailable(js_error_text(e)),
    }
}
