//! The on-device pipeline: decode → downscale → stamp → JPEG → SHA-256.
//!
//! A detached `<canvas>` is used rather than an `OffscreenCanvas`: we draw on the main thread
//! either way, and the element works on every phone browser the inspectors carry (OffscreenCanvas
//! 2D needs Safari 16.4+), so there is one code path to test.

use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, ImageBitmapOptions,
    ImageOrientation,
};

use super::{
    blob_bytes, js_error_name, js_error_text, now_precise_ms, sha256_hex, PhotoError, Stamp,
    MAX_INPUT_BYTES,
};

/// Tuning of the pipeline; the defaults are the campaign's (issue 3: long side ≈1600, JPEG ≈0.8).
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessOptions {
    /// The output's longer side is at most this many pixels; smaller pictures are not upscaled.
    pub max_long_side: u32,
    /// JPEG quality, 0..1.
    pub quality: f64,
}

impl Default for ProcessOptions {
    fn default() -> Self {
        ProcessOptions {
            max_long_side: 1600,
            quality: 0.8,
        }
    }
}

/// A stamped, re-encoded photo ready to be stored under `sha256`.
#[derive(Clone, Debug)]
pub struct ProcessedPhoto {
    /// Lowercase hex SHA-256 of exactly the bytes of `blob`.
    pub sha256: String,
    /// `image/jpeg`.
    pub blob: Blob,
    pub bytes: u32,
    pub width: u32,
    pub height: u32,
    pub original_bytes: u32,
    /// Wall time of the whole pipeline, for the benchmark table.
    pub ms_taken: f64,
}

/// Turns a camera shot, gallery pick or signature into the stored evidence photo.
pub async fn process_photo(
    input: &Blob,
    stamp: &Stamp,
    opts: &ProcessOptions,
) -> Result<ProcessedPhoto, PhotoError> {
    if let Some(msg) = crate::components::secure_banner::photo_refusal() {
        return Err(PhotoError::NotSecure(msg));
    }
    let started = now_precise_ms();
    let size = input.size();
    if size > f64::from(MAX_INPUT_BYTES) {
        return Err(PhotoError::TooLarge {
            mb: size / 1024.0 / 1024.0,
        });
    }
    if size <= 0.0 {
        return Err(PhotoError::Undecodable {
            detail: "空文件".into(),
        });
    }

    let bitmap = decode(input).await?;
    let (width, height) = fit(bitmap.0.width(), bitmap.0.height(), opts.max_long_side);
    let canvas = Canvas::new(width, height)?;
    let ctx = &canvas.ctx;
    // White under the picture: a signature is a transparent PNG, and transparent pixels would
    // otherwise come out black in the JPEG.
    ctx.set_fill_style_str("#fff");
    ctx.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
    // "high" makes Chromium/Safari filter properly on a 2.5× reduction instead of aliasing fine
    // detail (rust stains, crack lines) away. Not in web-sys, hence Reflect; ignored where unknown.
    let _ = Reflect::set(
        ctx,
        &JsValue::from_str("imageSmoothingQuality"),
        &JsValue::from_str("high"),
    );
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(
        &bitmap.0,
        0.0,
        0.0,
        f64::from(width),
        f64::from(height),
    )
    .map_err(|e| PhotoError::Canvas(js_error_text(&e)))?;
    // The full-size decoded picture is ~48 MB for 12 MP: free it now, not at the next GC.
    drop(bitmap);

    draw_stamp(ctx, width, height, &stamp.lines())?;
    let blob = canvas_to_jpeg(&canvas.el, opts.quality).await?;
    drop(canvas);

    // Hash what will be stored, read back from the Blob, so the key is the hash of the bytes the
    // server will receive and can verify.
    let bytes = blob_bytes(&blob).await?;
    let sha256 = sha256_hex(&bytes).await?;
    Ok(ProcessedPhoto {
        sha256,
        bytes: bytes.len() as u32,
        blob,
        width,
        height,
        original_bytes: size as u32,
        ms_taken: now_precise_ms() - started,
    })
}

/// The output size: the long side at most `max_long_side`, aspect kept, never upscaled.
pub fn fit(width: u32, height: u32, max_long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_long_side || long == 0 {
        return (width, height);
    }
    let scale = f64::from(max_long_side) / f64::from(long);
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (side(width), side(height))
}

/// An ImageBitmap that is closed when dropped (also on error paths), releasing its pixels at once.
struct Bitmap(ImageBitmap);

impl Drop for Bitmap {
    fn drop(&mut self) {
        self.0.close();
    }
}

async fn decode(blob: &Blob) -> Result<Bitmap, PhotoError> {
    let window = crate::browser::window();
    if !Reflect::has(&window, &JsValue::from_str("createImageBitmap")).unwrap_or(false) {
        return Err(PhotoError::Unsupported(
            "图片解码（createImageBitmap）".into(),
        ));
    }
    // Phones store portrait shots as landscape pixels plus an EXIF rotation; "from-image" applies
    // it so the evidence is upright.
    let opts = ImageBitmapOptions::new();
    opts.set_image_orientation(ImageOrientation::FromImage);
    let first = match window.create_image_bitmap_with_blob_and_image_bitmap_options(blob, &opts) {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    };
    let value = match first {
        Ok(v) => v,
        // Browsers that predate "from-image" reject the option itself with a TypeError; they
        // decode without options (and Safari applies EXIF rotation by default).
        Err(e) if js_error_name(&e) == "TypeError" => {
            let p = window.create_image_bitmap_with_blob(blob).map_err(|e| {
                PhotoError::Undecodable {
                    detail: js_error_text(&e),
                }
            })?;
            JsFuture::from(p)
                .await
                .map_err(|e| PhotoError::Undecodable {
                    detail: js_error_text(&e),
                })?
        }
        Err(e) => {
            return Err(PhotoError::Undecodable {
                detail: js_error_text(&e),
            })
        }
    };
    let bitmap = Bitmap(value.unchecked_into());
    if bitmap.0.width() == 0 || bitmap.0.height() == 0 {
        return Err(PhotoError::Undecodable {
            detail: "图片尺寸为 0".into(),
        });
    }
    Ok(bitmap)
}

/// A detached `<canvas>`, shrunk to 0×0 when dropped: iOS Safari counts canvas memory against a
/// small per-page limit until garbage collection, and a day of photos would otherwise exhaust it.
pub(crate) struct Canvas {
    pub el: HtmlCanvasElement,
    pub ctx: CanvasRenderingContext2d,
}

impl Canvas {
    pub(crate) fn new(width: u32, height: u32) -> Result<Canvas, PhotoError> {
        let el: HtmlCanvasElement = crate::browser::window()
            .document()
            .ok_or_else(|| PhotoError::Canvas("页面没有 document".into()))?
            .create_element("canvas")
            .map_err(|e| PhotoError::Canvas(js_error_text(&e)))?
            .unchecked_into();
        el.set_width(width);
        el.set_height(height);
        // Opaque: JPEG has no alpha, and an opaque canvas is cheaper to composite and encode.
        let attrs = js_sys::Object::new();
        let _ = Reflect::set(&attrs, &JsValue::from_str("alpha"), &JsValue::FALSE);
        let ctx = el
            .get_context_with_context_options("2d", &attrs)
            .map_err(|e| PhotoError::Canvas(js_error_text(&e)))?
            .ok_or_else(|| PhotoError::Canvas(format!("无法创建 {width}×{height} 画布")))?
            .unchecked_into();
        Ok(Canvas { el, ctx })
    }
}

impl Drop for Canvas {
    fn drop(&mut self) {
        self.el.set_width(0);
        self.el.set_height(0);
    }
}

/// Encodes the canvas as JPEG through the browser's encoder.
pub(crate) async fn canvas_to_jpeg(
    canvas: &HtmlCanvasElement,
    quality: f64,
) -> Result<Blob, PhotoError> {
    // toBlob's callback is the Promise's own `resolve`, so no Rust closure has to outlive this call.
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(e) =
            canvas.to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &quality.into())
        {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        }
    });
    let value = JsFuture::from(promise)
        .await
        .map_err(|e| PhotoError::Encode(js_error_text(&e)))?;
    // toBlob hands over null when it could not allocate the result.
    let blob: Blob = value
        .dyn_into()
        .map_err(|_| PhotoError::Encode("浏览器未生成图片，可能内存不足".into()))?;
    // A browser without a JPEG encoder silently falls back to PNG (several MB): refuse it.
    if blob.type_() != "image/jpeg" {
        return Err(PhotoError::Encode(format!(
            "浏览器不支持 JPEG 编码（得到 {}）",
            blob.type_()
        )));
    }
    Ok(blob)
}

/// Font stack for the stamp: the CJK faces of Android/Linux, iOS/macOS and Windows.
const FONT_STACK: &str = "\"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif";

/// Draws the evidence band along the bottom: a semi-opaque dark strip with three white lines.
/// Sizes follow the width so the stamp reads the same on every photo size.
fn draw_stamp(
    ctx: &CanvasRenderingContext2d,
    width: u32,
    height: u32,
    lines: &[String; 3],
) -> Result<(), PhotoError> {
    let (w, h) = (f64::from(width), f64::from(height));
    let font_px = (w * 0.022).round().max(10.0);
    let line_h = (font_px * 1.35).round();
    let pad = (font_px * 0.5).round();
    let band_h = (pad * 2.0 + line_h * lines.len() as f64).min(h);
    let top = h - band_h;

    ctx.set_fill_style_str("rgba(0, 0, 0, 0.55)");
    ctx.fill_rect(0.0, top, w, band_h);

    ctx.set_fill_style_str("#fff");
    ctx.set_text_baseline("middle");
    let room = (w - pad * 2.0).max(1.0);
    for (i, line) in lines.iter().enumerate() {
        // A long enterprise name shrinks its own line to fit rather than being cut off: the name
        // is the part of the stamp that identifies the site.
        let mut px = font_px;
        ctx.set_font(&format!("{px}px {FONT_STACK}"));
        let measured = ctx
            .measure_text(line)
            .map_err(|e| PhotoError::Canvas(js_error_text(&e)))?
            .width();
        if measured > room {
            px = (px * room / measured).floor().max(6.0);
            ctx.set_font(&format!("{px}px {FONT_STACK}"));
        }
        let y = top + pad + line_h * (i as f64 + 0.5);
        ctx.fill_text(line, pad, y)
            .map_err(|e| PhotoError::Canvas(js_error_text(&e)))?;
    }
    Ok(())
}
