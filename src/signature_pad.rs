//! A finger signature on a canvas, kept as a PNG like a photo (keyed by its SHA-256).

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, PointerEvent};

use crate::photo::{blob_bytes, sha256_hex};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 360;

fn context(c: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    c.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// Canvas pixel position of a pointer event (the canvas is scaled by CSS to the screen width).
fn point(c: &HtmlCanvasElement, ev: &PointerEvent) -> (f64, f64) {
    let rect = c.get_bounding_client_rect();
    let sx = f64::from(c.width()) / rect.width().max(1.0);
    let sy = f64::from(c.height()) / rect.height().max(1.0);
    (
        (f64::from(ev.client_x()) - rect.left()) * sx,
        (f64::from(ev.client_y()) - rect.top()) * sy,
    )
}

async fn to_png(c: &HtmlCanvasElement) -> Result<Blob, String> {
    // toBlob's callback is the Promise's own `resolve`: no Rust closure must outlive the call.
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        if let Err(e) = c.to_blob_with_type(&resolve, "image/png") {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        }
    });
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.dyn_into::<Blob>().ok())
        .ok_or_else(|| "无法导出签名图片，请重试".to_string())
}

/// Signature pad; `on_done(png, sha256)` when the signer confirms, `on_cancel` otherwise.
#[component]
pub fn SignaturePad(
    title: String,
    on_done: impl Fn(Blob, String) + Clone + 'static,
    on_cancel: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let drawing = RwSignal::new(false);
    let strokes = RwSignal::new(0u32);
    let error = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        if let Some(c) = canvas.get() {
            if let Some(ctx) = context(&c) {
                ctx.set_fill_style_str("#fff");
                ctx.fill_rect(0.0, 0.0, f64::from(WIDTH), f64::from(HEIGHT));
                ctx.set_line_width(5.0);
                ctx.set_line_cap("round");
                ctx.set_line_join("round");
                ctx.set_stroke_style_str("#000");
            }
        }
    });

    let down = move |ev: PointerEvent| {
        let Some(c) = canvas.get_untracked() else {
            return;
        };
        ev.prevent_default();
        let _ = c.set_pointer_capture(ev.pointer_id());
        let (x, y) = point(&c, &ev);
        if let Some(ctx) = context(&c) {
            ctx.begin_path();
            ctx.move_to(x, y);
            // A tap leaves a dot.
            ctx.line_to(x + 0.1, y + 0.1);
            ctx.stroke();
        }
        drawing.set(true);
        strokes.update(|n| *n += 1);
    };
    let moved = move |ev: PointerEvent| {
        if !drawing.get_untracked() {
            return;
        }
        let Some(c) = canvas.get_untracked() else {
            return;
        };
        let (x, y) = point(&c, &ev);
        if let Some(ctx) = context(&c) {
            ctx.line_to(x, y);
            ctx.stroke();
        }
    };
    let up = move |_ev: PointerEvent| drawing.set(false);
    let clear = move |_| {
        if let Some(c) = canvas.get_untracked() {
            if let Some(ctx) = context(&c) {
                ctx.fill_rect(0.0, 0.0, f64::from(WIDTH), f64::from(HEIGHT));
            }
        }
        strokes.set(0);
    };
    let confirm = move |_| {
        if strokes.get_untracked() == 0 {
            error.set(Some("请先在框内签名，再点确认。".into()));
            return;
        }
        let Some(c) = canvas.get_untracked() else {
            return;
        };
        let on_done = on_done.clone();
        leptos::task::spawn_local(async move {
            let r = async {
                let png = to_png(&c).await?;
                let bytes = blob_bytes(&png).await.map_err(|e| e.to_string())?;
                let sha = sha256_hex(&bytes).await.map_err(|e| e.to_string())?;
                Ok::<_, String>((png, sha))
            }
            .await;
            match r {
                Ok((png, sha)) => on_done(png, sha),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let cancel = move |_| on_cancel();
    let label = title.clone();
    view! {
        <div class="sign-pad no-print" role="dialog" aria-label=label>
            <h2>{title}</h2>
            <p class="muted">"请用手指在白框内签名。"</p>
            <canvas
                node_ref=canvas
                width=WIDTH
                height=HEIGHT
                data-testid="signature-canvas"
                on:pointerdown=down
                on:pointermove=moved
                on:pointerup=up
                on:pointercancel=up
            ></canvas>
            {move || error.get().map(|e| view! { <p class="field-msg error" role="alert">{e}</p> })}
            <div class="actions">
                <button class="secondary" on:click=cancel>"取消"</button>
                <button class="secondary" on:click=clear>"重写"</button>
                <button on:click=confirm data-testid="signature-confirm">"确认签字"</button>
            </div>
        </div>
    }
}
