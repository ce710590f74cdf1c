//! 下载附件N（Excel）: the server lays the annexes out as the paper form (.xlsx); the PWA only
//! fetches the file with the user's token and hands it to the browser to save. The on-screen
//! tables are computed on the device and need neither network nor login; only the file does.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Request, RequestInit, Response};

use crate::browser::{is_online, now_ms, window};
use crate::sync::session;

/// Said when the file cannot be had right now; the tables on screen still work offline.
const NEED_NETWORK: &str =
    "当前离线，无法下载 Excel。请联网并登录后再下载；本页表格离线也可查看和打印。";
const NEED_LOGIN: &str =
    "尚未登录，无法下载 Excel。请联网并到“同步”页登录后再下载；本页表格离线也可查看和打印。";
const LOGIN_EXPIRED: &str =
    "登录已过期，请到“同步”页重新登录后再下载；本页表格离线也可查看和打印。";

/// What a finished download was saved as, or why it failed (Chinese, says what to do).
pub type DownloadResult = Result<String, String>;

/// Fetches `path` (an `/api/reports/…` URL) with the bearer token and saves the answer as a
/// file. The name comes from `Content-Disposition` (the server's Chinese name), else `fallback`.
/// With a `body` (JSON) it is a `POST`: 附件1 sends the county's text rows with it.
pub async fn download_report(path: &str, fallback: &str, body: Option<String>) -> DownloadResult {
    let body = body.map(|b| (JsValue::from_str(&b), "application/json".to_owned()));
    download(path, fallback, body).await
}

/// [`download_report`] for a `POST` whose body is a file (the roster's error report is made
/// from the uploaded roster itself, so nothing is kept on the server between requests).
pub async fn download_with_file(
    path: &str,
    fallback: &str,
    file: &Blob,
    content_type: &str,
) -> DownloadResult {
    let body: &JsValue = file.as_ref();
    download(
        path,
        fallback,
        Some((body.clone(), content_type.to_owned())),
    )
    .await
}

async fn download(path: &str, fallback: &str, body: Option<(JsValue, String)>) -> DownloadResult {
    // Checked first so an offline user gets the reason, not a network error.
    if !is_online() {
        return Err(NEED_NETWORK.to_owned());
    }
    let Some(s) = session::current() else {
        return Err(NEED_LOGIN.to_owned());
    };
    if s.expires_at <= now_ms() {
        return Err(LOGIN_EXPIRED.to_owned());
    }
    let resp = fetch(path, &s.token, body).await?;
    let status = resp.status();
    if status == 401 {
        return Err(LOGIN_EXPIRED.to_owned());
    }
    if !resp.ok() {
        return Err(server_message(&resp, status).await);
    }
    let name = resp
        .headers()
        .get("Content-Disposition")
        .ok()
        .flatten()
        .and_then(|h| filename_of(&h))
        .unwrap_or_else(|| fallback.to_owned());
    let blob: Blob = JsFuture::from(resp.blob().map_err(js_text)?)
        .await
        .map_err(|_| NEED_NETWORK.to_owned())?
        .dyn_into()
        .map_err(js_text)?;
    save_blob(&blob, &name)?;
    Ok(name)
}

fn js_text(e: JsValue) -> String {
    format!("下载失败：{}", crate::photo::js_error_text(&e))
}

async fn fetch(
    path: &str,
    token: &str,
    body: Option<(JsValue, String)>,
) -> Result<Response, String> {
    let init = RequestInit::new();
    let headers = web_sys::Headers::new().map_err(js_text)?;
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(js_text)?;
    match body {
        Some((b, content_type)) => {
            init.set_method("POST");
            headers
                .set("Content-Type", &content_type)
                .map_err(js_text)?;
            init.set_body(&b);
        }
        None => init.set_method("GET"),
    }
    init.set_headers(&headers);
    let req = Request::new_with_str_and_init(path, &init).map_err(js_text)?;
    // fetch rejects only when the server cannot be reached (navigator.onLine can be wrong).
    JsFuture::from(window().fetch_with_request(&req))
        .await
        .map_err(|_| NEED_NETWORK.to_owned())?
        .dyn_into()
        .map_err(js_text)
}

/// The server's own `{code, message}` (already Chinese), shown as it comes.
async fn server_message(resp: &Response, status: u16) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
    }
    let text = match resp.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_string()),
        Err(_) => None,
    }
    .unwrap_or_default();
    match serde_json::from_str::<Body>(&text) {
        Ok(b) => b.message,
        Err(_) => format!("服务器返回错误 {status}，请稍后再试。"),
    }
}

/// `filename*=UTF-8''…` (RFC 6266, the Chinese name) if present, else the plain `filename`.
fn filename_of(header: &str) -> Option<String> {
    let mut plain = None;
    for part in header.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=") {
            let v = v.trim_matches('"');
            let encoded = v.split_once("''").map_or(v, |(_, rest)| rest);
            if let Ok(s) = js_sys::decode_uri_component(encoded) {
                let s = String::from(s);
                if !s.trim().is_empty() {
                    return Some(s);
                }
            }
        } else if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim_matches('"').to_owned());
        }
    }
    plain.filter(|s| !s.trim().is_empty())
}

/// Blob → object URL → a clicked `<a download>`: the one way that works on every phone browser
/// without a popup. The URL is revoked later, as revoking at once can cancel the save.
fn save_blob(blob: &Blob, name: &str) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(js_text)?;
    let doc = window().document().ok_or("下载失败：无法访问页面")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").map_err(js_text)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}

/// One 下载 button with its own status line (busy, saved as …, or the reason it failed).
/// `url` and `fallback` are read when pressed, so they follow the page's selectors.
#[component]
pub fn DownloadButton(
    label: &'static str,
    testid: &'static str,
    #[prop(into)] url: Signal<String>,
    #[prop(into)] fallback: Signal<String>,
    /// JSON sent with the request (then a POST), read when pressed.
    #[prop(optional, into)]
    body: Option<Signal<String>>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<DownloadResult>);
    let go = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        result.set(None);
        let (u, f) = (url.get_untracked(), fallback.get_untracked());
        let b = body.map(|b| b.get_untracked());
        leptos::task::spawn_local(async move {
            let r = download_report(&u, &f, b).await;
            busy.set(false);
            result.set(Some(r));
        });
    };
    view! {
        <div class="download">
            <button class="secondary" data-testid=testid on:click=go disabled=move || busy.get()>
                {move || if busy.get() { "正在下载…" } else { label }}
            </button>
            {move || {
                result
                    .get()
                    .map(|r| match r {
                        Ok(name) => {
                            view! {
                                <p class="muted" role="status" data-testid="download-status">
                                    {format!("已下载：{name}")}
                                </p>
                            }
                                .into_any()
                        }
                        Err(msg) => {
                            view! {
                                <p class="banner error" role="alert" data-testid="download-error">
                                    {msg}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </div>
    }
}
