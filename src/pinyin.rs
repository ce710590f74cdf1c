//! Pinyin initials for searching enterprise names ("xzgt" finds 忻州钢铁) without shipping a
//! pinyin table in the wasm: the browser's own zh collator orders characters by pinyin, so the
//! first character of each initial's range tells which initial a character has. Polyphones
//! get their most common reading, which is enough for search.

use js_sys::{Array, Intl, Object};
use wasm_bindgen::JsValue;

const LETTERS: &str = "ABCDEFGHJKLMNOPQRSTWXYZ";
/// The first character (in zh pinyin collation) of each initial's range, aligned with LETTERS.
const BOUNDARIES: &str = "阿八嚓哒妸发旮哈讥咔垃痳拏噢妑七呥扨它穵夕丫帀";

thread_local! {
    static COLLATOR: Intl::Collator =
        Intl::Collator::new(&Array::of1(&JsValue::from_str("zh-CN")), &Object::new());
}

fn initial(c: char) -> Option<char> {
    if c.is_ascii_alphanumeric() {
        return Some(c.to_ascii_lowercase());
    }
    if !('\u{4e00}'..='\u{9fff}').contains(&c) {
        return None;
    }
    COLLATOR.with(|col| {
        let compare = col.compare();
        let cmp = |a: char, b: char| -> f64 {
            compare
                .call2(
                    &JsValue::NULL,
                    &JsValue::from_str(&a.to_string()),
                    &JsValue::from_str(&b.to_string()),
                )
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(0.0)
        };
        let mut found = None;
        for (letter, boundary) in LETTERS.chars().zip(BOUNDARIES.chars()) {
            if cmp(c, boundary) >= 0.0 {
                found = Some(letter.to_ascii_lowercase());
            } else {
                break;
            }
        }
        found
    })
}

/// Lowercase initials of `name`, e.g. "忻州市钢铁有限公司" → "xzsgtyxgs".
pub fn initials(name: &str) -> String {
    name.chars().filter_map(initial).collect()
}

/// Does `name` match what the user typed: a substring of the name, or of its initials?
pub fn matches(name: &str, name_initials: &str, query: &str) -> bool {
    let q = query.trim();
    if q.is_empty() {
        return true;
    }
    if name.contains(q) {
        return true;
    }
    let q = q.to_ascii_lowercase();
    q.chars().all(|c| c.is_ascii_alphanumeric()) && name_initials.contains(&q)
}
